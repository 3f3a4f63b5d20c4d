'use strict';
// The `Grantex` API client: the reference SDK's shape over the core client in the addon.
// Every method returns a promise; the work runs on the core's runtime.

const native = require('./native.cjs');
const { settle, settleSync } = require('./errors.cjs');
const { version } = require('../package.json');

const USER_AGENT = `@grantex/sdk/${version}`;

function optionsObject(value, what) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') {
    const err = new TypeError(`${what} must be an object`);
    err.code = 'invalid_argument';
    throw err;
  }
  return value;
}

/** `grantex.agents`: register, get, list, update (PATCH), delete. */
class AgentsClient {
  #n;
  constructor(n) {
    this.#n = n;
  }
  register(params) {
    return settle(() => this.#n.agentsRegister(params));
  }
  get(agentId) {
    return settle(() => this.#n.agentsGet(agentId));
  }
  list() {
    return settle(() => this.#n.agentsList());
  }
  update(agentId, params) {
    return settle(() => this.#n.agentsUpdate(agentId, params));
  }
  delete(agentId) {
    return settle(() => this.#n.agentsDelete(agentId));
  }
}

/** `grantex.tokens`: exchange (never retried), refresh, online verify, revoke. */
class TokensClient {
  #n;
  constructor(n) {
    this.#n = n;
  }
  exchange(params) {
    return settle(() => this.#n.tokensExchange(params));
  }
  refresh(params) {
    return settle(() => this.#n.tokensRefresh(params));
  }
  verify(token) {
    return settle(() => this.#n.tokensVerify(token));
  }
  revoke(tokenId) {
    return settle(() => this.#n.tokensRevoke(tokenId));
  }
}

/** `grantex.grants`: get, list, revoke (cascades), delegate, online verify. */
class GrantsClient {
  #n;
  constructor(n) {
    this.#n = n;
  }
  get(grantId) {
    return settle(() => this.#n.grantsGet(grantId));
  }
  list(params) {
    return settle(() => this.#n.grantsList(params));
  }
  revoke(grantId) {
    return settle(() => this.#n.grantsRevoke(grantId));
  }
  delegate(params) {
    return settle(() => this.#n.grantsDelegate(params));
  }
  verify(token) {
    return settle(() => this.#n.grantsVerify(token));
  }
}

/** `grantex.audit`: log, list, get. */
class AuditClient {
  #n;
  constructor(n) {
    this.#n = n;
  }
  log(params) {
    return settle(() => this.#n.auditLog(params));
  }
  list(params) {
    return settle(() => this.#n.auditList(params));
  }
  get(entryId) {
    return settle(() => this.#n.auditGet(entryId));
  }
}

/** `grantex.consent`: the public consent routes (the local flow's "human clicks approve"). */
class ConsentClient {
  #n;
  constructor(n) {
    this.#n = n;
  }
  get(authRequestId) {
    return settle(() => this.#n.consentGet(authRequestId));
  }
  approve(authRequestId) {
    return settle(() => this.#n.consentApprove(authRequestId));
  }
  deny(authRequestId) {
    return settle(() => this.#n.consentDeny(authRequestId));
  }
}

/** `grantex.principalSessions`: create. */
class PrincipalSessionsClient {
  #n;
  constructor(n) {
    this.#n = n;
  }
  create(params) {
    return settle(() => this.#n.principalSessionsCreate(params));
  }
}

/** The Grantex API client. */
class Grantex {
  #n;

  /**
   * @param options `{ apiKey, baseUrl, timeout /* ms *\/, maxRetries }`; `apiKey` falls back to
   *   env GRANTEX_API_KEY and `baseUrl` to GRANTEX_BASE_URL. A missing key throws an Error.
   */
  constructor(options) {
    const o = optionsObject(options, 'Grantex options');
    const n = settleSync(
      () =>
        new native.NativeClient({
          apiKey: o.apiKey ?? undefined,
          baseUrl: o.baseUrl ?? undefined,
          timeoutMs: o.timeout ?? undefined,
          maxRetries: o.maxRetries ?? undefined,
          userAgent: USER_AGENT,
        }),
    );
    this.#n = n;
    this.agents = new AgentsClient(n);
    this.tokens = new TokensClient(n);
    this.grants = new GrantsClient(n);
    this.audit = new AuditClient(n);
    this.consent = new ConsentClient(n);
    this.principalSessions = new PrincipalSessionsClient(n);
  }

  /** Sign up a developer account (no API key needed); resolves with the new key. */
  static signup(params, options) {
    const o = optionsObject(options, 'signup options');
    return settle(() => native.NativeClient.signup(params, o.baseUrl ?? undefined));
  }

  /** The base URL in use (after env fallback and trailing-slash removal). */
  get baseUrl() {
    return this.#n.baseUrl;
  }

  /** `{baseUrl}/.well-known/jwks.json`, for `verifyGrantToken`. */
  get jwksUri() {
    return this.#n.jwksUri();
  }

  /** Rate-limit headers of the last response (`undefined` before any). */
  get lastRateLimit() {
    return this.#n.lastRateLimit() ?? undefined;
  }

  /** Start an authorization request; in sandbox mode the result carries `code` directly. */
  authorize(params) {
    return settle(() => this.#n.authorize(params));
  }

  rotateKey() {
    return settle(() => this.#n.rotateKey());
  }

  /** The developer account behind the API key. */
  me() {
    return settle(() => this.#n.me());
  }

  health() {
    return settle(() => this.#n.health());
  }

  /** The server's published key set. */
  jwks() {
    return settle(() => this.#n.jwks());
  }
}

module.exports = { Grantex, USER_AGENT };
