// The A2A bridge against a real grantex-server: agent A (holding a grant) calls agent B — the
// Node example agent (examples/a2a/node_agent.mjs), served in this process — through
// `a2a.A2AClient`; B's guard refuses missing, malformed, expired, wrong-audience, under-scoped,
// forged, revoked and over-deep delegated tokens with the right status and JSON-RPC error; A
// delegates to C, C calls B, revoking A cuts C off; the client never sends a token B would refuse.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Grantex, GrantexError, GrantexNetworkError, GrantexTokenError, a2a } from '@grantex/sdk';
import * as subpath from '@grantex/sdk/a2a';
import { startServer, repoRoot } from './helpers/server.mjs';
import { fakeHttp } from './helpers/fake-http.mjs';

const {
  A2AClient,
  A2AGrantexClient,
  A2AGuard,
  A2AError,
  A2APreflightError,
  A2ARpcError,
  A2AHttpError,
  A2ACardError,
  A2AProtocolError,
  A2AAuthError,
  buildGrantexAgentCard,
  parseAgentCard,
  grantexConfigOf,
  peekRequest,
  createA2AAuthMiddleware,
  userText,
  AGENT_CARD_PATH,
} = a2a;

const exampleDir = path.join(repoRoot, 'examples', 'a2a');
const exampleScript = path.join(exampleDir, 'node_agent.mjs');
let EchoAgent;
try {
  ({ EchoAgent } = await import(pathToFileURL(exampleScript).href));
} catch (err) {
  throw new Error(`cannot load ${exampleScript} (run \`npm install\` in examples/a2a): ${err.message}`);
}

let server;
let gx;
const running = [];

before(async () => {
  server = await startServer();
  gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
});

after(async () => {
  for (const b of running) await b.close();
  await server?.stop();
});

// ─── Helpers ────────────────────────────────────────────────────────────────────

function register(name) {
  return gx.agents.register({ name, scopes: ['tasks:send', 'tasks:read'] });
}

async function grant(agent, scopes, extra = {}) {
  const auth = await gx.authorize({ agentId: agent.id, userId: extra.principal ?? 'alice', scopes, ...extra.params });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return gx.tokens.exchange({ code, agentId: agent.id });
}

function policy(extra = {}) {
  return { jwksUri: server.jwksUri, requiredScopes: ['tasks:send'], ...extra };
}

function online() {
  return { baseUrl: server.baseUrl, apiKey: server.apiKey, cacheTtl: 0 };
}

/** Agent B: the example agent behind a guard with `p`, listening on a free port. */
async function agentB(p, name = 'agent B') {
  const b = new EchoAgent(p instanceof A2AGuard ? p : new A2AGuard(p), name);
  await b.listen('127.0.0.1', 0);
  running.push(b);
  return b;
}

function rpcBody(method = 'tasks/send', id = 41) {
  return { jsonrpc: '2.0', id, method, params: { message: userText('raw') } };
}

/** One JSON-RPC POST without the client's checks: `{ status, body, www }`. */
async function raw(url, authorization, { method = 'tasks/send', id = 41, body } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(url, { method: 'POST', headers, body: body ?? JSON.stringify(rpcBody(method, id)) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, body: json, www: res.headers.get('www-authenticate') };
}

async function assertRefused(b, token, status, rpcCode, reason, method = 'tasks/send') {
  const r = await raw(b.url, `Bearer ${token}`, { method });
  assert.deepEqual(
    [r.status, r.body.error?.code, r.body.error?.data?.reason],
    [status, rpcCode, reason],
    JSON.stringify(r.body),
  );
  assert.equal(r.body.id, 41);
  assert.equal(r.body.jsonrpc, '2.0');
  return r;
}

/** A POST written on a socket, header lines as given (fetch and http.request merge repeats). */
function rawSocketPost(url, headerLines, body) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      const head = ['POST / HTTP/1.1', `Host: ${hostname}:${port}`, 'Content-Type: application/json', ...headerLines];
      head.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', '');
      socket.write(head.join('\r\n') + body); // not end(): a half-closed client gets no answer
    });
    let text = '';
    socket.on('data', (c) => (text += c));
    socket.on('error', reject);
    socket.on('end', () => {
      const [head, payload] = text.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(payload) });
    });
  });
}

/** One signature character changed: still well-formed, no longer the issuer's signature. */
function forge(token) {
  const i = token.length - 5;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

function loadVectors() {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'vectors', 'token-vectors.json'), 'utf8'));
}

// ─── A calls B ──────────────────────────────────────────────────────────────────

