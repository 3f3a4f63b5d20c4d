//! OpenID Connect ID tokens (OIDC Core 1.0 §3.1.3.7) checked by the relying party: the RS256
//! signature against the provider's key set through a [`JwksCache`] (so an unknown `kid`
//! refetches the set, at most once per cooldown), with the grant verifier's header rules
//! (`alg` exactly RS256 — `none` and `HS*` are refused —, no `jku`/`jwk`/`x5u`/`x5c`/`crit`,
//! strict base64url, duplicate JSON members refused), then the claims: `iss` equal to the
//! provider's issuer byte for byte, `aud` containing the client id (and `azp`, when present or
//! when there are several audiences, equal to it), `exp`/`iat`/`nbf` against the clock with a
//! small leeway, `nonce` equal to the one the login stored, `sub` present.

use crate::error::{TokenError, TokenErrorCode};
use crate::jwks::JwksCache;
use crate::verify;
use serde_json::{Map, Value};
use std::time::Duration;

/// Default clock leeway for `exp`, `iat` and `nbf`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);
/// Longest `sub` accepted (OIDC Core §2: at most 255 ASCII characters).
pub const MAX_SUBJECT_LEN: usize = 255;

/// What the relying party expects of one ID token.
#[derive(Debug, Clone)]
pub struct IdTokenCheck<'a> {
    /// The provider's issuer, compared exactly (a trailing slash matters).
    pub issuer: &'a str,
    /// This relying party's client id: must be in `aud`.
    pub client_id: &'a str,
    /// The nonce sent in the authorization request.
    pub nonce: &'a str,
    /// Unix seconds to check against (`None`: the system clock).
    pub now: Option<i64>,
    /// Clock leeway for `exp`, `iat`, `nbf` (at most 5 minutes).
    pub leeway: Duration,
}

/// Why an ID token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenError {
    /// The signature, header, key set, a time claim, `iss`, `aud` or a claim's presence/type
    /// (the verifier's code says which).
    #[error("ID token rejected ({}): {}", .0.code, .0.message)]
    Token(TokenError),
    /// `nonce` is missing or is not the one this login sent.
    #[error("ID token nonce does not match the login's")]
    WrongNonce,
    /// `azp` is not this client (or missing with several audiences).
    #[error("ID token authorized party (azp) is not this client: {0}")]
    WrongAuthorizedParty(String),
    /// The check itself is unusable (an empty issuer, client id or nonce; leeway too large).
    #[error("ID token check misconfigured: {0}")]
    Config(String),
}

impl IdTokenError {
    /// A stable snake_case code: the verifier's ([`TokenErrorCode::as_str`]) or
    /// `wrong_nonce`, `wrong_azp`, `config`.
    pub fn code(&self) -> &'static str {
        match self {
            IdTokenError::Token(t) => t.code.as_str(),
            IdTokenError::WrongNonce => "wrong_nonce",
            IdTokenError::WrongAuthorizedParty(_) => "wrong_azp",
            IdTokenError::Config(_) => "config",
        }
    }
}

impl From<TokenError> for IdTokenError {
    fn from(e: TokenError) -> Self {
        IdTokenError::Token(e)
    }
}

/// The claims of a verified ID token.
#[derive(Debug, Clone, PartialEq)]
pub struct IdTokenClaims {
    pub sub: String,
    pub email: Option<String>,
    /// `email_verified` when present (a boolean, or the strings `"true"`/`"false"` some
    /// providers send).
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub exp: i64,
    pub iat: i64,
    /// Every claim, for provider-specific ones (groups).
    pub claims: Map<String, Value>,
}

fn token_err(code: TokenErrorCode, msg: impl Into<String>) -> IdTokenError {
    IdTokenError::Token(TokenError::new(code, msg))
}

/// Verifies `token` against the key set behind `jwks` (fetched, or refetched once for an
/// unknown kid, by the cache's rules) and checks its claims.
pub async fn verify_id_token(
    jwks: &JwksCache,
    token: &str,
    check: &IdTokenCheck<'_>,
) -> Result<IdTokenClaims, IdTokenError> {
    check_config(check)?;
    let payload = jwks
        .with_keys(token, |set| verify::verified_payload(set, token))
        .await
        .map_err(|e| match e {
            crate::Error::Token(t) => IdTokenError::Token(t),
            other => token_err(TokenErrorCode::JwksFetch, other.to_string()),
        })?;
    check_claims(&payload, check)
}

