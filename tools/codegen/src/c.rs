//! The C side: `bindings-c/include/grantex_operations.h`, one `GRANTEX_OP_<GROUP>_<METHOD>`
//! string constant per catalog operation (what `grantex_client_call()` takes as `operation`),
//! each documented with its HTTP route, the members of the JSON object it takes and the JSON it
//! answers. `grantex.h` includes it (cbindgen `includes`), so C users include only `grantex.h`.

use crate::text;
use grantex::catalog::{self, Auth, Field, Input, Kind, Operation, Output, Retry, Ty, TypeShape};

/// Where the header goes, relative to the repository root.
pub const HEADER: &str = "bindings-c/include/grantex_operations.h";

/// Comment lines are wrapped to this many columns (the C sources' limit).
const WIDTH: usize = 100;

pub fn files() -> Vec<(String, String)> {
    vec![(HEADER.to_string(), header(catalog::OPERATIONS))]
}

/// `GRANTEX_OP_AGENTS_GET` for `agents.get`, `GRANTEX_OP_ME` for the top-level `me`.
pub fn macro_name(op: &Operation) -> String {
    let mut name = String::from("GRANTEX_OP_");
    if !op.group.is_empty() {
        name.push_str(&op.group.to_uppercase());
        name.push('_');
    }
    name.push_str(&op.method_name.to_uppercase());
    name
}

fn header(ops: &[Operation]) -> String {
    let mut out = text::banner("//");
    out.push_str(
        "/*
 * grantex_operations.h: the operations of the Grantex API that grantex_client_call() (and, for
 * those that need no API key, grantex_call_unauthenticated()) run by name, one constant each.
 * grantex.h includes this file.
 *
 * The input is a JSON object text holding the path parameters and the body or query members
 * under their wire (camelCase) names; NULL or \"\" means `{}`. An optional member may be left out
 * or set to null; a member the operation does not know, a missing required member or a value of
 * the wrong JSON type is GRANTEX_INVALID_ARGUMENT, and nothing is sent. The result is a new JSON
 * text (`null` for operations without content) freed with grantex_string_free().
 *
 * \"Optional\" in a result means the member may be absent or null.
 */
#ifndef GRANTEX_OPERATIONS_H
#define GRANTEX_OPERATIONS_H
",
    );
    for op in ops {
        out.push('\n');
        out.push_str(&operation_doc(op));
        out.push_str(&format!("#define {} \"{}\"\n", macro_name(op), op.name));
    }
    out.push_str("\n#endif /* GRANTEX_OPERATIONS_H */\n");
    out
}

