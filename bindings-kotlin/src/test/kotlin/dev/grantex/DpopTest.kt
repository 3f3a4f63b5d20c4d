package dev.grantex

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.math.BigInteger
import java.security.AlgorithmParameters
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.security.spec.ECParameterSpec
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import java.util.Base64

/**
 * DPoP (RFC 9449) against the real server: an agent registered with the public half of its key
 * gets tokens bound to it (`cnf.jkt`), and [VerifyGrantTokenOptions.withDpop] checks proofs made
 * with that key; the JDK's own ECDSA checks a proof independently.
 */
class DpopTest {
    private val server = TestServer.info
    private fun b64(s: String): ByteArray = Base64.getUrlDecoder().decode(s)
    private fun segment(token: String, i: Int): JsonObject =
        Json.parseToJsonElement(String(b64(token.split(".")[i]))).jsonObject

    @Test
    fun `a registered agent key binds tokens to DPoP proofs`(): Unit = runBlocking {
        val account = Grantex.signup(SignupParams(name = "kotlin-dpop"), baseUrl = server.baseUrl)
        Grantex(apiKey = account.apiKey, baseUrl = server.baseUrl).use { grantex ->
            val key = generateDpopJwk()
            val public = Json.parseToJsonElement(dpopPublicJwk(key))
            assertNull(public.jsonObject["d"])
            val agent = grantex.agents.register(
                RegisterAgentParams(name = "dpop-agent", scopes = listOf("calendar:read"), publicJwk = public),
            )
            val auth = grantex.authorize(AuthorizeParams(agentId = agent.agentId, principalId = "usr_kt", scopes = listOf("calendar:read")))
            val code = grantex.consent.approve(auth.authRequestId).code
            val token = grantex.tokens.exchange(ExchangeTokenParams(code = code, agentId = agent.agentId)).grantToken
            val jkt = jwkThumbprint(key)
            assertEquals(jkt, jwkThumbprint(public.toString()))
            assertEquals(JsonPrimitive(jkt), segment(token, 1)["cnf"]!!.jsonObject["jkt"])

            val url = "https://tools.example.com/v1/calendar/events?week=1"
            val proof = createDpopProof(key, "GET", url, token)
            // The JDK verifies the ES256 signature with the key in the proof's header.
            val header = segment(proof, 0)
            assertEquals("dpop+jwt", header["typ"]!!.jsonPrimitive.content)
            val jwk = header["jwk"]!!.jsonObject
            val params = AlgorithmParameters.getInstance("EC").apply { init(ECGenParameterSpec("secp256r1")) }
            val point = ECPoint(
                BigInteger(1, b64(jwk["x"]!!.jsonPrimitive.content)),
                BigInteger(1, b64(jwk["y"]!!.jsonPrimitive.content)),
            )
            val pub = KeyFactory.getInstance("EC")
                .generatePublic(ECPublicKeySpec(point, params.getParameterSpec(ECParameterSpec::class.java)))
            val (h, b, sig) = proof.split(".")
            val verifier = Signature.getInstance("SHA256withECDSAinP1363Format").apply {
                initVerify(pub)
                update("$h.$b".toByteArray())
            }
            assertTrue(verifier.verify(b64(sig)))

            val base = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri).withReferenceOption("requireProofOfPossession", true)
            val g = verifyGrantToken(token, base.withDpop(proof, "GET", url))
            assertEquals(JsonPrimitive(jkt), (g.cnf as JsonObject)["jkt"])
            fun refused(p: String, method: String = "GET"): String =
                assertThrows<GrantexTokenException> { runBlocking { verifyGrantToken(token, base.withDpop(p, method, url)) } }.code
            assertEquals("invalid_proof", refused(proof), "a replay")
            assertEquals("invalid_proof", refused(createDpopProof(key, "GET", url, token), "POST"))
            assertEquals("invalid_proof", refused(createDpopProof(key, "GET", url, null)))
            assertEquals("proof_mismatch", refused(createDpopProof(generateDpopJwk(), "GET", url, token)))
            assertThrows<GrantexConfigException> {
                verifyGrantToken(token, base.withReferenceOption("dpop", mapOf("proof" to proof)))
            }
            assertThrows<GrantexInvalidArgumentException> { createDpopProof("""{"kty":"EC"}""", "GET", url) }
        }
    }
}
