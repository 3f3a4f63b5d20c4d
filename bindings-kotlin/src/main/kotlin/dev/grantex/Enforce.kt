package dev.grantex

import dev.grantex.ffi.NativeEnforcer
import dev.grantex.ffi.normalizeManifest
import dev.grantex.ffi.prebuiltManifestNames
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject

/**
 * Checks an agent's tool calls before they run (the core's `grantex::enforce`): the grant token
 * verified offline, revocation checked as configured (`revocationCheck`: `offline`, the
 * default, `online` or `feed`), the connector's tool manifest, the grant's scopes and
 * `authorization_details`. A token or grant problem is a denial in the [EnforceResult]
 * (`allowed = false`, `reasonCode`, `subReason`), never an exception.
 *
 * ```kotlin
 * Enforcer(client).use { e ->
 *     e.loadPrebuilt("crm")
 *     val r = e.enforce(grantToken, "crm", "create_contact")
 *     if (!r.allowed) error(r.reason)
 * }
 * ```
 *
 * @param config the settings as [EnforceConfig]'s JSON members (`{"revocationCheck": "online"}`);
 *   a member left out takes the core's default, a bad value throws [GrantexConfigException].
 */
public class Enforcer @JvmOverloads constructor(client: Grantex, config: JsonObject = Wire.EMPTY) :
    AutoCloseable {
    private val native: NativeEnforcer = ffi { NativeEnforcer(client.nativeClient, config.toString()) }

    /** Loads (or replaces) its connector's manifest; a bad one throws [ManifestValidationException]. */
    public fun loadManifest(manifest: JsonObject): Unit = ffi { native.loadManifestJson(manifest.toString()) }

    /** [loadManifest] from JSON text (a repeated key is refused). */
    public fun loadManifestJson(manifestJson: String): Unit = ffi { native.loadManifestJson(manifestJson) }

    /** Loads a prebuilt manifest ([PREBUILT_MANIFESTS]). */
    public fun loadPrebuilt(connector: String): Unit = ffi { native.loadPrebuilt(connector) }

    /** Checks one tool call. [options]: further `EnforceCall` members (`audience`, `revocationCheck`, ...). */
    @JvmOverloads
    public suspend fun enforce(
        grantToken: String,
        connector: String,
        tool: String,
        amount: Double? = null,
        options: JsonObject = Wire.EMPTY,
    ): EnforceResult =
        EnforceResult.fromJson(Json.parseToJsonElement(ffi { native.enforce(call(grantToken, connector, tool, amount, options)) }))

    /** [enforce], blocking the calling thread. */
    @JvmOverloads
    public fun enforceBlocking(
        grantToken: String,
        connector: String,
        tool: String,
        amount: Double? = null,
        options: JsonObject = Wire.EMPTY,
    ): EnforceResult =
        EnforceResult.fromJson(Json.parseToJsonElement(ffi { native.enforceBlocking(call(grantToken, connector, tool, amount, options)) }))

    /** What the revocation feed knows; `null` when no feed was started. */
    public fun revocationFeedState(): FeedState? =
        ffi { native.feedStateJson() }?.let { FeedState.fromJson(Json.parseToJsonElement(it)) }

    /** Stops following the revocation feed. */
    public fun stopRevocationFeed(): Unit = native.stopFeed()

    override fun close() {
        native.stopFeed()
        native.close()
    }

    public companion object {
        /** The connectors with a prebuilt manifest. */
        @JvmField
        public val PREBUILT_MANIFESTS: List<String> = prebuiltManifestNames()

        /** A manifest document validated and normalised (manifest 0.6); throws [ManifestValidationException]. */
        @JvmStatic
        public fun normalize(manifestJson: String): JsonObject =
            Json.parseToJsonElement(ffi { normalizeManifest(manifestJson) }) as JsonObject

        private fun call(grantToken: String, connector: String, tool: String, amount: Double?, options: JsonObject): String =
            buildJsonObject {
                options.forEach { (k, v) -> put(k, v) }
                put("grantToken", JsonPrimitive(grantToken))
                put("connector", JsonPrimitive(connector))
                put("tool", JsonPrimitive(tool))
                if (amount != null) put("amount", JsonPrimitive(amount))
            }.toString()
    }
}
