'use strict';
// The A2A bridge (`@grantex/sdk` `a2a`, also `@grantex/sdk/a2a`): Grantex grant tokens inside
// Google A2A (draft 0.1) agent-to-agent calls. Names follow the reference `@grantex/a2a`
// package; all the rules live in the Rust core (`grantex::a2a`).
//
// Each export is resolved on first access (./lazy.cjs): the client, guard, middleware and card
// helpers are loaded only when used.

const { lazy } = require('./lazy.cjs');

const errors = () => require('./errors.cjs');
const client = () => require('./a2a-client.cjs');
const guard = () => require('./a2a-guard.cjs');
const middleware = () => require('./a2a-middleware.cjs');
const card = () => require('./a2a-card.cjs');

lazy(exports, 'A2AClient', () => client().A2AClient);
/** The reference package's name for A2AClient. */
lazy(exports, 'A2AGrantexClient', () => client().A2AClient);
lazy(exports, 'A2AGuard', () => guard().A2AGuard);
lazy(exports, 'createA2AAuthMiddleware', () => middleware().createA2AAuthMiddleware);
lazy(exports, 'buildGrantexAgentCard', () => card().buildGrantexAgentCard);
lazy(exports, 'parseAgentCard', () => card().parseAgentCard);
lazy(exports, 'grantexConfigOf', () => card().grantexConfigOf);
lazy(exports, 'peekRequest', () => guard().peekRequest);
lazy(exports, 'userText', () => client().userText);
lazy(exports, 'AGENT_CARD_PATH', () => card().AGENT_CARD_PATH);
lazy(exports, 'MAX_BODY_BYTES', () => middleware().MAX_BODY_BYTES);
lazy(exports, 'A2AError', () => errors().A2AError);
lazy(exports, 'A2APreflightError', () => errors().A2APreflightError);
lazy(exports, 'A2ARpcError', () => errors().A2ARpcError);
lazy(exports, 'A2AHttpError', () => errors().A2AHttpError);
lazy(exports, 'A2ACardError', () => errors().A2ACardError);
lazy(exports, 'A2AProtocolError', () => errors().A2AProtocolError);
lazy(exports, 'A2AAuthError', () => errors().A2AAuthError);
