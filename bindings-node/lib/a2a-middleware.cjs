'use strict';
// `createA2AAuthMiddleware`: the A2A guard in front of a JSON-RPC endpoint, as a
// `(req, res, next)` middleware for plain `node:http`, Express or Connect, and as a Fastify
// `preHandler` hook, with no framework dependency.
//
// For a POST it takes the body (`req.body` when a body parser already ran, else it reads the
// stream itself, bounded), peeks the JSON-RPC id and method (core `peek_request`), and runs the
// guard on the core runtime. A refusal is answered here — 401/403/503, the JSON-RPC error body
// and `WWW-Authenticate` — and `next` is not called; an accepted request gets the grant as
// `req.grantexGrant` and `next()` is called.

const { A2AAuthError } = require('./errors.cjs');
const { A2AGuard, peekRequest } = require('./a2a-guard.cjs');
const { argumentError } = require('./a2a-options.cjs');

/** Largest request body read by default (the core's own agent uses the same limit). */
const MAX_BODY_BYTES = 1024 * 1024;

/** JSON-RPC 2.0 "Invalid Request", for a body over the limit. */
const INVALID_REQUEST = -32600;

class BodyTooLarge extends Error {}
class Disconnected extends Error {}

/** The raw `Authorization` value; a repeated header becomes `''`, which the guard refuses. */
function authorizationOf(req) {
  const raw = req.rawHeaders;
  if (Array.isArray(raw)) {
    const values = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (String(raw[i]).toLowerCase() === 'authorization') values.push(raw[i + 1]);
    }
    if (values.length === 0) return null;
    return values.length > 1 ? '' : values[0];
  }
  const headers = req.headers ?? {};
  const h = headers.authorization ?? headers.Authorization;
  if (Array.isArray(h)) return h.length === 1 ? h[0] : '';
  return typeof h === 'string' ? h : null;
}

/** The body a parser already produced, when the stream was actually consumed by it. */
function parsedBody(req) {
  if (req.body === undefined) return undefined;
  return req._body === true || req.readableEnded === true ? req.body : undefined;
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers?.['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new Disconnected());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function respond(res, status, payload, extraHeaders) {
  const text = JSON.stringify(payload);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  res.end(text);
}

/** A Fastify reply (`code`, `send`, `raw`), as opposed to an Express/node:http response. */
function isFastifyReply(reply) {
  return (
    reply !== null &&
    typeof reply === 'object' &&
    typeof reply.code === 'function' &&
    typeof reply.send === 'function' &&
    reply.raw !== undefined
  );
}

function asBytes(value) {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

/**
 * `createA2AAuthMiddleware(guardOrPolicy, { maxBodyBytes? })`: `guardOrPolicy` is an
 * `A2AGuard` or its policy. The result works three ways:
 * - `(req, res, next)` (node:http, Express, Connect): only POST requests are guarded (JSON-RPC always posts; `GET /.well-known/agent.json`
 *   stays public). Refused: answered with the JSON-RPC error, `next` not called. Accepted:
 *   `req.grantexGrant` is the VerifiedGrant and `next()` is called; when the middleware read
 *   the body itself, `req.rawBody` holds the bytes and `req.body` the parsed JSON (`undefined`
 *   if it is not JSON). An internal failure is passed on as `next(err)`.
 * - `(request, reply)` as a Fastify `preHandler` hook (`fastify.addHook('preHandler', mw)` or a
 *   route's `preHandler`): refused requests are answered on `reply`; accepted ones get
 *   `request.grantexGrant`. Detected by the reply's `code`/`send`/`raw`.
 * - `(req)` alone, as the reference `@grantex/a2a` middleware: resolves with the grant for
 *   `req.headers.authorization` or rejects with `A2AAuthError` (default scopes: no method).
 * Returns a promise that settles once the request was answered or passed on.
 */
function createA2AAuthMiddleware(guardOrPolicy, options = {}) {
  const guard = guardOrPolicy instanceof A2AGuard ? guardOrPolicy : new A2AGuard(guardOrPolicy);
  if (options === null || typeof options !== 'object') throw argumentError('middleware options must be an object');
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  if (!Number.isSafeInteger(limit) || limit <= 0) throw argumentError('maxBodyBytes must be a positive integer');

  async function guarded(req, res, next) {
    if (req.method !== 'POST') return next();
    let body = parsedBody(req);
    let forPeek;
    if (body === undefined) {
      let raw;
      try {
        raw = await readBody(req, limit);
      } catch (err) {
        if (err instanceof Disconnected) return undefined;
        if (err instanceof BodyTooLarge) {
          const error = { code: INVALID_REQUEST, message: `the request body is larger than ${limit} bytes` };
          respond(res, 413, { jsonrpc: '2.0', id: null, error }, { connection: 'close' });
          return undefined;
        }
        return next(err);
      }
      req.rawBody = raw;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      req.body = body;
      req._body = true; // body-parser's "already read" flag: a later express.json() skips it
      forPeek = raw;
    } else {
      forPeek = asBytes(body) ?? body;
    }
    const { id, method } = peekRequest(forPeek);
    let grant;
    try {
      grant = await guard.check(authorizationOf(req), method ?? '');
    } catch (err) {
      if (!(err instanceof A2AAuthError)) return next(err);
      const headers = err.wwwAuthenticate ? { 'www-authenticate': err.wwwAuthenticate } : {};
      respond(res, err.statusCode, err.body(id), headers);
      return undefined;
    }
    req.grantexGrant = grant;
    return next();
  }

  // Fastify: the body is already parsed (preHandler runs after the content-type parsers) and
  // the hook's promise is what Fastify waits on, so `done` is never called (calling both would
  // run the route twice). A refusal is sent on the reply, which stops the route; an internal
  // failure rejects, which Fastify answers with its error handler.
  async function fastifyGuarded(request, reply) {
    if (request.method !== 'POST') return;
    const body = request.body;
    const { id, method } = peekRequest(asBytes(body) ?? body);
    let grant;
    try {
      grant = await guard.check(authorizationOf(request.raw ?? request), method ?? '');
    } catch (err) {
      if (!(err instanceof A2AAuthError)) throw err;
      reply.code(err.statusCode);
      if (err.wwwAuthenticate) reply.header('www-authenticate', err.wwwAuthenticate);
      reply.header('content-type', 'application/json; charset=utf-8');
      reply.send(err.body(id));
      return;
    }
    request.grantexGrant = grant;
  }

  return function grantexA2AAuth(req, res, next) {
    if (req === null || typeof req !== 'object') {
      return Promise.reject(argumentError('the middleware needs a request object'));
    }
    if (res === undefined && next === undefined) return guard.check(authorizationOf(req), '');
    if (isFastifyReply(res)) return fastifyGuarded(req, res);
    if (typeof next !== 'function') {
      return Promise.reject(argumentError('the middleware is called as (req, res, next)'));
    }
    return guarded(req, res, next).then(() => undefined);
  };
}

module.exports = { createA2AAuthMiddleware, MAX_BODY_BYTES };
