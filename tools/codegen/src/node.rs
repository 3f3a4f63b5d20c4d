//! Node: the data table of every operation (`bindings-node/lib/operations.cjs`), which the
//! hand-written `lib/client.cjs` turns into the `Grantex` client's namespaces and methods, and
//! the TypeScript declarations of every wire type and of those methods
//! (`bindings-node/lib/types.d.cts`, re-exported by the hand-written `lib/index.d.cts`).
//!
//! JS argument rules, derived from the declaration (no per-operation choice here):
//! - path parameters come first, positional, named by their wire name (`agents.get(agentId)`);
//! - `strings(...)` operations then take their strings positionally, named by the camelCase Rust
//!   argument (`tokens.revoke(tokenId)` sends `{jti}`);
//! - body/query operations then take one params object, optional for query filters only;
//! - operations that need no API key are static methods with a trailing `{ baseUrl }` options
//!   argument (`Grantex.signup(params, options)`).
//!
//! Results are the core's JSON plus, for fields declared with `js_alias`, the same value under
//! the alias (`Agent.id` beside `agentId`), applied through nested types, lists and maps from
//! the `aliases` table.

use crate::text::{banner, pascal};
use grantex::catalog::{self, camel, Auth, Field, Input, Kind, Operation, PyStyle, Ty, TypeShape};
use std::collections::BTreeMap;
use std::fmt::Write;

const TABLE: &str = "bindings-node/lib/operations.cjs";
const TYPES: &str = "bindings-node/lib/types.d.cts";

pub fn files() -> Vec<(String, String)> {
    let ops = catalog::OPERATIONS;
    vec![
        (TABLE.to_string(), table(ops)),
        (TYPES.to_string(), types(ops)),
    ]
}

// ---------------------------------------------------------------- shared rules

/// The params object's type, for body and query operations (not when its members are
/// positional arguments: [`field_args`]).
fn params_shape(op: &Operation) -> Option<&'static TypeShape> {
    match op.input {
        _ if op.py == PyStyle::Fields => None,
        Input::Body(s) | Input::Query(s) => Some(s()),
        Input::None | Input::Strings(_) => None,
    }
}

/// The body/query members taken as positional arguments after the strings (`PyStyle::Fields`).
fn field_args(op: &Operation) -> &'static [Field] {
    match op.input {
        Input::Body(s) | Input::Query(s) if op.py == PyStyle::Fields => s().fields(),
        _ => &[],
    }
}

/// Query filters may be left out (`grants.list()`); a body is always given.
fn params_optional(op: &Operation) -> bool {
    matches!(op.input, Input::Query(_))
}

/// The JS positional arguments: `(name, wire)` of the path parameters, then of the strings.
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

/// A path parameter's wire name must not also be a member of the params object: the generic
/// call takes both from one input object.
fn check_collisions(op: &Operation) {
    if let Some(shape) = params_shape(op) {
        for p in op.path_params {
            assert!(
                !shape
                    .fields()
                    .iter()
                    .any(|f| f.wire == p.wire || f.aliases.contains(&p.wire)),
                "{}: path parameter `{}` is also a member of {}",
                op.name,
                p.wire,
                shape.name
            );
        }
    }
}

/// What each wire type is used as: a request (input) and/or a response (output) value.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
struct Role {
    input: bool,
    output: bool,
}

/// Every wire type reachable from an operation's params or result, with its role, in the
/// order of `catalog::shapes()` (dependencies first). The wire type of a mapped result (e.g.
/// `GrantVerifyResponse`) never reaches JS and is left out.
fn roles(ops: &[Operation]) -> Vec<(&'static TypeShape, Role)> {
    let mut seen: BTreeMap<&'static str, Role> = BTreeMap::new();
    fn visit(shape: &'static TypeShape, output: bool, seen: &mut BTreeMap<&'static str, Role>) {
        let role = seen.entry(shape.name).or_default();
        let before = *role;
        if output {
            role.output = true;
        } else {
            role.input = true;
        }
        if *role == before {
            return;
        }
        for f in shape.fields() {
            if let Some(inner) = named(&f.ty) {
                visit(inner, output, seen);
            }
        }
    }
    for op in ops {
        if let Input::Body(s) | Input::Query(s) = op.input {
            visit(s(), false, &mut seen);
        }
        if let Some(s) = op.output.result() {
            visit(s, true, &mut seen);
        }
    }
    for s in catalog::helper_shapes() {
        visit(s, true, &mut seen);
    }
    for s in catalog::helper_input_shapes() {
        visit(s, false, &mut seen);
    }
    catalog::shapes()
        .into_iter()
        .filter_map(|s| seen.get(s.name).map(|r| (s, *r)))
        .collect()
}

