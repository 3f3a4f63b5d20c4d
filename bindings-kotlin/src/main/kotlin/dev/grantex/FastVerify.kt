package dev.grantex

import com.sun.jna.Memory
import com.sun.jna.Native
import com.sun.jna.Pointer
import java.nio.ByteBuffer
import java.nio.ByteOrder
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive

/**
 * The hot path of [GrantVerifier]: one plain native call (JNA direct mapping, the token and the
 * answer in a per-thread native buffer) instead of uniffi's by-value buffers and call-status
 * structures, which cost more than the RSA check itself. The verification is the core's, with
 * the verifier's bound options (`bindings-uniffi/src/fast.rs`); any answer but a verified
 * grant (a refused token, a closed verifier) returns `null`, and the caller makes the regular
 * call, which throws the right exception.
 */
internal object FastVerify {
    private val available: Boolean = try {
        // The library uniffi loaded (JNA keeps one instance per name).
        dev.grantex.ffi.deriveIssuer("https://grantex.invalid/.well-known/jwks.json")
        Native.register(
            FastVerify::class.java,
            System.getProperty("uniffi.component.grantex.libraryOverride") ?: "grantex_uniffi",
        )
        true
    } catch (e: Throwable) {
        false
    }

    external fun grantex_jvm_verify_cached(id: Long, mode: Int, buf: Pointer, tokenLen: Int, cap: Int): Int

    /** Longest token the core accepts (`grantex::verify::MAX_TOKEN_LEN`). */
    private const val MAX_TOKEN = 16 * 1024
    private const val CAP = 96 * 1024
    private val buffers: ThreadLocal<Memory> = ThreadLocal.withInitial { Memory(CAP.toLong()) }

    /**
     * The grant, or `null` for "make the regular call". [loadedOnly]: the keys already loaded,
     * whatever their age (`verifyCached`); else only keys the regular `verify` would use without
     * a fetch (a set past its max age goes to the regular call, which refreshes it).
     */
    fun verify(id: Long, token: String, loadedOnly: Boolean): VerifiedGrant? {
        if (!available) return null
        val bytes = token.toByteArray(Charsets.UTF_8)
        if (bytes.size > MAX_TOKEN) return null
        val mem = buffers.get()
        mem.write(0, bytes, 0, bytes.size)
        val n = grantex_jvm_verify_cached(id, if (loadedOnly) 0 else 1, mem, bytes.size, CAP)
        if (n < 0) return null
        return decode(ByteBuffer.wrap(mem.getByteArray(0, n)).order(ByteOrder.LITTLE_ENDIAN))
    }

    /** The layout `bindings-uniffi/src/fast.rs` (`encode`) writes. */
    private fun decode(b: ByteBuffer): VerifiedGrant {
        fun str(): String {
            val len = b.int
            val s = String(b.array(), b.position(), len, Charsets.UTF_8)
            b.position(b.position() + len)
            return s
        }
        fun opt(): String? = if (b.get().toInt() == 1) str() else null
        fun list(): List<String> = List(b.int) { str() }
        val tokenId = str()
        val grantId = str()
        val principalId = str()
        val agentDid = str()
        val developerId = str()
        val scopes = list()
        val issuedAt = b.long
        val expiresAt = b.long
        val parentAgentDid = opt()
        val parentGrantId = opt()
        val depth = if (b.get().toInt() == 1) b.long else null
        val audKind = b.get().toInt()
        val audiences = list()
        val audience = when (audKind) {
            2 -> JsonArray(audiences.map { JsonPrimitive(it) })
            1 -> JsonPrimitive(audiences[0])
            else -> null
        }
        val issuer = str()
        val budget = if (b.get().toInt() == 1) Double.fromBits(b.long) else null
        val clientId = opt()
        val legacy = list()
        val raw = opt()?.let { Json.parseToJsonElement(it) as JsonObject }
        return VerifiedGrant(
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
            delegationDepth = depth,
            audience = audience,
            clientId = clientId,
            legacyClaimsUsed = legacy,
            issuer = issuer,
            budget = budget,
            cnf = raw?.get("cnf"),
            act = raw?.get("act"),
            authorizationDetails = raw?.get("authorizationDetails"),
            webauthnEvidence = raw?.get("webauthnEvidence")?.let { WebAuthnGrantEvidence.fromJson(it) },
        )
    }
}
