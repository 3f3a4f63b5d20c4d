@file:JvmName("GrantexFunctions")

package dev.grantex

import dev.grantex.ffi.checkVerifyOption
import dev.grantex.ffi.generatePkce as nativePkce
import dev.grantex.ffi.tokenErrorCodes
import dev.grantex.ffi.verifyAuditChain as nativeAuditChain
import dev.grantex.ffi.verifyGrantToken as nativeVerify
import dev.grantex.ffi.verifyGrantTokenBlocking as nativeVerifyBlocking
import dev.grantex.ffi.verifyWebhook as nativeWebhook
import dev.grantex.ffi.verifyWebhookSignature as nativeWebhookV1
import kotlinx.serialization.json.JsonArray

/** Every stable token error code, in the core's order (`malformed`, ..., `sandbox_token`). */
public val TOKEN_ERROR_CODES: List<String> by lazy { ffi { tokenErrorCodes() } }

/**
 * Verifies a grant token offline (strict RS256) against [VerifyGrantTokenOptions.jwks] or the
 * key set at [VerifyGrantTokenOptions.jwksUri]. A refusal is a [GrantexTokenException] whose
 * `code` says why.
 */
public suspend fun verifyGrantToken(token: String, options: VerifyGrantTokenOptions): VerifiedGrant =
    options.checkAuthority(token, ffi { nativeVerify(token, options.jwks?.native, options.jwksUri, options.native()).toGrant() })

/** [verifyGrantToken], blocking only when the key set must be fetched (or the current authority asked). */
public fun verifyGrantTokenBlocking(token: String, options: VerifyGrantTokenOptions): VerifiedGrant =
    options.checkAuthorityBlocking(
        token,
        ffi { nativeVerifyBlocking(token, options.jwks?.native, options.jwksUri, options.native()).toGrant() },
    )

/**
 * The core's rule for one of the reference SDKs' other verify options (either spelling):
 * throws [GrantexConfigException] when [value] asks for what this verifier does not do.
 */
public fun checkReferenceVerifyOption(name: String, value: Any?): Unit =
    ffi { checkVerifyOption(name, Wire.toJson(value).toString()) }

/** The issuer expected for a JWKS URI when none is given. */
public fun deriveIssuer(jwksUri: String): String = dev.grantex.ffi.deriveIssuer(jwksUri)

/** A new EC P-256 private key as a JWK (JSON text): an agent's DPoP key (RFC 9449). Keep it secret. */
public fun generateDpopJwk(): String = ffi { dev.grantex.ffi.generateDpopJwk() }

/** The public half of [jwk] (JSON text): register it as the agent's `publicJwk`. */
public fun dpopPublicJwk(jwk: String): String = ffi { dev.grantex.ffi.dpopPublicJwk(jwk) }

/** The RFC 7638 SHA-256 thumbprint of [jwk] (public or private): the `cnf.jkt` of tokens bound to it. */
public fun jwkThumbprint(jwk: String): String = ffi { dev.grantex.ffi.jwkThumbprint(jwk) }

/**
 * A DPoP proof (ES256, fresh `jti` and `iat`) for a [method] request to [url] (its query and
 * fragment are left out), bound to [accessToken] (`ath`) when given: send it as the `DPoP`
 * header. A resource server checks it with [VerifyGrantTokenOptions.withDpop].
 */
public fun createDpopProof(privateJwk: String, method: String, url: String, accessToken: String? = null): String =
    ffi { dev.grantex.ffi.createDpopProof(privateJwk, method, url, accessToken) }

/** A PKCE verifier with its S256 challenge (RFC 7636). */
public data class PkceChallenge(
    /** 43 base64url characters; secret until the code exchange. */
    val codeVerifier: String,
    /** `base64url(SHA-256(codeVerifier))`: goes to `authorize`. */
    val codeChallenge: String,
    /** Always `S256`. */
    val codeChallengeMethod: String,
) {
    override fun toString(): String =
        "PkceChallenge(codeVerifier=[redacted], codeChallenge=$codeChallenge, codeChallengeMethod=$codeChallengeMethod)"
}

/** A fresh PKCE pair: the challenge goes to `authorize`, the verifier to `tokens.exchange`. */
public fun generatePkce(): PkceChallenge = ffi { nativePkce() }.let {
    PkceChallenge(it.codeVerifier, it.codeChallenge, it.codeChallengeMethod)
}

/**
 * Checks a timestamped webhook (`X-Grantex-Signature-V2`, `X-Grantex-Timestamp`): the MAC must
 * match and the timestamp be within [toleranceSeconds] of [now] (Unix seconds; default: the
 * clock). A malformed signature or timestamp gives `false`.
 */
@JvmOverloads
public fun verifyWebhook(
    payload: ByteArray,
    signature: String,
    timestamp: String,
    secret: String,
    toleranceSeconds: Long = 300,
    now: Long? = null,
): Boolean = ffi { nativeWebhook(payload, signature, timestamp, secret, toleranceSeconds, now) }

/** [verifyWebhook] for a text body (its UTF-8 bytes). */
@JvmOverloads
public fun verifyWebhook(
    payload: String,
    signature: String,
    timestamp: String,
    secret: String,
    toleranceSeconds: Long = 300,
    now: Long? = null,
): Boolean = verifyWebhook(payload.toByteArray(Charsets.UTF_8), signature, timestamp, secret, toleranceSeconds, now)

/** The deprecated v1 check (no timestamp: a captured delivery can be replayed); prefer [verifyWebhook]. */
@Deprecated("Replayable: prefer verifyWebhook")
public fun verifyWebhookSignature(payload: ByteArray, signature: String, secret: String): Boolean =
    nativeWebhookV1(payload, signature, secret)

/** The outcome of [verifyAuditChain]. */
public data class AuditChainReport(
    val valid: Boolean,
    /** Entries examined, including the first broken one. */
    val checkedEntries: Int,
    /** `entryId` of the first broken entry. */
    val firstBrokenAt: String?,
    /** `link` (an entry removed, inserted or reordered) or `content` (an entry altered). */
    val reason: String?,
)

/** Checks the hash chain of audit entries, oldest first (the first may follow any `prevHash`). */
public fun verifyAuditChain(entries: List<AuditEntry>): AuditChainReport {
    val json = JsonArray(entries.map { it.toJson() }).toString()
    val r = ffi { nativeAuditChain(json) }
    return AuditChainReport(r.valid, r.checkedEntries.toInt(), r.firstBrokenAt, r.reason)
}

/** [verifyAuditChain] over `audit.list()`'s answer. */
public fun verifyAuditChain(list: AuditList): AuditChainReport = verifyAuditChain(list.entries)
