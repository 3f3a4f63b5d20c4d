package dev.grantex

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.serialization.json.jsonArray
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.time.Duration
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger

/** Coroutine cancellation, concurrency, and native memory over many verifications. */
class ConcurrencyTest {
    private val server = TestServer.info

    private fun vectorToken(): String =
        TestServer.vectors("token-vectors.json")["cases"]!!.jsonArray[0].jsonObject["token"]!!.jsonPrimitive.content

    @Test
    fun `cancelling a coroutine in flight abandons the native call promptly`(): Unit = runBlocking {
        HangingServer().use { hanging ->
            Grantex("k", hanging.url, timeout = Duration.ofSeconds(30), maxRetries = 0).use { grantex ->
                // Cancellation while the request waits for an answer.
                var outcome: Throwable? = null
                val job = launch(Dispatchers.Default) {
                    try {
                        grantex.agents.list()
                    } catch (e: Throwable) {
                        outcome = e
                        throw e
                    }
                }
                delay(200)
                val start = System.nanoTime()
                job.cancelAndJoin()
                val ms = (System.nanoTime() - start) / 1_000_000
                assertTrue(job.isCancelled)
                assertTrue(outcome is CancellationException, "$outcome")
                assertTrue(ms < 1000, "cancel took $ms ms")
                // The native request was dropped, not left running: its connection is closed.
                assertEquals(1, hanging.accepted.get())
                assertTrue(hanging.awaitClosedByClient(1), "the abandoned request's connection stayed open")

                // A deadline: withTimeout ends the call, not the client's 30 s timeout.
                val t0 = System.nanoTime()
                assertThrows<TimeoutCancellationException> { withTimeout(150) { grantex.me() } }
                assertTrue((System.nanoTime() - t0) / 1_000_000 < 1500)
                assertTrue(hanging.awaitClosedByClient(2), "the timed-out request's connection stayed open")

                // Cancelling an offline verification that is fetching its key set.
                JwksCache.remote("${hanging.url}/.well-known/jwks.json").use { cache ->
                    assertThrows<TimeoutCancellationException> { withTimeout(150) { cache.verify(vectorToken()) } }
                }
            }
        }
        // The client stays usable after cancelled calls.
        TestServer.client().use { grantex ->
            val job = launch { grantex.agents.list() }
            job.cancel()
            job.join()
            assertEquals("healthy", grantex.health().status)
        }
    }

    @Test
    fun `100 concurrent verifications`(): Unit = runBlocking {
        TestServer.client(server.sandboxApiKey).use { grantex ->
            val agent = grantex.agents.register(RegisterAgentParams(name = "concurrent", scopes = listOf("calendar:read")))
            val auth = grantex.authorize(AuthorizeParams(agentId = agent.agentId, principalId = "usr_c", scopes = listOf("calendar:read")))
            val token = grantex.tokens.exchange(ExchangeTokenParams(code = auth.code!!, agentId = agent.agentId))
            val options = VerifyGrantTokenOptions(jwksUri = grantex.jwksUri, allowSandbox = true, requiredScopes = listOf("calendar:read"))
            JwksCache.remote(grantex.jwksUri).use { remote ->
                val cacheOptions = options.copy(jwksUri = null)
                // 100 coroutines at once, through the shared cache, a private remote cache
                // (first use fetches), and the online check.
                val results = (0 until 100).map { i ->
                    async(Dispatchers.Default) {
                        when (i % 4) {
                            0 -> verifyGrantToken(token.grantToken, options).grantId
                            1 -> remote.verify(token.grantToken, cacheOptions).grantId
                            2 -> remote.verifyBlocking(token.grantToken, cacheOptions).grantId
                            else -> if (grantex.tokens.verify(token.grantToken).valid) token.grantId else "invalid"
                        }
                    }
                }.awaitAll()
                assertEquals(List(100) { token.grantId }, results)

                // 100 Java threads with the blocking twins at once.
                val pool = Executors.newFixedThreadPool(100)
                try {
                    val ok = AtomicInteger()
                    val futures = (0 until 100).map {
                        pool.submit {
                            if (verifyGrantTokenBlocking(token.grantToken, options).grantId == token.grantId) ok.incrementAndGet()
                        }
                    }
                    futures.forEach { it.get() }
                    assertEquals(100, ok.get())
                } finally {
                    pool.shutdown()
                }
            }
        }
    }

    private fun rssKb(): Long =
        java.io.File("/proc/self/status").readLines().first { it.startsWith("VmRSS:") }.split(Regex("\\s+"))[1].toLong()

    /**
     * Resident memory outside the Java heap (the heap's growth is the JVM's business), after
     * collections: JNA frees the native memory of its call structures when they are collected.
     */
    private fun nativeKb(): Long {
        repeat(3) {
            System.gc()
            Thread.sleep(200)
        }
        return rssKb() - Runtime.getRuntime().totalMemory() / 1024
    }

    @Test
    fun `no native memory growth over 100k verifications`() {
        val vec = TestServer.vectors("token-vectors.json")
        val valid = vec["cases"]!!.jsonArray.map { it.jsonObject }.first { it["name"]!!.jsonPrimitive.content == "valid_legacy_realistic" }
        val token = valid["token"]!!.jsonPrimitive.content
        val o = valid["options"]?.jsonObject
        val options = VerifyGrantTokenOptions(
            issuer = o?.get("issuer")?.jsonPrimitive?.content ?: vec["issuer"]!!.jsonPrimitive.content,
            audience = o?.get("audience")?.jsonPrimitive?.content,
            now = vec["now"]!!.jsonPrimitive.content.toLong(),
        )
        val refused = token.dropLast(4) + "AAAA"
        JwksCache.fromJson(vec["jwks"]!!.toString()).use { jwks ->
            fun round(n: Int) = repeat(n) {
                jwks.verifyCached(token, options)
                try {
                    jwks.verifyCached(refused, options)
                    error("a forged token verified")
                } catch (e: GrantexTokenException) {
                    check(e.code == "bad_signature")
                }
            }
            round(10_000)
            // 100k verifications in four windows; a leak grows every window, the JVM's own
            // non-heap memory (JIT code, metaspace, malloc arenas) settles after the first.
            val windows = ArrayList<Long>()
            val start = System.nanoTime()
            var mark = nativeKb()
            repeat(4) {
                round(12_500)
                val now = nativeKb()
                windows += now - mark
                mark = now
            }
            val seconds = (System.nanoTime() - start) / 1e9
            val growth = windows.drop(1).sum()
            println("100000 verifications (half refused) in %.2f s (with GC pauses); native RSS change per 25k: %s KiB".format(seconds, windows))
            assertTrue(growth < 8 * 1024, "native memory grew by $growth KiB over the last 75k verifications: $windows")
        }
    }
}
