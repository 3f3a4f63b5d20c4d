'use strict';
// Option-object helpers shared by the A2A wrappers: argument errors in the SDK's shape, and
// options with `undefined`/`null` members dropped (the addon reads absent and unset alike).

function argumentError(message) {
  const err = new TypeError(message);
  err.code = 'invalid_argument';
  return err;
}

function optionsObject(value, what) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw argumentError(`${what} must be an object`);
  }
  return value;
}

/**
 * Throws for a member not in `known`: a misspelt policy option (`requiredScope` for
 * `requiredScopes`) must not silently weaken a check.
 */
function onlyKnown(o, known, what) {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw argumentError(`${what}: unknown option \`${key}\` (known: ${known.join(', ')})`);
  }
  return o;
}

/** A copy of `o` without `undefined`/`null` members. */
function defined(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}

/** JWKS given as JSON text or an object, as text (`undefined` stays `undefined`). */
function jwksText(jwks, what) {
  if (jwks === undefined || jwks === null) return undefined;
  if (typeof jwks === 'string') return jwks;
  if (typeof jwks === 'object') return JSON.stringify(jwks);
  throw argumentError(`${what} must be JWKS JSON text or an object`);
}

module.exports = { argumentError, optionsObject, onlyKnown, defined, jwksText };
