// Issue 23 against a real grantex-server started for this file: agent status enforced on tokens,
// registered redirect URIs, revocable principal sessions and the server's own audit entries
// (actions "grantex.*") in the developer's hash chain.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Grantex,
  verifyGrantToken,
  verifyAuditChain,
  GrantexApiError,
  GrantexAuthError,
  GrantexTokenError,
} from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

let server;
let gx;

before(async () => {
  server = await startServer();
  gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

/** authorize → consent → exchange for `agent` and `principal` (live mode: the consent is approved here). */
async function grantFor(agent, principal, scopes = ['calendar:read']) {
  const auth = await gx.authorize({ agentId: agent.agentId, userId: principal, scopes });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return gx.tokens.exchange({ code, agentId: agent.agentId });
}

/** GET /v1/principal/grants as the principal (plain HTTP): status and JSON body. */
async function principalGrants(sessionToken) {
  const res = await fetch(`${server.baseUrl}/v1/principal/grants`, {
    headers: { authorization: `Bearer ${sessionToken}` },
  });
  return { status: res.status, body: await res.json() };
}

const isSuspended = (e) =>
  e instanceof GrantexAuthError && e.statusCode === 403 && e.code === 'AGENT_SUSPENDED';

test('suspension invalidates the agent’s and its delegates’ tokens; reactivation restores them', async () => {
  const agent = await gx.agents.register({ name: 'status-parent', scopes: ['calendar:read', 'calendar:write'] });
  const sub = await gx.agents.register({ name: 'status-child', scopes: ['calendar:read'] });
  const token = await grantFor(agent, 'status_alice', ['calendar:read', 'calendar:write']);
  const child = await gx.grants.delegate({
    parentGrantToken: token.grantToken,
    subAgentId: sub.agentId,
    scopes: ['calendar:read'],
  });
  assert.equal((await gx.tokens.verify(token.grantToken)).valid, true);
  assert.equal((await gx.tokens.verify(child.grantToken)).valid, true);

  const suspended = await gx.agents.update(agent.agentId, { status: 'suspended' });
  assert.equal(suspended.status, 'suspended');
  assert.equal((await gx.agents.get(agent.agentId)).status, 'suspended');

  assert.equal((await gx.tokens.verify(token.grantToken)).valid, false);
  assert.equal((await gx.tokens.verify(child.grantToken)).valid, false);
  await assert.rejects(
    gx.grants.verify(token.grantToken),
    (e) => e instanceof GrantexTokenError && e.code === 'inactive' && e.message.includes('agent_suspended'),
  );
  // Offline verification checks signature and claims only.
  assert.equal((await verifyGrantToken(token.grantToken, { jwksUri: server.jwksUri })).grantId, token.grantId);

  await assert.rejects(gx.tokens.refresh({ refreshToken: token.refreshToken, agentId: agent.agentId }), isSuspended);
  await assert.rejects(gx.tokens.refresh({ refreshToken: child.refreshToken, agentId: sub.agentId }), isSuspended);
  await assert.rejects(
    gx.grants.delegate({ parentGrantToken: token.grantToken, subAgentId: sub.agentId, scopes: ['calendar:read'] }),
    isSuspended,
  );

  const reactivated = await gx.agents.update(agent.agentId, { status: 'active' });
  assert.equal(reactivated.status, 'active');
  assert.equal((await gx.tokens.verify(token.grantToken)).valid, true);
  assert.equal((await gx.tokens.verify(child.grantToken)).valid, true);
  assert.equal((await gx.grants.verify(token.grantToken)).grantId, token.grantId);
  // The refresh token refused during the suspension was not spent.
  const fresh = await gx.tokens.refresh({ refreshToken: token.refreshToken, agentId: agent.agentId });
  assert.equal(fresh.grantId, token.grantId);
  assert.equal((await gx.tokens.verify(fresh.grantToken)).valid, true);

  const { entries } = await gx.audit.list({ agentId: agent.agentId });
  assert.deepEqual(
    entries.filter((e) => e.action.startsWith('grantex.agent.')).map((e) => e.action),
    ['grantex.agent.suspended', 'grantex.agent.reactivated'],
  );
});

test('reactivation does not restore a token revoked meanwhile', async () => {
  const agent = await gx.agents.register({ name: 'status-revoked', scopes: ['calendar:read'] });
  const token = await grantFor(agent, 'status_bob');
  const { tokenId } = await verifyGrantToken(token.grantToken, { jwksUri: server.jwksUri });
  await gx.agents.update(agent.agentId, { status: 'suspended' });
  await gx.tokens.revoke(tokenId);
  await gx.agents.update(agent.agentId, { status: 'active' });
  assert.equal((await gx.tokens.verify(token.grantToken)).valid, false);
});

test('registered redirectUris: returned, matched exactly at authorize, cleared with []', async () => {
  const uris = ['https://app.example.com/cb', 'http://127.0.0.1:8765/cb'];
  const agent = await gx.agents.register({ name: 'redirects', scopes: ['calendar:read'], redirectUris: uris });
  assert.deepEqual(agent.redirectUris, uris);
  assert.deepEqual((await gx.agents.get(agent.agentId)).redirectUris, uris);
  const listed = (await gx.agents.list()).agents.find((a) => a.agentId === agent.agentId);
  assert.deepEqual(listed.redirectUris, uris);

  const authorize = (redirectUri) =>
    gx.authorize({ agentId: agent.agentId, userId: 'dana', scopes: ['calendar:read'], redirectUri });
  for (const uri of uris) assert.match((await authorize(uri)).authRequestId, /^areq_/);
  await authorize(undefined); // no redirect at all: allowed

  for (const nearMiss of ['https://app.example.com/cb/', 'https://evil.example.com/cb', 'https://app.example.com/cb2']) {
    await assert.rejects(
      authorize(nearMiss),
      (e) =>
        e instanceof GrantexApiError &&
        !(e instanceof GrantexAuthError) &&
        e.statusCode === 400 &&
        e.message.includes('registered redirectUris'),
      nearMiss,
    );
  }

  // Registration is validated: http only for loopback; a refused update changes nothing.
  await assert.rejects(
    gx.agents.update(agent.agentId, { redirectUris: ['http://app.example.com/cb'] }),
    (e) => e instanceof GrantexApiError && e.statusCode === 400,
  );
  assert.deepEqual((await gx.agents.get(agent.agentId)).redirectUris, uris);

  const cleared = await gx.agents.update(agent.agentId, { redirectUris: [] });
  assert.deepEqual(cleared.redirectUris, []);
  assert.deepEqual((await gx.agents.get(agent.agentId)).redirectUris, []);
  await authorize('https://anything.example.com/cb');

  const plain = await gx.agents.register({ name: 'no-redirects', scopes: ['calendar:read'] });
  assert.deepEqual(plain.redirectUris, []);
});

test('principalSessions.revoke ends every session of that principal only', async () => {
  const agent = await gx.agents.register({ name: 'sessions', scopes: ['calendar:read'] });
  await grantFor(agent, 'sess_frank');
  await grantFor(agent, 'sess_gina');
  const session = async (principalId) => (await gx.principalSessions.create({ principalId })).sessionToken;
  const [f1, f2, g1] = [await session('sess_frank'), await session('sess_frank'), await session('sess_gina')];
  for (const t of [f1, f2, g1]) assert.equal((await principalGrants(t)).status, 200);

  assert.equal(await gx.principalSessions.revoke('sess_frank'), undefined);
  for (const t of [f1, f2]) {
    const r = await principalGrants(t);
    assert.equal(r.status, 401);
    assert.equal(r.body.code, 'UNAUTHORIZED');
  }
  assert.equal((await principalGrants(g1)).status, 200, 'another principal is untouched');

  // Idempotent; a new session afterwards works.
  await gx.principalSessions.revoke('sess_frank');
  assert.equal((await principalGrants(await session('sess_frank'))).status, 200);
  await assert.rejects(gx.principalSessions.revoke(''), (e) => e instanceof TypeError);

  const { entries } = await gx.audit.list({ principalId: 'sess_frank', action: 'grantex.principal_session.revoked' });
  assert.deepEqual(
    entries.map((e) => e.metadata),
    [{ sessions: 2, by: 'developer' }],
    'the second revocation ended nothing and is not audited',
  );
  const text = JSON.stringify(entries);
  assert.ok(!text.includes(f1) && !text.includes(f2), 'session tokens are never audited');
});

test('the server audits the token issue in the chain, which verifies end to end', async () => {
  const agent = await gx.agents.register({ name: 'audited', scopes: ['calendar:read'] });
  const token = await grantFor(agent, 'audit_erin');
  const { tokenId } = await verifyGrantToken(token.grantToken, { jwksUri: server.jwksUri });

  const { entries: listed } = await gx.audit.list({ grantId: token.grantId });
  const issued = listed.filter((e) => e.action === 'grantex.token.issued');
  assert.equal(issued.length, 1);
  const [entry] = issued;
  assert.deepEqual(
    [entry.agentId, entry.agentDid, entry.grantId, entry.principalId, entry.status],
    [agent.agentId, agent.did, token.grantId, 'audit_erin', 'success'],
  );
  assert.equal(entry.metadata.jti, tokenId);
  assert.deepEqual(entry.metadata.scopes, ['calendar:read']);
  const text = JSON.stringify(entry);
  assert.ok(!text.includes(token.grantToken) && !text.includes(token.refreshToken), 'no secrets in the entry');
  assert.deepEqual((await gx.audit.list({ agentId: agent.agentId, action: 'grantex.token.issued' })).entries, [entry]);
  assert.deepEqual(await gx.audit.get(entry.entryId), entry);

  const mine = await gx.audit.log({
    agentId: agent.agentId,
    agentDid: agent.did,
    grantId: token.grantId,
    principalId: 'audit_erin',
    action: 'calendar.read',
  });
  const all = await gx.audit.list();
  const ids = all.entries.map((e) => e.entryId);
  assert.ok(ids.indexOf(entry.entryId) < ids.indexOf(mine.entryId));
  assert.deepEqual(verifyAuditChain(all), {
    valid: true,
    checkedEntries: all.entries.length,
    firstBrokenAt: null,
    reason: null,
  });
  const at = ids.indexOf(entry.entryId);
  const tampered = all.entries.map((e, i) => (i === at ? { ...e, agentId: 'ag_someone_else' } : e));
  const broken = verifyAuditChain(tampered);
  assert.equal(broken.valid, false);
  assert.equal(broken.reason, 'content');
  assert.equal(broken.firstBrokenAt, entry.entryId);
});
