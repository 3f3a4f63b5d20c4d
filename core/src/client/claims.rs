//! Mapping the claims returned by `POST /v1/grants/verify` to a [`VerifiedGrant`].
//!
//! The server already verified the token; this only reads the legacy claim layout it signs
//! (`agt`, `dev`, `grnt`, `scp`, `parentAgt`, `parentGrnt`, `delegationDepth`, `bdg`, plus the
//! registered claims). Missing or mistyped claims are typed token errors, never panics.

use crate::catalog::MapFrom;
use crate::error::{Result, TokenError, TokenErrorCode};
use crate::types::GrantVerifyResponse;
use crate::verify::VerifiedGrant;
use serde_json::{Map, Value};

/// `POST /v1/grants/verify` answers `{active, reason?, claims?}`: an active grant's claims
/// become a [`VerifiedGrant`]; anything else is the token error `inactive` with the reason.
impl MapFrom<GrantVerifyResponse> for VerifiedGrant {
    fn map_from(answer: GrantVerifyResponse) -> Result<Self> {
        let reason = answer.reason.as_deref();
        match answer.claims {
            Some(claims) if answer.active => verified_grant_from_claims(&claims),
            Some(_) => Err(inactive(reason.unwrap_or("no reason given"))),
            None if answer.active => {
                Err(inactive(reason.unwrap_or("the server returned no claims")))
            }
            None => Err(inactive(reason.unwrap_or("no reason given"))),
        }
    }
}

fn inactive(reason: &str) -> crate::Error {
    TokenError::new(
        TokenErrorCode::Inactive,
        format!("grant token is not active: {reason}"),
    )
    .into()
}

pub(crate) fn verified_grant_from_claims(claims: &Value) -> Result<VerifiedGrant> {
    let Value::Object(claims) = claims else {
        return Err(invalid("claims", "an object").into());
    };
    let c = Claims(claims);
    let token_id = c.required_str("jti")?;
    // This layout is the legacy one: each legacy claim read is reported, as the offline
    // verifier does.
    let legacy_claims_used = crate::verify::LEGACY_CLAIMS
        .into_iter()
        .filter(|n| c.get(n).is_some())
        .map(str::to_owned)
        .collect();
    Ok(VerifiedGrant {
        grant_id: c.optional_str("grnt")?.unwrap_or_else(|| token_id.clone()),
        token_id,
        principal_id: c.required_str("sub")?,
        agent_did: c.required_str("agt")?,
        developer_id: c.required_str("dev")?,
        scopes: c.scopes()?,
        issued_at: c.required_time("iat")?,
        expires_at: c.required_time("exp")?,
        audience: c.audience()?,
        issuer: c.optional_str("iss")?.unwrap_or_default(),
        parent_agent_did: c.optional_str("parentAgt")?,
        parent_grant_id: c.optional_str("parentGrnt")?,
        delegation_depth: c.delegation_depth()?,
        client_id: c.optional_str("client_id")?,
        authorization_details: c.raw("authorization_details", Value::is_array, "an array")?,
        act: c.raw("act", Value::is_object, "an object")?,
        cnf: c.raw("cnf", Value::is_object, "an object")?,
        webauthn_evidence: None,
        legacy_claims_used,
        budget: c.budget()?,
    })
}

struct Claims<'a>(&'a Map<String, Value>);

fn missing(name: &str) -> TokenError {
    TokenError::new(
        TokenErrorCode::MissingClaim,
        format!("claim `{name}` is missing"),
    )
}

fn invalid(name: &str, expected: &str) -> TokenError {
    TokenError::new(
        TokenErrorCode::InvalidClaim,
        format!("claim `{name}` must be {expected}"),
    )
}

