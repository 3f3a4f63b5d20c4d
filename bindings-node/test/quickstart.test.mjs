// Runs examples/node/quickstart.mjs (the product-page flow) against a test server, with the
// package installed into examples/node the way a user installs it (`npm install` of the path).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, startServer } from './helpers/server.mjs';

const exampleDir = path.join(repoRoot, 'examples', 'node');
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

test('quickstart runs the whole flow and exits 0', () => {
  const installed = path.join(exampleDir, 'node_modules', '@grantex', 'sdk', 'package.json');
  assert.ok(
    fs.existsSync(installed),
    `@grantex/sdk is not installed in ${exampleDir}: run \`npm install\` there (run-tests.sh does)`,
  );
  const r = spawnSync(process.execPath, ['quickstart.mjs'], {
    cwd: exampleDir,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, GRANTEX_BASE_URL: server.baseUrl, GRANTEX_API_KEY: server.apiKey },
  });
  assert.equal(r.status, 0, `quickstart failed:\n${r.stdout}\n${r.stderr}`);
  const out = r.stdout;
  for (const step of [
    '0. registered agents',
    '1. consent URL: ' + server.baseUrl,
    '2. approved',
    '3. grant token for grnt_',
    '4. verified offline: principal usr_alice',
    '5. delegated grnt_',
    '(depth 1)',
    '6. revoked; online verify: parent valid=false child valid=false',
    'grants.verify refuses the sub-agent\'s token: inactive',
    '7. offline verifier refuses a tampered token: bad_signature',
    '[node] done',
  ]) {
    assert.ok(out.includes(step), `missing "${step}" in:\n${out}`);
  }
});