test('agent A with a grant calls agent B over A2A: send, get, cancel, card', async () => {
  const a = await register('A-calls-B');
  const token = await grant(a, ['tasks:send', 'tasks:read']);
  const b = await agentB(policy({ methodScopes: { 'tasks/get': ['tasks:read'] }, revocation: online() }));

  const client = new A2AClient({ agentUrl: `${b.url}/`, grantToken: token.grantToken });
  assert.equal(client.agentUrl, b.url, 'one trailing slash is dropped');
  const card = await client.card();
  assert.deepEqual(card, b.card);
  assert.deepEqual(grantexConfigOf(card), {
    jwksUri: server.jwksUri,
    issuer: server.baseUrl,
    requiredScopes: ['tasks:send'],
    delegationAllowed: false,
  });
  const checked = await client.preflight();
  assert.equal(checked.grantId, token.grantId);
  assert.equal(checked.agentDid, a.did);
  assert.equal(b.stats.rpcRequests, 0, 'preflight sends nothing');

  const task = await client.sendTask({ message: userText('hello B') });
  assert.equal(task.status.state, 'completed');
  assert.deepEqual(task.artifacts[0].parts, [{ type: 'text', text: 'hello B' }]);
  assert.equal(task.artifacts[0].name, 'echo');
  assert.deepEqual(task.metadata.grantex, {
    grantId: token.grantId,
    agentDid: a.did,
    principalId: 'alice',
    delegationDepth: 0,
    parentAgentDid: null,
  });
  const again = await client.getTask({ id: task.id, historyLength: 1 });
  assert.equal(again.id, task.id);
  assert.equal(again.history.length, 1);

  const working = await client.sendTask({ message: userText('later'), metadata: { defer: true } });
  assert.equal(working.status.state, 'working');
  assert.equal((await client.cancelTask({ id: working.id })).status.state, 'canceled');

  const finished = await rejection(client.cancelTask({ id: working.id }));
  assert.ok(finished instanceof A2ARpcError && finished instanceof A2AError && finished instanceof GrantexError);
  assert.equal(finished.code, 'a2a_rpc_error');
  assert.equal(finished.status, 200);
  assert.equal(finished.rpcCode, -32011);
  assert.equal(finished.reason, undefined, 'a task error carries no guard reason');
  assert.equal((await rejection(client.getTask({ id: 'no-such-task' }))).rpcCode, -32010);
  assert.equal((await rejection(client.call('tasks/bogus', {}))).rpcCode, -32601);
  const viaCall = await client.call('tasks/get', { id: task.id });
  assert.equal(viaCall.id, task.id);

  // The reference package's names work too.
  const ref = new A2AGrantexClient({ agentUrl: b.url, grantToken: token.grantToken, requiredScope: 'tasks:send' });
  assert.equal((await ref.sendTask({ message: userText('ref') })).status.state, 'completed');
  assert.equal(b.stats.rpcRequests, b.stats.accepted, "nothing was refused");
});

// ─── B refuses ──────────────────────────────────────────────────────────────────

test('B refuses missing, malformed, repeated, forged, wrong-audience and under-scoped tokens', async () => {
  const a = await register('A-refused');
  const good = await grant(a, ['tasks:send']);
  const reader = await grant(a, ['tasks:read']);
  const b = await agentB(policy({ methodScopes: { 'tasks/get': ['tasks:read'] } }));

  const missing = await raw(b.url, undefined);
  assert.deepEqual([missing.status, missing.body.error.code, missing.body.error.data.reason], [401, -32001, 'missing_token']);
  assert.equal(missing.www, 'Bearer realm="grantex"');
  assert.equal(missing.body.id, 41);

  for (const header of ['Basic dXNlcjpwdw==', 'Bearer', `Bearer  ${good.grantToken}`, `Token ${good.grantToken}`]) {
    const r = await raw(b.url, header);
    assert.deepEqual([r.status, r.body.error.data.reason], [401, 'invalid_authorization_header'], header);
    assert.equal(r.www, 'Bearer realm="grantex", error="invalid_token"');
  }
  // Two Authorization headers: Node keeps only the first; the middleware refuses the request.
  const twice = await rawSocketPost(b.url, [`Authorization: Bearer ${good.grantToken}`, 'Authorization: Bearer x'], JSON.stringify(rpcBody()));
  assert.deepEqual([twice.status, twice.body.error.data.reason], [401, 'invalid_authorization_header']);

  await assertRefused(b, forge(good.grantToken), 401, -32001, 'bad_signature');
  await assertRefused(b, 'not-a-jwt', 401, -32001, 'malformed');
  const scoped = await assertRefused(b, reader.grantToken, 403, -32003, 'missing_scopes');
  assert.equal(scoped.www, 'Bearer realm="grantex", error="insufficient_scope"');
  // Per-method scopes: tasks/get needs tasks:read, which the sending token lacks.
  await assertRefused(b, good.grantToken, 403, -32003, 'missing_scopes', 'tasks/get');
  assert.equal(b.stats.accepted, 0, 'no refused request reached the agent');
  assert.ok(b.stats.rpcRequests >= 10);

  // Audience: B bound to its own audience accepts only tokens issued for it.
  const forB = await grant(a, ['tasks:send'], { params: { audience: 'urn:agent-b' } });
  const forOther = await grant(a, ['tasks:send'], { params: { audience: 'urn:agent-x' } });
  const bAud = await agentB(policy({ audience: 'urn:agent-b' }));
  await assertRefused(bAud, forOther.grantToken, 401, -32001, 'wrong_audience');
  await assertRefused(bAud, good.grantToken, 401, -32001, 'wrong_audience');
  const ok = await new A2AClient({ agentUrl: bAud.url, grantToken: forB.grantToken, audience: 'urn:agent-b' })
    .sendTask({ message: userText('for B') });
  assert.equal(ok.status.state, 'completed');
  assert.equal(bAud.stats.accepted, 1);
});

