//! Input rules shared by the handlers; every failure is a 400 `BAD_REQUEST` naming the field.

use crate::error::{ApiError, ApiResult};

pub const MAX_SCOPES: usize = 100;
pub const MAX_SCOPE_LEN: usize = 256;

/// Characters that change how surrounding text is displayed without showing themselves:
/// bidirectional overrides/embeddings/isolates and marks, zero-width characters, the BOM, the
/// soft hyphen, line/paragraph separators and Unicode tag characters. A display name or id
/// holding one can render as something else than it is (`"Pay\u{202E}lapyap"`), so they are
/// refused.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}'
        | '\u{E0000}'..='\u{E007F}')
}

fn refuse_invisible(field: &str, value: &str) -> ApiResult<()> {
    match value.chars().find(|c| is_invisible_format(*c)) {
        Some(c) => Err(ApiError::bad_request(format!(
            "{field} must not contain invisible or bidirectional formatting characters (found U+{:04X})",
            c as u32
        ))),
        None => Ok(()),
    }
}

/// A required string: trimmed non-empty, at most `max` characters.
pub fn text<'a>(field: &str, value: &'a str, max: usize) -> ApiResult<&'a str> {
    if value.trim().is_empty() {
        return Err(ApiError::bad_request(format!(
            "{field} is required and must be a non-empty string"
        )));
    }
    if value.chars().count() > max {
        return Err(ApiError::bad_request(format!(
            "{field} must be at most {max} characters"
        )));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(ApiError::bad_request(format!(
            "{field} must not contain control characters"
        )));
    }
    refuse_invisible(field, value)?;
    Ok(value)
}

/// An optional free-text string (may be empty; newlines allowed), at most `max` characters.
pub fn free_text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.chars().count() > max {
        return Err(ApiError::bad_request(format!(
            "{field} must be at most {max} characters"
        )));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ApiError::bad_request(format!(
            "{field} must not contain control characters"
        )));
    }
    refuse_invisible(field, value)
}

/// Scope list rules: at most 100 entries, each non-blank, ≤256 characters, no whitespace or
/// control characters (scopes travel space-delimited in OAuth-style claims).
pub fn scopes(field: &str, list: &[String], require_non_empty: bool) -> ApiResult<()> {
    if require_non_empty && list.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{field} must be a non-empty array of scope strings"
        )));
    }
    if list.len() > MAX_SCOPES {
        return Err(ApiError::bad_request(format!(
            "{field} may hold at most {MAX_SCOPES} scopes (got {})",
            list.len()
        )));
    }
    for s in list {
        if s.is_empty() {
            return Err(ApiError::bad_request(format!(
                "{field} contains an empty scope"
            )));
        }
        if s.chars().count() > MAX_SCOPE_LEN {
            return Err(ApiError::bad_request(format!(
                "{field}: each scope must be at most {MAX_SCOPE_LEN} characters"
            )));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ApiError::bad_request(format!(
                "{field}: scope {:?} must not contain whitespace or control characters",
                s.chars().take(64).collect::<String>()
            )));
        }
    }
    Ok(())
}

/// An absolute http(s) URL with a host and no fragment, at most 2048 characters.
pub fn redirect_uri(value: &str) -> ApiResult<()> {
    http_url("redirectUri", value)
}

/// An absolute URL (https, or http on a loopback host) with a host, no fragment and no
/// credentials, at most 2048 characters; errors name `field`.
pub fn http_url(field: &str, value: &str) -> ApiResult<()> {
    let bad = |why: &str| ApiError::bad_request(format!("{field} {why}"));
    if value.len() > 2048 {
        return Err(bad("must be at most 2048 characters"));
    }
    let url = url::Url::parse(value).map_err(|_| bad("must be an absolute http(s) URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must use http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("must have a host"));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(bad(
            "must use https (http only for localhost / loopback addresses)",
        ));
    }
    if url.fragment().is_some() {
        return Err(bad("must not contain a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain credentials"));
    }
    Ok(())
}