/// The named type a field holds, through `Optional`, `List` and `Map`.
fn named(ty: &Ty) -> Option<&'static TypeShape> {
    match ty {
        Ty::Optional(t) | Ty::List(t) | Ty::Map(t) => named(t),
        Ty::Named(shape) => Some(shape()),
        _ => None,
    }
}

// ---------------------------------------------------------------- operations.cjs

fn js_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn js_list<I: IntoIterator<Item = String>>(items: I) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

fn table(ops: &[Operation]) -> String {
    let mut out = banner("//");
    out.push_str(
        "'use strict';
// Every operation of the core's catalog, as data: `lib/client.cjs` builds the `Grantex`
// client's namespaces and methods from it (the methods map their arguments to one input object
// and call the addon's generic `call`). Per operation:
// - `name`: what `NativeClient.call` takes; `group`, `method`: the JS names (`group` '' for a
//   method of the client itself); `auth`: 'apiKey', or 'none' for static methods (signup);
// - `path`: the path parameters' wire names, taken positionally first;
// - `input`: 'none', 'body', 'query' or 'strings'; `strings`: for 'strings', the positional
//   string arguments after the path parameters ({ arg: JS name, wire: member sent });
// - `fields`: body/query members taken as positional arguments after those ({ arg, wire,
//   optional }), for the reference's `getLoginUrl(org, domain?)`; `params` is then null;
// - `params`: the params object's type (body/query), `paramsOptional`: whether it may be left
//   out; `output`: the result's type (null: the promise resolves with undefined).
//
// `aliases`: for every result type that holds a field with a JS alias (directly or nested),
// `alias` lists [wire name, alias] pairs (the alias gets the same value) and `nested` lists
// [member, type, containers], `containers` being '' (the value itself), '[]' (each element of
// a list) or '{}' (each value of a map), repeated for nested containers.

const operations = Object.freeze([
",
    );
    for op in ops {
        check_collisions(op);
        let fields: Vec<String> = field_args(op)
            .iter()
            .map(|f| {
                format!(
                    "Object.freeze({{ arg: {}, wire: {}, optional: {} }})",
                    js_str(&camel(f.rust)),
                    js_str(f.wire),
                    f.has_default
                )
            })
            .collect();
        let (input, strings) = match op.input {
            Input::None => ("none", Vec::new()),
            Input::Body(_) => ("body", Vec::new()),
            Input::Query(_) => ("query", Vec::new()),
            Input::Strings(params) => (
                "strings",
                params
                    .iter()
                    .map(|p| {
                        format!(
                            "Object.freeze({{ arg: {}, wire: {} }})",
                            js_str(&camel(p.rust)),
                            js_str(p.wire)
                        )
                    })
                    .collect(),
            ),
        };
        let _ = writeln!(
            out,
            "  Object.freeze({{\n    name: {},\n    group: {},\n    method: {},\n    auth: {},\n    \
             path: Object.freeze({}),\n    input: {},\n    strings: Object.freeze({}),\n    \
             fields: Object.freeze({}),\n    params: {},\n    paramsOptional: {},\n    output: {},\n  }}),",
            js_str(op.name),
            js_str(&op.js_group()),
            js_str(&op.js_method()),
            js_str(match op.auth {
                Auth::ApiKey => "apiKey",
                Auth::None => "none",
                Auth::GrantToken => "grantToken",
            }),
            js_list(op.path_params.iter().map(|p| js_str(p.wire))),
            js_str(input),
            js_list(strings),
            js_list(fields),
            params_shape(op).map_or("null".to_string(), |s| js_str(s.name)),
            params_optional(op),
            op.output
                .result()
                .map_or("null".to_string(), |s| js_str(s.name)),
        );
    }
    out.push_str("]);\n\nconst aliases = Object.freeze({\n");
    let outputs: Vec<&'static TypeShape> = roles(ops)
        .into_iter()
        .filter(|(_, r)| r.output)
        .map(|(s, _)| s)
        .collect();
    let mut memo = BTreeMap::new();
    for shape in &outputs {
        if !needs_aliases(shape, &mut memo) {
            continue;
        }
        let alias: Vec<String> = shape
            .fields()
            .iter()
            .filter_map(|f| f.js_alias.map(|a| js_list([js_str(f.wire), js_str(a)])))
            .collect();
        let nested: Vec<String> = shape
            .fields()
            .iter()
            .filter_map(|f| {
                let (inner, containers) = containers(&f.ty)?;
                needs_aliases(inner, &mut memo)
                    .then(|| js_list([js_str(f.wire), js_str(inner.name), js_str(&containers)]))
            })
            .collect();
        let _ = writeln!(
            out,
            "  {}: Object.freeze({{ alias: {}, nested: {} }}),",
            shape.name,
            js_list(alias),
            js_list(nested)
        );
    }
    out.push_str("});\n\nmodule.exports = { operations, aliases };\n");
    out
}

/// The struct a field holds and the containers around it (`[]` list, `{}` map; `Optional` is
/// transparent: `null` passes through).
fn containers(ty: &Ty) -> Option<(&'static TypeShape, String)> {
    match ty {
        Ty::Optional(t) => containers(t),
        Ty::List(t) => containers(t).map(|(s, c)| (s, format!("[]{c}"))),
        Ty::Map(t) => containers(t).map(|(s, c)| (s, format!("{{}}{c}"))),
        Ty::Named(shape) if matches!(shape().kind, Kind::Struct(_)) => {
            Some((shape(), String::new()))
        }
        _ => None,
    }
}

/// Whether a result of this type needs an alias anywhere inside it.
fn needs_aliases(shape: &'static TypeShape, memo: &mut BTreeMap<&'static str, bool>) -> bool {
    if let Some(known) = memo.get(shape.name) {
        return *known;
    }
    memo.insert(shape.name, false); // a recursive type adds nothing by recursing
    let needs = shape.fields().iter().any(|f| {
        f.js_alias.is_some() || containers(&f.ty).is_some_and(|(s, _)| needs_aliases(s, memo))
    });
    memo.insert(shape.name, needs);
    needs
}

// ---------------------------------------------------------------- types.d.cts

/// A doc comment at `indent`, or nothing for an empty doc.
fn doc_comment(out: &mut String, doc: &str, indent: &str) {
    // `///` doc lines keep the space after the slashes: drop one.
    let doc = doc
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l).trim_end())
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .replace("*/", "*\\/");
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

/// The TypeScript type of a JSON type.
fn ts(ty: &Ty) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Bool => "boolean".into(),
        Ty::Int | Ty::Float => "number".into(),
        Ty::Json => "unknown".into(),
        Ty::Object => "Record<string, unknown>".into(),
        Ty::Optional(inner) => match ts(inner).as_str() {
            "unknown" => "unknown".into(),
            t => format!("{t} | null"),
        },
        Ty::List(inner) => {
            let t = ts(inner);
            if t.contains(' ') {
                format!("({t})[]")
            } else {
                format!("{t}[]")
            }
        }
        Ty::Map(inner) => format!("Record<string, {}>", ts(inner)),
        Ty::Named(shape) => shape().name.into(),
    }
}

