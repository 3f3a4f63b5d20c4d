package dev.grantex

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The reference SDKs' `current_authority` on the JVM, against the real server: the client's
 * online `grants.verify` is the authority, as the integration packages wire it; the comparison
 * is the core's.
 */
class CurrentAuthorityTest {
    private val server = TestServer.info
    private val aud = "https://calendar.example.com"

    @Test
    fun `the current authority is the server's online answer`(): Unit = runBlocking {
        val account = Grantex.signup(SignupParams(name = "kotlin-authority"), baseUrl = server.baseUrl)
        Grantex(apiKey = account.apiKey, baseUrl = server.baseUrl).use { grantex ->
            suspend fun token(principal: String): ExchangeTokenResponse {
                val agent = grantex.agents.register(RegisterAgentParams(name = "bound", scopes = listOf("calendar:read")))
                val auth = grantex.authorize(
                    AuthorizeParams(agentId = agent.agentId, principalId = principal, scopes = listOf("calendar:read"), audience = aud),
                )
                return grantex.tokens.exchange(ExchangeTokenParams(code = grantex.consent.approve(auth.authRequestId).code, agentId = agent.agentId))
            }
            val tok = token("usr_bound")
            val calls = mutableListOf<String>()
            val options = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri, audience = aud)
                .withCurrentAuthority { t: String -> calls += t; grantex.grants.verify(t) }
            val g = verifyGrantToken(tok.grantToken, options)
            assertEquals(tok.grantId, g.grantId)
            assertEquals(JsonPrimitive(aud), g.audience, "aud as the token has it (a string)")
            assertEquals(listOf(tok.grantToken), calls)
            // The blocking twins and a key set's verifier ask it too.
            assertEquals(g, verifyGrantTokenBlocking(tok.grantToken, options))
            JwksCache.remote(grantex.jwksUri).use { jwks ->
                val bare = options.copy(jwksUri = null)
                assertEquals(g, jwks.verify(tok.grantToken, bare))
                jwks.verifier(bare).use { v -> assertEquals(g, v.verifyBlocking(tok.grantToken)) }
            }
            // Java's form: a blocking CurrentAuthority.
            val java = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri, audience = aud)
                .withBlockingCurrentAuthority(CurrentAuthority { t -> grantex.grants.verifyBlocking(t) })
            assertEquals(g, verifyGrantTokenBlocking(tok.grantToken, java))

            // Another grant's answer, and a callback that throws (its exception is the cause).
            val other = token("usr_other")
            val mismatch = assertThrows<GrantexTokenException> {
                runBlocking { verifyGrantToken(tok.grantToken, options.withCurrentAuthority { grantex.grants.verify(other.grantToken) }) }
            }
            assertEquals("authority_mismatch", mismatch.code)
            assertTrue(mismatch.message!!.contains("does not match"), mismatch.message)
            // Revoked on the server: offline alone passes, the authority refuses.
            grantex.grants.revoke(tok.grantId)
            assertEquals(tok.grantId, verifyGrantToken(tok.grantToken, options.withCurrentAuthority(null)).grantId)
            val revoked = assertThrows<GrantexTokenException> { runBlocking { verifyGrantToken(tok.grantToken, options) } }
            assertEquals("authority_mismatch", revoked.code)
            assertTrue(revoked.message!!.endsWith("current grant authority could not be verified"), revoked.message)
            assertEquals("inactive", (revoked.cause as GrantexTokenException).code)
            // Without an audience the check cannot bind the grant: refused up front.
            val noAud = assertThrows<GrantexTokenException> {
                runBlocking { verifyGrantToken(other.grantToken, options.withAudience(null)) }
            }
            assertEquals("authority_mismatch", noAud.code)
            assertTrue(noAud.message!!.contains("audience"), noAud.message)
        }
    }
}
