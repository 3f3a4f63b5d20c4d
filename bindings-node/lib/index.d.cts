// Public types of @grantex/sdk: hand-written, except the catalog's types (./types.d.cts,
// generated). The addon's own types are in ../native.d.ts.
// Names and shapes follow the reference TypeScript SDK.

// The request and response types of every API operation, the namespaces (`AgentsClient`, ...)
// and the catalog's methods of `Grantex` are generated from the core's catalog into
// ./types.d.cts; they are types only (the namespace classes are not exported values).
import { GrantexOperations } from './types.cjs';
import type { AuditEntry, EnforceConfig, EnforceResult, FeedState, Jwk, JwkSet, TokenInfo, VerifiedGrant } from './types.cjs';
import type { ListSsoConnectionsResponse, ListSsoSessionsResponse } from './types.cjs';
export type * from './types.cjs';

/** The enforcement options (`enforceMode`, `revocationCheck`, `audience`, ...) are the core's `EnforceConfig`. */
export interface GrantexClientOptions extends EnforceConfig {
  /** Defaults to env GRANTEX_API_KEY (trimmed). Missing or empty: the constructor throws a GrantexConfigError. */
  apiKey?: string;
  /** Defaults to env GRANTEX_BASE_URL, then https://api.grantex.dev. One trailing `/` is stripped. */
  baseUrl?: string;
  /** Per-attempt timeout in milliseconds (default 30000; more than 0, at most a day). */
  timeout?: number;
  /** Retries for 429/502/503/504 and network failures: an integer from 0 (none) to 100, default 3. */
  maxRetries?: number;
}

export interface RateLimit {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
  retryAfter?: number;
}

/** The reference SDK's names of the key set types. */
export type JsonWebKey = Jwk;
export type JsonWebKeySet = JwkSet;

/** The reference SDK's names of the SSO list results. */
export type SsoConnectionListResponse = ListSsoConnectionsResponse;
export type SsoSessionListResponse = ListSsoSessionsResponse;

/**
 * The Grantex API client. Its namespaces, methods and static `signup` come from the core's
 * catalog (`GrantexOperations`, generated). A bad argument rejects with a `TypeError` whose
 * `code` is `invalid_argument`, before any request is made.
 */
export declare class Grantex extends GrantexOperations {
  constructor(options?: GrantexClientOptions);
  /** Load a tool manifest for `enforce()` (replacing the connector's earlier one). */
  loadManifest(manifest: ToolManifest): void;
  loadManifests(manifests: ToolManifest[]): void;
  /** Every `*.json` manifest file of a directory, in name order. */
  loadManifestsFromDir(dirPath: string): Promise<void>;
  /** What the revocation feed knows (`undefined` when no feed was started). */
  revocationFeedState(): FeedState | undefined;
  /** Stop following the revocation feed. */
  stopRevocationFeed(): Promise<void>;
  /** Check one tool call; a token or grant problem is a denial, never a rejection. */
  enforce(options: EnforceOptions): Promise<EnforceResult>;
  /** A LangChain-style tool (`invoke`) whose calls are enforced first. */
  wrapTool<T extends { invoke: (...args: any[]) => Promise<unknown> }>(tool: T, options: WrapToolOptions): T;
  /** A Vercel AI SDK tool whose `execute` is enforced first (a denial throws: a tool error for the model). */
  wrapAiTool<T extends { execute?: (input: any, options: any) => unknown }>(tool: T, options: WrapToolOptions): T;
  /** Express middleware / Fastify preHandler: 401 without a token, 403 SCOPE_DENIED on a denial. */
  enforceMiddleware(options: EnforceMiddlewareOptions): (req: any, res: any, next: (err?: unknown) => void) => void;
  /** The event stream consumer (`GET /v1/events/stream`). */
  readonly events: EventsClient;
  readonly baseUrl: string;
  readonly jwksUri: string;
  /** Rate-limit headers of the last response; `undefined` before any. */
  readonly lastRateLimit: RateLimit | undefined;
}

