//! The login step of an MCP consent. An MCP client — unlike a developer's agent — is not
//! trusted to say who the human is, so the developer's login binds the principal
//! (`routes::mcp::bind_principal`) with a one-time secret; the consent page trades the secret
//! in its URL for an HttpOnly cookie on this browser, and only a submission carrying that
//! cookie can answer the request.

use crate::ids;
use axum::http::header::COOKIE;
use axum::http::HeaderMap;

/// The consent page's query parameter carrying the login secret.
pub const PARAM: &str = "login";

fn name(id: &str, secure: bool) -> String {
    let prefix = if secure { "__Host-" } else { "" };
    format!("{prefix}gx_login_{id}")
}

/// The `Set-Cookie` value holding `secret` for request `id`. `SameSite=Lax`: the browser
/// arrives from the developer's login site through a redirect.
pub fn set_cookie(id: &str, secret: &str, max_age: i64, secure: bool) -> String {
    let flag = if secure { "; Secure" } else { "" };
    format!(
        "{}={secret}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{flag}",
        name(id, secure),
        max_age.max(1)
    )
}

/// Whether `secret` hashes to `hash` (the stored one).
pub fn matches(secret: &str, hash: &str) -> bool {
    ids::ct_eq(
        ids::sha256_hex(secret.as_bytes()).as_bytes(),
        hash.as_bytes(),
    )
}

/// Whether the browser sent request `id`'s login cookie and it hashes to `hash`.
pub fn cookie_matches(headers: &HeaderMap, id: &str, hash: &str, secure: bool) -> bool {
    let name = name(id, secure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(k, v)| k == name && matches(v, hash))
}
