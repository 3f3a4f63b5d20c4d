// Tool manifests and enforce (issue 13): the shared vectors through the JS surface, then the
// real server (online revocation), wrapTool, and enforceMiddleware in real Express and Fastify.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Grantex, ToolManifest, Permission, permissionCovers, manifests, DenialReason,
  ManifestValidationError, GrantexConfigError, parseToolDeclaration,
} from '@grantex/sdk';
import { startServer, repoRoot } from './helpers/server.mjs';

const V = JSON.parse(fs.readFileSync(path.join(repoRoot, 'vectors', 'enforce-vectors.json'), 'utf8'));
const OFFLINE = { apiKey: 'gx_test_vectors', baseUrl: 'http://127.0.0.1:9', maxRetries: 0 };

function vectorClient(config) {
  const g = new Grantex({ ...OFFLINE, ...V.config, ...config });
  for (const doc of V.manifests) g.loadManifest(ToolManifest.fromJSON(doc));
  return g;
}

test('every enforce vector', async () => {
  assert.ok(V.cases.length >= 50);
  for (const c of V.cases) {
    const r = await vectorClient(c.config ?? {}).enforce({ ...c.call, grantToken: c.token });
    for (const [key, want] of Object.entries(c.expect)) {
      const got = key === 'wouldDeny' ? r.wouldDeny?.reason_code : r[key];
      assert.deepEqual(got, want, `${c.name}: ${key} ${JSON.stringify(r)}`);
    }
  }
});

test('every manifest vector', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grantex-manifest-'));
  for (const c of V.manifestCases) {
    const load = () => {
      if (c.text !== undefined) {
        const file = path.join(dir, `${c.name}.json`);
        fs.writeFileSync(file, c.text);
        return ToolManifest.fromFile(file);
      }
      return ToolManifest.fromJSON(c.document);
    };
    if (c.expect === 'valid') {
      const m = load();
      assert.deepEqual(ToolManifest.fromJSON(m.toJSON()).toJSON(), m.toJSON(), c.name);
    } else {
      assert.throws(load, (e) => e instanceof ManifestValidationError && e.code === 'manifest_invalid' && e.message.includes(c.expect), c.name);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the manifest surface', () => {
  const m = new ToolManifest({ connector: 'crm', tools: { get: Permission.READ, put: { permission: 'write', caps: { per_hour: 5 } } } });
  assert.deepEqual(Object.keys(m.tools), ['get', 'put']);
  assert.equal(m.toolCount, 2);
  assert.deepEqual(m.getToolSpec('put').caps, { perHour: 5 });
  assert.equal(m.getPermission('nope'), undefined);
  m.addTool('drop', 'delete');
  assert.equal(m.getToolSpec('drop').permission, 'delete');
  assert.ok(permissionCovers('admin', 'read') && !permissionCovers('read', 'write'));
  assert.throws(() => parseToolDeclaration('t', { permission: 'read', requires_decision: true }), ManifestValidationError);
  assert.throws(() => new ToolManifest({ connector: '', tools: { a: 'read' } }), ManifestValidationError);
  assert.ok(manifests.NAMES.includes('code_hosting'));
  for (const p of manifests.loadAll()) assert.ok(p.toolCount >= 8, p.connector);
  assert.throws(() => manifests.load('nope'), RangeError);
});

test('client options are checked at construction; per-call options may only tighten', async () => {
  for (const [opts, word] of [
    [{ enforceMode: 'lenient' }, /enforce_mode/],
    [{ revocationCheck: 'sometimes' }, /revocation_check/],
    [{ audience: 'a', audienceCheck: 'off' }, /cannot be set/],
    [{ capsMeter: {} }, /caps_meter/],
  ]) {
    assert.throws(() => new Grantex({ ...OFFLINE, ...opts }), (e) => e instanceof GrantexConfigError && word.test(e.message));
  }
  const g = new Grantex({ ...OFFLINE, revocationCheck: 'online' });
  await assert.rejects(g.enforce({ grantToken: 'a.b.c', connector: 'crm', tool: 'x', revocationCheck: 'offline' }), /cannot loosen/);
  const r = await new Grantex(OFFLINE).enforce({ grantToken: 'a.b.c', connector: 'crm', tool: 'x', amount: Number.NaN });
  assert.equal(r.reasonCode, DenialReason.TOKEN_INVALID);
});

let server;
let gx;
before(async () => {
  server = await startServer();
  gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
});
after(async () => {
  await server?.stop();
});

async function grantToken(scopes) {
  const agent = await gx.agents.register({ name: 'enforced', scopes });
  const auth = await gx.authorize({ agentId: agent.agentId, userId: 'node_enforce', scopes });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return (await gx.tokens.exchange({ code, agentId: agent.agentId })).grantToken;
}

test('enforce against the server, with online revocation and wrapTool', async () => {
  const token = await grantToken(['tool:crm:write', 'tool:pay:write:capped:100']);
  const online = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, revocationCheck: 'online' });
  const offline = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  for (const c of [online, offline]) {
    c.loadManifests([manifests.load('crm'), new ToolManifest({ connector: 'pay', tools: { charge: 'write' } })]);
  }
  const ok = await online.enforce({ grantToken: token, connector: 'crm', tool: 'create_contact' });
  assert.equal(ok.allowed, true);
  assert.equal(ok.grant.principalId, 'node_enforce');
  const low = await online.enforce({ grantToken: token, connector: 'crm', tool: 'delete_contact' });
  assert.equal(low.reasonCode, 'permission_insufficient');
  const over = await online.enforce({ grantToken: token, connector: 'pay', tool: 'charge', amount: 150 });
  assert.deepEqual([over.subReason, over.details], ['amount_cap', { limit: 100, amount: 150 }]);

  const calls = [];
  const tool = { name: 'create_contact', description: 'd', async invoke(input) { calls.push(input); return 'done'; } };
  const guarded = online.wrapTool(tool, { connector: 'crm', tool: 'create_contact', grantToken: () => token });
  assert.equal(await guarded.invoke({ name: 'Ada' }), 'done');
  const charge = online.wrapTool(tool, { connector: 'pay', tool: 'charge', grantToken: token, extractAmount: (i) => i.amount });
  assert.equal(await charge.invoke({ amount: 5 }), 'done');
  await assert.rejects(charge.invoke({ amount: 500 }), /Grantex scope denied: Amount 500 exceeds budget cap/);
  const denied = online.wrapTool(tool, { connector: 'crm', tool: 'delete_contact', grantToken: token });
  await assert.rejects(denied.invoke({ id: 'c1' }), /Grantex scope denied: write scope does not permit delete/);
  assert.equal(calls.length, 2);

  await gx.grants.revoke(ok.grantId);
  const gone = await online.enforce({ grantToken: token, connector: 'crm', tool: 'create_contact' });
  assert.deepEqual([gone.allowed, gone.reasonCode, gone.subReason], [false, 'grant_revoked', 'revoked']);
  await assert.rejects(guarded.invoke({ name: 'Eve' }), /This grant is revoked/);
  // The TypeScript reference's default is offline: allowed until expiry unless asked.
  assert.equal((await offline.enforce({ grantToken: token, connector: 'crm', tool: 'create_contact' })).allowed, true);
  const strict = await offline.enforce({ grantToken: token, connector: 'crm', tool: 'create_contact', revocationCheck: 'online' });
  assert.equal(strict.reasonCode, 'grant_revoked');
});

