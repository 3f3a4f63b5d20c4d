'use strict';
// Offline grant-token verification: `verifyGrantToken` and `JwksCache`.
//
// Hot path: with a warm key cache the addon verifies synchronously (no promise, no thread hop)
// and the result is wrapped in an already-resolved promise, as the reference API is async.
// When the keys must be fetched the addon returns a promise running on the core runtime.

const native = require('./native.cjs');
const { settleSync, fromNative, invalidArgument, wrongType } = require('./errors.cjs');

/** Most URIs whose shared cache handle is kept here: as many as the core's shared cache. */
const SHARED_HANDLES = native.sharedJwksCapacity();
/** The reference's other verify options (`issuerDid`, `algorithms`, ...): the core's list. */
const REFERENCE_OPTIONS = native.referenceVerifyOptions();
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

function optionsObject(fn, options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw wrongType(`${fn}: options`, 'an object', options);
  }
  return options;
}

function argumentError(message) {
  return invalidArgument(message);
}

/** `value` as a string URI argument of `fn`, or an argument error naming it. */
function uriArg(fn, value) {
  if (typeof value !== 'string') throw wrongType(`${fn}: jwksUri`, 'a string (the JWKS URL)', value);
  return value;
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
    if (typeof jwks !== 'string' && (jwks === null || typeof jwks !== 'object' || Array.isArray(jwks))) {
      throw wrongType('JwksCache.fromJson(jwks): jwks', 'JWKS JSON text (a string) or a JWKS object', jwks);
    }
    const text = typeof jwks === 'string' ? jwks : JSON.stringify(jwks);
    return new JwksCache(settleSync(() => native.NativeJwks.fromJson(text)));
  }

  /** A private cache of the set at `jwksUri`, fetched on first use. */
  static remote(jwksUri) {
    uriArg('JwksCache.remote(jwksUri)', jwksUri);
    return new JwksCache(settleSync(() => native.NativeJwks.remote(jwksUri)));
  }

  /** The process-wide cache for `jwksUri` (the one `verifyGrantToken({jwksUri})` uses). */
  static shared(jwksUri) {
    uriArg('JwksCache.shared(jwksUri)', jwksUri);
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

  /** Seconds a fetched set is used before it is fetched again (default 600). */
  get maxAge() {
    return this.#n.maxAge;
  }

  /** Sets the max age: whole seconds from 1 to 86 400. */
  setMaxAge(seconds) {
    if (typeof seconds !== 'number') throw wrongType('JwksCache.setMaxAge(seconds): seconds', 'a number', seconds);
    settleSync(() => this.#n.setMaxAge(seconds));
  }

  /**
   * Seconds past the max age an expired set keeps verifying while the JWKS endpoint fails
   * (default 3600; 0 disables it); then verification fails closed.
   */
  get staleIfError() {
    return this.#n.staleIfError;
  }

  /** Sets the stale-if-error grace: 0 to 86 400 seconds. */
  setStaleIfError(seconds) {
    if (typeof seconds !== 'number') {
      throw wrongType('JwksCache.setStaleIfError(seconds): seconds', 'a number', seconds);
    }
    settleSync(() => this.#n.setStaleIfError(seconds));
  }

  /** Verify `token`, fetching the set when needed. */
  verify(token, options) {
    const fn = 'JwksCache.verify(token, options)';
    return run(() => nativeVerify(fn, this.#n, false, token, optionsObject(fn, options)));
  }

  /** Verify against the keys already loaded; never touches the network. Synchronous. */
  verifyCached(token, options) {
    const fn = 'JwksCache.verifyCached(token, options)';
    return settleSync(() => nativeVerify(fn, this.#n, true, token, optionsObject(fn, options)));
  }
}

function seconds(fn, value, name) {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) throw argumentError(`${fn}: options.${name} is an invalid Date`);
    return Math.floor(ms / 1000);
  }
  return value;
}

/** The fixed clock in Unix seconds: `currentDate` (jose's name, a Date) or `now` (seconds or a Date). */
function nowOf(fn, o) {
  const { currentDate, now } = o;
  if (currentDate !== undefined) {
    if (!(currentDate instanceof Date)) throw wrongType(`${fn}: options.currentDate`, 'a Date', currentDate);
    return seconds(fn, currentDate, 'currentDate');
  }
  if (now != null && typeof now !== 'number' && !(now instanceof Date)) {
    throw wrongType(`${fn}: options.now`, 'a number of Unix seconds or a Date', now);
  }
  return seconds(fn, now, 'now');
}

function optionalString(fn, name, value) {
  if (value != null && typeof value !== 'string') throw wrongType(`${fn}: options.${name}`, 'a string', value);
}

function optionalNumber(fn, name, value) {
  if (value != null && typeof value !== 'number') throw wrongType(`${fn}: options.${name}`, 'a number', value);
}

function optionalStrings(fn, name, value) {
  if (value == null) return;
  if (!Array.isArray(value)) throw wrongType(`${fn}: options.${name}`, 'an array of strings', value);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') throw wrongType(`${fn}: options.${name}[${i}]`, 'a string', value[i]);
  }
}

/**
 * Builds a grant object from the fields the addon passes (in VerifiedGrant order); absent
 * optionals (null) are left out, as in the reference SDK. `rare` is JSON text of the raw claims
 * a token seldom carries (clientId, authorizationDetails, act, cnf, audience, webauthnEvidence),
 * or null. The JSON path (a cold cache) gives the same keys in the same order.
 */
function makeGrant(
  tokenId, grantId, principalId, agentDid, developerId, scopes, issuedAt, expiresAt,
  parentAgentDid, parentGrantId, delegationDepth, rare, legacyClaimsUsed, issuer, budget,
) {
  const g = { tokenId, grantId, principalId, agentDid, developerId, scopes, issuedAt, expiresAt };
  const x = rare === null ? null : JSON.parse(rare);
  if (x !== null && x.clientId !== undefined) g.clientId = x.clientId;
  if (parentAgentDid !== null) g.parentAgentDid = parentAgentDid;
  if (parentGrantId !== null) g.parentGrantId = parentGrantId;
  if (delegationDepth !== null) g.delegationDepth = delegationDepth;
  if (x !== null) {
    if (x.authorizationDetails !== undefined) g.authorizationDetails = x.authorizationDetails;
    if (x.act !== undefined) g.act = x.act;
    if (x.cnf !== undefined) g.cnf = x.cnf;
    if (x.audience !== undefined) g.audience = x.audience;
    if (x.webauthnEvidence !== undefined) g.webauthnEvidence = x.webauthnEvidence;
  }
  g.legacyClaimsUsed = legacyClaimsUsed;
  g.issuer = issuer;
  if (budget !== null) g.budget = budget;
  return g;
}

/**
 * Calls the addon with the options flattened to primitives (far cheaper across N-API than an
 * object). With a warm cache the grant comes back built by `makeGrant`; when the key set must
 * be fetched first, a promise of the grant as JSON text.
 */
/**
 * The reference options set in `o` (`issuerDid`, `proofJkt`, `requireProofOfPossession`,
 * `legacyClaims`, `algorithms`, `boundedJwksFetch`) as one JSON object for the core, which
 * applies or refuses each; `undefined` when none is set (the usual case: nothing to send).
 */
function referenceOptions(o) {
  let refs;
  for (let i = 0; i < REFERENCE_OPTIONS.length; i++) {
    const value = o[REFERENCE_OPTIONS[i]];
    if (value != null) (refs ??= {})[REFERENCE_OPTIONS[i]] = value;
  }
  // A value JSON cannot hold (a function) counts as set, so the core refuses it.
  return refs === undefined ? undefined : JSON.stringify(refs, (_, v) => (typeof v === 'function' ? true : v));
}

function nativeVerify(fn, handle, cachedOnly, token, o) {
  if (typeof token !== 'string') throw wrongType(`${fn}: token`, 'a string (the grant token)', token);
  // Each option is read once and type-checked here, so a mistake is named in JS terms.
  const { issuer, audience, requiredScopes, clockTolerance, maxDelegationDepth, expectedDeveloperId, allowSandbox } = o;
  const { expectedPrincipalId, expectedAgentDid, currentAuthority } = o;
  optionalString(fn, 'expectedPrincipalId', expectedPrincipalId);
  optionalString(fn, 'expectedAgentDid', expectedAgentDid);
  if (currentAuthority != null && typeof currentAuthority !== 'function') {
    throw wrongType(`${fn}: options.currentAuthority`, 'a function (token) => VerifiedGrant', currentAuthority);
  }
  const authority = currentAuthority != null;
  optionalString(fn, 'issuer', issuer);
  optionalString(fn, 'audience', audience);
  optionalStrings(fn, 'requiredScopes', requiredScopes);
  optionalNumber(fn, 'clockTolerance', clockTolerance);
  optionalNumber(fn, 'maxDelegationDepth', maxDelegationDepth);
  optionalString(fn, 'expectedDeveloperId', expectedDeveloperId);
  if (allowSandbox !== undefined && allowSandbox !== null && typeof allowSandbox !== 'boolean') {
    throw wrongType(`${fn}: options.allowSandbox`, 'a boolean', allowSandbox);
  }
  const now = nowOf(fn, o);
  const refs = referenceOptions(o);
  if (cachedOnly) {
    const g = handle.verifyCached(token, issuer, audience, requiredScopes, clockTolerance, maxDelegationDepth, expectedDeveloperId, now, allowSandbox, expectedPrincipalId, expectedAgentDid, authority, refs, makeGrant);
    if (authority) {
      let answer;
      try {
        answer = currentAuthority(token);
      } catch (err) {
        refuseAuthority(g, err);
      }
      if (answer != null && typeof answer.then === 'function') {
        answer.then(undefined, () => {}); // never an unhandled rejection
        throw new TypeError('JwksCache.verifyCached(token, options): options.currentAuthority must answer synchronously here; use verify()');
      }
      checkAuthority(g, answer);
    }
    return g;
  }
  const out = handle.verify(token, issuer, audience, requiredScopes, clockTolerance, maxDelegationDepth, expectedDeveloperId, now, allowSandbox, expectedPrincipalId, expectedAgentDid, authority, refs, makeGrant);
  if (authority) {
    return Promise.resolve(out instanceof Promise ? out.then(JSON.parse) : out)
      .then((g) => withAuthority(g, token, currentAuthority));
  }
  return out instanceof Promise ? out.then(JSON.parse) : out;
}

/**
 * The reference's `currentAuthority` check: the callback (sync or async) says what the grant is
 * now; the core compares its answer with the verified grant (`authority_mismatch` otherwise).
 */
async function withAuthority(grant, token, currentAuthority) {
  let answer;
  try {
    answer = await currentAuthority(token);
  } catch (err) {
    refuseAuthority(grant, err);
  }
  checkAuthority(grant, answer);
  return grant;
}

/** The callback failed: the core's refusal, with the callback's error as its `cause`. */
function refuseAuthority(grant, err) {
  try {
    native.checkCurrentAuthority(JSON.stringify(grant), null, String(err?.message ?? err));
  } catch (refused) {
    const e = fromNative(refused);
    e.cause = err;
    throw e;
  }
}

function checkAuthority(grant, answer) {
  let text = null;
  try {
    text = JSON.stringify(answer) ?? null;
  } catch {
    text = 'null'; // not JSON (circular, BigInt): describes no grant
  }
  native.checkCurrentAuthority(JSON.stringify(grant), text, null);
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

const VERIFY = 'verifyGrantToken(token, options)';

function keySource(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw wrongType(`${VERIFY}: options`, 'an object with jwksUri (a string) or jwks (a JwksCache)', options);
  }
  if (options.jwks !== undefined) {
    if (!(options.jwks instanceof JwksCache)) {
      throw wrongType(`${VERIFY}: options.jwks`, 'a JwksCache (JwksCache.fromJson, .remote or .shared)', options.jwks);
    }
    return nativeOf(options.jwks);
  }
  if (options.jwksUri == null && typeof options.issuerDid === 'string') {
    // The DID names where the keys are read (with a jwksUri too, the core reads the DID's).
    return native.jwksForIssuerDid(options.issuerDid);
  }
  if (typeof options.jwksUri !== 'string') {
    throw wrongType(`${VERIFY}: options.jwksUri`, 'a string (the JWKS URL; or pass options.jwks or options.issuerDid)', options.jwksUri);
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
    if (typeof token !== 'string') throw wrongType(`${VERIFY}: token`, 'a string (the grant token)', token);
    const out = nativeVerify(VERIFY, keySource(options), false, token, options);
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
