package dev.grantex

import dev.grantex.ffi.A2aClientSettings
import dev.grantex.ffi.A2aPolicySettings
import dev.grantex.ffi.NativeA2aClient
import dev.grantex.ffi.NativeA2aGuard
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject

/**
 * Calls a remote A2A agent with `Authorization: Bearer <grant token>`, after the core's offline
 * check of the token (signature against the issuer's JWKS, expiry, the card's required scopes and
 * delegation rule), so a token the agent would refuse is never sent. Failures are
 * [GrantexA2AException] (or the core's [GrantexException]s: network, timeout, config).
 *
 * ```kotlin
 * A2AClient(agentUrl = "https://agent.example.com/a2a", grantToken = token).use { agent ->
 *     val task = agent.sendTask(buildJsonObject { put("id", "t1"); put("message", message) })
 * }
 * ```
 */
public class A2AClient @JvmOverloads constructor(
    /** The agent's JSON-RPC URL; its card is at `<agentUrl>/.well-known/agent.json`. */
    agentUrl: String,
    /** The caller's grant token. */
    grantToken: String,
    /** The remote card, if already known (else fetched on first use). */
    card: JsonObject? = null,
    /** The issuer's key set (a URI or a document); neither: the card's `jwksUri`. */
    jwksUri: String? = null,
    jwksJson: String? = null,
    /** Expected issuer; default the card's. */
    issuer: String? = null,
    /** Audience the token must carry, if the agent checks one. */
    audience: String? = null,
    /** Scopes the token must hold on top of the card's `requiredScopes`. */
    requiredScopes: List<String> = emptyList(),
    /** Seconds of leeway on `exp`/`nbf`/`iat`. */
    clockTolerance: Long = 0,
    /** Per-request timeout (default 30 s). */
    timeoutMillis: Long? = null,
) : AutoCloseable {
    private val native: NativeA2aClient = ffi {
        NativeA2aClient(
            A2aClientSettings(
                agentUrl = agentUrl,
                grantToken = grantToken,
                cardJson = card?.toString(),
                jwksUri = jwksUri,
                jwksJson = jwksJson,
                issuer = issuer,
                audience = audience,
                requiredScopes = requiredScopes,
                clockTolerance = clockTolerance,
                timeoutMs = timeoutMillis,
            ),
        )
    }

    /** The URL requests go to (without a trailing `/`). */
    public val agentUrl: String get() = native.agentUrl()

    /** The remote agent card. */
    public suspend fun card(): JsonObject = Json.parseToJsonElement(ffi { native.cardJson() }).jsonObject

    /** The offline check run before every request: the grant as verified. */
    public suspend fun preflight(): VerifiedGrant = ffi { native.preflight() }.toGrant()

    /** Any JSON-RPC method: preflight, then one POST; its `result`. */
    public suspend fun call(method: String, params: JsonElement): JsonElement =
        Json.parseToJsonElement(ffi { native.call(method, params.toString()) })

    /** `tasks/send`: the A2A `Task` the agent answers with. */
    public suspend fun sendTask(params: JsonObject): JsonObject = call("tasks/send", params).jsonObject

    /** `tasks/get`. */
    public suspend fun getTask(params: JsonObject): JsonObject = call("tasks/get", params).jsonObject

    /** `tasks/cancel`. */
    public suspend fun cancelTask(params: JsonObject): JsonObject = call("tasks/cancel", params).jsonObject

    /** [preflight], blocking (Java). */
    public fun preflightBlocking(): VerifiedGrant = runBlocking { preflight() }

    /** [call], blocking (Java). */
    public fun callBlocking(method: String, params: JsonElement): JsonElement = runBlocking { call(method, params) }

    /** [sendTask], blocking (Java). */
    public fun sendTaskBlocking(params: JsonObject): JsonObject = runBlocking { sendTask(params) }

    override fun close() {
        native.close()
    }
}

