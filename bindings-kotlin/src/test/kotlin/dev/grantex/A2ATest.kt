package dev.grantex

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonArray
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * The A2A bridge on the JVM against real peers: [A2AClient] calls the example Rust echo agent
 * (`grantex-a2a-agent`, its own guard checking our tokens online with the server), and
 * [A2AGuard] checks the server's real tokens as an agent written in Kotlin would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class A2ATest {
    private val server = TestServer.info
    private lateinit var grantex: Grantex
    private lateinit var agent: Process
    private lateinit var agentUrl: String

    @BeforeAll
    fun start(): Unit = runBlocking {
        val account = Grantex.signup(SignupParams(name = "kotlin-a2a"), baseUrl = server.baseUrl)
        grantex = Grantex(apiKey = account.apiKey, baseUrl = server.baseUrl)
        val target = System.getenv("CARGO_TARGET_DIR")?.let { File(it) } ?: TestServer.root.resolve("target").toFile()
        val bin = System.getenv("GRANTEX_A2A_AGENT_BIN") ?: File(target, "debug/grantex-a2a-agent").path
        check(File(bin).canExecute()) { "grantex-a2a-agent not built at $bin (cargo build -p grantex-a2a-agent)" }
        agent = ProcessBuilder(
            bin, "--jwks-uri", server.jwksUri, "--required-scope", "calendar:read",
            "--revocation-check", "online", "--grantex-url", server.baseUrl, "--revocation-cache-ttl", "0",
        ).also { it.environment()["GRANTEX_API_KEY"] = account.apiKey }
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start()
        agentUrl = agent.inputStream.bufferedReader().readLine() ?: error("the A2A agent printed no URL")
    }

    @AfterAll
    fun stop() {
        grantex.close()
        agent.destroy()
        if (!agent.waitFor(5, TimeUnit.SECONDS)) agent.destroyForcibly().waitFor()
    }

    private suspend fun token(scopes: List<String>): ExchangeTokenResponse {
        val a = grantex.agents.register(RegisterAgentParams(name = "a2a-caller", scopes = scopes))
        val auth = grantex.authorize(AuthorizeParams(agentId = a.agentId, principalId = "usr_a2a", scopes = scopes))
        return grantex.tokens.exchange(ExchangeTokenParams(code = grantex.consent.approve(auth.authRequestId).code, agentId = a.agentId))
    }

    private fun message(text: String) = buildJsonObject {
        put("id", "task-${System.nanoTime()}")
        put("message", buildJsonObject {
            put("role", "user")
            put("parts", buildJsonArray { add(buildJsonObject { put("type", "text"); put("text", text) }) })
        })
    }

    @Test
    fun `the client calls the echo agent after its preflight, and sees its refusals`(): Unit = runBlocking {
        val tok = token(listOf("calendar:read"))
        A2AClient(agentUrl = agentUrl, grantToken = tok.grantToken).use { client ->
            val card = client.card()
            val scheme = card["authentication"]!!.jsonObject["schemes"]!!.jsonArray[0].jsonObject
            assertEquals(server.jwksUri, scheme["grantexConfig"]!!.jsonObject["jwksUri"]!!.jsonPrimitive.content)
            assertEquals(tok.grantId, client.preflight().grantId)
            val task = client.sendTask(message("hello from Kotlin"))
            assertEquals("completed", task["status"]!!.jsonObject["state"]!!.jsonPrimitive.content)
            val echoed = task["artifacts"]!!.jsonArray[0].jsonObject["parts"]!!.jsonArray[0].jsonObject["text"]
            assertEquals(JsonPrimitive("hello from Kotlin"), echoed)
            val got = client.getTask(buildJsonObject { put("id", task["id"]!!) })
            assertEquals(task["id"], got["id"])
            assertEquals("completed", client.sendTaskBlocking(message("again"))["status"]!!.jsonObject["state"]!!.jsonPrimitive.content)

            // Revoked on the server: our offline preflight passes, the agent's online check refuses.
            grantex.grants.revoke(tok.grantId)
            val refused = assertThrows<GrantexA2AException> { runBlocking { client.sendTask(message("after revocation")) } }
            assertEquals("a2a_rpc_error", refused.code)
            assertEquals("revoked", refused.reason)
            assertEquals(401, refused.status)
            assertNotNull(refused.rpcError)
        }
        // A token without the card's required scope never leaves this process.
        val narrow = token(listOf("email:send"))
        A2AClient(agentUrl = agentUrl, grantToken = narrow.grantToken).use { client ->
            val e = assertThrows<GrantexA2AException> { runBlocking { client.sendTask(message("nope")) } }
            assertEquals("a2a_preflight", e.code)
            assertEquals("missing_scopes", e.reason)
            assertNull(e.status)
        }
        // Bad settings are refused up front.
        assertThrows<GrantexInvalidArgumentException> { A2AClient(agentUrl = agentUrl, grantToken = " ") }
        assertThrows<GrantexException> { A2AClient(agentUrl = "ftp://agent", grantToken = "t") }
    }

    @Test
    fun `the guard checks the server's tokens as a Kotlin agent would`(): Unit = runBlocking {
        val tok = token(listOf("calendar:read"))
        val body = """{"jsonrpc":"2.0","id":7,"method":"tasks/send","params":{}}""".toByteArray()
        A2AGuard(jwksUri = server.jwksUri, requiredScopes = listOf("calendar:read"), methodScopes = mapOf("tasks/get" to listOf("calendar:write"))).use { guard ->
            assertEquals(server.baseUrl, guard.issuer)
            assertEquals(server.jwksUri, guard.authScheme!!["grantexConfig"]!!.jsonObject["jwksUri"]!!.jsonPrimitive.content)
            val ok = guard.check("Bearer ${tok.grantToken}", body)
            assertTrue(ok.allowed)
            assertEquals(tok.grantId, ok.grant!!.grantId)

            val missing = guard.check(null, body).rejection!!
            assertEquals(401, missing.status)
            assertEquals("missing_token", missing.reason)
            val rpc = Json.parseToJsonElement(missing.body) as JsonObject
            assertEquals(JsonPrimitive(7), rpc["id"])
            assertEquals(JsonPrimitive("missing_token"), rpc["error"]!!.jsonObject["data"]!!.jsonObject["reason"])
            assertNotNull(missing.wwwAuthenticate)

            // tasks/get needs its own scope.
            val get = guard.checkBlocking("Bearer ${tok.grantToken}", """{"jsonrpc":"2.0","id":"g","method":"tasks/get"}""".toByteArray())
            assertFalse(get.allowed)
            assertEquals(403, get.rejection!!.status)
            assertEquals("missing_scopes", get.rejection!!.reason)

            // A delegated token is refused unless delegation is allowed.
            val sub = grantex.agents.register(RegisterAgentParams(name = "a2a-sub", scopes = listOf("calendar:read")))
            val child = grantex.grants.delegate(DelegateParams(parentGrantToken = tok.grantToken, subAgentId = sub.agentId, scopes = listOf("calendar:read")))
            assertEquals("delegation_not_allowed", guard.check("Bearer ${child.grantToken}", body).rejection!!.reason)
            A2AGuard(jwksUri = server.jwksUri, allowDelegation = true).use { open ->
                assertEquals(1L, open.check("Bearer ${child.grantToken}", body).grant!!.delegationDepth)
            }
            assertEquals("bad_signature", guard.check("Bearer ${tok.grantToken.dropLast(4)}AAAA", body).rejection!!.reason)
        }
        assertThrows<GrantexConfigException> { A2AGuard() }
    }
}