test('expired tokens: B refuses them and the client never sends them', async () => {
  const a = await register('A-expired');
  const short = await grant(a, ['tasks:send'], { params: { expiresIn: '5s' } });
  const b = await agentB(policy());
  const client = new A2AClient({ agentUrl: b.url, grantToken: short.grantToken });
  assert.equal((await client.sendTask({ message: userText('in time') })).status.state, 'completed');
  const payload = JSON.parse(Buffer.from(short.grantToken.split('.')[1], 'base64url').toString());
  await sleep(Math.max(0, payload.exp * 1000 - Date.now()) + 1100);

  await assertRefused(b, short.grantToken, 401, -32001, 'expired');
  const before = b.stats.rpcRequests;
  const pre = await rejection(client.sendTask({ message: userText('too late') }));
  assert.ok(pre instanceof A2APreflightError, String(pre));
  assert.deepEqual([pre.code, pre.reason, pre.status], ['a2a_preflight', 'expired', undefined]);
  assert.ok(pre.cause instanceof GrantexTokenError && pre.cause.code === 'expired');
  assert.equal(b.stats.rpcRequests, before, 'the client sent an expired token');
});

test('a guard with a static JWKS refuses a token signed for it once expired', async () => {
  const vectors = loadVectors();
  const cases = Object.fromEntries(vectors.cases.map((c) => [c.name, c]));
  const guard = new A2AGuard({ jwks: vectors.jwks, issuer: vectors.issuer });
  assert.equal(guard.authScheme(), undefined, 'a card must point callers at a JWKS URI');
  assert.equal(guard.issuer, vectors.issuer);
  const b = await agentB(guard);
  // Signed by the static key set, valid at the corpus' `now`, long expired by the clock.
  await assertRefused(b, cases.valid_legacy_realistic.token, 401, -32001, 'expired');
  await assertRefused(b, cases.alg_none.token, 401, -32001, 'unsupported_alg');
  assert.equal(b.stats.accepted, 0);
  assert.throws(() => new A2AGuard({ jwks: vectors.jwks }), (e) => e.code === 'config_error' && /issuer/.test(e.message));
});

test('online B refuses revoked tokens; an offline B cannot see the revocation', async () => {
  const a = await register('A-revoked');
  const token = await grant(a, ['tasks:send']);
  const b = await agentB(policy({ revocation: online() }));
  const offline = await agentB(policy());
  const client = new A2AClient({ agentUrl: b.url, grantToken: token.grantToken });
  assert.equal((await client.sendTask({ message: userText('before') })).status.state, 'completed');

  await gx.grants.revoke(token.grantId);
  for (let i = 0; i < 2; i++) {
    const e = await rejection(client.sendTask({ message: userText('after') }));
    assert.ok(e instanceof A2ARpcError, String(e));
    assert.deepEqual([e.code, e.status, e.reason, e.rpcCode], ['a2a_rpc_error', 401, 'revoked', -32001]);
    assert.equal(e.data.reason, 'revoked');
  }
  await assertRefused(b, token.grantToken, 401, -32001, 'revoked');
  const stale = await new A2AClient({ agentUrl: offline.url, grantToken: token.grantToken })
    .sendTask({ message: userText('offline') });
  assert.equal(stale.status.state, 'completed', 'offline mode accepts until expiry: that is what online mode is for');
});

