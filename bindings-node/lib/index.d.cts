// Public types of @grantex/sdk: hand-written, except the catalog's types (./types.d.cts,
// generated). The addon's own types are in ../native.d.ts.
// Names and shapes follow the reference TypeScript SDK.

// The request and response types of every API operation, the namespaces (`AgentsClient`, ...)
// and the catalog's methods of `Grantex` are generated from the core's catalog into
// ./types.d.cts; they are types only (the namespace classes are not exported values).
import { GrantexOperations } from './types.cjs';
import type { AuditEntry, Jwk, JwkSet, TokenInfo, VerifiedGrant } from './types.cjs';
export type * from './types.cjs';

export interface GrantexClientOptions {
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

/**
 * The Grantex API client. Its namespaces, methods and static `signup` come from the core's
 * catalog (`GrantexOperations`, generated). A bad argument rejects with a `TypeError` whose
 * `code` is `invalid_argument`, before any request is made.
 */
export declare class Grantex extends GrantexOperations {
  constructor(options?: GrantexClientOptions);
  readonly baseUrl: string;
  readonly jwksUri: string;
  /** Rate-limit headers of the last response; `undefined` before any. */
  readonly lastRateLimit: RateLimit | undefined;
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
  | 'authority_mismatch';

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
