// `@grantex/sdk/mcp` pieces one at a time with the real `@modelcontextprotocol/sdk` 1.32.2: an
// `McpServer` (two tools) on a stateless `StreamableHTTPServerTransport` behind the SDK's
// `requireBearerAuth` with our `bearerVerifier`, our `toolScopeMiddleware` and our metadata
// handler; the SDK `Client` with a static `Authorization` header (requestInit). Tokens come
// from grantex-server (`/v1/authorize` with an audience → consent → `/v1/token`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import express from 'express';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError, InsufficientScopeError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Grantex } from '@grantex/sdk';
import { McpGuard, McpAuthError } from '@grantex/sdk/mcp';
import { startServer } from './helpers/server.mjs';

let server;
let gx;
let apiKey;

before(async () => {
  server = await startServer();
  const account = await Grantex.signup({ name: 'mcp guard node', mode: 'live' }, { baseUrl: server.baseUrl });
  apiKey = account.apiKey;
  gx = new Grantex({ apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

/** Two tools: `add` (tools:read, required for every request) and `wipe` (also tools:write). */
async function startMcp() {
  const app = express();
  app.use(express.json());
  const http = app.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const resource = `http://127.0.0.1:${http.address().port}/mcp`;
  const guard = new McpGuard({
    resource,
    authorizationServer: server.baseUrl,
    resourceName: 'Guarded node tools',
    requiredScopes: ['tools:read'],
    // The second name is not ASCII: its refusal must still make a valid header.
    toolScopes: { wipe: ['tools:write'], 'w\u00efpe\u2603': ['tools:write'] },
    revocation: { apiKey },
  });
  app.get(guard.metadataPath, guard.metadataHandler());
  app.post(
    '/mcp',
    requireBearerAuth({ verifier: guard.bearerVerifier(), resourceMetadataUrl: guard.metadataUrl }),
    guard.toolScopeMiddleware(),
    async (req, res) => {
      const mcp = new McpServer({ name: 'guarded', version: '1.0.0' });
      mcp.registerTool('add', { description: 'Adds', inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => ({
        content: [{ type: 'text', text: String(a + b) }],
      }));
      mcp.registerTool('wipe', { description: 'Needs tools:write' }, () => ({
        content: [{ type: 'text', text: `wiped for ${req.auth.extra.principalId}` }],
      }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        transport.close();
        mcp.close();
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res, req.body);
    },
  );
  return { resource, guard, stop: () => new Promise((r) => http.close(r)) };
}

async function tokenFor(audience, scopes) {
  const agent = await gx.agents.register({ name: 'mcp-node', description: 'node test', scopes });
  const auth = await gx.authorize({ agentId: agent.agentId, userId: 'alice', scopes, audience });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  const out = await gx.tokens.exchange({ code, agentId: agent.agentId });
  return { token: out.grantToken, grantId: out.grantId };
}

/** The SDK client with a static bearer token: connect, call one tool, close. */
async function callTool(resource, token, name, args = {}) {
  const client = new Client({ name: 'static-bearer', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(resource), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  try {
    return await client.callTool({ name, arguments: args });
  } finally {
    await client.close();
  }
}

function post(resource, token, name) {
  return fetch(resource, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name, arguments: {} } }),
  });
}

test('the verifier maps the grant to AuthInfo and throws the SDK error classes', async () => {
  const { resource, guard, stop } = await startMcp();
  try {
    const { token, grantId } = await tokenFor(resource, ['tools:read']);
    const info = await guard.bearerVerifier().verifyAccessToken(token);
    assert.equal(info.token, token);
    assert.match(info.clientId, /^did:grantex:/);
    assert.deepEqual(info.scopes, ['tools:read']);
    assert.ok(info.expiresAt > Date.now() / 1000);
    assert.ok(info.resource instanceof URL);
    assert.equal(info.resource.href, resource);
    assert.equal(info.extra.grantId, grantId);
    assert.equal(info.extra.principalId, 'alice');

    const other = await tokenFor('http://127.0.0.1:9/other/mcp', ['tools:read']);
    await assert.rejects(guard.bearerVerifier().verifyAccessToken(other.token), InvalidTokenError);
    const noRead = await tokenFor(resource, ['tools:write']);
    await assert.rejects(guard.bearerVerifier().verifyAccessToken(noRead.token), InsufficientScopeError);
    await assert.rejects(guard.bearerVerifier().verifyAccessToken('nope'), InvalidTokenError);
  } finally {
    await stop();
  }
});

test('a real McpServer behind requireBearerAuth: audience, tool scopes, revocation, metadata', async () => {
  const { resource, guard, stop } = await startMcp();
  try {
    // The metadata.
    const meta = await fetch(guard.metadataUrl);
    assert.equal(meta.status, 200);
    assert.equal(new URL(guard.metadataUrl).pathname, '/.well-known/oauth-protected-resource/mcp');
    assert.deepEqual(await meta.json(), {
      resource,
      authorization_servers: [server.baseUrl],
      scopes_supported: ['tools:read', 'tools:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'Guarded node tools',
    });

    // A token for this server: the SDK client calls `add`.
    const reader = await tokenFor(resource, ['tools:read']);
    const out = await callTool(resource, reader.token, 'add', { a: 40, b: 2 });
    assert.equal(out.content[0].text, '42');

    // `wipe` needs tools:write: 403 insufficient_scope naming the scopes, before the tool runs.
    const denied = await post(resource, reader.token, 'wipe');
    assert.equal(denied.status, 403);
    const challenge = denied.headers.get('www-authenticate');
    assert.ok(challenge.startsWith('Bearer error="insufficient_scope"'), challenge);
    assert.match(challenge, /scope="tools:read tools:write"/);
    assert.ok(challenge.includes(`resource_metadata="${guard.metadataUrl}"`), challenge);
    assert.equal((await denied.json()).error, 'insufficient_scope');
    await assert.rejects(callTool(resource, reader.token, 'wipe'));
    // A tool name outside ASCII cannot break the response header.
    const odd = await post(resource, reader.token, 'w\u00efpe\u2603');
    assert.equal(odd.status, 403);
    assert.match(odd.headers.get('www-authenticate'), /the tool `w\?pe\?` needs/);

    const writer = await tokenFor(resource, ['tools:read', 'tools:write']);
    assert.equal((await callTool(resource, writer.token, 'wipe')).content[0].text, 'wiped for alice');

    // A token for another MCP server: the SDK's 401 with our metadata URL.
    const other = await tokenFor(`http://127.0.0.1:9/mcp`, ['tools:read', 'tools:write']);
    const wrong = await post(resource, other.token, 'add');
    assert.equal(wrong.status, 401);
    const w = wrong.headers.get('www-authenticate');
    assert.match(w, /error="invalid_token"/);
    assert.ok(w.includes(`resource_metadata="${guard.metadataUrl}"`), w);
    assert.ok(!w.includes(other.token));
    await assert.rejects(guard.check(`Bearer ${other.token}`), (e) => e instanceof McpAuthError && e.reason === 'wrong_audience');

    // The grant is revoked through the developer API: the next call is refused.
    await gx.grants.revoke(writer.grantId);
    const revoked = await post(resource, writer.token, 'add');
    assert.equal(revoked.status, 401);
    assert.ok(revoked.headers.get('www-authenticate').includes(`resource_metadata="${guard.metadataUrl}"`));
    await assert.rejects(callTool(resource, writer.token, 'add', { a: 1, b: 1 }));
    await assert.rejects(guard.check(`Bearer ${writer.token}`), (e) => e instanceof McpAuthError && e.reason === 'revoked');
  } finally {
    await stop();
  }
});

test('the tool-scope check trusts only AuthInfo from this guard', async () => {
  const { resource, guard } = await startMcp().then(async (m) => {
    await m.stop();
    return m;
  });
  const reader = await tokenFor(resource, ['tools:read']);
  const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'wipe' } };
  const run = (req) =>
    new Promise((resolve) => {
      const res = {
        statusCode: 200,
        headers: {},
        setHeader(k, v) {
          this.headers[k.toLowerCase()] = v;
        },
        end() {
          resolve({ status: this.statusCode, headers: this.headers });
        },
      };
      guard.toolScopeMiddleware()(req, res, (err) => resolve({ next: true, err }));
    });
  // A forged req.auth claiming tools:write, with the reader's token: the token is checked in full.
  const forged = await run({
    method: 'POST',
    headers: { authorization: `Bearer ${reader.token}` },
    body,
    auth: { token: reader.token, clientId: 'x', scopes: ['tools:read', 'tools:write'] },
  });
  assert.equal(forged.status, 403);
  // The AuthInfo our verifier made: its scopes are used as they are.
  const info = await guard.bearerVerifier().verifyAccessToken(reader.token);
  const ours = await run({ method: 'POST', headers: {}, body, auth: info });
  assert.equal(ours.status, 403);
  assert.match(ours.headers['www-authenticate'], /scope="tools:read tools:write"/);
  const listed = await run({ method: 'POST', headers: {}, body: { jsonrpc: '2.0', id: 2, method: 'tools/list' }, auth: info });
  assert.deepEqual(listed, { next: true, err: undefined });
});
