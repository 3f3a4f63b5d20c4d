//! A refused MCP request: the status, the RFC 6750 error and the `WWW-Authenticate`
//! challenge the MCP authorization specification asks for, built once for every binding.

use serde_json::{json, Value};

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("MCP request refused (HTTP {status}, {reason}): {message}")]
pub struct McpRejection {
    /// 401 (no valid token for this server), 403 (valid, a scope is missing) or 503 (could not
    /// check).
    pub status: u16,
    /// The RFC 6750 error: `invalid_token`, `insufficient_scope`, or `temporarily_unavailable`
    /// for a 503. Empty when the request carried no token (RFC 6750 §3.1: no error then).
    pub error: &'static str,
    /// Stable detail: `missing_token`, `invalid_authorization_header`, a token error code
    /// (`expired`, `bad_signature`, `wrong_audience`, `missing_scopes`, `revoked`, …),
    /// `delegation_not_allowed`, `revocation_unavailable` or `verifier_unavailable`.
    pub reason: &'static str,
    /// Human-readable; never contains the token.
    pub message: String,
    /// For 403: every scope the request needs.
    pub scope: Vec<String>,
    /// `WWW-Authenticate` (RFC 6750 §3, RFC 9728 §5.1); empty for a 503.
    pub www_authenticate: String,
}

impl McpRejection {
    /// A refusal and its challenge: `Bearer` with `error` and `error_description` when a token
    /// came (RFC 6750 §3.1: none when it is simply missing), `scope` when `scope` is non-empty
    /// (403), and always `resource_metadata` (RFC 9728 §5.1) so a client can find the
    /// authorization server. A 503 has no challenge: the token was not judged.
    pub(crate) fn new(
        status: u16,
        error: &'static str,
        reason: &'static str,
        message: String,
        scope: Vec<String>,
        metadata_url: &str,
    ) -> McpRejection {
        let mut attrs = Vec::new();
        if !error.is_empty() {
            attrs.push(format!("error={}", quoted(error)));
            attrs.push(format!("error_description={}", quoted(&message)));
        }
        if !scope.is_empty() {
            attrs.push(format!("scope={}", quoted(&scope.join(" "))));
        }
        attrs.push(format!("resource_metadata={}", quoted(metadata_url)));
        let www_authenticate = if status == 503 {
            String::new()
        } else {
            format!("Bearer {}", attrs.join(", "))
        };
        McpRejection {
            status,
            error,
            reason,
            message,
            scope,
            www_authenticate,
        }
    }

    /// The JSON body to answer with: `{error, error_description}` (`error` is
    /// `invalid_request`-free: `invalid_token` when no token came).
    pub fn body(&self) -> Value {
        json!({
            "error": if self.error.is_empty() { "invalid_token" } else { self.error },
            "error_description": self.message,
        })
    }

    /// The whole rejection as JSON (for bindings).
    pub fn to_json(&self) -> Value {
        json!({
            "status": self.status,
            "error": self.error,
            "reason": self.reason,
            "message": self.message,
            "scope": self.scope,
            "wwwAuthenticate": self.www_authenticate,
            "body": self.body(),
        })
    }
}

/// Longest value put in the header (messages can name a tool taken from the request body).
const MAX_QUOTED_CHARS: usize = 256;

/// An RFC 9110 quoted-string that every HTTP stack accepts as a header value: `"` and `\`
/// escaped, control characters dropped, anything outside printable ASCII replaced by `?` (a
/// tool name from the request can be any Unicode, and Node and ASGI servers refuse non-ASCII
/// header values), at most [`MAX_QUOTED_CHARS`] characters.
fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_QUOTED_CHARS) + 2);
    out.push('"');
    for c in value
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_QUOTED_CHARS)
    {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const META: &str = "https://tools.example/.well-known/oauth-protected-resource/mcp";

    #[test]
    fn a_missing_token_gets_no_error_attributes() {
        let r = McpRejection::new(401, "", "missing_token", "no token".into(), vec![], META);
        assert_eq!(
            r.www_authenticate,
            format!("Bearer resource_metadata=\"{META}\"")
        );
        assert_eq!(r.body()["error"], "invalid_token");
    }

    #[test]
    fn insufficient_scope_names_the_scopes_and_escapes_quotes() {
        let r = McpRejection::new(
            403,
            "insufficient_scope",
            "missing_scopes",
            "needs \"mail:send\"".into(),
            vec!["mcp".into(), "mail:send".into()],
            META,
        );
        assert_eq!(
            r.www_authenticate,
            format!(
                "Bearer error=\"insufficient_scope\", error_description=\"needs \\\"mail:send\\\"\", \
                 scope=\"mcp mail:send\", resource_metadata=\"{META}\""
            )
        );
        assert_eq!(r.body()["error"], "insufficient_scope");
        assert_eq!(r.to_json()["scope"], json!(["mcp", "mail:send"]));
    }

    #[test]
    fn header_values_stay_printable_ascii_and_short() {
        let r = McpRejection::new(
            403,
            "insufficient_scope",
            "missing_scopes",
            format!("tool `caf\u{e9}\r\n{}` \\", "x".repeat(1000)),
            vec![],
            META,
        );
        let h = &r.www_authenticate;
        assert!(h.chars().all(|c| (' '..='~').contains(&c)), "{h}");
        assert!(h.contains("tool `caf?xxx"), "{h}");
        assert!(h.len() < 400, "{}", h.len());
        // The body keeps the message as it was.
        assert!(r.message.contains('\u{e9}'));
    }

    #[test]
    fn unavailable_has_no_challenge() {
        let r = McpRejection::new(
            503,
            "temporarily_unavailable",
            "x",
            "down".into(),
            vec![],
            META,
        );
        assert!(r.www_authenticate.is_empty());
    }
}
