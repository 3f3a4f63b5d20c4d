//! Kotlin (JVM SDK, `bindings-kotlin/`): the catalog's wire types as data classes with their JSON
//! encoding and decoding (`WireTypes.kt`), and the per-operation layer (`Operations.kt`): one
//! namespace class per group (`AgentsClient`, reached as `grantex.agents`), the top-level
//! operations on `GrantexOperations` (which the hand-written `Grantex` extends), and the
//! operations that need no API key on `GrantexUnauthenticatedOperations` (the base of
//! `Grantex`'s companion: `Grantex.signup(params)`).
//!
//! Every operation becomes a `suspend` method and a blocking twin (`<name>Blocking`, for Java
//! callers and code outside coroutines); both build the generic call's input object and decode
//! the result, nothing else. The input rules are the TypeScript SDK's: path parameters first,
//! positional, then the `strings(...)` arguments, then one params object (optional, with an
//! empty default, for query filters only).
//!
//! Kotlin names: members by their wire (camelCase) name, types by their Rust name, the
//! reference SDK's other names as `typealias`es; a field's JS alias (`Agent.id`) is a read-only
//! property beside it. JSON types: `Int` is `Long`, `Float` is `Double`, any JSON value is a
//! kotlinx.serialization `JsonElement`, a string enum is a `String` (its values documented).

use crate::text::{banner, pascal};
use grantex::catalog::{self, camel, Auth, Field, Input, Kind, Operation, Ty, TypeShape};
use std::collections::BTreeMap;
use std::fmt::Write;

const DIR: &str = "bindings-kotlin/src/main/kotlin/dev/grantex";
const PACKAGE: &str = "dev.grantex";

pub fn files() -> Vec<(String, String)> {
    let ops = catalog::OPERATIONS;
    vec![
        (format!("{DIR}/WireTypes.kt"), types(ops)),
        (format!("{DIR}/Operations.kt"), operations(ops)),
    ]
}

/// Kotlin's hard keywords: a member of that name is written in backticks.
const KEYWORDS: &[&str] = &[
    "as",
    "break",
    "class",
    "continue",
    "do",
    "else",
    "false",
    "for",
    "fun",
    "if",
    "in",
    "interface",
    "is",
    "null",
    "object",
    "package",
    "return",
    "super",
    "this",
    "throw",
    "true",
    "try",
    "typealias",
    "typeof",
    "val",
    "var",
    "when",
    "while",
];

fn ident(name: &str) -> String {
    if KEYWORDS.contains(&name) || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("`{name}`")
    } else {
        name.to_string()
    }
}

/// A Kotlin string literal.
fn kt_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A KDoc comment at `indent`, or nothing for an empty doc.
fn kdoc(out: &mut String, doc: &str, indent: &str) {
    let doc = doc
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .replace("*/", "*&#47;")
        .replace("/*", "/&#42;");
    if doc.is_empty() {
        return;
    }
    let lines: Vec<&str> = doc.lines().collect();
    if lines.len() == 1 {
        let _ = writeln!(out, "{indent}/** {} */", lines[0]);
    } else {
        let _ = writeln!(out, "{indent}/**");
        for l in lines {
            if l.is_empty() {
                let _ = writeln!(out, "{indent} *");
            } else {
                let _ = writeln!(out, "{indent} * {l}");
            }
        }
        let _ = writeln!(out, "{indent} */");
    }
}

// ---------------------------------------------------------------- types

/// The Kotlin type of a JSON type.
fn kt(ty: &Ty) -> String {
    match ty {
        Ty::String => "String".into(),
        Ty::Bool => "Boolean".into(),
        Ty::Int => "Long".into(),
        Ty::Float => "Double".into(),
        Ty::Json => "JsonElement".into(),
        Ty::Object => "JsonObject".into(),
        Ty::Optional(inner) => format!("{}?", kt(inner)),
        Ty::List(inner) => format!("List<{}>", kt(inner)),
        Ty::Map(inner) => format!("Map<String, {}>", kt(inner)),
        Ty::Named(shape) => shape().name.into(),
    }
}

/// The constructor default of a field: `null` for an optional one, the type's empty value for
/// one the core defaults; `None` for a required one.
fn default(f: &Field) -> Option<String> {
    if let Ty::Optional(_) = f.ty {
        return Some("null".into());
    }
    if !f.has_default {
        return None;
    }
    Some(
        match &f.ty {
            Ty::String => "\"\"",
            Ty::Bool => "false",
            Ty::Int => "0L",
            Ty::Float => "0.0",
            Ty::Json => "JsonNull",
            Ty::Object => "JsonObject(emptyMap())",
            Ty::List(_) => "emptyList()",
            Ty::Map(_) => "emptyMap()",
            Ty::Optional(_) => "null",
            Ty::Named(shape) => match shape().kind {
                Kind::StringEnum(values) => return values.first().map(|v| kt_str(v)),
                Kind::Struct(fields) if fields.iter().all(|f| default(f).is_some()) => {
                    return Some(format!("{}()", shape().name))
                }
                Kind::Struct(_) => return None,
            },
        }
        .to_string(),
    )
}

