// ESM entry: the same objects as the CommonJS entry (one module instance, so `instanceof`
// holds whichever way a class was imported).
import sdk from './index.cjs';

export const {
  Grantex,
  verifyGrantToken,
  JwksCache,
  verifyWebhook,
  verifyWebhookSignature,
  generatePkce,
  verifyAuditChain,
  deriveIssuer,
  TOKEN_ERROR_CODES,
  GrantexError,
  GrantexApiError,
  GrantexAuthError,
  GrantexTokenError,
  GrantexNetworkError,
  GrantexTimeoutError,
  GrantexDecodeError,
  GrantexConfigError,
  a2a,
} = sdk;
