package dev.grantex

import dev.grantex.ffi.FfiException
import dev.grantex.ffi.InternalException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonPrimitive

/**
 * Every failure of the SDK. [code] is the stable string every Grantex SDK uses: `api_error`,
 * `auth_error`, `network_error`, `timeout`, `config_error`, `invalid_argument`,
 * `decode_error`, or, for a refused grant token, its reason (`expired`, `bad_signature`, ...:
 * [TOKEN_ERROR_CODES]). `when` over the subclasses is exhaustive.
 */
public sealed class GrantexException(message: String, cause: Throwable? = null) :
    RuntimeException(message, cause) {
    /** The stable machine-readable code. */
    public abstract val code: String
}

/** A non-2xx answer of the API (after retries), other than 401/403. */
public open class GrantexApiException(
    message: String,
    /** The HTTP status. */
    public val statusCode: Int,
    /** The server's error code (`NOT_FOUND`), if it sent one. */
    public val serverCode: String?,
    /** The `x-request-id` of the answer. */
    public val requestId: String?,
    /** The body: parsed JSON, else the text as a JSON string, else `JsonNull`. */
    public val body: JsonElement,
    /** The failing response's rate-limit headers, when it had all three. */
    public val rateLimit: RateLimit?,
) : GrantexException(message) {
    override val code: String get() = "api_error"
}

/** 401 or 403: a missing, wrong or rotated API key, or a forbidden call. */
public class GrantexAuthException(
    message: String,
    statusCode: Int,
    serverCode: String?,
    requestId: String?,
    body: JsonElement,
    rateLimit: RateLimit?,
) : GrantexApiException(message, statusCode, serverCode, requestId, body, rateLimit) {
    override val code: String get() = "auth_error"
}

/** A grant token (or key set) refused offline, or found revoked/inactive online. */
public class GrantexTokenException @JvmOverloads constructor(
    message: String,
    override val code: String,
    cause: Throwable? = null,
) : GrantexException(message, cause)

/** The request got no usable answer (connection refused, reset, DNS, TLS). */
public open class GrantexNetworkException(message: String, cause: Throwable? = null) :
    GrantexException(message, cause) {
    override val code: String get() = "network_error"
}

/** No answer within the client's timeout (per attempt, after the retries). */
public class GrantexTimeoutException(message: String) : GrantexNetworkException(message) {
    override val code: String get() = "timeout"
}

/** Invalid configuration: no API key, a bad base URL or JWKS URI, a refused verify option. */
public class GrantexConfigException(message: String) : GrantexException(message) {
    override val code: String get() = "config_error"
}

/** An invalid argument (an unknown member, a value of the wrong type); nothing was sent. */
public class GrantexInvalidArgumentException(message: String) : GrantexException(message) {
    override val code: String get() = "invalid_argument"
}

/** A successful answer without the expected shape. */
public class GrantexDecodeException(
    message: String,
    /** The HTTP status of the answer (0 when decoded by this layer). */
    public val statusCode: Int,
    public val requestId: String?,
) : GrantexException(message) {
    override val code: String get() = "decode_error"
}

/** A tool manifest does not conform to manifest schema 0.6; the message names the path. */
public class ManifestValidationException(message: String) : GrantexException(message) {
    override val code: String get() = "manifest_invalid"
}

/**
 * The A2A bridge failed: [code] is `a2a_preflight` (our own grant token failed the offline check
 * before anything was sent; [reason] is its token error code), `a2a_rpc_error` (the remote agent
 * refused: [rpcError] is its JSON-RPC error, [reason] its `data.reason` such as `expired`),
 * `a2a_http_error`, `a2a_card_error` or `a2a_protocol_error`.
 */
public class GrantexA2AException(
    message: String,
    override val code: String,
    /** The finer reason, when there is one. */
    public val reason: String?,
    /** The HTTP status the remote agent answered with, if it answered. */
    public val status: Int?,
    /** The remote agent's JSON-RPC error object. */
    public val rpcError: JsonElement?,
) : GrantexException(message)

/** A failure inside the native library (a bug: please report it), or a kind added later. */
public class GrantexInternalException(message: String, override val code: String) : GrantexException(message)

/** The underlying error chain of a network failure, as text. */
public class NativeCause(message: String) : RuntimeException(message)

private fun body(json: String): JsonElement =
    try {
        Json.parseToJsonElement(json)
    } catch (e: Exception) {
        if (json.isEmpty()) JsonNull else JsonPrimitive(json)
    }

private fun com(r: dev.grantex.ffi.RateLimit?): RateLimit? = r?.let { RateLimit(it.limit, it.remaining, it.reset, it.retryAfter) }

/** The one place where a native failure becomes a [GrantexException]. */
internal fun FfiException.toGrantex(): GrantexException = when (this) {
    is FfiException.Api -> GrantexApiException(detail, status, serverCode, requestId, body(bodyJson), com(rateLimit))
    is FfiException.Auth -> GrantexAuthException(detail, status, serverCode, requestId, body(bodyJson), com(rateLimit))
    is FfiException.Token -> GrantexTokenException(detail, code)
    is FfiException.Network -> GrantexNetworkException(detail, sourceChain?.let { NativeCause(it) })
    is FfiException.Timeout -> GrantexTimeoutException(detail)
    is FfiException.Config -> GrantexConfigException(detail)
    is FfiException.InvalidArgument -> GrantexInvalidArgumentException(detail)
    is FfiException.Decode -> GrantexDecodeException(detail, status, requestId)
    is FfiException.A2a -> GrantexA2AException(detail, code, reason, status, rpcErrorJson?.let { body(it) })
    is FfiException.Other ->
        if (code == "manifest_invalid") ManifestValidationException(detail) else GrantexInternalException(detail, code)
}

/** Runs a native call, turning its failures into [GrantexException]s (cancellation passes). */
internal inline fun <T> ffi(block: () -> T): T =
    try {
        block()
    } catch (e: FfiException) {
        throw e.toGrantex()
    } catch (e: InternalException) {
        throw GrantexInternalException("grantex native library: ${e.message}", "panic")
    }
