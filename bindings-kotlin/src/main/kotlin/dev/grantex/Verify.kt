package dev.grantex

import dev.grantex.ffi.NativeJwksCache
import dev.grantex.ffi.NativeVerifier
import dev.grantex.ffi.NativeVerifyOptions
import kotlinx.serialization.json.JsonObject

/**
 * What a grant token is checked against, and where its keys come from ([jwks], else the
 * process-wide cache of [jwksUri]; neither is a [GrantexConfigException]). The rules are the
 * core's, as in every SDK.
 */
public data class VerifyGrantTokenOptions @JvmOverloads constructor(
    /** Where the key set is fetched (cached 10 min per URI, shared by the process). */
    val jwksUri: String? = null,
    /** A key set to use instead of [jwksUri] (e.g. [JwksCache.fromJson] for offline checks). */
    val jwks: JwksCache? = null,
    /** Expected `iss`; default derived from the JWKS URI. Required with a static [jwks]. */
    val issuer: String? = null,
    /** When set, `aud` must contain it. */
    val audience: String? = null,
    /** Every one must be in the token's scopes, verbatim. */
    val requiredScopes: List<String> = emptyList(),
    /** Seconds of leeway for `exp`, `nbf` and `iat` (0 to 3600). */
    val clockTolerance: Long = 0,
    /** Refuse tokens delegated more hops than this. */
    val maxDelegationDepth: Int? = null,
    /** The developer the grant must be issued for (`dev`); a mismatch is `wrong_issuer`. */
    val expectedDeveloperId: String? = null,
    /** The principal (`sub`) the token must belong to; a mismatch is `wrong_principal`. */
    val expectedPrincipalId: String? = null,
    /** The agent DID the token must belong to; a mismatch is `wrong_agent`. */
    val expectedAgentDid: String? = null,
    /**
     * Accept sandbox tokens (issued for a sandbox developer, approved without a human). Default:
     * refused with `sandbox_token` unless `GRANTEX_ALLOW_SANDBOX_TOKENS=1` is set (test suites).
     */
    val allowSandbox: Boolean? = null,
    /** Testing: verify as if the time were this (Unix seconds). */
    val now: Long? = null,
    /**
     * A did:web issuer: the key set is read from the DID's
     * `https://<host>[:<port>][/<path>]/.well-known/jwks.json` (instead of [jwksUri]) and the
     * issuer defaults to that location; another DID method, an IP address, a local or private
     * host or a single label is a [GrantexConfigException].
     */
    val issuerDid: String? = null,
    /**
     * The reference SDKs' other verify options by their Python or TypeScript name, applied by
     * the core's one rule as in every SDK: `proofJkt` (the token's `cnf.jkt` must equal it:
     * `not_key_bound` / `proof_mismatch`), `requireProofOfPossession` (`proof_required` without
     * `proofJkt`), `legacyClaims` (`false`: standard claims only, typed `at+jwt`),
     * `algorithms` and `boundedJwksFetch` (fixed behaviour, accepted when they ask for it), and
     * this SDK's `dpop` (see [withDpop]). A value that cannot be used is a
     * [GrantexConfigException].
     */
    val referenceOptions: Map<String, Any?> = emptyMap(),
    /**
     * Asked after the token verified what the grant is *now* (the reference SDKs'
     * `current_authority`), typically `{ grantex.grants.verify(it) }`: its answer must be the
     * same grant (issuer, ids, principal, agent, developer, times, audience, scopes), else the
     * token is refused with `authority_mismatch`, as it is when the callback throws (the
     * exception is the refusal's cause). Requires [audience]. The comparison is the core's.
     */
    val currentAuthority: (suspend (String) -> VerifiedGrant)? = null,
) {
    public fun withJwksUri(value: String?): VerifyGrantTokenOptions = copy(jwksUri = value)
    public fun withJwks(value: JwksCache?): VerifyGrantTokenOptions = copy(jwks = value)
    public fun withIssuer(value: String?): VerifyGrantTokenOptions = copy(issuer = value)
    public fun withAudience(value: String?): VerifyGrantTokenOptions = copy(audience = value)
    public fun withRequiredScopes(value: List<String>): VerifyGrantTokenOptions = copy(requiredScopes = value)
    public fun withClockTolerance(seconds: Long): VerifyGrantTokenOptions = copy(clockTolerance = seconds)
    public fun withMaxDelegationDepth(value: Int?): VerifyGrantTokenOptions = copy(maxDelegationDepth = value)
    public fun withExpectedDeveloperId(value: String?): VerifyGrantTokenOptions = copy(expectedDeveloperId = value)
    public fun withExpectedPrincipalId(value: String?): VerifyGrantTokenOptions = copy(expectedPrincipalId = value)
    public fun withExpectedAgentDid(value: String?): VerifyGrantTokenOptions = copy(expectedAgentDid = value)
    public fun withAllowSandbox(value: Boolean?): VerifyGrantTokenOptions = copy(allowSandbox = value)
    public fun withNow(unixSeconds: Long?): VerifyGrantTokenOptions = copy(now = unixSeconds)
    public fun withCurrentAuthority(value: (suspend (String) -> VerifiedGrant)?): VerifyGrantTokenOptions =
        copy(currentAuthority = value)

    /** [currentAuthority] from Java: a blocking [CurrentAuthority]. */
    public fun withBlockingCurrentAuthority(value: CurrentAuthority?): VerifyGrantTokenOptions =
        copy(currentAuthority = value?.let { f -> { token: String -> f.current(token) } })

    public fun withReferenceOption(name: String, value: Any?): VerifyGrantTokenOptions =
        copy(referenceOptions = referenceOptions + (name to value))

    /**
     * Checks the DPoP proof sent with the token ([proof], the `DPoP` header) for the request it
     * came with ([method], [url]): a `dpop+jwt` (RFC 9449) signed by the key in its header, for
     * that method and URI (query and fragment ignored), at most 5 minutes old, bound to this
     * token (`ath`) and not used before in this process; its key's thumbprint must be the
     * token's `cnf.jkt`. A bad proof is `invalid_proof`, one made with another key
     * `proof_mismatch`. A fixed [now] turns replay detection off.
     */
    public fun withDpop(proof: String, method: String, url: String): VerifyGrantTokenOptions =
        withReferenceOption("dpop", mapOf("proof" to proof, "method" to method, "url" to url))

    internal fun native(): NativeVerifyOptions {
        val refs = LinkedHashMap<String, Any?>(referenceOptions)
        if (issuerDid != null) refs["issuerDid"] = issuerDid
        return NativeVerifyOptions(
            issuer = issuer,
            audience = audience,
            requiredScopes = requiredScopes,
            clockTolerance = clockTolerance,
            maxDelegationDepth = maxDelegationDepth?.toLong(),
            expectedDeveloperId = expectedDeveloperId,
            now = now,
            allowSandbox = allowSandbox,
            expectedPrincipalId = expectedPrincipalId,
            expectedAgentDid = expectedAgentDid,
            currentAuthority = currentAuthority != null,
            referenceOptionsJson = if (refs.isEmpty()) null else Wire.toJson(refs).toString(),
        )
    }
}

