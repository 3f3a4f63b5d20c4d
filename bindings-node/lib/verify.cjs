'use strict';
// Offline grant-token verification: `verifyGrantToken` and `JwksCache`.
//
// Hot path: with a warm key cache the addon verifies synchronously (no promise, no thread hop)
// and the result is wrapped in an already-resolved promise, as the reference API is async.
// When the keys must be fetched the addon returns a promise running on the core runtime.

const native = require('./native.cjs');
const { settleSync, fromNative } = require('./errors.cjs');

/** Most URIs whose shared cache handle is kept here (the core keeps the same number). */
const SHARED_HANDLES = 64;
const sharedHandles = new Map();

function sharedNative(jwksUri) {
  let handle = sharedHandles.get(jwksUri);
  if (handle === undefined) {
    handle = native.NativeJwks.shared(jwksUri);
    if (sharedHandles.size >= SHARED_HANDLES) {
      sharedHandles.delete(sharedHandles.keys().next().value);
    }
    sharedHandles.set(jwksUri, handle);
  }
  return handle;
}

function optionsObject(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw argumentError('verify options must be an object');
  return options;
}

function argumentError(message) {
  const err = new TypeError(message);
  err.code = 'invalid_argument';
  return err;
}

let nativeOf;

/** A key set used for verification: the shared cache for a URI, a private one, or a static set. */
class JwksCache {
  #n;

  constructor(handle) {
    if (!(handle instanceof native.NativeJwks)) {
      throw argumentError('use JwksCache.fromJson, JwksCache.remote or JwksCache.shared');
    }
    this.#n = handle;
  }

  static {
    nativeOf = (cache) => cache.#n;
  }

  /** A static set (JSON text or an object): verification never touches the network. */
  static fromJson(jwks) {
    const text = typeof jwks === 'string' ? jwks : JSON.stringify(jwks);
    if (typeof text !== 'string') throw argumentError('fromJson needs JWKS JSON text or an object');
    return new JwksCache(settleSync(() => native.NativeJwks.fromJson(text)));
  }

  /** A private cache of the set at `jwksUri`, fetched on first use. */
  static remote(jwksUri) {
    return new JwksCache(settleSync(() => native.NativeJwks.remote(jwksUri)));
  }

  /** The process-wide cache for `jwksUri` (the one `verifyGrantToken({jwksUri})` uses). */
  static shared(jwksUri) {
    return new JwksCache(settleSync(() => sharedNative(jwksUri)));
  }

  /** The URI the set is fetched from (`undefined` for a static set). */
  get jwksUri() {
    return this.#n.jwksUri ?? undefined;
  }

