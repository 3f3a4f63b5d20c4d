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
    return run(() => this.#n.verify(token, nativeOptions(options ?? {})));
  }

  /** Verify against the keys already loaded; never touches the network. Synchronous. */
  verifyCached(token, options) {
    return settleSync(() => this.#n.verifyCached(token, nativeOptions(options ?? {})));
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

/**
 * The options the addon reads. The caller's object is passed through untouched unless it
 * carries a `currentDate` (the jose name) or a Date `now`, which become Unix seconds.
 */
function nativeOptions(options) {
  if (options.currentDate === undefined && !(options.now instanceof Date)) return options;
  const now = options.currentDate !== undefined ? options.currentDate : options.now;
  return { ...options, now: seconds(now, options.currentDate !== undefined ? 'currentDate' : 'now') };
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

function keySource(options) {
  if (options === null || typeof options !== 'object') {
    throw argumentError('verifyGrantToken(token, options): options must be an object with jwksUri');
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
  return run(() => keySource(options).verify(token, nativeOptions(options)));
}

/** The addon handle behind a JwksCache (benchmark helpers only). */
function nativeJwks(cache) {
  if (!(cache instanceof JwksCache)) throw argumentError('expected a JwksCache');
  return nativeOf(cache);
}

module.exports = { verifyGrantToken, JwksCache, nativeJwks };