test('A delegates to C: C calls B; over-deep and undelegable tokens are refused; revoking A cuts C off', async () => {
  const a = await register('A-parent');
  const sub = await register('C-sub');
  const deeper = await register('D-subsub');
  const root = await grant(a, ['tasks:send', 'tasks:read']);
  const child = await gx.grants.delegate({ parentGrantToken: root.grantToken, subAgentId: sub.id, scopes: ['tasks:send'] });
  const grandchild = await gx.grants.delegate({ parentGrantToken: child.grantToken, subAgentId: deeper.id, scopes: ['tasks:send'] });

  const b = await agentB(policy({ allowDelegation: true, maxDelegationDepth: 1, revocation: online() }));
  const closed = await agentB(policy());
  assert.equal(grantexConfigOf(b.card).delegationAllowed, true);
  assert.equal(grantexConfigOf(closed.card).delegationAllowed, false);

  const asC = new A2AClient({ agentUrl: b.url, grantToken: child.grantToken });
  const task = await asC.sendTask({ message: userText('from C') });
  const who = task.metadata.grantex;
  assert.deepEqual([who.agentDid, who.parentAgentDid, who.delegationDepth], [sub.did, a.did, 1]);
  // C acts for the same principal as A, so A sees the task C created.
  const seen = await new A2AClient({ agentUrl: b.url, grantToken: root.grantToken }).getTask({ id: task.id });
  assert.equal(seen.id, task.id);

  await assertRefused(b, grandchild.grantToken, 403, -32003, 'delegation_too_deep');
  await assertRefused(closed, child.grantToken, 403, -32003, 'delegation_not_allowed');
  // The closed agent's card says so, and the client refuses before sending.
  const before = closed.stats.rpcRequests;
  const pre = await rejection(new A2AClient({ agentUrl: closed.url, grantToken: child.grantToken }).sendTask({ message: userText('x') }));
  assert.ok(pre instanceof A2APreflightError);
  assert.equal(pre.reason, 'delegation_too_deep');
  assert.equal(closed.stats.rpcRequests, before);

  await gx.grants.revoke(root.grantId);
  const cut = await rejection(asC.sendTask({ message: userText('after revoke') }));
  assert.ok(cut instanceof A2ARpcError);
  assert.deepEqual([cut.status, cut.reason], [401, 'revoked']);
});

test('the client never sends a token B would refuse', async () => {
  const a = await register('A-preflight');
  const reader = await grant(a, ['tasks:read']);
  const good = await grant(a, ['tasks:send']);
  const b = await agentB(policy());
  for (const [token, reason] of [
    [reader.grantToken, 'missing_scopes'],
    [forge(good.grantToken), 'bad_signature'],
    ['not-a-jwt', 'malformed'],
  ]) {
    const e = await rejection(new A2AClient({ agentUrl: b.url, grantToken: token }).sendTask({ message: userText('x') }));
    assert.ok(e instanceof A2APreflightError, String(e));
    assert.equal(e.reason, reason);
  }
  const extra = await rejection(
    new A2AClient({ agentUrl: b.url, grantToken: good.grantToken, requiredScopes: ['tasks:admin'] }).sendTask({
      message: userText('x'),
    }),
  );
  assert.equal(extra.reason, 'missing_scopes');
  const aud = await rejection(new A2AClient({ agentUrl: b.url, grantToken: good.grantToken, audience: 'agent-b' }).preflight());
  assert.equal(aud.reason, 'wrong_audience');
  assert.equal(b.stats.rpcRequests, 0, 'a refused token reached agent B');
  assert.equal((await new A2AClient({ agentUrl: b.url, grantToken: good.grantToken }).sendTask({ message: userText('ok') })).status.state, 'completed');
  assert.equal(b.stats.rpcRequests, 1);
});

// ─── Guard, middleware, errors, cards ───────────────────────────────────────────

test('guard.check and A2AAuthError; the guard fails closed with 503', async () => {
  const a = await register('A-guard');
  const token = await grant(a, ['tasks:send']);
  const guard = new A2AGuard(policy({ revocation: online() }));
  const g = await guard.check(`Bearer ${token.grantToken}`, 'tasks/send');
  assert.equal(g.grantId, token.grantId);
  assert.deepEqual(g.scopes, ['tasks:send']);
  // The tenant pin: only the pinned developer's grants pass.
  const pinned = new A2AGuard(policy({ expectedDeveloperId: g.developerId }));
  assert.equal((await pinned.check(`Bearer ${token.grantToken}`, 'tasks/send')).grantId, token.grantId);
  const foreign = await rejection(new A2AGuard(policy({ expectedDeveloperId: 'dev_someone_else' })).check(`Bearer ${token.grantToken}`, 'tasks/send'));
  assert.deepEqual([foreign.statusCode, foreign.reason], [401, 'wrong_issuer']);

  const e = await rejection(guard.check(undefined));
  assert.ok(e instanceof A2AAuthError && e instanceof GrantexError);
  assert.deepEqual([e.statusCode, e.reason, e.code], [401, 'missing_token', 'a2a_rejected']);
  assert.deepEqual(e.body(7), { jsonrpc: '2.0', id: 7, error: { code: -32001, message: e.message, data: { reason: 'missing_token' } } });
  assert.equal(e.body().id, null);
  await assert.rejects(guard.check(42), (err) => err instanceof TypeError && err.code === 'invalid_argument');

  // Hand-built errors (the reference constructor) get the core's JSON-RPC codes.
  assert.equal(new A2AAuthError(401, 'm').rpcError.code, -32001);
  assert.equal(new A2AAuthError(403, 'm', { reason: 'missing_scopes' }).body(1).error.data.reason, 'missing_scopes');
  assert.equal(new A2AAuthError(503, 'm').rpcError.code, -32005);

  const closedPort = await new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
  const noRevocation = new A2AGuard(policy({ revocation: { baseUrl: `http://127.0.0.1:${closedPort}`, apiKey: 'k' } }));
  const down = await rejection(noRevocation.check(`Bearer ${token.grantToken}`));
  assert.deepEqual([down.statusCode, down.reason, down.rpcError.code, down.wwwAuthenticate], [503, 'revocation_unavailable', -32005, undefined]);
  const noJwks = new A2AGuard({ jwksUri: `http://127.0.0.1:${closedPort}/.well-known/jwks.json` });
  const fetchFailed = await rejection(noJwks.check(`Bearer ${token.grantToken}`));
  assert.deepEqual([fetchFailed.statusCode, fetchFailed.reason], [503, 'jwks_fetch']);
});

