// ESM view of the A2A declarations (lib/a2a.mjs re-exports the CommonJS module's `a2a`).
export * from './a2a.cjs';
