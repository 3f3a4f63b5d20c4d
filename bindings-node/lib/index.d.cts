// Public types of @grantex/sdk (hand-written; the addon's own types are in ../native.d.ts).
// Names and shapes follow the reference TypeScript SDK.

export interface GrantexClientOptions {
  /** Defaults to env GRANTEX_API_KEY (trimmed). Missing or empty: the constructor throws a GrantexConfigError. */
  apiKey?: string;
  /** Defaults to env GRANTEX_BASE_URL, then https://api.grantex.dev. One trailing `/` is stripped. */
  baseUrl?: string;
  /** Per-attempt timeout in milliseconds (default 30000). */
  timeout?: number;
  /** Retries for 429/502/503/504 and network failures (default 3; 0 disables). */
  maxRetries?: number;
}

export interface RateLimit {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
  retryAfter?: number;
}

export type Mode = 'live' | 'sandbox';

export interface SignupParams {
  name: string;
  email?: string;
  mode?: Mode;
}

export interface SignupResponse {
  developerId: string;
  apiKey: string;
  name: string;
  email?: string | null;
  mode: Mode;
  createdAt: string;
}

export interface Me {
  developerId: string;
  name: string;
  email?: string | null;
  mode: Mode;
  plan?: string | null;
  fidoRequired: boolean;
  fidoRpName?: string | null;
  createdAt: string;
}

export interface RotateKeyResponse {
  apiKey: string;
  rotatedAt: string;
}

export interface Health {
  status: string;
  database?: string;
  version?: string;
}

export interface Agent {
  /** Same value as `agentId`. */
  id: string;
  agentId: string;
  did: string;
  developerId: string;
  name: string;
  description: string;
  scopes: string[];
  status: 'active' | 'suspended' | 'revoked' | (string & {});
  createdAt: string;
  updatedAt: string;
}

export interface RegisterAgentParams {
  name: string;
  description?: string;
  scopes?: string[];
}

export interface UpdateAgentParams {
  name?: string;
  description?: string;
  scopes?: string[];
  status?: string;
}

export interface ListAgentsResponse {
  agents: Agent[];
}

