//! The whole offline verifier (`JwksCache::verify_cached` over `vectors/jwks.json`, clock and
//! issuer of the vectors).
//!
//! Input layout: one mode byte, then the rest.
//! - mode bit 0 clear: the rest is the token (UTF-8; anything else is skipped);
//! - mode bit 0 set: the rest is `header 0xFF claims` (or only `claims`, with the header
//!   `{"alg":"RS256","kid":"grantex-2026-01"}`), signed here with the primary key, so that
//!   arbitrary headers and claims get past the signature check;
//! - bits 1–2 pick `clock_tolerance` (0, 60, 3600, 0); bit 3 sets an audience, bit 4 a maximum
//!   delegation depth, bit 5 a required scope, bit 6 an expected developer (values from the
//!   realistic vectors).
//!
//! Never panics; the only error is a token error; a token that verifies round-trips its
//! claims: every field of the result is what the claims say, read independently with
//! serde_json, and every option was honoured.

use crate::fixtures::{self, Fixtures};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use grantex::{Error, VerifiedGrant, VerifyOptions};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The header used when the signed-mode input carries none.
pub const DEFAULT_HEADER: &str = r#"{"alg":"RS256","kid":"grantex-2026-01"}"#;
/// Separates header and claims in signed mode (never part of valid UTF-8).
pub const SEPARATOR: u8 = 0xFF;

const AUDIENCE: &str = "https://calendar.example.com";
const SCOPE: &str = "calendar:read";
const DEVELOPER: &str = "dev_01JH7Q8ZK3M4N5P6Q7R8S9T0CD";

/// The options a mode byte selects.
pub fn options(mode: u8, f: &Fixtures) -> VerifyOptions {
    let mut opts = fixtures::base_options(f);
    opts.clock_tolerance = [0, 60, 3600, 0][usize::from((mode >> 1) & 3)];
    if mode & 8 != 0 {
        opts.audience = Some(AUDIENCE.into());
    }
    if mode & 16 != 0 {
        opts.max_delegation_depth = Some(1);
    }
    if mode & 32 != 0 {
        opts.required_scopes = vec![SCOPE.into()];
    }
    if mode & 64 != 0 {
        opts.expected_developer_id = Some(DEVELOPER.into());
    }
    opts
}

/// The target's entry point.
pub fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let f = fixtures::get();
    let token: Cow<'_, str> = if mode & 1 == 0 {
        match std::str::from_utf8(rest) {
            Ok(t) => Cow::Borrowed(t),
            Err(_) => return,
        }
    } else {
        let (header, claims) = match rest.iter().position(|&b| b == SEPARATOR) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (DEFAULT_HEADER.as_bytes(), rest),
        };
        Cow::Owned(
            f.signer
                .sign_raw(header, claims)
                .expect("signing with a test key cannot fail"),
        )
    };
    let opts = options(mode, f);
    match f.cache.verify_cached(&token, &opts) {
        Ok(grant) => round_trip(&token, &grant, &opts, f),
        Err(Error::Token(_)) => {}
        Err(other) => panic!("verification failed with a non-token error: {other}"),
    }
}

fn s<'v>(obj: &'v Map<String, Value>, name: &str) -> Option<&'v str> {
    obj.get(name).map(|v| {
        v.as_str()
            .unwrap_or_else(|| panic!("verified claim `{name}` is not a string: {v}"))
    })
}

fn int(obj: &Map<String, Value>, name: &str) -> Option<i64> {
    obj.get(name).map(|v| {
        v.as_i64()
            .unwrap_or_else(|| panic!("verified claim `{name}` is not an i64: {v}"))
    })
}

/// `value` is what the legacy claim or the standard member says (at least one, equal if both).
fn one_of<'v>(legacy: Option<&'v str>, standard: Option<&'v str>, what: &str) -> Option<&'v str> {
    if let (Some(l), Some(s)) = (legacy, standard) {
        assert_eq!(l, s, "verified token's legacy and standard {what} disagree");
    }
    legacy.or(standard)
}