async function fetchJson(url, token) {
  const res = await fetch(url, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.json() };
}

function middlewareOptions() {
  return {
    extractToken: (req) => req.headers.authorization?.replace('Bearer ', ''),
    extractConnector: (req) => req.params.connector,
    extractTool: (req) => req.params.tool,
  };
}

test('enforceMiddleware in a real Express app and a Fastify preHandler', async () => {
  const token = await grantToken(['tool:crm:read']);
  const client = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, revocationCheck: 'online' });
  client.loadManifest(manifests.load('crm'));

  const { default: express } = await import('express');
  const app = express();
  app.post('/tools/:connector/:tool', client.enforceMiddleware(middlewareOptions()), (req, res) => {
    res.json({ ran: req.params.tool, permission: req.grantexEnforce.permission });
  });
  const httpServer = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const base = `http://127.0.0.1:${httpServer.address().port}`;
  try {
    assert.deepEqual(await fetchJson(`${base}/tools/crm/get_contact`, token), { status: 200, body: { ran: 'get_contact', permission: 'read' } });
    const denied = await fetchJson(`${base}/tools/crm/create_contact`, token);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'SCOPE_DENIED');
    assert.equal(denied.body.error.reason, 'permission_insufficient');
    assert.equal((await fetchJson(`${base}/tools/crm/get_contact`)).status, 401);
    assert.equal((await fetchJson(`${base}/tools/crm/get_contact`, `${token}x`)).body.error.reason, 'token_invalid');
  } finally {
    await new Promise((resolve) => httpServer.close(resolve));
  }

  const { default: Fastify } = await import('fastify');
  const f = Fastify();
  f.post('/tools/:connector/:tool', { preHandler: client.enforceMiddleware(middlewareOptions()) }, async (req) => ({ ran: req.params.tool }));
  await f.listen({ port: 0, host: '127.0.0.1' });
  const fbase = `http://127.0.0.1:${f.server.address().port}`;
  try {
    assert.deepEqual(await fetchJson(`${fbase}/tools/crm/get_contact`, token), { status: 200, body: { ran: 'get_contact' } });
    const denied = await fetchJson(`${fbase}/tools/crm/delete_contact`, token);
    assert.deepEqual([denied.status, denied.body.error.reason], [403, 'permission_insufficient']);
    assert.equal((await fetchJson(`${fbase}/tools/crm/get_contact`)).status, 401);
    // Revoked: the next request is refused by both.
    const info = await client.enforce({ grantToken: token, connector: 'crm', tool: 'get_contact' });
    await gx.grants.revoke(info.grantId);
    assert.equal((await fetchJson(`${fbase}/tools/crm/get_contact`, token)).body.error.reason, 'grant_revoked');
  } finally {
    await f.close();
  }
});