/// The doxygen comment above one constant.
fn operation_doc(op: &Operation) -> String {
    let mut lines: Vec<String> = Vec::new();
    let summary = format!(
        "`{}`: {} {}, HTTP {} on success. {}",
        op.name,
        op.method.as_str(),
        op.path,
        op.status,
        one_paragraph(op.doc)
    );
    wrap(&summary, " * ", " * ", &mut lines);
    lines.push(" *".into());
    let call = match op.auth {
        Auth::ApiKey => "Call: grantex_client_call().",
        Auth::None => "Call: grantex_call_unauthenticated() (no API key).",
        Auth::GrantToken => {
            "Call: grantex_client_call(), the agent's grant token in the `grantToken` member \
             (sent as the Authorization bearer instead of the API key)."
        }
    };
    let retries = match op.retry {
        Retry::Safe => "Retries: on network errors, timeouts, 429, 502, 503 and 504.",
        Retry::Never => "Retries: none.",
        Retry::WithIdempotencyKey => {
            "Retries: on network errors, timeouts, 429, 502, 503 and 504, every attempt with the \
             same Idempotency-Key header (`idempotencyKey`, else a fresh UUID)."
        }
    };
    wrap(&format!("{call} {retries}"), " * ", " * ", &mut lines);
    lines.push(" *".into());
    input_doc(op, &mut lines);
    lines.push(" *".into());
    output_doc(op, &mut lines);
    let mut out = String::from("/**\n");
    for line in lines {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(" */\n");
    out
}

fn input_doc(op: &Operation, lines: &mut Vec<String>) {
    let mut members: Vec<(String, String)> = op
        .path_params
        .iter()
        .map(|p| {
            (
                format!("`{}` (required; path parameter, the {})", p.wire, p.label),
                "a non-empty string".to_string(),
            )
        })
        .collect();
    let mut shape = None;
    let mut intro = "Input: a JSON object with";
    match op.input {
        Input::None => {}
        Input::Strings(params) => members.extend(params.iter().map(|p| {
            (
                format!("`{}` (required; the {})", p.wire, p.label),
                "a non-empty string".to_string(),
            )
        })),
        Input::Body(s) => shape = Some(s()),
        Input::Query(s) => {
            shape = Some(s());
            intro = "Input: a JSON object with (members other than path parameters are sent as \
                     the query string)";
        }
    }
    let body_fields = shape.map(TypeShape::fields).unwrap_or(&[]);
    if members.is_empty() && body_fields.is_empty() {
        lines.push(" * Input: none (NULL, \"\" or `{}`).".into());
        return;
    }
    wrap(intro, " * ", " * ", lines);
    for (name, ty) in members {
        wrap(&format!("- {name}: {ty}."), " *   ", " *     ", lines);
    }
    let mut stack = Vec::new();
    if let Some(shape) = shape {
        stack.push(shape.name);
    }
    for f in body_fields {
        field_doc(f, true, 1, &mut stack, lines);
    }
}

fn output_doc(op: &Operation, lines: &mut Vec<String>) {
    let shape = match op.output {
        Output::Unit => {
            lines.push(" * Result: `null` (no content).".into());
            return;
        }
        _ => op.output.result(),
    };
    let Some(shape) = shape else {
        lines.push(" * Result: `null` (no content).".into());
        return;
    };
    match shape.kind {
        Kind::StringEnum(values) => {
            let values: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
            wrap(
                &format!("Result: one of {}.", values.join(", ")),
                " * ",
                " *   ",
                lines,
            );
        }
        Kind::Struct(fields) => {
            let intro = format!(
                "Result: an object ({}){}",
                shape.name,
                doc_suffix(shape.doc)
            );
            wrap(&intro, " * ", " * ", lines);
            let mut stack = vec![shape.name];
            for f in fields {
                field_doc(f, false, 1, &mut stack, lines);
            }
        }
    }
}

/// One member line (and, for an object or list of objects, its members indented below).
fn field_doc(
    f: &Field,
    input: bool,
    depth: usize,
    stack: &mut Vec<&'static str>,
    lines: &mut Vec<String>,
) {
    let optional = f.has_default || f.ty.is_optional();
    let mut attrs = vec![if optional { "optional" } else { "required" }.to_string()];
    if input && !f.aliases.is_empty() {
        let aliases: Vec<String> = f.aliases.iter().map(|a| format!("`{a}`")).collect();
        attrs.push(format!("also accepted as {}", aliases.join(", ")));
    }
    let text = format!(
        "- `{}` ({}): {}{}",
        f.wire,
        attrs.join("; "),
        json_type(f.ty.required()),
        doc_suffix(f.doc)
    );
    let indent = "  ".repeat(depth);
    wrap(
        &text,
        &format!(" * {indent}"),
        &format!(" * {indent}  "),
        lines,
    );
    if let Some(shape) = nested_struct(&f.ty) {
        if stack.contains(&shape.name) {
            return; // recursive type: its members are listed above
        }
        stack.push(shape.name);
        for inner in shape.fields() {
            field_doc(inner, input, depth + 1, stack, lines);
        }
        stack.pop();
    }
}

/// The JSON type of a member in words: "a string", "a list of objects (Agent)", ...
fn json_type(ty: &Ty) -> String {
    match ty {
        Ty::Optional(t) => json_type(t),
        Ty::List(t) => format!("a list of {}", plural(t)),
        Ty::Map(t) => format!("an object whose values are {}", plural(t)),
        other => other.describe(),
    }
}

/// The plural of [`json_type`] for list and map elements.
fn plural(ty: &Ty) -> String {
    match ty {
        Ty::String => "strings".into(),
        Ty::Bool => "booleans".into(),
        Ty::Int => "integers".into(),
        Ty::Float => "numbers".into(),
        Ty::Json => "any JSON values".into(),
        Ty::Object => "objects".into(),
        Ty::Named(shape) => match shape().kind {
            Kind::Struct(_) => format!("objects ({})", shape().name),
            Kind::StringEnum(_) => format!("strings, each {}", ty.describe()),
        },
        Ty::Optional(t) => format!("{} or nulls", plural(t)),
        Ty::List(_) | Ty::Map(_) => format!("values that are {}", json_type(ty)),
    }
}

/// The struct an object-valued (or list/map-of-objects) member holds.
fn nested_struct(ty: &Ty) -> Option<&'static TypeShape> {
    match ty {
        Ty::Optional(t) | Ty::List(t) | Ty::Map(t) => nested_struct(t),
        Ty::Named(shape) => match shape().kind {
            Kind::Struct(_) => Some(shape()),
            Kind::StringEnum(_) => None,
        },
        _ => None,
    }
}