test('guard policy errors are typed and unknown options are refused', () => {
  const cases = [
    [{}, 'config_error', /key set is required/],
    [{ jwksUri: 'u', jwks: '{}' }, 'config_error', /not both/],
    [{ jwksUri: 'ftp://x/jwks' }, 'config_error', /http/],
    [{ jwksUri: 'http://x/j', revocation: { baseUrl: 'http://x', apiKey: 'k', cacheTtl: 301 } }, 'config_error', /5 minutes/],
    [{ jwksUri: 'http://x/j', revocation: { baseUrl: 'http://x', apiKey: ' ' } }, 'config_error', /API key/],
    [{ jwksUri: 'http://x/j', revocation: { baseUrl: 'ftp://x', apiKey: 'k' } }, 'config_error', /http\(s\) URL/],
    [{ jwksUri: 'http://x/j', revocation: { baseUrl: 'nope', apiKey: 'k' } }, 'config_error', /not a URL/],
    [{ jwksUri: 'http://x/j', revocation: { baseUrl: 'http://x', apiKey: 'k', cacheTtl: -1 } }, 'config_error', /cacheTtl/],
    [{ jwksUri: 'http://x/j', requiredScope: ['a'] }, 'invalid_argument', /unknown option `requiredScope`/],
    [{ jwksUri: 'http://x/j', revocation: { baseUrl: 'http://x', apiKey: 'k', ttl: 1 } }, 'invalid_argument', /unknown option `ttl`/],
    [{ jwksUri: 'http://x/j', requiredScopes: 'tasks:send' }, 'invalid_argument', /expected an array/],
    [{ jwksUri: 'http://x/j', maxDelegationDepth: -1 }, 'invalid_argument', /maxDelegationDepth/],
  ];
  for (const [p, code, message] of cases) {
    assert.throws(() => new A2AGuard(p), (e) => e.code === code && message.test(e.message), JSON.stringify(p));
  }
  assert.throws(() => new A2AGuard(null), (e) => e instanceof TypeError && e.code === 'invalid_argument');
});

test('peekRequest reads id and method before authentication and never throws', () => {
  assert.deepEqual(peekRequest('{"jsonrpc":"2.0","id":3,"method":"tasks/get"}'), { id: 3, method: 'tasks/get' });
  assert.deepEqual(peekRequest(Buffer.from('{"id":"x","method":"m"}')), { id: 'x', method: 'm' });
  assert.deepEqual(peekRequest(new Uint8Array(Buffer.from('{"id":1}'))), { id: 1, method: null });
  assert.deepEqual(peekRequest({ id: 'obj', method: 'tasks/send' }), { id: 'obj', method: 'tasks/send' });
  for (const bad of ['not json', '[1]', '{"id":{"a":1},"method":7}', '', undefined, 10n]) {
    assert.deepEqual(peekRequest(bad), { id: null, method: null });
  }
});

/** A node:http server running `mw`, then answering 200 with what the app saw. */
async function middlewareServer(mw, { preParse } = {}) {
  const seen = [];
  const s = await fakeHttp((req, res) => {
    const go = () =>
      mw(req, res, (err) => {
        seen.push({ err, grant: req.grantexGrant, body: req.body, rawBody: req.rawBody });
        res.writeHead(err ? 500 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: !err }));
      });
    if (!preParse) return go();
    // What express.json() does: read, parse, set req.body and the `_body` flag.
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      req.body = JSON.parse(text);
      req._body = true;
      go();
    });
  });
  return { ...s, seen };
}

