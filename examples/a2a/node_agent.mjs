#!/usr/bin/env node
// A tiny A2A agent in Node that accepts only valid Grantex grant tokens, and a client mode that
// calls another agent with one.
//
// Serve (prints its URL as the first stdout line, then serves until SIGINT/SIGTERM):
//
//   GRANTEX_BASE_URL=http://127.0.0.1:8080 GRANTEX_API_KEY=gx_... \
//     node examples/a2a/node_agent.mjs --port 0 [--allow-delegation --max-depth 1]
//
// It serves its card at `GET /.well-known/agent.json` and JSON-RPC at `POST /`: `tasks/send`
// echoes the text parts of the message into a completed task with an `echo` artifact
// (`metadata.defer: true` leaves it `working`), `tasks/get` reads a task, `tasks/cancel` cancels
// an unfinished one. `POST /` sits behind the SDK's A2A middleware: the token is verified
// (signature, issuer, expiry, scopes, delegation) and, by default, checked online against the
// Grantex server for revocation.
//
// Call another agent (prints the task JSON; on failure the error JSON, exit status 1):
//
//   node examples/a2a/node_agent.mjs --call http://127.0.0.1:9000 --token "$TOKEN" --text hi
//
// The client verifies the token offline against the issuer's JWKS named in the remote card
// before sending anything. Runs on node:http plus @grantex/sdk.

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Grantex, a2a } from '@grantex/sdk';

const { A2AClient, A2AError, A2AGuard, AGENT_CARD_PATH, buildGrantexAgentCard, createA2AAuthMiddleware, userText } = a2a;

const TASK_CAPACITY = 10_000;
const MAX_TASK_ID = 256;

// JSON-RPC 2.0 codes, and the echo agent's task errors (the Grantex bridge keeps -32001/-32003/
// -32005 for authentication, so task errors use -32010/-32011, as the Rust and Python agents do).
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const TASK_NOT_FOUND = -32010;
const TASK_NOT_CANCELABLE = -32011;
const TERMINAL = new Set(['completed', 'canceled', 'failed']);

class RpcFailure extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const nowIso = () => new Date().toISOString();

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function textPartsOf(message) {
  return message.parts
    .filter((p) => p.type === 'text' && typeof p.text === 'string')
    .map((p) => ({ type: 'text', text: p.text }));
}

function checkMessage(message) {
  if (!isObject(message)) throw new RpcFailure(INVALID_PARAMS, 'params.message must be an object');
  if (message.role !== 'user' && message.role !== 'agent') {
    throw new RpcFailure(INVALID_PARAMS, 'message.role must be "user" or "agent"');
  }
  if (!Array.isArray(message.parts) || message.parts.length === 0) {
    throw new RpcFailure(INVALID_PARAMS, 'the message has no parts');
  }
  if (!message.parts.every((p) => isObject(p) && typeof p.type === 'string')) {
    throw new RpcFailure(INVALID_PARAMS, 'every part needs a string `type`');
  }
}

function taskId(params, required) {
  const id = params.id;
  if (id === undefined && !required) return undefined;
  if (typeof id !== 'string' || id.length < 1 || id.length > MAX_TASK_ID) {
    throw new RpcFailure(INVALID_PARAMS, 'the task id must be a string of 1-256 characters');
  }
  return id;
}

/** In-memory, bounded tasks, each owned by the developer and principal whose grant made it, so
 *  one user's agents never see another user's tasks. */
export class EchoTasks {
  #tasks = new Map(); // id -> { owner, task }; Map keeps insertion order for eviction

  get size() {
    return this.#tasks.size;
  }

