// ESM entry: the same objects as the CommonJS entry (one module instance, so `instanceof`
// holds whichever way a class was imported). The CommonJS module is loaded with `require` rather
// than `import sdk from './index.cjs'`: the same module (one require cache), without the ESM
// loader's CommonJS translation (a lexer pass over the source and reading every export it finds),
// which cost ~10 ms of `import('@grantex/sdk')`. The named exports stay static.
import { createRequire } from 'node:module';

const sdk = createRequire(import.meta.url)('./index.cjs');

export const {
  Grantex,
  verifyGrantToken,
  JwksCache,
  verifyWebhook,
  verifyWebhookSignature,
  generatePkce,
  verifyAuditChain,
  deriveIssuer,
  decodeJwtPayload,
  getTokenInfo,
  TOKEN_ERROR_CODES,
  GrantexError,
  GrantexApiError,
  GrantexAuthError,
  GrantexTokenError,
  GrantexNetworkError,
  GrantexTimeoutError,
  GrantexDecodeError,
  GrantexConfigError,
  Permission,
  permissionCovers,
  ToolManifest,
  ManifestValidationError,
  parseToolDeclaration,
  toolSpecToObject,
  parseManifestJson,
  isValidPurposePattern,
  MANIFEST_SCHEMA_ID,
  MAX_COUNT,
  RESERVED_TOOL_NAME,
  MAX_DECISION_FIELDS,
  manifests,
  DenialReason,
  ManifestSubReason,
  CapSubReason,
  PurposeSubReason,
  ToolSubReason,
  RevocationSubReason,
  TokenSubReason,
  RegionSubReason,
  DecisionSubReason,
  a2a,
} = sdk;
