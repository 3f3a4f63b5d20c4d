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
lazy(exports, 'generateDpopJwk', () => misc().generateDpopJwk);
lazy(exports, 'dpopPublicJwk', () => misc().dpopPublicJwk);
lazy(exports, 'jwkThumbprint', () => misc().jwkThumbprint);
lazy(exports, 'createDpopProof', () => misc().createDpopProof);
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
const enforcement = () => require('./enforce.cjs');
lazy(exports, 'Permission', () => enforcement().Permission);
lazy(exports, 'permissionCovers', () => enforcement().permissionCovers);
lazy(exports, 'ToolManifest', () => enforcement().ToolManifest);
lazy(exports, 'ManifestValidationError', () => enforcement().ManifestValidationError);
lazy(exports, 'parseToolDeclaration', () => enforcement().parseToolDeclaration);
lazy(exports, 'toolSpecToObject', () => enforcement().toolSpecToObject);
lazy(exports, 'parseManifestJson', () => enforcement().parseManifestJson);
lazy(exports, 'isValidPurposePattern', () => enforcement().isValidPurposePattern);
lazy(exports, 'MANIFEST_SCHEMA_ID', () => enforcement().MANIFEST_SCHEMA_ID);
lazy(exports, 'MAX_COUNT', () => enforcement().MAX_COUNT);
lazy(exports, 'RESERVED_TOOL_NAME', () => enforcement().RESERVED_TOOL_NAME);
lazy(exports, 'MAX_DECISION_FIELDS', () => enforcement().MAX_DECISION_FIELDS);
lazy(exports, 'manifests', () => enforcement().manifests);
lazy(exports, 'DenialReason', () => enforcement().DenialReason);
lazy(exports, 'ManifestSubReason', () => enforcement().ManifestSubReason);
lazy(exports, 'CapSubReason', () => enforcement().CapSubReason);
lazy(exports, 'PurposeSubReason', () => enforcement().PurposeSubReason);
lazy(exports, 'ToolSubReason', () => enforcement().ToolSubReason);
lazy(exports, 'RevocationSubReason', () => enforcement().RevocationSubReason);
lazy(exports, 'TokenSubReason', () => enforcement().TokenSubReason);
lazy(exports, 'RegionSubReason', () => enforcement().RegionSubReason);
lazy(exports, 'DecisionSubReason', () => enforcement().DecisionSubReason);
/** The A2A bridge (also importable as `@grantex/sdk/a2a`). */
lazy(exports, 'a2a', () => require('./a2a.cjs'));
/** Grantex in front of an MCP server (also importable as `@grantex/sdk/mcp`). */
lazy(exports, 'mcp', () => require('./mcp.cjs'));
