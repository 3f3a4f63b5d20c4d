// SCIM 2.0 provisioning through the `scim` namespace against a real grantex-server (issue 19),
// with the reference SDK's signatures: `createToken({ label })` (the secret shown once), then the
// `/scim/v2/Users` calls made by a client whose key is that SCIM token (`updateUser(userId,
// operations)`), and deprovisioning cutting off the principal's grants in the same request.
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

async function fresh(name = 'scim') {
  const account = await Grantex.signup({ name, mode: 'live' }, { baseUrl: server.baseUrl });
  return new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
}

function as(key) {
  return new Grantex({ apiKey: key, baseUrl: server.baseUrl, maxRetries: 0 });
}

async function grant(gx, principal) {
  const agent = await gx.agents.register({ name: 'provisioned', description: 'node test', scopes: ['calendar:read'] });
  const auth = await gx.authorize({ agentId: agent.agentId, userId: principal, scopes: ['calendar:read'] });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return (await gx.tokens.exchange({ code, agentId: agent.agentId })).grantToken;
}

test('SCIM tokens, users, pagination, PATCH, refusals, token revocation', async () => {
  const dev = await fresh();
  const created = await dev.scim.createToken({ label: 'okta' });
  assert.equal(created.label, 'okta');
  assert.ok(created.token.length >= 32 && created.id && created.createdAt);
  const listed = await dev.scim.listTokens();
  assert.deepEqual(listed.tokens.map((t) => t.id), [created.id]);
  assert.equal('token' in listed.tokens[0], false, 'never the secret again');

  const idp = as(created.token);
  const alice = await idp.scim.createUser({
    userName: 'alice@example.com',
    displayName: 'Alice',
    externalId: 'okta-1',
    emails: [{ value: 'alice@example.com', primary: true }],
  });
  assert.deepEqual(
    [alice.userName, alice.displayName, alice.externalId, alice.active, alice.meta.resourceType],
    ['alice@example.com', 'Alice', 'okta-1', true, 'User'],
  );
  assert.deepEqual(alice.emails.map((e) => [e.value, e.primary]), [['alice@example.com', true]]);
  assert.equal((await idp.scim.getUser(alice.id)).id, alice.id);

  const bob = await idp.scim.createUser({ userName: 'bob@example.com' });
  const page = await idp.scim.listUsers({ startIndex: 1, count: 1 });
  assert.deepEqual([page.totalResults, page.startIndex, page.itemsPerPage], [2, 1, 1]);
  assert.deepEqual(page.Resources.map((u) => u.id), [alice.id]);
  assert.deepEqual((await idp.scim.listUsers({ startIndex: 2 })).Resources.map((u) => u.id), [bob.id]);
  assert.equal((await idp.scim.listUsers()).totalResults, 2);

  await assert.rejects(idp.scim.createUser({ userName: 'ALICE@example.com' }), (e) => {
    assert.ok(e instanceof GrantexApiError);
    assert.equal(e.statusCode, 409);
    return true;
  });

  const replaced = await idp.scim.replaceUser(bob.id, { userName: 'bob@example.com', displayName: 'Bob' });
  assert.equal(replaced.displayName, 'Bob');
  const patched = await idp.scim.updateUser(bob.id, [{ op: 'replace', path: 'displayName', value: 'Robert' }]);
  assert.equal(patched.displayName, 'Robert');
  await assert.rejects(idp.scim.updateUser(bob.id), /operations is required/);

  await idp.scim.deleteUser(bob.id);
  await assert.rejects(idp.scim.getUser(bob.id), (e) => e instanceof GrantexApiError && e.statusCode === 404);

  // The developer's key is not a SCIM token, and a SCIM token is not an API key.
  await assert.rejects(dev.scim.listUsers(), GrantexAuthError);
  await assert.rejects(idp.agents.list(), GrantexAuthError);

  await dev.scim.revokeToken(created.id);
  await assert.rejects(idp.scim.getUser(alice.id), GrantexAuthError);
  assert.deepEqual((await dev.scim.listTokens()).tokens, []);
});

test('deprovisioning a SCIM user revokes that principal’s grants in the same request', async () => {
  const dev = await fresh('deprovision');
  const idp = as((await dev.scim.createToken({ label: 'azure' })).token);
  const carol = await idp.scim.createUser({ userName: 'carol@example.com' });
  const dave = await idp.scim.createUser({ userName: 'dave@example.com' });
  const carolToken = await grant(dev, carol.id);
  const daveToken = await grant(dev, dave.id);
  assert.equal((await dev.tokens.verify(carolToken)).valid, true);

  const off = await idp.scim.updateUser(carol.id, [{ op: 'Replace', value: { active: false } }]);
  assert.equal(off.active, false);
  assert.equal((await dev.tokens.verify(carolToken)).valid, false, 'deactivation revokes at once');
  assert.equal((await dev.tokens.verify(daveToken)).valid, true, 'another principal keeps its grants');

  await idp.scim.deleteUser(dave.id);
  assert.equal((await dev.tokens.verify(daveToken)).valid, false, 'deletion revokes at once');
});
