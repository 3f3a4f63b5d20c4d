package dev.grantex

import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Test
import java.math.BigInteger
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.RSAPublicKeySpec
import java.util.Base64

/**
 * Offline verification through uniffi against the RSA floor measured in the same JVM with
 * `java.security.Signature` (SHA256withRSA over the same signing input, same key). Not a test:
 * surefire's default includes skip it; `mvn -Pbench verify` runs only this (see README.md).
 * Timed loops, best of several rounds (the machine is shared: the best round is the least
 * disturbed one).
 */
class VerifyBenchmark {
    private fun bestNsPerOp(rounds: Int, n: Int, op: () -> Unit): Double {
        var best = Double.MAX_VALUE
        repeat(rounds) {
            val t0 = System.nanoTime()
            repeat(n) { op() }
            best = minOf(best, (System.nanoTime() - t0).toDouble() / n)
        }
        return best
    }

    @Test
    fun `uniffi offline verification vs the java_security RSA floor`() {
        val vec = TestServer.vectors("token-vectors.json")
        val case = vec["cases"]!!.jsonArray.map { it.jsonObject }.first { it["name"]!!.jsonPrimitive.content == "valid_legacy_realistic" }
        val token = case["token"]!!.jsonPrimitive.content
        val o = case["options"]?.jsonObject ?: JsonObject(emptyMap())
        val options = VerifyGrantTokenOptions(
            issuer = o["issuer"]?.jsonPrimitive?.content ?: vec["issuer"]!!.jsonPrimitive.content,
            audience = o["audience"]?.jsonPrimitive?.content,
            requiredScopes = o["requiredScopes"]?.jsonArray?.map { it.jsonPrimitive.content } ?: emptyList(),
            clockTolerance = o["clockTolerance"]?.jsonPrimitive?.content?.toLong() ?: 0,
            now = vec["now"]!!.jsonPrimitive.content.toLong(),
        )
        val jwks = vec["jwks"]!!.jsonObject

        // The floor: the token's key from the JWKS, SHA256withRSA over header.payload.
        val b64 = Base64.getUrlDecoder()
        val parts = token.split('.')
        val kid = kotlinx.serialization.json.Json.parseToJsonElement(String(b64.decode(parts[0]))).jsonObject["kid"]!!.jsonPrimitive.content
        val jwk = jwks["keys"]!!.jsonArray.map { it.jsonObject }.first { it["kid"]!!.jsonPrimitive.content == kid }
        val key = KeyFactory.getInstance("RSA").generatePublic(
            RSAPublicKeySpec(BigInteger(1, b64.decode(jwk["n"]!!.jsonPrimitive.content)), BigInteger(1, b64.decode(jwk["e"]!!.jsonPrimitive.content))),
        )
        val input = (parts[0] + "." + parts[1]).toByteArray()
        val sig = b64.decode(parts[2])
        val verifier = Signature.getInstance("SHA256withRSA")
        fun floor() {
            verifier.initVerify(key)
            verifier.update(input)
            check(verifier.verify(sig))
        }

        JwksCache.fromJson(jwks.toString()).use { cache ->
            val native = options.native()
            fun sdk() = check(cache.verifyCached(token, options).grantId.isNotEmpty())
            fun ffi() = check(cache.native.verifyCached(token, native).grantId.isNotEmpty())
            val bound = cache.verifier(options)
            fun bound() = check(bound.verifyCached(token).grantId.isNotEmpty())
            // Warm-up (JIT), then interleaved measurements.
            repeat(20_000) { floor(); sdk(); ffi(); bound() }
            val rounds = 7
            val n = 5_000
            var f = Double.MAX_VALUE
            var s = Double.MAX_VALUE
            var r = Double.MAX_VALUE
            var call = Double.MAX_VALUE
            var b = Double.MAX_VALUE
            repeat(3) {
                f = minOf(f, bestNsPerOp(rounds, n, ::floor))
                s = minOf(s, bestNsPerOp(rounds, n, ::sdk))
                r = minOf(r, bestNsPerOp(rounds, n, ::ffi))
                b = minOf(b, bestNsPerOp(rounds, n, ::bound))
                // The cost of a uniffi call alone: a string in, a string out.
                call = minOf(call, bestNsPerOp(rounds, n) { dev.grantex.ffi.deriveIssuer("https://a.example/.well-known/jwks.json") })
            }
            println("uniffi call overhead (deriveIssuer: one string in, one out): %.1f us/op".format(call / 1000))
            println("RSA floor (java.security.Signature SHA256withRSA, ${jwk["n"]!!.jsonPrimitive.content.length * 6 / 8 * 8} bit): %.1f us/op".format(f / 1000))
            println("uniffi JwksCache.verifyCached (dev.grantex, full result): %.1f us/op  ratio %.2fx".format(s / 1000, s / f))
            println("uniffi NativeJwksCache.verifyCached (dev.grantex.ffi):      %.1f us/op  ratio %.2fx".format(r / 1000, r / f))
            println("uniffi GrantVerifier.verifyCached (options bound once):   %.1f us/op  ratio %.2fx".format(b / 1000, b / f))
            bound.close()
            println("RESULT bound_us=%.2f bound_ratio=%.3f".format(b / 1000, b / f))
            println("RESULT floor_us=%.2f sdk_us=%.2f ffi_us=%.2f call_us=%.2f sdk_ratio=%.3f ffi_ratio=%.3f".format(f / 1000, s / 1000, r / 1000, call / 1000, s / f, r / f))
        }
    }
}
