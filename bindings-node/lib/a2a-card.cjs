'use strict';
// Agent cards (`/.well-known/agent.json`) with the Grantex bearer scheme, built and validated by
// the core; cards are plain camelCase objects, ready for `JSON.stringify`.

const native = require('./native.cjs');
const { settleSync } = require('./errors.cjs');
const { A2AGuard } = require('./a2a-guard.cjs');
const { argumentError, optionsObject, defined } = require('./a2a-options.cjs');

/** Where an agent serves its card, relative to its URL. */
const AGENT_CARD_PATH = native.a2aAgentCardPath();

/**
 * `buildGrantexAgentCard({ name, description, url, jwksUri, issuer, requiredScopes?,
 * delegationAllowed?, version?, provider?, capabilities?, skills?, defaultInputModes?,
 * defaultOutputModes?, guard? })`. With `guard` (an A2AGuard), the Grantex scheme — JWKS URI,
 * issuer, required scopes, whether delegation is accepted — comes from its policy, so the card
 * says exactly what the guard enforces; fields given explicitly win. Throws a TypeError
 * (`invalid_argument`) for an empty name, a non-http(s) URL, or Grantex settings without both
 * `jwksUri` and `issuer`.
 */
function buildGrantexAgentCard(options) {
  const { guard, ...fields } = optionsObject(options, 'buildGrantexAgentCard options');
  const body = defined(fields);
  if (guard !== undefined && guard !== null) {
    if (!(guard instanceof A2AGuard)) throw argumentError('options.guard must be an A2AGuard');
    const config = guard.authScheme()?.grantexConfig ?? {};
    for (const [key, value] of Object.entries(config)) if (body[key] === undefined) body[key] = value;
  }
  return settleSync(() => native.a2aBuildAgentCard(body));
}

function cardText(card) {
  if (typeof card === 'string') return card;
  if (card !== null && typeof card === 'object') return JSON.stringify(card);
  throw argumentError('an agent card is JSON text or an object');
}

/** Parse and validate a card (JSON text or an object, at most 1 MiB); A2ACardError when invalid. */
function parseAgentCard(card) {
  return settleSync(() => native.a2aParseAgentCard(cardText(card)));
}

/** The card's Grantex settings (`{ jwksUri, issuer, requiredScopes?, delegationAllowed? }`), or `undefined`. */
function grantexConfigOf(card) {
  return settleSync(() => native.a2aCardGrantexConfig(cardText(card))) ?? undefined;
}

module.exports = { AGENT_CARD_PATH, buildGrantexAgentCard, parseAgentCard, grantexConfigOf };
