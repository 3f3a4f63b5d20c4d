'use strict';
// `A2AGuard`: the receiving side. `check(authorization, method)` resolves with the verified grant
// or rejects with `A2AAuthError` (status, reason, JSON-RPC error body, WWW-Authenticate), all
// decided by the core's guard.

const native = require('./native.cjs');
const { settle, settleSync } = require('./errors.cjs');
const { argumentError, optionsObject, onlyKnown, defined, jwksText } = require('./a2a-options.cjs');

const POLICY_KEYS = [
  'jwksUri',
  'jwks',
  'issuer',
  'audience',
  'requiredScopes',
  'methodScopes',
  'allowDelegation',
  'maxDelegationDepth',
  'clockTolerance',
  'expectedDeveloperId',
  'allowSandbox',
  'revocation',
];
const REVOCATION_KEYS = ['baseUrl', 'apiKey', 'cacheTtl'];

/**
 * `new A2AGuard({ jwksUri | jwks, issuer?, audience?, requiredScopes?, methodScopes?,
 * allowDelegation?, maxDelegationDepth?, clockTolerance?, expectedDeveloperId?, revocation? })`,
 * `expectedDeveloperId` being the tenant pin (grants for another developer are refused) and `revocation` being
 * `{ baseUrl, apiKey, cacheTtl? }` for online revocation checks (`cacheTtl`: seconds an
 * "active" answer is reused, at most 300, default 0 = ask every time).
 */
class A2AGuard {
  #n;

  constructor(policy) {
    const p = onlyKnown(optionsObject(policy, 'A2AGuard policy'), POLICY_KEYS, 'A2AGuard policy');
    let revocation;
    if (p.revocation !== undefined && p.revocation !== null) {
      const r = optionsObject(p.revocation, 'policy.revocation');
      revocation = defined(onlyKnown(r, REVOCATION_KEYS, 'policy.revocation'));
    }
    const options = defined({
      jwksUri: p.jwksUri,
      jwksJson: jwksText(p.jwks, 'policy.jwks'),
      issuer: p.issuer,
      audience: p.audience,
      requiredScopes: p.requiredScopes,
      methodScopes: p.methodScopes,
      allowDelegation: p.allowDelegation,
      maxDelegationDepth: p.maxDelegationDepth,
      clockTolerance: p.clockTolerance,
      expectedDeveloperId: p.expectedDeveloperId,
      allowSandbox: p.allowSandbox,
      revocation,
    });
    this.#n = settleSync(() => new native.NativeA2AGuard(options));
  }

  /** The issuer tokens must come from (explicit, else derived from the JWKS URI). */
  get issuer() {
    return this.#n.issuer ?? undefined;
  }

  /**
   * The card's Grantex bearer scheme for this policy, `{ scheme: 'bearer', grantexConfig }`
   * (`undefined` with a static JWKS: a card must point callers at a JWKS URI).
   */
  authScheme() {
    return this.#n.authScheme() ?? undefined;
  }

  /**
   * Check one request: the raw `Authorization` header value (`undefined`/`null` when absent)
   * and the JSON-RPC method (default: the policy's default scopes).
   */
  check(authorization, method = '') {
    return settle(() => {
      if (authorization !== undefined && authorization !== null && typeof authorization !== 'string') {
        throw argumentError('check(authorization, method): authorization must be a string or absent');
      }
      if (typeof method !== 'string') throw argumentError('check(authorization, method): method must be a string');
      return this.#n.check(authorization ?? null, method);
    });
  }

  /** A `(req, res, next)` middleware guarding the JSON-RPC endpoint; see createA2AAuthMiddleware. */
  middleware(options) {
    // Loaded here: the middleware module builds on this class.
    return require('./a2a-middleware.cjs').createA2AAuthMiddleware(this, options);
  }
}

/** `{ id, method }` of a JSON-RPC body (string, bytes or an already parsed object); never throws. */
function peekRequest(body) {
  let input;
  if (typeof body === 'string' || Buffer.isBuffer(body)) input = body;
  else if (body instanceof Uint8Array) input = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  else {
    try {
      input = JSON.stringify(body) ?? '';
    } catch {
      input = '';
    }
  }
  return native.a2aPeekRequest(input);
}

module.exports = { A2AGuard, peekRequest };