export interface AuthorizeParams {
  agentId: string;
  /** Sent as `principalId`. */
  userId: string;
  scopes: string[];
  audience?: string;
  expiresIn?: string;
  redirectUri?: string;
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

export interface AuthorizationRequest {
  authRequestId: string;
  consentUrl: string;
  agentId?: string;
  principalId?: string;
  scopes?: string[];
  expiresIn?: string;
  expiresAt: string;
  status?: 'pending' | 'approved' | 'denied' | 'expired' | (string & {});
  createdAt?: string;
  /** Present in sandbox mode: no consent step. */
  code?: string;
  sandbox?: boolean;
  policyEnforced?: boolean;
  effect?: 'allow' | 'deny' | (string & {});
}

export interface ConsentRequest {
  id: string;
  agentName: string;
  agentDid: string;
  agentDescription?: string | null;
  scopes: string[];
  scopeDescriptions: string[];
  expiresAt: string;
  status: string;
  fidoRequired: boolean;
}

export interface ConsentApproval {
  code: string;
  redirectUri?: string;
  state?: string;
}

export interface ConsentDenial {
  redirectUri?: string;
  state?: string;
}

export interface ExchangeTokenParams {
  code: string;
  agentId: string;
  codeVerifier?: string;
}

export interface RefreshTokenParams {
  refreshToken: string;
  agentId: string;
  /** Sent as the Idempotency-Key header; by default the core generates one per call. */
  idempotencyKey?: string;
}

export interface ExchangeTokenResponse {
  grantToken: string;
  expiresAt: string;
  scopes: string[];
  refreshToken: string;
  grantId: string;
}

export interface VerifyTokenResponse {
  valid: boolean;
  grantId?: string;
  scopes?: string[];
  principal?: string;
  agent?: string;
  expiresAt?: string;
}

export interface Grant {
  /** Same value as `grantId`. */
  id: string;
  grantId: string;
  agentId: string;
  agentDid?: string;
  principalId: string;
  developerId: string;
  scopes: string[];
  status: 'active' | 'revoked' | 'expired' | (string & {});
  issuedAt: string;
  expiresAt: string;
  revokedAt?: string;
  delegationDepth: number;
  parentGrantId?: string;
}

export interface ListGrantsParams {
  agentId?: string;
  principalId?: string;
  status?: string;
  page?: number;
  pageSize?: number;
}

export interface ListGrantsResponse {
  grants: Grant[];
}

export interface DelegateParams {
  parentGrantToken: string;
  subAgentId: string;
  scopes: string[];
  expiresIn?: string;
}

export interface DelegateResponse {
  grantToken: string;
  expiresAt: string;
  scopes: string[];
  grantId: string;
  refreshToken?: string;
}

export type AuditStatus = 'success' | 'failure' | 'blocked';

export interface LogAuditParams {
  agentId: string;
  agentDid: string;
  grantId: string;
  principalId: string;
  action: string;
  metadata?: Record<string, unknown>;
  status?: AuditStatus;
}

export interface AuditEntry {
  entryId: string;
  agentId: string;
  agentDid: string;
  grantId: string;
  principalId: string;
  developerId: string;
  action: string;
  metadata: Record<string, unknown>;
  hash: string;
  prevHash: string | null;
  timestamp: string;
  status: string;
}

export interface ListAuditParams {
  agentId?: string;
  grantId?: string;
  principalId?: string;
  action?: string;
  since?: string;
  until?: string;
  page?: number;
  pageSize?: number;
}

export interface ListAuditResponse {
  entries: AuditEntry[];
}

export interface CreatePrincipalSessionParams {
  principalId: string;
  expiresIn?: string;
}

export interface PrincipalSessionResponse {
  sessionToken: string;
  dashboardUrl: string;
  expiresAt: string;
}

export interface JsonWebKey {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
}

export interface JsonWebKeySet {
  keys: JsonWebKey[];
}

export declare class AgentsClient {
  private constructor();
  register(params: RegisterAgentParams): Promise<Agent>;
  get(agentId: string): Promise<Agent>;
  list(): Promise<ListAgentsResponse>;
  /** PATCH /v1/agents/:id; only the fields given are sent. */
  update(agentId: string, params: UpdateAgentParams): Promise<Agent>;
  delete(agentId: string): Promise<void>;
}

export declare class TokensClient {
  private constructor();
  /** Never retried: authorization codes are single-use. */
  exchange(params: ExchangeTokenParams): Promise<ExchangeTokenResponse>;
  refresh(params: RefreshTokenParams): Promise<ExchangeTokenResponse>;
  /** Online check (revocation-aware). */
  verify(token: string): Promise<VerifyTokenResponse>;
  revoke(tokenId: string): Promise<void>;
}

export declare class GrantsClient {
  private constructor();
  get(grantId: string): Promise<Grant>;
  list(params?: ListGrantsParams): Promise<ListGrantsResponse>;
  /** Revokes the grant and every grant delegated from it. */
  revoke(grantId: string): Promise<void>;
  delegate(params: DelegateParams): Promise<DelegateResponse>;
  /** Online verification; an inactive grant rejects with GrantexTokenError (`inactive`). */
  verify(token: string): Promise<VerifiedGrant>;
}

export declare class AuditClient {
  private constructor();
  log(params: LogAuditParams): Promise<AuditEntry>;
  list(params?: ListAuditParams): Promise<ListAuditResponse>;
  get(entryId: string): Promise<AuditEntry>;
}

export declare class ConsentClient {
  private constructor();
  get(authRequestId: string): Promise<ConsentRequest>;
  /** What the consent page's Approve button does; resolves with the authorization code. */
  approve(authRequestId: string): Promise<ConsentApproval>;
  deny(authRequestId: string): Promise<ConsentDenial>;
}

export declare class PrincipalSessionsClient {
  private constructor();
  create(params: CreatePrincipalSessionParams): Promise<PrincipalSessionResponse>;
}

export declare class Grantex {
  constructor(options?: GrantexClientOptions);
  static signup(params: SignupParams, options?: { baseUrl?: string }): Promise<SignupResponse>;
  readonly agents: AgentsClient;
  readonly tokens: TokensClient;
  readonly grants: GrantsClient;
  readonly audit: AuditClient;
  readonly consent: ConsentClient;
  readonly principalSessions: PrincipalSessionsClient;
  readonly baseUrl: string;
  readonly jwksUri: string;
  /** Rate-limit headers of the last response; `undefined` before any. */
  readonly lastRateLimit: RateLimit | undefined;
  authorize(params: AuthorizeParams): Promise<AuthorizationRequest>;
  rotateKey(): Promise<RotateKeyResponse>;
  me(): Promise<Me>;
  health(): Promise<Health>;
  jwks(): Promise<JsonWebKeySet>;
}

export interface VerifiedGrant {
  tokenId: string;
  grantId: string;
  principalId: string;
  agentDid: string;
  developerId: string;
  scopes: string[];
  /** Unix seconds. */
  issuedAt: number;
  /** Unix seconds. */
  expiresAt: number;
  audience: string[];
  issuer: string;
  parentAgentDid?: string;
  parentGrantId?: string;
  delegationDepth?: number;
  budget?: number;
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
  /** The reference's did:web issuer: not supported yet, so any value throws (`config_error`). */
  issuerDid?: null | undefined;
  /** Refuse tokens delegated more hops than this. */
  maxDelegationDepth?: number;
  /**
   * The developer the grant must have been issued for (`dev`); a mismatch is `wrong_issuer`.
   * One server signs every developer's tokens with one key and issuer: pin your own.
   */
  expectedDeveloperId?: string;
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

export interface AuditChainReport {
  valid: boolean;
  checkedEntries: number;
  firstBrokenAt: string | null;
  reason: 'link' | 'content' | null;
}

/** Check the hash chain of audit entries, oldest first (an array, or `audit.list()`'s `{ entries }`). */
export declare function verifyAuditChain(entries: readonly AuditEntry[] | { readonly entries: readonly AuditEntry[] }): AuditChainReport;

export declare function deriveIssuer(jwksUri: string): string;

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
  | 'inactive';

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

/** @internal Benchmark floor: raw RS256 check with a pre-parsed key. */
export declare class _RsaFloor {
  constructor(jwksJson: string, token: string);
  verify(): boolean;
}
/** @internal */
export declare function _floorLoop(floor: _RsaFloor, n: number): number;
/** @internal */
export declare function _coreLoop(
  cache: JwksCache,
  token: string,
  options: Omit<VerifyGrantTokenOptions, 'jwksUri' | 'jwks'>,
  n: number,
): number;
