// ESM entry of `@grantex/sdk/a2a`: the same objects as `require('@grantex/sdk').a2a` (loaded with
// `require`, as in index.mjs).
import { createRequire } from 'node:module';

const sdk = createRequire(import.meta.url)('./index.cjs');

export const {
  A2AClient,
  A2AGrantexClient,
  A2AGuard,
  createA2AAuthMiddleware,
  buildGrantexAgentCard,
  parseAgentCard,
  grantexConfigOf,
  peekRequest,
  userText,
  AGENT_CARD_PATH,
  MAX_BODY_BYTES,
  A2AError,
  A2APreflightError,
  A2ARpcError,
  A2AHttpError,
  A2ACardError,
  A2AProtocolError,
  A2AAuthError,
} = sdk.a2a;
