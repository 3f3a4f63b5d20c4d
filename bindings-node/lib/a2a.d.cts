// Types of the A2A bridge (`require('@grantex/sdk').a2a`, `@grantex/sdk/a2a`). Names follow the
// reference `@grantex/a2a` package; shapes are the A2A draft 0.1 wire shapes (camelCase).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GrantexError, JsonWebKeySet, VerifiedGrant } from './index.cjs';

export type A2ATaskState =
  | 'submitted'
  | 'working'
  | 'input-required'
  | 'completed'
  | 'canceled'
  | 'failed'
  | 'unknown';

export interface A2AFileContent {
  uri?: string;
  mimeType?: string;
  name?: string;
  /** Base64. */
  bytes?: string;
}

export type A2APart =
  | { type: 'text'; text: string; metadata?: Record<string, unknown> }
  | { type: 'data'; data: unknown; mimeType?: string; metadata?: Record<string, unknown> }
  | { type: 'file'; file: A2AFileContent; mimeType?: string; metadata?: Record<string, unknown> };

export interface A2AMessage {
  role: 'user' | 'agent';
  parts: A2APart[];
  metadata?: Record<string, unknown>;
}

export interface A2ATaskStatus {
  state: A2ATaskState;
  message?: A2AMessage;
  /** ISO-8601. */
  timestamp?: string;
}

export interface A2AArtifact {
  name?: string;
  description?: string;
  parts: A2APart[];
  metadata?: Record<string, unknown>;
}

export interface A2ATask {
  id: string;
  status: A2ATaskStatus;
  artifacts?: A2AArtifact[];
  history?: A2AMessage[];
  metadata?: Record<string, unknown>;
}

export interface TaskSendParams {
  /** Absent: the agent creates a task. */
  id?: string;
  message: A2AMessage;
  metadata?: Record<string, unknown>;
}

export interface TaskGetParams {
  id: string;
  historyLength?: number;
}

export interface TaskCancelParams {
  id: string;
}

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  error: JsonRpcError;
}

export interface GrantexAuthConfig {
  jwksUri: string;
  issuer: string;
  requiredScopes?: string[];
  delegationAllowed?: boolean;
}

export interface A2AAuthScheme {
  scheme: string;
  grantexConfig?: GrantexAuthConfig;
}

export interface A2ASkill {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
  examples?: string[];
  inputModes?: string[];
  outputModes?: string[];
}

export interface A2AAgentCard {
  name: string;
  description: string;
  url: string;
  version?: string;
  provider?: { organization: string; url?: string };
  capabilities?: { streaming?: boolean; pushNotifications?: boolean; stateTransitionHistory?: boolean };
  authentication?: { schemes: A2AAuthScheme[]; credentials?: string };
  defaultInputModes?: string[];
  defaultOutputModes?: string[];
  skills?: A2ASkill[];
}

export interface GrantexAgentCardOptions {
  name: string;
  description: string;
  /** Where the agent takes JSON-RPC requests (http or https). */
  url: string;
  jwksUri?: string;
  issuer?: string;
  requiredScopes?: string[];
  delegationAllowed?: boolean;
  version?: string;
  provider?: A2AAgentCard['provider'];
  capabilities?: A2AAgentCard['capabilities'];
  skills?: A2ASkill[];
  defaultInputModes?: string[];
  defaultOutputModes?: string[];
  /** Take the Grantex scheme (JWKS URI, issuer, scopes, delegation) from this guard's policy. */
  guard?: A2AGuard;
}

export interface A2AClientOptions {
  /** The agent's JSON-RPC URL; its card is at `<agentUrl>/.well-known/agent.json`. */
  agentUrl: string;
  grantToken: string;
  /** The remote card, if already known (else fetched once). */
  card?: A2AAgentCard | string;
  /** Pin the issuer's key set instead of trusting the card's `jwksUri`. */
  jwksUri?: string;
  /** A static key set (JSON text or object); needs `issuer` unless the card names one. */
  jwks?: string | JsonWebKeySet;
  issuer?: string;
  /** The audience the token must carry, if the remote agent checks one. */
  audience?: string;
  /** Scopes the token must hold on top of the card's `requiredScopes`. */
  requiredScopes?: string[];
  /** The reference option: one more required scope. */
  requiredScope?: string;
  /** Seconds of leeway on `exp`/`nbf`/`iat`. */
  clockTolerance?: number;
  /** Per-request timeout in milliseconds (default 30000). */
  timeout?: number;
}

/** Calls a remote agent; every call first verifies the grant token offline (nothing is sent
 *  when the agent would refuse it). Failures reject with an `A2AError`. */
export declare class A2AClient {
  constructor(options: A2AClientOptions);
  readonly agentUrl: string;
  card(): Promise<A2AAgentCard>;
  preflight(): Promise<VerifiedGrant>;
  sendTask(params: TaskSendParams): Promise<A2ATask>;
  getTask(params: TaskGetParams): Promise<A2ATask>;
  cancelTask(params: TaskCancelParams): Promise<A2ATask>;
  call(method: string, params?: unknown): Promise<unknown>;
}

/** The reference package's name for `A2AClient`. */
export declare const A2AGrantexClient: typeof A2AClient;
export type A2AGrantexClient = A2AClient;

export interface A2ARevocationOptions {
  /** The Grantex server (`POST /v1/tokens/verify`). */
  baseUrl: string;
  /** The API key of the developer owning the tokens. */
  apiKey: string;
  /** Seconds an "active" answer is reused (0-300, default 0: ask every time). */
  cacheTtl?: number;
}

