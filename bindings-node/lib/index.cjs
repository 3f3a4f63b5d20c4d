'use strict';
// @grantex/sdk: the reference TypeScript SDK's API on the shared Rust core.

const errors = require('./errors.cjs');
const { Grantex } = require('./client.cjs');
const { verifyGrantToken, JwksCache } = require('./verify.cjs');
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
};
