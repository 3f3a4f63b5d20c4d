package dev.grantex

import com.sun.net.httpserver.HttpServer
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.net.InetSocketAddress
import java.util.Collections
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The policies and webhooks namespaces against the real server (issue 15 items 1 and 2). */
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

    @Test
    @Suppress("DEPRECATION")
    fun `webhook deliveries reach a real receiver, verified, retried and logged`(): Unit = runBlocking {
        val received = Collections.synchronizedList(mutableListOf<String>())
        var secret = ""
        var failNext = 1
        var refused = 0
        val receiver = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        receiver.createContext("/hook") { ex ->
            val body = ex.requestBody.readBytes()
            val h = { name: String -> ex.requestHeaders.getFirst(name) ?: "" }
            val status = synchronized(received) {
                if (failNext > 0) {
                    failNext -= 1
                    503
                } else {
                    val event = Json.parseToJsonElement(body.toString(Charsets.UTF_8)).jsonObject
                    val ok = verifyWebhook(body, h("X-Grantex-Signature-V2"), h("X-Grantex-Timestamp"), secret) &&
                        verifyWebhookSignature(body, h("X-Grantex-Signature"), secret) &&
                        event["id"]?.jsonPrimitive?.content == h("X-Grantex-Event-Id")
                    if (ok) {
                        received.add(event["type"]!!.jsonPrimitive.content)
                        204
                    } else {
                        refused += 1
                        401
                    }
                }
            }
            ex.sendResponseHeaders(status, -1)
            ex.close()
        }
        receiver.start()
        try {
            fresh("kotlin-hooks").use { gx ->
                val w = gx.webhooks.create(CreateWebhookParams(url = "http://127.0.0.1:${receiver.address.port}/hook", events = listOf("agent.created", "agent.deleted")))
                assertTrue(w.secret.startsWith("whsec_"))
                synchronized(received) { secret = w.secret }
                val agent = gx.agents.register(RegisterAgentParams(name = "kt-hooked", scopes = listOf("read")))
                gx.agents.delete(agent.agentId)
                val deadline = System.nanoTime() + 30_000_000_000L
                while (received.size < 2) {
                    assertTrue(System.nanoTime() < deadline, "received only $received")
                    delay(50)
                }
                assertEquals(listOf("agent.created", "agent.deleted"), received.sorted())
                assertEquals(0, refused)
                // An attempt is recorded once the receiver has answered: wait until none is pending.
                var log = gx.webhooks.deliveries(w.id)
                val until = System.nanoTime() + 20_000_000_000L
                while (log.deliveries.any { it.status == "pending" } && System.nanoTime() < until) {
                    delay(50)
                    log = gx.webhooks.deliveries(w.id)
                }
                assertEquals(2L, log.total)
                assertTrue(log.deliveries.all { it.status == "delivered" })
                assertTrue(log.deliveries.sumOf { it.attempts } >= 3L, "the failed attempt was retried")
                assertEquals(listOf(w.id), gx.webhooks.list().webhooks.map { it.id })
                gx.webhooks.delete(w.id)
                assertEquals(404, assertThrows<GrantexApiException> { gx.webhooks.deleteBlocking(w.id) }.statusCode)
            }
        } finally {
            receiver.stop(0)
        }
    }

    @Test
    fun `compliance exports agree with the data and a new high-risk scope is one anomaly`(): Unit = runBlocking {
        val account = Grantex.signup(SignupParams(name = "kotlin-compliance", mode = "sandbox"), baseUrl = server.baseUrl)
        Grantex(apiKey = account.apiKey, baseUrl = server.baseUrl).use { gx ->
            val agent = gx.agents.register(RegisterAgentParams(name = "kt-compliance", scopes = listOf("read", "payments:initiate")))
            suspend fun grant(scope: String) {
                val auth = gx.authorize(AuthorizeParams(agentId = agent.agentId, principalId = "alice", scopes = listOf(scope)))
                gx.tokens.exchange(ExchangeTokenParams(code = auth.code!!, agentId = agent.agentId))
            }
            grant("read")
            val summary = gx.compliance.getSummary()
            assertEquals(1L, summary.grants["total"])
            assertEquals(1L, gx.compliance.exportGrants().total)
            val audit = gx.compliance.exportAudit()
            assertEquals(summary.auditEntries["total"], audit.total)
            val pack = gx.compliance.evidencePack(EvidencePackParams(framework = "gdpr"))
            assertTrue(pack.chainIntegrity.valid)
            assertEquals(audit.total, pack.chainIntegrity.checkedEntries)
            assertEquals(0L, gx.anomalies.detect().total)
            grant("payments:initiate")
            val found = gx.anomalies.detect()
            assertEquals(listOf("new_high_risk_scope"), found.anomalies.map { it.type })
            val acked = gx.anomalies.acknowledge(found.anomalies[0].id)
            assertTrue(acked.acknowledgedAt != null)
            assertEquals(0L, gx.anomalies.list(ListAnomaliesParams(unacknowledged = true)).total)
        }
    }
}
