'use strict';
// `A2AClient`: calls a remote A2A agent with the caller's grant token. The core checks the token
// offline first (real RS256 signature against the issuer's JWKS, expiry, the card's required
// scopes and delegation rule), so a token the agent would refuse is never sent.

const native = require('./native.cjs');
const { settle, settleSync } = require('./errors.cjs');
const { argumentError, optionsObject, onlyKnown, defined, jwksText } = require('./a2a-options.cjs');

const OPTION_KEYS = [
  'agentUrl',
  'grantToken',
  'card',
  'jwksUri',
  'jwks',
  'issuer',
  'audience',
  'requiredScopes',
  'requiredScope',
  'clockTolerance',
  'timeout',
];

function requiredScopesOf(o) {
  if (o.requiredScope === undefined || o.requiredScope === null) return o.requiredScopes;
  if (typeof o.requiredScope !== 'string') throw argumentError('requiredScope must be a string');
  const scopes = Array.isArray(o.requiredScopes) ? [...o.requiredScopes] : [];
  if (!scopes.includes(o.requiredScope)) scopes.push(o.requiredScope);
  return scopes;
}

/**
 * `new A2AClient({ agentUrl, grantToken, card?, jwksUri?, jwks?, issuer?, audience?,
 * requiredScopes?, requiredScope?, clockTolerance?, timeout? })`. `timeout` is in
 * milliseconds (default 30000); `card` skips fetching `<agentUrl>/.well-known/agent.json`;
 * `jwksUri`/`jwks` pin the issuer's keys instead of trusting the card's `jwksUri`.
 */
class A2AClient {
  #n;

  constructor(options) {
    const o = onlyKnown(optionsObject(options, 'A2AClient options'), OPTION_KEYS, 'A2AClient options');
    const card = o.card === undefined || o.card === null ? undefined : JSON.stringify(o.card);
    const config = defined({
      agentUrl: o.agentUrl,
      grantToken: o.grantToken,
      card: typeof o.card === 'string' ? o.card : card,
      jwksUri: o.jwksUri,
      jwksJson: jwksText(o.jwks, 'jwks'),
      issuer: o.issuer,
      audience: o.audience,
      requiredScopes: requiredScopesOf(o),
      clockTolerance: o.clockTolerance,
      timeoutMs: o.timeout,
    });
    this.#n = settleSync(() => new native.NativeA2AClient(config));
  }

  /** The URL requests go to (no trailing `/`). */
  get agentUrl() {
    return this.#n.agentUrl;
  }

  /** The remote agent's card (the configured one, else fetched once). */
  card() {
    return settle(() => this.#n.card());
  }

  /** The offline check every call runs first, on its own: resolves with the VerifiedGrant. */
  preflight() {
    return settle(() => this.#n.preflight());
  }

  /** `tasks/send` with `{ id?, message, metadata? }`; resolves with the task. */
  sendTask(params) {
    return settle(() => this.#n.sendTask(params));
  }

  /** `tasks/get` with `{ id, historyLength? }`. */
  getTask(params) {
    return settle(() => this.#n.getTask(params));
  }

  /** `tasks/cancel` with `{ id }`. */
  cancelTask(params) {
    return settle(() => this.#n.cancelTask(params));
  }

  /** Any JSON-RPC method; resolves with its `result`. */
  call(method, params = {}) {
    return settle(() => {
      const text = JSON.stringify(params);
      if (text === undefined) throw argumentError('params must be JSON-serialisable');
      return this.#n.call(method, text);
    });
  }
}

/** A user message holding one text part, for `sendTask({ message: userText('hi') })`. */
function userText(text) {
  if (typeof text !== 'string') throw argumentError('userText(text): text must be a string');
  return { role: 'user', parts: [{ type: 'text', text }] };
}

module.exports = { A2AClient, userText };
