// MCP authorization end to end (issue 17), Node side: the real `@modelcontextprotocol/sdk`
// client (its OAuth provider interface) against a real SDK `McpServer` guarded by
// `@grantex/sdk/mcp` (requireBearerAuth with our verifier, our tool-scope middleware, our
// metadata), with grantex-server as the authorization server: 401 → protected resource
// metadata → authorization server metadata → dynamic registration → authorize (PKCE, resource)
// → the MCP server's login → consent → token → tool call. Then: a revoked grant, a token for
// another MCP server, a tool whose scope the grant lacks, no token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import express from 'express';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Grantex } from '@grantex/sdk';
import { McpGuard, McpAuthError } from '@grantex/sdk/mcp';
import { startServer } from './helpers/server.mjs';

const REDIRECT = 'http://127.0.0.1:7777/callback';
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

/** The developer's MCP server: two tools, the Grantex guard, a demo login. */
async function startMcpServer(gx, apiKey) {
  const app = express();
  app.use(express.json());
  const http = app.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = http.address().port;
  const resource = `http://127.0.0.1:${port}/mcp`;
  await gx.mcp.registerServer({
    name: 'Node demo tools',
    resourceUrl: resource,
    scopes: ['tools:add', 'tools:secret'],
    loginUrl: `http://127.0.0.1:${port}/login`,
  });
  const guard = new McpGuard({
    resource,
    authorizationServer: server.baseUrl,
    resourceName: 'Node demo tools',
    requiredScopes: ['tools:add'],
    toolScopes: { secret: ['tools:secret'] },
    scopesSupported: ['tools:add'],
    revocation: { apiKey },
  });
  app.get(guard.metadataPath, guard.metadataHandler());
  app.get('/login', async (req, res) => {
    const bound = await gx.mcp.bindPrincipal(String(req.query.grantex_request), { principalId: 'alice' });
    res.redirect(303, bound.consentUrl);
  });
  app.post(
    '/mcp',
    requireBearerAuth({ verifier: guard.bearerVerifier(), resourceMetadataUrl: guard.metadataUrl }),
    guard.toolScopeMiddleware(),
    async (req, res) => {
      const mcp = new McpServer({ name: 'node-demo', version: '1.0.0' });
      mcp.registerTool('add', { description: 'Adds', inputSchema: { a: z.number(), b: z.number() } }, ({ a, b }) => ({
        content: [{ type: 'text', text: String(a + b) }],
      }));
      mcp.registerTool('secret', { description: 'The secret' }, () => ({
        content: [{ type: 'text', text: 'the secret is 42' }],
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

class Jar {
  constructor() {
    this.c = new Map();
  }
  header() {
    return [...this.c].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(r) {
    for (const sc of r.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const i = pair.indexOf('=');
      const [k, v] = [pair.slice(0, i), pair.slice(i + 1)];
      if (v) this.c.set(k, v);
      else this.c.delete(k);
    }
  }
}

/** The user's browser: follows the redirects (consent, the MCP server's login, consent) and approves. */
async function consent(url, visited) {
  const jar = new Jar();
  const get = async (u) => {
    const r = await fetch(u, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(r);
    return r;
  };
  let r = await get(url);
  while (r.status === 303 || r.status === 302) {
    const loc = r.headers.get('location');
    visited.push(loc);
    if (loc.startsWith(REDIRECT)) return new URL(loc);
    r = await get(loc);
  }
  assert.equal(r.status, 200);
  const html = await r.text();
  const csrf = html.match(/name="csrf" value="([^"]+)"/)[1];
  const areq = html.match(/data-req="([^"]+)"/)[1];
  r = await fetch(`${new URL(url).origin}/consent/${areq}/approve`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: `csrf=${encodeURIComponent(csrf)}`,
  });
  assert.equal(r.status, 303);
  return new URL(r.headers.get('location'));
}

/** An OAuthClientProvider of the SDK, kept in memory. */
function provider() {
  const store = { url: undefined };
  return {
    store,
    get redirectUrl() {
      return REDIRECT;
    },
    get clientMetadata() {
      return {
        redirect_uris: [REDIRECT],
        client_name: 'Node demo client',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      };
    },
    state() {
      return 'node-state-1';
    },
    clientInformation() {
      return store.client;
    },
    saveClientInformation(i) {
      store.client = i;
    },
    tokens() {
      return store.tokens;
    },
    saveTokens(t) {
      store.tokens = t;
    },
    redirectToAuthorization(url) {
      store.url = url;
    },
    saveCodeVerifier(v) {
      store.verifier = v;
    },
    codeVerifier() {
      return store.verifier;
    },
  };
}

async function connect(resource, options) {
  const client = new Client({ name: 'node-demo-client', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), options));
  return client;
}

function call(resource, token, name, args = {}) {
  return fetch(resource, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name, arguments: args } }),
  });
}

