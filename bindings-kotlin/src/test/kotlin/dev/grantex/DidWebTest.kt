package dev.grantex

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.net.URI

/**
 * A did:web issuer (issue 13) against the real server, which stands in for the DID's host:
 * `did:web:localhost%3A<port>` resolves to `http://localhost:<port>` only in the explicit
 * development mode, `GRANTEX_DID_WEB_ALLOW_LOCALHOST=1`. A JVM cannot set its own environment,
 * so Maven runs this class alone in a second surefire execution with the variable set (pom.xml,
 * `did-web-development-mode`); the other classes run without it.
 */
class DidWebTest {
    private val server = TestServer.info

    @Test
    fun `issuerDid reads the keys at the DID's location`(): Unit = runBlocking {
        assertEquals("1", System.getenv("GRANTEX_DID_WEB_ALLOW_LOCALHOST"), "run by the did-web surefire execution")
        val account = Grantex.signup(SignupParams(name = "kotlin-did-web"), baseUrl = server.baseUrl)
        Grantex(apiKey = account.apiKey, baseUrl = server.baseUrl).use { grantex ->
            val agent = grantex.agents.register(RegisterAgentParams(name = "did-web", scopes = listOf("calendar:read")))
            val auth = grantex.authorize(AuthorizeParams(agentId = agent.agentId, principalId = "usr_did", scopes = listOf("calendar:read")))
            val code = grantex.consent.approve(auth.authRequestId).code
            val token = grantex.tokens.exchange(ExchangeTokenParams(code = code, agentId = agent.agentId)).grantToken
            val issuer = verifyGrantToken(token, VerifyGrantTokenOptions(jwksUri = grantex.jwksUri)).issuer
            val did = "did:web:localhost%3A${URI(server.baseUrl).port}"

            // No jwksUri: the DID names where the keys are; the issuer is this server's own URL.
            val g = verifyGrantToken(token, VerifyGrantTokenOptions(issuerDid = did, issuer = issuer))
            assertEquals(agent.did, g.agentDid)
            // A jwksUri elsewhere is not used: the DID is the trust anchor.
            val elsewhere = VerifyGrantTokenOptions(jwksUri = "http://127.0.0.1:9/.well-known/jwks.json", issuerDid = did, issuer = issuer)
            assertEquals(g, verifyGrantTokenBlocking(token, elsewhere))
            // Without an explicit issuer the DID's location is expected, which these tokens do not name.
            assertEquals("wrong_issuer", assertThrows<GrantexTokenException> { verifyGrantToken(token, VerifyGrantTokenOptions(issuerDid = did)) }.code)
            // A private host stays refused, development mode or not.
            assertThrows<GrantexConfigException> { verifyGrantToken(token, VerifyGrantTokenOptions(issuerDid = "did:web:printer.local")) }
        }
    }
}
