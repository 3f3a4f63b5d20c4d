// Issue 14's import-time work: `require('@grantex/sdk')` loads only the native addon and resolves
// every export on first access (lib/lazy.cjs), the ESM entries read the CommonJS module with
// `require` (no CommonJS translation by the ESM loader), the musl check reads /usr/bin/ldd rather
// than making a diagnostic report, and the namespace classes are made with the first client.
// None of it may show in the API: the names, their order, the very same objects whichever way
// they are reached, plain data properties once read, assignment, `instanceof`. (The timing
// itself is measured by the package stage on the installed tarball: scripts/lib/package-tests.sh.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import * as esm from '@grantex/sdk';
import * as esmA2a from '@grantex/sdk/a2a';
import { packageDir } from './helpers/server.mjs';

const require = createRequire(import.meta.url);
const lib = path.join(packageDir, 'lib');

const PUBLIC = [
  'Grantex',
  'verifyGrantToken',
  'JwksCache',
  'verifyWebhook',
  'verifyWebhookSignature',
  'generatePkce',
  'generateDpopJwk',
  'dpopPublicJwk',
  'jwkThumbprint',
  'createDpopProof',
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
  'Permission',
  'permissionCovers',
  'ToolManifest',
  'ManifestValidationError',
  'parseToolDeclaration',
  'toolSpecToObject',
  'parseManifestJson',
  'isValidPurposePattern',
  'MANIFEST_SCHEMA_ID',
  'MAX_COUNT',
  'RESERVED_TOOL_NAME',
  'MAX_DECISION_FIELDS',
  'manifests',
  'DenialReason',
  'ManifestSubReason',
  'CapSubReason',
  'PurposeSubReason',
  'ToolSubReason',
  'RevocationSubReason',
  'TokenSubReason',
  'RegionSubReason',
  'DecisionSubReason',
  'a2a',
  'mcp',
];

const A2A = [
  'A2AClient',
  'A2AGrantexClient',
  'A2AGuard',
  'createA2AAuthMiddleware',
  'buildGrantexAgentCard',
  'parseAgentCard',
  'grantexConfigOf',
  'peekRequest',
  'userText',
  'AGENT_CARD_PATH',
  'MAX_BODY_BYTES',
  'A2AError',
  'A2APreflightError',
  'A2ARpcError',
  'A2AHttpError',
  'A2ACardError',
  'A2AProtocolError',
  'A2AAuthError',
];

/** Runs `source` (CommonJS, or ESM with `esm`) in a fresh process in the package directory;
 * its last stdout line is JSON. */
