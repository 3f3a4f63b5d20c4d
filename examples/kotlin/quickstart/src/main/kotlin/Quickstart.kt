// The product-page flow, end to end, against a Grantex server, in the eight steps every
// language's quickstart prints:
//
// 1 register agents, 2 authorize, 3 consent, 4 exchange, 5 verify offline, 6 delegate,
// 7 revoke (cascades to the sub-agent), 8 a tampered token is refused offline.
//
// It reads GRANTEX_BASE_URL and GRANTEX_API_KEY (as grantex-server writes them to server.json).
// With a live key authorize waits for consent, which step 3 gives through the endpoint the
// consent page's Approve button calls; with a sandbox key authorize returns the code at once.

import dev.grantex.AuthorizeParams
import dev.grantex.DelegateParams
import dev.grantex.ExchangeTokenParams
import dev.grantex.Grantex
import dev.grantex.GrantexTokenException
import dev.grantex.RegisterAgentParams
import dev.grantex.VerifyGrantTokenOptions
import dev.grantex.verifyGrantToken
import kotlinx.coroutines.runBlocking
import kotlin.system.exitProcess

fun main(): Unit = runBlocking {
    try {
        quickstart()
        println("[kotlin] done")
    } catch (e: Exception) {
        System.err.println("[kotlin] FAILED: $e")
        exitProcess(1)
    }
}

suspend fun quickstart() {
    Grantex().use { grantex -> // GRANTEX_API_KEY, GRANTEX_BASE_URL
        println("[kotlin] server: ${grantex.baseUrl}")

        // 1. Register the agent and the sub-agent it will delegate to.
        val agent = grantex.agents.register(
            RegisterAgentParams(
                name = "travel-assistant",
                description = "Books trips and sends confirmations",
                scopes = listOf("calendar:read", "email:send"),
            ),
        )
        val sub = grantex.agents.register(
            RegisterAgentParams(
                name = "calendar-reader",
                description = "Reads the calendar for the travel assistant",
                scopes = listOf("calendar:read"),
            ),
        )
        println("[kotlin] 1. register: agents ${agent.id} (travel-assistant) and ${sub.id} (calendar-reader)")

        // 2. Ask the user for a grant: the human sees the consent URL.
        val auth = grantex.authorize(
            AuthorizeParams(agentId = agent.id, principalId = "usr_alice", scopes = listOf("calendar:read", "email:send")),
        )
        println("[kotlin] 2. authorize: consent URL ${auth.consentUrl}")

        // 3. The human approves (here through the endpoint the consent page's Approve button
        //    calls); a sandbox key gets the code straight away.
        val sandbox = auth.code != null
        val code = auth.code ?: grantex.consent.approve(auth.authRequestId).code
        println(
            if (sandbox) "[kotlin] 3. consent: sandbox key, authorize returned the code (no consent step)"
            else "[kotlin] 3. consent: approved; authorization code received",
        )

        // 4. Exchange the code for a grant token.
        val token = grantex.tokens.exchange(ExchangeTokenParams(code = code, agentId = agent.id))
        println("[kotlin] 4. exchange: grant token for ${token.grantId}, scopes ${token.scopes.joinToString(", ")}")

        // 5. Any service verifies it offline against the published JWKS. A sandbox key's tokens
        //    (approved without a human) are accepted only when asked for.
        val options = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri, allowSandbox = sandbox)
        val grant = verifyGrantToken(token.grantToken, options.copy(requiredScopes = listOf("calendar:read")))
        println("[kotlin] 5. verify offline: principal ${grant.principalId}, agent ${grant.agentDid}, scopes ${grant.scopes.joinToString(", ")}")

        // 6. Delegate a subset to the sub-agent.
        val delegated = grantex.grants.delegate(
            DelegateParams(parentGrantToken = token.grantToken, subAgentId = sub.id, scopes = listOf("calendar:read"), expiresIn = "1h"),
        )
        val subGrant = verifyGrantToken(delegated.grantToken, options)
        println(
            "[kotlin] 6. delegate: grant ${delegated.grantId} to ${subGrant.agentDid} " +
                "(depth ${subGrant.delegationDepth}, scopes ${subGrant.scopes.joinToString(", ")})",
        )

        // 7. Revoke the root grant: the cascade reaches the sub-agent at once.
        grantex.grants.revoke(token.grantId)
        val parent = grantex.tokens.verify(token.grantToken)
        val child = grantex.tokens.verify(delegated.grantToken)
        println("[kotlin] 7. revoke: grant ${token.grantId}; online verify: grant valid=${parent.valid}, delegated grant valid=${child.valid}")
        check(!parent.valid && !child.valid) { "a revoked grant still verifies online" }
        val refused = try {
            grantex.grants.verify(delegated.grantToken)
            error("grants.verify accepted a revoked delegated grant")
        } catch (e: GrantexTokenException) {
            e.code
        }
        println("[kotlin]    grants.verify refuses the sub-agent's token: $refused")

        // 8. Offline verification cannot see revocation (use short lifetimes or the online
        //    check), but it still checks the signature: a tampered token is refused.
        val dot = token.grantToken.lastIndexOf('.')
        val signature = token.grantToken.substring(dot + 1)
        val tampered = token.grantToken.substring(0, dot + 1) + (if (signature.startsWith("A")) "B" else "A") + signature.substring(1)
        val code8 = try {
            verifyGrantToken(tampered, VerifyGrantTokenOptions(jwksUri = grantex.jwksUri))
            error("a tampered token verified")
        } catch (e: GrantexTokenException) {
            e.code
        }
        check(code8 == "bad_signature") { "a tampered token: $code8, expected bad_signature" }
        println("[kotlin] 8. tamper: the offline verifier refuses a forged signature: $code8")
    }
}