/** One event, as webhooks deliver it, and its position in the server's event log. */
export interface GrantexEvent {
  /** `evt_...`, the same a webhook delivery carries. */
  id: string;
  /** `grant.created`, `token.issued`, `agent.updated`, `budget.threshold`, ... */
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
  /** The position in the server's event log (ascending): pass it as `lastEventId` to resume after it. */
  seq: number;
}

export interface StreamOptions {
  /** Only these event types; all by default. */
  types?: string[];
  /** Resume after this event (its `seq`): nothing after it is lost or repeated. From now on by default. */
  lastEventId?: number;
}

export interface SubscribeOptions extends StreamOptions {
  /** A refusal by the server, or an error thrown by the handler; either ends the subscription. */
  onError?: (error: unknown) => void;
}

export type EventHandler = (event: GrantexEvent) => void | Promise<void>;

/**
 * A followed event stream: an async iterator of events (`for await`; `break` closes it). It
 * reconnects by itself after a dropped connection, resuming after the last event it yielded;
 * a refusal (bad API key, unknown type, a cursor past retention) rejects `next()` and ends it.
 */
export interface EventStream extends AsyncGenerator<GrantexEvent, void, unknown> {
  /** Stops following: a waiting `next()` finishes with `{ done: true }` at once. */
  close(): void;
  /** Whether the stream was closed (by `close()`, `return()` or a refusal). */
  readonly closed: boolean;
  /** The `seq` of the last event returned (or the `lastEventId` it started after); `undefined` before any. */
  readonly lastEventId: number | undefined;
}

export interface EventSubscription {
  /** Stops the subscription: no handler call starts after it. */
  unsubscribe(): void;
  /** The `seq` of the last event handed to the handler; `undefined` before any. */
  readonly lastEventId: number | undefined;
}

/** `grantex.events`. */
export interface EventsClient {
  /** Follows the developer's events (nothing is sent until the first `next()`). */
  stream(options?: StreamOptions): EventStream;
  /** Calls `handler` for every event, one at a time, until `unsubscribe()`. */
  subscribe(handler: EventHandler, options?: SubscribeOptions): EventSubscription;
}

export interface VerifyGrantTokenOptions {
  /** Where the key set is fetched (cached 10 min per URI, shared by the process). */
  jwksUri?: string;
  /** A key set to use instead of `jwksUri` (e.g. `JwksCache.fromJson` for offline checks). */
  jwks?: JwksCache;
  /** When set, `aud` must contain it. */
  audience?: string;
  /** Expected `iss`; default derived from `jwksUri`. Required with a static `jwks`. */
  issuer?: string;
  /** Every one must be in the token's scopes, verbatim. */
  requiredScopes?: string[];
  /** Seconds of leeway for `exp`, `nbf` and `iat` (default 0, at most 3600). */
  clockTolerance?: number;
  /**
   * A `did:web` issuer: the key set is read from `https://<host>[:<port>][/<path>]/.well-known/jwks.json`
   * (instead of `jwksUri`) and `issuer` defaults to that location. A DID that is not did:web or
   * names an IP address, a local or private host or a single label throws `config_error`
   * (`did:web:localhost…` resolves to `http://localhost…` only with
   * `GRANTEX_DID_WEB_ALLOW_LOCALHOST=1`, for development).
   */
  issuerDid?: string | null;
  /**
   * RFC 7638 thumbprint of the key the request proved possession of (e.g. from a verified DPoP
   * proof): the token's `cnf.jkt` must equal it, else `not_key_bound` / `proof_mismatch`.
   */
  proofJkt?: string | null;
  /** Fail closed (`proof_required`) unless `proofJkt` or `dpop` is given and matches. */
  requireProofOfPossession?: boolean;
  /**
   * This SDK's: the DPoP proof sent with the token (the `DPoP` header) and the request it came
   * with. The proof (RFC 9449) must be a `dpop+jwt` signed by the key in its header, for that
   * method and URI (query and fragment ignored), at most 5 minutes old, bound to this token
   * (`ath`) and not used before in this process; its key's thumbprint must be the token's
   * `cnf.jkt`. A bad proof is `invalid_proof`, one made with another key `proof_mismatch`.
   * A fixed `now` turns replay detection off.
   */
  dpop?: { proof: string; method: string; url: string } | null;
  /**
   * `true` (default): both claim layouts are read and must agree. `false`: standard claims
   * only, and the token's `typ` must be `at+jwt` (else `forbidden_header`).
   */
  legacyClaims?: boolean;
  /** A subset of `['RS256', 'ES256']` that includes `RS256` (grant tokens are RS256). */
  algorithms?: string[];
  /** Accepted for compatibility: the key-set fetch is always bounded. */
  boundedJwksFetch?: boolean;
  /** Refuse tokens delegated more hops than this. */
  maxDelegationDepth?: number;
  /**
   * The developer the grant must have been issued for (`dev`); a mismatch is `wrong_issuer`.
   * One server signs every developer's tokens with one key and issuer: pin your own.
   */
  expectedDeveloperId?: string;
  /**
   * Accept sandbox tokens (issued for a sandbox developer, approved without a human). Default:
   * refused with `sandbox_token` unless the environment variable
   * `GRANTEX_ALLOW_SANDBOX_TOKENS=1` is set (for test suites).
   */
  allowSandbox?: boolean;
  /** The token's principal (`sub`) must equal this, else `wrong_principal` (as Python's `expected_principal_id`). */
  expectedPrincipalId?: string;
  /** The token's agent DID must equal this, else `wrong_agent` (as Python's `expected_agent_did`). */
  expectedAgentDid?: string;
  /**
   * After offline verification, asks what the grant is now (typically the server's online
   * verification); the answer must be the same grant (issuer, ids, principal, agent,
   * developer, times, audience, scopes), else `authority_mismatch`. Requires `audience`.
   * `JwksCache.verifyCached` needs a synchronous answer.
   */
  currentAuthority?: (token: string) => VerifiedGrant | Promise<VerifiedGrant>;
  /** Testing/advanced: verify as if the time were this instant (jose's option name). */
  currentDate?: Date;
  /** Testing/advanced: verify as if the time were this (Unix seconds, or a Date). */
  now?: number | Date;
}

