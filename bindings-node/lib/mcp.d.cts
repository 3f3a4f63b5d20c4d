// Types of the MCP guard (`require('@grantex/sdk').mcp`, `@grantex/sdk/mcp`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GrantexError, VerifiedGrant } from './index.cjs';

export interface McpGuardOptions {
  /** The MCP server's canonical URL (the RFC 8707 resource its tokens name in `aud`). */
  resource: string;
  authorizationServer?: string;
  authorizationServers?: string[];
  jwksUri?: string;
  jwks?: string | Record<string, unknown>;
  issuer?: string;
  resourceName?: string;
  scopesSupported?: string[];
  requiredScopes?: string[];
  toolScopes?: Record<string, string[]>;
  expectedDeveloperId?: string;
  allowSandbox?: boolean;
  clockTolerance?: number;
  revocation?: { apiKey: string; baseUrl?: string; cacheTtl?: number };
}

/** `AuthInfo` of `@modelcontextprotocol/sdk`. */
export interface McpAuthInfo {
  token: string;
  clientId: string;
  scopes: string[];
  expiresAt?: number;
  resource?: URL;
  extra?: Record<string, unknown>;
}

type Next = (err?: unknown) => void;

export declare class McpGuard {
  constructor(options: McpGuardOptions);
  readonly resource: string;
  readonly metadataPath: string;
  readonly metadataUrl: string;
  metadata(): Record<string, unknown>;
  scopesForTool(tool: string): string[];
  authenticate(authorization: string | null | undefined): Promise<VerifiedGrant>;
  check(authorization: string | null | undefined, body?: string | Buffer | object | null): Promise<VerifiedGrant>;
  bearerVerifier(options?: { errors?: unknown }): { verifyAccessToken(token: string): Promise<McpAuthInfo> };
  metadataHandler(): (req: IncomingMessage, res: ServerResponse) => void;
  toolScopeMiddleware(): (req: IncomingMessage, res: ServerResponse, next: Next) => void;
  middleware(): (req: IncomingMessage, res: ServerResponse, next: Next) => void;
}

export declare class McpAuthError extends GrantexError {
  constructor(statusCode: number, message: string, details?: Record<string, unknown>);
  readonly statusCode: number;
  readonly error: string;
  readonly reason?: string;
  readonly scope: string[];
  readonly wwwAuthenticate: string;
  readonly body: { error: string; error_description: string };
}

export declare function calledTools(body: string | Buffer | object): string[];
export declare const MAX_BODY_BYTES: number;