/** What the grant is now, for [VerifyGrantTokenOptions.currentAuthority] (Java: a lambda). */
public fun interface CurrentAuthority {
    public fun current(token: String): VerifiedGrant
}

/**
 * Runs [VerifyGrantTokenOptions.currentAuthority] for a verified [grant] and has the core
 * compare its answer; the grant when they agree.
 */
internal suspend fun VerifyGrantTokenOptions.checkAuthority(token: String, grant: VerifiedGrant): VerifiedGrant {
    val authority = currentAuthority ?: return grant
    var failure: Throwable? = null
    val answer = try {
        authority(token)
    } catch (e: kotlin.coroutines.cancellation.CancellationException) {
        throw e
    } catch (e: Throwable) {
        failure = e
        null
    }
    try {
        ffi {
            dev.grantex.ffi.checkCurrentAuthority(
                grant.toJson().toString(),
                answer?.toJson()?.toString(),
                failure?.let { it.message ?: it.javaClass.name },
            )
        }
    } catch (e: GrantexTokenException) {
        // The callback's own failure (e.g. the server's refusal) is the cause, not the message.
        throw if (failure == null) e else GrantexTokenException(e.message ?: e.code, e.code, failure)
    }
    return grant
}

/** [checkAuthority] for the blocking entry points. */
internal fun VerifyGrantTokenOptions.checkAuthorityBlocking(token: String, grant: VerifiedGrant): VerifiedGrant =
    if (currentAuthority == null) grant else kotlinx.coroutines.runBlocking { checkAuthority(token, grant) }

