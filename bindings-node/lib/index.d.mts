// ESM view of the same declarations (lib/index.mjs re-exports the CommonJS module).
export * from './index.cjs';
