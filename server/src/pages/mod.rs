//! Server-rendered HTML pages (consent, permissions). Every dynamic value is HTML-escaped; inline
//! script and style run under a per-response CSP nonce.

pub mod consent;
pub mod permissions;

use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; background: #f4f5f7; color: #1c1f24; }
main { max-width: 560px; margin: 40px auto; background: #fff; border-radius: 12px; padding: 28px 32px;
       box-shadow: 0 1px 3px rgba(0,0,0,.12); }
h1 { font-size: 1.35rem; margin: 0 0 8px; }
p.lead { color: #444; margin-top: 0; }
ul.scopes { list-style: none; padding: 0; margin: 16px 0; }
ul.scopes li { padding: 10px 12px; border: 1px solid #e2e4e8; border-radius: 8px; margin-bottom: 8px; }
ul.scopes li code, .muted code { font-size: .78rem; color: #6b7280; }
.muted { color: #6b7280; font-size: .88rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; font-size: .92rem; }
dt { color: #6b7280; } dd { margin: 0; word-break: break-all; }
.actions { display: flex; gap: 12px; margin-top: 22px; }
form { margin: 0; }
button { font-size: 1rem; padding: 10px 22px; border-radius: 8px; border: 1px solid #c7cbd1; background: #fff; cursor: pointer; }
button.approve { background: #1d6ef2; border-color: #1d6ef2; color: #fff; }
button:disabled { opacity: .5; cursor: default; }
.status { margin-top: 16px; font-weight: 600; }
.status.ok { color: #137333; } .status.denied, .status.error { color: #b3261e; }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
td, th { text-align: left; padding: 8px 6px; border-bottom: 1px solid #e2e4e8; vertical-align: top; }
"#;

/// A complete HTML page with its own CSP (inline script/style allowed only with the nonce).
pub fn page(status: StatusCode, title: &str, body: &str, script: Option<&str>) -> Response {
    page_with_forms(status, title, body, script, "'none'")
}

/// [`page`] whose forms may submit to (and be redirected to) `form_action`, a CSP source list.
pub fn page_with_forms(
    status: StatusCode,
    title: &str,
    body: &str,
    script: Option<&str>,
    form_action: &str,
) -> Response {
    let nonce = URL_SAFE_NO_PAD.encode(crate::ids::random_bytes::<16>());
    let script = script
        .map(|s| format!("<script nonce=\"{nonce}\">{s}</script>"))
        .unwrap_or_default();
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style nonce=\"{nonce}\">{STYLE}</style></head>\
         <body><main>{body}</main>{script}</body></html>",
        title = esc(title),
    );
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; \
         img-src 'self' data:; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// A short error page (unknown or finished request, missing session, ...).
pub fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        title,
        &format!(
            "<h1>{}</h1><p class=\"lead\">{}</p>",
            esc(title),
            esc(message)
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
