//! The JOSE header: `alg` must be exactly `RS256` (the algorithm comes from configuration, never
//! from the token), key-carrying and extension members are refused, `kid` is an opaque bounded
//! ASCII string. `typ`, when present, must name a JWT or an OAuth access token (RFC 8725 §3.11:
//! a token typed as another kind of JWT, e.g. `decision+jwt`, is never a grant token). Unknown
//! members are ignored (after the duplicate check).

use super::json::{self, Val};
use super::{reject, Reject};
use crate::error::TokenErrorCode;
use std::borrow::Cow;

/// Longest `kid` accepted, in bytes.
pub(crate) const MAX_KID_LEN: usize = 256;

/// Members that would make the token name its own key or extensions: never honoured.
const FORBIDDEN: [&str; 5] = ["crit", "jku", "x5u", "jwk", "x5c"];

/// `typ` values a grant token may carry (compared ASCII case-insensitively, RFC 7515 §4.1.9).
const GRANT_TYPES: [&str; 4] = ["JWT", "application/jwt", "at+jwt", "application/at+jwt"];

/// What the rest of verification needs from the header.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) kid: Option<Cow<'a, str>>,
    /// `typ` is `at+jwt` (RFC 9068 §2.1), optionally `application/`-prefixed.
    pub(crate) access_token_typ: bool,
}

/// Parses and checks a decoded header. Order: JSON (Malformed / DuplicateMember), `alg`
/// (UnsupportedAlg), forbidden members (ForbiddenHeader), `typ` (Malformed / ForbiddenHeader),
/// `kid` shape (Malformed).
pub(crate) fn parse(bytes: &[u8]) -> Result<Header<'_>, Reject> {
    let doc = std::str::from_utf8(bytes)
        .map_err(|_| reject(TokenErrorCode::Malformed, "token header is not UTF-8"))?;
    let mut alg = None;
    let mut kid = None;
    let mut typ = None;
    let mut forbidden = false;
    json::for_each_member(doc, |name, v| {
        let name = name.to_cow();
        match &*name {
            "alg" => alg = Some(v),
            "kid" => kid = Some(v),
            "typ" => typ = Some(v),
            n if FORBIDDEN.contains(&n) => forbidden = true,
            _ => {}
        }
        Ok::<(), Reject>(())
    })?;
    match alg {
        Some(Val::Str(a)) if a.eq_str("RS256") => {}
        Some(_) => {
            return Err(reject(
                TokenErrorCode::UnsupportedAlg,
                "token alg is not RS256",
            ))
        }
        None => {
            return Err(reject(
                TokenErrorCode::UnsupportedAlg,
                "token header has no alg",
            ))
        }
    }
    if forbidden {
        return Err(reject(
            TokenErrorCode::ForbiddenHeader,
            "token header carries crit, jku, x5u, jwk or x5c",
        ));
    }
    let mut access_token_typ = false;
    match typ {
        None => {}
        Some(Val::Str(t)) => {
            let t = t.to_cow();
            if !GRANT_TYPES.iter().any(|g| g.eq_ignore_ascii_case(&t)) {
                return Err(reject(
                    TokenErrorCode::ForbiddenHeader,
                    "token typ names another kind of JWT",
                ));
            }
            access_token_typ = GRANT_TYPES[2..].iter().any(|g| g.eq_ignore_ascii_case(&t));
        }
        Some(_) => {
            return Err(reject(
                TokenErrorCode::Malformed,
                "token typ must be a string",
            ))
        }
    }
    let kid = match kid {
        None => None,
        Some(Val::Str(k)) => {
            let k = k.to_cow();
            let printable = k.bytes().all(|b| (0x20..=0x7e).contains(&b));
            if k.is_empty() || k.len() > MAX_KID_LEN || !printable {
                return Err(reject(
                    TokenErrorCode::Malformed,
                    "token kid must be 1-256 printable ASCII characters",
                ));
            }
            Some(k)
        }
        Some(_) => {
            return Err(reject(
                TokenErrorCode::Malformed,
                "token kid must be a string",
            ))
        }
    };
    Ok(Header {
        kid,
        access_token_typ,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(h: &str) -> Option<TokenErrorCode> {
        parse(h.as_bytes()).err().map(|Reject(e)| e.code)
    }

    #[test]
    fn header_rules() {
        use TokenErrorCode::*;
        assert_eq!(code(r#"{"alg":"RS256","kid":"k1"}"#), None);
        assert_eq!(code(r#"{"alg":"RS256"}"#), None);
        assert_eq!(
            code(r#"{"alg":"RS256","kid":"k1","typ":"JWT","x":{"y":1}}"#),
            None
        );
        assert_eq!(code(r#"{"\u0061lg":"RS256","kid":"k\u0031"}"#), None);
        assert_eq!(code(r#"{"alg":"none"}"#), Some(UnsupportedAlg));
        assert_eq!(code(r#"{"alg":"HS256"}"#), Some(UnsupportedAlg));
        assert_eq!(code(r#"{"alg":"rs256"}"#), Some(UnsupportedAlg));
        assert_eq!(code(r#"{"alg":["RS256"]}"#), Some(UnsupportedAlg));
        assert_eq!(code(r#"{"kid":"k1"}"#), Some(UnsupportedAlg));
        assert_eq!(
            code(r#"{"alg":"RS256","alg":"HS256"}"#),
            Some(DuplicateMember)
        );
        assert_eq!(
            code(r#"{"alg":"RS256","\u0061lg":"RS256"}"#),
            Some(DuplicateMember)
        );
        for f in FORBIDDEN {
            assert_eq!(
                code(&format!(r#"{{"alg":"RS256","{f}":[]}}"#)),
                Some(ForbiddenHeader)
            );
        }
        assert_eq!(code(r#"{"alg":"RS256","kid":""}"#), Some(Malformed));
        assert_eq!(code(r#"{"alg":"RS256","kid":7}"#), Some(Malformed));
        assert_eq!(code(r#"{"alg":"RS256","kid":null}"#), Some(Malformed));
        assert_eq!(code(r#"{"alg":"RS256","kid":"a\nb"}"#), Some(Malformed));
        assert_eq!(
            code(r#"{"alg":"RS256","kid":"caf\u00e9"}"#),
            Some(Malformed)
        );
        let long = "k".repeat(MAX_KID_LEN + 1);
        assert_eq!(
            code(&format!(r#"{{"alg":"RS256","kid":"{long}"}}"#)),
            Some(Malformed)
        );
        let max = "k".repeat(MAX_KID_LEN);
        assert_eq!(code(&format!(r#"{{"alg":"RS256","kid":"{max}"}}"#)), None);
        assert_eq!(code(r#"["alg"]"#), Some(Malformed));
        assert_eq!(code("{\"alg\":\"RS256\"} x"), Some(Malformed));
        assert!(matches!(parse(b"\xff{}"), Err(Reject(e)) if e.code == Malformed));
    }
}
