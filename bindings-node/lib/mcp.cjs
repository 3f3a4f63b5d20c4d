'use strict';
// Grantex in front of an MCP server (`require('@grantex/sdk').mcp`, also `@grantex/sdk/mcp`):
// the protected-resource side of MCP authorization. `McpGuard` holds what the server accepts —
// its canonical URL (the RFC 8707 resource its tokens must name in `aud`), the Grantex server
// that issues them, the scopes every request and each tool needs, optionally an online
// revocation check — and every answer (RFC 9728 metadata, the check, the WWW-Authenticate
// challenge) comes from the Rust core (`grantex::mcp`).
//
// With `@modelcontextprotocol/sdk` (loaded lazily; not a dependency):
//   app.get(guard.metadataPath, guard.metadataHandler());
//   app.post('/mcp', requireBearerAuth({ verifier: guard.bearerVerifier(),
//       resourceMetadataUrl: guard.metadataUrl }), guard.toolScopeMiddleware(), handler);
// or `guard.middleware()` alone in place of requireBearerAuth + toolScopeMiddleware.

const native = require('./native.cjs');
const { settle, settleSync, McpAuthError, invalidArgument } = require('./errors.cjs');

const KEYS = [
  'resource',
  'authorizationServer',
  'authorizationServers',
  'jwksUri',
  'jwks',
  'issuer',
  'resourceName',
  'scopesSupported',
  'requiredScopes',
  'toolScopes',
  'expectedDeveloperId',
  'allowSandbox',
  'clockTolerance',
  'revocation',
];

/** Largest MCP request body the middlewares read themselves (when no body parser ran). */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The SDK's auth error classes `requireBearerAuth` tests with `instanceof`: the ones of the
 * module system the server uses (the SDK ships CommonJS and ES builds, with distinct classes).
 * `@grantex/sdk/mcp` imported as ESM asks for the ES build, `require` for the CommonJS one;
 * `options.errors` (the module itself) overrides both.
 */
async function sdkErrors(options) {
  if (options.errors) return options.errors;
  try {
    return options.esm
      ? await import('@modelcontextprotocol/sdk/server/auth/errors.js')
      : require('@modelcontextprotocol/sdk/server/auth/errors.js');
  } catch {
    return null;
  }
}

/** The raw `Authorization` value; a repeated header counts as malformed (the core refuses ''). */
function authorizationOf(req) {
  const v = req.headers?.authorization;
  if (Array.isArray(v)) return v.length === 1 ? v[0] : '';
  return v ?? null;
}

/** The request body as text: the parsed `req.body` when a parser ran, else read here. */
async function bodyText(req) {
  if (req.body !== undefined) return typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new McpAuthError(413, 'the request body is too large', { error: 'invalid_request' });
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    req.body = JSON.parse(text);
  } catch {
    req.body = text;
  }
  return text;
}

function refuse(res, err) {
  if (err.wwwAuthenticate) res.setHeader('WWW-Authenticate', err.wwwAuthenticate);
  res.statusCode = err.statusCode;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(err.body));
}

class McpGuard {
  #n;
  /**
   * The `AuthInfo` objects this guard's `bearerVerifier` returned: `requireBearerAuth` puts the
   * same object in `req.auth`, so `toolScopeMiddleware` can trust its scopes without verifying
   * the token (and asking the Grantex server about revocation) a second time. An `AuthInfo`
   * from any other verifier is not in the set, and the token is then checked in full.
   */
  #issued = new WeakSet();

