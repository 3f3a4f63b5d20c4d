package dev.grantex

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import kotlinx.serialization.json.long
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The shared vectors in vectors/: identical outcomes and codes to every other binding. */
class VectorsTest {
    private fun outcome(block: () -> Unit): String = try {
        block()
        "valid"
    } catch (e: GrantexTokenException) {
        e.code
    }

    private fun str(o: JsonObject, k: String): String? = (o[k] as? JsonPrimitive)?.takeIf { it.isString }?.content

    /** A verified grant in the vectors' `claims` shape (absent optional values are `null`). */
    private fun claims(g: VerifiedGrant): JsonObject {
        val o = g.toJson().toMutableMap()
        for (k in listOf(
            "clientId", "parentAgentDid", "parentGrantId", "delegationDepth", "authorizationDetails", "act", "cnf",
            "audience", "webauthnEvidence", "budget",
        )) o.putIfAbsent(k, JsonNull)
        return JsonObject(o)
    }

    /** Numbers compared as numbers (`0` and `0.0`). */
    private fun norm(e: JsonElement): JsonElement = when (e) {
        is JsonObject -> JsonObject(e.mapValues { norm(it.value) })
        is JsonArray -> JsonArray(e.map { norm(it) })
        is JsonPrimitive -> if (!e.isString && e !is JsonNull && e.booleanOrNull == null) JsonPrimitive(e.content.toDouble()) else e
        else -> e
    }

    @Test
    fun `token vectors`() {
        val vec = TestServer.vectors("token-vectors.json")
        val now = vec["now"]!!.jsonPrimitive.long
        val issuer = vec["issuer"]!!.jsonPrimitive.content
        val sets = HashMap<String, JwksCache>()
        fun cache(name: String?): JwksCache = sets.getOrPut(name ?: "") {
            JwksCache.fromJson((if (name == null) vec["jwks"] else vec["jwksSets"]!!.jsonObject[name])!!.toString())
        }
        val counts = HashMap<String, Int>()
        val cases = vec["cases"]!!.jsonArray
        for (c in cases.map { it.jsonObject }) {
            val name = str(c, "name")!!
            val o = c["options"]?.jsonObject ?: JsonObject(emptyMap())
            val base = VerifyGrantTokenOptions(
                issuer = str(o, "issuer") ?: issuer,
                audience = str(o, "audience"),
                requiredScopes = o["requiredScopes"]?.jsonArray?.map { it.jsonPrimitive.content } ?: emptyList(),
                clockTolerance = o["clockTolerance"]?.jsonPrimitive?.long ?: 0,
                maxDelegationDepth = o["maxDelegationDepth"]?.jsonPrimitive?.long?.toInt(),
                allowSandbox = o["allowSandbox"]?.jsonPrimitive?.booleanOrNull,
                expectedPrincipalId = o["expectedPrincipalId"]?.jsonPrimitive?.contentOrNull,
                expectedAgentDid = o["expectedAgentDid"]?.jsonPrimitive?.contentOrNull,
                now = now,
            )
            // The reference options the case sets by name (proofJkt, legacyClaims, ...).
            val options = (o["referenceOptions"]?.jsonArray ?: JsonArray(emptyList())).fold(base) { acc, r ->
                acc.withReferenceOption(str(r.jsonObject, "jsName")!!, r.jsonObject["value"])
            }
            val token = str(c, "token")!!
            val expect = str(c, "expect")!!
            val jwks = cache(str(o, "jwks"))
            var grant: VerifiedGrant? = null
            // The cache's offline check (the hot path, FastVerify) and the top-level function
            // with that cache (the regular uniffi call) agree, grant for grant.
            val got = outcome { grant = jwks.verifyCached(token, options) }
            assertEquals(expect, got, name)
            var regular: VerifiedGrant? = null
            assertEquals(expect, outcome { regular = verifyGrantTokenBlocking(token, options.withJwks(jwks)) }, name)
            assertEquals(regular, grant, name)
            jwks.verifier(options).use { v -> assertEquals(expect, outcome { assertEquals(grant, v.verifyCached(token)) }, name) }
            if (expect == "valid") assertEquals(norm(c["claims"]!!), norm(claims(grant!!)), name)
            counts.merge(expect, 1, Int::plus)
        }
        sets.values.forEach { it.close() }
        assertTrue(cases.size >= 200 && (counts["valid"] ?: 0) > 0 && (counts["sandbox_token"] ?: 0) > 0, "$counts")
        println("${cases.size} token vectors, outcomes $counts")
    }