export declare class JwksCache {
  private constructor();
  /** A static set (JSON text or an object); verification never touches the network. */
  static fromJson(jwks: string | JsonWebKeySet): JwksCache;
  /** A private cache of the set at `jwksUri`, fetched on first use. */
  static remote(jwksUri: string): JwksCache;
  /** The process-wide cache for `jwksUri`. */
  static shared(jwksUri: string): JwksCache;
  readonly jwksUri: string | undefined;
  refresh(): Promise<void>;
  /** Seconds a fetched set is used before it is fetched again (default 600). */
  readonly maxAge: number;
  /** Whole seconds from 1 to 86 400; throws GrantexConfigError otherwise. */
  setMaxAge(seconds: number): void;
  /**
   * Seconds past the max age an expired set keeps verifying while the JWKS endpoint fails
   * (default 3600; 0 disables it); then verification fails closed.
   */
  readonly staleIfError: number;
  /** 0 to 86 400 seconds; throws GrantexConfigError otherwise. */
  setStaleIfError(seconds: number): void;
  verify(token: string, options?: Omit<VerifyGrantTokenOptions, 'jwksUri' | 'jwks'>): Promise<VerifiedGrant>;
  /** Keys already loaded only; never touches the network. */
  verifyCached(token: string, options?: Omit<VerifyGrantTokenOptions, 'jwksUri' | 'jwks'>): VerifiedGrant;
}

/** Verify a grant token offline (strict RS256). Rejects with GrantexTokenError. */
export declare function verifyGrantToken(
  token: string,
  options: VerifyGrantTokenOptions,
): Promise<VerifiedGrant>;

export interface VerifyWebhookOptions {
  /** The raw request body. */
  payload: string | Uint8Array;
  /** `X-Grantex-Signature-V2`. */
  signature: string;
  /** `X-Grantex-Timestamp`. */
  timestamp: string;
  secret: string;
  /** Default 300. */
  toleranceSeconds?: number;
  /** Testing: the current time in Unix seconds. */
  now?: number;
}