function fresh(source, { esm: isEsm = false } = {}) {
  const args = isEsm ? ['--input-type=module', '-e', source] : ['-e', source];
  const r = spawnSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** The package's own modules loaded in the child (file names under lib/, sorted). */
const LOADED = `Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(lib + path.sep)}))
  .map((f) => f.slice(${JSON.stringify(lib + path.sep)}.length)).sort()`;

test('require() loads the addon and nothing else of the package', () => {
  const out = fresh(`const sdk = require('@grantex/sdk'); console.log(JSON.stringify(${LOADED}));`);
  assert.deepEqual(out, ['index.cjs', 'lazy.cjs', 'native.cjs', 'platform.cjs']);
});

test('each export loads only what it needs', () => {
  const out = fresh(`
    const sdk = require('@grantex/sdk');
    const seen = {};
    for (const name of ['verifyGrantToken', 'GrantexTokenError', 'generatePkce', 'Grantex', 'a2a']) {
      void sdk[name];
      seen[name] = ${LOADED};
    }
    void sdk.a2a.A2AGuard;
    seen.A2AGuard = ${LOADED};
    console.log(JSON.stringify(seen));`);
  const base = ['index.cjs', 'lazy.cjs', 'native.cjs', 'platform.cjs'];
  const plus = (...files) => [...base, ...files].sort();
  assert.deepEqual(out.verifyGrantToken, plus('errors.cjs', 'verify.cjs'));
  assert.deepEqual(out.GrantexTokenError, plus('errors.cjs', 'verify.cjs'));
  assert.deepEqual(out.generatePkce, plus('errors.cjs', 'verify.cjs', 'misc.cjs'));
  assert.deepEqual(out.Grantex, plus('errors.cjs', 'verify.cjs', 'misc.cjs', 'client.cjs', 'operations.cjs'));
  assert.deepEqual(out.a2a, plus('errors.cjs', 'verify.cjs', 'misc.cjs', 'client.cjs', 'operations.cjs', 'a2a.cjs'));
  assert.deepEqual(
    out.A2AGuard,
    plus('errors.cjs', 'verify.cjs', 'misc.cjs', 'client.cjs', 'operations.cjs', 'a2a.cjs', 'a2a-guard.cjs', 'a2a-options.cjs'),
  );
});

test('import() evaluates every named export but loads none of the A2A modules', () => {
  const out = fresh(
    `import { createRequire } from 'node:module';
     const require = createRequire(import.meta.url);
     const sdk = await import('@grantex/sdk');
     console.log(JSON.stringify({ names: Object.keys(sdk), loaded: ${LOADED} }));`,
    { esm: true },
  );
  assert.deepEqual(out.names, [...PUBLIC].sort());
  assert.ok(!out.loaded.some((f) => f.startsWith('a2a-')), out.loaded.join(' '));
  assert.ok(out.loaded.includes('a2a.cjs'));
});

test('the exports: same names in the same order, data properties once read, the same objects', () => {
  const out = fresh(`
    const sdk = require('@grantex/sdk');
    const keys = Object.keys(sdk);
    const before = Object.getOwnPropertyDescriptor(sdk, 'Grantex');
    const first = sdk.Grantex;
    const after = Object.getOwnPropertyDescriptor(sdk, 'Grantex');
    const a2aKeys = Object.keys(sdk.a2a);
    const spread = Object.keys({ ...sdk });
    const spreadA2a = Object.keys({ ...sdk.a2a });
    // (spreading read every member: each is now a plain data property)
    const allData = [...keys.map((k) => [sdk, k]), ...Object.keys(sdk.a2a).map((k) => [sdk.a2a, k])]
      .every(([o, k]) => 'value' in Object.getOwnPropertyDescriptor(o, k));
    console.log(JSON.stringify({
      keys, a2aKeys, spread, spreadA2a,
      before: { accessor: typeof before.get === 'function', enumerable: before.enumerable },
      after: { value: after.value === first, writable: after.writable, enumerable: after.enumerable, configurable: after.configurable },
      again: require('@grantex/sdk').Grantex === first,
      allData,
    }));`);
  assert.deepEqual(out.keys, PUBLIC);
  assert.deepEqual(out.spread, PUBLIC);
  assert.deepEqual(out.spreadA2a, A2A);
  assert.deepEqual(out.a2aKeys, A2A);
  assert.deepEqual(out.before, { accessor: true, enumerable: true });
  assert.deepEqual(out.after, { value: true, writable: true, enumerable: true, configurable: true });
  assert.equal(out.again, true);
  assert.equal(out.allData, true);
});

test('an export can be replaced before and after it is read (as in a mock)', () => {
  const out = fresh(`
    const sdk = require('@grantex/sdk');
    const stub = () => 'stub';
    sdk.verifyGrantToken = stub;
    const unread = sdk.verifyGrantToken === stub;
    void sdk.generatePkce;
    sdk.generatePkce = stub;
    sdk.a2a.userText = stub;
    console.log(JSON.stringify({
      unread,
      read: sdk.generatePkce === stub,
      a2a: require('@grantex/sdk').a2a.userText === stub,
      verifyLoaded: Object.keys(require.cache).some((f) => f.endsWith('verify.cjs')),
    }));`);
  assert.deepEqual(out, { unread: true, read: true, a2a: true, verifyLoaded: false });
});

test('ESM and CommonJS: the very same objects, A2A included; instanceof across both', async () => {
  const cjs = require('@grantex/sdk');
  for (const name of PUBLIC) assert.equal(esm[name], cjs[name], name);
  for (const name of A2A) {
    assert.equal(esmA2a[name], cjs.a2a[name], `a2a ${name}`);
    assert.equal(esm.a2a[name], cjs.a2a[name], `a2a ${name}`);
  }
  assert.equal(esmA2a.A2AGrantexClient, esmA2a.A2AClient);
  const err = await esm.verifyGrantToken('bad', { jwksUri: 'http://127.0.0.1:9/jwks' }).catch((e) => e);
  assert.ok(err instanceof cjs.GrantexTokenError);
  assert.ok(err instanceof esm.GrantexError);
  assert.ok(new cjs.a2a.A2AProtocolError('x') instanceof esmA2a.A2AError);
  assert.ok(new esmA2a.A2AAuthError(401, 'x') instanceof cjs.GrantexError);
});

test('Grantex: static and own methods at load, namespaces with the first client', () => {
  const out = fresh(`
    const { Grantex } = require('@grantex/sdk');
    const atLoad = { signup: typeof Grantex.signup, me: typeof Grantex.prototype.me };
    const g = new Grantex({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' });
    const h = new Grantex({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' });
    console.log(JSON.stringify({
      atLoad,
      members: Object.keys(g),
      agents: [g.agents.constructor.name, typeof g.agents.get, g.agents.get.name],
      shared: Object.getPrototypeOf(g.agents) === Object.getPrototypeOf(h.agents),
      userAgent: require('./lib/client.cjs').USER_AGENT,
    }));`);
  assert.deepEqual(out.atLoad, { signup: 'function', me: 'function' });
  assert.ok(out.members.includes('agents') && out.members.includes('grants'), out.members.join(' '));
  assert.deepEqual(out.agents, ['AgentsClient', 'function', 'get']);
  assert.equal(out.shared, true);
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  assert.equal(out.userAgent, `@grantex/sdk/${version}`);
});

test('platform: the C library from /usr/bin/ldd agrees with the diagnostic report', () => {
  const platform = require('../lib/platform.cjs');
  if (process.platform !== 'linux') return;
  const fromLdd = platform.muslFromLdd();
  if (fromLdd === null) return; // no /usr/bin/ldd here: the report decides
  assert.equal(fromLdd, platform.muslFromReport());
  assert.equal(platform.isMusl(), fromLdd);
});