/** A refused A2A request: what to answer. */
public data class A2ARejection(
    /** 401 (no usable or valid token), 403 (valid, not allowed) or 503 (could not check). */
    val status: Int,
    /** Stable: `missing_token`, `invalid_authorization_header`, `delegation_not_allowed`,
     * `revocation_unavailable`, or a token error code (`expired`, `missing_scopes`, ...). */
    val reason: String,
    val message: String,
    /** The whole JSON-RPC error response (with the request's `id`). */
    val body: String,
    /** The `WWW-Authenticate` header (401 and 403). */
    val wwwAuthenticate: String?,
)

/** The guard's decision for one request: the verified grant, or the rejection to send. */
public data class A2ADecision(val grant: VerifiedGrant?, val rejection: A2ARejection?) {
    public val allowed: Boolean get() = grant != null
}

/**
 * Checks incoming A2A requests' grant tokens (the core's guard, as in every SDK): any JVM HTTP
 * server passes the `Authorization` header and the raw body to [check] and either serves the
 * request with the verified grant or answers with [A2ARejection.status], [A2ARejection.body] and
 * [A2ARejection.wwwAuthenticate].
 */
public class A2AGuard @JvmOverloads constructor(
    /** The issuer's key set: a URI (published in the card) or a document. */
    jwksUri: String? = null,
    jwksJson: String? = null,
    issuer: String? = null,
    /** When set, the token's `aud` must contain it. */
    audience: String? = null,
    /** Scopes for every method without its own entry in [methodScopes]. */
    requiredScopes: List<String> = emptyList(),
    /** Scopes per JSON-RPC method. */
    methodScopes: Map<String, List<String>> = emptyMap(),
    /** Accept tokens a parent agent delegated. */
    allowDelegation: Boolean = false,
    /** With delegation: refuse tokens delegated more hops than this. */
    maxDelegationDepth: Int? = null,
    clockTolerance: Long = 0,
    /** Accept only grants issued for this developer. */
    expectedDeveloperId: String? = null,
    /** Accept sandbox tokens; default: `GRANTEX_ALLOW_SANDBOX_TOKENS=1` decides. */
    allowSandbox: Boolean? = null,
    /** Check revocation online with this Grantex server and API key. */
    revocationBaseUrl: String? = null,
    revocationApiKey: String? = null,
    /** Seconds an "active" answer is reused (0 to 300). */
    revocationCacheTtl: Long = 300,
) : AutoCloseable {
    private val native: NativeA2aGuard = ffi {
        NativeA2aGuard(
            A2aPolicySettings(
                jwksUri = jwksUri,
                jwksJson = jwksJson,
                issuer = issuer,
                audience = audience,
                requiredScopes = requiredScopes,
                methodScopes = methodScopes,
                allowDelegation = allowDelegation,
                maxDelegationDepth = maxDelegationDepth?.toLong(),
                clockTolerance = clockTolerance,
                expectedDeveloperId = expectedDeveloperId,
                allowSandbox = allowSandbox,
                revocationBaseUrl = revocationBaseUrl,
                revocationApiKey = revocationApiKey,
                revocationCacheTtl = revocationCacheTtl,
            ),
        )
    }

    /** The issuer tokens must come from. */
    public val issuer: String? get() = native.issuer()

    /** The Grantex bearer scheme to publish in this agent's card (none with a static JWKS). */
    public val authScheme: JsonObject? get() = native.authSchemeJson()?.let { Json.parseToJsonElement(it).jsonObject }

    /** Checks one request: the raw `Authorization` header (null when absent) and the raw body. */
    public suspend fun check(authorization: String?, body: ByteArray): A2ADecision = ffi {
        native.check(authorization, body)
    }.let { d ->
        A2ADecision(
            d.grant?.toGrant(),
            d.rejection?.let { A2ARejection(it.status, it.reason, it.message, it.bodyJson, it.wwwAuthenticate) },
        )
    }

    /** [check], blocking (Java, servlet threads). */
    public fun checkBlocking(authorization: String?, body: ByteArray): A2ADecision = runBlocking { check(authorization, body) }

    override fun close() {
        native.close()
    }
}