/**
 * Verify a timestamped webhook. A missing or malformed `signature` or `timestamp` (request
 * headers) gives `false`; a missing `options`, a `payload` that is not a string or bytes, a
 * `secret` that is not a string or a negative `toleranceSeconds` throws a `TypeError` with
 * code `invalid_argument`.
 */
export declare function verifyWebhook(options: VerifyWebhookOptions): boolean;

/**
 * @deprecated Replayable: prefer verifyWebhook. A missing `signature` gives `false`; a
 * `payload` or `secret` of the wrong type throws a `TypeError` (`invalid_argument`).
 */
export declare function verifyWebhookSignature(
  payload: string | Uint8Array,
  signature: string,
  secret: string,
): boolean;

export interface PkceChallenge {
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

export declare function generatePkce(): PkceChallenge;

/** A DPoP key as a JWK (RFC 7517): `kty`, `crv`, `x`, `y` (and `d` for a private EC key), or `n`, `e`. */
export type DpopJwk = Record<string, string>;

/** A new EC P-256 private key as a JWK: an agent's DPoP key (keep it secret). */
export declare function generateDpopJwk(): DpopJwk;
/** The public half of `jwk`: register it as the agent's `publicJwk`. */
export declare function dpopPublicJwk(jwk: DpopJwk | string): DpopJwk;
/** RFC 7638 SHA-256 thumbprint of `jwk`: the `cnf.jkt` of the tokens bound to it. */
export declare function jwkThumbprint(jwk: DpopJwk | string): string;
/** A DPoP proof (RFC 9449, ES256) for one request, bound to `accessToken` (`ath`) when given. */
export declare function createDpopProof(
  privateJwk: DpopJwk | string,
  method: string,
  url: string,
  accessToken?: string | null,
): string;

export interface AuditChainReport {
  valid: boolean;
  checkedEntries: number;
  firstBrokenAt: string | null;
  reason: 'link' | 'content' | null;
}

/** Check the hash chain of audit entries, oldest first (an array, or `audit.list()`'s `{ entries }`). */
export declare function verifyAuditChain(entries: readonly AuditEntry[] | { readonly entries: readonly AuditEntry[] }): AuditChainReport;

export declare function deriveIssuer(jwksUri: string): string;

/**
 * The JSON object in a JWT's payload, **unverified** (no signature, issuer, audience or expiry
 * check). Throws `GrantexTokenError` (`malformed`) for anything else.
 */
export declare function decodeJwtPayload(token: string): Record<string, unknown>;

/** What a grant token says about itself, read from either claim layout, **unverified**. */
export declare function getTokenInfo(token: string): TokenInfo;

export type TokenErrorCode =
  | 'malformed'
  | 'too_large'
  | 'duplicate_member'
  | 'unsupported_alg'
  | 'forbidden_header'
  | 'unknown_kid'
  | 'ambiguous_kid'
  | 'weak_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_scopes'
  | 'missing_claim'
  | 'invalid_claim'
  | 'claim_conflict'
  | 'delegation_too_deep'
  | 'invalid_jwks'
  | 'jwks_fetch'
  | 'revoked'
  | 'inactive'
  | 'sandbox_token'
  | 'wrong_principal'
  | 'wrong_agent'
  | 'authority_mismatch'
  | 'proof_required'
  | 'not_key_bound'
  | 'proof_mismatch'
  | 'invalid_proof';

export declare const TOKEN_ERROR_CODES: readonly TokenErrorCode[];

export declare class GrantexError extends Error {
  constructor(message: string, options?: { code?: string; cause?: unknown });
  /** Stable machine-readable code. */
  code: string;
}

export interface ApiErrorDetails {
  statusCode: number;
  code?: string;
  requestId?: string;
  rateLimit?: RateLimit;
  body?: unknown;
  cause?: unknown;
}

export declare class GrantexApiError extends GrantexError {
  constructor(message: string, details: ApiErrorDetails);
  /** The reference SDK's positional form. */
  constructor(message: string, statusCode: number, body: unknown, requestId?: string);
  statusCode: number;
  /** The server's error code (`api_error` when it sent none). */
  code: string;
  requestId: string | undefined;
  rateLimit: RateLimit | undefined;
  /** Parsed JSON body, else the text, else null. */
  body: unknown;
}

export declare class GrantexAuthError extends GrantexApiError {}

export declare class GrantexTokenError extends GrantexError {
  constructor(message: string, code?: TokenErrorCode | string, options?: { cause?: unknown });
  code: TokenErrorCode | 'token_invalid';
}

export declare class GrantexNetworkError extends GrantexError {
  constructor(message: string, options?: { code?: string; cause?: unknown });
  /** The reference SDK's form: anything but a plain options object is the cause. */
  constructor(message: string, cause?: unknown);
  code: 'network_error' | 'timeout';
}

export declare class GrantexTimeoutError extends GrantexNetworkError {
  code: 'timeout';
}

/**
 * Invalid client or verifier configuration: no API key (neither `apiKey` nor
 * `GRANTEX_API_KEY`), a base URL or JWKS URI that is not http(s), an unsupported option.
 */
export declare class GrantexConfigError extends GrantexError {
  constructor(message: string, options?: { cause?: unknown });
  code: 'config_error';
}

export declare class GrantexDecodeError extends GrantexError {
  constructor(message: string, details?: { statusCode?: number; requestId?: string; cause?: unknown });
  code: 'decode_error';
  statusCode: number | undefined;
  requestId: string | undefined;
}

/** The A2A bridge (also importable as `@grantex/sdk/a2a`). */
export * as a2a from './a2a.cjs';
/** Grantex in front of an MCP server (also importable as `@grantex/sdk/mcp`). */
export * as mcp from './mcp.cjs';

// ------------------------------------------------------------------ tool manifests and enforce

export declare const Permission: Readonly<{ READ: 'read'; WRITE: 'write'; DELETE: 'delete'; ADMIN: 'admin' }>;
export type Permission = 'read' | 'write' | 'delete' | 'admin';
export declare function permissionCovers(granted: string, required: string): boolean;
export declare const MANIFEST_SCHEMA_ID: string;
export declare const MAX_COUNT: number;
export declare const RESERVED_TOOL_NAME: string;
export declare const MAX_DECISION_FIELDS: number;

export interface ManifestToolObject {
  permission: Permission;
  allowed_purposes?: string[];
  caps?: { per_hour?: number; per_day?: number; per_case?: number };
  cost_units?: Record<string, number>;
  requires_decision?: boolean;
  risk_tier?: 'low' | 'medium' | 'high';
  four_eyes_on?: string[];
  decision_fields?: string[];
}
export type ToolDeclaration = Permission | ManifestToolObject | ToolSpec;

export interface ToolCaps {
  perHour?: number;
  perDay?: number;
  perCase?: number;
}

export interface ToolSpec {
  permission: Permission;
  allowedPurposes?: readonly string[];
  caps?: ToolCaps;
  costUnits?: Readonly<Record<string, number>>;
  requiresDecision: boolean;
  riskTier?: 'low' | 'medium' | 'high';
  fourEyesOn: readonly string[];
  decisionFields?: readonly string[];
}

export interface ToolManifestOptions {
  connector: string;
  tools: Record<string, ToolDeclaration>;
  version?: string;
  description?: string;
}

/** Thrown for a manifest that does not conform to manifest schema 0.6 (`code` `manifest_invalid`). */
export declare class ManifestValidationError extends GrantexError {}

export declare class ToolManifest {
  constructor(options: ToolManifestOptions);
  readonly connector: string;
  readonly version: string;
  readonly description: string;
  tools: Record<string, Permission>;
  static fromJSON(data: Record<string, unknown>): ToolManifest;
  static fromFile(path: string): ToolManifest;
  getPermission(toolName: string): Permission | undefined;
  getToolSpec(toolName: string): ToolSpec | undefined;
  addTool(toolName: string, declaration: ToolDeclaration): void;
  readonly toolCount: number;
  toJSON(): Record<string, unknown>;
}

export declare function parseToolDeclaration(tool: string, value: unknown): ToolSpec;
export declare function toolSpecToObject(spec: ToolSpec): ManifestToolObject;
export declare function parseManifestJson(text: string): unknown;
export declare function isValidPurposePattern(value: unknown): value is string;

/** Prebuilt manifests for common kinds of connector. */
export declare const manifests: Readonly<{
  NAMES: readonly string[];
  load(name: string): ToolManifest;
  loadAll(): ToolManifest[];
}>;

export interface EnforceOptions {
  grantToken: string;
  connector: string;
  tool: string;
  /** The call's amount, for `capped:<N>` scopes. */
  amount?: number;
  audience?: string;
  dataRegion?: string;
  /** May only tighten the client's mode (offline < feed < online). */
  revocationCheck?: 'offline' | 'online' | 'feed';
  capsMode?: 'enforce' | 'warn' | 'off';
  decisionsMode?: 'enforce' | 'warn';
  decisionGrants?: string[];
  decisionAction?: Record<string, unknown>;
  arguments?: Record<string, unknown>;
  caseId?: string;
  caseVersion?: string;
  costComponents?: string[];
  reserve?: boolean;
  capsTenantId?: string;
}

export interface WrapToolOptions {
  connector: string;
  tool: string;
  grantToken: string | (() => string);
  caseId?: string | (() => string | undefined);
  costComponents?: string[] | (() => string[] | undefined);
  decisionGrants?: string[] | (() => string[] | undefined);
  caseVersion?: string | (() => string | undefined);
  /** The call's amount from its input, for `capped:<N>` scopes. */
  extractAmount?: (input: unknown) => number | undefined;
}

export interface EnforceMiddlewareOptions {
  extractToken: (req: any) => string | undefined;
  extractConnector: (req: any) => string;
  extractTool: (req: any) => string;
  extractAmount?: (req: any) => number | undefined;
  extractCaseId?: (req: any) => string | undefined;
  extractCostComponents?: (req: any) => string[] | undefined;
  extractDecisionGrants?: (req: any) => string[] | undefined;
  extractArguments?: (req: any) => Record<string, unknown> | undefined;
  extractCaseVersion?: (req: any) => string | undefined;
}

export declare const DenialReason: Readonly<{
  PURPOSE_NOT_ALLOWED: 'purpose_not_allowed';
  TOOL_NOT_GRANTED: 'tool_not_granted';
  PERMISSION_INSUFFICIENT: 'permission_insufficient';
  CAP_EXCEEDED: 'cap_exceeded';
  DECISION_REQUIRED: 'decision_required';
  DECISION_INVALID: 'decision_invalid';
  GRANT_REVOKED: 'grant_revoked';
  REGION_MISMATCH: 'region_mismatch';
  MANIFEST_UNKNOWN_TOOL: 'manifest_unknown_tool';
  TOKEN_INVALID: 'token_invalid';
}>;
export declare const ManifestSubReason: Readonly<Record<'UNKNOWN_CONNECTOR' | 'UNKNOWN_TOOL' | 'INVALID_DECLARATION', string>>;
export declare const CapSubReason: Readonly<Record<'AMOUNT_CAP' | 'AMOUNT_MISSING' | 'INVALID_AMOUNT' | 'MALFORMED_CAP' | 'METER_UNAVAILABLE' | 'LIMIT_REACHED', string>>;
export declare const PurposeSubReason: Readonly<Record<'MISSING' | 'NOT_MATCHED' | 'UNKNOWN_PURPOSE', string>>;
export declare const ToolSubReason: Readonly<Record<'NOT_IN_AUTHORIZATION_DETAILS' | 'TOOL_SCOPE_MISSING', string>>;
export declare const RevocationSubReason: Readonly<Record<'REVOKED' | 'SUSPENDED' | 'PARENT_REVOKED' | 'FEED_STALE' | 'FEED_UNAVAILABLE' | 'STATUS_UNAVAILABLE', string>>;
export declare const TokenSubReason: Readonly<Record<'MALFORMED_AUTHORIZATION_DETAILS' | 'AUDIENCE_UNCONFIGURED' | 'AUDIENCE_MISMATCH', string>>;
export declare const RegionSubReason: Readonly<Record<'REGION_UNCONFIGURED' | 'REGION_MISMATCH', string>>;
export declare const DecisionSubReason: Readonly<Record<'CONSUME_UNAVAILABLE', string>>;
