'use strict';
// Webhook signatures, PKCE and the audit-chain verifier: thin wrappers over the core.

const native = require('./native.cjs');
const { settleSync, wrongType, invalidArgument } = require('./errors.cjs');

function isBytes(v) {
  return typeof v === 'string' || v instanceof Uint8Array;
}

function asPayload(v) {
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

const BYTES = 'a string, Buffer or Uint8Array (the raw request body)';
const SECRET = "a string (the endpoint's webhook secret)";

/**
 * Verify a V2 webhook (`X-Grantex-Signature-V2` over `"<timestamp>.<raw body>"`), rejecting
 * timestamps more than `toleranceSeconds` (default 300) away from now. `now` (Unix seconds)
 * fixes the clock for tests.
 *
 * `signature` and `timestamp` are request headers: a missing or malformed one is `false`
 * (an unsigned request is not authentic), never an exception. What comes from the caller's
 * code is checked: a missing options object, a `payload` that is not bytes, a `secret` that
 * is not a string (an unset environment variable), a `toleranceSeconds` that is not a
 * non-negative number or a `now` that is not a number throw a TypeError (`invalid_argument`).
 */
function verifyWebhook(options) {
  const fn = 'verifyWebhook(options)';
  if (options === null || typeof options !== 'object' || Array.isArray(options) || isBytes(options)) {
    throw wrongType(`${fn}: options`, 'an object { payload, signature, timestamp, secret }', options);
  }
  const { payload, signature, timestamp, secret, toleranceSeconds, now } = options;
  if (!isBytes(payload)) throw wrongType(`${fn}: options.payload`, BYTES, payload);
  if (typeof secret !== 'string') throw wrongType(`${fn}: options.secret`, SECRET, secret);
  if (toleranceSeconds !== undefined) {
    if (typeof toleranceSeconds !== 'number') {
      throw wrongType(`${fn}: options.toleranceSeconds`, 'a number of seconds', toleranceSeconds);
    }
    if (!(toleranceSeconds >= 0)) {
      throw invalidArgument(`${fn}: options.toleranceSeconds must be a non-negative number, got ${toleranceSeconds}`);
    }
  }
  if (now !== undefined && (typeof now !== 'number' || !Number.isFinite(now))) {
    throw wrongType(`${fn}: options.now`, 'a finite number of Unix seconds', now);
  }
  if (typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  return native.verifyWebhook(asPayload(payload), signature, timestamp, secret, toleranceSeconds, now);
}

/**
 * Deprecated v1 check (`X-Grantex-Signature` over the raw body; replayable). A missing or
 * malformed `signature` (a request header) is `false`; a `payload` that is not bytes or a
 * `secret` that is not a string throws a TypeError (`invalid_argument`).
 */
function verifyWebhookSignature(payload, signature, secret) {
  const fn = 'verifyWebhookSignature(payload, signature, secret)';
  if (!isBytes(payload)) throw wrongType(`${fn}: payload`, BYTES, payload);
  if (typeof secret !== 'string') throw wrongType(`${fn}: secret`, SECRET, secret);
  if (typeof signature !== 'string') return false;
  return native.verifyWebhookSignature(asPayload(payload), signature, secret);
}

/** A fresh PKCE S256 pair: `{codeVerifier, codeChallenge, codeChallengeMethod}`. Takes no arguments. */
function generatePkce() {
  return native.generatePkce();
}

const JWK = 'a JWK (an object or its JSON text)';

function jwkText(fn, jwk) {
  if (typeof jwk === 'string') return jwk;
  if (jwk !== null && typeof jwk === 'object' && !Array.isArray(jwk)) return JSON.stringify(jwk);
  throw wrongType(`${fn}: jwk`, JWK, jwk);
}

/** A new EC P-256 private key as a JWK object: an agent's DPoP key (keep it secret). */
function generateDpopJwk() {
  return JSON.parse(settleSync(() => native.generateDpopJwk()));
}

/** The public half of `jwk` (RFC 7638 members only): register it as the agent's `publicJwk`. */
function dpopPublicJwk(jwk) {
  const text = jwkText('dpopPublicJwk(jwk)', jwk);
  return JSON.parse(settleSync(() => native.dpopPublicJwk(text)));
}

/** RFC 7638 SHA-256 thumbprint of `jwk` (public or private): the `cnf.jkt` of tokens bound to it. */
function jwkThumbprint(jwk) {
  const text = jwkText('jwkThumbprint(jwk)', jwk);
  return settleSync(() => native.jwkThumbprint(text));
}

/**
 * A DPoP proof (RFC 9449; ES256, fresh `jti` and `iat`) for a `method` request to `url` (its
 * query and fragment are left out), bound to `accessToken` (`ath`) when given: send it as the
 * `DPoP` header.
 */
function createDpopProof(privateJwk, method, url, accessToken) {
  const fn = 'createDpopProof(privateJwk, method, url, accessToken?)';
  const text = jwkText(fn, privateJwk);
  if (typeof method !== 'string') throw wrongType(`${fn}: method`, 'a string (an HTTP method)', method);
  if (typeof url !== 'string') throw wrongType(`${fn}: url`, 'a string (the request URI)', url);
  if (accessToken != null && typeof accessToken !== 'string') {
    throw wrongType(`${fn}: accessToken`, 'a string (the grant token) or undefined', accessToken);
  }
  return settleSync(() => native.createDpopProof(text, method, url, accessToken ?? null));
}

/**
 * Check the hash chain of audit entries (oldest first, as `audit.list()` returns them):
 * `{valid, checkedEntries, firstBrokenAt, reason}` (`reason` is `link` or `content`). Also
 * accepts the `{ entries }` object `audit.list()` resolves with.
 */
function verifyAuditChain(entries) {
  const fn = 'verifyAuditChain(entries)';
  const list = entries !== null && typeof entries === 'object' && !Array.isArray(entries) && Array.isArray(entries.entries)
    ? entries.entries
    : entries;
  if (!Array.isArray(list)) throw wrongType(`${fn}: entries`, 'an array of audit entries', entries);
  const wire = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    if (e === null || typeof e !== 'object' || Array.isArray(e)) {
      throw wrongType(`${fn}: entries[${i}]`, 'an audit entry object', e);
    }
    // A member set to `undefined` is absent, as in JSON (so a missing one is named as missing).
    wire[i] = Object.values(e).includes(undefined)
      ? Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined))
      : e;
  }
  return settleSync(() => native.verifyAuditChain(wire));
}