  static #owner(grant) {
    return `${grant.developerId}\u0000${grant.principalId}`;
  }

  #find(id, grant) {
    const stored = this.#tasks.get(id);
    if (stored === undefined || stored.owner !== EchoTasks.#owner(grant)) {
      throw new RpcFailure(TASK_NOT_FOUND, `task \`${id}\` not found`);
    }
    return stored.task;
  }

  send(params, grant) {
    checkMessage(params.message);
    const id = taskId(params, false) ?? randomUUID();
    let history = [];
    if (this.#tasks.has(id)) {
      const existing = this.#find(id, grant);
      if (existing.status.state === 'canceled') throw new RpcFailure(INVALID_PARAMS, `task \`${id}\` was canceled`);
      history = [...(existing.history ?? [])];
    }
    history.push(params.message);
    let status;
    let artifacts;
    if (isObject(params.metadata) && params.metadata.defer === true) {
      status = { state: 'working', timestamp: nowIso() };
    } else {
      const echoed = textPartsOf(params.message);
      const reply = { role: 'agent', parts: echoed };
      history.push(reply);
      status = { state: 'completed', message: reply, timestamp: nowIso() };
      artifacts = [{ name: 'echo', description: 'the text parts of the last message', parts: echoed }];
    }
    const task = {
      id,
      status,
      ...(artifacts ? { artifacts } : {}),
      history,
      metadata: {
        grantex: {
          grantId: grant.grantId,
          agentDid: grant.agentDid,
          principalId: grant.principalId,
          delegationDepth: grant.delegationDepth ?? 0,
          parentAgentDid: grant.parentAgentDid ?? null,
        },
      },
    };
    if (!this.#tasks.has(id)) {
      while (this.#tasks.size >= TASK_CAPACITY) this.#tasks.delete(this.#tasks.keys().next().value);
    }
    this.#tasks.set(id, { owner: EchoTasks.#owner(grant), task });
    return task;
  }

  get(params, grant) {
    const task = structuredClone(this.#find(taskId(params, true), grant));
    const n = params.historyLength;
    if (n !== undefined) {
      if (!Number.isSafeInteger(n) || n < 0) throw new RpcFailure(INVALID_PARAMS, 'historyLength must be a non-negative integer');
      task.history = n === 0 ? [] : task.history.slice(-n);
    }
    return task;
  }

  cancel(params, grant) {
    const task = this.#find(taskId(params, true), grant);
    if (TERMINAL.has(task.status.state)) {
      throw new RpcFailure(TASK_NOT_CANCELABLE, `task \`${params.id}\` is already finished`);
    }
    task.status = { state: 'canceled', timestamp: nowIso() };
    return task;
  }
}

function sendJson(res, status, payload) {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function rpcError(res, status, id, code, message) {
  sendJson(res, status, { jsonrpc: '2.0', id, error: { code, message } });
}

/**
 * The agent: `handler` is the whole node:http request handler (card route + guarded JSON-RPC
 * endpoint). `stats` counts JSON-RPC requests and those that passed the guard, so tests can
 * prove a refused token never reached the application.
 */
export class EchoAgent {
  constructor(guard, name = 'Grantex Node echo agent') {
    this.guard = guard;
    this.name = name;
    this.card = null;
    this.tasks = new EchoTasks();
    this.stats = { rpcRequests: 0, accepted: 0, cardRequests: 0 };
    this.auth = createA2AAuthMiddleware(guard);
    this.handler = (req, res) => this.#route(req, res);
  }

  /** Builds the card for the URL the agent is reachable at; its Grantex scheme comes from the
   *  guard, so the card says exactly what the guard enforces. */
  publish(url) {
    this.card = buildGrantexAgentCard({
      name: this.name,
      description: 'Echoes the text parts of each message back as a completed task',
      url,
      version: '0.1.0',
      skills: [{ id: 'echo', name: 'Echo', description: 'Returns the text it is sent' }],
      guard: this.guard,
    });
    return this.card;
  }

  #route(req, res) {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    if (path === AGENT_CARD_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      this.stats.cardRequests += 1;
      if (this.card === null) sendJson(res, 503, { error: 'the agent is starting' });
      else sendJson(res, 200, this.card);
      return;
    }
    if (path === '/' && req.method === 'POST') {
      this.stats.rpcRequests += 1;
      this.auth(req, res, () => this.#rpc(req, res)).catch((err) => {
        if (!res.headersSent) rpcError(res, 500, null, -32603, `internal error: ${err.message}`);
        else res.destroy();
      });
      return;
    }
    const known = path === '/' || path === AGENT_CARD_PATH;
    sendJson(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
  }

  /** Reached only with a verified grant (the middleware answered every refusal). */
  #rpc(req, res) {
    this.stats.accepted += 1;
    const grant = req.grantexGrant;
    const request = req.body;
    if (request === undefined) {
      rpcError(res, 400, null, PARSE_ERROR, 'the body is not JSON');
      return;
    }
    const id = isObject(request) ? request.id : undefined;
    if (
      !isObject(request) ||
      request.jsonrpc !== '2.0' ||
      typeof request.method !== 'string' ||
      !(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))
    ) {
      rpcError(res, 400, null, INVALID_REQUEST, 'a request needs "jsonrpc": "2.0", a method and a string or number id (no batches)');
      return;
    }
    let task;
    try {
      task = this.#dispatch(request.method, request.params, grant);
    } catch (err) {
      if (!(err instanceof RpcFailure)) throw err;
      rpcError(res, 200, id, err.code, err.message);
      return;
    }
    sendJson(res, 200, { jsonrpc: '2.0', id, result: task });
  }

  #dispatch(method, params, grant) {
    if (!['tasks/send', 'tasks/get', 'tasks/cancel'].includes(method)) {
      throw new RpcFailure(METHOD_NOT_FOUND, `method \`${method}\` is not supported`);
    }
    if (!isObject(params)) throw new RpcFailure(INVALID_PARAMS, 'params must be an object');
    if (method === 'tasks/send') return this.tasks.send(params, grant);
    if (method === 'tasks/get') return this.tasks.get(params, grant);
    return this.tasks.cancel(params, grant);
  }

  /** Serves on `host:port` (0: a free port); resolves with the agent URL once bound. */
  async listen(host = '127.0.0.1', port = 0) {
    this.server = http.createServer(this.handler);
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.url = `http://${shown}:${addr.port}`;
    this.publish(this.url);
    return this.url;
  }

  /** Stops listening and drops open connections. */
  async close() {
    if (!this.server) return;
    const closed = new Promise((resolve) => this.server.close(resolve));
    this.server.closeAllConnections();
    await closed;
    this.server = undefined;
  }
}

