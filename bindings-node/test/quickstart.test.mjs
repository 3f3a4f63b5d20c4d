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
    '[node] server: ' + server.baseUrl,
    '[node] 1. register: agents ag_',
    '(travel-assistant) and ag_',
    '[node] 2. authorize: consent URL ' + server.baseUrl,
    // The test server's key is a live key: consent is a real step.
    '[node] 3. consent: approved; authorization code received',
    '[node] 4. exchange: grant token for grnt_',
    'scopes calendar:read, email:send',
    '[node] 5. verify offline: principal usr_alice, agent did:grantex:ag_',
    '[node] 6. delegate: grant grnt_',
    '(depth 1, scopes calendar:read)',
    '[node] 7. revoke: grant grnt_',
    'online verify: grant valid=false, delegated grant valid=false',
    "[node]    grants.verify refuses the sub-agent's token: inactive",
    '[node] 8. tamper: the offline verifier refuses a forged signature: bad_signature',
    '[node] done',
  ]) {
    assert.ok(out.includes(step), `missing "${step}" in:\n${out}`);
  }
  // The eight steps, once each and in order.
  const at = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => {
    const marker = `[node] ${n}. `;
    assert.equal(out.split(marker).length, 2, `step ${n} printed ${out.split(marker).length - 1} times`);
    return out.indexOf(marker);
  });
  assert.deepEqual([...at].sort((a, b) => a - b), at, `steps out of order:\n${out}`);
});