test('middleware: plain node:http, pre-parsed bodies, GET pass-through, size limit, reference mode', async () => {
  const a = await register('A-middleware');
  const token = await grant(a, ['tasks:send']);
  const guard = new A2AGuard(policy({ methodScopes: { 'tasks/get': ['tasks:read'] } }));

  const plain = await middlewareServer(guard.middleware({ maxBodyBytes: 4096 }));
  try {
    const ok = await raw(plain.baseUrl, `Bearer ${token.grantToken}`);
    assert.equal(ok.status, 200);
    const last = plain.seen.at(-1);
    assert.equal(last.grant.grantId, token.grantId);
    assert.equal(last.body.method, 'tasks/send');
    assert.ok(Buffer.isBuffer(last.rawBody));
    // The method comes from the body: tasks/get needs tasks:read.
    const get = await raw(plain.baseUrl, `Bearer ${token.grantToken}`, { method: 'tasks/get', id: 'g1' });
    assert.deepEqual([get.status, get.body.id, get.body.error.data.reason], [403, 'g1', 'missing_scopes']);
    // A non-JSON body with a good token reaches the app, which answers the parse error itself.
    const notJson = await raw(plain.baseUrl, `Bearer ${token.grantToken}`, { body: 'not json' });
    assert.equal(notJson.status, 200);
    assert.equal(plain.seen.at(-1).body, undefined);
    assert.equal(plain.seen.at(-1).rawBody.toString(), 'not json');
    // GET passes through unguarded (the card route stays public).
    const card = await fetch(`${plain.baseUrl}${AGENT_CARD_PATH}`);
    assert.equal(card.status, 200);
    assert.equal(plain.seen.at(-1).grant, undefined);
    // Over the limit: 413 before the guard runs.
    const seenBefore = plain.seen.length;
    const big = await raw(plain.baseUrl, `Bearer ${token.grantToken}`, { body: JSON.stringify({ pad: 'x'.repeat(5000) }) });
    assert.deepEqual([big.status, big.body.error.code], [413, -32600]);
    assert.equal(plain.seen.length, seenBefore);
  } finally {
    await plain.close();
  }

  const parsed = await middlewareServer(createA2AAuthMiddleware(guard), { preParse: true });
  try {
    const refused = await raw(parsed.baseUrl, 'Bearer not-a-jwt', { id: 'p1' });
    assert.deepEqual([refused.status, refused.body.id, refused.body.error.data.reason], [401, 'p1', 'malformed']);
    const ok = await raw(parsed.baseUrl, `Bearer ${token.grantToken}`);
    assert.equal(ok.status, 200);
    assert.equal(parsed.seen.at(-1).grant.grantId, token.grantId);
    assert.equal(parsed.seen.at(-1).rawBody, undefined, 'the parsed body was used, the stream not re-read');
  } finally {
    await parsed.close();
  }

  // The reference form: (req) => Promise<VerifiedGrant>.
  const reference = createA2AAuthMiddleware({ jwksUri: server.jwksUri, requiredScopes: ['tasks:send'] });
  const g = await reference({ headers: { authorization: `Bearer ${token.grantToken}` } });
  assert.equal(g.grantId, token.grantId);
  const noHeader = await rejection(reference({ headers: {} }));
  assert.ok(noHeader instanceof A2AAuthError);
  assert.equal(noHeader.statusCode, 401);
  assert.throws(() => createA2AAuthMiddleware(guard, { maxBodyBytes: 0 }), TypeError);
});

// ─── Real frameworks: Express (express.json() first) and Fastify (preHandler hook) ──

/** The JSON-RPC result a framework route answers for an accepted tasks/send. */
function echoResult(body, grant) {
  const text = body.params.message.parts[0].text;
  return {
    jsonrpc: '2.0',
    id: body.id,
    result: {
      id: 't1',
      status: { state: 'completed' },
      artifacts: [{ parts: [{ type: 'text', text }] }],
      metadata: { principal: grant.principalId },
    },
  };
}

async function expressAgent(guard) {
  const { default: express } = await import('express');
  const app = express();
  const state = { card: undefined, handled: 0 };
  app.use(express.json());
  app.get(AGENT_CARD_PATH, (req, res) => res.json(state.card));
  app.post('/', guard.middleware(), (req, res) => {
    state.handled += 1;
    res.json(echoResult(req.body, req.grantexGrant));
  });
  const srv = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${srv.address().port}`;
  return { url, state, close: () => new Promise((resolve) => srv.close(resolve)) };
}

async function fastifyAgent(guard) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  const state = { card: undefined, handled: 0 };
  app.get(AGENT_CARD_PATH, async () => state.card);
  app.post('/', { preHandler: guard.middleware() }, async (request) => {
    state.handled += 1;
    return echoResult(request.body, request.grantexGrant);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${app.server.address().port}`;
  return { url, state, close: () => app.close() };
}

