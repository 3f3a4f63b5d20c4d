// ESM view of the MCP guard declarations (lib/mcp.mjs re-exports the CommonJS module's `mcp`).
export * from './mcp.cjs';
