'use strict';
// Webhook signatures, PKCE and the audit-chain verifier: thin wrappers over the core.

const native = require('./native.cjs');
const { settleSync } = require('./errors.cjs');

function isBytes(v) {
  return typeof v === 'string' || Buffer.isBuffer(v) || v instanceof Uint8Array;
}

function asPayload(v) {
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v;
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Verify a V2 webhook (`X-Grantex-Signature-V2` over `"<timestamp>.<raw body>"`), rejecting
 * timestamps more than `toleranceSeconds` (default 300) away from now. `now` (Unix seconds)
 * fixes the clock for tests. Never throws: malformed input is `false`.
 */
function verifyWebhook(options) {
  if (options === null || typeof options !== 'object') return false;
  const { payload, signature, timestamp, secret, toleranceSeconds, now } = options;
  if (!isBytes(payload) || typeof signature !== 'string' || typeof timestamp !== 'string') return false;
  if (typeof secret !== 'string') return false;
  if (toleranceSeconds !== undefined && typeof toleranceSeconds !== 'number') return false;
  if (now !== undefined && typeof now !== 'number') return false;
  return native.verifyWebhook(asPayload(payload), signature, timestamp, secret, toleranceSeconds, now);
}

/** Deprecated v1 check (`X-Grantex-Signature` over the raw body; replayable). */
function verifyWebhookSignature(payload, signature, secret) {
  if (!isBytes(payload) || typeof signature !== 'string' || typeof secret !== 'string') return false;
  return native.verifyWebhookSignature(asPayload(payload), signature, secret);
}

/** A fresh PKCE S256 pair: `{codeVerifier, codeChallenge, codeChallengeMethod}`. */
function generatePkce() {
  return native.generatePkce();
}

/**
 * Check the hash chain of audit entries (oldest first, as `audit.list()` returns them):
 * `{valid, checkedEntries, firstBrokenAt, reason}` (`reason` is `link` or `content`).
 */
function verifyAuditChain(entries) {
  return settleSync(() => native.verifyAuditChain(entries));
}

/** The issuer expected for a JWKS URI when the verify options name none. */
function deriveIssuer(jwksUri) {
  return settleSync(() => native.deriveIssuer(jwksUri));
}

/** Every token error code `GrantexTokenError.code` can take, in a stable order. */
const TOKEN_ERROR_CODES = Object.freeze(native.tokenErrorCodes());

module.exports = {
  verifyWebhook,
  verifyWebhookSignature,
  generatePkce,
  verifyAuditChain,
  deriveIssuer,
  TOKEN_ERROR_CODES,
};