test('wrapTool on a real @langchain/core tool and wrapAiTool under the AI SDK’s generateText', async () => {
  const token = await grantToken(['tool:crm:write']);
  const client = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, revocationCheck: 'online' });
  client.loadManifest(manifests.load('crm'));
  const { tool: lcTool } = await import('@langchain/core/tools');
  const { z } = await import('zod');
  const created = [];
  const make = (name) => lcTool(async ({ name: who }) => { created.push(who); return `created ${who}`; }, {
    name, description: 'Create a CRM contact', schema: z.object({ name: z.string() }),
  });
  const guarded = client.wrapTool(make('create_contact'), { connector: 'crm', tool: 'create_contact', grantToken: () => token });
  assert.equal(await guarded.invoke({ name: 'Ada' }), 'created Ada');
  // The way an agent calls a tool: a ToolCall in, a ToolMessage out.
  const message = await guarded.invoke({ type: 'tool_call', id: 'call_1', name: 'create_contact', args: { name: 'Bob' } });
  assert.equal(message.content, 'created Bob');
  const refused = client.wrapTool(make('delete_contact'), { connector: 'crm', tool: 'delete_contact', grantToken: token });
  await assert.rejects(refused.invoke({ name: 'Eve' }), /write scope does not permit delete/);
  assert.deepEqual(created, ['Ada', 'Bob']);

  const { generateText, tool: aiTool } = await import('ai');
  const { MockLanguageModelV3 } = await import('ai/test');
  const model = new MockLanguageModelV3({
    doGenerate: async () => ({
      content: [{ type: 'tool-call', toolCallId: 'call_2', toolName: 'crm', input: JSON.stringify({ name: 'Cy' }) }],
      finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
      usage: { inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 1, text: 1, reasoning: 0 } },
      warnings: [],
    }),
  });
  const ai = (name) => client.wrapAiTool(aiTool({
    description: 'Create a CRM contact', inputSchema: z.object({ name: z.string() }),
    execute: async ({ name: who }) => { created.push(who); return `created ${who}`; },
  }), { connector: 'crm', tool: name, grantToken: token });
  const ran = await generateText({ model, tools: { crm: ai('create_contact') }, prompt: 'add Cy' });
  assert.equal(ran.toolResults[0].output, 'created Cy');
  const denied = await generateText({ model, tools: { crm: ai('delete_contact') }, prompt: 'add Cy' });
  const error = denied.steps[0].content.find((c) => c.type === 'tool-error');
  assert.match(String(error.error?.message ?? error.error), /Grantex scope denied: write scope does not permit delete/);
  assert.deepEqual(created, ['Ada', 'Bob', 'Cy']);
  assert.throws(() => client.wrapAiTool({}, { connector: 'crm', tool: 'x', grantToken: token }), TypeError);
});

test('revocationCheck feed: a revocation is seen within seconds, no request per call', async () => {
  const token = await grantToken(['tool:crm:write']);
  const client = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, revocationCheck: 'feed', revocationFeedStaleAfter: 2 });
  client.loadManifest(manifests.load('crm'));
  const ok = await client.enforce({ grantToken: token, connector: 'crm', tool: 'create_contact' });
  assert.equal(ok.allowed, true);
  const state = client.revocationFeedState();
  assert.ok(state.synced && state.fresh && state.unavailable == null, JSON.stringify(state));
  await gx.grants.revoke(ok.grantId);
  let r;
  for (let i = 0; i < 100; i += 1) {
    r = await client.enforce({ grantToken: token, connector: 'crm', tool: 'create_contact' });
    if (!r.allowed) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual([r.reasonCode, r.subReason], ['grant_revoked', 'revoked']);
  await client.stopRevocationFeed();
  assert.equal(new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl }).revocationFeedState(), undefined);
});
