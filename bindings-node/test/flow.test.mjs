// The full API flow against a real grantex-server started for this file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  Grantex,
  verifyGrantToken,
  verifyAuditChain,
  generatePkce,
  JwksCache,
  GrantexApiError,
  GrantexAuthError,
  GrantexTokenError,
} from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

let server;
let gx;
const ctx = {};

before(async () => {
  server = await startServer();
  gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

test('client basics: base URL, JWKS URI, health, published keys, me', async () => {
  assert.equal(gx.baseUrl, server.baseUrl);
  assert.equal(gx.jwksUri, server.jwksUri);
  assert.equal(gx.lastRateLimit, undefined, 'no response yet');
  const health = await gx.health();
  assert.equal(health.status, 'healthy');
  const jwks = await gx.jwks();
  assert.ok(jwks.keys.length >= 1);
  assert.equal(jwks.keys[0].kty, 'RSA');
  const me = await gx.me();
  assert.match(me.developerId, /^dev_/);
  assert.equal(me.mode, 'live');
});

test('agents: register, get, list, update (PATCH), both id names', async () => {
  const agent = await gx.agents.register({
    name: 'travel-assistant',
    description: 'Books trips',
    scopes: ['calendar:read', 'email:send'],
  });
  assert.match(agent.agentId, /^ag_/);
  assert.equal(agent.id, agent.agentId);
  assert.equal(agent.did, `did:grantex:${agent.agentId}`);
  assert.deepEqual(agent.scopes, ['calendar:read', 'email:send']);
  const sub = await gx.agents.register({ name: 'calendar-reader', scopes: ['calendar:read'] });
  ctx.agent = agent;
  ctx.sub = sub;

  const fetched = await gx.agents.get(agent.agentId);
  assert.equal(fetched.id, agent.id);
  assert.equal(fetched.name, 'travel-assistant');

  const list = await gx.agents.list();
  const ids = list.agents.map((a) => a.id);
  assert.ok(ids.includes(agent.id) && ids.includes(sub.id));
  assert.ok(list.agents.every((a) => a.id === a.agentId));

  const updated = await gx.agents.update(agent.agentId, { description: 'Books trips and sends mail' });
  assert.equal(updated.description, 'Books trips and sends mail');
  assert.equal(updated.name, 'travel-assistant', 'fields not given are kept');
});

test('live flow: authorize, consent page data, approve, exchange', async () => {
  const auth = await gx.authorize({
    agentId: ctx.agent.agentId,
    userId: 'usr_alice',
    scopes: ['calendar:read', 'email:send'],
  });
  assert.match(auth.authRequestId, /^areq_/);
  assert.ok(auth.consentUrl.startsWith(server.baseUrl));
  assert.equal(auth.code, undefined, 'live mode needs the human');

  const consent = await gx.consent.get(auth.authRequestId);
  assert.equal(consent.agentName, 'travel-assistant');
  assert.deepEqual(consent.scopes, ['calendar:read', 'email:send']);
  assert.equal(consent.scopeDescriptions.length, 2);

  const approval = await gx.consent.approve(auth.authRequestId);
  assert.equal(typeof approval.code, 'string');

  const token = await gx.tokens.exchange({ code: approval.code, agentId: ctx.agent.agentId });
  assert.match(token.grantId, /^grnt_/);
  assert.deepEqual(token.scopes, ['calendar:read', 'email:send']);
  assert.equal(token.grantToken.split('.').length, 3);
  ctx.token = token;

  // A code is single-use: the second exchange is an API error, not retried, and the replay
  // revokes the grant issued from that code (RFC 9700). Shown on a grant of its own.
  const spareAuth = await gx.authorize({ agentId: ctx.agent.agentId, userId: 'usr_alice', scopes: ['calendar:read'] });
  const spareCode = (await gx.consent.approve(spareAuth.authRequestId)).code;
  const spare = await gx.tokens.exchange({ code: spareCode, agentId: ctx.agent.agentId });
  await assert.rejects(
    gx.tokens.exchange({ code: spareCode, agentId: ctx.agent.agentId }),
    (e) => e instanceof GrantexApiError && e.statusCode === 400 && !(e instanceof GrantexAuthError),
  );
  assert.equal((await gx.tokens.verify(spare.grantToken)).valid, false);
  assert.equal((await gx.tokens.verify(token.grantToken)).valid, true, 'other grants are untouched');
  assert.ok(gx.lastRateLimit && gx.lastRateLimit.limit === 100000);
});

test('offline verification against the server JWKS', async () => {
  const grant = await verifyGrantToken(ctx.token.grantToken, {
    jwksUri: server.jwksUri,
    requiredScopes: ['calendar:read'],
  });
  assert.equal(grant.grantId, ctx.token.grantId);
  assert.equal(grant.principalId, 'usr_alice');
  assert.equal(grant.agentDid, ctx.agent.did);
  assert.match(grant.developerId, /^dev_/);
  assert.match(grant.tokenId, /^tok_/);
  assert.deepEqual(grant.scopes, ['calendar:read', 'email:send']);
  assert.equal(grant.issuer, server.issuer);
  assert.ok(grant.expiresAt > grant.issuedAt);
  assert.equal(grant.parentAgentDid, undefined);
  ctx.grant = grant;

  await assert.rejects(
    verifyGrantToken(ctx.token.grantToken, { jwksUri: server.jwksUri, requiredScopes: ['files:write'] }),
    (e) => e instanceof GrantexTokenError && e.code === 'missing_scopes',
  );
  await assert.rejects(
    verifyGrantToken(ctx.token.grantToken, { jwksUri: server.jwksUri, audience: 'https://api.example' }),
    (e) => e instanceof GrantexTokenError && e.code === 'wrong_audience',
  );
  await assert.rejects(
    verifyGrantToken(ctx.token.grantToken, { jwksUri: server.jwksUri, issuer: 'https://other.example' }),
    (e) => e instanceof GrantexTokenError && e.code === 'wrong_issuer',
  );
  // Past expiry (fixed clock) and within the tolerance.
  const late = new Date((grant.expiresAt + 10) * 1000);
  await assert.rejects(
    verifyGrantToken(ctx.token.grantToken, { jwksUri: server.jwksUri, currentDate: late }),
    (e) => e instanceof GrantexTokenError && e.code === 'expired',
  );
  const ok = await verifyGrantToken(ctx.token.grantToken, {
    jwksUri: server.jwksUri,
    currentDate: late,
    clockTolerance: 60,
  });
  assert.equal(ok.grantId, grant.grantId);

  // A private remote cache and the synchronous cached check agree.
  const cache = JwksCache.remote(server.jwksUri);
  assert.throws(() => cache.verifyCached(ctx.token.grantToken), (e) => e.code === 'jwks_fetch');
  await cache.refresh();
  assert.deepEqual(cache.verifyCached(ctx.token.grantToken), grant);
  assert.deepEqual(await cache.verify(ctx.token.grantToken), grant);
});

test('online verification: tokens.verify and grants.verify', async () => {
  const online = await gx.tokens.verify(ctx.token.grantToken);
  assert.equal(online.valid, true);
  assert.equal(online.grantId, ctx.token.grantId);
  assert.equal(online.principal, 'usr_alice');
  const verified = await gx.grants.verify(ctx.token.grantToken);
  assert.equal(verified.grantId, ctx.grant.grantId);
  assert.equal(verified.tokenId, ctx.grant.tokenId);
  assert.deepEqual(verified.scopes, ctx.grant.scopes);
});

test('refresh: new token for the same grant, old refresh token single-use', async () => {
  const refreshed = await gx.tokens.refresh({
    refreshToken: ctx.token.refreshToken,
    agentId: ctx.agent.agentId,
  });
  assert.equal(refreshed.grantId, ctx.token.grantId);
  assert.notEqual(refreshed.grantToken, ctx.token.grantToken);
  const g = await verifyGrantToken(refreshed.grantToken, { jwksUri: server.jwksUri });
  assert.notEqual(g.tokenId, ctx.grant.tokenId);
  ctx.refreshed = refreshed;

  // A spent refresh token is refused, and presenting it again revokes its whole family
  // (RFC 9700 reuse detection). Shown on a grant of its own.
  const spareAuth = await gx.authorize({ agentId: ctx.agent.agentId, userId: 'usr_alice', scopes: ['calendar:read'] });
  const spareCode = (await gx.consent.approve(spareAuth.authRequestId)).code;
  const spare = await gx.tokens.exchange({ code: spareCode, agentId: ctx.agent.agentId });
  const spareNext = await gx.tokens.refresh({ refreshToken: spare.refreshToken, agentId: ctx.agent.agentId });
  await assert.rejects(
    gx.tokens.refresh({ refreshToken: spare.refreshToken, agentId: ctx.agent.agentId, idempotencyKey: 'k-1' }),
    (e) => e instanceof GrantexApiError && e.statusCode === 400,
  );
  assert.equal((await gx.tokens.verify(spareNext.grantToken)).valid, false);
  assert.equal((await gx.tokens.verify(refreshed.grantToken)).valid, true, 'other grants are untouched');
});

test('grants: get (id and grantId), list with filters', async () => {
  const grant = await gx.grants.get(ctx.token.grantId);
  assert.equal(grant.id, ctx.token.grantId);
  assert.equal(grant.grantId, ctx.token.grantId);
  assert.equal(grant.agentId, ctx.agent.agentId);
  assert.equal(grant.principalId, 'usr_alice');
  assert.equal(grant.status, 'active');
  const list = await gx.grants.list({ agentId: ctx.agent.agentId });
  assert.ok(list.grants.some((g) => g.id === ctx.token.grantId));
  assert.ok(list.grants.every((g) => g.agentId === ctx.agent.agentId));
  const none = await gx.grants.list({ principalId: 'usr_nobody' });
  assert.deepEqual(none.grants, []);
  const all = await gx.grants.list();
  assert.ok(all.grants.length >= 1);
});

test('delegation to a sub-agent, verified offline with the parent chain', async () => {
  const child = await gx.grants.delegate({
    parentGrantToken: ctx.token.grantToken,
    subAgentId: ctx.sub.agentId,
    scopes: ['calendar:read'],
    expiresIn: '1h',
  });
  assert.deepEqual(child.scopes, ['calendar:read']);
  const g = await verifyGrantToken(child.grantToken, { jwksUri: server.jwksUri });
  assert.equal(g.agentDid, ctx.sub.did);
  assert.equal(g.parentAgentDid, ctx.agent.did);
  assert.equal(g.parentGrantId, ctx.token.grantId);
  assert.equal(g.delegationDepth, 1);
  assert.equal(g.principalId, 'usr_alice');
  await assert.rejects(
    verifyGrantToken(child.grantToken, { jwksUri: server.jwksUri, maxDelegationDepth: 0 }),
    (e) => e instanceof GrantexTokenError && e.code === 'delegation_too_deep',
  );
  // Scopes beyond the parent's are refused by the server.
  await assert.rejects(
    gx.grants.delegate({ parentGrantToken: ctx.token.grantToken, subAgentId: ctx.sub.agentId, scopes: ['files:write'] }),
    (e) => e instanceof GrantexApiError && e.statusCode === 400,
  );
  ctx.child = child;

  // A cold cache (fetch, promise path) and a warm one (synchronous path) build identical
  // objects, key order included, with and without the delegation fields.
  for (const token of [ctx.token.grantToken, child.grantToken]) {
    const cache = JwksCache.remote(server.jwksUri);
    const cold = await cache.verify(token);
    const warm = await cache.verify(token);
    assert.equal(JSON.stringify(warm), JSON.stringify(cold));
  }
});

test('audit: log, list, get and the hash chain verifier', async () => {
  const base = {
    agentId: ctx.agent.agentId,
    agentDid: ctx.agent.did,
    grantId: ctx.token.grantId,
    principalId: 'usr_alice',
  };
  const first = await gx.audit.log({ ...base, action: 'calendar.read', metadata: { events: 3 } });
  assert.match(first.entryId, /^alog_/);
  assert.equal(first.status, 'success');
  await gx.audit.log({ ...base, action: 'email.send', status: 'failure', metadata: { to: 'bob@example.com' } });
  await gx.audit.log({ ...base, action: 'payment.initiated', status: 'blocked' });
  const got = await gx.audit.get(first.entryId);
  assert.deepEqual(got, first);

  const { entries: listed } = await gx.audit.list({ grantId: ctx.token.grantId });
  // The server appends its own entries (actions "grantex.*") to the same chain: for this grant,
  // the exchange and the refresh of the earlier tests.
  const entries = listed.filter((e) => !e.action.startsWith('grantex.'));
  assert.equal(entries.length, 3);
  assert.deepEqual(entries.map((e) => e.action), ['calendar.read', 'email.send', 'payment.initiated']);
  assert.deepEqual(
    listed.filter((e) => e.action.startsWith('grantex.')).map((e) => e.action),
    ['grantex.token.issued', 'grantex.token.refreshed'],
  );
  const { entries: all } = await gx.audit.list();
  const report = verifyAuditChain(all);
  assert.deepEqual(report, { valid: true, checkedEntries: all.length, firstBrokenAt: null, reason: null });

  const altered = all.map((e) => ({ ...e }));
  altered[1] = { ...altered[1], metadata: { to: 'mallory@example.com' } };
  const broken = verifyAuditChain(altered);
  assert.equal(broken.valid, false);
  assert.equal(broken.reason, 'content');
  assert.equal(broken.firstBrokenAt, all[1].entryId);

  const reordered = [all[0], all[2], all[1]];
  assert.equal(verifyAuditChain(reordered).reason, 'link');

  await assert.rejects(
    gx.audit.log({ ...base, action: 'x', status: 'maybe' }),
    (e) => e instanceof TypeError && e.code === 'invalid_argument',
  );
});

test('principal sessions', async () => {
  const session = await gx.principalSessions.create({ principalId: 'usr_alice', expiresIn: '1h' });
  assert.equal(typeof session.sessionToken, 'string');
  assert.ok(session.dashboardUrl.includes('/permissions#session='));
});

test('token revocation affects only that token', async () => {
  await gx.tokens.revoke(ctx.grant.tokenId);
  assert.equal((await gx.tokens.verify(ctx.token.grantToken)).valid, false);
  assert.equal((await gx.tokens.verify(ctx.refreshed.grantToken)).valid, true);
  await assert.rejects(gx.tokens.revoke(ctx.grant.tokenId), (e) => e.statusCode === 404);
});

test('grant revocation cascades; online checks fail, offline still checks signatures', async () => {
  await gx.grants.revoke(ctx.token.grantId);
  assert.equal((await gx.tokens.verify(ctx.refreshed.grantToken)).valid, false);
  assert.equal((await gx.tokens.verify(ctx.child.grantToken)).valid, false);
  await assert.rejects(
    gx.grants.verify(ctx.child.grantToken),
    (e) => e instanceof GrantexTokenError && e.code === 'inactive',
  );
  const grant = await gx.grants.get(ctx.token.grantId);
  assert.equal(grant.status, 'revoked');
  assert.ok(grant.revokedAt);

  // Offline verification cannot see revocation, but it still refuses a forged signature.
  const offline = await verifyGrantToken(ctx.child.grantToken, { jwksUri: server.jwksUri });
  assert.equal(offline.grantId, ctx.child.grantId);
  const [h, p, s] = ctx.child.grantToken.split('.');
  const forged = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  await assert.rejects(
    verifyGrantToken(forged, { jwksUri: server.jwksUri }),
    (e) => e instanceof GrantexTokenError && e.code === 'bad_signature',
  );
});

test('PKCE: challenge at authorize, verifier at exchange', async () => {
  const pkce = generatePkce();
  assert.equal(pkce.codeChallengeMethod, 'S256');
  assert.equal(pkce.codeChallenge, createHash('sha256').update(pkce.codeVerifier).digest('base64url'));
  const auth = await gx.authorize({
    agentId: ctx.agent.agentId,
    userId: 'usr_bob',
    scopes: ['calendar:read'],
    codeChallenge: pkce.codeChallenge,
    codeChallengeMethod: 'S256',
  });
  const { code } = await gx.consent.approve(auth.authRequestId);
  await assert.rejects(
    gx.tokens.exchange({ code, agentId: ctx.agent.agentId, codeVerifier: generatePkce().codeVerifier }),
    (e) => e instanceof GrantexApiError && e.statusCode === 400,
  );
  const auth2 = await gx.authorize({
    agentId: ctx.agent.agentId,
    userId: 'usr_bob',
    scopes: ['calendar:read'],
    codeChallenge: pkce.codeChallenge,
    codeChallengeMethod: 'S256',
  });
  const approved = await gx.consent.approve(auth2.authRequestId);
  const token = await gx.tokens.exchange({
    code: approved.code,
    agentId: ctx.agent.agentId,
    codeVerifier: pkce.codeVerifier,
  });
  assert.deepEqual(token.scopes, ['calendar:read']);
});

test('consent denial', async () => {
  const auth = await gx.authorize({ agentId: ctx.agent.agentId, userId: 'usr_carol', scopes: ['email:send'] });
  const denial = await gx.consent.deny(auth.authRequestId);
  assert.equal(typeof denial, 'object');
  await assert.rejects(gx.consent.approve(auth.authRequestId), (e) => e instanceof GrantexApiError);
});

test('sandbox key: authorize returns the code inline', async () => {
  const sandbox = new Grantex({ apiKey: server.sandboxApiKey, baseUrl: server.baseUrl });
  const agent = await sandbox.agents.register({ name: 'sandbox-agent', scopes: ['files:read'] });
  const auth = await sandbox.authorize({ agentId: agent.id, userId: 'usr_test', scopes: ['files:read'] });
  assert.equal(typeof auth.code, 'string');
  assert.equal(auth.sandbox, true);
  const token = await sandbox.tokens.exchange({ code: auth.code, agentId: agent.id });
  // The token says it is a sandbox token: refused unless the verifier accepts sandbox tokens.
  await assert.rejects(
    verifyGrantToken(token.grantToken, { jwksUri: server.jwksUri, allowSandbox: false }),
    (e) => e instanceof GrantexTokenError && e.code === 'sandbox_token',
  );
  const g = await verifyGrantToken(token.grantToken, {
    jwksUri: server.jwksUri,
    requiredScopes: ['files:read'],
    allowSandbox: true,
  });
  assert.equal(g.principalId, 'usr_test');
  assert.equal((await sandbox.tokens.verify(token.grantToken)).valid, true, 'the server accepts its own');
  // A live key's token verifies with sandbox tokens refused.
  assert.ok(await verifyGrantToken(ctx.token.grantToken, { jwksUri: server.jwksUri, allowSandbox: false }));
  await assert.rejects(
    verifyGrantToken(token.grantToken, { jwksUri: server.jwksUri, allowSandbox: 'yes' }),
    (e) => e instanceof TypeError,
  );
});

test('signup, key rotation, and agent deletion', async () => {
  const account = await Grantex.signup({ name: 'Acme', mode: 'sandbox' }, { baseUrl: server.baseUrl });
  assert.match(account.apiKey, /^gx_test_/);
  assert.equal(account.mode, 'sandbox');
  const acme = new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl });
  assert.equal((await acme.me()).developerId, account.developerId);

  const rotated = await acme.rotateKey();
  assert.notEqual(rotated.apiKey, account.apiKey);
  await assert.rejects(acme.me(), (e) => e instanceof GrantexAuthError && e.statusCode === 401);
  const renewed = new Grantex({ apiKey: rotated.apiKey, baseUrl: server.baseUrl });
  const agent = await renewed.agents.register({ name: 'temp' });
  assert.equal(await renewed.agents.delete(agent.id), undefined);
  await assert.rejects(renewed.agents.get(agent.id), (e) => e instanceof GrantexApiError && e.statusCode === 404);
});