    @Test
    fun `key-set vectors`() {
        val vec = TestServer.vectors("jwks-vectors.json")
        val options = VerifyGrantTokenOptions(issuer = vec["issuer"]!!.jsonPrimitive.content, now = vec["now"]!!.jsonPrimitive.long)
        val cases = vec["cases"]!!.jsonArray.map { it.jsonObject }
        for (c in cases) {
            val name = str(c, "name")!!
            var cache: JwksCache? = null
            val loaded = outcome { cache = JwksCache.fromJson(str(c, "jwks")!!) }.let { if (it == "valid") "ok" else it }
            assertEquals(str(c, "expect"), loaded, name)
            cache?.use { assertEquals(str(c, "tokenExpect"), outcome { it.verifyCached(str(c, "token")!!, options) }, name) }
        }
        assertTrue(cases.isNotEmpty())
    }

    @Test
    fun `issuer vectors`() {
        val cases = TestServer.vectors("issuer-vectors.json")["cases"]!!.jsonArray.map { it.jsonObject }
        for (c in cases) assertEquals(str(c, "issuer"), deriveIssuer(str(c, "jwksUri")!!))
        assertTrue(cases.isNotEmpty())
    }

    @Test
    fun `verify option vectors`() {
        val tokens = TestServer.vectors("token-vectors.json")
        // The first valid case without options: the token the accepted values' `verify` is about.
        val valid = tokens["cases"]!!.jsonArray.map { it.jsonObject }
            .first { str(it, "expect") == "valid" && (it["options"]?.jsonObject?.isEmpty() ?: true) }
        val token = str(valid, "token")!!
        val base = VerifyGrantTokenOptions(issuer = tokens["issuer"]!!.jsonPrimitive.content, now = tokens["now"]!!.jsonPrimitive.long)
        JwksCache.fromJson(tokens["jwks"]!!.toString()).use { jwks ->
            val cases = TestServer.vectors("verify-option-vectors.json")["cases"]!!.jsonArray.map { it.jsonObject }
            for (c in cases) {
                val accepted = c["accepted"]!!.jsonPrimitive.booleanOrNull!!
                for (name in listOf(str(c, "name")!!, str(c, "jsName")!!)) {
                    val value = c["value"]!!
                    val result = runCatching { jwks.verifyCached(token, base.withReferenceOption(name, value)) }
                    if (accepted) {
                        val got = when (val e = result.exceptionOrNull()) {
                            null -> "valid"
                            is GrantexException -> e.code
                            else -> throw e
                        }
                        assertEquals(str(c, "verify"), got, "$name=$value: ${result.exceptionOrNull()}")
                        checkReferenceVerifyOption(name, value)
                    } else {
                        val e = result.exceptionOrNull()
                        assertTrue(e is GrantexConfigException && e.message!!.contains(name), "$name=$value: want a config error naming it, got $e")
                    }
                }
            }
            assertTrue(cases.isNotEmpty())
            // The reference field issuerDid goes through the same rule: a bad DID is refused, a
            // good one names where the keys are read, which a static set cannot stand in for.
            for (did in listOf("did:web:127.0.0.1", "did:web:example.com")) {
                assertTrue(runCatching { jwks.verifyCached(token, base.copy(issuerDid = did)) }.exceptionOrNull() is GrantexConfigException, did)
            }
        }
    }
}
