// ESM entry of `@grantex/sdk/mcp`: the objects of `require('@grantex/sdk').mcp`, except that
// `McpGuard#bearerVerifier` throws the ES build's error classes of `@modelcontextprotocol/sdk`
// (the ones an ES module server's `requireBearerAuth` recognises).
import { createRequire } from 'node:module';

const sdk = createRequire(import.meta.url)('./index.cjs');

export class McpGuard extends sdk.mcp.McpGuard {
  bearerVerifier(options = {}) {
    return super.bearerVerifier({ esm: true, ...options });
  }
}

export const { McpAuthError, calledTools, MAX_BODY_BYTES } = sdk.mcp;
