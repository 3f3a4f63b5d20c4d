//! Reading a grant token's claims **without verifying it** (the reference integration packages'
//! `decodeJwtPayload`, and a summary of it, `get_token_info`). Nothing here checks the
//! signature, the issuer, the audience or the expiry: use it to log or display a token, never to
//! decide what it allows — that is [`crate::verify`]'s job.

use crate::error::{Result, TokenError, TokenErrorCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest token decoded (the verifier's limit too).
const MAX_TOKEN_LEN: usize = 16 * 1024;

fn malformed(why: &str) -> crate::Error {
    TokenError::new(
        TokenErrorCode::Malformed,
        format!("cannot decode the token: {why}"),
    )
    .into()
}

/// The JSON object in a compact JWS's payload segment, **unverified**. A token that is not
/// `header.payload[.signature]` with a base64url JSON object as its payload is a `malformed`
/// token error.
pub fn decode_jwt_payload(token: &str) -> Result<Map<String, Value>> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed("longer than 16 KiB"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if !(2..=3).contains(&parts.len()) || parts[1].is_empty() {
        return Err(malformed("not a JWT (header.payload.signature)"));
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|_| malformed("the payload is not base64url"))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed("the payload is not a JSON object")),
        Err(_) => Err(malformed("the payload is not JSON")),
    }
}

/// What a grant token says about itself, read **without verification** from either claim layout
/// (standard `urn:grantex:grant` / `scope`, else the legacy `agt`, `dev`, `grnt`, `scp`, ...).
/// Claims that are absent or of another type are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// `jti`.
    #[serde(default)]
    pub token_id: Option<String>,
    /// The grant id (`urn:grantex:grant.grant_id` or `grnt`).
    #[serde(default)]
    pub grant_id: Option<String>,
    /// `sub`.
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub agent_did: Option<String>,
    #[serde(default)]
    pub developer_id: Option<String>,
    /// `scope` split on spaces, or `scp`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// `iss`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The raw `aud` claim.
    #[serde(default)]
    pub audience: Option<Value>,
    /// `iat` (Unix seconds).
    #[serde(default)]
    pub issued_at: Option<i64>,
    /// `exp` (Unix seconds).
    #[serde(default)]
    pub expires_at: Option<i64>,
    /// Whether `exp` has passed (by this machine's clock); `true` without an `exp`.
    pub expired: bool,
    #[serde(default)]
    pub delegation_depth: Option<u32>,
    #[serde(default)]
    pub parent_grant_id: Option<String>,
    /// Issued by a sandbox developer (`urn:grantex:environment: "sandbox"`).
    #[serde(default)]
    pub sandbox: bool,
}

/// [`decode_jwt_payload`] summarised as a [`TokenInfo`], **unverified**.
pub fn get_token_info(token: &str) -> Result<TokenInfo> {
    get_token_info_at(token, crate::verify::unix_now())
}

/// [`get_token_info`] with a fixed clock (Unix seconds).
pub fn get_token_info_at(token: &str, now: i64) -> Result<TokenInfo> {
    let c = decode_jwt_payload(token)?;
    let grant = c.get("urn:grantex:grant").and_then(Value::as_object);
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let either = |standard: &str, legacy: &str| {
        text(grant.and_then(|g| g.get(standard))).or_else(|| text(c.get(legacy)))
    };
    let int = |name: &str| c.get(name).and_then(Value::as_i64);
    let scopes = match (c.get("scope").and_then(Value::as_str), c.get("scp")) {
        (Some(s), _) => s
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        (None, Some(Value::Array(list))) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let depth = grant
        .and_then(|g| g.get("delegation_depth"))
        .or_else(|| c.get("delegationDepth"))
        .and_then(Value::as_u64)
        .and_then(|d| u32::try_from(d).ok());
    let expires_at = int("exp");
    Ok(TokenInfo {
        token_id: text(c.get("jti")),
        grant_id: either("grant_id", "grnt"),
        principal_id: text(c.get("sub")),
        agent_did: either("agent_did", "agt"),
        developer_id: either("developer_id", "dev"),
        scopes,
        issuer: text(c.get("iss")),
        audience: c.get("aud").cloned(),
        issued_at: int("iat"),
        expires_at,
        expired: expires_at.is_none_or(|exp| exp <= now),
        delegation_depth: depth,
        parent_grant_id: either("parent_grant_id", "parentGrnt"),
        sandbox: c
            .get(crate::verify::ENVIRONMENT_CLAIM)
            .and_then(Value::as_str)
            == Some("sandbox"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(payload: &Value) -> String {
        format!(
            "eyJhbGciOiJSUzI1NiJ9.{}.c2ln",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap())
        )
    }

    #[test]
    fn decodes_without_verifying() {
        let p = json!({"sub": "u", "scp": ["a", "b"], "exp": 100, "agt": "did:x", "grnt": "g"});
        assert_eq!(Value::Object(decode_jwt_payload(&token(&p)).unwrap()), p);
        let info = get_token_info_at(&token(&p), 50).unwrap();
        assert_eq!(info.scopes, ["a", "b"]);
        assert_eq!(
            (info.agent_did.as_deref(), info.grant_id.as_deref()),
            (Some("did:x"), Some("g"))
        );
        assert!(!info.expired && get_token_info_at(&token(&p), 100).unwrap().expired);
        let std = json!({"scope": "a b", "urn:grantex:grant": {"agent_did": "did:s", "delegation_depth": 1},
                         "urn:grantex:environment": "sandbox"});
        let info = get_token_info_at(&token(&std), 0).unwrap();
        assert_eq!(
            (
                info.agent_did.as_deref(),
                info.delegation_depth,
                info.sandbox
            ),
            (Some("did:s"), Some(1), true)
        );
        assert!(info.expired, "no exp");
    }

    #[test]
    fn malformed_tokens_are_typed_errors() {
        let long = "a.".repeat(10_000);
        for bad in [
            "",
            "abc",
            "a..c",
            "a.!!!.c",
            "a.bnVsbA.c",
            "a.WzFd.c",
            "a.e30.c.d",
            &long,
        ] {
            match decode_jwt_payload(bad) {
                Err(crate::Error::Token(t)) => {
                    assert_eq!(t.code, TokenErrorCode::Malformed, "{bad}")
                }
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        assert!(
            decode_jwt_payload("a.e30").unwrap().is_empty(),
            "two segments, {{}}"
        );
    }
}