/// The expression encoding `expr` (of type `ty`, not null) as a `JsonElement`.
fn encode(ty: &Ty, expr: &str, depth: usize) -> String {
    let v = format!("v{depth}");
    match ty {
        Ty::String | Ty::Bool | Ty::Int | Ty::Float => format!("JsonPrimitive({expr})"),
        Ty::Json | Ty::Object => expr.to_string(),
        Ty::Optional(inner) => format!(
            "({expr}?.let {{ {v} -> {} }} ?: JsonNull)",
            encode(inner, &v, depth + 1)
        ),
        Ty::List(inner) => format!(
            "JsonArray({expr}.map {{ {v} -> {} }})",
            encode(inner, &v, depth + 1)
        ),
        Ty::Map(inner) => format!(
            "JsonObject({expr}.mapValues {{ {v} -> {} }})",
            encode(inner, &format!("{v}.value"), depth + 1)
        ),
        Ty::Named(shape) => match shape().kind {
            Kind::StringEnum(_) => format!("JsonPrimitive({expr})"),
            Kind::Struct(_) => format!("{expr}.toJson()"),
        },
    }
}

/// The expression decoding the `JsonElement` `expr` into `ty` (`what` names it in errors).
fn decode(ty: &Ty, expr: &str, what: &str, depth: usize) -> String {
    let v = format!("v{depth}");
    let w = kt_str(what);
    match ty {
        Ty::String => format!("Wire.string({expr}, {w})"),
        Ty::Bool => format!("Wire.bool({expr}, {w})"),
        Ty::Int => format!("Wire.long({expr}, {w})"),
        Ty::Float => format!("Wire.double({expr}, {w})"),
        Ty::Json => expr.to_string(),
        Ty::Object => format!("Wire.obj({expr}, {w})"),
        Ty::Optional(inner) => format!(
            "Wire.nullable({expr}) {{ {v} -> {} }}",
            decode(inner, &v, what, depth + 1)
        ),
        Ty::List(inner) => format!(
            "Wire.list({expr}, {w}) {{ {v} -> {} }}",
            decode(inner, &v, &format!("{what}[]"), depth + 1)
        ),
        Ty::Map(inner) => format!(
            "Wire.map({expr}, {w}) {{ {v} -> {} }}",
            decode(inner, &v, &format!("{what}{{}}"), depth + 1)
        ),
        Ty::Named(shape) => match shape().kind {
            Kind::StringEnum(_) => format!("Wire.string({expr}, {w})"),
            Kind::Struct(_) => format!("{}.fromJson({expr})", shape().name),
        },
    }
}

/// When a non-optional member may be left out of the JSON (the core skips it when empty).
fn skip_condition(f: &Field, name: &str) -> Option<String> {
    if !f.skip_if_empty {
        return None;
    }
    match &f.ty {
        Ty::String | Ty::List(_) | Ty::Map(_) | Ty::Object => Some(format!("{name}.isNotEmpty()")),
        Ty::Json => Some(format!("{name} !is JsonNull")),
        _ => None,
    }
}

/// The wire types the operations reach (params and results, nested ones included), in the
/// order of `catalog::shapes()` (dependencies first). A mapped result's wire type (e.g.
/// `GrantVerifyResponse`) never reaches Kotlin and is left out.
fn reachable(ops: &[Operation]) -> Vec<&'static TypeShape> {
    let mut seen: BTreeMap<&'static str, ()> = BTreeMap::new();
    fn visit(shape: &'static TypeShape, seen: &mut BTreeMap<&'static str, ()>) {
        if seen.insert(shape.name, ()).is_some() {
            return;
        }
        for f in shape.fields() {
            if let Some(inner) = named(&f.ty) {
                visit(inner, seen);
            }
        }
    }
    for op in ops {
        if let Some(s) = params_shape(op) {
            visit(s, &mut seen);
        }
        if let Some(s) = op.output.result() {
            visit(s, &mut seen);
        }
    }
    // The helpers' types (enforce results and settings, token info, the feed state).
    for s in catalog::helper_shapes()
        .into_iter()
        .chain(catalog::helper_input_shapes())
    {
        visit(s, &mut seen);
    }
    catalog::shapes()
        .into_iter()
        .filter(|s| seen.contains_key(s.name))
        .collect()
}