export interface A2APolicy {
  jwksUri?: string;
  /** A static key set (JSON text or object); needs `issuer`. */
  jwks?: string | JsonWebKeySet;
  /** Expected `iss`; default derived from `jwksUri`. */
  issuer?: string;
  /** When set, `aud` must contain it (delegated tokens carry none, so they are refused). */
  audience?: string;
  /** Scopes needed for any method without its own entry in `methodScopes`. */
  requiredScopes?: string[];
  /** Scopes per JSON-RPC method (replacing `requiredScopes` for that method). */
  methodScopes?: Record<string, string[]>;
  /** Accept delegated tokens (default false). */
  allowDelegation?: boolean;
  /** With delegation allowed, refuse tokens delegated more hops than this. */
  maxDelegationDepth?: number;
  /** Seconds of leeway on `exp`/`nbf`/`iat`. */
  clockTolerance?: number;
  /**
   * The tenant pin: accept only grants issued for this developer (else 401 `wrong_issuer`).
   * One Grantex server signs every developer's tokens with the same key and issuer, so an agent
   * that must accept only its own developer's grants sets it.
   */
  expectedDeveloperId?: string;
  /**
   * Accept sandbox tokens (approved without a human). Default: refused (`sandbox_token`) unless
   * `GRANTEX_ALLOW_SANDBOX_TOKENS=1` is set (for test suites).
   */
  allowSandbox?: boolean;
  /** Check revocation online (an offline guard accepts a revoked token until it expires). */
  revocation?: A2ARevocationOptions;
}

export interface A2AMiddlewareOptions {
  /** Largest request body read (default 1 MiB); larger gets 413. */
  maxBodyBytes?: number;
}

/** A request after the middleware accepted it. */
export interface GrantexA2ARequest extends IncomingMessage {
  grantexGrant?: VerifiedGrant;
  /** Set when the middleware read the body itself. */
  rawBody?: Buffer;
  body?: unknown;
}

/** The parts of a Fastify request the hook reads (and `grantexGrant`, which it sets). */
export interface FastifyLikeRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  raw?: IncomingMessage;
  grantexGrant?: VerifiedGrant;
}

/** The parts of a Fastify reply the hook uses to answer a refusal. */
export interface FastifyLikeReply {
  code(statusCode: number): unknown;
  header(name: string, value: string): unknown;
  send(payload?: unknown): unknown;
  raw: ServerResponse;
}

export interface A2AMiddleware {
  /** Express/Connect/node:http middleware. */
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): Promise<void>;
  /** A Fastify `preHandler` hook: refusals are sent on `reply`; accepted requests get `grantexGrant`. */
  (request: FastifyLikeRequest, reply: FastifyLikeReply, done?: (err?: Error) => void): Promise<void>;
  /** The reference `@grantex/a2a` form: the grant for `req.headers.authorization`. */
  (req: { headers: Record<string, string | string[] | undefined> }): Promise<VerifiedGrant>;
}

/** Checks incoming A2A requests; refusals reject with `A2AAuthError`. */
export declare class A2AGuard {
  constructor(policy: A2APolicy);
  readonly issuer: string | undefined;
  /** The card's Grantex scheme for this policy (`undefined` with a static JWKS). */
  authScheme(): A2AAuthScheme | undefined;
  check(authorization: string | null | undefined, method?: string): Promise<VerifiedGrant>;
  middleware(options?: A2AMiddlewareOptions): A2AMiddleware;
}

export declare function createA2AAuthMiddleware(
  guardOrPolicy: A2AGuard | A2APolicy,
  options?: A2AMiddlewareOptions,
): A2AMiddleware;

export declare function buildGrantexAgentCard(options: GrantexAgentCardOptions): A2AAgentCard;
export declare function parseAgentCard(card: string | object): A2AAgentCard;
export declare function grantexConfigOf(card: string | A2AAgentCard): GrantexAuthConfig | undefined;
export declare function peekRequest(body: string | Uint8Array | unknown): {
  id: string | number | null;
  method: string | null;
};
export declare function userText(text: string): A2AMessage;

export declare const AGENT_CARD_PATH: string;
export declare const MAX_BODY_BYTES: number;

export type A2AErrorCode =
  | 'a2a_preflight'
  | 'a2a_rpc_error'
  | 'a2a_http_error'
  | 'a2a_card_error'
  | 'a2a_protocol_error'
  | 'network_error'
  | 'timeout'
  | 'token_invalid'
  | (string & {});

export declare class A2AError extends GrantexError {
  constructor(
    message: string,
    details?: { code?: A2AErrorCode; reason?: string; status?: number; cause?: unknown },
  );
  code: A2AErrorCode;
  /** The token error code of a pre-flight refusal, or the remote guard's `data.reason`. */
  reason: string | undefined;
  /** The HTTP status the remote agent answered with, if it answered. */
  status: number | undefined;
}
export declare class A2APreflightError extends A2AError {}
export declare class A2ARpcError extends A2AError {
  constructor(
    message: string,
    details?: { code?: string; reason?: string; status?: number; error?: JsonRpcError; cause?: unknown },
  );
  error: JsonRpcError | null;
  readonly rpcCode: number | undefined;
  readonly data: unknown;
}
export declare class A2AHttpError extends A2AError {}
export declare class A2ACardError extends A2AError {}
export declare class A2AProtocolError extends A2AError {}

export declare class A2AAuthError extends GrantexError {
  constructor(
    statusCode: number,
    message: string,
    details?: { reason?: string; rpcError?: JsonRpcError; wwwAuthenticate?: string; cause?: unknown },
  );
  code: 'a2a_rejected';
  /** 401, 403 or 503. */
  statusCode: number;
  reason: string | undefined;
  rpcError: JsonRpcError;
  wwwAuthenticate: string | undefined;
  body(id?: string | number | null): JsonRpcErrorResponse;
}
