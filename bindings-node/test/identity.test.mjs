// The identity-binding verify options (issue 13) against a real grantex-server:
// expectedPrincipalId, expectedAgentDid and currentAuthority (the client's online
// grants.verify as the authority).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Grantex, JwksCache, verifyGrantToken, GrantexTokenError } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

const AUD = 'https://calendar.example.com';
let server;
let gx;

before(async () => {
  server = await startServer();
  gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

async function grantFor(principal) {
  const agent = await gx.agents.register({ name: 'bound', scopes: ['calendar:read'] });
  const auth = await gx.authorize({ agentId: agent.agentId, userId: principal, scopes: ['calendar:read'], audience: AUD });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return { agent, token: await gx.tokens.exchange({ code, agentId: agent.agentId }) };
}

const code = (c) => (e) => e instanceof GrantexTokenError && e.code === c;

test('expectedPrincipalId and expectedAgentDid bind the token to who is asking', async () => {
  const { agent, token } = await grantFor('node_bound');
  const opts = { jwksUri: server.jwksUri };
  const g = await verifyGrantToken(token.grantToken, { ...opts, expectedPrincipalId: 'node_bound', expectedAgentDid: agent.did });
  assert.equal(g.principalId, 'node_bound');
  await assert.rejects(verifyGrantToken(token.grantToken, { ...opts, expectedPrincipalId: 'someone_else' }), code('wrong_principal'));
  await assert.rejects(verifyGrantToken(token.grantToken, { ...opts, expectedPrincipalId: '' }), code('wrong_principal'));
  await assert.rejects(verifyGrantToken(token.grantToken, { ...opts, expectedAgentDid: 'did:grantex:ag_other' }), code('wrong_agent'));
  await assert.rejects(verifyGrantToken(token.grantToken, { ...opts, expectedAgentDid: 42 }), TypeError);
});

test('currentAuthority: the server’s online answer, refused once revoked or for another grant', async () => {
  const { token } = await grantFor('node_auth');
  const { token: other } = await grantFor('node_other');
  const calls = [];
  const authority = async (t) => {
    calls.push(t);
    return gx.grants.verify(t);
  };
  const opts = { jwksUri: server.jwksUri, audience: AUD, currentAuthority: authority };
  const g = await verifyGrantToken(token.grantToken, opts);
  assert.equal(g.grantId, token.grantId);
  assert.deepEqual(calls, [token.grantToken]);
  // Synchronous answers, and JwksCache.verifyCached (which needs one).
  const cache = JwksCache.remote(server.jwksUri);
  const answer = await gx.grants.verify(token.grantToken);
  assert.equal((await cache.verify(token.grantToken, { audience: AUD, currentAuthority: () => answer })).grantId, token.grantId);
  assert.equal(cache.verifyCached(token.grantToken, { audience: AUD, currentAuthority: () => answer }).grantId, token.grantId);
  assert.throws(() => cache.verifyCached(token.grantToken, { audience: AUD, currentAuthority: async () => answer }), TypeError);
  // An async callback that rejects, given to verifyCached, must not crash the process with an
  // unhandled rejection; a sync one that throws is authority_mismatch with the error as cause.
  assert.throws(() => cache.verifyCached(token.grantToken, { audience: AUD, currentAuthority: async () => { throw new Error('late'); } }), TypeError);
  assert.throws(() => cache.verifyCached(token.grantToken, { audience: AUD, currentAuthority: () => { throw new Error('sync boom'); } }),
    (e) => code('authority_mismatch')(e) && e.cause?.message === 'sync boom');
  const circular = {};
  circular.self = circular;
  assert.throws(() => cache.verifyCached(token.grantToken, { audience: AUD, currentAuthority: () => circular }), code('authority_mismatch'));
  // Another grant's answer, something that is not a grant, a failing callback.
  const otherAnswer = await gx.grants.verify(other.grantToken);
  for (const bad of [() => otherAnswer, () => ({ grantId: token.grantId }), () => null]) {
    await assert.rejects(verifyGrantToken(token.grantToken, { ...opts, currentAuthority: bad }), (e) =>
      code('authority_mismatch')(e) && /does not match/.test(e.message));
  }
  await assert.rejects(
    verifyGrantToken(token.grantToken, { ...opts, currentAuthority: () => { throw new Error('authority offline'); } }),
    (e) => code('authority_mismatch')(e) && !/authority offline/.test(e.message) && e.cause?.message === 'authority offline',
  );
  // Revoked on the server: offline still passes, the authority refuses.
  await gx.grants.revoke(token.grantId);
  assert.equal((await verifyGrantToken(token.grantToken, { jwksUri: server.jwksUri, audience: AUD })).grantId, token.grantId);
  await assert.rejects(verifyGrantToken(token.grantToken, opts), code('authority_mismatch'));
  // No audience: a token error, as in the reference; not a function: a type error.
  await assert.rejects(verifyGrantToken(token.grantToken, { jwksUri: server.jwksUri, currentAuthority: authority }), code('authority_mismatch'));
  await assert.rejects(verifyGrantToken(token.grantToken, { ...opts, currentAuthority: 'nope' }), TypeError);
});
