// Policies against a real grantex-server (issue 15 item 1): the `policies` namespace with the
// reference SDK's names, its errors, decisions at authorize and delegation, Cedar, the dry run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Grantex, GrantexApiError, GrantexAuthError } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

/** A developer of its own: policies apply to every request of their developer. */
async function fresh(mode = 'live') {
  const account = await Grantex.signup({ name: 'policies', mode }, { baseUrl: server.baseUrl });
  return new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
}

test('CRUD round trip, versions, 404 across developers, 422 on bad fields', async () => {
  const gx = await fresh();
  const p = await gx.policies.create({
    name: 'office hours',
    effect: 'allow',
    priority: 5,
    agentId: 'ag_x',
    scopes: ['read'],
    timeOfDayStart: '09:00',
    timeOfDayEnd: '17:00',
  });
  assert.match(p.id, /^pol_/);
  assert.equal(p.version, 1);
  assert.equal(p.principalId, null, 'unset conditions are null, as the reference server sends them');
  const low = await gx.policies.create({ name: 'catch-all', effect: 'deny' });
  const list = await gx.policies.list();
  assert.equal(list.total, 2);
  assert.deepEqual(list.policies.map((x) => x.id), [p.id, low.id]);
  assert.deepEqual(await gx.policies.get(p.id), p);

  const u = await gx.policies.update(p.id, { name: 'renamed' });
  assert.equal(u.name, 'renamed');
  assert.equal(u.version, 2);
  assert.deepEqual(u.scopes, ['read']);

  const other = await fresh();
  for (const call of [() => other.policies.get(p.id), () => other.policies.delete(p.id)]) {
    await assert.rejects(call(), (e) => e instanceof GrantexApiError && e.statusCode === 404);
  }
  await assert.rejects(
    gx.policies.create({ name: 'x', effect: 'maybe' }),
    (e) => e instanceof GrantexApiError && e.statusCode === 422 && e.code === 'VALIDATION_ERROR' && /effect/.test(e.message),
  );
  await assert.rejects(
    gx.policies.create({ name: 'x', effect: 'allow', timeOfDayStart: '24:00', timeOfDayEnd: '01:00' }),
    (e) => e.statusCode === 422 && /HH:MM/.test(e.message),
  );

  await gx.policies.delete(p.id);
  await assert.rejects(gx.policies.get(p.id), (e) => e.statusCode === 404);
});

test('authorize: an allow approves at once, a matching deny wins and names its policy', async () => {
  const gx = await fresh();
  const a = await gx.agents.register({ name: 'assistant', scopes: ['calendar:read', 'payments:transfer'] });
  const pending = await gx.authorize({ agentId: a.agentId, userId: 'alice', scopes: ['calendar:read'] });
  assert.equal(pending.status, 'pending');

  const allow = await gx.policies.create({ name: 'alice calendars', effect: 'allow', principalId: 'alice', scopes: ['calendar:read'], priority: 10 });
  const approved = await gx.authorize({ agentId: a.agentId, userId: 'alice', scopes: ['calendar:read'] });
  assert.equal(approved.policyEnforced, true);
  assert.equal(approved.effect, 'allow');
  const tok = await gx.tokens.exchange({ code: approved.code, agentId: a.agentId });
  assert.deepEqual(tok.scopes, ['calendar:read']);

  const deny = await gx.policies.create({ name: 'no payments', effect: 'deny', scopes: ['payments:transfer'], priority: -5 });
  await assert.rejects(
    gx.authorize({ agentId: a.agentId, userId: 'alice', scopes: ['calendar:read', 'payments:transfer'] }),
    (e) =>
      e instanceof GrantexAuthError &&
      e.statusCode === 403 &&
      e.code === 'POLICY_DENIED' &&
      e.body.policyId === deny.id &&
      e.message.includes(deny.id),
  );
  const d = await gx.policies.evaluate({ agentId: a.agentId, principalId: 'alice', scopes: ['calendar:read'] });
  assert.equal(d.decision, 'allow');
  assert.equal(d.policyId, allow.id);
  const audit = await gx.audit.list({ action: 'grantex.policy.denied' });
  assert.equal(audit.entries.length, 1);
  assert.equal(audit.entries[0].metadata.policyId, deny.id);
});

test('delegation: a Cedar forbid refuses, with the same error', async () => {
  const gx = await fresh('sandbox');
  const parent = await gx.agents.register({ name: 'parent', scopes: ['read', 'write'] });
  const sub = await gx.agents.register({ name: 'sub', scopes: ['read', 'write'] });
  const auth = await gx.authorize({ agentId: parent.agentId, userId: 'alice', scopes: ['read', 'write'] });
  const tok = await gx.tokens.exchange({ code: auth.code, agentId: parent.agentId });
  const cedar = await gx.policies.create({
    name: 'no write delegation',
    effect: 'deny',
    cedar: 'forbid(principal, action == Action::"delegate", resource) when { resource.name == "write" };',
  });
  await assert.rejects(
    gx.grants.delegate({ parentGrantToken: tok.grantToken, subAgentId: sub.agentId, scopes: ['write'] }),
    (e) => e.code === 'POLICY_DENIED' && e.body.policyId === cedar.id,
  );
  const child = await gx.grants.delegate({ parentGrantToken: tok.grantToken, subAgentId: sub.agentId, scopes: ['read'] });
  assert.ok(child.grantToken);
  const dry = await gx.policies.evaluate({ agentId: sub.agentId, principalId: 'alice', scopes: ['write'], action: 'delegate' });
  assert.equal(dry.decision, 'deny');
  assert.equal(dry.matched[0].kind, 'cedar');
});
