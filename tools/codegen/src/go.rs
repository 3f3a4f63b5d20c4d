//! The Go side: `bindings-go/operations_gen.go`, one `Op<Group><Method>` string constant per
//! catalog operation (what `Client.Call` and `CallUnauthenticated` take, and what the
//! hand-written reference-shaped methods pass to the C generic call), each documented with its
//! HTTP route and retry policy, plus the table `Operations` listing them all. A hand-written
//! method naming an operation the catalog no longer has stops compiling.

use crate::text;
use grantex::catalog::{self, Auth, Operation, Retry};

/// Where the file goes, relative to the repository root.
pub const FILE: &str = "bindings-go/operations_gen.go";

/// Comment lines are wrapped to this many columns.
const WIDTH: usize = 100;

pub fn files() -> Vec<(String, String)> {
    vec![(FILE.to_string(), source(catalog::OPERATIONS))]
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
            matches!(op.auth, Auth::ApiKey)
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