fn named(ty: &Ty) -> Option<&'static TypeShape> {
    match ty {
        Ty::Optional(t) | Ty::List(t) | Ty::Map(t) => named(t),
        Ty::Named(shape) => Some(shape()),
        _ => None,
    }
}

fn types(ops: &[Operation]) -> String {
    let mut out = banner("//");
    let _ = write!(
        out,
        "// The request and response types of every API operation, from the core's catalog: one data
// class per wire type with `toJson()` and `fromJson(JsonElement)` (the JSON the core's generic
// call takes and gives). Members are the wire (camelCase) names. A member the core defaults has
// a default here (`null`, or the empty value); `Int` is `Long`, any JSON value a `JsonElement`.
@file:Suppress(\"RedundantVisibilityModifier\", \"unused\")

package {PACKAGE}

import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonNull
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.buildJsonObject
"
    );
    for shape in reachable(ops) {
        out.push('\n');
        match shape.kind {
            Kind::StringEnum(values) => {
                let quoted: Vec<String> = values.iter().map(|v| format!("`{v:?}`")).collect();
                let doc = format!(
                    "{}\n\nA string, one of {}.",
                    shape.doc.trim(),
                    quoted.join(", ")
                );
                kdoc(&mut out, &doc, "");
                let _ = writeln!(out, "public typealias {} = String", shape.name);
                let _ = writeln!(
                    out,
                    "\n/** The values of [{0}]. */\npublic object {0}Values {{",
                    shape.name
                );
                for v in values {
                    let _ = writeln!(
                        out,
                        "    public const val {}: String = {}",
                        v.to_uppercase().replace(['-', '.', ' '], "_"),
                        kt_str(v)
                    );
                }
                out.push_str("}\n");
            }
            Kind::Struct(fields) => data_class(&mut out, shape, fields),
        }
        if let Some(reference) = shape.py_name.filter(|n| *n != shape.name) {
            let _ = writeln!(
                out,
                "\n/** [{}] under the reference SDK's name. */\npublic typealias {reference} = {}",
                shape.name, shape.name
            );
        }
    }
    out
}

fn data_class(out: &mut String, shape: &TypeShape, fields: &[Field]) {
    kdoc(out, shape.doc, "");
    let overloads = if fields.iter().any(|f| default(f).is_some()) {
        " @JvmOverloads constructor"
    } else {
        ""
    };
    let _ = writeln!(out, "public data class {}{overloads}(", shape.name);
    for f in fields {
        kdoc(out, f.doc, "    ");
        let d = default(f).map(|d| format!(" = {d}")).unwrap_or_default();
        let _ = writeln!(out, "    val {}: {}{d},", ident(f.wire), kt(&f.ty));
    }
    out.push_str(") {\n");
    // JS aliases: the same value under another name (`Agent.id`).
    for f in fields {
        if let Some(alias) = f.js_alias {
            if fields.iter().any(|g| g.wire == alias) {
                continue;
            }
            let _ = writeln!(
                out,
                "    /** Same value as [{0}]. */\n    val {1}: {2} get() = {0}\n",
                ident(f.wire),
                ident(alias),
                kt(&f.ty)
            );
        }
    }
    // Encoding.
    out.push_str("    /** The JSON object the API takes (wire names). */\n");
    out.push_str("    public fun toJson(): JsonObject = buildJsonObject {\n");
    for f in fields {
        let name = ident(f.wire);
        let key = kt_str(f.wire);
        match &f.ty {
            Ty::Optional(inner) => {
                let _ = writeln!(
                    out,
                    "        {name}?.let {{ v0 -> put({key}, {}) }}",
                    encode(inner, "v0", 1)
                );
            }
            ty => {
                let put = format!("put({key}, {})", encode(ty, &name, 0));
                match skip_condition(f, &name) {
                    Some(cond) => {
                        let _ = writeln!(out, "        if ({cond}) {put}");
                    }
                    None => {
                        let _ = writeln!(out, "        {put}");
                    }
                }
            }
        }
    }
    out.push_str("    }\n\n");
    // Decoding.
    let _ = writeln!(
        out,
        "    public companion object {{\n        /** Decodes the JSON the API gives (a decode error names the member). */\n        \
         @JvmStatic\n        public fun fromJson(json: JsonElement): {} {{\n            \
         val o = Wire.obj(json, {})\n            return {}(",
        shape.name,
        kt_str(shape.name),
        shape.name
    );
    for f in fields {
        let names: Vec<String> = std::iter::once(f.wire)
            .chain(f.aliases.iter().copied())
            .map(kt_str)
            .collect();
        let what = format!("{}.{}", shape.name, f.wire);
        let fallback = match default(f) {
            Some(d) if d == "null" => String::new(),
            Some(d) => format!(" ?: {d}"),
            None => format!(" ?: Wire.missing({})", kt_str(&what)),
        };
        let value = match &f.ty {
            Ty::Optional(inner) => decode(inner, "v0", &what, 1),
            ty => decode(ty, "v0", &what, 1),
        };
        let _ = writeln!(
            out,
            "                {} = Wire.member(o, {})?.let {{ v0 -> {value} }}{fallback},",
            ident(f.wire),
            names.join(", ")
        );
    }
    out.push_str("            )\n        }\n    }\n}\n");
}

// ---------------------------------------------------------------- operations

fn params_shape(op: &Operation) -> Option<&'static TypeShape> {
    match op.input {
        Input::Body(s) | Input::Query(s) => Some(s()),
        Input::None | Input::Strings(_) => None,
    }
}

