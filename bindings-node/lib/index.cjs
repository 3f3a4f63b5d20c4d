'use strict';
// @grantex/sdk: the reference TypeScript SDK's API on the shared Rust core.

const native = require('./native.cjs');
const errors = require('./errors.cjs');
const { Grantex } = require('./client.cjs');
const { verifyGrantToken, JwksCache, nativeJwks } = require('./verify.cjs');
const misc = require('./misc.cjs');
const a2a = require('./a2a.cjs');

module.exports = {
  Grantex,
  verifyGrantToken,
  JwksCache,
  verifyWebhook: misc.verifyWebhook,
  verifyWebhookSignature: misc.verifyWebhookSignature,
  generatePkce: misc.generatePkce,
  verifyAuditChain: misc.verifyAuditChain,
  deriveIssuer: misc.deriveIssuer,
  TOKEN_ERROR_CODES: misc.TOKEN_ERROR_CODES,
  GrantexError: errors.GrantexError,
  GrantexApiError: errors.GrantexApiError,
  GrantexAuthError: errors.GrantexAuthError,
  GrantexTokenError: errors.GrantexTokenError,
  GrantexNetworkError: errors.GrantexNetworkError,
  GrantexTimeoutError: errors.GrantexTimeoutError,
  GrantexDecodeError: errors.GrantexDecodeError,
  GrantexConfigError: errors.GrantexConfigError,
  /** The A2A bridge (also importable as `@grantex/sdk/a2a`). */
  a2a,
  // Private: benchmark helpers (scripts/bench-node). Not part of the API.
  _RsaFloor: native._RsaFloor,
  _floorLoop: native._floorLoop,
  _coreLoop: (cache, token, options, n) => native._coreLoop(nativeJwks(cache), token, options.issuer, options.now, n),
};