// ─── Command line ───────────────────────────────────────────────────────────────

const OPTIONS = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '0' },
  name: { type: 'string', default: 'Grantex Node echo agent' },
  'grantex-url': { type: 'string' },
  'api-key': { type: 'string' },
  'required-scope': { type: 'string', multiple: true },
  audience: { type: 'string' },
  'allow-delegation': { type: 'boolean', default: false },
  'max-depth': { type: 'string' },
  'clock-tolerance': { type: 'string', default: '0' },
  'revocation-check': { type: 'string', default: 'online' },
  'revocation-cache-ttl': { type: 'string', default: '0' },
  call: { type: 'string' },
  token: { type: 'string' },
  text: { type: 'string', default: 'hello' },
  'task-id': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

const USAGE = `usage: node_agent.mjs [--host H] [--port P] [--name N] [--grantex-url URL] [--api-key KEY]
                      [--required-scope S]... [--audience A] [--allow-delegation [--max-depth N]]
                      [--clock-tolerance SECS] [--revocation-check online|off] [--revocation-cache-ttl SECS]
       node_agent.mjs --call AGENT_URL --token TOKEN [--text TEXT] [--task-id ID]
Serves a Grantex-guarded A2A echo agent (prints its URL first), or calls one.
GRANTEX_BASE_URL and GRANTEX_API_KEY give --grantex-url and --api-key.`;

class UsageError extends Error {}

