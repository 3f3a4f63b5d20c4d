//! The Go side: `bindings-go/operations_gen.go`, one `Op<Group><Method>` string constant per
//! catalog operation (what `Client.Call` and `CallUnauthenticated` take, and what the
//! hand-written reference-shaped methods pass to the C generic call), each documented with its
//! HTTP route and retry policy, plus the table `Operations` listing them all. A hand-written
//! method naming an operation the catalog no longer has stops compiling.
//!
//! Every operation without a hand-written method ([`HAND_WRITTEN`]: the reference Go SDK's
//! names and types) gets a generated typed method, with generated structs for the wire types it
//! uses (`bindings-go/methods_gen.go`): on `Client` for top-level operations, on the hand-written
//! service of its namespace, or on a generated service reached through `Client.<Namespace>`
//! (fields of the embedded `generatedNamespaces`).

use crate::text;
use grantex::catalog::{self, Auth, Input, Kind, Operation, Retry, Ty, TypeShape};
use std::fmt::Write as _;

/// Where the file goes, relative to the repository root.
pub const FILE: &str = "bindings-go/operations_gen.go";

/// Comment lines are wrapped to this many columns.
const WIDTH: usize = 100;

/// Where the generated methods and types go.
pub const METHODS_FILE: &str = "bindings-go/methods_gen.go";

/// Operations whose Go method is hand-written with the reference SDK's name and types.
const HAND_WRITTEN: &[&str] = &[
    "signup",
    "me",
    "rotate_key",
    "authorize",
    "agents.register",
    "agents.get",
    "agents.list",
    "agents.update",
    "agents.delete",
    "tokens.exchange",
    "tokens.refresh",
    "tokens.verify",
    "tokens.revoke",
    "grants.get",
    "grants.list",
    "grants.revoke",
    "grants.delegate",
    "grants.verify",
    "audit.log",
    "audit.list",
    "audit.get",
    "audit.checkpoint",
    "principal_sessions.create",
    "consent.approve",
    "consent.deny",
];

/// Namespaces whose service type (and `Client` field) is hand-written.
const HAND_GROUPS: &[&str] = &[
    "agents",
    "tokens",
    "grants",
    "audit",
    "principal_sessions",
    "consent",
];

/// Go type names the hand-written files define; a wire type of that name is not generated.
const HAND_TYPES: &[&str] = &[
    "SignupParams",
    "SignupResponse",
    "RotateKeyResponse",
    "DeveloperAccount",
    "Agent",
    "RegisterAgentParams",
    "UpdateAgentParams",
    "ListAgentsResponse",
    "AuthorizeParams",
    "AuthorizationRequest",
    "ExchangeTokenParams",
    "RefreshTokenParams",
    "ExchangeTokenResponse",
    "VerifyTokenResponse",
    "Grant",
    "ListGrantsParams",
    "ListGrantsResponse",
    "DelegateParams",
    "DelegateResponse",
    "VerifiedGrant",
    "LogAuditParams",
    "AuditEntry",
    "ListAuditParams",
    "ListAuditResponse",
    "AuditCheckpoint",
    "CreatePrincipalSessionParams",
    "PrincipalSessionResponse",
    "ConsentApproval",
    "RateLimit",
    "Client",
    "Option",
    "OperationInfo",
    "PKCEChallenge",
    "VerifyOptions",
    "Verifier",
    "Error",
    "APIError",
    "AuthError",
    "TokenError",
    "NetworkError",
];

pub fn files() -> Vec<(String, String)> {
    vec![
        (FILE.to_string(), source(catalog::OPERATIONS)),
        (METHODS_FILE.to_string(), methods(catalog::OPERATIONS)),
    ]
}

