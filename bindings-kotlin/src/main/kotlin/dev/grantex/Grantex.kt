package dev.grantex

import dev.grantex.ffi.NativeClient
import dev.grantex.ffi.callUnauthenticated
import dev.grantex.ffi.callUnauthenticatedBlocking
import dev.grantex.ffi.operations
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import java.time.Duration

/** Rate-limit headers of a response (`X-RateLimit-Limit/-Remaining/-Reset`, `Retry-After`). */
public data class RateLimit(
    /** The request budget of the window. */
    val limit: Long,
    /** What is left of it. */
    val remaining: Long,
    /** Seconds until the window resets (as grantex-server sends it). */
    val reset: Long,
    /** `Retry-After` in seconds (429 answers carry it). */
    val retryAfter: Long?,
)

/** How the generated operations reach the native client (see `Operations.kt`). */
internal interface Transport {
    suspend fun call(operation: String, input: JsonObject): JsonElement

    fun callBlocking(operation: String, input: JsonObject): JsonElement
}

private fun parse(json: String): JsonElement = Json.parseToJsonElement(json)

private class NativeTransport(private val native: NativeClient) : Transport {
    override suspend fun call(operation: String, input: JsonObject): JsonElement =
        ffi { parse(native.call(operation, input.toString())) }

    override fun callBlocking(operation: String, input: JsonObject): JsonElement =
        ffi { parse(native.callBlocking(operation, input.toString())) }
}

/** The operations that need no API key (`signup`). */
internal object Unauthenticated {
    suspend fun call(operation: String, input: JsonObject, baseUrl: String?): JsonElement =
        ffi { parse(callUnauthenticated(baseUrl, operation, input.toString())) }

    fun callBlocking(operation: String, input: JsonObject, baseUrl: String?): JsonElement =
        ffi { parse(callUnauthenticatedBlocking(baseUrl, operation, input.toString())) }
}

/**
 * The Grantex API client: one native client with one connection pool, thread-safe; share it
 * and [close] it when done. Namespaces and methods follow the TypeScript SDK
 * (`grantex.agents.register(...)`, `grantex.tokens.exchange(...)`); every network call is a
 * `suspend` function with a blocking twin (`registerBlocking`) for Java. Failures are
 * [GrantexException]s.
 *
 * ```kotlin
 * Grantex(apiKey = "gx_...", baseUrl = "http://127.0.0.1:8080").use { grantex ->
 *     val agent = grantex.agents.register(RegisterAgentParams(name = "travel-assistant"))
 * }
 * ```
 *
 * @param apiKey the developer API key; `null` reads `GRANTEX_API_KEY` (missing: [GrantexConfigException]).
 * @param baseUrl `null` reads `GRANTEX_BASE_URL`, else `https://api.grantex.dev`.
 * @param timeout per attempt (default 30 s; more than 0, at most a day).
 * @param maxRetries retries for 429/502/503/504 and network failures (0 to 100, default 3).
 */
public class Grantex private constructor(private val native: NativeClient) :
    GrantexOperations(NativeTransport(native)), AutoCloseable {

    @JvmOverloads
    public constructor(
        apiKey: String? = null,
        baseUrl: String? = null,
        timeout: Duration? = null,
        maxRetries: Int? = null,
    ) : this(open(apiKey, baseUrl, timeout, maxRetries))

    /** The native client, shared with an [Enforcer]. */
    internal val nativeClient: NativeClient get() = native

    /** The normalised base URL (no trailing `/`). */
    public val baseUrl: String get() = native.baseUrl()

    /** `{baseUrl}/.well-known/jwks.json`, for [verifyGrantToken]. */
    public val jwksUri: String get() = native.jwksUri()

    /** Rate-limit headers of the last response; `null` before any, or when it had none. */
    public val lastRateLimit: RateLimit?
        get() = native.lastRateLimit()?.let { RateLimit(it.limit, it.remaining, it.reset, it.retryAfter) }

    private val transport = NativeTransport(native)

    /**
     * Runs any operation of the core's catalog by name (`"agents.get"`) with the members of
     * `input` (path parameters and body or query members under their wire names). The core
     * checks the input before anything is sent. The result is the answer's JSON (`JsonNull`
     * for none). The typed methods call this.
     */
    @JvmOverloads
    public suspend fun call(operation: String, input: JsonObject = Wire.EMPTY): JsonElement =
        transport.call(operation, input)

    /** [call], blocking the calling thread. */
    @JvmOverloads
    public fun callBlocking(operation: String, input: JsonObject = Wire.EMPTY): JsonElement =
        transport.callBlocking(operation, input)

    /**
     * Frees the native client. Calls in flight finish first; a call after [close] throws
     * `IllegalStateException`. Closing twice is harmless.
     */
    override fun close() {
        native.close()
    }

    override fun toString(): String = "Grantex(baseUrl=$baseUrl)"

    /** The operations that need no API key: `Grantex.signup(params, baseUrl)`. */
    public companion object : GrantexUnauthenticatedOperations() {
        /** The native library's catalog, checked once against the generated layer. */
        private val catalogChecked: Unit by lazy {
            val native = ffi { operations() }.map { it.name }
            check(native == GENERATED_OPERATIONS) {
                "the native library's operations $native differ from the Kotlin layer's $GENERATED_OPERATIONS: " +
                    "rebuild bindings-kotlin"
            }
        }

        private fun open(apiKey: String?, baseUrl: String?, timeout: Duration?, maxRetries: Int?): NativeClient {
            catalogChecked
            return ffi {
                NativeClient(
                    apiKey,
                    baseUrl,
                    timeout?.let { it.seconds * 1000.0 + it.nano / 1_000_000.0 },
                    maxRetries?.toDouble(),
                )
            }
        }
    }
}