/// `localhost`, 127.0.0.0/8 or ::1 (RFC 8252 §7.3 native-app redirects).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Most redirect URIs one agent may register.
pub const MAX_REDIRECT_URIS: usize = 20;

/// An agent's registered redirect URIs: each a valid [`redirect_uri`], no duplicates.
pub fn redirect_uris(list: &[String]) -> ApiResult<()> {
    if list.len() > MAX_REDIRECT_URIS {
        return Err(ApiError::bad_request(format!(
            "redirectUris may hold at most {MAX_REDIRECT_URIS} URIs (got {})",
            list.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for u in list {
        redirect_uri(u)?;
        if !seen.insert(u.as_str()) {
            return Err(ApiError::bad_request(format!(
                "redirectUris lists {u:?} twice"
            )));
        }
    }
    Ok(())
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// PKCE S256 challenge: exactly 43 base64url characters.
pub fn code_challenge(value: &str) -> ApiResult<()> {
    if value.len() != 43 || !value.bytes().all(is_b64url) {
        return Err(ApiError::bad_request(
            "codeChallenge must be exactly 43 base64url characters (S256)",
        ));
    }
    Ok(())
}

/// RFC 7636 code verifier: 43..128 unreserved characters.
pub fn code_verifier(value: &str) -> ApiResult<()> {
    let ok = (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~'));
    if !ok {
        return Err(ApiError::bad_request(
            "codeVerifier must be 43-128 characters of [A-Za-z0-9-._~]",
        ));
    }
    Ok(())
}

/// A plausible e-mail address (one `@`, non-empty local part, dotted domain), ≤254 characters.
pub fn email(value: &str) -> ApiResult<()> {
    let bad =
        || ApiError::bad_request("email must be a valid e-mail address of at most 254 characters");
    if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = value.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(())
}

/// Most resource servers one agent may register.
pub const MAX_RESOURCE_SERVERS: usize = 20;

/// RFC 8707 resource indicators: absolute URIs without a fragment (https, or http on loopback),
/// at most [`MAX_RESOURCE_SERVERS`], no duplicates.
pub fn resource_servers(list: &[String]) -> ApiResult<()> {
    if list.len() > MAX_RESOURCE_SERVERS {
        return Err(ApiError::bad_request(format!(
            "resourceServers may hold at most {MAX_RESOURCE_SERVERS} URIs (got {})",
            list.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for u in list {
        let bad = |why: &str| ApiError::bad_request(format!("resourceServers: {u:?} {why}"));
        if u.len() > 2048 {
            return Err(bad("must be at most 2048 characters"));
        }
        let url = url::Url::parse(u).map_err(|_| bad("must be an absolute URI"))?;
        if url.fragment().is_some() {
            return Err(bad("must not contain a fragment (RFC 8707 §2)"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not contain credentials"));
        }
        if !seen.insert(u.as_str()) {
            return Err(ApiError::bad_request(format!(
                "resourceServers lists {u:?} twice"
            )));
        }
    }
    Ok(())
}

/// A public asymmetric JWK: RSA (`n`, `e`, at least 2048 bits) or EC P-256/P-384/P-521 (`x`,
/// `y`), without private members. Returns its RFC 7638 SHA-256 thumbprint (the core's rule, the
/// one a DPoP proof's key is read with).
pub fn public_jwk(jwk: &serde_json::Value) -> ApiResult<String> {
    grantex::dpop::public_jwk_thumbprint(jwk)
        .map_err(|why| ApiError::bad_request(format!("publicJwk {why}")))
}

/// A grant purpose: dot-separated segments `[a-z][a-z0-9_]*` (`aml.cdd.onboarding`), or a
/// private term `x-<org>.<segment>...` (`x-acme.payroll`); at most 128 characters.
pub fn purpose(value: &str) -> ApiResult<()> {
    fn segment(s: &str) -> bool {
        let mut b = s.bytes();
        b.next().is_some_and(|c| c.is_ascii_lowercase())
            && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
    }
    fn org(s: &str) -> bool {
        s.strip_prefix("x-").is_some_and(|rest| {
            rest.split('-').all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
        })
    }
    let mut parts = value.split('.');
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    let ok = value.len() <= 128
        && rest.iter().all(|s| segment(s))
        && (segment(first) || (org(first) && !rest.is_empty()));
    if !ok {
        return Err(ApiError::bad_request(
            "purpose must be dot-separated lowercase segments ([a-z][a-z0-9_]*, e.g. \"aml.cdd.onboarding\") \
             or a private term \"x-<org>.<term>\", at most 128 characters",
        ));
    }
    Ok(())
}

/// A data region (`in`, `eu`, `us-east`): 2..32 letters, digits or '-', compared lowercased.
pub fn data_region(value: &str) -> ApiResult<String> {
    let ok = (2..=32).contains(&value.len())
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-');
    if !ok {
        return Err(ApiError::bad_request(
            "dataRegion must be 2-32 letters, digits or '-' (for example \"eu\" or \"in\")",
        ));
    }
    Ok(value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_rules() {
        let ok = vec!["read".to_string(), "payments:initiate:max_500".to_string()];
        assert!(scopes("scopes", &ok, true).is_ok());
        assert!(scopes("scopes", &[], true).is_err());
        assert!(scopes("scopes", &[], false).is_ok());
        assert!(scopes("scopes", &["".into()], true).is_err());
        assert!(scopes("scopes", &["a b".into()], true).is_err());
        assert!(scopes("scopes", &["x".repeat(257)], true).is_err());
        assert!(scopes("scopes", &["x".repeat(256)], true).is_ok());
        assert!(scopes("scopes", &vec!["r".to_string(); 101], true).is_err());
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused() {
        for bad in [
            "Pay\u{202E}lapyap",
            "a\u{200B}b",
            "\u{2066}x\u{2069}",
            "x\u{FEFF}",
            "soft\u{00AD}hyphen",
            "tag\u{E0041}",
            "rlm\u{200F}",
            "line\u{2028}sep",
        ] {
            assert!(text("name", bad, 200).is_err(), "{bad:?}");
            assert!(free_text("description", bad, 200).is_err(), "{bad:?}");
        }
        for ok in ["Zoë", "日本語の名前", "emoji 🚀", "a-b_c.d", "multi\nline"] {
            assert!(free_text("description", ok, 200).is_ok(), "{ok:?}");
        }
        assert!(text("name", "Zoë 🚀 日本", 200).is_ok());
    }

    #[test]
    fn url_rules() {
        assert!(redirect_uri("https://app.example.com/cb?x=1").is_ok());
        assert!(redirect_uri("http://127.0.0.1:9999/cb").is_ok());
        assert!(redirect_uri("http://localhost/cb").is_ok());
        assert!(redirect_uri("http://[::1]:80/cb").is_ok());
        assert!(redirect_uris(&["https://a/cb".into(), "https://b/cb".into()]).is_ok());
        assert!(redirect_uris(&["https://a/cb".into(), "https://a/cb".into()]).is_err());
        for bad in [
            "http://app.example.com/cb",
            "http://127.0.0.1.evil.com/cb",
            "/cb",
            "ftp://x/y",
            "https://x/cb#frag",
            "javascript:alert(1)",
            "https://u:p@x/",
        ] {
            assert!(redirect_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pkce_rules() {
        assert!(code_challenge("E9Melhoa2OwvFr-zgb8H6Ae2UkXx87Qi-9lz8c0uKBY").is_ok());
        assert!(code_challenge("E9Melhoa2OwvFr-zgb8H6Ae2UkXx87Qi-9lz8c0uKBY=").is_err());
        assert!(code_challenge("E9Melhoa2OwvFr+zgb8H6Ae2UkXx87Qi-9lz8c0uKB").is_err());
        assert!(code_verifier(&"a".repeat(42)).is_err());
        assert!(code_verifier(&"a~._-".repeat(10)).is_ok());
    }

    #[test]
    fn email_rules() {
        assert!(email("a@b.co").is_ok());
        for bad in ["a", "@b.co", "a@b", "a@@b.co", "a b@c.de"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