/// Asserts that `grant` is exactly what the token's claims say and that `opts` were honoured.
pub fn round_trip(token: &str, grant: &VerifiedGrant, opts: &VerifyOptions, f: &Fixtures) {
    let mut parts = token.split('.');
    let header = parts.next().expect("a verified token has a header");
    let payload = parts.next().expect("a verified token has claims");
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .expect("a verified token's header is base64url");
    let header: Value =
        serde_json::from_slice(&header).expect("a verified token's header is JSON to serde_json");
    assert_eq!(header["alg"], "RS256", "a verified token's alg");
    if let Some(kid) = header.get("kid") {
        assert!(kid.is_string(), "a verified token's kid is a string");
    }
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .expect("a verified token's claims are base64url");
    let claims_text = std::str::from_utf8(&payload).expect("verified claims are UTF-8");
    // The strict reader refuses duplicates; serde_json (last one wins) must see the same.
    assert!(
        matches!(
            crate::oracle::strict(claims_text),
            crate::oracle::Strict::Ok(_)
        ),
        "verified claims are not strict JSON to serde_json: {claims_text:?}"
    );
    let claims: Value = serde_json::from_str(claims_text).expect("verified claims are JSON");
    let c = claims.as_object().expect("verified claims are an object");
    assert!(
        c.values().all(|v| !v.is_null()),
        "a verified token has a null claim"
    );

    assert_eq!(s(c, "jti"), Some(grant.token_id.as_str()), "tokenId");
    assert_eq!(
        s(c, "sub"),
        Some(grant.principal_id.as_str()),
        "principalId"
    );
    assert_eq!(s(c, "iss"), Some(grant.issuer.as_str()), "issuer");
    assert_eq!(grant.issuer, f.issuer, "the issuer is the expected one");
    assert_eq!(int(c, "exp"), Some(grant.expires_at), "expiresAt");
    assert_eq!(int(c, "iat"), Some(grant.issued_at), "issuedAt");

    let now = i128::from(f.now);
    let tol = i128::from(opts.clock_tolerance);
    assert!(
        now < i128::from(grant.expires_at) + tol,
        "an expired token verified"
    );
    assert!(
        i128::from(grant.issued_at) <= now + tol,
        "a token issued in the future verified"
    );
    if let Some(nbf) = int(c, "nbf") {
        assert!(
            i128::from(nbf) <= now + tol,
            "a not-yet-valid token verified"
        );
    }

    let std = c.get("urn:grantex:grant").map(|g| {
        g.as_object()
            .expect("verified urn:grantex:grant is an object")
    });
    let std_s = |name: &str| std.and_then(|g| s(g, name));
    let agent = one_of(s(c, "agt"), std_s("agent_did"), "agent DID");
    assert_eq!(agent, Some(grant.agent_did.as_str()), "agentDid");
    let dev = one_of(s(c, "dev"), std_s("developer_id"), "developer id");
    assert_eq!(dev, Some(grant.developer_id.as_str()), "developerId");
    if let Some(want) = &opts.expected_developer_id {
        assert_eq!(&grant.developer_id, want, "the expected developer");
    }
    let grant_id = one_of(s(c, "grnt"), std_s("grant_id"), "grant id").or(s(c, "jti"));
    assert_eq!(grant_id, Some(grant.grant_id.as_str()), "grantId");
    let parent_grant = one_of(s(c, "parentGrnt"), std_s("parent_grant_id"), "parent grant");
    assert_eq!(
        parent_grant,
        grant.parent_grant_id.as_deref(),
        "parentGrantId"
    );
    let depth_legacy = c.get("delegationDepth").map(|d| d.as_u64().expect("depth"));
    let depth_std = std
        .and_then(|g| g.get("delegation_depth"))
        .map(|d| d.as_u64().expect("depth"));
    if let (Some(l), Some(s)) = (depth_legacy, depth_std) {
        assert_eq!(l, s, "legacy and standard delegation depth disagree");
    }
    assert_eq!(
        depth_legacy.or(depth_std),
        grant.delegation_depth.map(u64::from),
        "delegationDepth"
    );
    if let Some(max) = opts.max_delegation_depth {
        assert!(grant.depth() <= max, "a too-deep delegation verified");
    }
    if let Some(parent) = &grant.parent_agent_did {
        let act_sub = c
            .get("act")
            .and_then(|a| a.get("sub"))
            .and_then(Value::as_str);
        assert!(
            s(c, "parentAgt") == Some(parent.as_str()) || act_sub == Some(parent.as_str()),
            "parentAgentDid is neither parentAgt nor act.sub"
        );
    }
    if let Some(p) = s(c, "parentAgt") {
        assert_eq!(grant.parent_agent_did.as_deref(), Some(p), "parentAgentDid");
    }

    let scp: Option<Vec<&str>> = c.get("scp").map(|v| {
        v.as_array()
            .expect("verified scp is an array")
            .iter()
            .map(|x| x.as_str().expect("verified scp holds strings"))
            .collect()
    });
    let scope: Option<Vec<&str>> = s(c, "scope").map(|t| {
        if t.is_empty() {
            Vec::new()
        } else {
            t.split(' ').collect()
        }
    });
    if let (Some(a), Some(b)) = (&scp, &scope) {
        assert_eq!(a, b, "legacy and standard scopes disagree");
    }
    let scopes = scp.or(scope).expect("a verified token carries scopes");
    assert_eq!(grant.scopes, scopes, "scopes");
    assert!(
        grant.scopes.iter().all(|t| !t.is_empty()),
        "an empty scope verified"
    );
    for want in &opts.required_scopes {
        assert!(grant.scopes.contains(want), "a required scope is missing");
    }

    let aud: Vec<&str> = match c.get("aud") {
        None => Vec::new(),
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|x| x.as_str().expect("verified aud holds strings"))
            .collect(),
        Some(other) => panic!("verified aud is {other}"),
    };
    assert_eq!(grant.audiences(), aud, "audience");
    assert_eq!(grant.audience.as_ref(), c.get("aud"), "raw audience");
    if let Some(want) = &opts.audience {
        assert!(
            grant.audiences().contains(&want.as_str()),
            "the wrong audience verified"
        );
    }

    match (c.get("bdg"), grant.budget) {
        (None, None) => {}
        (Some(b), Some(got)) => {
            let b = b.as_f64().expect("verified bdg is a number");
            // serde_json's default float parsing may be one unit in the last place off.
            assert!(
                (b - got).abs() <= f64::EPSILON * b.abs().max(got.abs()),
                "budget {got} is not bdg {b}"
            );
        }
        (b, got) => panic!("budget {got:?} does not match bdg {b:?}"),
    }
}