function wholeNumber(value, flag, max) {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > max) throw new UsageError(`${flag} must be an integer 0-${max}`);
  return n;
}

/** The parsed command line (throws UsageError for bad input). */
export function parseCommandLine(argv, env = process.env) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(err.message);
  }
  const a = {
    ...values,
    grantexUrl: values['grantex-url'] ?? env.GRANTEX_BASE_URL,
    apiKey: values['api-key'] ?? env.GRANTEX_API_KEY,
    port: wholeNumber(values.port, '--port', 65535),
    clockTolerance: wholeNumber(values['clock-tolerance'], '--clock-tolerance', 86_400),
    maxDepth: values['max-depth'] === undefined ? undefined : wholeNumber(values['max-depth'], '--max-depth', 1000),
    revocationCacheTtl: Number(values['revocation-cache-ttl']),
  };
  if (!['online', 'off'].includes(a['revocation-check'])) throw new UsageError('--revocation-check must be online or off');
  if (!Number.isFinite(a.revocationCacheTtl) || a.revocationCacheTtl < 0 || a.revocationCacheTtl > 300) {
    throw new UsageError('--revocation-cache-ttl must be 0-300 seconds');
  }
  if (a.maxDepth !== undefined && !a['allow-delegation']) throw new UsageError('--max-depth needs --allow-delegation');
  if (a.call !== undefined && a.token === undefined) throw new UsageError('--call needs --token');
  return a;
}

/** The guard from the flags: the Grantex server's JWKS, scopes, delegation, and (unless
 *  `--revocation-check off`) online revocation with the developer's API key. */
export function makeGuard(a) {
  if (!a.grantexUrl) throw new UsageError('set GRANTEX_BASE_URL or --grantex-url');
  if (a['revocation-check'] === 'online' && !a.apiKey) {
    throw new UsageError('online revocation needs GRANTEX_API_KEY or --api-key');
  }
  // The SDK knows where the server publishes its keys (the key is not used for that).
  const jwksUri = new Grantex({ apiKey: a.apiKey ?? 'unused', baseUrl: a.grantexUrl }).jwksUri;
  return new A2AGuard({
    jwksUri,
    audience: a.audience,
    requiredScopes: a['required-scope'] ?? ['tasks:send'],
    allowDelegation: a['allow-delegation'],
    maxDelegationDepth: a.maxDepth,
    clockTolerance: a.clockTolerance,
    revocation:
      a['revocation-check'] === 'online'
        ? { baseUrl: a.grantexUrl, apiKey: a.apiKey, cacheTtl: a.revocationCacheTtl }
        : undefined,
  });
}

/** Client mode: one `tasks/send` through A2AClient; prints the JSON result. */
export async function callAgent(url, token, text, id) {
  try {
    const client = new A2AClient({ agentUrl: url, grantToken: token });
    const task = await client.sendTask({ id, message: userText(text) });
    console.log(JSON.stringify(task));
    return 0;
  } catch (err) {
    if (!(err instanceof A2AError)) throw err;
    const error = { code: err.code, reason: err.reason ?? null, status: err.status ?? null, message: err.message };
    if (err.error) error.rpcError = err.error;
    console.log(JSON.stringify({ error }));
    console.error(`node_agent: ${err.message}`);
    return 1;
  }
}

async function main(argv) {
  let a;
  try {
    a = parseCommandLine(argv);
    if (a.help) {
      console.log(USAGE);
      return 0;
    }
    if (a.call !== undefined) return await callAgent(a.call, a.token, a.text, a['task-id']);
    const agent = new EchoAgent(makeGuard(a), a.name);
    const url = await agent.listen(a.host, a.port);
    console.log(url);
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await agent.close();
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`node_agent: ${err.message}\n${USAGE}`);
      return 2;
    }
    if (err.code === 'config_error' || err.code === 'invalid_argument') {
      console.error(`node_agent: invalid configuration: ${err.message}`);
      return 2;
    }
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      console.error(`node_agent: cannot listen: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