impl Claims<'_> {
    /// A claim that is absent or JSON `null` counts as absent.
    fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    fn optional_str(&self, name: &str) -> Result<Option<String>, TokenError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(name, "a string")),
        }
    }

    fn required_str(&self, name: &str) -> Result<String, TokenError> {
        self.optional_str(name)?.ok_or_else(|| missing(name))
    }

    /// NumericDate: an integer, or a float with no fractional part (some issuers emit `1.7e9`).
    fn required_time(&self, name: &str) -> Result<i64, TokenError> {
        let value = self.get(name).ok_or_else(|| missing(name))?;
        let bad = || invalid(name, "an integer NumericDate");
        if let Some(i) = value.as_i64() {
            return Ok(i);
        }
        let f = value.as_f64().ok_or_else(bad)?;
        if f.fract() != 0.0 || !(i64::MIN as f64..=i64::MAX as f64).contains(&f) {
            return Err(bad());
        }
        Ok(f as i64)
    }

    fn scopes(&self) -> Result<Vec<String>, TokenError> {
        let Some(value) = self.get("scp") else {
            return Err(missing("scp"));
        };
        let bad = || invalid("scp", "an array of strings");
        let items = value.as_array().ok_or_else(bad)?;
        items
            .iter()
            .map(|s| s.as_str().map(str::to_owned).ok_or_else(bad))
            .collect()
    }

    /// The raw `aud`: a string or an array of strings.
    fn audience(&self) -> Result<Option<Value>, TokenError> {
        match self.get("aud") {
            None => Ok(None),
            Some(v @ Value::String(_)) => Ok(Some(v.clone())),
            Some(v @ Value::Array(items)) if items.iter().all(Value::is_string) => {
                Ok(Some(v.clone()))
            }
            Some(_) => Err(invalid("aud", "a string or an array of strings")),
        }
    }

    /// A claim kept as raw JSON, of the expected kind.
    fn raw(
        &self,
        name: &str,
        ok: fn(&Value) -> bool,
        want: &str,
    ) -> Result<Option<Value>, TokenError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if ok(v) => Ok(Some(v.clone())),
            Some(_) => Err(invalid(name, want)),
        }
    }

    /// Root tokens omit `delegationDepth`: `None` then.
    fn delegation_depth(&self) -> Result<Option<u32>, TokenError> {
        match self.get("delegationDepth") {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|d| u32::try_from(d).ok())
                .map(Some)
                .ok_or_else(|| invalid("delegationDepth", "a non-negative integer")),
        }
    }

    fn budget(&self) -> Result<Option<f64>, TokenError> {
        match self.get("bdg") {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| invalid("bdg", "a number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "jti": "tok_1", "sub": "user-42", "agt": "did:grantex:ag_1", "dev": "dev_1",
            "scp": ["calendar:read"], "iat": 1767225600, "exp": 1767312000,
            "iss": "https://auth.example.com"
        })
    }

    fn code(r: Result<VerifiedGrant>) -> TokenErrorCode {
        match r {
            Err(Error::Token(t)) => t.code,
            other => panic!("expected a token error, got {other:?}"),
        }
    }

    #[test]
    fn root_token_defaults() {
        let g = verified_grant_from_claims(&base()).unwrap();
        assert_eq!(g.grant_id, "tok_1", "grnt falls back to jti");
        assert_eq!(g.delegation_depth, None);
        assert_eq!(g.depth(), 0);
        assert!(g.audience.is_none() && g.parent_agent_did.is_none() && g.budget.is_none());
        assert_eq!(g.legacy_claims_used, ["scp", "agt", "dev"]);
        assert_eq!((g.issued_at, g.expires_at), (1767225600, 1767312000));
    }

    #[test]
    fn delegated_token_fields() {
        let mut c = base();
        let m = c.as_object_mut().unwrap();
        m.insert("grnt".into(), json!("grnt_2"));
        m.insert("parentAgt".into(), json!("did:grantex:ag_0"));
        m.insert("parentGrnt".into(), json!("grnt_1"));
        m.insert("delegationDepth".into(), json!(2));
        m.insert("aud".into(), json!(["a", "b"]));
        m.insert("bdg".into(), json!(12.5));
        m.insert("exp".into(), json!(1767312000.0));
        let g = verified_grant_from_claims(&c).unwrap();
        assert_eq!(g.grant_id, "grnt_2");
        assert_eq!(g.parent_grant_id.as_deref(), Some("grnt_1"));
        assert_eq!(g.delegation_depth, Some(2));
        assert_eq!(g.audience, Some(json!(["a", "b"])));
        assert_eq!(g.audiences(), vec!["a", "b"]);
        assert_eq!(g.budget, Some(12.5));
        assert_eq!(g.expires_at, 1767312000);
    }

    #[test]
    fn bad_claims_are_typed_errors() {
        for (name, value, expected) in [
            ("sub", Value::Null, TokenErrorCode::MissingClaim),
            ("scp", json!("a b"), TokenErrorCode::InvalidClaim),
            ("scp", json!([1]), TokenErrorCode::InvalidClaim),
            ("exp", json!("tomorrow"), TokenErrorCode::InvalidClaim),
            ("iat", json!(1.5), TokenErrorCode::InvalidClaim),
            ("aud", json!(7), TokenErrorCode::InvalidClaim),
            ("delegationDepth", json!(-1), TokenErrorCode::InvalidClaim),
            ("agt", json!({"x": 1}), TokenErrorCode::InvalidClaim),
        ] {
            let mut c = base();
            c.as_object_mut().unwrap().insert(name.into(), value);
            assert_eq!(code(verified_grant_from_claims(&c)), expected, "{name}");
        }
        let mut c = base();
        c.as_object_mut().unwrap().remove("jti");
        assert_eq!(
            code(verified_grant_from_claims(&c)),
            TokenErrorCode::MissingClaim
        );
        assert_eq!(
            code(verified_grant_from_claims(&json!([1]))),
            TokenErrorCode::InvalidClaim
        );
    }
}