/** The issuer expected for a JWKS URI when the verify options name none. */
function deriveIssuer(jwksUri) {
  if (typeof jwksUri !== 'string') throw wrongType('deriveIssuer(jwksUri): jwksUri', 'a string (the JWKS URL)', jwksUri);
  return native.deriveIssuer(jwksUri);
}

/**
 * The JSON object in a JWT's payload, **unverified**: no signature, issuer, audience or expiry
 * check (use `verifyGrantToken` to decide what a token allows). A string that is not a JWT with
 * a JSON-object payload throws `GrantexTokenError` (`malformed`).
 */
function decodeJwtPayload(token) {
  if (typeof token !== 'string') throw wrongType('decodeJwtPayload(token): token', 'a string (a JWT)', token);
  return settleSync(() => native.decodeJwtPayload(token));
}

/**
 * What a grant token says about itself (ids, scopes, times, `expired`), read from either claim
 * layout, **unverified**; throws like `decodeJwtPayload`.
 */
function getTokenInfo(token) {
  if (typeof token !== 'string') throw wrongType('getTokenInfo(token): token', 'a string (a JWT)', token);
  return settleSync(() => native.getTokenInfo(token));
}

/** Every token error code `GrantexTokenError.code` can take, in a stable order. */
const TOKEN_ERROR_CODES = Object.freeze(native.tokenErrorCodes());

module.exports = {
  verifyWebhook,
  verifyWebhookSignature,
  generatePkce,
  generateDpopJwk,
  dpopPublicJwk,
  jwkThumbprint,
  createDpopProof,
  verifyAuditChain,
  deriveIssuer,
  decodeJwtPayload,
  getTokenInfo,
  TOKEN_ERROR_CODES,
};
