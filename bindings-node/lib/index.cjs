'use strict';
// @grantex/sdk: the reference TypeScript SDK's API on the shared Rust core.
//
// Only the native addon is loaded here (so that a missing or broken addon fails the `require`,
// as it always did); every export is resolved on first access (./lazy.cjs): a program that uses
// `verifyGrantToken` does not load the client or the A2A bridge. The ESM entries (index.mjs,
// a2a.mjs) read every name, so an `import` loads all of it, still cheaply.

require('./native.cjs');
const { lazy } = require('./lazy.cjs');

const errors = () => require('./errors.cjs');
const misc = () => require('./misc.cjs');

lazy(exports, 'Grantex', () => require('./client.cjs').Grantex);
lazy(exports, 'verifyGrantToken', () => require('./verify.cjs').verifyGrantToken);
lazy(exports, 'JwksCache', () => require('./verify.cjs').JwksCache);
lazy(exports, 'verifyWebhook', () => misc().verifyWebhook);
lazy(exports, 'verifyWebhookSignature', () => misc().verifyWebhookSignature);
lazy(exports, 'generatePkce', () => misc().generatePkce);
lazy(exports, 'verifyAuditChain', () => misc().verifyAuditChain);
lazy(exports, 'deriveIssuer', () => misc().deriveIssuer);
lazy(exports, 'decodeJwtPayload', () => misc().decodeJwtPayload);
lazy(exports, 'getTokenInfo', () => misc().getTokenInfo);
lazy(exports, 'TOKEN_ERROR_CODES', () => misc().TOKEN_ERROR_CODES);
lazy(exports, 'GrantexError', () => errors().GrantexError);
lazy(exports, 'GrantexApiError', () => errors().GrantexApiError);
lazy(exports, 'GrantexAuthError', () => errors().GrantexAuthError);
lazy(exports, 'GrantexTokenError', () => errors().GrantexTokenError);
lazy(exports, 'GrantexNetworkError', () => errors().GrantexNetworkError);
lazy(exports, 'GrantexTimeoutError', () => errors().GrantexTimeoutError);
lazy(exports, 'GrantexDecodeError', () => errors().GrantexDecodeError);
lazy(exports, 'GrantexConfigError', () => errors().GrantexConfigError);
/** The A2A bridge (also importable as `@grantex/sdk/a2a`). */
lazy(exports, 'a2a', () => require('./a2a.cjs'));
