//! Identifiers, API keys and small crypto helpers (all on aws-lc-rs).

use aws_lc_rs::digest::{digest, SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use grantex::types::Mode;

/// `<prefix>_<ULID>`; an empty prefix gives the bare ULID (authorization codes).
pub fn new_id(prefix: &str) -> String {
    let ulid = ulid::Ulid::new().to_string();
    if prefix.is_empty() {
        ulid
    } else {
        format!("{prefix}_{ulid}")
    }
}

/// A bearer secret: `<prefix>_` and 256 random bits, base64url (RFC 6749 §10.10 asks for at
/// most 2^-128 odds of guessing; an id's ULID has 80 random bits).
pub fn new_secret(prefix: &str) -> String {
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// `n` bytes from the system CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The system RNG failing is not recoverable; aws-lc aborts on its own in that case too.
    aws_lc_rs::rand::fill(&mut buf).expect("system random number generator failed");
    buf
}

/// A fresh developer API key: `gx_live_` / `gx_test_` + 32 random bytes in base64url (43 chars).
pub fn new_api_key(mode: Mode) -> String {
    let prefix = match mode {
        Mode::Live => "gx_live_",
        Mode::Sandbox => "gx_test_",
    };
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// Lowercase hex SHA-256: the only form in which API keys are stored.
pub fn sha256_hex(data: &[u8]) -> String {
    let d = digest(&SHA256, data);
    let mut out = String::with_capacity(64);
    for b in d.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// base64url(SHA-256(input)) without padding: the PKCE S256 transform.
pub fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()).as_ref())
}

/// Constant-time equality (length is not secret).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_have_the_documented_shape() {
        let k = new_api_key(Mode::Live);
        assert!(k.starts_with("gx_live_") && k.len() == 8 + 43, "{k}");
        assert!(new_api_key(Mode::Sandbox).starts_with("gx_test_"));
        assert_ne!(new_api_key(Mode::Live), k);
    }

    #[test]
    fn pkce_matches_rfc7636_appendix_b() {
        assert_eq!(
            pkce_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn ct_eq_works() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }

    #[test]
    fn ids_have_prefix_and_ulid() {
        let id = new_id("grnt");
        assert!(id.starts_with("grnt_") && id.len() == 5 + 26);
        assert_eq!(new_id("").len(), 26);
    }
}
