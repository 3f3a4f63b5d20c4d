package dev.grantex

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.doubleOrNull
import kotlinx.serialization.json.longOrNull

/**
 * The JSON helpers the generated wire types (`WireTypes.kt`) and operations (`Operations.kt`)
 * use. A value of the wrong shape in an answer is a [GrantexDecodeException] naming the member.
 */
internal object Wire {
    val EMPTY: JsonObject = JsonObject(emptyMap())

    /** The generic call's input: the params' members plus the path and string arguments. */
    fun input(params: JsonObject?, vararg members: Pair<String, String>): JsonObject {
        val out = LinkedHashMap<String, JsonElement>(params ?: emptyMap())
        for ((name, value) in members) out[name] = JsonPrimitive(value)
        return JsonObject(out)
    }

    /** The first of `names` present with a non-null value. */
    fun member(o: JsonObject, vararg names: String): JsonElement? {
        for (name in names) {
            val v = o[name]
            if (v != null && v !is JsonNull) return v
        }
        return null
    }

    fun missing(what: String): Nothing = throw decodeError("$what is missing")

    fun obj(e: JsonElement, what: String): JsonObject =
        e as? JsonObject ?: throw decodeError("$what must be a JSON object")

    fun string(e: JsonElement, what: String): String {
        val p = e as? JsonPrimitive
        if (p == null || !p.isString) throw decodeError("$what must be a string")
        return p.content
    }

    fun bool(e: JsonElement, what: String): Boolean {
        val p = e as? JsonPrimitive
        return p?.takeIf { !it.isString }?.booleanOrNull ?: throw decodeError("$what must be a boolean")
    }

    fun long(e: JsonElement, what: String): Long {
        val p = e as? JsonPrimitive
        return p?.takeIf { !it.isString }?.longOrNull ?: throw decodeError("$what must be an integer")
    }

    fun double(e: JsonElement, what: String): Double {
        val p = e as? JsonPrimitive
        return p?.takeIf { !it.isString }?.doubleOrNull ?: throw decodeError("$what must be a number")
    }

    inline fun <T> nullable(e: JsonElement, f: (JsonElement) -> T): T? = if (e is JsonNull) null else f(e)

    inline fun <T> list(e: JsonElement, what: String, f: (JsonElement) -> T): List<T> {
        val a = e as? JsonArray ?: throw decodeError("$what must be a JSON array")
        return a.map(f)
    }

    inline fun <T> map(e: JsonElement, what: String, f: (JsonElement) -> T): Map<String, T> =
        obj(e, what).mapValues { f(it.value) }

    fun decodeError(message: String): GrantexDecodeException =
        GrantexDecodeException("could not decode response: $message", 0, null)

    /**
     * A Kotlin or Java value as JSON: `null`, booleans, numbers, strings, `JsonElement`s, maps,
     * lists and arrays; any other value (a callable) counts as set (`true`).
     */
    fun toJson(value: Any?): JsonElement = when (value) {
        null -> JsonNull
        is JsonElement -> value
        is Boolean -> JsonPrimitive(value)
        is Number -> JsonPrimitive(value)
        is String -> JsonPrimitive(value)
        is Map<*, *> -> JsonObject(value.entries.associate { (k, v) -> k.toString() to toJson(v) })
        is Iterable<*> -> JsonArray(value.map { toJson(it) })
        is Array<*> -> JsonArray(value.map { toJson(it) })
        else -> JsonPrimitive(true)
    }
}
