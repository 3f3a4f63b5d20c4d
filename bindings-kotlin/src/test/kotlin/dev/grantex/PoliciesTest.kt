package dev.grantex

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The policies namespace against the real server (issue 15 item 1). */
class PoliciesTest {
    private val server = TestServer.info

    private fun fresh(name: String): Grantex {
        val account = Grantex.signupBlocking(SignupParams(name = name), baseUrl = server.baseUrl)
        return Grantex(apiKey = account.apiKey, baseUrl = server.baseUrl)
    }

    @Test
    fun `CRUD, errors, decisions at authorize and the dry run`(): Unit = runBlocking {
        fresh("kotlin-policies").use { gx ->
            fresh("kotlin-other").use { other ->
                val p = gx.policies.create(
                    CreatePolicyParams(name = "alice calendars", effect = "allow", priority = 10, principalId = "alice", scopes = listOf("calendar:read")),
                )
                assertTrue(p.id.startsWith("pol_"))
                assertEquals(1L, p.version)
                assertNull(p.agentId)
                assertEquals(listOf(p.id), gx.policies.list().policies.map { it.id })
                val u = gx.policies.update(p.id, UpdatePolicyParams(name = "renamed"))
                assertEquals("renamed" to 2L, u.name to u.version)
                val notFound = assertThrows<GrantexApiException> { runBlocking { other.policies.get(p.id) } }
                assertEquals(404, notFound.statusCode)
                val invalid = assertThrows<GrantexApiException> {
                    gx.policies.createBlocking(CreatePolicyParams(name = "x", effect = "maybe"))
                }
                assertEquals(422 to "VALIDATION_ERROR", invalid.statusCode to invalid.serverCode)

                val agent = gx.agents.register(RegisterAgentParams(name = "kt-policies", scopes = listOf("calendar:read", "payments:transfer")))
                val auth = gx.authorize(AuthorizeParams(agentId = agent.agentId, principalId = "alice", scopes = listOf("calendar:read")))
                assertEquals("approved", auth.status)
                assertEquals(true, auth.policyEnforced)
                val deny = gx.policies.create(CreatePolicyParams(name = "no payments", effect = "deny", scopes = listOf("payments:transfer"), priority = -1))
                val refused = assertThrows<GrantexAuthException> {
                    gx.authorizeBlocking(AuthorizeParams(agentId = agent.agentId, principalId = "alice", scopes = listOf("calendar:read", "payments:transfer")))
                }
                assertEquals(403 to "POLICY_DENIED", refused.statusCode to refused.serverCode)
                assertEquals(JsonPrimitive(deny.id), (refused.body as JsonObject)["policyId"])
                val d = gx.policies.evaluate(EvaluatePolicyParams(agentId = agent.agentId, principalId = "alice", scopes = listOf("payments:transfer")))
                assertEquals("deny" to deny.id, d.decision to d.policyId)
                gx.policies.delete(deny.id)
                assertEquals(404, assertThrows<GrantexApiException> { gx.policies.deleteBlocking(deny.id) }.statusCode)
            }
        }
    }
}
