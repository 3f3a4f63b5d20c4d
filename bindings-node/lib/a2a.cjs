'use strict';
// The A2A bridge (`@grantex/sdk` `a2a`, also `@grantex/sdk/a2a`): Grantex grant tokens inside
// Google A2A (draft 0.1) agent-to-agent calls. Names follow the reference `@grantex/a2a`
// package; all the rules live in the Rust core (`grantex::a2a`).

const errors = require('./errors.cjs');
const { A2AClient, userText } = require('./a2a-client.cjs');
const { A2AGuard, peekRequest } = require('./a2a-guard.cjs');
const { createA2AAuthMiddleware, MAX_BODY_BYTES } = require('./a2a-middleware.cjs');
const card = require('./a2a-card.cjs');

module.exports = {
  A2AClient,
  /** The reference package's name for A2AClient. */
  A2AGrantexClient: A2AClient,
  A2AGuard,
  createA2AAuthMiddleware,
  buildGrantexAgentCard: card.buildGrantexAgentCard,
  parseAgentCard: card.parseAgentCard,
  grantexConfigOf: card.grantexConfigOf,
  peekRequest,
  userText,
  AGENT_CARD_PATH: card.AGENT_CARD_PATH,
  MAX_BODY_BYTES,
  A2AError: errors.A2AError,
  A2APreflightError: errors.A2APreflightError,
  A2ARpcError: errors.A2ARpcError,
  A2AHttpError: errors.A2AHttpError,
  A2ACardError: errors.A2ACardError,
  A2AProtocolError: errors.A2AProtocolError,
  A2AAuthError: errors.A2AAuthError,
};