async function tokenFor(gx, audience, scopes) {
  const agent = await gx.agents.register({ name: 'direct', description: 'node test', scopes });
  const auth = await gx.authorize({ agentId: agent.agentId, userId: 'alice', scopes, audience });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return (await gx.tokens.exchange({ code, agentId: agent.agentId })).grantToken;
}

test('the SDK client discovers, registers, consents and calls; refusals follow the spec', async () => {
  const account = await Grantex.signup({ name: 'mcp node', mode: 'live' }, { baseUrl: server.baseUrl });
  const gx = new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
  const mcp = await startMcpServer(gx, account.apiKey);
  try {
    const { resource, guard } = mcp;
    const p = provider();
    const transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: p });
    const first = new Client({ name: 'node-demo-client', version: '1.0.0' });
    await assert.rejects(first.connect(transport), UnauthorizedError);
    assert.ok(p.store.url, 'the client was sent to authorize');
    assert.equal(p.store.url.origin, new URL(server.baseUrl).origin, 'found the authorization server by itself');
    assert.equal(p.store.url.searchParams.get('resource'), resource);
    assert.equal(p.store.url.searchParams.get('code_challenge_method'), 'S256');
    const visited = [];
    const back = await consent(String(p.store.url), visited);
    assert.ok(visited.some((u) => u.includes('/login?grantex_request=')), visited.join('\n'));
    assert.equal(back.searchParams.get('state'), 'node-state-1');
    assert.equal(back.searchParams.get('iss'), server.baseUrl);
    await transport.finishAuth(back.searchParams.get('code'));
    const client = await connect(resource, { authProvider: p });
    const out = await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
    assert.equal(out.content[0].text, '42');
    await client.close();

    const token = p.store.tokens.access_token;
    const grant = await guard.authenticate(`Bearer ${token}`);
    assert.equal(grant.principalId, 'alice');
    assert.deepEqual([...grant.scopes], ['tools:add']);

    // The metadata, and no token at all.
    const meta = await (await fetch(guard.metadataUrl)).json();
    assert.deepEqual(meta.authorization_servers, [server.baseUrl]);
    assert.equal(meta.resource, resource);
    const none = await fetch(resource, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate'), /resource_metadata="[^"]+oauth-protected-resource\/mcp"/);

    // A tool the grant has no scope for: 403 insufficient_scope naming the scopes.
    const denied = await call(resource, token, 'secret');
    assert.equal(denied.status, 403);
    const challenge = denied.headers.get('www-authenticate');
    assert.match(challenge, /error="insufficient_scope"/);
    assert.match(challenge, /scope="tools:add tools:secret"/);
    assert.ok(challenge.includes(`resource_metadata="${guard.metadataUrl}"`), challenge);

    // A token for another MCP server.
    const other = await tokenFor(gx, 'http://127.0.0.1:9/other-mcp', ['tools:add']);
    const wrong = await call(resource, other, 'add', { a: 1, b: 1 });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate'), /error="invalid_token"/);
    await assert.rejects(guard.check(`Bearer ${other}`), (e) => e instanceof McpAuthError && e.reason === 'wrong_audience');

    // The user's grant is revoked: the next call is refused.
    await gx.grants.revoke(grant.grantId);
    const revoked = await call(resource, token, 'add', { a: 1, b: 1 });
    assert.equal(revoked.status, 401);
    assert.match(revoked.headers.get('www-authenticate'), /error="invalid_token"/);
  } finally {
    await mcp.stop();
  }
});