  /**
   * `new McpGuard({ resource, authorizationServer | authorizationServers, jwksUri?, jwks?,
   * issuer?, resourceName?, scopesSupported?, requiredScopes?, toolScopes?: { tool: [scopes] },
   * expectedDeveloperId?, allowSandbox?, clockTolerance?, revocation?: { apiKey, baseUrl?,
   * cacheTtl? } })`. The core checks every setting (`GrantexConfigError`).
   */
  constructor(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw invalidArgument('McpGuard options must be an object');
    }
    const settings = {};
    for (const [k, v] of Object.entries(options)) {
      if (v === undefined) continue;
      // Unknown names go through: the core refuses them by name.
      settings[k] = k === 'jwks' && typeof v !== 'string' ? JSON.stringify(v) : v;
    }
    void KEYS;
    this.#n = settleSync(() => new native.NativeMcpGuard(JSON.stringify(settings)));
  }

  /** The MCP server's canonical URL. */
  get resource() {
    return this.#n.resource;
  }

  /** Where the metadata is served (`/.well-known/oauth-protected-resource` + the path). */
  get metadataPath() {
    return this.#n.metadataPath;
  }

  /** The metadata's absolute URL (the `resource_metadata` of every challenge). */
  get metadataUrl() {
    return this.#n.metadataUrl;
  }

  /** RFC 9728 protected resource metadata. */
  metadata() {
    return this.#n.metadata();
  }

  /** The scopes calling `tool` needs. */
  scopesForTool(tool) {
    return this.#n.scopesForTool(String(tool));
  }

  /** The token alone: resolves with the verified grant or rejects with `McpAuthError`. */
  authenticate(authorization) {
    return settle(() => this.#n.authenticate(authorization ?? null));
  }

  /** The token and every `tools/call` of the JSON-RPC `body` (string, Buffer or object). */
  check(authorization, body) {
    let input = null;
    if (typeof body === 'string' || Buffer.isBuffer(body)) input = body;
    else if (body !== undefined && body !== null) input = JSON.stringify(body);
    return settle(() => this.#n.check(authorization ?? null, input));
  }

  /**
   * `{ verifyAccessToken(token) }` for `requireBearerAuth` of `@modelcontextprotocol/sdk`: the
   * grant as `AuthInfo` (`clientId` the agent DID, `resource` this server, `extra` the grant's
   * ids), or the SDK's `InvalidTokenError` / `InsufficientScopeError` / `ServerError`.
   * `options.errors`: the SDK's `server/auth/errors.js` module, when the automatic choice (ES
   * build for `import '@grantex/sdk/mcp'`, CommonJS for `require`) is not the server's.
   */
  bearerVerifier(options = {}) {
    const guard = this;
    return {
      async verifyAccessToken(token) {
        let grant;
        try {
          grant = await guard.authenticate(`Bearer ${token}`);
        } catch (err) {
          const sdk = await sdkErrors(options);
          if (!(err instanceof McpAuthError) || !sdk) throw err;
          if (err.statusCode === 403) throw new sdk.InsufficientScopeError(err.message);
          if (err.statusCode === 401) throw new sdk.InvalidTokenError(err.message);
          throw new sdk.ServerError(err.message);
        }
        const info = {
          token,
          clientId: grant.agentDid,
          scopes: [...grant.scopes],
          expiresAt: grant.expiresAt,
          resource: new URL(guard.resource),
          extra: { grantId: grant.grantId, principalId: grant.principalId, developerId: grant.developerId },
        };
        guard.#issued.add(info);
        return info;
      },
    };
  }

  /** `(req, res)` answering the protected resource metadata (mount at `metadataPath`). */
  metadataHandler() {
    const doc = JSON.stringify(this.metadata());
    return (req, res) => {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.end(doc);
    };
  }

  /**
   * `(req, res, next)`: a `tools/call` of a tool whose scopes the grant lacks is refused with 403
   * `insufficient_scope`. After `requireBearerAuth` with this guard's `bearerVerifier` it reads
   * the grant from `req.auth`; otherwise (alone, or after another verifier) it checks the token
   * too, like `middleware()`.
   */
  toolScopeMiddleware() {
    const full = this.middleware();
    return (req, res, next) => {
      const auth = req.auth;
      if (!auth || !this.#issued.has(auth)) return full(req, res, next);
      const run = async () => {
        if (req.method !== 'POST') return;
        const text = await bodyText(req);
        settleSync(() => this.#n.authorizeBody([...auth.scopes], text));
      };
      run().then(
        () => next(),
        (err) => (err instanceof McpAuthError ? refuse(res, err) : next(err)),
      );
    };
  }

  /**
   * `(req, res, next)` guarding the MCP endpoint by itself: a valid token for this server (401
   * with `resource_metadata` otherwise) and each called tool's scopes (403). The verified grant
   * is `req.grantexGrant`; the parsed body stays `req.body`.
   */
  middleware() {
    return (req, res, next) => {
      const run = async () => {
        const text = req.method === 'POST' ? await bodyText(req) : null;
        req.grantexGrant = await this.check(authorizationOf(req), text);
      };
      run().then(
        () => next(),
        (err) => (err instanceof McpAuthError ? refuse(res, err) : next(err)),
      );
    };
  }
}

/** The tool names of the `tools/call` requests in a JSON-RPC body. */
function calledTools(body) {
  const input = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body ?? null) ?? '';
  return native.mcpCalledTools(input);
}

module.exports = { McpGuard, McpAuthError, calledTools, MAX_BODY_BYTES };