/// `PascalCase` with Go's initialisms (`agent_id` → `AgentID`, `jwks_uri` → `JwksURI`).
fn go_name(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| match w {
            "id" => "ID".to_string(),
            "url" => "URL".to_string(),
            "uri" => "URI".to_string(),
            "did" => "DID".to_string(),
            "api" => "API".to_string(),
            "jwk" => "JWK".to_string(),
            _ => text::pascal(w),
        })
        .collect()
}

/// A Go parameter name for a camelCase wire name (`agentId` → `agentID`).
fn go_param(wire: &str) -> String {
    let mut out = wire.to_string();
    for (from, to) in [("Id", "ID"), ("Url", "URL"), ("Uri", "URI"), ("Did", "DID")] {
        if out.ends_with(from) {
            out.truncate(out.len() - from.len());
            out.push_str(to);
        }
    }
    if out == "type" || out == "func" || out == "range" {
        out.push('_');
    }
    out
}

/// The Go type of a wire type; `optional` fields of output structs become pointers.
fn go_type(ty: &Ty, types: &mut Vec<&'static TypeShape>) -> String {
    match ty {
        Ty::String => "string".into(),
        Ty::Bool => "bool".into(),
        Ty::Int => "int64".into(),
        Ty::Float => "float64".into(),
        Ty::Json => "any".into(),
        Ty::Object => "map[string]any".into(),
        Ty::Optional(inner) => {
            let t = go_type(inner, types);
            if t.starts_with('[') || t.starts_with("map[") || t == "any" {
                t
            } else {
                format!("*{t}")
            }
        }
        Ty::List(inner) => format!("[]{}", go_type(inner, types)),
        Ty::Map(inner) => format!("map[string]{}", go_type(inner, types)),
        Ty::Named(f) => named(f(), types),
    }
}

/// The Go name of a named wire type, queueing it for generation.
fn named(shape: &'static TypeShape, types: &mut Vec<&'static TypeShape>) -> String {
    if let Kind::StringEnum(_) = shape.kind {
        return "string".into();
    }
    if !HAND_TYPES.contains(&shape.name) && !types.iter().any(|t| t.name == shape.name) {
        types.push(shape);
    }
    shape.name.to_string()
}

/// `// <Name>: <doc>` comment lines, wrapped (`fallback` when the catalog has no doc).
fn doc_comment(indent: &str, name: &str, doc: &str, fallback: &str, out: &mut String) {
    let doc = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = if doc.is_empty() {
        format!("{name} {fallback}")
    } else {
        format!("{name}: {doc}")
    };
    let mut lines = Vec::new();
    wrap(&text, &format!("{indent}// "), &mut lines);
    for l in lines {
        out.push_str(l.trim_end());
        out.push('\n');
    }
}

