// `import` (ESM) and `require` (CommonJS) both load the package, from a project that has it in
// node_modules, and give the very same objects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esm from '@grantex/sdk';
import { packageDir } from './helpers/server.mjs';

const PUBLIC = [
  'Grantex',
  'verifyGrantToken',
  'JwksCache',
  'verifyWebhook',
  'verifyWebhookSignature',
  'generatePkce',
  'verifyAuditChain',
  'deriveIssuer',
  'decodeJwtPayload',
  'getTokenInfo',
  'TOKEN_ERROR_CODES',
  'GrantexError',
  'GrantexApiError',
  'GrantexAuthError',
  'GrantexTokenError',
  'GrantexNetworkError',
  'GrantexTimeoutError',
  'GrantexDecodeError',
  'GrantexConfigError',
  'a2a',
];

let project;

before(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'grantex-node-modules-'));
  fs.mkdirSync(path.join(project, 'node_modules', '@grantex'), { recursive: true });
  fs.symlinkSync(packageDir, path.join(project, 'node_modules', '@grantex', 'sdk'), 'dir');
  fs.writeFileSync(path.join(project, 'package.json'), '{"name":"consumer","private":true}');
});

after(() => {
  fs.rmSync(project, { recursive: true, force: true });
});

function runIn(file, source) {
  const full = path.join(project, file);
  fs.writeFileSync(full, source);
  const r = spawnSync(process.execPath, [full], { cwd: project, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${file} failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('require() from a CommonJS consumer', () => {
  const out = runIn(
    'consumer.cjs',
    `const sdk = require('@grantex/sdk');
     const { Grantex, GrantexError } = sdk;
     let missingKey = null;
     try { new Grantex({ apiKey: '' }); } catch (e) { missingKey = [e.constructor.name, e instanceof Error, e instanceof GrantexError]; }
     console.log(JSON.stringify({
       keys: Object.keys(sdk),
       pkce: sdk.generatePkce().codeChallengeMethod,
       missingKey,
       errorChain: new sdk.GrantexAuthError('x', { statusCode: 401 }) instanceof GrantexError,
     }));`,
  );
  for (const name of PUBLIC) assert.ok(out.keys.includes(name), `require lacks ${name}`);
  assert.equal(out.pkce, 'S256');
  assert.deepEqual(out.missingKey, ['GrantexConfigError', true, true]);
  assert.equal(out.errorChain, true);
});

test('import from an ES module consumer, same objects as require()', () => {
  const out = runIn(
    'consumer.mjs',
    `import { createRequire } from 'node:module';
     import * as sdk from '@grantex/sdk';
     import { Grantex, GrantexTokenError, verifyGrantToken } from '@grantex/sdk';
     const cjs = createRequire(import.meta.url)('@grantex/sdk');
     const err = await verifyGrantToken('bad', { jwksUri: 'http://127.0.0.1:9/jwks' }).catch((e) => e);
     console.log(JSON.stringify({
       keys: Object.keys(sdk),
       sameClass: cjs.Grantex === Grantex && cjs.GrantexTokenError === GrantexTokenError,
       crossInstanceof: err instanceof cjs.GrantexTokenError && err.code,
     }));`,
  );
  for (const name of PUBLIC) assert.ok(out.keys.includes(name), `import lacks ${name}`);
  assert.equal(out.sameClass, true);
  assert.equal(out.crossInstanceof, 'malformed');
});

test('in this process too: the ESM namespace equals the CommonJS exports', () => {
  const cjs = createRequire(import.meta.url)('@grantex/sdk');
  for (const name of PUBLIC) assert.equal(esm[name], cjs[name], name);
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  assert.equal(pkg.name, '@grantex/sdk');
  assert.ok(pkg.engines.node.includes('18'));
});
