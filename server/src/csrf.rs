//! CSRF protection of the consent page's forms.
//!
//! `GET /consent?req=…` sets a short-lived cookie holding a random nonce and embeds
//! `token = base64url(HMAC-SHA256(secret, request id ‖ nonce))` in both forms. `POST
//! /consent/:id/approve|deny` is accepted only with that cookie and a token that verifies for the
//! path's request id and the cookie's nonce (constant-time compare by `hmac::verify`).
//!
//! One cookie per request (`gx_consent_<id>`, or `__Host-gx_consent_<id>` when the public URL is
//! https), so several consent pages open at once do not overwrite each other's nonce. The secret
//! is 32 random bytes in `<data-dir>/consent-csrf.key` (mode 0600), created on first start, so a
//! restart does not invalidate open consent pages. It is never printed.

use crate::fsutil;
use aws_lc_rs::hmac;
use axum::http::header::COOKIE;
use axum::http::HeaderMap;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::path::Path;

/// The secret's file name in the data dir.
pub const KEY_FILE: &str = "consent-csrf.key";
/// The form field carrying the token.
pub const FIELD: &str = "csrf";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 32;
const CONTEXT: &[u8] = b"grantex consent csrf v1\0";

/// Why a form submission was refused (the message the client sees).
pub const MISSING_COOKIE: &str = "The consent form's security cookie is missing or expired: \
    reload the consent page and answer from there (cookies must be enabled)";
pub const MISSING_TOKEN: &str =
    "The consent form's security token is missing: answer from the consent page";
pub const BAD_TOKEN: &str = "The consent form's security token does not match this browser's \
    consent page for this request: reload the consent page and answer from there";

