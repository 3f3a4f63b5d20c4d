// The credential vault against a real grantex-server (issue 16 item 1): the `vault` namespace
// with the reference SDK's names — store, list and get without the secret, the grant-token
// exchange (`exchange(grantToken, params)`, authenticated by the token, not the API key), its
// refusals, delete.
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

async function fresh() {
  const account = await Grantex.signup({ name: 'vault', mode: 'live' }, { baseUrl: server.baseUrl });
  return new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
}

async function token(gx, scopes, userId = 'alice') {
  const agent = await gx.agents.register({ name: 'vaulted', description: 'node test', scopes });
  const auth = await gx.authorize({ agentId: agent.agentId, userId, scopes });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return gx.tokens.exchange({ code, agentId: agent.agentId });
}

test('store, list, get, exchange with the grant token, refusals, delete', async () => {
  const gx = await fresh();
  const stored = await gx.vault.store({
    principalId: 'alice',
    service: 'github',
    accessToken: 'gho_node_secret',
    metadata: { login: 'alice' },
  });
  assert.equal(stored.credentialType, 'oauth2');
  const listed = await gx.vault.list({ principalId: 'alice' });
  assert.deepEqual(listed.credentials.map((c) => c.id), [stored.id]);
  const cred = await gx.vault.get(stored.id);
  assert.deepEqual(cred.metadata, { login: 'alice' });
  assert.equal('accessToken' in cred, false, 'metadata only');

  const tok = await token(gx, ['vault:github:exchange']);
  const got = await gx.vault.exchange(tok.grantToken, { service: 'github' });
  assert.deepEqual([got.accessToken, got.service, got.credentialType], ['gho_node_secret', 'github', 'oauth2']);

  const narrow = await token(gx, ['read']);
  await assert.rejects(gx.vault.exchange(narrow.grantToken, { service: 'github' }), (e) => e.statusCode === 403);
  await assert.rejects(
    gx.vault.exchange('not-a-token', { service: 'github' }),
    (e) => e instanceof GrantexAuthError && e.statusCode === 401,
  );
  await gx.grants.revoke(tok.grantId);
  await assert.rejects(gx.vault.exchange(tok.grantToken, { service: 'github' }), (e) => e.statusCode === 401);
  const other = await fresh();
  await assert.rejects(other.vault.get(stored.id), (e) => e instanceof GrantexApiError && e.statusCode === 404);
  await gx.vault.delete(stored.id);
  assert.deepEqual((await gx.vault.list()).credentials, []);
});
