// Field-by-field compatibility of the shipped declarations with the reference @grantex/sdk
// types (issue 22): the assertions are generated from vectors/reference-fields.json and
// type-checked with tsc, plus a deliberately wrong assertion that must fail (so the check cannot
// pass vacuously).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageDir, startServer } from './helpers/server.mjs';
import { Grantex, GrantexTokenError, decodeJwtPayload, getTokenInfo } from '@grantex/sdk';
import { assertionsSource, referenceFields, NOT_CHECKED } from './helpers/reference-fields.mjs';

const tsc = path.join(packageDir, 'node_modules', 'typescript', 'bin', 'tsc');

function check(extra) {
  const dir = fs.mkdtempSync(path.join(packageDir, 'test', 'types', '.reference-'));
  try {
    fs.writeFileSync(path.join(dir, 'fields.mts'), assertionsSource(extra));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true,
        noEmit: true, skipLibCheck: false, types: ['node'],
      },
      files: ['fields.mts'],
    }));
    return spawnSync(process.execPath, [tsc, '-p', dir], { cwd: packageDir, encoding: 'utf8', timeout: 120_000 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('every reference type member is declared, with compatible optionality', () => {
  assert.ok(fs.existsSync(tsc), `typescript is not installed: run \`npm ci\` in ${packageDir}`);
  assert.ok(Object.keys(referenceFields.node).length >= 25);
  for (const name of Object.keys(NOT_CHECKED)) assert.ok(name in referenceFields.node, name);
  const r = check('');
  assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);
});

test('a missing member or a wrong optionality is reported', () => {
  const r = check([
    "type _neg1 = G.Grant['notAReferenceField'];",
    "type _neg2 = Assert<IsOptional<G.AuthorizeParams, 'agentId'>>;",
  ].join('\n'));
  assert.notEqual(r.status, 0);
  const errors = r.stdout.split('\n').filter((l) => l.includes('error TS'));
  assert.equal(errors.length, 2, r.stdout);
});

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

test('decodeJwtPayload / getTokenInfo read a real token without verifying it', async () => {
  const gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
  const agent = await gx.agents.register({ name: 'decode', scopes: ['files:read'] });
  const auth = await gx.authorize({ agentId: agent.id, userId: 'alice', scopes: ['files:read'] });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  const { grantToken, grantId } = await gx.tokens.exchange({ code, agentId: agent.id });
  const payload = decodeJwtPayload(grantToken);
  assert.equal(payload.grnt, grantId);
  assert.deepEqual(payload.scp, ['files:read']);
  const info = getTokenInfo(grantToken);
  assert.equal(info.grantId, grantId);
  assert.equal(info.principalId, 'alice');
  assert.equal(info.agentDid, agent.did);
  assert.deepEqual(info.scopes, ['files:read']);
  assert.equal(info.expired, false);
  // A forged signature decodes all the same: decoding is not verification.
  const [h, p] = grantToken.split('.');
  assert.deepEqual(decodeJwtPayload(`${h}.${p}.AAAA`), payload);
  for (const bad of ['', 'abc', 'a..c', 'a.!!!.c', 'a.WzFd.c']) {
    assert.throws(() => decodeJwtPayload(bad), (e) => e instanceof GrantexTokenError && e.code === 'malformed', bad);
    assert.throws(() => getTokenInfo(bad), (e) => e instanceof GrantexTokenError && e.code === 'malformed', bad);
  }
  assert.throws(() => decodeJwtPayload(42), (e) => e instanceof TypeError);
});