for (const [framework, start] of [['express', expressAgent], ['fastify', fastifyAgent]]) {
  test(`middleware under real ${framework}: accepts, refuses 401/403 with JSON-RPC errors, sees revocation`, async () => {
    const a = await register(`A-${framework}`);
    const token = await grant(a, ['tasks:send']);
    const reader = await grant(a, ['tasks:read']);
    const guard = new A2AGuard(policy({ revocation: online() }));
    const agent = await start(guard);
    agent.state.card = buildGrantexAgentCard({ name: `${framework} B`, description: '', url: agent.url, guard });
    try {
      const task = await new A2AClient({ agentUrl: agent.url, grantToken: token.grantToken }).sendTask({
        message: userText(`via ${framework}`),
      });
      assert.equal(task.status.state, 'completed');
      assert.equal(task.artifacts[0].parts[0].text, `via ${framework}`);
      assert.deepEqual(task.metadata, { principal: 'alice' });
      assert.equal(agent.state.handled, 1);

      const missing = await raw(agent.url, undefined, { id: 'm1' });
      assert.deepEqual([missing.status, missing.body.id, missing.body.error.code, missing.body.error.data.reason], [401, 'm1', -32001, 'missing_token']);
      assert.match(missing.www ?? '', /^Bearer/);
      const forged = await raw(agent.url, 'Bearer not-a-jwt');
      assert.deepEqual([forged.status, forged.body.error.data.reason], [401, 'malformed']);
      const under = await raw(agent.url, `Bearer ${reader.grantToken}`);
      assert.deepEqual([under.status, under.body.id, under.body.error.data.reason], [403, 41, 'missing_scopes']);
      assert.equal(agent.state.handled, 1, 'a refused request reached the route');

      await gx.grants.revoke(token.grantId);
      const e = await rejection(
        new A2AClient({ agentUrl: agent.url, grantToken: token.grantToken }).sendTask({ message: userText('revoked') }),
      );
      assert.ok(e instanceof A2ARpcError, String(e));
      assert.deepEqual([e.status, e.reason], [401, 'revoked']);
      assert.equal(agent.state.handled, 1);
    } finally {
      await agent.close();
    }
  });
}

test('client errors: bad configuration, no card, unreachable agent, HTTP and protocol failures', async () => {
  const a = await register('A-errors');
  const token = await grant(a, ['tasks:send']);
  const b = await agentB(policy());

  for (const [options, message] of [
    [{ agentUrl: 'ftp://x', grantToken: 't' }, /http/],
    [{ agentUrl: 'http://127.0.0.1:1', grantToken: ' ' }, /empty/],
    [{ agentUrl: 'http://127.0.0.1:1', grantToken: 't', timeout: -5 }, /timeout/],
    [{ agentUrl: 'http://127.0.0.1:1', grantToken: 't', requiredScop: 'x' }, /unknown option/],
    [{ grantToken: 't' }, /agentUrl/],
  ]) {
    assert.throws(() => new A2AClient(options), (e) => e instanceof TypeError && e.code === 'invalid_argument' && message.test(e.message));
  }
  assert.throws(
    () => new A2AClient({ agentUrl: 'http://127.0.0.1:1', grantToken: 't', card: '{"name":1}' }),
    (e) => e instanceof A2ACardError && e.code === 'a2a_card_error',
  );
  const badParams = await rejection(new A2AClient({ agentUrl: b.url, grantToken: token.grantToken }).sendTask({ text: 'x' }));
  assert.ok(badParams instanceof TypeError && badParams.code === 'invalid_argument');

  const noCard = await fakeHttp((req, res) => {
    res.writeHead(404);
    res.end();
  });
  try {
    const e = await rejection(new A2AClient({ agentUrl: noCard.baseUrl, grantToken: token.grantToken }).sendTask({ message: userText('x') }));
    assert.ok(e instanceof A2ACardError, String(e));
    assert.match(e.message, /404/);
  } finally {
    await noCard.close();
  }

  // The card of B, an agent answering badly: the preflight passes, the answer is the problem.
  const answers = [
    (res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
    },
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"hello":"world"}');
    },
    (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"jsonrpc":"2.0","id":999,"result":{}}');
    },
  ];
  let answer = 0;
  const bad = await fakeHttp((req, res) => answers[answer](res));
  try {
    const client = new A2AClient({ agentUrl: bad.baseUrl, grantToken: token.grantToken, card: b.card });
    const http500 = await rejection(client.sendTask({ message: userText('x') }));
    assert.ok(http500 instanceof A2AHttpError, String(http500));
    assert.deepEqual([http500.code, http500.status], ['a2a_http_error', 500]);
    answer = 1;
    const notRpc = await rejection(client.sendTask({ message: userText('x') }));
    assert.ok(notRpc instanceof A2AProtocolError && notRpc.code === 'a2a_protocol_error', String(notRpc));
    answer = 2;
    const wrongId = await rejection(client.sendTask({ message: userText('x') }));
    assert.ok(wrongId instanceof A2AProtocolError);
    assert.match(wrongId.message, /id/);
  } finally {
    await bad.close();
  }

  const gone = new A2AClient({ agentUrl: 'http://127.0.0.1:9', grantToken: token.grantToken, card: b.card });
  const net = await rejection(gone.sendTask({ message: userText('x') }));
  assert.ok(net instanceof A2AError, String(net));
  assert.equal(net.code, 'network_error');
  assert.ok(net.cause instanceof GrantexNetworkError);
});

