package dev.grantex

import kotlinx.coroutines.runBlocking
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.put
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Tool manifests and enforce (issue 13): the shared enforce vectors, then the real server. */
class EnforceTest {

    @Test
    fun `every enforce and manifest vector`() {
        val v = TestServer.vectors("enforce-vectors.json")
        Grantex(apiKey = "gx_test_vectors", baseUrl = deadUrl()).use { client ->
            for (case in v["cases"]!!.jsonArray.map { it.jsonObject }) {
                val name = case["name"]!!.jsonPrimitive.content
                val config = JsonObject(v["config"]!!.jsonObject + (case["config"]?.jsonObject ?: JsonObject(emptyMap())))
                Enforcer(client, config).use { e ->
                    for (m in v["manifests"]!!.jsonArray) e.loadManifest(m.jsonObject)
                    val call = case["call"]!!.jsonObject
                    val options = JsonObject(call.filterKeys { it !in setOf("connector", "tool") })
                    val r = e.enforceBlocking(
                        case["token"]!!.jsonPrimitive.content,
                        call["connector"]!!.jsonPrimitive.content,
                        call["tool"]!!.jsonPrimitive.content,
                        options = options,
                    )
                    val got = r.toJson()
                    for ((key, want) in case["expect"]!!.jsonObject) {
                        val value = if (key == "wouldDeny") r.wouldDeny?.jsonObject?.get("reason_code") else got[key]
                        assertEquals(norm(want), value?.let { norm(it) }, "$name: $key in $got")
                    }
                }
            }
        }
        for (case in v["manifestCases"]!!.jsonArray.map { it.jsonObject }) {
            val name = case["name"]!!.jsonPrimitive.content
            val text = case["text"]?.jsonPrimitive?.content ?: case["document"]!!.toString()
            val expect = case["expect"]!!.jsonPrimitive.content
            if (expect == "valid") {
                Enforcer.normalize(text)
            } else {
                val e = assertThrows(ManifestValidationException::class.java, { Enforcer.normalize(text) }, name)
                assertTrue(e.message!!.contains(expect), "$name: ${e.message}")
                assertEquals("manifest_invalid", e.code)
            }
        }
    }

    /** Numbers compared as numbers (`100` and `100.0`). */
    private fun norm(e: kotlinx.serialization.json.JsonElement): kotlinx.serialization.json.JsonElement = when (e) {
        is JsonObject -> JsonObject(e.mapValues { norm(it.value) })
        is JsonPrimitive -> if (!e.isString && e.content.toDoubleOrNull() != null) JsonPrimitive(e.content.toDouble()) else e
        else -> e
    }

    @Test
    fun `enforce against the server, online and through the feed`(): Unit = runBlocking {
        TestServer.client().use { grantex ->
            val agent = grantex.agents.register(RegisterAgentParams(name = "kt-enforced", scopes = listOf("tool:crm:write")))
            val auth = grantex.authorize(AuthorizeParams(agentId = agent.agentId, principalId = "kt_enforce", scopes = listOf("tool:crm:write")))
            val code = auth.code ?: grantex.consent.approve(auth.authRequestId).code
            val token = grantex.tokens.exchange(ExchangeTokenParams(code = code, agentId = agent.agentId)).grantToken

            assertThrows(GrantexConfigException::class.java) { Enforcer(grantex, buildJsonObject { put("enforceMode", "lenient") }) }
            assertTrue("crm" in Enforcer.PREBUILT_MANIFESTS)
            Enforcer(grantex, buildJsonObject { put("revocationCheck", "online") }).use { online ->
                Enforcer(grantex, buildJsonObject { put("revocationCheck", "feed"); put("revocationFeedStaleAfter", 2.0) }).use { fed ->
                    online.loadPrebuilt("crm")
                    fed.loadPrebuilt("crm")
                    val ok = online.enforce(token, "crm", "create_contact")
                    assertTrue(ok.allowed, ok.toString())
                    assertEquals("kt_enforce", ok.grant?.principalId)
                    assertEquals("permission_insufficient", online.enforce(token, "crm", "delete_contact").reasonCode)
                    assertTrue(fed.enforceBlocking(token, "crm", "create_contact").allowed)
                    assertTrue(fed.revocationFeedState()!!.fresh)
                    assertNull(online.revocationFeedState())
                    grantex.grants.revoke(ok.grantId)
                    val gone = online.enforce(token, "crm", "create_contact")
                    assertEquals(listOf("grant_revoked", "revoked"), listOf(gone.reasonCode, gone.subReason))
                    var seen = false
                    repeat(100) {
                        if (!seen) {
                            seen = fed.enforceBlocking(token, "crm", "create_contact").subReason == "revoked"
                            if (!seen) Thread.sleep(100)
                        }
                    }
                    assertTrue(seen, "the feed never saw the revocation")
                }
            }
        }
    }
}