fn methods(ops: &[Operation]) -> String {
    for name in HAND_WRITTEN {
        assert!(
            ops.iter().any(|op| op.name == *name),
            "bindings-go hand-writes `{name}`, which the catalog no longer has"
        );
    }
    let mut types: Vec<&'static TypeShape> = Vec::new();
    let mut body = String::new();
    let mut groups: Vec<&str> = Vec::new();
    for op in ops.iter().filter(|op| !HAND_WRITTEN.contains(&op.name)) {
        let recv = if op.group.is_empty() {
            "c *Client".to_string()
        } else {
            if !HAND_GROUPS.contains(&op.group) && !groups.contains(&op.group) {
                groups.push(op.group);
            }
            format!("s *{}Service", go_name(op.group))
        };
        let client = if op.group.is_empty() { "c" } else { "s.c" };
        let mut args = vec!["ctx context.Context".to_string()];
        let mut members: Vec<(String, String)> = op
            .path_params
            .iter()
            .map(|p| (p.wire.to_string(), go_param(p.wire)))
            .collect();
        let mut params_ty = None;
        match op.input {
            Input::None => {}
            Input::Strings(ps) => {
                members.extend(ps.iter().map(|p| (p.wire.to_string(), go_param(p.wire))))
            }
            Input::Body(shape) | Input::Query(shape) => {
                params_ty = Some(named(shape(), &mut types))
            }
        }
        for (_, p) in &members {
            args.push(format!("{p} string"));
        }
        if let Some(t) = &params_ty {
            args.push(format!("params {t}"));
        }
        let result = op.output.result().map(|shape| named(shape, &mut types));
        let method = go_name(op.method_name);
        let ret = match &result {
            Some(t) => format!("(*{t}, error)"),
            None => "error".to_string(),
        };
        let doc = format!(
            "{} {} (`{}`). Generated from the core's catalog.",
            op.method.as_str(),
            op.path,
            op.name
        );
        doc_comment("", &method, &format!("{} {doc}", op.doc), "", &mut body);
        let _ = writeln!(body, "func ({recv}) {method}({}) {ret} {{", args.join(", "));
        let input = if members.is_empty() {
            match &params_ty {
                Some(_) => "params".to_string(),
                None => "nil".to_string(),
            }
        } else {
            let map = members
                .iter()
                .map(|(w, p)| format!("{w:?}: {p}"))
                .collect::<Vec<_>>()
                .join(", ");
            match &params_ty {
                Some(_) => {
                    let _ = writeln!(
                        body,
                        "\tin, err := withMembers(params, map[string]string{{{map}}})"
                    );
                    let _ = writeln!(body, "\tif err != nil {{");
                    let _ = writeln!(
                        body,
                        "\t\treturn {}err",
                        if result.is_some() { "nil, " } else { "" }
                    );
                    let _ = writeln!(body, "\t}}");
                    "in".to_string()
                }
                None => format!("map[string]string{{{map}}}"),
            }
        };
        let op_const = const_name(op);
        match &result {
            Some(t) => {
                let _ = writeln!(
                    body,
                    "\treturn callFor[{t}](ctx, {client}, {op_const}, {input})"
                );
            }
            None => {
                let _ = writeln!(
                    body,
                    "\treturn {client}.call(ctx, {op_const}, {input}, nil)"
                );
            }
        }
        body.push_str("}\n\n");
    }

    let mut out = text::banner("//");
    out.push_str("\npackage grantex\n\nimport \"context\"\n\n");
    out.push_str(
        "// generatedNamespaces holds the services of the catalog's namespaces that have no\n\
         // hand-written service; Client embeds it, so they read client.<Namespace>.\n\
         type generatedNamespaces struct {\n",
    );
    for g in &groups {
        let _ = writeln!(
            out,
            "\t// {0} runs the `{1}.*` operations.\n\t{0} *{0}Service",
            go_name(g),
            g
        );
    }
    out.push_str("}\n\nfunc (n *generatedNamespaces) init(c *Client) {\n");
    for g in &groups {
        let _ = writeln!(out, "\tn.{0} = &{0}Service{{c: c}}", go_name(g));
    }
    if groups.is_empty() {
        out.push_str("\t_ = c\n");
    }
    out.push_str("}\n\n");
    for g in &groups {
        let _ = writeln!(
            out,
            "// {0}Service runs the `{1}.*` operations (Client.{0}).\ntype {0}Service struct{{ c *Client }}\n",
            go_name(g),
            g
        );
    }
    out.push_str(&body);
    // Types, in order of first use (nested ones queue more while being written).
    let mut i = 0;
    while i < types.len() {
        let shape = types[i];
        i += 1;
        if let Kind::Struct(fields) = shape.kind {
            doc_comment(
                "",
                shape.name,
                shape.doc,
                "is a wire type of the API.",
                &mut out,
            );
            let _ = writeln!(out, "type {} struct {{", shape.name);
            for f in fields {
                let t = go_type(&f.ty, &mut types);
                let omit = if f.has_default || f.skip_if_empty || matches!(f.ty, Ty::Optional(_)) {
                    ",omitempty"
                } else {
                    ""
                };
                let fallback = format!("is the `{}` member.", f.wire);
                doc_comment("\t", &go_name(f.rust), f.doc, &fallback, &mut out);
                let _ = writeln!(
                    out,
                    "\t{} {} `json:\"{}{}\"`",
                    go_name(f.rust),
                    t,
                    f.wire,
                    omit
                );
            }
            out.push_str("}\n\n");
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// `OpAgentsGet` for `agents.get`, `OpMe` for the top-level `me`,
/// `OpPrincipalSessionsCreate` for `principal_sessions.create`.
pub fn const_name(op: &Operation) -> String {
    format!(
        "Op{}{}",
        text::pascal(op.group),
        text::pascal(op.method_name)
    )
}

fn source(ops: &[Operation]) -> String {
    let mut out = text::banner("//");
    out.push_str(
        "
package grantex

// The operations of the Grantex API, one constant each: the names Client.Call (and, for the
// operations that need no API key, CallUnauthenticated) run through the C library's generic
// call. The input is a value that encodes to a JSON object holding the path parameters and the
// body or query members under their wire (camelCase) names; the core checks it (unknown or
// missing members, wrong JSON types) before anything is sent. The members of each operation are
// listed in bindings-c/include/grantex_operations.h.
const (
",
    );
    for op in ops {
        let mut lines = Vec::new();
        let retries = match op.retry {
            Retry::Safe => "Retried on network errors, timeouts, 429, 502, 503 and 504.",
            Retry::Never => "Never retried.",
            Retry::WithIdempotencyKey => {
                "Retried on network errors, timeouts, 429, 502, 503 and 504 with one \
                 Idempotency-Key for every attempt."
            }
        };
        let auth = match op.auth {
            Auth::ApiKey => "",
            Auth::None => " Needs no API key: run it with CallUnauthenticated.",
            Auth::GrantToken => {
                " Authenticated by the grant token (sent as the bearer instead of the API key)."
            }
        };
        let doc = op.doc.split_whitespace().collect::<Vec<_>>().join(" ");
        // The doc of a never-retried operation already says so (and why).
        let retries = if doc.contains("retried") { "" } else { retries };
        let summary = format!(
            "{} is `{}`: {} {}, HTTP {} on success. {} {}{}",
            const_name(op),
            op.name,
            op.method.as_str(),
            op.path,
            op.status,
            doc,
            retries,
            auth
        );
        wrap(&summary, "\t// ", &mut lines);
        for line in lines {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.push_str(&format!("\t{} = \"{}\"\n", const_name(op), op.name));
    }
    out.push_str(")\n\n");
    out.push_str(
        "// OperationInfo describes one operation of the catalog.
type OperationInfo struct {
\t// Name is the operation's name, e.g. \"agents.get\" (the value of its Op constant).
\tName string
\t// Method is the HTTP method.
\tMethod string
\t// Path is the route template, e.g. \"/v1/agents/{agentId}\".
\tPath string
\t// NeedsAPIKey is false for the operations run with CallUnauthenticated.
\tNeedsAPIKey bool
}

// Operations lists every operation of the core's catalog, in catalog order.
var Operations = []OperationInfo{
",
    );
    for op in ops {
        out.push_str(&format!(
            "\t{{Name: {}, Method: \"{}\", Path: \"{}\", NeedsAPIKey: {}}},\n",
            const_name(op),
            op.method.as_str(),
            op.path,
            !matches!(op.auth, Auth::None)
        ));
    }
    out.push_str("}\n");
    out
}

/// Word-wraps `text` to [`WIDTH`] columns (a tab counts as 4), every line starting with `prefix`.
fn wrap(text: &str, prefix: &str, lines: &mut Vec<String>) {
    let width = |s: &str| s.len() + s.matches('\t').count() * 3;
    let mut line = prefix.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && width(&line) + 1 + word.len() > WIDTH {
            lines.push(std::mem::replace(&mut line, prefix.to_string()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    if !empty {
        lines.push(line);
    }
}