fn check_config(check: &IdTokenCheck<'_>) -> Result<(), IdTokenError> {
    if check.issuer.is_empty() || check.client_id.is_empty() || check.nonce.is_empty() {
        return Err(IdTokenError::Config(
            "issuer, client id and nonce must not be empty".into(),
        ));
    }
    if check.leeway > Duration::from_secs(300) {
        return Err(IdTokenError::Config("leeway is at most 300 s".into()));
    }
    Ok(())
}

fn num(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, IdTokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else {
                match n.as_f64() {
                    Some(f) if f.is_finite() && f.abs() < 1e15 => Ok(Some(f.floor() as i64)),
                    _ => Err(token_err(
                        TokenErrorCode::InvalidClaim,
                        format!("{name} is not a usable number"),
                    )),
                }
            }
        }
        Some(_) => Err(token_err(
            TokenErrorCode::InvalidClaim,
            format!("{name} must be a number"),
        )),
    }
}

fn opt_str(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, IdTokenError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(token_err(
            TokenErrorCode::InvalidClaim,
            format!("{name} must be a string"),
        )),
    }
}

/// Constant-time string equality.
fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The claim checks, on a payload whose signature verified.
fn check_claims(payload: &[u8], check: &IdTokenCheck<'_>) -> Result<IdTokenClaims, IdTokenError> {
    let text = std::str::from_utf8(payload)
        .map_err(|_| token_err(TokenErrorCode::Malformed, "ID token claims are not UTF-8"))?;
    verify::json::validate(text).map_err(|e| match e {
        verify::json::JsonError::Duplicate => token_err(
            TokenErrorCode::DuplicateMember,
            "duplicate JSON member in the ID token",
        ),
        _ => token_err(
            TokenErrorCode::Malformed,
            "ID token claims are not valid JSON",
        ),
    })?;
    let claims: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(token_err(
                TokenErrorCode::Malformed,
                "ID token claims are not a JSON object",
            ))
        }
    };
    let leeway = i64::try_from(check.leeway.as_secs()).unwrap_or(300);
    let now = check.now.unwrap_or_else(verify::unix_now);

    let iss = opt_str(&claims, "iss")?
        .ok_or_else(|| token_err(TokenErrorCode::MissingClaim, "ID token has no iss"))?;
    let sub = opt_str(&claims, "sub")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| token_err(TokenErrorCode::MissingClaim, "ID token has no sub"))?;
    if sub.len() > MAX_SUBJECT_LEN || sub.chars().any(char::is_control) {
        return Err(token_err(
            TokenErrorCode::InvalidClaim,
            "ID token sub is longer than 255 bytes or holds control characters",
        ));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                token_err(
                    TokenErrorCode::InvalidClaim,
                    "ID token aud holds a non-string",
                )
            })?,
        Some(_) => {
            return Err(token_err(
                TokenErrorCode::InvalidClaim,
                "ID token aud must be a string or an array of strings",
            ))
        }
        None => {
            return Err(token_err(
                TokenErrorCode::MissingClaim,
                "ID token has no aud",
            ))
        }
    };
    let exp = num(&claims, "exp")?
        .ok_or_else(|| token_err(TokenErrorCode::MissingClaim, "ID token has no exp"))?;
    let iat = num(&claims, "iat")?
        .ok_or_else(|| token_err(TokenErrorCode::MissingClaim, "ID token has no iat"))?;
    let nbf = num(&claims, "nbf")?;

    if exp.saturating_add(leeway) <= now {
        return Err(token_err(TokenErrorCode::Expired, "ID token has expired"));
    }
    if let Some(nbf) = nbf {
        if nbf > now.saturating_add(leeway) {
            return Err(token_err(
                TokenErrorCode::NotYetValid,
                "ID token is not valid yet (nbf)",
            ));
        }
    }
    if iat > now.saturating_add(leeway) {
        return Err(token_err(
            TokenErrorCode::IssuedInFuture,
            "ID token was issued in the future (iat)",
        ));
    }
    if iss != check.issuer {
        return Err(token_err(
            TokenErrorCode::WrongIssuer,
            "ID token iss is not the provider's issuer",
        ));
    }
    if !audiences.contains(&check.client_id) {
        return Err(token_err(
            TokenErrorCode::WrongAudience,
            "ID token aud does not contain this client",
        ));
    }
    match opt_str(&claims, "azp")? {
        Some(azp) if azp != check.client_id => {
            return Err(IdTokenError::WrongAuthorizedParty(
                "azp names another client".into(),
            ))
        }
        None if audiences.len() > 1 => {
            return Err(IdTokenError::WrongAuthorizedParty(
                "several audiences and no azp".into(),
            ))
        }
        _ => {}
    }
    match claims.get("nonce") {
        Some(Value::String(n)) if ct_eq(n, check.nonce) => {}
        _ => return Err(IdTokenError::WrongNonce),
    }
    let email_verified = match claims.get("email_verified") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s == "true" => Some(true),
        Some(Value::String(s)) if s == "false" => Some(false),
        Some(_) => {
            return Err(token_err(
                TokenErrorCode::InvalidClaim,
                "ID token email_verified must be a boolean",
            ))
        }
    };
    Ok(IdTokenClaims {
        sub,
        email: opt_str(&claims, "email")?,
        email_verified,
        name: opt_str(&claims, "name")?,
        exp,
        iat,
        claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::RsaSigner;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

    const ISS: &str = "https://idp.example/";
    const NOW: i64 = 1_767_225_600;

    fn signer(kid: &str) -> RsaSigner {
        RsaSigner::generate(kid).unwrap()
    }

    fn set_of(signers: &[&RsaSigner]) -> String {
        let keys: Vec<_> = signers.iter().map(|s| s.public_jwk()).collect();
        json!({ "keys": keys }).to_string()
    }

    fn claims() -> Value {
        json!({
            "iss": ISS, "sub": "alice", "aud": "rp", "exp": NOW + 300, "iat": NOW - 5,
            "nonce": "n-123", "email": "alice@corp.example", "email_verified": true,
            "groups": ["eng"],
        })
    }

    fn check() -> IdTokenCheck<'static> {
        IdTokenCheck {
            issuer: ISS,
            client_id: "rp",
            nonce: "n-123",
            now: Some(NOW),
            leeway: DEFAULT_LEEWAY,
        }
    }

    fn with(mut c: Value, k: &str, v: Value) -> Value {
        c[k] = v;
        c
    }

    async fn run(s: &RsaSigner, set: &str, c: &Value) -> Result<IdTokenClaims, IdTokenError> {
        let cache = JwksCache::from_json(set).unwrap();
        verify_id_token(&cache, &s.sign_claims(c).unwrap(), &check()).await
    }

    #[tokio::test]
    async fn a_good_token_gives_its_claims() {
        let s = signer("k1");
        let got = run(&s, &set_of(&[&s]), &claims()).await.unwrap();
        assert_eq!(got.sub, "alice");
        assert_eq!(got.email.as_deref(), Some("alice@corp.example"));
        assert_eq!(got.email_verified, Some(true));
        assert_eq!(got.claims["groups"], json!(["eng"]));
    }

    #[tokio::test]
    async fn each_claim_rule_refuses_with_its_code() {
        let s = signer("k1");
        let set = set_of(&[&s]);
        let cases = [
            (with(claims(), "nonce", json!("other")), "wrong_nonce"),
            (with(claims(), "nonce", json!(null)), "wrong_nonce"),
            (
                with(claims(), "aud", json!("someone-else")),
                "wrong_audience",
            ),
            (with(claims(), "aud", json!(["rp", "other"])), "wrong_azp"),
            (with(claims(), "azp", json!("other")), "wrong_azp"),
            (with(claims(), "exp", json!(NOW - 61)), "expired"),
            (with(claims(), "nbf", json!(NOW + 120)), "not_yet_valid"),
            (with(claims(), "iat", json!(NOW + 120)), "issued_in_future"),
            (
                with(claims(), "iss", json!("https://idp.example")),
                "wrong_issuer",
            ),
            (with(claims(), "sub", json!("")), "missing_claim"),
            (with(claims(), "exp", json!("soon")), "invalid_claim"),
            (with(claims(), "email_verified", json!(3)), "invalid_claim"),
        ];
        for (c, code) in cases {
            let e = run(&s, &set, &c).await.unwrap_err();
            assert_eq!(e.code(), code, "{c}: {e}");
        }
        // Several audiences with azp = this client pass; leeway covers a small skew.
        let ok = with(
            with(claims(), "aud", json!(["rp", "other"])),
            "azp",
            json!("rp"),
        );
        run(&s, &set, &ok).await.unwrap();
        run(&s, &set, &with(claims(), "exp", json!(NOW - 30)))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_key_outside_the_set_and_other_algorithms_are_refused() {
        let (s, other) = (signer("k1"), signer("k2"));
        let e = run(&other, &set_of(&[&s]), &claims()).await.unwrap_err();
        assert_eq!(e.code(), "unknown_kid");
        // Same kid, another key.
        let impostor = signer("k1");
        let e = run(&impostor, &set_of(&[&s]), &claims()).await.unwrap_err();
        assert_eq!(e.code(), "bad_signature");
        let body = URL_SAFE_NO_PAD.encode(claims().to_string());
        let cache = JwksCache::from_json(&set_of(&[&s])).unwrap();
        for header in [
            json!({"alg": "none"}),
            json!({"alg": "HS256", "kid": "k1"}),
            json!({"alg": "RS256", "kid": "k1", "jku": "https://evil"}),
        ] {
            let h = URL_SAFE_NO_PAD.encode(header.to_string());
            for sig in ["", "AAAA"] {
                let t = format!("{h}.{body}.{sig}");
                let e = verify_id_token(&cache, &t, &check()).await.unwrap_err();
                assert!(
                    matches!(
                        e.code(),
                        "unsupported_alg" | "forbidden_header" | "malformed"
                    ),
                    "{header}: {e}"
                );
            }
        }
        let dup = s
            .sign_raw(
                br#"{"alg":"RS256","kid":"k1"}"#,
                format!(
                    r#"{{"iss":"{ISS}","sub":"a","sub":"b","aud":"rp","exp":{},"iat":{},"nonce":"n-123"}}"#,
                    NOW + 10,
                    NOW
                )
                .as_bytes(),
            )
            .unwrap();
        let e = verify_id_token(&cache, &dup, &check()).await.unwrap_err();
        assert_eq!(e.code(), "duplicate_member");
    }

    #[tokio::test]
    async fn an_empty_expectation_is_a_config_error() {
        let s = signer("k1");
        let cache = JwksCache::from_json(&set_of(&[&s])).unwrap();
        let t = s.sign_claims(&claims()).unwrap();
        let mut c = check();
        c.nonce = "";
        assert_eq!(
            verify_id_token(&cache, &t, &c).await.unwrap_err().code(),
            "config"
        );
    }

    /// Serves whatever set is current, counting requests.
    struct Rotating {
        body: Arc<Mutex<String>>,
        hits: Arc<AtomicUsize>,
    }

    impl Respond for Rotating {
        fn respond(&self, _: &Request) -> ResponseTemplate {
            self.hits.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200)
                .set_body_raw(self.body.lock().unwrap().clone(), "application/json")
        }
    }

    #[tokio::test]
    async fn a_new_kid_refetches_the_remote_set_once_per_cooldown() {
        let (old, new, stranger) = (signer("k-old"), signer("k-new"), signer("k-x"));
        let body = Arc::new(Mutex::new(set_of(&[&old])));
        let hits = Arc::new(AtomicUsize::new(0));
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/jwks"))
            .respond_with(Rotating {
                body: body.clone(),
                hits: hits.clone(),
            })
            .mount(&server)
            .await;
        let cache = JwksCache::remote(&format!("{}/jwks", server.uri())).unwrap();
        let ok = |s: &RsaSigner| s.sign_claims(&claims()).unwrap();
        verify_id_token(&cache, &ok(&old), &check()).await.unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        // The provider rotates: the unknown kid triggers one refetch.
        *body.lock().unwrap() = set_of(&[&old, &new]);
        verify_id_token(&cache, &ok(&new), &check()).await.unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        // A key the provider does not publish: refused, and inside the cooldown no refetch.
        let e = verify_id_token(&cache, &ok(&stranger), &check())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "unknown_kid");
        let e = verify_id_token(&cache, &ok(&stranger), &check())
            .await
            .unwrap_err();
        assert_eq!(e.code(), "unknown_kid");
        assert_eq!(hits.load(Ordering::SeqCst), 2, "rate-limited refetch");
    }
}