/// The positional string arguments: `(Kotlin name, wire member)` of the path parameters, then
/// of the `strings(...)` members.
fn string_args(op: &Operation) -> Vec<(String, &'static str)> {
    let mut args: Vec<(String, &'static str)> = op
        .path_params
        .iter()
        .map(|p| (p.wire.to_string(), p.wire))
        .collect();
    if let Input::Strings(params) = op.input {
        args.extend(params.iter().map(|p| (camel(p.rust), p.wire)));
    }
    args
}

fn group_class(group: &str) -> String {
    format!("{}Client", pascal(group))
}

/// `(parameter list, input expression, result type, result decoding of `raw`)`.
fn signature(op: &Operation) -> (Vec<String>, String, Option<String>) {
    let strings = string_args(op);
    let mut params: Vec<String> = strings
        .iter()
        .map(|(name, _)| format!("{}: String", ident(name)))
        .collect();
    let members = strings
        .iter()
        .map(|(name, wire)| format!("{} to {}", kt_str(wire), ident(name)))
        .collect::<Vec<_>>();
    let params_json = match (params_shape(op), op.input) {
        (Some(shape), Input::Query(_)) => {
            // Optional filters default the whole object; a required member makes it required.
            if shape.fields().iter().all(|f| default(f).is_some()) {
                params.push(format!("params: {0} = {0}()", shape.name));
            } else {
                params.push(format!("params: {}", shape.name));
            }
            "params.toJson()".to_string()
        }
        (Some(shape), _) => {
            params.push(format!("params: {}", shape.name));
            "params.toJson()".to_string()
        }
        (None, _) => "null".to_string(),
    };
    let input = if members.is_empty() && params_json == "null" {
        "Wire.EMPTY".to_string()
    } else {
        let mut args = vec![params_json];
        args.extend(members);
        format!("Wire.input({})", args.join(", "))
    };
    let result = op.output.result().map(|s| s.name.to_string());
    (params, input, result)
}

fn method(out: &mut String, op: &Operation, call: &str, extra_param: Option<&str>) {
    let (mut params, input, result) = signature(op);
    if let Some(extra) = extra_param {
        params.push(extra.to_string());
    }
    let name = op.js_method();
    let mut doc = op.doc.trim().to_string();
    let _ = write!(doc, "\n\n`{} {}`", op.method.as_str(), op.path);
    kdoc(out, &doc, "    ");
    let ret = result
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    let body = |blocking: bool| {
        let raw = format!(
            "{call}{}({}, {input}{})",
            if blocking { "Blocking" } else { "" },
            kt_str(op.name),
            if extra_param.is_some() {
                ", baseUrl"
            } else {
                ""
            }
        );
        match &result {
            Some(r) => format!(" =\n        {r}.fromJson({raw})"),
            None => format!(" {{\n        {raw}\n    }}"),
        }
    };
    let overloads = if params.iter().any(|p| p.contains(" = ")) {
        "@JvmOverloads\n    "
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "    public suspend fun {}({}){ret}{}\n",
        ident(&name),
        params.join(", "),
        body(false)
    );
    let _ = writeln!(
        out,
        "    /** [{name}], blocking the calling thread (for Java, or outside coroutines). */\n    \
         {overloads}public fun {name}Blocking({}){ret}{}\n",
        params.join(", "),
        body(true)
    );
}

fn operations(ops: &[Operation]) -> String {
    let mut out = banner("//");
    let _ = write!(
        out,
        "// The per-operation layer of the Kotlin SDK, from the core's catalog: every operation as a
// `suspend` method and a blocking twin, grouped like the TypeScript SDK (`grantex.agents.get`).
// Each builds the generic call's input object (path parameters and the params' members under
// their wire names) and decodes the result; the core checks the input and runs the request.
@file:Suppress(\"RedundantVisibilityModifier\", \"unused\")

package {PACKAGE}

"
    );
    let mut groups: Vec<&'static str> = Vec::new();
    for op in ops {
        if !op.group.is_empty() && !groups.contains(&op.group) {
            groups.push(op.group);
        }
    }
    for group in &groups {
        let _ = writeln!(
            out,
            "/** `grantex.{}`: the `{group}.*` operations. */\npublic class {} internal constructor(private val transport: Transport) {{",
            camel(group),
            group_class(group)
        );
        for op in ops.iter().filter(|op| op.group == *group) {
            assert_ne!(
                op.auth,
                Auth::None,
                "{}: namespaced operations run on a client",
                op.name
            );
            method(&mut out, op, "transport.call", None);
        }
        trim_blank(&mut out);
        out.push_str("}\n\n");
    }
    out.push_str(
        "/**
 * The catalog's part of the [Grantex] client: its namespaces and top-level operations.
 * [Grantex] extends it; use [Grantex], not this.
 */
public abstract class GrantexOperations internal constructor(private val transport: Transport) {
",
    );
    for group in &groups {
        let _ = writeln!(
            out,
            "    /** The `{group}.*` operations. */\n    @get:JvmName({})\n    public val {}: {} = {}(transport)\n",
            kt_str(&camel(group)),
            camel(group),
            group_class(group),
            group_class(group)
        );
    }
    for op in ops
        .iter()
        .filter(|op| op.group.is_empty() && op.auth == Auth::ApiKey)
    {
        method(&mut out, op, "transport.call", None);
    }
    trim_blank(&mut out);
    out.push_str("}\n\n");
    out.push_str(
        "/**
 * The operations that need no API key, on [Grantex]'s companion (`Grantex.signup(params)`);
 * `baseUrl` falls back to `GRANTEX_BASE_URL`, then the default.
 */
public abstract class GrantexUnauthenticatedOperations internal constructor() {
",
    );
    for op in ops.iter().filter(|op| op.auth == Auth::None) {
        assert!(
            op.group.is_empty(),
            "{}: unauthenticated operations are top-level",
            op.name
        );
        method(
            &mut out,
            op,
            "Unauthenticated.call",
            Some("baseUrl: String? = null"),
        );
    }
    trim_blank(&mut out);
    out.push_str("}\n\n");
    out.push_str(
        "/** The name of every operation this layer calls, in catalog order (checked against the native library's catalog). */\ninternal val GENERATED_OPERATIONS: List<String> = listOf(\n",
    );
    for op in ops {
        let _ = writeln!(out, "    {},", kt_str(op.name));
    }
    out.push_str(")\n");
    out
}

fn trim_blank(out: &mut String) {
    while out.ends_with("\n\n") {
        out.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_both_methods() {
        let text = operations(catalog::OPERATIONS);
        assert!(text.starts_with("// Generated by tools/codegen"));
        for op in catalog::OPERATIONS {
            assert!(
                text.contains(&format!("fun {}Blocking(", op.js_method())),
                "{}",
                op.name
            );
            assert_eq!(
                text.matches(&format!("({}, ", kt_str(op.name))).count(),
                2,
                "{}",
                op.name
            );
        }
        assert!(text.contains("public suspend fun get(agentId: String): Agent ="));
        assert!(text.contains(
            "public suspend fun list(params: ListGrantsParams = ListGrantsParams()): GrantList"
        ));
        assert!(text.contains("public suspend fun revoke(tokenId: String) {"));
        assert!(text.contains("Wire.input(null, \"jti\" to tokenId)"));
        assert!(text.contains("Wire.input(params.toJson(), \"agentId\" to agentId)"));
        assert!(text.contains("@get:JvmName(\"principalSessions\")"));
    }

    #[test]
    fn types_carry_defaults_aliases_and_reference_names() {
        let text = types(catalog::OPERATIONS);
        assert!(text.contains("public data class Agent @JvmOverloads constructor("));
        assert!(text.contains("val id: String get() = agentId"));
        assert!(text.contains("public typealias ListAgentsResponse = AgentList"));
        // `userId` is read as another name of `principalId`.
        assert!(text.contains("Wire.member(o, \"principalId\", \"userId\")"));
        assert!(text.contains("val expiresIn: String? = null,"));
        assert!(!text.contains("GrantVerifyResponse"));
    }
}