test('agent cards: built from a guard or options, parsed and validated by the core', () => {
  const guard = new A2AGuard(policy({ allowDelegation: true }));
  const card = buildGrantexAgentCard({
    name: 'B',
    description: 'echo',
    url: 'http://127.0.0.1:9000',
    version: '1.2.3',
    skills: [{ id: 'echo', name: 'Echo' }],
    guard,
  });
  assert.deepEqual(card.authentication.schemes, [
    {
      scheme: 'bearer',
      grantexConfig: { jwksUri: server.jwksUri, issuer: server.baseUrl, requiredScopes: ['tasks:send'], delegationAllowed: true },
    },
  ]);
  assert.deepEqual(card.defaultInputModes, ['text/plain']);
  assert.deepEqual(parseAgentCard(JSON.stringify(card)), card);
  const explicit = buildGrantexAgentCard({ name: 'B', description: '', url: 'https://b.example', guard, delegationAllowed: false });
  assert.equal(grantexConfigOf(explicit).delegationAllowed, false, 'explicit fields win over the guard');
  const plain = buildGrantexAgentCard({ name: 'P', description: 'no scheme', url: 'https://p.example' });
  assert.equal(plain.authentication, undefined);
  assert.equal(grantexConfigOf(plain), undefined);
  // Plain A2A cards list scheme names; both forms parse.
  assert.equal(grantexConfigOf({ name: 'n', url: 'https://n.example', authentication: { schemes: ['bearer'] } }), undefined);

  for (const [options, message] of [
    [{ name: '', description: '', url: 'https://b.example' }, /name/],
    [{ name: 'B', description: '', url: 'file:///x' }, /http/],
    [{ name: 'B', description: '', url: 'https://b.example', jwksUri: 'https://i.example/jwks' }, /jwks_uri, issuer|grantex/i],
    [{ name: 'B', description: '', url: 'https://b.example', colour: 'red' }, /unknown field/],
  ]) {
    assert.throws(() => buildGrantexAgentCard(options), (e) => e instanceof TypeError && e.code === 'invalid_argument' && message.test(e.message), JSON.stringify(options));
  }
  assert.throws(() => buildGrantexAgentCard({ name: 'B', description: '', url: 'https://b.example', guard: {} }), TypeError);
  for (const bad of ['not json', '{"url":"x"}', JSON.stringify({ name: 'n', url: 'u', authentication: { schemes: [{ scheme: 'bearer', grantexConfig: { jwksUri: '', issuer: '' } }] } })]) {
    assert.throws(() => parseAgentCard(bad), (e) => e instanceof A2ACardError && e.code === 'a2a_card_error', bad);
  }
  assert.throws(() => parseAgentCard('x'.repeat(1024 * 1024 + 1)), A2ACardError);
});

test('@grantex/sdk/a2a is the same module as the a2a namespace', () => {
  for (const [name, value] of Object.entries(a2a)) assert.equal(subpath[name], value, name);
  assert.equal(Object.keys(subpath).length, Object.keys(a2a).length);
});

// ─── The example script ─────────────────────────────────────────────────────────

function runScript(args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [exampleScript, ...args], {
      env: { ...process.env, GRANTEX_BASE_URL: server.baseUrl, GRANTEX_API_KEY: server.apiKey, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('node_agent.mjs serves (URL first, online revocation) and calls; bad configuration exits 2', async () => {
  const a = await register('A-script');
  const token = await grant(a, ['tasks:send']);
  const child = spawn(process.execPath, [exampleScript, '--port', '0'], {
    env: { ...process.env, GRANTEX_BASE_URL: server.baseUrl, GRANTEX_API_KEY: server.apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.on('exit', () => reject(new Error('the agent exited before printing its URL')));
    });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const card = await (await fetch(`${url}${AGENT_CARD_PATH}`)).json();
    assert.equal(card.url, url);

    const called = await runScript(['--call', url, '--token', token.grantToken, '--text', 'from the script']);
    assert.equal(called.code, 0, called.stderr);
    const task = JSON.parse(called.stdout);
    assert.equal(task.status.state, 'completed');
    assert.equal(task.artifacts[0].parts[0].text, 'from the script');

    await gx.grants.revoke(token.grantId);
    const refused = await runScript(['--call', url, '--token', token.grantToken]);
    assert.equal(refused.code, 1);
    const { error } = JSON.parse(refused.stdout);
    assert.deepEqual([error.code, error.status, error.reason, error.rpcError.code], ['a2a_rpc_error', 401, 'revoked', -32001]);
  } finally {
    child.kill('SIGTERM');
  }
  assert.deepEqual(await exited, { code: 0, signal: null }, 'SIGTERM stops the agent cleanly');

  for (const [args, env] of [
    [['--port', 'x'], {}],
    [['--max-depth', '2'], {}],
    [['--revocation-check', 'sometimes'], {}],
    [['--call', 'http://127.0.0.1:1'], {}],
    [[], { GRANTEX_BASE_URL: '' }],
    [[], { GRANTEX_API_KEY: '' }],
    [['--revocation-cache-ttl', '301'], {}],
  ]) {
    const r = await runScript(args, env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /node_agent: /);
  }
});