/// Reads the data dir's CSRF secret, creating it (atomically, 0600) if it does not exist.
pub fn load_or_create_key(data_dir: &Path) -> Result<[u8; KEY_LEN], String> {
    let path = data_dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => bytes.as_slice().try_into().map_err(|_| {
            format!(
                "{} is damaged (expected {KEY_LEN} bytes, found {}); delete it to make a new one \
                 (open consent pages then need a reload)",
                path.display(),
                bytes.len()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = crate::ids::random_bytes::<KEY_LEN>();
            fsutil::write_atomic(&path, &key)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// The consent page's CSRF key and cookie attributes.
pub struct ConsentCsrf {
    key: hmac::Key,
    /// The public URL is https: `__Host-` cookie name, `Secure`.
    secure: bool,
}

impl std::fmt::Debug for ConsentCsrf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentCsrf")
            .field("secure", &self.secure)
            .finish_non_exhaustive()
    }
}

/// A fresh nonce cookie and the token bound to it.
#[derive(Debug)]
pub struct Issued {
    /// The `Set-Cookie` header value.
    pub set_cookie: String,
    pub token: String,
}

impl ConsentCsrf {
    pub fn new(secret: &[u8; KEY_LEN], public_url: &str) -> ConsentCsrf {
        ConsentCsrf {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
            secure: public_url.starts_with("https://"),
        }
    }

    /// The cookie of request `id`. Ids are this server's `areq_<ULID>`, valid cookie-name text.
    pub fn cookie_name(&self, id: &str) -> String {
        let prefix = if self.secure { "__Host-" } else { "" };
        format!("{prefix}gx_consent_{id}")
    }

    fn message(id: &str, nonce: &str) -> Vec<u8> {
        let mut m = Vec::with_capacity(CONTEXT.len() + 4 + id.len() + nonce.len());
        m.extend_from_slice(CONTEXT);
        m.extend_from_slice(&(id.len() as u32).to_be_bytes());
        m.extend_from_slice(id.as_bytes());
        m.extend_from_slice(nonce.as_bytes());
        m
    }

    fn attributes(&self, max_age: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("Max-Age={max_age}; Path=/; HttpOnly; SameSite=Strict{secure}")
    }

    /// A new nonce cookie for request `id`, living `max_age_secs` (at least 1), and its token.
    /// `None` if `id` could not be a cookie name (never the case for this server's ids).
    pub fn issue(&self, id: &str, max_age_secs: i64) -> Option<Issued> {
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return None;
        }
        let nonce = URL_SAFE_NO_PAD.encode(crate::ids::random_bytes::<NONCE_LEN>());
        let tag = hmac::sign(&self.key, &Self::message(id, &nonce));
        Some(Issued {
            set_cookie: format!(
                "{}={nonce}; {}",
                self.cookie_name(id),
                self.attributes(max_age_secs.max(1))
            ),
            token: URL_SAFE_NO_PAD.encode(tag.as_ref()),
        })
    }

    /// The `Set-Cookie` value that deletes request `id`'s cookie.
    pub fn clear(&self, id: &str) -> String {
        format!("{}=; {}", self.cookie_name(id), self.attributes(0))
    }

    /// Accepts a submission for request `id` if the browser sent request `id`'s cookie and
    /// `token` is the token issued with that cookie's nonce; otherwise the reason to refuse.
    pub fn check(
        &self,
        id: &str,
        headers: &HeaderMap,
        token: Option<&str>,
    ) -> Result<(), &'static str> {
        let name = self.cookie_name(id);
        let nonces: Vec<&str> = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| v)
            .collect();
        if nonces.is_empty() {
            return Err(MISSING_COOKIE);
        }
        let token = token.filter(|t| !t.is_empty()).ok_or(MISSING_TOKEN)?;
        let tag = URL_SAFE_NO_PAD.decode(token).map_err(|_| BAD_TOKEN)?;
        // Every cookie of that name is tried (a stale duplicate must not lock the user out).
        let ok = nonces
            .iter()
            .any(|n| hmac::verify(&self.key, &Self::message(id, n), &tag).is_ok());
        if ok {
            Ok(())
        } else {
            Err(BAD_TOKEN)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn cookie_of(set_cookie: &str) -> HeaderMap {
        let pair = set_cookie.split(';').next().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_str(&format!("a=b; {pair}")).unwrap(),
        );
        h
    }

    #[test]
    fn tokens_bind_the_request_and_the_nonce() {
        let c = ConsentCsrf::new(&[7; 32], "http://127.0.0.1:1");
        let a = c.issue("areq_A", 600).unwrap();
        let a2 = c.issue("areq_A", 600).unwrap();
        let b = c.issue("areq_B", 600).unwrap();
        assert!(a.set_cookie.starts_with("gx_consent_areq_A="));
        assert!(a
            .set_cookie
            .ends_with("; Max-Age=600; Path=/; HttpOnly; SameSite=Strict"));
        let ha = cookie_of(&a.set_cookie);
        assert_eq!(c.check("areq_A", &ha, Some(&a.token)), Ok(()));
        assert_eq!(c.check("areq_A", &ha, Some(&a2.token)), Err(BAD_TOKEN));
        assert_eq!(c.check("areq_A", &ha, Some(&b.token)), Err(BAD_TOKEN));
        assert_eq!(c.check("areq_A", &ha, Some("!!")), Err(BAD_TOKEN));
        assert_eq!(c.check("areq_A", &ha, None), Err(MISSING_TOKEN));
        assert_eq!(c.check("areq_A", &ha, Some("")), Err(MISSING_TOKEN));
        assert_eq!(
            c.check("areq_A", &HeaderMap::new(), Some(&a.token)),
            Err(MISSING_COOKIE)
        );
        // Request B's cookie and token do not answer request A.
        let hb = cookie_of(&b.set_cookie);
        assert_eq!(c.check("areq_A", &hb, Some(&b.token)), Err(MISSING_COOKIE));
        // Another secret (another data dir) does not accept it.
        let other = ConsentCsrf::new(&[8; 32], "http://127.0.0.1:1");
        assert_eq!(other.check("areq_A", &ha, Some(&a.token)), Err(BAD_TOKEN));
        assert!(c.issue("areq;x", 600).is_none());
        assert!(c.issue("", 600).is_none());
    }

    #[test]
    fn https_cookies_are_host_only_and_secure() {
        let c = ConsentCsrf::new(&[7; 32], "https://grantex.example");
        let a = c.issue("areq_A", 0).unwrap();
        assert!(a.set_cookie.starts_with("__Host-gx_consent_areq_A="));
        assert!(a.set_cookie.contains("Max-Age=1;") && a.set_cookie.ends_with("; Secure"));
        assert_eq!(
            c.clear("areq_A"),
            "__Host-gx_consent_areq_A=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(!format!("{c:?}").contains("key"));
    }
}
