package dev.grantex

import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonPrimitive
import java.io.File
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/** What the server writes to its data dir's server.json. */
data class ServerInfo(val baseUrl: String, val apiKey: String, val sandboxApiKey: String, val jwksUri: String)

/**
 * The throwaway grantex-server the tests run against: `$GRANTEX_SERVER_BIN`, else
 * `<target>/debug/grantex-server` (the Maven build runs `cargo build -p grantex-server`), on a free
 * loopback port with a fresh data dir under `$TMPDIR`. Started once per test JVM; stopped, and
 * its dir removed, when the JVM exits.
 */
object TestServer {
    val root: Path = Path.of(System.getenv("GRANTEX_ROOT") ?: "..").toAbsolutePath().normalize()

    /** A temp dir under `$TMPDIR` (what scripts/test checks for leftovers), else java.io.tmpdir. */
    fun tempDir(prefix: String): Path {
        val base = System.getenv("TMPDIR")?.takeIf { it.isNotEmpty() }?.let { Path.of(it) }
        return if (base != null) Files.createTempDirectory(base, prefix) else Files.createTempDirectory(prefix)
    }

    /** A development server: webhook receivers live on loopback. */
    val info: ServerInfo by lazy { start("--allow-private-webhooks", "--webhook-retry-base-ms", "200") }

    fun start(vararg extraArgs: String): ServerInfo {
        val target = System.getenv("CARGO_TARGET_DIR")?.let { Path.of(it) } ?: root.resolve("target")
        val bin = System.getenv("GRANTEX_SERVER_BIN") ?: target.resolve("debug/grantex-server").toString()
        check(File(bin).canExecute()) { "grantex-server not built at $bin (cargo build -p grantex-server)" }
        val dataDir = tempDir("grantex-kotlin-tests.")
        val log = dataDir.resolve("server.log").toFile()
        val process = ProcessBuilder(listOf(bin, "--listen", "127.0.0.1:0", "--data-dir", dataDir.toString()) + extraArgs)
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start()
        Runtime.getRuntime().addShutdownHook(thread(start = false) {
            process.destroy()
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
            dataDir.toFile().deleteRecursively()
        })
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
        val json = dataDir.resolve("server.json").toFile()
        while (System.nanoTime() < deadline) {
            if (json.isFile && json.length() > 0) {
                try {
                    val o = Json.parseToJsonElement(json.readText()) as JsonObject
                    fun s(k: String) = o[k]!!.jsonPrimitive.content
                    return ServerInfo(s("baseUrl"), s("apiKey"), s("sandboxApiKey"), s("jwksUri"))
                } catch (_: Exception) {
                    // partly written: try again
                }
            }
            check(process.isAlive) { "grantex-server exited during start-up:\n${log.readText()}" }
            Thread.sleep(50)
        }
        error("grantex-server did not write server.json within 30 s")
    }

    fun client(apiKey: String = info.apiKey): Grantex = Grantex(apiKey = apiKey, baseUrl = info.baseUrl)

    /** The shared vectors (vectors/<name>). */
    fun vectors(name: String): JsonObject =
        Json.parseToJsonElement(root.resolve("vectors").resolve(name).toFile().readText()) as JsonObject
}

/**
 * A loopback server that accepts connections and never answers (until closed). [accepted] and
 * [closedByClient] count connections, the latter those the client closed (read saw EOF): how a
 * test sees that an abandoned request was really dropped.
 */
class HangingServer : AutoCloseable {
    private val socket = ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())
    private val conns = java.util.concurrent.CopyOnWriteArrayList<Socket>()
    val accepted = java.util.concurrent.atomic.AtomicInteger()
    val closedByClient = java.util.concurrent.atomic.AtomicInteger()
    val url = "http://127.0.0.1:${socket.localPort}"

    init {
        thread(isDaemon = true) {
            try {
                while (true) {
                    val conn = socket.accept()
                    conns.add(conn)
                    accepted.incrementAndGet()
                    thread(isDaemon = true) {
                        try {
                            val buf = ByteArray(4096)
                            while (conn.getInputStream().read(buf) >= 0) {
                                // the request: never answered
                            }
                            closedByClient.incrementAndGet()
                        } catch (_: Exception) {
                            // closed by us
                        }
                    }
                }
            } catch (_: Exception) {
                // closed
            }
        }
    }

    /** Waits up to [ms] for `closedByClient` to reach [n]. */
    fun awaitClosedByClient(n: Int, ms: Long = 2000): Boolean {
        val deadline = System.nanoTime() + ms * 1_000_000
        while (System.nanoTime() < deadline) {
            if (closedByClient.get() >= n) return true
            Thread.sleep(10)
        }
        return closedByClient.get() >= n
    }

    override fun close() {
        socket.close()
        conns.forEach { runCatching { it.close() } }
    }
}

/** A port nothing listens on. */
fun deadUrl(): String = ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()).use { "http://127.0.0.1:${it.localPort}" }