/**
 * The grant as the core read it: the record's typed fields, `aud` as the token has it (a string
 * or a list), and the raw members (`cnf`, `act`, ...) when the token has any, as in every SDK.
 */
internal fun dev.grantex.ffi.VerifiedGrant.toGrant(): VerifiedGrant {
    val raw = rawJson?.let { kotlinx.serialization.json.Json.parseToJsonElement(it) as JsonObject }
        ?: return plainGrant()
    return plainGrant().copy(
        cnf = raw["cnf"],
        act = raw["act"],
        authorizationDetails = raw["authorizationDetails"],
        webauthnEvidence = raw["webauthnEvidence"]?.let { WebAuthnGrantEvidence.fromJson(it) },
    )
}

private fun dev.grantex.ffi.VerifiedGrant.plainGrant(): VerifiedGrant = VerifiedGrant(
    tokenId = tokenId,
    grantId = grantId,
    principalId = principalId,
    agentDid = agentDid,
    developerId = developerId,
    scopes = scopes,
    issuedAt = issuedAt,
    expiresAt = expiresAt,
    parentAgentDid = parentAgentDid,
    parentGrantId = parentGrantId,
    delegationDepth = delegationDepth,
    audience = when {
        audienceIsList -> kotlinx.serialization.json.JsonArray(audience.map { kotlinx.serialization.json.JsonPrimitive(it) })
        audience.isEmpty() -> null
        else -> kotlinx.serialization.json.JsonPrimitive(audience[0])
    },
    clientId = clientId,
    legacyClaimsUsed = legacyClaimsUsed,
    issuer = issuer,
    budget = budget,
)

/**
 * A JWKS cache: remote (fetched on first use, cached 10 minutes, one refetch per 30 s for an
 * unknown `kid`) or a static set (never touches the network). Thread-safe; [close] frees it.
 */
public class JwksCache private constructor(internal val native: NativeJwksCache) : AutoCloseable {
    public companion object {
        /** A static key set from JSON text; an unusable set is a token error `invalid_jwks`. */
        @JvmStatic
        public fun fromJson(jwksJson: String): JwksCache = ffi { JwksCache(NativeJwksCache.fromJson(jwksJson)) }

        /** A static key set from a JSON object. */
        @JvmStatic
        public fun fromJson(jwks: JsonObject): JwksCache = fromJson(jwks.toString())

        /** A private cache of the set at [jwksUri] (nothing is fetched here). */
        @JvmStatic
        public fun remote(jwksUri: String): JwksCache = ffi { JwksCache(NativeJwksCache.remote(jwksUri)) }

        /** The process-wide cache for [jwksUri] (the one [verifyGrantToken] uses). */
        @JvmStatic
        public fun shared(jwksUri: String): JwksCache = ffi { JwksCache(NativeJwksCache.shared(jwksUri)) }
    }

    /** The URI of a remote set; `null` for a static one. */
    public val jwksUri: String? get() = native.jwksUri()

    /** Seconds a fetched set is used before it is fetched again (default 600; 1 to 86 400). */
    public var maxAgeSeconds: Double
        get() = native.maxAgeSeconds()
        set(value) = ffi { native.setMaxAgeSeconds(value) }

    /**
     * Seconds past the max age an expired set keeps verifying while the JWKS endpoint fails
     * (default 3600; 0 disables it; at most 86 400).
     */
    public var staleIfErrorSeconds: Double
        get() = native.staleIfErrorSeconds()
        set(value) = ffi { native.setStaleIfErrorSeconds(value) }

    /** Re-fetches the key set now (a static set: nothing). */
    public suspend fun refresh(): Unit = ffi { native.refresh() }

    /** [refresh], blocking. */
    public fun refreshBlocking(): Unit = ffi { native.refreshBlocking() }

