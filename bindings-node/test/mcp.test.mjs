// `grantex.mcp` against a real grantex-server (issue 17 item 3): MCP servers (the OAuth
// resources), MCP clients the developer registers, the dynamic registration policy, and the login
// binding of a pending MCP authorization started at `/oauth/authorize`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Grantex } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

const REDIRECT = 'http://127.0.0.1:7777/callback';
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

async function fresh() {
  const account = await Grantex.signup({ name: 'mcp', mode: 'live' }, { baseUrl: server.baseUrl });
  return new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
}

const resource = (tag) => `http://127.0.0.1:9/${tag}-${process.hrtime.bigint()}/mcp`;

/** `GET /oauth/authorize` as a browser would; the pending request's id. */
async function startAuthorization(clientId, res) {
  const verifier = 'v'.repeat(50);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: res,
    state: 's1',
  });
  const r = await fetch(`${server.baseUrl}/oauth/authorize?${q}`, { redirect: 'manual' });
  assert.equal(r.status, 303);
  return new URL(r.headers.get('location')).searchParams.get('req');
}

test('servers, clients, settings and the login binding', async () => {
  const gx = await fresh();
  const url = resource('node');
  const s = await gx.mcp.registerServer({ name: 'Calendar tools', resourceUrl: url, scopes: ['calendar:read'] });
  assert.equal(s.resourceUrl, url);
  assert.equal(s.grantTtl, '30d');
  assert.equal(s.authorizationServer, server.baseUrl);
  assert.deepEqual((await gx.mcp.listServers()).servers.map((x) => x.id), [s.id]);
  assert.equal((await gx.mcp.getServer(s.id)).name, 'Calendar tools');
  await assert.rejects(
    gx.mcp.registerServer({ name: 'again', resourceUrl: url, scopes: ['x'] }),
    (e) => e.statusCode === 409,
  );

  const cl = await gx.mcp.registerClient({ clientName: 'Desktop', redirectUris: [REDIRECT] });
  assert.equal(cl.registeredBy, 'api');
  assert.equal(cl.tokenEndpointAuthMethod, 'none');
  assert.ok(cl.agentId);
  assert.equal('clientSecret' in cl && cl.clientSecret !== undefined, false);
  const conf = await gx.mcp.registerClient({
    clientName: 'Server app',
    redirectUris: [REDIRECT],
    tokenEndpointAuthMethod: 'client_secret_post',
  });
  assert.match(conf.clientSecret, /^mcs_/);
  assert.deepEqual(
    new Set((await gx.mcp.listClients()).clients.map((x) => x.clientId)),
    new Set([cl.clientId, conf.clientId]),
  );
  await assert.rejects(
    gx.mcp.registerClient({ clientName: 'Bad', redirectUris: ['http://evil.example/cb'] }),
    (e) => e.statusCode === 400,
  );

  const t = await gx.mcp.updateSettings({ registrationPolicy: 'token' });
  assert.equal(t.registrationPolicy, 'token');
  assert.match(t.registrationToken, /^mcpreg_/);
  assert.equal((await gx.mcp.getSettings()).registrationToken, undefined);

  const areq = await startAuthorization(cl.clientId, url);
  const bound = await gx.mcp.bindPrincipal(areq, { principalId: 'alice' });
  assert.ok(bound.consentUrl.startsWith(`${server.baseUrl}/consent?req=${areq}&login=`));
  await assert.rejects(gx.mcp.bindPrincipal(areq, { principalId: 'mallory' }), (e) => e.statusCode === 404);

  await gx.mcp.deleteClient(cl.clientId);
  await assert.rejects(gx.mcp.getClient(cl.clientId), (e) => e.statusCode === 404);
  await gx.mcp.deleteServer(s.id);
  assert.deepEqual((await gx.mcp.listServers()).servers, []);
});
