package dev.grantex

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.security.MessageDigest
import java.util.Base64
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

class WebhookPkceTest {
    private fun sign(content: String, secret: String): String {
        val mac = Mac.getInstance("HmacSHA256")
        mac.init(SecretKeySpec(secret.toByteArray(), "HmacSHA256"))
        return "sha256=" + mac.doFinal(content.toByteArray()).joinToString("") { "%02x".format(it) }
    }

    @Test
    fun `webhook signatures`() {
        val payload = """{"type":"grant.revoked","id":"evt_1"}"""
        val ts = 1767225600L
        val sig = sign("$ts.$payload", "whsec")
        assertTrue(verifyWebhook(payload, sig, ts.toString(), "whsec", now = ts + 10))
        assertTrue(verifyWebhook(payload.toByteArray(), sig, ts.toString(), "whsec", 300, ts - 300))
        assertFalse(verifyWebhook(payload, sig, ts.toString(), "whsec", now = ts + 301), "replay outside the window")
        assertFalse(verifyWebhook(payload, sig, ts.toString(), "other", now = ts))
        assertFalse(verifyWebhook("$payload ", sig, ts.toString(), "whsec", now = ts))
        assertFalse(verifyWebhook(payload, "", "", "whsec", now = ts), "missing headers")
        assertFalse(verifyWebhook(payload, sig, "12a", "whsec", now = ts))
        assertTrue(verifyWebhook(payload, sig, ts.toString(), "whsec", toleranceSeconds = Long.MAX_VALUE))
        val e = org.junit.jupiter.api.assertThrows<GrantexInvalidArgumentException> { verifyWebhook(payload, sig, ts.toString(), "whsec", -1) }
        assertEquals("invalid_argument", e.code)
        @Suppress("DEPRECATION")
        assertTrue(verifyWebhookSignature(payload.toByteArray(), sign(payload, "whsec"), "whsec"))
    }

    @Test
    fun `pkce pairs are S256 and fresh`() {
        val a = generatePkce()
        val b = generatePkce()
        assertNotEquals(a.codeVerifier, b.codeVerifier)
        assertEquals(43, a.codeVerifier.length)
        val digest = MessageDigest.getInstance("SHA-256").digest(a.codeVerifier.toByteArray())
        assertEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(digest), a.codeChallenge)
        assertEquals("S256", a.codeChallengeMethod)
    }
}