/// A member's optionality: a request member may be left out when it has a default; a response
/// member is absent only when the core skips it when empty.
fn member_optional(f: &Field, role: Role) -> bool {
    (role.input && f.has_default) || (role.output && f.skip_if_empty)
}

/// A member's type: a response member the core skips when `None` is never `null`.
fn member_ty(f: &Field, role: Role) -> String {
    if role.output && !role.input && f.skip_if_empty {
        ts(f.ty.required())
    } else {
        ts(&f.ty)
    }
}

fn member(out: &mut String, name: &str, f: &Field, role: Role, indent: &str, doc: &str) {
    doc_comment(out, doc, indent);
    let q = if member_optional(f, role) { "?" } else { "" };
    let _ = writeln!(out, "{indent}{name}{q}: {};", member_ty(f, role));
}

fn types(ops: &[Operation]) -> String {
    let mut out = banner("//");
    out.push_str(
        "// The request and response types of every API operation and the client's namespaces and
// methods, from the core's catalog. Names are the wire (camelCase) names; a request member is
// optional when the core gives it a default, a response member when the core leaves it out
// when empty (`T | null`: the core sends null). `lib/index.d.cts` re-exports these (types
// only) and declares `Grantex` on `GrantexOperations`.
",
    );
    for (shape, role) in roles(ops) {
        out.push('\n');
        match shape.kind {
            Kind::StringEnum(values) => {
                doc_comment(&mut out, shape.doc, "");
                let values: Vec<String> = values.iter().map(|v| js_str(v)).collect();
                let _ = writeln!(out, "export type {} = {};", shape.name, values.join(" | "));
            }
            Kind::Struct(fields) => struct_decl(&mut out, shape, fields, role),
        }
        if let Some(reference) = shape.py_name.filter(|n| *n != shape.name) {
            let _ = writeln!(
                out,
                "/** `{}` under the reference SDK's name. */\nexport type {reference} = {};",
                shape.name, shape.name
            );
        }
    }

    let mut groups: Vec<&'static str> = Vec::new();
    for op in ops {
        if !op.group.is_empty() && !groups.contains(&op.group) {
            groups.push(op.group);
        }
    }
    for group in &groups {
        let _ = write!(
            out,
            "\n/** `grantex.{}`. */\nexport declare class {} {{\n  private constructor();\n",
            camel(group),
            group_class(group)
        );
        for op in ops.iter().filter(|op| op.group == *group) {
            method_decl(&mut out, op);
        }
        out.push_str("}\n");
    }

    out.push_str(
        "\n/**
 * The catalog's part of the `Grantex` client: its namespaces and methods. `Grantex`
 * (lib/index.d.cts) extends it; import `Grantex`, not this.
 */
export declare abstract class GrantexOperations {
  protected constructor();
",
    );
    for group in &groups {
        let _ = writeln!(out, "  readonly {}: {};", camel(group), group_class(group));
    }
    for op in ops.iter().filter(|op| op.group.is_empty()) {
        method_decl(&mut out, op);
    }
    out.push_str("}\n");
    out
}

fn group_class(group: &str) -> String {
    format!("{}Client", pascal(group))
}

fn struct_decl(out: &mut String, shape: &TypeShape, fields: &[Field], role: Role) {
    doc_comment(out, shape.doc, "");
    // A required request member that may also be given under another name (`userId` for
    // `principalId`): exactly one of the names.
    let either: Vec<&Field> = if role.input {
        fields
            .iter()
            .filter(|f| !f.aliases.is_empty() && !member_optional(f, role))
            .collect()
    } else {
        Vec::new()
    };
    if either.is_empty() {
        let _ = writeln!(out, "export interface {} {{", shape.name);
    } else {
        let _ = writeln!(out, "export type {} = {{", shape.name);
    }
    for f in fields {
        if either.iter().any(|e| std::ptr::eq(*e, f)) {
            continue;
        }
        member(out, f.wire, f, role, "  ", f.doc);
        if role.input {
            for a in f.aliases {
                member(out, a, f, role, "  ", &format!("Same as `{}`.", f.wire));
            }
        }
        if role.output {
            if let Some(alias) = f.js_alias {
                member(
                    out,
                    alias,
                    f,
                    role,
                    "  ",
                    &format!("Same value as `{}`.", f.wire),
                );
            }
        }
    }
    if either.is_empty() {
        out.push_str("}\n");
        return;
    }
    out.push('}');
    for f in either {
        let names: Vec<&str> = std::iter::once(f.wire)
            .chain(f.aliases.iter().copied())
            .collect();
        out.push_str(" & (\n");
        for name in &names {
            let others: Vec<String> = names
                .iter()
                .filter(|n| *n != name)
                .map(|n| format!("{n}?: undefined"))
                .collect();
            let doc = f.doc.split_whitespace().collect::<Vec<_>>().join(" ");
            let mut one = String::new();
            doc_comment(&mut one, &doc, "");
            let one = one.trim_end().replace("*/", "*/ ");
            let _ = writeln!(
                out,
                "  | {{ {}{name}: {}; {} }}",
                one,
                member_ty(f, role),
                others.join("; ")
            );
        }
        out.push(')');
    }
    out.push_str(";\n");
}

fn method_decl(out: &mut String, op: &Operation) {
    let mut doc = op.doc.trim().to_string();
    let _ = write!(doc, "\n\n`{} {}`", op.method.as_str(), op.path);
    doc_comment(out, &doc, "  ");
    let mut args: Vec<String> = string_args(op)
        .into_iter()
        .map(|(name, _)| format!("{name}: string"))
        .collect();
    for f in field_args(op) {
        let q = if f.has_default { "?" } else { "" };
        args.push(format!("{}{q}: {}", camel(f.rust), ts(f.ty.required())));
    }
    if let Some(shape) = params_shape(op) {
        let q = if params_optional(op) { "?" } else { "" };
        args.push(format!("params{q}: {}", shape.name));
    }
    let is_static = op.auth == Auth::None;
    if is_static {
        args.push("options?: { baseUrl?: string }".into());
    }
    let result = op.output.result().map_or("void", |s| s.name);
    let _ = writeln!(
        out,
        "  {}{}({}): Promise<{result}>;",
        if is_static { "static " } else { "" },
        op.js_method(),
        args.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn table_text() -> String {
        table(catalog::OPERATIONS)
    }

    fn types_text() -> String {
        types(catalog::OPERATIONS)
    }

    #[test]
    fn every_operation_is_in_the_table_once() {
        let text = table_text();
        assert!(text.starts_with("// Generated by tools/codegen"));
        let names: BTreeSet<&str> = catalog::OPERATIONS.iter().map(|op| op.name).collect();
        assert_eq!(names.len(), catalog::OPERATIONS.len());
        for op in catalog::OPERATIONS {
            assert_eq!(
                text.matches(&format!("name: {},", js_str(op.name))).count(),
                1,
                "{}",
                op.name
            );
        }
    }

    #[test]
    fn table_rows_carry_the_argument_rules() {
        let text = table_text();
        let row = |name: &str| {
            let at = text.find(&format!("name: '{name}',")).expect(name);
            let end = text[at..].find("}),\n").unwrap() + at;
            text[at..end].to_string()
        };
        let get = row("agents.get");
        assert!(
            get.contains("group: 'agents'") && get.contains("method: 'get'"),
            "{get}"
        );
        assert!(get.contains("path: Object.freeze(['agentId'])"), "{get}");
        assert!(get.contains("output: 'Agent'"), "{get}");
        let revoke = row("tokens.revoke");
        assert!(revoke.contains("input: 'strings'"), "{revoke}");
        assert!(revoke.contains("arg: 'tokenId', wire: 'jti'"), "{revoke}");
        assert!(revoke.contains("output: null"), "{revoke}");
        let list = row("grants.list");
        assert!(list.contains("input: 'query'") && list.contains("paramsOptional: true"));
        let settings = row("update_settings");
        assert!(settings.contains("group: ''") && settings.contains("method: 'updateSettings'"));
        assert!(
            settings.contains("params: 'UpdateSettingsParams'"),
            "{settings}"
        );
        assert!(settings.contains("paramsOptional: false"), "{settings}");
        let sessions = row("principal_sessions.create");
        assert!(
            sessions.contains("group: 'principalSessions'"),
            "{sessions}"
        );
        let signup = row("signup");
        assert!(signup.contains("auth: 'none'"), "{signup}");
        let checkpoint = row("audit.checkpoint");
        assert!(checkpoint.contains("input: 'none'") && checkpoint.contains("'AuditCheckpoint'"));
    }

    #[test]
    fn aliases_reach_nested_results() {
        let text = table_text();
        assert!(
            text.contains("  Agent: Object.freeze({ alias: [['agentId', 'id']], nested: [] }),")
        );
        assert!(
            text.contains("  Grant: Object.freeze({ alias: [['grantId', 'id']], nested: [] }),")
        );
        assert!(text.contains(
            "  AgentList: Object.freeze({ alias: [], nested: [['agents', 'Agent', '[]']] }),"
        ));
        assert!(text.contains(
            "  GrantList: Object.freeze({ alias: [], nested: [['grants', 'Grant', '[]']] }),"
        ));
        // Types without aliases are not listed.
        assert!(!text.contains("  AuditEntry:"));
    }

    #[test]
    fn containers_are_spelled_per_level() {
        static INNER: Ty = Ty::Named(<grantex::types::Agent as catalog::Wire>::shape);
        static LIST: Ty = Ty::List(&INNER);
        static OPT: Ty = Ty::Optional(&LIST);
        static MAP: Ty = Ty::Map(&OPT);
        assert_eq!(
            containers(&MAP).map(|(s, c)| (s.name, c)),
            Some(("Agent", "{}[]".into()))
        );
        assert!(containers(&Ty::String).is_none());
    }

    #[test]
    fn declarations_follow_roles_and_aliases() {
        let text = types_text();
        assert!(text.starts_with("// Generated by tools/codegen"));
        // Response: js_alias beside the wire name; skipped-when-empty members optional.
        assert!(text.contains("export interface Agent {\n"), "{text}");
        assert!(
            text.contains("  agentId: string;\n  /** Same value as `agentId`. */\n  id: string;\n")
        );
        assert!(text.contains("  parentGrantId?: string;\n"));
        assert!(text.contains("  expiresIn?: string | null;\n"));
        assert!(text.contains("  email: string | null;\n"));
        // Request: members with defaults optional; the `userId` alias of `principalId`.
        assert!(text.contains(
            "export interface RegisterAgentParams {\n  name: string;\n  scopes?: string[];\n"
        ));
        assert!(text.contains("export type AuthorizeParams = {\n"));
        assert!(
            text.contains("principalId: string; userId?: undefined }"),
            "{text}"
        );
        assert!(
            text.contains("userId: string; principalId?: undefined }"),
            "{text}"
        );
        assert!(text.contains("export type Mode = 'live' | 'sandbox';"));
        // Reference names.
        assert!(text.contains("export type ListAgentsResponse = AgentList;"));
        assert!(text.contains("export type LogAuditParams = AuditLogParams;"));
        // The wire type of a mapped result never reaches JS.
        assert!(!text.contains("GrantVerifyResponse"));
        assert!(text.contains("export interface VerifiedGrant {"));
    }

    #[test]
    fn declarations_of_methods() {
        let text = types_text();
        assert!(text.contains("export declare class AgentsClient {\n  private constructor();\n"));
        assert!(text.contains("  get(agentId: string): Promise<Agent>;\n"));
        assert!(text
            .contains("  update(agentId: string, params: UpdateAgentParams): Promise<Agent>;\n"));
        assert!(text.contains("  delete(agentId: string): Promise<void>;\n"));
        assert!(text.contains("  revoke(tokenId: string): Promise<void>;\n"));
        assert!(text.contains("  list(params?: ListGrantsParams): Promise<GrantList>;\n"));
        assert!(text.contains("  verify(token: string): Promise<VerifiedGrant>;\n"));
        assert!(text.contains("  checkpoint(): Promise<AuditCheckpoint>;\n"));
        assert!(text.contains("  readonly principalSessions: PrincipalSessionsClient;\n"));
        assert!(text.contains(
            "  static signup(params: SignupParams, options?: { baseUrl?: string }): Promise<SignupResponse>;\n"
        ));
        assert!(text.contains(
            "  updateSettings(params: UpdateSettingsParams): Promise<UpdateSettingsResponse>;\n"
        ));
        assert!(text.contains("`PATCH /v1/me`"));
        for op in catalog::OPERATIONS {
            assert!(
                text.contains(&format!("{}(", op.js_method())),
                "{} has no declaration",
                op.name
            );
        }
    }

    #[test]
    fn doc_comments_cannot_close_early() {
        let mut out = String::new();
        doc_comment(&mut out, " a */ b\n\n c\n", "  ");
        assert_eq!(out, "  /**\n   * a *\\/ b\n   *\n   * c\n   */\n");
    }
}