/// `". Doc text."` (one paragraph, final period ensured), or `"."` when there is no doc.
fn doc_suffix(doc: &str) -> String {
    let doc = one_paragraph(doc);
    if doc.is_empty() {
        ".".into()
    } else if doc.ends_with('.') {
        format!(". {doc}")
    } else {
        format!(". {doc}.")
    }
}

/// A (multi-line) doc text as one line, safe inside a C comment.
fn one_paragraph(doc: &str) -> String {
    let joined = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    comment_safe(&joined)
}

/// Text that cannot end or nest a C comment (`*/`, `/*`).
fn comment_safe(text: &str) -> String {
    text.replace("*/", "* /").replace("/*", "/ *")
}

/// Word-wraps `text` to [`WIDTH`] columns: the first line starts with `first`, the others with
/// `rest`.
fn wrap(text: &str, first: &str, rest: &str, lines: &mut Vec<String>) {
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            lines.push(std::mem::replace(&mut line, rest.to_string()));
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    lines.push(line);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_operation_has_its_own_constant() {
        let text = header(catalog::OPERATIONS);
        let mut names = HashSet::new();
        for op in catalog::OPERATIONS {
            let name = macro_name(op);
            assert!(names.insert(name.clone()), "{name} is used twice");
            assert!(
                text.contains(&format!("#define {name} \"{}\"\n", op.name)),
                "{name} missing"
            );
        }
        assert!(names.contains("GRANTEX_OP_AGENTS_GET"));
        assert!(names.contains("GRANTEX_OP_UPDATE_SETTINGS"));
        assert!(names.contains("GRANTEX_OP_PRINCIPAL_SESSIONS_CREATE"));
    }

    #[test]
    fn comments_stay_closed_and_lines_short() {
        let text = header(catalog::OPERATIONS);
        assert!(text.starts_with("// Generated by tools/codegen"));
        let mut in_comment = false;
        for line in text.lines().skip(1) {
            let t = line.trim_start();
            if t.starts_with("/*") {
                assert!(!in_comment, "nested comment: {line}");
                in_comment = !t.ends_with("*/");
                assert_eq!(t.matches("/*").count(), 1, "{line}");
            } else if in_comment {
                assert!(!t.contains("/*"), "{line}");
                if t.contains("*/") {
                    assert_eq!(t, "*/", "comment closed mid-line: {line}");
                    in_comment = false;
                }
            }
            assert!(line.len() <= WIDTH, "too long: {line}");
        }
        assert!(!in_comment);
    }

    #[test]
    fn documents_members_and_results() {
        let text = header(catalog::OPERATIONS);
        let doc = |name: &str| {
            let end = text.find(&format!("#define {name} ")).expect(name);
            let start = text[..end].rfind("/**").expect("doc");
            text[start..end].to_string()
        };
        let get = doc("GRANTEX_OP_AGENTS_GET");
        assert!(get.contains("GET /v1/agents/{agentId}"), "{get}");
        assert!(
            get.contains("`agentId` (required; path parameter, the agent id)"),
            "{get}"
        );
        assert!(get.contains("- `did` (required): a string."), "{get}");
        let settings = doc("GRANTEX_OP_UPDATE_SETTINGS");
        assert!(settings.contains("PATCH /v1/me"), "{settings}");
        assert!(
            settings.contains("- `fidoRpName` (optional): a string."),
            "{settings}"
        );
        assert!(
            settings.contains("- `updated` (required): a boolean."),
            "{settings}"
        );
        let authorize = doc("GRANTEX_OP_AUTHORIZE");
        assert!(
            authorize.contains("also accepted as `userId`"),
            "{authorize}"
        );
        let list = doc("GRANTEX_OP_AGENTS_LIST");
        assert!(
            list.contains("- `agents` (required): a list of objects (Agent)."),
            "{list}"
        );
        assert!(
            list.contains("\n *     - `agentId` (required): a string."),
            "{list}"
        );
        let delete = doc("GRANTEX_OP_AGENTS_DELETE");
        assert!(delete.contains("Result: `null` (no content)."), "{delete}");
        let signup = doc("GRANTEX_OP_SIGNUP");
        assert!(
            signup.contains("grantex_call_unauthenticated()"),
            "{signup}"
        );
        let me = doc("GRANTEX_OP_ME");
        assert!(me.contains("Input: none"), "{me}");
    }

    #[test]
    fn wrap_keeps_words_and_prefixes() {
        let mut lines = Vec::new();
        let long = "word ".repeat(60);
        wrap(&long, " * ", " *   ", &mut lines);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= WIDTH));
        assert!(lines[1].starts_with(" *   word"));
        assert_eq!(
            lines
                .iter()
                .map(|l| l.matches("word").count())
                .sum::<usize>(),
            60
        );
    }
}