  /** Fetch the set now. */
  refresh() {
    return run(() => this.#n.refresh());
  }

  /** Verify `token`, fetching the set when needed. */
  verify(token, options) {
    return run(() => nativeVerify(this.#n, false, token, optionsObject(options)));
  }

  /** Verify against the keys already loaded; never touches the network. Synchronous. */
  verifyCached(token, options) {
    return settleSync(() => nativeVerify(this.#n, true, token, optionsObject(options)));
  }
}

function seconds(value, name) {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw argumentError(`${name} is an invalid Date`);
    return Math.floor(ms / 1000);
  }
  return value;
}

/** The fixed clock in Unix seconds: `currentDate` (jose's name, a Date) or `now` (seconds or a Date). */
function nowOf(o) {
  if (o.currentDate !== undefined) {
    if (!(o.currentDate instanceof Date)) throw argumentError('currentDate must be a Date');
    return seconds(o.currentDate, 'currentDate');
  }
  return seconds(o.now, 'now');
}

/**
 * Builds a grant object from the fields the addon passes (in VerifiedGrant order); absent
 * optionals (null) are left out, as in the reference SDK. The JSON path (a cold cache) gives
 * the same keys in the same order.
 */
function makeGrant(
  tokenId, grantId, principalId, agentDid, developerId, scopes, issuedAt, expiresAt,
  audience, issuer, parentAgentDid, parentGrantId, delegationDepth, budget,
) {
  let g;
  if (parentAgentDid === null && parentGrantId === null) {
    g = { tokenId, grantId, principalId, agentDid, developerId, scopes, issuedAt, expiresAt, audience, issuer, delegationDepth };
  } else {
    g = { tokenId, grantId, principalId, agentDid, developerId, scopes, issuedAt, expiresAt, audience, issuer };
    if (parentAgentDid !== null) g.parentAgentDid = parentAgentDid;
    if (parentGrantId !== null) g.parentGrantId = parentGrantId;
    g.delegationDepth = delegationDepth;
  }
  if (budget !== null) g.budget = budget;
  return g;
}

/**
 * Calls the addon with the options flattened to primitives (far cheaper across N-API than an
 * object). With a warm cache the grant comes back built by `makeGrant`; when the key set must
 * be fetched first, a promise of the grant as JSON text.
 */
function nativeVerify(handle, cachedOnly, token, o) {
  const now = nowOf(o);
  if (cachedOnly) {
    return handle.verifyCached(token, o.issuer, o.audience, o.requiredScopes, o.clockTolerance, o.maxDelegationDepth, o.expectedDeveloperId, now, makeGrant);
  }
  const out = handle.verify(token, o.issuer, o.audience, o.requiredScopes, o.clockTolerance, o.maxDelegationDepth, o.expectedDeveloperId, now, makeGrant);
  return out instanceof Promise ? out.then(JSON.parse) : out;
}

/** A promise of `start()`'s value, whether it returned a value or a promise, or threw. */
function run(start) {
  try {
    const out = start();
    if (out instanceof Promise) return out.catch(rethrowNative);
    return Promise.resolve(out);
  } catch (err) {
    return Promise.reject(fromNative(err));
  }
}

function rethrowNative(err) {
  throw fromNative(err);
}

function configError(message) {
  const err = new Error(message);
  err.code = 'config_error';
  return err;
}

function keySource(options) {
  if (options === null || typeof options !== 'object') {
    throw argumentError('verifyGrantToken(token, options): options must be an object with jwksUri');
  }
  // The reference's did:web option is not implemented: refused, never silently ignored (the
  // keys would otherwise come from jwksUri instead of the DID's location).
  if (options.issuerDid != null) {
    throw configError('issuerDid (did:web) is not supported yet; pass jwksUri (and issuer)');
  }
  if (options.jwks !== undefined) {
    if (!(options.jwks instanceof JwksCache)) throw argumentError('options.jwks must be a JwksCache');
    return nativeOf(options.jwks);
  }
  if (typeof options.jwksUri !== 'string') {
    throw argumentError('verifyGrantToken(token, options): options.jwksUri (string) is required');
  }
  return sharedNative(options.jwksUri);
}

/**
 * Verify a grant token offline (RS256, strict). Options: `jwksUri` (or `jwks`, a JwksCache),
 * `audience`, `issuer` (default: derived from the JWKS URI), `requiredScopes`,
 * `clockTolerance` (seconds), `maxDelegationDepth`, and for tests `currentDate` (Date) or
 * `now` (Unix seconds). Resolves with the VerifiedGrant; rejects with GrantexTokenError.
 */
function verifyGrantToken(token, options) {
  // `run` inlined: this is the hot path.
  try {
    const out = nativeVerify(keySource(options), false, token, options);
    return out instanceof Promise ? out.catch(rethrowNative) : Promise.resolve(out);
  } catch (err) {
    return Promise.reject(fromNative(err));
  }
}

/** The addon handle behind a JwksCache (benchmark helpers only). */
function nativeJwks(cache) {
  if (!(cache instanceof JwksCache)) throw argumentError('expected a JwksCache');
  return nativeOf(cache);
}

module.exports = { verifyGrantToken, JwksCache, nativeJwks };
