package dev.grantex

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.put
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The whole product flow against the real server, through the `suspend` API. */
class FlowTest {
    private val server = TestServer.info

    @Test
    fun `register, authorize, exchange, verify, delegate, refresh, audit, revoke`(): Unit = runBlocking {
        val account = Grantex.signup(SignupParams(name = "kotlin-flow"), baseUrl = server.baseUrl)
        assertTrue(account.apiKey.isNotEmpty() && account.developerId.isNotEmpty())
        assertEquals(ModeValues.LIVE, account.mode)

        Grantex(apiKey = account.apiKey, baseUrl = server.baseUrl).use { grantex ->
            val me = grantex.me()
            assertEquals(account.developerId, me.developerId)
            assertTrue(grantex.jwksUri.startsWith(server.baseUrl))

            val agent = grantex.agents.register(
                RegisterAgentParams(name = "travel-assistant", description = "books trips", scopes = listOf("calendar:read", "email:send")),
            )
            assertEquals(agent.agentId, agent.id)
            val sub = grantex.agents.register(RegisterAgentParams(name = "calendar-reader", scopes = listOf("calendar:read")))
            assertEquals(agent.did, grantex.agents.get(agent.agentId).did)
            assertEquals("travel-assistant-2", grantex.agents.update(agent.agentId, UpdateAgentParams(name = "travel-assistant-2")).name)
            assertEquals(2, grantex.agents.list().agents.size)

            // Authorize with PKCE, the human approves, exchange.
            val pkce = generatePkce()
            assertEquals("S256", pkce.codeChallengeMethod)
            assertFalse(pkce.toString().contains(pkce.codeVerifier))
            val auth = grantex.authorize(
                AuthorizeParams(
                    agentId = agent.agentId,
                    principalId = "usr_alice",
                    scopes = listOf("calendar:read", "email:send"),
                    codeChallenge = pkce.codeChallenge,
                    codeChallengeMethod = "S256",
                ),
            )
            assertTrue(auth.consentUrl.isNotEmpty())
            assertNull(auth.code, "live mode: the code comes from the consent")
            val approval = grantex.consent.approve(auth.authRequestId)
            val token = grantex.tokens.exchange(ExchangeTokenParams(code = approval.code, agentId = agent.agentId, codeVerifier = pkce.codeVerifier))
            assertTrue(token.grantToken.isNotEmpty() && token.refreshToken.isNotEmpty())

            // Offline, against the server's published keys; then online.
            val options = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri, requiredScopes = listOf("calendar:read"))
            val grant = verifyGrantToken(token.grantToken, options)
            assertEquals("usr_alice", grant.principalId)
            assertEquals(agent.did, grant.agentDid)
            assertEquals(token.grantId, grant.grantId)
            assertEquals(me.developerId, grant.developerId)
            assertEquals(grant, verifyGrantTokenBlocking(token.grantToken, options))
            val missing = assertThrows<GrantexTokenException> {
                verifyGrantTokenBlocking(token.grantToken, options.withRequiredScopes(listOf("payments:initiate")))
            }
            assertEquals("missing_scopes", missing.code)
            assertTrue(grantex.tokens.verify(token.grantToken).valid)
            assertEquals(token.grantId, grantex.grants.verify(token.grantToken).grantId)

            // Delegation, verified offline with its depth.
            val delegated = grantex.grants.delegate(
                DelegateParams(parentGrantToken = token.grantToken, subAgentId = sub.agentId, scopes = listOf("calendar:read"), expiresIn = "1h"),
            )
            val dg = verifyGrantToken(delegated.grantToken, VerifyGrantTokenOptions(jwksUri = grantex.jwksUri))
            assertEquals(token.grantId, dg.parentGrantId)
            assertEquals(1L, dg.delegationDepth)
            assertEquals(sub.did, dg.agentDid)
            val deep = assertThrows<GrantexTokenException> {
                verifyGrantToken(delegated.grantToken, VerifyGrantTokenOptions(jwksUri = grantex.jwksUri, maxDelegationDepth = 0))
            }
            assertEquals("delegation_too_deep", deep.code)
            // The reference options by name (issue 13): standard claims only reads the server's
            // tokens (typed at+jwt, with the act chain); proof of possession fails closed on an
            // unbound token.
            val standard = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri).withReferenceOption("legacyClaims", false)
            val sg = verifyGrantToken(delegated.grantToken, standard)
            assertEquals(dg, sg)
            assertEquals(agent.did, sg.parentAgentDid)
            assertTrue(sg.legacyClaimsUsed.isEmpty())
            val bound = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri)
            assertEquals("not_key_bound", assertThrows<GrantexTokenException> {
                verifyGrantToken(delegated.grantToken, bound.withReferenceOption("proof_jkt", "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"))
            }.code)
            assertEquals("proof_required", assertThrows<GrantexTokenException> {
                verifyGrantToken(delegated.grantToken, bound.withReferenceOption("requireProofOfPossession", true))
            }.code)

            // Grants, audit log (and its hash chain), refresh, principal session.
            val g = grantex.grants.get(token.grantId)
            assertEquals("active", g.status)
            assertEquals(agent.agentId, g.agentId)
            assertEquals(1, grantex.grants.list(ListGrantsParams(agentId = agent.agentId)).grants.size)
            val entry = grantex.audit.log(
                AuditLogParams(
                    agentId = agent.agentId,
                    agentDid = agent.did,
                    grantId = token.grantId,
                    principalId = "usr_alice",
                    action = "calendar.read",
                    metadata = buildJsonObject { put("events", 3); put("ratio", 0.1) },
                ),
            )
            assertTrue(entry.hash.isNotEmpty())
            assertEquals(entry.hash, grantex.audit.get(entry.entryId).hash)
            val entries = grantex.audit.list(ListAuditParams(grantId = token.grantId)).entries
            assertEquals(1, entries.count { it.action == "calendar.read" })
            assertEquals(1, entries.count { it.action == "grantex.token.issued" })
            val all = grantex.audit.list()
            val report = verifyAuditChain(all)
            assertTrue(report.valid, report.toString())
            assertEquals(all.entries.size, report.checkedEntries)
            val tampered = all.entries.map {
                if (it.entryId == entry.entryId) it.copy(metadata = buildJsonObject { put("events", 4) }) else it
            }
            val broken = verifyAuditChain(tampered)
            assertFalse(broken.valid)
            assertEquals(entry.entryId, broken.firstBrokenAt)
            assertEquals("content", broken.reason)
            assertEquals(entry.entryId, grantex.audit.checkpoint().headEntryId)

            val refreshed = grantex.tokens.refresh(RefreshTokenParams(refreshToken = token.refreshToken, agentId = agent.agentId))
            assertEquals(token.grantId, refreshed.grantId)
            assertNotEquals(token.refreshToken, refreshed.refreshToken)
            val session = grantex.principalSessions.create(PrincipalSessionParams(principalId = "usr_alice", expiresIn = "1h"))
            assertTrue(session.sessionToken.isNotEmpty() && session.dashboardUrl.isNotEmpty())
            grantex.principalSessions.revoke("usr_alice")

            // Revoke: the grant and, by cascade, the delegated one are invalid online.
            grantex.grants.revoke(token.grantId)
            for (t in listOf(refreshed.grantToken, delegated.grantToken)) {
                assertFalse(grantex.tokens.verify(t).valid)
                assertEquals("inactive", assertThrows<GrantexTokenException> { grantex.grants.verify(t) }.code)
            }
            // A tampered token is refused offline.
            val forged = token.grantToken.dropLast(4) + "AAAA"
            assertEquals("bad_signature", assertThrows<GrantexTokenException> { verifyGrantToken(forged, options) }.code)
            // Token revocation by jti, agent deletion.
            grantex.tokens.revoke(grant.tokenId)
            grantex.agents.delete(sub.agentId)
            val gone = assertThrows<GrantexApiException> { grantex.agents.get(sub.agentId) }
            assertEquals(404, gone.statusCode)
            assertNotNull(grantex.lastRateLimit)
        }
    }

    @Test
    fun `blocking twins run the same flow for Java callers`() {
        TestServer.client(TestServer.info.sandboxApiKey).use { grantex ->
            val agent = grantex.agents.registerBlocking(RegisterAgentParams(name = "blocking", scopes = listOf("calendar:read")))
            val auth = grantex.authorizeBlocking(AuthorizeParams(agentId = agent.agentId, principalId = "usr_bob", scopes = listOf("calendar:read")))
            val code = checkNotNull(auth.code) { "sandbox mode: the code comes at once" }
            val token = grantex.tokens.exchangeBlocking(ExchangeTokenParams(code = code, agentId = agent.agentId))
            // Sandbox tokens are refused unless asked for.
            val options = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri, allowSandbox = false)
            assertEquals("sandbox_token", assertThrows<GrantexTokenException> { verifyGrantTokenBlocking(token.grantToken, options) }.code)
            assertEquals(token.grantId, verifyGrantTokenBlocking(token.grantToken, options.withAllowSandbox(true)).grantId)
            assertTrue(grantex.tokens.verifyBlocking(token.grantToken).valid)
            assertTrue(grantex.grants.listBlocking().grants.any { it.grantId == token.grantId })
            grantex.grants.revokeBlocking(token.grantId)
            assertFalse(grantex.tokens.verifyBlocking(token.grantToken).valid)
        }
    }

    @Test
    fun `every catalog operation is reachable, generically too`(): Unit = runBlocking {
        assertEquals(dev.grantex.ffi.operations().map { it.name }, GENERATED_OPERATIONS)
        TestServer.client().use { grantex ->
            assertEquals("healthy", grantex.health().status)
            assertTrue(grantex.jwks().keys.isNotEmpty())
            assertTrue(grantex.updateSettings(UpdateSettingsParams(fidoRpName = "Acme")).updated)
            val raw = grantex.call("health") as JsonObject
            assertEquals(JsonPrimitive("healthy"), raw["status"])
            val agent = grantex.callBlocking("agents.register", buildJsonObject { put("name", "generic") }) as JsonObject
            assertEquals(JsonPrimitive("generic"), agent["name"])
        }
    }

    @Test
    fun `rotating the key retires the old one`(): Unit = runBlocking {
        val account = Grantex.signupBlocking(SignupParams(name = "kotlin-rotate"), server.baseUrl)
        Grantex(account.apiKey, server.baseUrl).use { old ->
            val rotated = old.rotateKey()
            assertNotEquals(account.apiKey, rotated.apiKey)
            assertEquals(401, assertThrows<GrantexAuthException> { old.me() }.statusCode)
            Grantex(rotated.apiKey, server.baseUrl).use { assertEquals(account.developerId, it.me().developerId) }
        }
    }
}
