//! The current-authority check of the reference SDKs (`current_authority`): after a token
//! verified offline, the caller asks an authority it trusts (typically the Grantex server's
//! online verification) what the grant is *now*, and the answer must describe the same grant.
//! The callback is each binding's (a Python callable, a JavaScript function, a C function
//! pointer, a Go func); the comparison is this one, for all of them.

use super::VerifiedGrant;
use crate::error::{TokenError, TokenErrorCode::AuthorityMismatch};
use serde_json::Value;

/// The members the answer must repeat exactly (wire names); `scopes` is compared as a set.
const SAME: [&str; 9] = [
    "issuer",
    "tokenId",
    "grantId",
    "principalId",
    "agentDid",
    "developerId",
    "issuedAt",
    "expiresAt",
    "audience",
];

/// Checks the current authority's answer for a verified token: `current` is the callback's
/// result as a `VerifiedGrant` in its JSON (camelCase wire) form, or why the callback failed.
/// `AuthorityMismatch` when the callback failed, or when its answer differs from `verified` in
/// the issuer, token id, grant id, principal, agent, developer, issue or expiry time, audience
/// or scopes (compared sorted, as the reference SDK does).
pub fn check_current_authority(
    verified: &VerifiedGrant,
    current: Result<Value, String>,
) -> Result<(), TokenError> {
    let want = serde_json::to_value(verified)
        .map_err(|_| TokenError::new(AuthorityMismatch, "the verified grant has no JSON form"))?;
    check_current_authority_json(&want, current)
}

/// [`check_current_authority`] with the verified grant in its JSON form too (for bindings that
/// hold it as their language's object).
pub fn check_current_authority_json(
    want: &Value,
    current: Result<Value, String>,
) -> Result<(), TokenError> {
    // The callback's own error stays out of the message (it may hold a server's answer, and
    // messages reach HTTP responses); bindings attach it as the cause.
    let current = current.map_err(|_why| {
        TokenError::new(
            AuthorityMismatch,
            "current grant authority could not be verified",
        )
    })?;
    let mismatch = || {
        TokenError::new(
            AuthorityMismatch,
            "current grant authority does not match the verified token",
        )
    };
    let current = current.as_object().ok_or_else(mismatch)?;
    for name in SAME {
        let theirs = current.get(name).filter(|v| !v.is_null());
        if theirs != want.get(name) {
            return Err(mismatch());
        }
    }
    let scopes = |v: Option<&Value>| -> Option<Vec<String>> {
        let mut list = v?
            .as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?;
        list.sort();
        Some(list)
    };
    match (scopes(current.get("scopes")), scopes(want.get("scopes"))) {
        (Some(a), Some(b)) if a == b => Ok(()),
        _ => Err(mismatch()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grant() -> VerifiedGrant {
        VerifiedGrant {
            token_id: "tok".into(),
            grant_id: "grnt".into(),
            principal_id: "alice".into(),
            agent_did: "did:grantex:ag".into(),
            developer_id: "dev".into(),
            scopes: vec!["b".into(), "a".into()],
            issued_at: 10,
            expires_at: 20,
            client_id: None,
            parent_agent_did: None,
            parent_grant_id: None,
            delegation_depth: None,
            authorization_details: None,
            act: None,
            cnf: None,
            audience: Some(json!("https://api.example")),
            webauthn_evidence: None,
            legacy_claims_used: vec!["agt".into()],
            issuer: "https://issuer.example".into(),
            budget: None,
        }
    }

    #[test]
    fn the_same_grant_passes_and_any_identity_difference_fails() {
        let g = grant();
        let same = serde_json::to_value(&g).unwrap();
        assert!(check_current_authority(&g, Ok(same.clone())).is_ok());
        // Scopes as a set; members outside the identity are not compared.
        let mut reordered = same.clone();
        reordered["scopes"] = json!(["a", "b"]);
        reordered["legacyClaimsUsed"] = json!([]);
        reordered["budget"] = json!(3.5);
        assert!(check_current_authority(&g, Ok(reordered)).is_ok());
        for (name, other) in [
            ("issuer", json!("https://other.example")),
            ("tokenId", json!("tok2")),
            ("grantId", json!("grnt2")),
            ("principalId", json!("bob")),
            ("agentDid", json!("did:grantex:other")),
            ("developerId", json!("dev2")),
            ("issuedAt", json!(11)),
            ("expiresAt", json!(21)),
            ("audience", json!(["https://api.example"])),
            ("audience", Value::Null),
            ("scopes", json!(["a"])),
            ("scopes", json!(["a", "b", "c"])),
            ("scopes", json!("a b")),
        ] {
            let mut answer = same.clone();
            answer[name] = other;
            let e = check_current_authority(&g, Ok(answer)).unwrap_err();
            assert_eq!(e.code, AuthorityMismatch, "{name}");
        }
        let e = check_current_authority(&g, Ok(json!("not an object"))).unwrap_err();
        assert_eq!(e.code, AuthorityMismatch);
        let e = check_current_authority(&g, Err("network down: secret body".into())).unwrap_err();
        assert_eq!(e.code, AuthorityMismatch);
        assert_eq!(e.message, "current grant authority could not be verified");
    }
}