    private fun options(options: VerifyGrantTokenOptions): NativeVerifyOptions {
        if (options.jwks != null || options.jwksUri != null) {
            throw GrantexConfigException("configuration error: JwksCache.verify takes its keys from the cache: leave jwksUri and jwks unset")
        }
        return options.native()
    }

    /**
     * Native verifiers for the options recently used with this cache, so a call with the same
     * options takes the hot path ([FastVerify]). At most 16, least recently used dropped (not
     * closed: a call may still hold one; the cleaner frees it).
     */
    private val bound = object : LinkedHashMap<VerifyGrantTokenOptions, GrantVerifier>(32, 0.75f, true) {
        override fun removeEldestEntry(eldest: MutableMap.MutableEntry<VerifyGrantTokenOptions, GrantVerifier>): Boolean =
            size > 16
    }

    /** The hot path's answer for [token] with [options]; `null`: make the regular call. */
    private fun fast(token: String, options: VerifyGrantTokenOptions, loadedOnly: Boolean): VerifiedGrant? {
        // A DPoP proof belongs to one request: never bind it.
        if (options.referenceOptions.containsKey("dpop")) return null
        val v = synchronized(bound) { bound.getOrPut(options) { verifier(options) } }
        return FastVerify.verify(v.fastId, token, loadedOnly)
    }

    /** Verifies [token] (fetching the key set when it must). A refusal is a [GrantexTokenException]. */
    @JvmOverloads
    public suspend fun verify(token: String, options: VerifyGrantTokenOptions = VerifyGrantTokenOptions()): VerifiedGrant =
        options.checkAuthority(token, fast(token, options, false) ?: ffi { native.verify(token, options(options)).toGrant() })

    /** [verify], blocking only when the key set must be fetched. */
    @JvmOverloads
    public fun verifyBlocking(token: String, options: VerifyGrantTokenOptions = VerifyGrantTokenOptions()): VerifiedGrant =
        options.checkAuthorityBlocking(token, fast(token, options, false) ?: ffi { native.verifyBlocking(token, options(options)).toGrant() })

    /** Verifies against keys already loaded only; never touches the network. */
    @JvmOverloads
    public fun verifyCached(token: String, options: VerifyGrantTokenOptions = VerifyGrantTokenOptions()): VerifiedGrant =
        options.checkAuthorityBlocking(token, fast(token, options, true) ?: ffi { native.verifyCached(token, options(options)).toGrant() })

    /**
     * This key set bound to [options], checked once: for hot paths, each verification then
     * passes only the token (see the benchmark in README.md). Close it when done.
     */
    @JvmOverloads
    public fun verifier(options: VerifyGrantTokenOptions = VerifyGrantTokenOptions()): GrantVerifier =
        ffi { GrantVerifier(NativeVerifier(native, options(options)), options) }

    override fun close() {
        synchronized(bound) {
            bound.values.forEach { it.close() }
            bound.clear()
        }
        native.close()
    }

    override fun toString(): String = "JwksCache(${jwksUri ?: "static"})"
}

/** A [JwksCache] bound to verify options ([JwksCache.verifier]). Thread-safe; [close] frees it. */
public class GrantVerifier internal constructor(
    private val native: NativeVerifier,
    private val options: VerifyGrantTokenOptions,
) : AutoCloseable {
    /** The id the hot path ([FastVerify]) knows the native verifier by. */
    internal val fastId: Long = native.fastId().toLong()

    /** Verifies [token] (fetching the key set when it must). A refusal is a [GrantexTokenException]. */
    public suspend fun verify(token: String): VerifiedGrant =
        options.checkAuthority(token, FastVerify.verify(fastId, token, false) ?: ffi { native.verify(token).toGrant() })

    /** [verify], blocking only when the key set must be fetched. */
    public fun verifyBlocking(token: String): VerifiedGrant =
        options.checkAuthorityBlocking(token, FastVerify.verify(fastId, token, false) ?: ffi { native.verifyBlocking(token).toGrant() })

    /** Verifies against keys already loaded only; never touches the network. */
    public fun verifyCached(token: String): VerifiedGrant =
        options.checkAuthorityBlocking(token, FastVerify.verify(fastId, token, true) ?: ffi { native.verifyCached(token).toGrant() })

    override fun close() {
        native.close()
    }
}
