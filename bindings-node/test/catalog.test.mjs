// The client built from the generated table of the core's catalog (lib/operations.cjs): the
// table matches what the core declares, every operation is a method, arguments are checked
// generically with JS messages, and the operations added through the catalog alone
// (updateSettings, audit.checkpoint) work against a real grantex-server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Grantex, GrantexApiError } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';
import { closedPort } from './helpers/fake-http.mjs';

const require = createRequire(import.meta.url);
const native = require('../lib/native.cjs');
const { operations, aliases } = require('../lib/operations.cjs');

let server;
let offline; // a client whose requests could only fail: argument errors must come first

before(async () => {
  server = await startServer();
  offline = new Grantex({ apiKey: 'k', baseUrl: `http://127.0.0.1:${await closedPort()}`, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

const isArgError = (e) => e instanceof TypeError && e.code === 'invalid_argument';
// What a JS caller must never read in an argument error.
const RUST_TERMS = /\b(String|&str|Vec|Option|u8|u16|u32|u64|i32|i64|f64|usize|serde|struct|napi|Value)\b|::/;

function owner(client, op) {
  if (op.auth === 'none') return Grantex;
  return op.group === '' ? client : client[op.group];
}

/** The argument error `promise` rejects with (it must be a promise, never a synchronous throw). */
async function argError(promise, where) {
  assert.ok(promise instanceof Promise, `${where}: returned ${typeof promise}, not a promise`);
  const err = await promise.then(
    () => assert.fail(`${where}: resolved`),
    (e) => e,
  );
  assert.ok(isArgError(err), `${where}: ${err?.stack ?? err}`);
  assert.doesNotMatch(err.message, RUST_TERMS, where);
  return err;
}

test('the generated table lists exactly the core catalog\'s operations, in its order', () => {
  const core = native.operations();
  assert.ok(core.includes('update_settings') && core.includes('audit.checkpoint'));
  assert.deepEqual(
    operations.map((op) => op.name),
    core,
    'lib/operations.cjs is stale: run `cargo run -p grantex-codegen -- generate`',
  );
  assert.ok(Object.isFrozen(operations) && operations.every(Object.isFrozen));
  // Every alias entry names a result type of some operation or a type nested in one.
  const nestedTypes = Object.values(aliases).flatMap((a) => a.nested.map(([, type]) => type));
  for (const type of Object.keys(aliases)) {
    assert.ok(operations.some((op) => op.output === type) || nestedTypes.includes(type), type);
  }
});

test('every operation is a method of the client, of a namespace or (no API key) of the class', () => {
  const groups = [...new Set(operations.filter((op) => op.group !== '').map((op) => op.group))];
  assert.deepEqual(Object.keys(offline).sort(), [...groups].sort(), 'the namespaces are the only own properties');
  for (const op of operations) {
    const fn = owner(offline, op)[op.method];
    assert.equal(typeof fn, 'function', op.name);
    assert.equal(fn.name, op.method, op.name);
  }
  assert.equal(offline.agents.constructor.name, 'AgentsClient');
  assert.equal(offline.principalSessions.constructor.name, 'PrincipalSessionsClient');
  assert.equal(typeof offline.updateSettings, 'function');
  assert.equal(typeof offline.audit.checkpoint, 'function');
  assert.equal(typeof Grantex.signup, 'function');
  // A subclass keeps everything, static signup included.
  class Mine extends Grantex {}
  const mine = new Mine({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' });
  assert.equal(typeof mine.tokens.verify, 'function');
  assert.equal(Mine.signup, Grantex.signup);
  assert.equal(mine.baseUrl, 'http://127.0.0.1:9');
});

test('a missing or non-string positional argument is invalid_argument naming it, for every operation', async () => {
  const describe = [
    [undefined, 'undefined'],
    [null, 'null'],
    [5, 'a number (5)'],
    [['x'], 'an array'],
    [{}, 'an object'],
  ];
  let checked = 0;
  for (const op of operations) {
    const names = [...op.path, ...op.strings.map((s) => s.arg)];
    for (let i = 0; i < names.length; i++) {
      for (const [bad, words] of describe) {
        const args = names.map(() => 'x');
        args[i] = bad;
        const where = `${op.name} with ${names[i]} = ${words}`;
        const err = await argError(owner(offline, op)[op.method](...args), where);
        assert.ok(err.message.includes(`${op.method}(`), `${where}: ${err.message}`);
        assert.ok(err.message.includes(`${names[i]} must be a string, got ${words}`), `${where}: ${err.message}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 5 * 12, `only ${checked} cases`);
  // The reference examples.
  let err = await argError(offline.agents.get(), 'agents.get()');
  assert.equal(err.message, 'agents.get(agentId): agentId must be a string, got undefined');
  err = await argError(offline.agents.get(5), 'agents.get(5)');
  assert.equal(err.message, 'agents.get(agentId): agentId must be a string, got a number (5)');
  err = await argError(offline.tokens.revoke(), 'tokens.revoke()');
  assert.match(err.message, /^tokens\.revoke\(tokenId\): tokenId must be a string/);
  // Empty ids are refused by the core before any request.
  err = await argError(offline.consent.approve(''), "consent.approve('')");
  assert.match(err.message, /empty/);
});

test('a params argument that is not an object is invalid_argument naming its type', async () => {
  let checked = 0;
  for (const op of operations.filter((o) => o.params !== null)) {
    const head = [...op.path, ...op.strings.map((s) => s.arg)].map(() => 'x');
    const bad = op.paramsOptional ? ['text', 5, [], true] : [undefined, null, 'text', 5, [], true];
    for (const value of bad) {
      const where = `${op.name} with params = ${JSON.stringify(value)}`;
      const err = await argError(owner(offline, op)[op.method](...head, value), where);
      assert.ok(err.message.includes(`params must be an object (${op.params}), got`), `${where}: ${err.message}`);
      checked++;
    }
  }
  assert.ok(checked >= 30, `only ${checked} cases`);
  const err = await argError(offline.grants.list('status=active'), 'grants.list(string)');
  assert.equal(err.message, 'grants.list(params?): params must be an object (ListGrantsParams), got a string');
  await argError(Grantex.signup({ name: 'x' }, 'http://example.com'), 'signup options');
  await argError(Grantex.signup({ name: 'x' }, { baseUrl: 5 }), 'signup baseUrl');
});

test('params members: JS values JSON cannot carry are argument errors; the core checks the members', async () => {
  const entry = { agentId: 'a', agentDid: 'd', grantId: 'g', principalId: 'p', action: 'x' };
  const cases = [
    [offline.audit.log({ ...entry, metadata: { f() {} } }), /params\.metadata\.f must be a JSON value .*got a function/],
    [offline.audit.log({ ...entry, metadata: { n: NaN } }), /params\.metadata\.n must be a finite number, got a number \(NaN\)/],
    [offline.audit.log({ ...entry, metadata: { big: 1n } }), /params\.metadata\.big must be a JSON value .*got a bigint/],
    [offline.audit.log({ ...entry, metadata: { m: new Map() } }), /params\.metadata\.m must be a JSON value .*got a Map/],
    [offline.agents.register({ name: 'x', scopes: ['a', undefined] }), /params\.scopes\[1\] must be a JSON value/],
    [offline.agents.update('ag_1', { agentId: 'ag_2' }), /params\.agentId is not a member of UpdateAgentParams/],
    // The core's checks, from the same declaration for every language.
    [offline.agents.register({ name: 'x', colour: 'red' }), /unknown member `colour`/],
    [offline.agents.register({ name: 5 }), /`name` must be a string, got a number/],
    [offline.agents.register({}), /`name` is required/],
    [offline.authorize({ userId: 'u', scopes: ['a'] }), /`agentId` is required/],
    [offline.updateSettings({ fidoRequired: 'yes' }), /`fidoRequired` must be a boolean/],
    [offline.audit.list({ page: 1.5 }), /`page`/],
  ];
  for (const [promise, message] of cases) {
    const err = await argError(promise, String(message));
    assert.match(err.message, message);
  }
  const cyclic = { ...entry, metadata: {} };
  cyclic.metadata.self = cyclic.metadata;
  const err = await argError(offline.audit.log(cyclic), 'cyclic metadata');
  assert.match(err.message, /nested too deeply/);
});

test('updateSettings: PATCH /v1/me, through the catalog alone', async () => {
  const account = await Grantex.signup({ name: 'Settings Co' }, { baseUrl: server.baseUrl });
  const gx = new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
  const before = await gx.me();
  assert.equal(before.name, 'Settings Co');
  assert.equal(before.fidoRpName, null);

  assert.deepEqual(await gx.updateSettings({ name: 'Renamed Co', fidoRpName: 'renamed.example' }), { updated: true });
  const me = await gx.me();
  assert.equal(me.name, 'Renamed Co');
  assert.equal(me.fidoRpName, 'renamed.example');
  assert.equal(me.fidoRequired, false);
  assert.equal(me.developerId, account.developerId);
  // `undefined` members are left out, as in JSON; only the given fields change.
  assert.deepEqual(await gx.updateSettings({ fidoRequired: false, name: undefined }), { updated: true });
  assert.equal((await gx.me()).name, 'Renamed Co');

  // What the server refuses is an API error.
  await assert.rejects(
    gx.updateSettings({ fidoRequired: true }),
    (e) => e instanceof GrantexApiError && e.statusCode === 400 && /WebAuthn/.test(e.message),
  );
  await assert.rejects(gx.updateSettings({}), (e) => e instanceof GrantexApiError && e.statusCode === 400);
  // What the declaration refuses never reaches it.
  let err = await argError(gx.updateSettings(), 'updateSettings()');
  assert.equal(err.message, 'updateSettings(params): params must be an object (UpdateSettingsParams), got undefined');
  err = await argError(gx.updateSettings({ displayName: 'x' }), 'updateSettings({ displayName })');
  assert.match(err.message, /unknown member `displayName`/);
  assert.equal((await gx.me()).name, 'Renamed Co');
});

test('audit.checkpoint: POST /v1/audit/checkpoints, a signed head verifiable against the JWKS', async () => {
  const account = await Grantex.signup({ name: 'Checkpoint Co' }, { baseUrl: server.baseUrl });
  const gx = new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });

  const empty = await gx.audit.checkpoint().catch((e) => e);
  assert.ok(empty instanceof GrantexApiError, String(empty));
  assert.equal(empty.statusCode, 409);
  assert.equal(empty.code, 'AUDIT_CHAIN_EMPTY');

  const base = { agentId: 'ag_1', agentDid: 'did:grantex:ag_1', grantId: 'grnt_1', principalId: 'usr_1' };
  await gx.audit.log({ ...base, action: 'first' });
  const last = await gx.audit.log({ ...base, action: 'second', metadata: { at: new Date(0) } });
  assert.deepEqual(last.metadata, { at: '1970-01-01T00:00:00.000Z' }, 'a Date member is sent as JSON sends it');

  const cp = await gx.audit.checkpoint();
  assert.deepEqual(Object.keys(cp).sort(), [
    'checkpointId',
    'createdAt',
    'entryCount',
    'headEntryId',
    'headHash',
    'headTimestamp',
    'signedCheckpoint',
    'witnessRequired',
  ]);
  assert.equal(typeof cp.checkpointId, 'string');
  assert.equal(cp.headEntryId, last.entryId);
  assert.equal(cp.headHash, last.hash);
  assert.equal(cp.headTimestamp, last.timestamp);
  assert.equal(cp.entryCount, 2);
  assert.equal(typeof cp.witnessRequired, 'boolean');
  assert.equal(typeof cp.createdAt, 'string');

  // The signature verifies against the server's published keys.
  const { payload, protectedHeader } = await jwtVerify(cp.signedCheckpoint, createLocalJWKSet(await gx.jwks()), {
    issuer: server.issuer,
    typ: 'grantex-audit-checkpoint+jwt',
    algorithms: ['RS256'],
  });
  assert.equal(protectedHeader.alg, 'RS256');
  assert.equal(payload.checkpointId, cp.checkpointId);
  assert.equal(payload.headEntryId, cp.headEntryId);
  assert.equal(payload.headHash, cp.headHash);
  assert.equal(payload.entryCount, 2);
  assert.equal(payload.dev, account.developerId);

  // A later checkpoint covers the new head.
  const third = await gx.audit.log({ ...base, action: 'third' });
  const next = await gx.audit.checkpoint();
  assert.notEqual(next.checkpointId, cp.checkpointId);
  assert.equal(next.headEntryId, third.entryId);
  assert.equal(next.entryCount, 3);
  // Query filters go through the same conversion (a Date is its ISO string).
  const { entries } = await gx.audit.list({ since: new Date(Date.now() - 3_600_000) });
  assert.equal(entries.length, 3);
});

test('results carry the reference aliases from the table, through lists', async () => {
  const gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
  const agent = await gx.agents.register({ name: 'aliased', scopes: ['files:read'] });
  assert.equal(agent.id, agent.agentId);
  const { agents } = await gx.agents.list();
  assert.ok(agents.length >= 1 && agents.every((a) => a.id === a.agentId));
  const auth = await gx.authorize({ agentId: agent.id, userId: 'usr_alias', scopes: ['files:read'] });
  const { code } = await gx.consent.approve(auth.authRequestId);
  const token = await gx.tokens.exchange({ code, agentId: agent.id });
  const { grants } = await gx.grants.list({ agentId: agent.id });
  assert.equal(grants.length, 1);
  assert.equal(grants[0].id, token.grantId);
  assert.equal(grants[0].grantId, token.grantId);
  // Results without aliases are the core's JSON unchanged; no-content operations resolve with
  // undefined.
  assert.equal(Object.hasOwn(token, 'id'), false);
  const jti = JSON.parse(Buffer.from(token.grantToken.split('.')[1], 'base64url').toString('utf8')).jti;
  assert.equal(await gx.tokens.revoke(jti), undefined);
  assert.equal((await gx.tokens.verify(token.grantToken)).valid, false);
});