test('expectedDeveloperId pins the tenant: another developer\'s token is refused', async () => {
  // One server signs every developer's tokens with one key and issuer.
  async function issue(client) {
    const agent = await client.agents.register({ name: 'pinned', scopes: ['files:read'] });
    const auth = await client.authorize({ agentId: agent.id, userId: 'alice', scopes: ['files:read'] });
    const code = auth.code ?? (await client.consent.approve(auth.authRequestId)).code;
    return (await client.tokens.exchange({ code, agentId: agent.id })).grantToken;
  }
  const me = (await gx.me()).developerId;
  const other = await Grantex.signup({ name: 'Other tenant' }, { baseUrl: server.baseUrl });
  const mine = await issue(gx);
  const foreign = await issue(new Grantex({ apiKey: other.apiKey, baseUrl: server.baseUrl }));
  const pinned = { jwksUri: server.jwksUri, expectedDeveloperId: me };
  assert.equal((await verifyGrantToken(mine, pinned)).developerId, me);
  assert.equal((await verifyGrantToken(foreign, { jwksUri: server.jwksUri })).developerId, other.developerId);
  await assert.rejects(verifyGrantToken(foreign, pinned), (e) => e instanceof GrantexTokenError && e.code === 'wrong_issuer');
  await assert.rejects(verifyGrantToken(mine, { ...pinned, expectedDeveloperId: '' }), (e) => e.code === 'config_error');
});
