package dev.grantex

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.time.Duration

/** Failures: one sealed hierarchy, the stable codes every SDK uses. */
class ErrorsTest {
    private val server = TestServer.info

    /** Exhaustive over the sealed hierarchy: a new subclass stops this compiling. */
    private fun kind(e: GrantexException): String = when (e) {
        is GrantexAuthException -> "auth"
        is GrantexApiException -> "api"
        is GrantexTokenException -> "token"
        is GrantexTimeoutException -> "timeout"
        is GrantexNetworkException -> "network"
        is GrantexConfigException -> "config"
        is GrantexInvalidArgumentException -> "invalid"
        is GrantexDecodeException -> "decode"
        is ManifestValidationException -> "manifest"
        is GrantexA2AException -> "a2a"
        is GrantexInternalException -> "internal"
    }

    @Test
    fun `API errors carry status, server code, request id, body and rate limit`(): Unit = runBlocking {
        TestServer.client().use { grantex ->
            val e = assertThrows<GrantexApiException> { grantex.agents.get("ag_does_not_exist") }
            assertEquals("api", kind(e))
            assertEquals("api_error", e.code)
            assertEquals(404, e.statusCode)
            assertNotNull(e.serverCode)
            assertNotNull(e.requestId)
            assertTrue(e.body is JsonObject, e.body.toString())
            assertNotNull(e.rateLimit)
            assertNotNull(grantex.lastRateLimit)
            assertTrue(e.message!!.contains("404"), e.message)
        }
        Grantex("gx_wrong_key", server.baseUrl).use { grantex ->
            val e = assertThrows<GrantexAuthException> { grantex.agents.list() }
            assertEquals("auth_error", e.code)
            assertEquals(401, e.statusCode)
            assertTrue(e is GrantexApiException)
        }
    }

    @Test
    fun `bad input is refused before anything is sent`(): Unit = runBlocking {
        TestServer.client().use { grantex ->
            val unknown = assertThrows<GrantexInvalidArgumentException> {
                grantex.call("agents.register", buildJsonObject { put("name", "x"); put("resourceServers", JsonPrimitive("a")) })
            }
            assertEquals("invalid_argument", unknown.code)
            assertTrue(unknown.message!!.contains("resourceServers"), unknown.message)
            assertEquals("invalid_argument", assertThrows<GrantexInvalidArgumentException> { grantex.call("agents.nope") }.code)
            assertThrows<GrantexInvalidArgumentException> { grantex.callBlocking("agents.register", buildJsonObject { put("name", 7) }) }
            val signup = assertThrows<GrantexInvalidArgumentException> { grantex.call("signup", buildJsonObject { put("name", "x") }) }
            assertTrue(signup.message!!.contains("needs no API key"), signup.message)
        }
    }

    @Test
    fun `configuration errors`() {
        assertEquals("config_error", assertThrows<GrantexConfigException> { Grantex("k", "ftp://nope") }.code)
        assertEquals("invalid_argument", assertThrows<GrantexInvalidArgumentException> { Grantex("k", server.baseUrl, maxRetries = 1000) }.code)
        assertThrows<GrantexInvalidArgumentException> { Grantex("k", server.baseUrl, timeout = Duration.ZERO) }
        val noSource = assertThrows<GrantexConfigException> { verifyGrantTokenBlocking("a.b.c", VerifyGrantTokenOptions()) }
        assertTrue(noSource.message!!.contains("JWKS URI") && noSource.message!!.contains("issuer_did"), noSource.message)
        assertThrows<GrantexConfigException> {
            verifyGrantTokenBlocking("a.b.c", VerifyGrantTokenOptions(jwksUri = server.jwksUri, clockTolerance = 3601))
        }
        JwksCache.remote(server.jwksUri).use { cache ->
            assertThrows<GrantexConfigException> { cache.maxAgeSeconds = 0.0 }
            cache.maxAgeSeconds = 60.0
            assertEquals(60.0, cache.maxAgeSeconds)
            assertThrows<GrantexConfigException> { cache.verifyBlocking("a.b.c", VerifyGrantTokenOptions(jwksUri = server.jwksUri)) }
        }
        assertEquals("invalid_jwks", assertThrows<GrantexTokenException> { JwksCache.fromJson("{\"keys\": 1}") }.code)
    }

    @Test
    fun `network failures, timeouts and closed clients`(): Unit = runBlocking {
        val dead = deadUrl()
        Grantex("k", dead, maxRetries = 0).use { grantex ->
            val e = assertThrows<GrantexNetworkException> { grantex.me() }
            assertEquals("network", kind(e))
            assertEquals("network_error", e.code)
            assertNotNull(e.cause, "the native error chain")
        }
        val token = TestServer.vectors("token-vectors.json")["cases"].let { (it as kotlinx.serialization.json.JsonArray)[0] as JsonObject }["token"]!!
        val unreachable = assertThrows<GrantexTokenException> {
            verifyGrantToken((token as JsonPrimitive).content, VerifyGrantTokenOptions(jwksUri = "$dead/.well-known/jwks.json"))
        }
        assertEquals("jwks_fetch", unreachable.code)
        HangingServer().use { hanging ->
            Grantex("k", hanging.url, timeout = Duration.ofMillis(300), maxRetries = 0).use { grantex ->
                val t = assertThrows<GrantexTimeoutException> { grantex.me() }
                assertEquals("timeout", t.code)
                assertTrue(t is GrantexNetworkException)
            }
        }
        val closed = TestServer.client()
        closed.close()
        closed.close()
        assertThrows<IllegalStateException> { closed.me() }
        assertThrows<IllegalStateException> { closed.meBlocking() }
    }

    @Test
    fun `token error codes are the core's list`() {
        assertEquals(31, TOKEN_ERROR_CODES.size)
        assertEquals("malformed", TOKEN_ERROR_CODES.first())
        assertTrue("sandbox_token" in TOKEN_ERROR_CODES)
        val e = assertThrows<GrantexTokenException> {
            JwksCache.fromJson(TestServer.vectors("jwks.json").toString()).use { it.verifyCached("not-a-token", VerifyGrantTokenOptions(issuer = "https://x")) }
        }
        assertEquals("token", kind(e))
        assertEquals("malformed", e.code)
        assertFalse(e.message!!.contains("not-a-token"))
    }
}
