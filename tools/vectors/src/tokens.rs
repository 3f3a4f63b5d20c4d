//! token-vectors.json: one token per attack class and edge case, with the expected outcome.

use crate::keys::{b64, Keys, TestKey};
use crate::model::{json_str, CaseOptions, JwkSet, Obj, TokenCase, TokenVectors};
use grantex::TokenErrorCode::{self, *};
use grantex::VerifiedGrant;
use std::collections::BTreeMap;

/// The fixed clock every case is checked at: 2026-01-01T00:00:00Z.
pub const NOW: i64 = 1_767_225_600;
/// The issuer every case expects unless its options say otherwise.
pub const ISSUER: &str = "https://grantex.example";

const AUD: &str = "https://calendar.example.com";
const SUB: &str = "usr_01JH7Q8ZK3M4N5P6Q7R8S9T0VW";
const AGT: &str = "did:grantex:ag_01JH7Q8ZK3M4N5P6Q7R8S9T0AB";
const DEV: &str = "dev_01JH7Q8ZK3M4N5P6Q7R8S9T0CD";
const GRNT: &str = "grnt_01JH7Q8ZK3M4N5P6Q7R8S9T0EF";
const JTI: &str = "tok_01JH7Q8ZK3M4N5P6Q7R8S9T0GH";
const PARENT_AGT: &str = "did:grantex:ag_01JH7Q8ZK3M4N5P6Q7R8S9T0PA";
const PARENT_GRNT: &str = "grnt_01JH7Q8ZK3M4N5P6Q7R8S9T0PG";
const SCOPES: [&str; 4] = [
    "calendar:read",
    "calendar:write",
    "email:send",
    "files:read",
];
const IAT: i64 = NOW - 600;
const EXP: i64 = IAT + 86_400;
/// Longest token the verifier accepts.
pub const MAX_LEN: usize = 16 * 1024;

fn code(c: TokenErrorCode) -> &'static str {
    c.as_str()
}

pub fn hdr(kid: &str) -> String {
    format!(r#"{{"alg":"RS256","kid":{}}}"#, json_str(kid))
}

/// The legacy claim layout the reference server issues.
pub fn legacy() -> Obj {
    Obj::new()
        .s("iss", ISSUER)
        .s("sub", SUB)
        .s("agt", AGT)
        .s("dev", DEV)
        .strs("scp", &SCOPES)
        .s("grnt", GRNT)
        .s("jti", JTI)
        .i("iat", IAT)
        .i("exp", EXP)
}

fn grant_obj() -> Obj {
    Obj::new()
        .s("agent_did", AGT)
        .s("developer_id", DEV)
        .s("grant_id", GRNT)
}

/// The standard layout (grant-token-0.6): `urn:grantex:grant` and a space-delimited `scope`.
pub fn standard() -> Obj {
    Obj::new()
        .s("iss", ISSUER)
        .s("sub", SUB)
        .s("scope", &SCOPES.join(" "))
        .obj("urn:grantex:grant", &grant_obj())
        .s("jti", JTI)
        .i("iat", IAT)
        .i("exp", EXP)
}

/// What a valid token built from [`legacy`] or [`standard`] verifies to.
pub fn expected() -> VerifiedGrant {
    VerifiedGrant {
        token_id: JTI.into(),
        grant_id: GRNT.into(),
        principal_id: SUB.into(),
        agent_did: AGT.into(),
        developer_id: DEV.into(),
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
        issued_at: IAT,
        expires_at: EXP,
        audience: None,
        issuer: ISSUER.into(),
        client_id: None,
        parent_agent_did: None,
        parent_grant_id: None,
        delegation_depth: None,
        authorization_details: None,
        act: None,
        cnf: None,
        webauthn_evidence: None,
        legacy_claims_used: Vec::new(),
        budget: None,
    }
}

struct Case(TokenCase);

fn case(name: &str, description: &str, token: String) -> Case {
    Case(TokenCase {
        name: name.into(),
        description: description.into(),
        token,
        options: CaseOptions::default(),
        expect: String::new(),
        claims: None,
    })
}

impl Case {
    fn opts(mut self, f: impl FnOnce(&mut CaseOptions)) -> Case {
        f(&mut self.0.options);
        self
    }
    fn valid(mut self, grant: VerifiedGrant) -> TokenCase {
        self.0.expect = "valid".into();
        self.0.claims = Some(raw_claims(&self.0.token, grant));
        self.0
    }
    fn fails(mut self, c: TokenErrorCode) -> TokenCase {
        self.0.expect = code(c).into();
        self.0
    }
}

/// `aud` as the list the case expects (made raw by [`raw_claims`]).
fn aud(list: &[&str]) -> Option<serde_json::Value> {
    Some(serde_json::Value::Array(
        list.iter()
            .map(|a| serde_json::Value::String(a.to_string()))
            .collect(),
    ))
}

/// Completes a case's expected grant with what the verifier reports as the token has it: the
/// raw `aud` (a string stays a string), `act`, `cnf`, `client_id`, `authorization_details`,
/// `delegation_depth` absent when the token has no depth claim, and the legacy claim names read
/// because their standard claim is missing. Read with serde_json, independently of the
/// verifier's own reader.
fn raw_claims(token: &str, mut g: VerifiedGrant) -> VerifiedGrant {
    use base64::Engine as _;
    use serde_json::Value;
    let seg = token.split('.').nth(1).expect("a token with a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(seg)
        .expect("a base64url payload");
    let c: serde_json::Map<String, Value> = serde_json::from_slice(&bytes).expect("a JSON payload");
    let grant = c.get("urn:grantex:grant").and_then(Value::as_object);
    let std_has = |k: &str| grant.is_some_and(|g| g.contains_key(k));
    match (c.get("aud"), &g.audience) {
        (Some(Value::String(s)), Some(Value::Array(list))) => {
            assert_eq!(
                list,
                &[Value::String(s.clone())],
                "case expects another aud"
            );
            g.audience = Some(Value::String(s.clone()));
        }
        (raw, expected) => assert_eq!(raw, expected.as_ref(), "case expects another aud"),
    }
    if !c.contains_key("delegationDepth") && !std_has("delegation_depth") {
        assert!(
            matches!(g.delegation_depth, None | Some(0)),
            "no depth claim, yet a depth"
        );
        g.delegation_depth = None;
    }
    g.client_id = c
        .get("client_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    g.authorization_details = c.get("authorization_details").cloned();
    g.act = c.get("act").cloned();
    g.cnf = c.get("cnf").cloned();
    let delegated = c.contains_key("parentGrnt")
        || c.contains_key("delegationDepth")
        || std_has("parent_grant_id")
        || std_has("delegation_depth");
    g.legacy_claims_used = [
        ("scp", c.contains_key("scope")),
        ("agt", std_has("agent_did")),
        ("dev", std_has("developer_id")),
        ("grnt", std_has("grant_id")),
        ("parentGrnt", std_has("parent_grant_id")),
        ("delegationDepth", std_has("delegation_depth")),
        (
            "parentAgt",
            delegated && c.get("act").is_some_and(|a| a.get("sub").is_some()),
        ),
    ]
    .into_iter()
    .filter(|(alias, standard)| c.contains_key(*alias) && !standard)
    .map(|(alias, _)| alias.to_owned())
    .collect();
    g
}

/// Adds `=` padding to an unpadded segment (which must need some).
fn pad(seg: &str) -> String {
    let n = (4 - seg.len() % 4) % 4;
    assert!(n > 0, "segment needs no padding");
    format!("{seg}{}", "=".repeat(n))
}

/// The same bytes in the standard alphabet (the segment must contain `-` or `_`).
fn std_alphabet(seg: &str) -> String {
    assert!(
        seg.contains(['-', '_']),
        "segment has no URL-safe-only characters"
    );
    seg.replace('-', "+").replace('_', "/")
}

/// Sets one of the unused low bits of the last character: a lenient decoder yields the same bytes.
fn non_canonical(seg: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    assert!(!seg.len().is_multiple_of(4), "segment has no spare bits");
    let last = seg.as_bytes()[seg.len() - 1];
    let v = ALPHABET
        .iter()
        .position(|&c| c == last)
        .expect("base64url character");
    let mut out = seg[..seg.len() - 1].to_string();
    out.push(ALPHABET[v + 1] as char);
    out
}

fn segments(token: &str) -> (String, String, String) {
    let mut it = token.split('.');
    let h = it.next().unwrap().to_string();
    let p = it.next().unwrap().to_string();
    let s = it.next().unwrap().to_string();
    (h, p, s)
}

/// A token of exactly `target` bytes: the claims get a `pad` member and the header extra spaces
/// until the lengths line up.
fn token_of_len(key: &TestKey, claims: &Obj, target: usize) -> String {
    for spaces in 0..3 {
        let header = format!(
            r#"{{"alg":"RS256",{}"kid":{}}}"#,
            " ".repeat(spaces),
            json_str(&key.kid)
        );
        let base = claims.clone().s("pad", "").text().len();
        let sig_len = b64(&vec![0u8; key.jwk_len()]).len();
        let fixed = b64(header.as_bytes()).len() + 2 + sig_len;
        for extra in 0..8 {
            let want_payload = target.saturating_sub(fixed);
            let raw_len = want_payload * 3 / 4 + extra;
            if raw_len < base {
                continue;
            }
            let c = claims.clone().s("pad", &"x".repeat(raw_len - base));
            let t = key.token(&header, &c.text());
            if t.len() == target {
                return t;
            }
        }
    }
    panic!("cannot build a token of exactly {target} bytes");
}

impl TestKey {
    fn jwk_len(&self) -> usize {
        let n = self.jwk.n.as_deref().expect("n");
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, n)
            .expect("n")
            .len()
    }
}

fn set(keys: &[&TestKey]) -> JwkSet {
    JwkSet {
        keys: keys.iter().map(|k| k.jwk.clone()).collect(),
    }
}

pub fn build(k: &Keys) -> TokenVectors {
    let mut sets = BTreeMap::new();
    sets.insert("single".to_string(), set(&[&k.primary]));
    sets.insert("weak".to_string(), set(&[&k.primary, &k.weak1024]));
    sets.insert("oversize".to_string(), set(&[&k.primary, &k.oversize8192]));
    let mut dup_rotated = k.rotated.jwk.clone();
    dup_rotated.kid = Some(k.primary.kid.clone());
    sets.insert(
        "duplicateKid".to_string(),
        JwkSet {
            keys: vec![k.primary.jwk.clone(), dup_rotated],
        },
    );

    let mut cases = Vec::new();
    valid_cases(k, &mut cases);
    header_cases(k, &mut cases);
    key_cases(k, &mut cases);
    encoding_cases(k, &mut cases);
    json_cases(k, &mut cases);
    claim_cases(k, &mut cases);
    possession_and_layout_cases(k, &mut cases);
    dpop_cases(k, &mut cases);

    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names
        .windows(2)
        .for_each(|w| assert_ne!(w[0], w[1], "duplicate case name"));

    TokenVectors {
        description: "Grant-token verification vectors. Verify each `token` with the key set \
            `jwks` (or `jwksSets[options.jwks]`), the clock fixed at `now`, the expected issuer \
            `options.issuer` or else `issuer`, and the other options; `expect` is `valid` or the \
            stable TokenErrorCode string. See vectors/README.md.",
        now: NOW,
        issuer: ISSUER.into(),
        jwks: set(&[&k.primary, &k.rotated, &k.rsa3072, &k.rsa4096]),
        jwks_sets: sets,
        cases,
    }
}

fn valid_cases(k: &Keys, out: &mut Vec<TokenCase>) {
    let p = &k.primary;
    let h = hdr(&p.kid);
    let with_aud = legacy().s("aud", AUD);
    let aud_grant = VerifiedGrant {
        audience: aud(&[AUD]),
        ..expected()
    };

    out.push(
        case(
            "valid_legacy_realistic",
            "A realistic ~900-byte grant token in the legacy claim layout.",
            p.token(&h, &with_aud.text()),
        )
        .valid(aud_grant.clone()),
    );
    out.push(
        case(
            "valid_legacy_with_audience",
            "The realistic token, with the audience required.",
            p.token(&h, &with_aud.text()),
        )
        .opts(|o| o.audience = Some(AUD.into()))
        .valid(aud_grant.clone()),
    );
    let std_claims = standard()
        .s("aud", AUD)
        .s("client_id", "app_01JH7Q8ZK3M4N5P6Q7R8S9T0CL");
    out.push(
        case(
            "valid_standard_realistic",
            "A realistic token in the standard layout (urn:grantex:grant, scope).",
            p.token(&h, &std_claims.text()),
        )
        .opts(|o| o.audience = Some(AUD.into()))
        .valid(aud_grant.clone()),
    );
    let webauthn = Obj::new()
        .s("type", "GrantexWebAuthnAssertion")
        .i("version", 1)
        .s("authRequestId", "areq_01JH7Q8ZK3M4N5P6Q7R8S9T0WA")
        .s("rpId", "grantex.example.com")
        .s("origin", "https://grantex.example.com")
        .raw("userVerified", "true")
        .s("assertedAt", "2026-01-15T09:30:00Z")
        .s(
            "digest",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        );
    let with_webauthn =
        standard().obj("urn:grantex:grant", &grant_obj().obj("webauthn", &webauthn));
    out.push(
        case(
            "valid_standard_webauthn",
            "The standard layout with the WebAuthn evidence the grant was approved with \
             (urn:grantex:grant.webauthn), reported as webauthnEvidence.",
            p.token(&h, &with_webauthn.text()),
        )
        .valid(VerifiedGrant {
            webauthn_evidence: Some(grantex::types::WebAuthnGrantEvidence {
                auth_request_id: "areq_01JH7Q8ZK3M4N5P6Q7R8S9T0WA".into(),
                rp_id: "grantex.example.com".into(),
                origin: "https://grantex.example.com".into(),
                user_verified: true,
                asserted_at: "2026-01-15T09:30:00Z".into(),
                digest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                kind: "GrantexWebAuthnAssertion".into(),
                version: 1,
            }),
            ..expected()
        }),
    );
    out.push(
        case(
            "webauthn_bad_digest",
            "urn:grantex:grant.webauthn whose digest is not 64 lowercase hex digits.",
            p.token(
                &h,
                &standard()
                    .obj(
                        "urn:grantex:grant",
                        &grant_obj().obj("webauthn", &webauthn.clone().s("digest", "ABC")),
                    )
                    .text(),
            ),
        )
        .fails(InvalidClaim),
    );
    let delegated = legacy()
        .s("agt", "did:grantex:ag_01JH7Q8ZK3M4N5P6Q7R8S9T0SU")
        .strs("scp", &["calendar:read"])
        .s("parentAgt", PARENT_AGT)
        .s("parentGrnt", PARENT_GRNT)
        .i("delegationDepth", 1);
    let delegated_grant = VerifiedGrant {
        agent_did: "did:grantex:ag_01JH7Q8ZK3M4N5P6Q7R8S9T0SU".into(),
        scopes: vec!["calendar:read".into()],
        parent_agent_did: Some(PARENT_AGT.into()),
        parent_grant_id: Some(PARENT_GRNT.into()),
        delegation_depth: Some(1),
        ..expected()
    };
    out.push(
        case(
            "valid_delegated_realistic",
            "A realistic delegated token: parentAgt, parentGrnt, delegationDepth.",
            p.token(&h, &delegated.text()),
        )
        .valid(delegated_grant.clone()),
    );
    let std_delegated = standard()
        .obj(
            "urn:grantex:grant",
            &grant_obj()
                .s("parent_grant_id", PARENT_GRNT)
                .i("delegation_depth", 2),
        )
        .obj(
            "act",
            &Obj::new()
                .s("sub", PARENT_AGT)
                .obj("act", &Obj::new().s("sub", "did:grantex:ag_root")),
        );
    out.push(
        case(
            "valid_delegated_standard",
            "Standard layout, delegated twice: the parent agent is act.sub.",
            p.token(&h, &std_delegated.text()),
        )
        .valid(VerifiedGrant {
            parent_agent_did: Some(PARENT_AGT.into()),
            parent_grant_id: Some(PARENT_GRNT.into()),
            delegation_depth: Some(2),
            ..expected()
        }),
    );
    let act_not_delegated = standard().obj("act", &Obj::new().s("sub", PARENT_AGT));
    out.push(
        case(
            "valid_act_ignored_when_not_delegated",
            "act.sub is read only for a delegated grant.",
            p.token(&h, &act_not_delegated.text()),
        )
        .valid(expected()),
    );
    out.push(
        case(
            "valid_sandbox_token_accepted",
            "A sandbox token where sandbox tokens are accepted (allowSandbox).",
            p.token(&h, &legacy().s("urn:grantex:environment", "sandbox").text()),
        )
        .opts(|o| o.allow_sandbox = Some(true))
        .valid(expected()),
    );
    out.push(
        case(
            "valid_live_environment",
            "urn:grantex:environment \"live\": an ordinary token.",
            p.token(&h, &legacy().s("urn:grantex:environment", "live").text()),
        )
        .valid(expected()),
    );
    let both = legacy()
        .s("scope", &SCOPES.join(" "))
        .obj(
            "urn:grantex:grant",
            &grant_obj()
                .s("parent_grant_id", PARENT_GRNT)
                .i("delegation_depth", 1),
        )
        .s("parentGrnt", PARENT_GRNT)
        .i("delegationDepth", 1)
        .s("parentAgt", PARENT_AGT)
        .obj("act", &Obj::new().s("sub", PARENT_AGT));
    out.push(
        case(
            "valid_legacy_and_standard_agree",
            "Both layouts present with equal values.",
            p.token(&h, &both.text()),
        )
        .valid(VerifiedGrant {
            parent_agent_did: Some(PARENT_AGT.into()),
            parent_grant_id: Some(PARENT_GRNT.into()),
            delegation_depth: Some(1),
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_rotated_key",
            "Signed by the previous key, still in the set.",
            k.rotated.token(&hdr(&k.rotated.kid), &legacy().text()),
        )
        .valid(expected()),
    );
    out.push(
        case(
            "valid_rsa3072",
            "Signed by a 3072-bit key.",
            k.rsa3072.token(&hdr(&k.rsa3072.kid), &legacy().text()),
        )
        .valid(expected()),
    );
    out.push(
        case(
            "valid_rsa4096",
            "Signed by a 4096-bit key (the largest allowed).",
            k.rsa4096.token(&hdr(&k.rsa4096.kid), &legacy().text()),
        )
        .valid(expected()),
    );
    out.push(
        case(
            "valid_no_kid_single_key",
            "No kid, and exactly one key in the set.",
            p.token(r#"{"alg":"RS256"}"#, &legacy().text()),
        )
        .opts(|o| o.jwks = Some("single".into()))
        .valid(expected()),
    );
    for (name, typ) in [
        ("valid_typ_jwt", "JWT"),
        ("valid_typ_at_jwt", "at+jwt"),
        ("valid_typ_media_type_case", "Application/AT+JWT"),
    ] {
        out.push(
            case(
                name,
                &format!(
                    "typ {typ:?}: a JWT or an access token (case-insensitive) is a grant token."
                ),
                p.token(
                    &format!(r#"{{"alg":"RS256","kid":"{}","typ":"{typ}"}}"#, p.kid),
                    &legacy().text(),
                ),
            )
            .valid(expected()),
        );
    }
    let unknown = legacy()
        .raw(
            "authorization_details",
            r#"[{"type":"calendar","actions":["read"],"limits":{"max":3}}]"#,
        )
        .raw("flags", r#"{"beta":true,"ratio":0.5,"tags":[]}"#)
        .raw(
            "cnf",
            r#"{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}"#,
        );
    out.push(
        case(
            "valid_unknown_claims",
            "Unknown claims (nested objects, arrays, booleans) are ignored.",
            p.token(&h, &unknown.text()),
        )
        .valid(expected()),
    );
    let escaped = legacy()
        .without("sub")
        .push_raw_name("\\u0073ub", json_str(SUB));
    out.push(
        case(
            "valid_escaped_member_name",
            "A member name spelled with a \\u escape is the same name (\"\\u0073ub\" is sub).",
            p.token(&h, &escaped.text()),
        )
        .valid(expected()),
    );
    out.push(
        case(
            "valid_grant_id_falls_back_to_jti",
            "No grnt: the grant id is the jti.",
            p.token(&h, &legacy().without("grnt").text()),
        )
        .valid(VerifiedGrant {
            grant_id: JTI.into(),
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_budget",
            "bdg (remaining budget) is returned as a number.",
            p.token(&h, &legacy().raw("bdg", "125.5").text()),
        )
        .valid(VerifiedGrant {
            budget: Some(125.5),
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_expired_within_tolerance",
            "exp 30 s ago, clock tolerance 60 s.",
            p.token(&h, &legacy().i("exp", NOW - 30).text()),
        )
        .opts(|o| o.clock_tolerance = Some(60))
        .valid(VerifiedGrant {
            expires_at: NOW - 30,
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_exp_one_second_left",
            "exp = now + 1.",
            p.token(&h, &legacy().i("exp", NOW + 1).text()),
        )
        .valid(VerifiedGrant {
            expires_at: NOW + 1,
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_iat_future_within_tolerance",
            "iat 30 s in the future, clock tolerance 60 s.",
            p.token(&h, &legacy().i("iat", NOW + 30).text()),
        )
        .opts(|o| o.clock_tolerance = Some(60))
        .valid(VerifiedGrant {
            issued_at: NOW + 30,
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_iat_equals_now",
            "iat = now.",
            p.token(&h, &legacy().i("iat", NOW).text()),
        )
        .valid(VerifiedGrant {
            issued_at: NOW,
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_nbf_past",
            "nbf in the past.",
            p.token(&h, &legacy().i("nbf", NOW - 10).text()),
        )
        .valid(expected()),
    );
    out.push(
        case(
            "valid_nbf_future_within_tolerance",
            "nbf 30 s ahead, clock tolerance 60 s.",
            p.token(&h, &legacy().i("nbf", NOW + 30).text()),
        )
        .opts(|o| o.clock_tolerance = Some(60))
        .valid(expected()),
    );
    let aud_arr = legacy().strs("aud", &["https://other.example", AUD]);
    out.push(
        case(
            "valid_aud_array_containing",
            "aud array containing the expected audience.",
            p.token(&h, &aud_arr.text()),
        )
        .opts(|o| o.audience = Some(AUD.into()))
        .valid(VerifiedGrant {
            audience: aud(&["https://other.example", AUD]),
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_aud_not_required",
            "aud present but no audience configured: not checked.",
            p.token(&h, &legacy().s("aud", "https://other.example").text()),
        )
        .valid(VerifiedGrant {
            audience: aud(&["https://other.example"]),
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_required_scopes",
            "Every required scope is granted.",
            p.token(&h, &legacy().text()),
        )
        .opts(|o| o.required_scopes = Some(vec!["email:send".into(), "calendar:read".into()]))
        .valid(expected()),
    );
    out.push(
        case(
            "valid_delegation_depth_at_max",
            "delegationDepth equal to the maximum.",
            p.token(&h, &delegated.clone().i("delegationDepth", 2).text()),
        )
        .opts(|o| o.max_delegation_depth = Some(2))
        .valid(VerifiedGrant {
            delegation_depth: Some(2),
            ..delegated_grant.clone()
        }),
    );
    let exact = token_of_len(p, &legacy(), MAX_LEN);
    out.push(
        case(
            "valid_max_length",
            "A token of exactly 16384 bytes (the length limit).",
            exact,
        )
        .valid(expected()),
    );
    out.push(
        case(
            "valid_issuer_option",
            "options.issuer overrides the default issuer.",
            p.token(
                &h,
                &legacy()
                    .s("iss", "https://auth.example.org/tenant/7")
                    .text(),
            ),
        )
        .opts(|o| o.issuer = Some("https://auth.example.org/tenant/7".into()))
        .valid(VerifiedGrant {
            issuer: "https://auth.example.org/tenant/7".into(),
            ..expected()
        }),
    );
    let unicode = legacy().raw("sub", r#""usr_caf\u00e9_\ud83d\ude00_ü""#);
    out.push(
        case(
            "valid_unicode_strings",
            "Escaped and raw non-ASCII strings decode to the same text.",
            p.token(&h, &unicode.text()),
        )
        .valid(VerifiedGrant {
            principal_id: "usr_café_😀_ü".into(),
            ..expected()
        }),
    );
    out.push(
        case(
            "valid_empty_scopes",
            "scp may be empty.",
            p.token(&h, &legacy().strs("scp", &[]).text()),
        )
        .valid(VerifiedGrant {
            scopes: Vec::new(),
            ..expected()
        }),
    );
    let spaced = format!(" {{ \"alg\" : \"RS256\" ,\n\"kid\":\"{}\" }}\t", p.kid);
    let spaced_claims = legacy().text().replace(",", " ,\r\n  ");
    out.push(
        case(
            "valid_json_whitespace",
            "Insignificant JSON whitespace in header and claims.",
            p.token(&spaced, &spaced_claims),
        )
        .valid(expected()),
    );
}

fn header_cases(k: &Keys, out: &mut Vec<TokenCase>) {
    let p = &k.primary;
    let c = legacy().text();
    let with = |extra: &str| format!(r#"{{"alg":"RS256","kid":"{}",{extra}}}"#, p.kid);

    // The header is parsed before the signature is checked: its size is capped (1 KiB of
    // base64url) so an unsigned header cannot buy expensive parsing.
    let pad = |n: usize| format!(r#""x":"{}""#, "a".repeat(n));
    // The longest padded header whose segment still fits the cap.
    let h_max = (0..1024)
        .map(|n| with(&pad(n)))
        .take_while(|h| b64(h.as_bytes()).len() <= 1024)
        .last()
        .unwrap();
    out.push(
        case(
            "valid_header_at_cap",
            "A signed token whose header segment is just under the 1 KiB header cap.",
            p.token(&h_max, &c),
        )
        .valid(expected()),
    );
    let h_big = with(&pad(900));
    assert!(b64(h_big.as_bytes()).len() > 1024);
    out.push(
        case(
            "oversized_header",
            "A correctly signed token whose header segment exceeds 1 KiB: refused before parsing.",
            p.token(&h_big, &c),
        )
        .fails(TooLarge),
    );
    let members: String = (0..200)
        .map(|i| format!(r#""\u0061{i:03}":1"#))
        .collect::<Vec<_>>()
        .join(",");
    out.push(
        case(
            "oversized_header_many_names",
            "An unsigned header with 200 escaped, look-alike member names, over the header cap.",
            format!(
                "{}.e30.AAAA",
                b64(with(&format!(r#""x":{{{members}}}"#)).as_bytes())
            ),
        )
        .fails(TooLarge),
    );

    out.push(
        case(
            "typ_other_jwt",
            "A correctly signed token typed decision+jwt (another kind of JWT from the same issuer).",
            p.token(&with(r#""typ":"decision+jwt""#), &c),
        )
        .fails(ForbiddenHeader),
    );
    out.push(
        case(
            "typ_not_string",
            "typ as a number.",
            p.token(&with(r#""typ":1"#), &c),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "alg_none",
            "alg none with an empty signature.",
            format!(
                "{}.{}.",
                b64(format!(r#"{{"alg":"none","kid":"{}"}}"#, p.kid).as_bytes()),
                b64(c.as_bytes())
            ),
        )
        .fails(UnsupportedAlg),
    );
    out.push(
        case(
            "alg_none_signed",
            "alg none, but carrying a valid RS256 signature.",
            p.token(&format!(r#"{{"alg":"none","kid":"{}"}}"#, p.kid), &c),
        )
        .fails(UnsupportedAlg),
    );
    let hs_input = format!(
        "{}.{}",
        b64(format!(r#"{{"alg":"HS256","kid":"{}"}}"#, p.kid).as_bytes()),
        b64(c.as_bytes())
    );
    let mac = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, p.public_pem().as_bytes()),
        hs_input.as_bytes(),
    );
    out.push(
        case(
            "alg_hs256_key_confusion",
            "HS256 keyed with the RSA public key's PEM (algorithm confusion).",
            format!("{hs_input}.{}", b64(mac.as_ref())),
        )
        .fails(UnsupportedAlg),
    );
    let rs512_input = format!(
        "{}.{}",
        b64(format!(r#"{{"alg":"RS512","kid":"{}"}}"#, p.kid).as_bytes()),
        b64(c.as_bytes())
    );
    out.push(
        case(
            "alg_rs512",
            "A genuine RS512 signature by the trusted key: only RS256 is configured.",
            format!(
                "{rs512_input}.{}",
                b64(&p.sign_rs512(rs512_input.as_bytes()))
            ),
        )
        .fails(UnsupportedAlg),
    );
    out.push(
        case(
            "alg_missing",
            "No alg member.",
            p.token(&format!(r#"{{"kid":"{}"}}"#, p.kid), &c),
        )
        .fails(UnsupportedAlg),
    );
    out.push(
        case(
            "alg_lowercase",
            "alg \"rs256\" (case matters).",
            p.token(&format!(r#"{{"alg":"rs256","kid":"{}"}}"#, p.kid), &c),
        )
        .fails(UnsupportedAlg),
    );
    out.push(
        case(
            "alg_not_string",
            "alg as an array.",
            p.token(&format!(r#"{{"alg":["RS256"],"kid":"{}"}}"#, p.kid), &c),
        )
        .fails(UnsupportedAlg),
    );
    out.push(
        case(
            "alg_null",
            "alg null.",
            p.token(&format!(r#"{{"alg":null,"kid":"{}"}}"#, p.kid), &c),
        )
        .fails(UnsupportedAlg),
    );
    out.push(
        case(
            "crit_unknown_extension",
            "crit naming an extension (none is supported).",
            p.token(
                &with(r#""crit":["x-grant-binding"],"x-grant-binding":true"#),
                &c,
            ),
        )
        .fails(ForbiddenHeader),
    );
    out.push(
        case(
            "crit_empty",
            "An empty crit list (forbidden by RFC 7515).",
            p.token(&with(r#""crit":[]"#), &c),
        )
        .fails(ForbiddenHeader),
    );
    out.push(
        case(
            "jku_header",
            "jku pointing at an attacker's key set.",
            p.token(&with(r#""jku":"https://attacker.example/jwks.json""#), &c),
        )
        .fails(ForbiddenHeader),
    );
    out.push(
        case(
            "x5u_header",
            "x5u pointing at an attacker's certificate.",
            p.token(&with(r#""x5u":"https://attacker.example/cert.pem""#), &c),
        )
        .fails(ForbiddenHeader),
    );
    let a = &k.attacker;
    let jwk = serde_json::to_string(&a.jwk).expect("jwk");
    out.push(
        case(
            "jwk_embedded_attacker_key",
            "The attacker's public key embedded as jwk, token signed by the attacker.",
            a.token(
                &format!(r#"{{"alg":"RS256","kid":"{}","jwk":{jwk}}}"#, a.kid),
                &c,
            ),
        )
        .fails(ForbiddenHeader),
    );
    out.push(
        case(
            "x5c_header",
            "An x5c certificate chain.",
            p.token(&with(r#""x5c":["MIIBszCCAVmgAwIBAgIUXqZ"]"#), &c),
        )
        .fails(ForbiddenHeader),
    );
    out.push(
        case(
            "header_duplicate_alg",
            "alg twice (RS256 then HS256).",
            p.token(
                &format!(r#"{{"alg":"RS256","kid":"{}","alg":"HS256"}}"#, p.kid),
                &c,
            ),
        )
        .fails(DuplicateMember),
    );
    out.push(
        case(
            "header_duplicate_escaped",
            "alg twice, once spelled \\u0061lg.",
            p.token(
                &format!(r#"{{"alg":"RS256","kid":"{}","\u0061lg":"RS256"}}"#, p.kid),
                &c,
            ),
        )
        .fails(DuplicateMember),
    );
    out.push(
        case(
            "header_duplicate_kid",
            "kid twice.",
            p.token(
                &format!(
                    r#"{{"alg":"RS256","kid":"{}","kid":"{}"}}"#,
                    p.kid, k.rotated.kid
                ),
                &c,
            ),
        )
        .fails(DuplicateMember),
    );
    out.push(
        case(
            "header_not_object",
            "The header is a JSON array.",
            p.token(r#"["RS256"]"#, &c),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "header_invalid_json",
            "The header is not JSON.",
            p.token(r#"{"alg":"RS256","kid":}"#, &c),
        )
        .fails(Malformed),
    );
    let bad_utf8 = format!(
        "{}.{}",
        b64(b"{\"alg\":\"RS256\",\"kid\":\"\xff\"}"),
        b64(c.as_bytes())
    );
    out.push(
        case(
            "header_not_utf8",
            "The header bytes are not UTF-8.",
            p.seal(&bad_utf8),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "kid_empty",
            "An empty kid.",
            p.token(r#"{"alg":"RS256","kid":""}"#, &c),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "kid_too_long",
            "A 257-character kid.",
            p.token(&hdr(&"k".repeat(257)), &c),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "kid_control_character",
            "A kid containing a newline.",
            p.token(r#"{"alg":"RS256","kid":"grantex\n2026-01"}"#, &c),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "kid_not_string",
            "A numeric kid.",
            p.token(r#"{"alg":"RS256","kid":202601}"#, &c),
        )
        .fails(Malformed),
    );
}

fn key_cases(k: &Keys, out: &mut Vec<TokenCase>) {
    let p = &k.primary;
    let c = legacy().text();
    out.push(
        case(
            "kid_unknown",
            "A kid no key in the set has.",
            p.token(&hdr("grantex-2099-01"), &c),
        )
        .fails(UnknownKid),
    );
    out.push(
        case(
            "kid_path_traversal",
            "kid \"../../../../dev/null\": only ever a map key.",
            p.token(&hdr("../../../../dev/null"), &c),
        )
        .fails(UnknownKid),
    );
    out.push(
        case(
            "kid_sql_injection",
            "kid with SQL: only ever a map key.",
            p.token(&hdr("' OR '1'='1"), &c),
        )
        .fails(UnknownKid),
    );
    out.push(
        case(
            "no_kid_several_keys",
            "No kid while the set has several keys.",
            p.token(r#"{"alg":"RS256"}"#, &c),
        )
        .fails(AmbiguousKid),
    );
    out.push(
        case(
            "kid_duplicate_in_set",
            "Two keys in the set share the token's kid.",
            p.token(&hdr(&p.kid), &c),
        )
        .opts(|o| o.jwks = Some("duplicateKid".into()))
        .fails(AmbiguousKid),
    );
    out.push(
        case(
            "weak_key_1024",
            "Genuinely signed by a 1024-bit key that the set publishes.",
            k.weak1024.token(&hdr(&k.weak1024.kid), &c),
        )
        .opts(|o| o.jwks = Some("weak".into()))
        .fails(WeakKey),
    );
    out.push(
        case(
            "oversize_key_8192",
            "Genuinely signed by an 8192-bit key that the set publishes.",
            k.oversize8192.token(&hdr(&k.oversize8192.kid), &c),
        )
        .opts(|o| o.jwks = Some("oversize".into()))
        .fails(WeakKey),
    );
    out.push(
        case(
            "signature_by_other_key_same_kid",
            "Signed by another key that claims the trusted kid.",
            k.attacker.token(&hdr(&p.kid), &c),
        )
        .fails(BadSignature),
    );
    out.push(
        case(
            "signature_by_rotated_key_primary_kid",
            "Signed by the other trusted key under the wrong kid.",
            k.rotated.token(&hdr(&p.kid), &c),
        )
        .fails(BadSignature),
    );
    let good = p.token(&hdr(&p.kid), &c);
    let (hh, pp, ss) = segments(&good);
    let mut sig = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &ss)
        .expect("sig");
    sig[100] ^= 0x01;
    out.push(
        case(
            "signature_bit_flip",
            "One bit of the signature flipped.",
            format!("{hh}.{pp}.{}", b64(&sig)),
        )
        .fails(BadSignature),
    );
    out.push(
        case(
            "signature_truncated",
            "The signature one byte short.",
            format!("{hh}.{pp}.{}", b64(&sig[..255])),
        )
        .fails(BadSignature),
    );
    out.push(
        case(
            "signature_zero",
            "An all-zero signature.",
            format!("{hh}.{pp}.{}", b64(&[0u8; 256])),
        )
        .fails(BadSignature),
    );
    let other = p.token(&hdr(&p.kid), &legacy().s("jti", "tok_other").text());
    out.push(
        case(
            "signature_from_other_token",
            "A valid signature of a different token.",
            format!("{hh}.{pp}.{}", segments(&other).2),
        )
        .fails(BadSignature),
    );
    let tampered = legacy()
        .strs("scp", &["calendar:read", "payments:initiate"])
        .text();
    out.push(
        case(
            "payload_modified",
            "Claims changed after signing.",
            format!("{hh}.{}.{ss}", b64(tampered.as_bytes())),
        )
        .fails(BadSignature),
    );
}

fn encoding_cases(k: &Keys, out: &mut Vec<TokenCase>) {
    let p = &k.primary;
    let c = legacy().text();
    let good = p.token(&hdr(&p.kid), &c);
    let (h, pl, s) = segments(&good);

    // Header that needs padding: add a space until its length is not a multiple of 3.
    let mut header = hdr(&p.kid);
    while header.len().is_multiple_of(3) {
        header = header.replacen(',', ", ", 1);
    }
    let hp = pad(&b64(header.as_bytes()));
    out.push(
        case(
            "padded_header",
            "The header segment with = padding (signed as sent).",
            p.seal(&format!("{hp}.{pl}")),
        )
        .fails(Malformed),
    );
    let mut claims = c.clone();
    while claims.len().is_multiple_of(3) {
        claims = claims.replacen(',', ", ", 1);
    }
    let pp = pad(&b64(claims.as_bytes()));
    out.push(
        case(
            "padded_payload",
            "The payload segment with = padding (signed as sent).",
            p.seal(&format!("{h}.{pp}")),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "padded_signature",
            "The signature with == padding.",
            format!("{h}.{pl}.{}", pad(&s)),
        )
        .fails(Malformed),
    );

    let mut std_sig_token = good.clone();
    let mut salt = 0;
    while !segments(&std_sig_token).2.contains(['-', '_']) {
        salt += 1;
        std_sig_token = p.token(&hdr(&p.kid), &legacy().i("salt", salt).text());
    }
    let (sh, sp, ss) = segments(&std_sig_token);
    out.push(
        case(
            "std_alphabet_signature",
            "The signature in the standard base64 alphabet (+ and /).",
            format!("{sh}.{sp}.{}", std_alphabet(&ss)),
        )
        .fails(Malformed),
    );
    let mut note = String::from("???");
    while !b64(legacy().s("note", &note).text().as_bytes()).contains(['-', '_']) {
        note.push('?');
    }
    let std_payload = std_alphabet(&b64(legacy().s("note", &note).text().as_bytes()));
    out.push(
        case(
            "std_alphabet_payload",
            "The payload in the standard base64 alphabet (signed as sent).",
            p.seal(&format!("{h}.{std_payload}")),
        )
        .fails(Malformed),
    );

    out.push(
        case(
            "noncanonical_signature_bits",
            "The signature's last character has non-zero unused bits.",
            format!("{h}.{pl}.{}", non_canonical(&s)),
        )
        .fails(Malformed),
    );
    let nc_payload = non_canonical(&b64(claims.as_bytes()));
    out.push(
        case(
            "noncanonical_payload_bits",
            "The payload's last character has non-zero unused bits (signed as sent).",
            p.seal(&format!("{h}.{nc_payload}")),
        )
        .fails(Malformed),
    );

    out.push(
        case(
            "whitespace_in_signature",
            "A space inside the signature.",
            format!("{h}.{pl}.{} {}", &s[..100], &s[100..]),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "newline_in_payload",
            "A line break inside the payload.",
            format!("{h}.{}\n{}.{s}", &pl[..40], &pl[40..]),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "trailing_newline",
            "The token followed by a newline.",
            format!("{good}\n"),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "leading_space",
            "The token preceded by a space.",
            format!(" {good}"),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "bearer_prefix",
            "The token still carrying \"Bearer \".",
            format!("Bearer {good}"),
        )
        .fails(Malformed),
    );

    out.push(case("one_segment", "No dots at all.", h.clone()).fails(Malformed));
    out.push(
        case(
            "two_segments",
            "header.payload without a signature segment.",
            format!("{h}.{pl}"),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "four_segments",
            "An extra trailing segment.",
            format!("{good}.{s}"),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "five_segments_jwe_shape",
            "Five segments (JWE compact shape).",
            format!("{h}.{pl}.{s}.{s}.{s}"),
        )
        .fails(Malformed),
    );
    out.push(case("empty_token", "The empty string.", String::new()).fails(Malformed));
    out.push(case("only_dots", "Two dots and nothing else.", "..".into()).fails(Malformed));
    out.push(
        case(
            "empty_header_segment",
            "The header segment is empty.",
            format!(".{pl}.{s}"),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "empty_payload_segment",
            "The payload segment is empty (signed as sent).",
            p.seal(&format!("{h}.")),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "empty_signature_segment",
            "The signature segment is empty.",
            format!("{h}.{pl}."),
        )
        .fails(Malformed),
    );

    let big = token_of_len(p, &legacy(), MAX_LEN + 1);
    out.push(
        case(
            "oversized_token",
            "A correctly signed token of 16385 bytes: over the length gate.",
            big,
        )
        .fails(TooLarge),
    );
    out.push(
        case(
            "oversized_dots",
            "16385 dots: refused by length before splitting.",
            ".".repeat(MAX_LEN + 1),
        )
        .fails(TooLarge),
    );
}

fn json_cases(k: &Keys, out: &mut Vec<TokenCase>) {
    let p = &k.primary;
    let h = hdr(&p.kid);
    let t = |claims: &str| p.token(&h, claims);
    let base = legacy().text();
    let add = |extra: &str| format!("{},{extra}}}", &base[..base.len() - 1]);

    out.push(
        case(
            "claims_duplicate_sub",
            "sub twice (a parser taking the last one would see another principal).",
            t(&add(r#""sub":"usr_attacker""#)),
        )
        .fails(DuplicateMember),
    );
    out.push(
        case(
            "claims_duplicate_escaped",
            "sub twice, once spelled \\u0073ub.",
            t(&add(r#""\u0073ub":"usr_attacker""#)),
        )
        .fails(DuplicateMember),
    );
    out.push(
        case(
            "claims_duplicate_exp",
            "exp twice.",
            t(&add(&format!(r#""exp":{}"#, NOW + 999_999))),
        )
        .fails(DuplicateMember),
    );
    let nested = standard().raw(
        "urn:grantex:grant",
        format!(r#"{{"agent_did":"{AGT}","developer_id":"{DEV}","grant_id":"{GRNT}","agent_did":"did:grantex:ag_attacker"}}"#),
    );
    out.push(
        case(
            "claims_duplicate_nested_grant",
            "agent_did twice inside urn:grantex:grant.",
            t(&nested.text()),
        )
        .fails(DuplicateMember),
    );
    out.push(
        case(
            "claims_duplicate_unknown_nested",
            "A duplicate inside an unknown claim's object.",
            t(&add(r#""ext":{"a":1,"b":2,"a":3}"#)),
        )
        .fails(DuplicateMember),
    );
    out.push(
        case(
            "claims_duplicate_in_array_object",
            "A duplicate inside an object inside an array.",
            t(&add(r#""authorization_details":[{"type":"a","type":"b"}]"#)),
        )
        .fails(DuplicateMember),
    );
    out.push(
        case(
            "claims_not_object",
            "The claims are a JSON array.",
            t(r#"["sub","usr"]"#),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "claims_invalid_json",
            "A trailing comma.",
            t(&format!("{},}}", &base[..base.len() - 1])),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "claims_trailing_garbage",
            "Data after the claims object.",
            t(&format!("{base}{{}}")),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "claims_single_quotes",
            "Single-quoted strings.",
            t(&add("'x':'y'")),
        )
        .fails(Malformed),
    );
    out.push(case("claims_nan", "NaN is not JSON.", t(&add(r#""score":NaN"#))).fails(Malformed));
    out.push(
        case(
            "claims_lone_surrogate",
            "A lone UTF-16 surrogate escape.",
            t(&add(r#""note":"\ud800""#)),
        )
        .fails(Malformed),
    );
    out.push(
        case(
            "claims_raw_control_char",
            "A raw tab inside a string.",
            t(&add("\"note\":\"a\tb\"")),
        )
        .fails(Malformed),
    );
    let bad_utf8 = {
        let mut bytes = base.as_bytes().to_vec();
        let at = bytes.len() - 1;
        bytes.splice(at..at, b",\"note\":\"\xc3\x28\"".iter().copied());
        format!("{}.{}", b64(h.as_bytes()), b64(&bytes))
    };
    out.push(
        case(
            "claims_not_utf8",
            "Invalid UTF-8 inside a string.",
            p.seal(&bad_utf8),
        )
        .fails(Malformed),
    );
    let deep = format!("{}1{}", "[".repeat(20), "]".repeat(20));
    out.push(
        case(
            "claims_nested_too_deep",
            "An unknown claim nested 21 levels deep (the limit is 20 including the root).",
            t(&add(&format!(r#""deep":{deep}"#))),
        )
        .fails(Malformed),
    );
    let ok_deep = format!("{}1{}", "[".repeat(19), "]".repeat(19));
    out.push(
        case(
            "valid_claims_nested_at_limit",
            "An unknown claim nested exactly 20 levels deep (root included).",
            t(&add(&format!(r#""deep":{ok_deep}"#))),
        )
        .valid(expected()),
    );
}

fn claim_cases(k: &Keys, out: &mut Vec<TokenCase>) {
    let p = &k.primary;
    let h = hdr(&p.kid);
    let t = |claims: Obj| p.token(&h, &claims.text());

    out.push(
        case(
            "expired",
            "exp one second ago.",
            t(legacy().i("exp", NOW - 1)),
        )
        .fails(Expired),
    );
    out.push(
        case(
            "expired_exp_equals_now",
            "exp = now (a token is valid strictly before exp).",
            t(legacy().i("exp", NOW)),
        )
        .fails(Expired),
    );
    out.push(
        case(
            "expired_beyond_tolerance",
            "exp 120 s ago, clock tolerance 60 s.",
            t(legacy().i("exp", NOW - 120)),
        )
        .opts(|o| o.clock_tolerance = Some(60))
        .fails(Expired),
    );
    out.push(
        case(
            "nbf_future",
            "nbf one minute ahead.",
            t(legacy().i("nbf", NOW + 60)),
        )
        .fails(NotYetValid),
    );
    out.push(
        case(
            "iat_future",
            "iat one hour ahead.",
            t(legacy().i("iat", NOW + 3600)),
        )
        .fails(IssuedInFuture),
    );
    out.push(
        case(
            "iat_future_beyond_tolerance",
            "iat 120 s ahead, clock tolerance 60 s.",
            t(legacy().i("iat", NOW + 120)),
        )
        .opts(|o| o.clock_tolerance = Some(60))
        .fails(IssuedInFuture),
    );

    for (name, desc, raw) in [
        (
            "exp_string",
            "exp as a numeric string.",
            format!("\"{EXP}\""),
        ),
        ("exp_float", "exp with a fraction.", format!("{EXP}.5")),
        (
            "exp_float_integral",
            "exp written as a float (.0): not a JSON integer.",
            format!("{EXP}.0"),
        ),
        (
            "exp_exponent",
            "exp in exponent notation.",
            "1.8e9".to_string(),
        ),
        ("exp_bool", "exp as a boolean.", "true".to_string()),
        ("exp_array", "exp as an array.", format!("[{EXP}]")),
        (
            "exp_overflow",
            "exp beyond 64-bit integers.",
            "100000000000000000000000".to_string(),
        ),
    ] {
        out.push(case(name, desc, t(legacy().raw("exp", raw))).fails(InvalidClaim));
    }
    out.push(
        case(
            "nbf_string",
            "nbf as a string.",
            t(legacy().raw("nbf", format!("\"{NOW}\""))),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "iat_string",
            "iat as a string.",
            t(legacy().raw("iat", format!("\"{IAT}\""))),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "iat_float",
            "iat with a fraction.",
            t(legacy().raw("iat", format!("{IAT}.25"))),
        )
        .fails(InvalidClaim),
    );

    for claim in ["exp", "iat", "jti", "sub", "agt", "dev", "scp", "iss"] {
        out.push(
            case(
                &format!("missing_{claim}"),
                &format!("No `{claim}` claim."),
                t(legacy().without(claim)),
            )
            .fails(MissingClaim),
        );
    }
    out.push(
        case(
            "scp_not_array",
            "scp as a string.",
            t(legacy().s("scp", "calendar:read")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "scp_empty_element",
            "scp with an empty scope.",
            t(legacy().raw("scp", r#"["calendar:read",""]"#)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "scp_element_with_space",
            "scp with one element holding two space-separated scopes (re-joined it would grant both).",
            t(legacy().raw("scp", r#"["calendar:read email:send"]"#)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "scope_with_tab",
            "Standard layout whose scope string separates scopes with a tab.",
            t(standard().s("scope", "calendar:read\temail:send")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "sub_with_nul",
            "sub holding an escaped NUL (a C string would end there).",
            t(legacy().raw("sub", r#""usr_1\u0000admin""#)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "agt_with_c1_control",
            "agt holding a raw C1 control character (U+0085, next line).",
            t(legacy().s("agt", "did:grantex:ag_1\u{85}x")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "aud_with_newline",
            "An audience entry with a newline.",
            t(legacy().raw("aud", r#"["https://a.example\nx"]"#)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "scp_non_string_element",
            "scp with a number inside.",
            t(legacy().raw("scp", r#"["calendar:read",7]"#)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "sub_not_string",
            "sub as a number.",
            t(legacy().raw("sub", "42")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "jti_not_string",
            "jti as an object.",
            t(legacy().raw("jti", "{}")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "agt_not_string",
            "agt as an array.",
            t(legacy().raw("agt", r#"["did:grantex:ag_1"]"#)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "iss_not_string",
            "iss as an array.",
            t(legacy().raw("iss", format!("[\"{ISSUER}\"]"))),
        )
        .fails(InvalidClaim),
    );

    out.push(
        case(
            "wrong_issuer",
            "A different issuer.",
            t(legacy().s("iss", "https://evil.example")),
        )
        .fails(WrongIssuer),
    );
    out.push(
        case(
            "issuer_extended",
            "The expected issuer is a prefix of iss.",
            t(legacy().s("iss", &format!("{ISSUER}.evil.example"))),
        )
        .fails(WrongIssuer),
    );
    out.push(
        case(
            "issuer_truncated",
            "iss is a prefix of the expected issuer.",
            t(legacy().s("iss", &ISSUER[..ISSUER.len() - 1])),
        )
        .fails(WrongIssuer),
    );
    out.push(
        case(
            "issuer_trailing_slash",
            "iss with a trailing slash.",
            t(legacy().s("iss", &format!("{ISSUER}/"))),
        )
        .fails(WrongIssuer),
    );
    out.push(
        case(
            "issuer_case",
            "iss differing in case.",
            t(legacy().s("iss", &ISSUER.to_uppercase())),
        )
        .fails(WrongIssuer),
    );

    let aud = |o: &mut CaseOptions| o.audience = Some(AUD.into());
    out.push(
        case(
            "wrong_audience",
            "aud names another service.",
            t(legacy().s("aud", "https://other.example")),
        )
        .opts(aud)
        .fails(WrongAudience),
    );
    out.push(
        case(
            "audience_extended",
            "aud extends the expected audience.",
            t(legacy().s("aud", &format!("{AUD}.evil"))),
        )
        .opts(aud)
        .fails(WrongAudience),
    );
    out.push(
        case(
            "aud_array_not_containing",
            "aud array without the expected audience.",
            t(legacy().strs("aud", &["https://a.example", "https://b.example"])),
        )
        .opts(aud)
        .fails(WrongAudience),
    );
    out.push(
        case(
            "aud_missing_when_required",
            "No aud while an audience is configured.",
            t(legacy()),
        )
        .opts(aud)
        .fails(WrongAudience),
    );
    out.push(
        case(
            "aud_empty_array",
            "aud as an empty array.",
            t(legacy().raw("aud", "[]")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "aud_array_non_string",
            "aud array with a number.",
            t(legacy().raw("aud", format!("[\"{AUD}\",1]"))),
        )
        .opts(aud)
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "aud_number",
            "aud as a number.",
            t(legacy().raw("aud", "1")),
        )
        .fails(InvalidClaim),
    );

    out.push(
        case(
            "missing_required_scope",
            "A required scope that was not granted.",
            t(legacy()),
        )
        .opts(|o| {
            o.required_scopes = Some(vec!["calendar:read".into(), "payments:initiate".into()])
        })
        .fails(MissingScopes),
    );
    out.push(
        case(
            "required_scope_prefix",
            "Scopes match exactly, with no hierarchy.",
            t(legacy()),
        )
        .opts(|o| o.required_scopes = Some(vec!["calendar".into()]))
        .fails(MissingScopes),
    );
    out.push(
        case(
            "required_scope_case",
            "Scopes are case-sensitive.",
            t(legacy()),
        )
        .opts(|o| o.required_scopes = Some(vec!["Calendar:read".into()]))
        .fails(MissingScopes),
    );

    let delegated = legacy()
        .s("parentAgt", PARENT_AGT)
        .s("parentGrnt", PARENT_GRNT);
    out.push(
        case(
            "delegation_too_deep",
            "delegationDepth 3 with a maximum of 2.",
            t(delegated.clone().i("delegationDepth", 3)),
        )
        .opts(|o| o.max_delegation_depth = Some(2))
        .fails(DelegationTooDeep),
    );
    out.push(
        case(
            "delegation_too_deep_standard",
            "urn:grantex:grant.delegation_depth 3 with a maximum of 2.",
            t(standard().obj(
                "urn:grantex:grant",
                &grant_obj()
                    .s("parent_grant_id", PARENT_GRNT)
                    .i("delegation_depth", 3),
            )),
        )
        .opts(|o| o.max_delegation_depth = Some(2))
        .fails(DelegationTooDeep),
    );
    out.push(
        case(
            "delegated_without_depth",
            "parentGrnt without delegationDepth: a delegated grant at depth 0 would dodge max_delegation_depth.",
            t(delegated.clone()),
        )
        .opts(|o| o.max_delegation_depth = Some(0))
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "depth_without_parent",
            "delegationDepth 2 without a parent grant id.",
            t(legacy().i("delegationDepth", 2)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "delegated_depth_zero_standard",
            "urn:grantex:grant with a parent_grant_id at delegation_depth 0.",
            t(standard().obj(
                "urn:grantex:grant",
                &grant_obj()
                    .s("parent_grant_id", PARENT_GRNT)
                    .i("delegation_depth", 0),
            )),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "delegation_depth_negative",
            "A negative delegationDepth.",
            t(delegated.clone().i("delegationDepth", -1)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "delegation_depth_string",
            "delegationDepth as a string.",
            t(delegated.clone().s("delegationDepth", "1")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "delegation_depth_float",
            "delegationDepth with a fraction.",
            t(delegated.clone().raw("delegationDepth", "1.5")),
        )
        .fails(InvalidClaim),
    );

    let std_grant = |g: Obj| standard().obj("urn:grantex:grant", &g);
    out.push(
        case(
            "conflict_agent",
            "agt and urn:grantex:grant.agent_did differ.",
            t(legacy().obj(
                "urn:grantex:grant",
                &grant_obj().s("agent_did", "did:grantex:ag_other"),
            )),
        )
        .fails(ClaimConflict),
    );
    out.push(
        case(
            "conflict_developer",
            "dev and urn:grantex:grant.developer_id differ.",
            t(legacy().obj(
                "urn:grantex:grant",
                &grant_obj().s("developer_id", "dev_other"),
            )),
        )
        .fails(ClaimConflict),
    );
    out.push(
        case(
            "conflict_grant_id",
            "grnt and urn:grantex:grant.grant_id differ.",
            t(legacy().obj(
                "urn:grantex:grant",
                &grant_obj().s("grant_id", "grnt_other"),
            )),
        )
        .fails(ClaimConflict),
    );
    out.push(
        case(
            "conflict_scopes",
            "scp and scope differ.",
            t(legacy().s("scope", "calendar:read")),
        )
        .fails(ClaimConflict),
    );
    out.push(
        case(
            "conflict_scopes_order",
            "scp and scope list the same scopes in another order.",
            t(legacy().s(
                "scope",
                "files:read email:send calendar:write calendar:read",
            )),
        )
        .fails(ClaimConflict),
    );
    out.push(
        case(
            "conflict_delegation_depth",
            "delegationDepth and urn:grantex:grant.delegation_depth differ.",
            t(std_grant(grant_obj().i("delegation_depth", 1)).i("delegationDepth", 2)),
        )
        .fails(ClaimConflict),
    );
    out.push(
        case(
            "conflict_parent_agent",
            "parentAgt and act.sub differ on a delegated grant.",
            t(delegated
                .clone()
                .i("delegationDepth", 1)
                .obj("act", &Obj::new().s("sub", "did:grantex:ag_other"))),
        )
        .fails(ClaimConflict),
    );
    out.push(
        case(
            "standard_missing_agent",
            "Standard layout without agent_did (and no agt).",
            t(std_grant(
                Obj::new().s("developer_id", DEV).s("grant_id", GRNT),
            )),
        )
        .fails(MissingClaim),
    );
    out.push(
        case(
            "standard_missing_developer",
            "Standard layout without developer_id (and no dev).",
            t(std_grant(
                Obj::new().s("agent_did", AGT).s("grant_id", GRNT),
            )),
        )
        .fails(MissingClaim),
    );
    out.push(
        case(
            "standard_missing_scope",
            "Standard layout without scope (and no scp).",
            t(standard().without("scope")),
        )
        .fails(MissingClaim),
    );
    out.push(
        case(
            "scope_double_space",
            "scope with an empty token between two spaces.",
            t(standard().s("scope", "calendar:read  email:send")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "scope_not_string",
            "scope as an array.",
            t(standard().strs("scope", &SCOPES)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "grant_not_object",
            "urn:grantex:grant as a string.",
            t(standard().s("urn:grantex:grant", GRNT)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "grant_agent_not_string",
            "urn:grantex:grant.agent_did as a number.",
            t(std_grant(grant_obj().raw("agent_did", "1"))),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "act_not_object",
            "act as a string on a delegated grant.",
            t(delegated
                .clone()
                .i("delegationDepth", 1)
                .s("act", PARENT_AGT)),
        )
        .fails(InvalidClaim),
    );
    let mut chain = Obj::new().s("sub", "did:grantex:ag_11");
    for i in (1..=10).rev() {
        chain = Obj::new()
            .s("sub", &format!("did:grantex:ag_{i}"))
            .obj("act", &chain);
    }
    out.push(
        case(
            "act_chain_too_deep",
            "An act chain 11 deep (the limit is 10).",
            t(standard().obj("act", &chain)),
        )
        .fails(InvalidClaim),
    );

    // A delegated grant's `act` chain has one level per hop.
    let delegated_at = |depth: i64| {
        standard().obj(
            "urn:grantex:grant",
            &grant_obj()
                .s("parent_grant_id", PARENT_GRNT)
                .i("delegation_depth", depth),
        )
    };
    out.push(
        case(
            "act_chain_shorter_than_delegation_depth",
            "Delegated twice, but the act chain names one actor.",
            t(delegated_at(2).obj("act", &Obj::new().s("sub", PARENT_AGT))),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "act_chain_longer_than_delegation_depth",
            "Delegated once, but the act chain names two actors.",
            t(delegated_at(1).obj(
                "act",
                &Obj::new()
                    .s("sub", PARENT_AGT)
                    .obj("act", &Obj::new().s("sub", "did:grantex:ag_root")),
            )),
        )
        .fails(InvalidClaim),
    );

    // The environment marker: a sandbox developer's tokens pass only where accepted.
    let env = |value: &str| legacy().s("urn:grantex:environment", value);
    out.push(
        case(
            "sandbox_token_refused",
            "urn:grantex:environment is \"sandbox\" and sandbox tokens are not accepted.",
            t(env("sandbox")),
        )
        .fails(TokenErrorCode::SandboxToken),
    );
    out.push(
        case(
            "environment_not_a_known_value",
            "urn:grantex:environment must be \"live\" or \"sandbox\".",
            t(env("test")),
        )
        .opts(|o| o.allow_sandbox = Some(true))
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "environment_not_a_string",
            "urn:grantex:environment as a boolean.",
            t(legacy().raw("urn:grantex:environment", "true")),
        )
        .fails(InvalidClaim),
    );

    out.push(
        case(
            "null_claim",
            "grnt present with the value null.",
            t(legacy().raw("grnt", "null")),
        )
        .fails(InvalidClaim),
    );
    out.push(case("null_exp", "exp null.", t(legacy().raw("exp", "null"))).fails(InvalidClaim));
    out.push(
        case(
            "null_unknown_claim",
            "An unknown claim with the value null.",
            t(legacy().raw("client_id", "null")),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "null_in_grant",
            "urn:grantex:grant.parent_grant_id null.",
            t(std_grant(grant_obj().raw("parent_grant_id", "null"))),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "expected_principal_and_agent",
            "expected_principal_id and expected_agent_did equal the token's sub and agent DID.",
            t(legacy()),
        )
        .opts(|o| {
            o.expected_principal_id = Some(SUB.into());
            o.expected_agent_did = Some(AGT.into());
        })
        .valid(expected()),
    );
    out.push(
        case(
            "expected_principal_mismatch",
            "expected_principal_id names another principal.",
            t(legacy()),
        )
        .opts(|o| o.expected_principal_id = Some("usr_someone_else".into()))
        .fails(WrongPrincipal),
    );
    out.push(
        case(
            "expected_principal_empty",
            "An empty expected_principal_id matches no token.",
            t(legacy()),
        )
        .opts(|o| o.expected_principal_id = Some(String::new()))
        .fails(WrongPrincipal),
    );
    out.push(
        case(
            "expected_agent_mismatch",
            "expected_agent_did names another agent.",
            t(standard()),
        )
        .opts(|o| o.expected_agent_did = Some("did:grantex:ag_someone_else".into()))
        .fails(WrongAgent),
    );
    out.push(
        case(
            "authorization_details_not_objects",
            "authorization_details must be an array of objects (RFC 9396 section 2).",
            t(legacy().raw("authorization_details", r#"[{"type":"a"},"b"]"#)),
        )
        .fails(InvalidClaim),
    );
    out.push(
        case(
            "bdg_string",
            "bdg as a string.",
            t(legacy().s("bdg", "125.5")),
        )
        .fails(InvalidClaim),
    );
}

/// A reference option set by name, as the vectors spell it.
fn reference(name: &str, js_name: &str, value: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "name": name, "jsName": js_name, "value": value })
}

fn proof_jkt(v: &str) -> serde_json::Value {
    reference("proof_jkt", "proofJkt", serde_json::json!(v))
}

fn require_proof() -> serde_json::Value {
    reference(
        "require_proof_of_possession",
        "requireProofOfPossession",
        serde_json::json!(true),
    )
}

fn standard_only() -> serde_json::Value {
    reference("legacy_claims", "legacyClaims", serde_json::json!(false))
}

/// Proof of possession (`proof_jkt`, `require_proof_of_possession` against `cnf.jkt`) and the
/// standard-claims-only mode (`legacy_claims` false).
fn possession_and_layout_cases(k: &Keys, out: &mut Vec<TokenCase>) {
    use serde_json::json;
    const JKT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";
    let p = &k.primary;
    let h = hdr(&p.kid);
    let at_jwt = format!(r#"{{"alg":"RS256","kid":"{}","typ":"at+jwt"}}"#, p.kid);
    let t = |claims: Obj| p.token(&h, &claims.text());
    let typed = |claims: Obj| p.token(&at_jwt, &claims.text());
    let bound = || legacy().obj("cnf", &Obj::new().s("jkt", JKT));
    let bound_grant = || VerifiedGrant {
        cnf: Some(json!({ "jkt": JKT })),
        ..expected()
    };

    out.push(
        case(
            "proof_jkt_matches",
            "proof_jkt equals the token's cnf.jkt: the caller proved possession of the bound key.",
            t(bound()),
        )
        .opts(|o| o.reference_options = vec![proof_jkt(JKT)])
        .valid(bound_grant()),
    );
    out.push(
        case(
            "proof_required_and_matching",
            "require_proof_of_possession with a matching proof_jkt.",
            t(bound()),
        )
        .opts(|o| o.reference_options = vec![require_proof(), proof_jkt(JKT)])
        .valid(bound_grant()),
    );
    out.push(
        case(
            "proof_jkt_mismatch",
            "proof_jkt is another key's thumbprint.",
            t(bound()),
        )
        .opts(|o| {
            o.reference_options = vec![proof_jkt("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")]
        })
        .fails(ProofMismatch),
    );
    out.push(
        case(
            "proof_jkt_prefix",
            "proof_jkt is a prefix of cnf.jkt: equality is exact.",
            t(bound()),
        )
        .opts(|o| o.reference_options = vec![proof_jkt(&JKT[..20])])
        .fails(ProofMismatch),
    );
    out.push(
        case(
            "proof_jkt_not_key_bound",
            "proof_jkt given, but the token carries no cnf.",
            t(legacy()),
        )
        .opts(|o| o.reference_options = vec![proof_jkt(JKT)])
        .fails(NotKeyBound),
    );
    out.push(
        case(
            "proof_jkt_cnf_without_jkt",
            "proof_jkt given; cnf binds a certificate (x5t#S256), not a JWK thumbprint.",
            t(legacy().obj("cnf", &Obj::new().s("x5t#S256", JKT))),
        )
        .opts(|o| o.reference_options = vec![proof_jkt(JKT)])
        .fails(NotKeyBound),
    );
    out.push(
        case(
            "proof_required_without_thumbprint",
            "require_proof_of_possession without proof_jkt fails closed, even for a bound token.",
            t(bound()),
        )
        .opts(|o| o.reference_options = vec![require_proof()])
        .fails(ProofRequired),
    );
    out.push(
        case(
            "proof_cnf_reported_not_enforced",
            "Without proof options a bound token verifies and its cnf is reported.",
            t(bound()),
        )
        .valid(bound_grant()),
    );
    out.push(
        case(
            "standard_only_valid",
            "legacy_claims false: a standard-layout token typed at+jwt.",
            typed(standard()),
        )
        .opts(|o| o.reference_options = vec![standard_only()])
        .valid(expected()),
    );
    out.push(
        case(
            "standard_only_typ_jwt",
            "legacy_claims false: typ JWT is not an access token (RFC 9068 section 2.1).",
            p.token(
                &format!(r#"{{"alg":"RS256","kid":"{}","typ":"JWT"}}"#, p.kid),
                &standard().text(),
            ),
        )
        .opts(|o| o.reference_options = vec![standard_only()])
        .fails(ForbiddenHeader),
    );
    out.push(
        case(
            "standard_only_no_typ",
            "legacy_claims false: a token without typ.",
            t(standard()),
        )
        .opts(|o| o.reference_options = vec![standard_only()])
        .fails(ForbiddenHeader),
    );
    out.push(
        case(
            "standard_only_legacy_layout",
            "legacy_claims false: a token with only the legacy aliases lacks the standard claims.",
            typed(legacy()),
        )
        .opts(|o| o.reference_options = vec![standard_only()])
        .fails(MissingClaim),
    );
    out.push(
        case(
            "standard_only_scope_only_in_scp",
            "legacy_claims false: scopes only in the legacy scp.",
            typed(
                Obj::new()
                    .s("iss", ISSUER)
                    .s("sub", SUB)
                    .strs("scp", &SCOPES)
                    .obj("urn:grantex:grant", &grant_obj())
                    .s("jti", JTI)
                    .i("iat", IAT)
                    .i("exp", EXP),
            ),
        )
        .opts(|o| o.reference_options = vec![standard_only()])
        .fails(MissingClaim),
    );
    out.push(
        case(
            "standard_only_ignores_aliases",
            "legacy_claims false: a disagreeing legacy alias is not read at all.",
            typed(standard().s("agt", "did:grantex:ag_someone_else")),
        )
        .opts(|o| o.reference_options = vec![standard_only()])
        .valid(expected()),
    );
    out.push(
        case(
            "both_layouts_alias_disagrees",
            "legacy_claims true (default): a disagreeing legacy alias is a conflict.",
            typed(standard().s("agt", "did:grantex:ag_someone_else")),
        )
        .fails(ClaimConflict),
    );
}

fn dpop(proof: &str, method: &str, url: &str) -> serde_json::Value {
    reference(
        "dpop",
        "dpop",
        serde_json::json!({ "proof": proof, "method": method, "url": url }),
    )
}

/// DPoP proofs (the `dpop` option, RFC 9449) checked with a key-bound token. The proofs are
/// RS256 (deterministic, so the file regenerates byte for byte), signed with the `rotated`
/// vector key whose public JWK they carry; the token is signed by `primary` and bound to
/// `rotated`'s thumbprint. A fixed clock (`now`) turns replay detection off, so every binding
/// can run each case any number of times.
fn dpop_cases(k: &Keys, out: &mut Vec<TokenCase>) {
    use serde_json::json;
    const URL: &str = "https://tools.example.com/v1/mail/send";
    let p = &k.primary;
    let holder = &k.rotated;
    let public = json!({
        "e": holder.jwk.e,
        "kty": "RSA",
        "n": holder.jwk.n,
    });
    let jkt = grantex::dpop::thumbprint(&public.to_string()).expect("vector key thumbprint");
    let h = hdr(&p.kid);
    let bound = p.token(&h, &legacy().obj("cnf", &Obj::new().s("jkt", &jkt)).text());
    let unbound = p.token(&h, &legacy().text());
    let bound_grant = VerifiedGrant {
        cnf: Some(json!({ "jkt": jkt })),
        ..expected()
    };
    let proof_header = |typ: &str| {
        Obj::new()
            .s("typ", typ)
            .s("alg", "RS256")
            .raw("jwk", public.to_string())
            .text()
    };
    let proof_with = |typ: &str, claims: Obj| holder.token(&proof_header(typ), &claims.text());
    let claims_for = |token: &str| {
        Obj::new()
            .s("jti", "vector-proof-jti-0001")
            .s("htm", "POST")
            .s("htu", URL)
            .i("iat", NOW - 5)
            .s("ath", &grantex::dpop::access_token_hash(token))
    };
    let good = proof_with("dpop+jwt", claims_for(&bound));

    out.push(
        case(
            "dpop_valid",
            "A DPoP proof for this request, bound to this token (ath), made with the key the token is bound to.",
            bound.clone(),
        )
        .opts(|o| o.reference_options = vec![dpop(&good, "POST", URL)])
        .valid(bound_grant.clone()),
    );
    out.push(
        case(
            "dpop_valid_uri_normalised",
            "The request URI differs only in case of scheme and host, an explicit default port, a query and a fragment.",
            bound.clone(),
        )
        .opts(|o| {
            o.reference_options = vec![dpop(
                &good,
                "POST",
                "HTTPS://Tools.Example.com:443/v1/mail/send?draft=1#top",
            )]
        })
        .valid(bound_grant.clone()),
    );
    out.push(
        case(
            "dpop_with_matching_proof_jkt",
            "dpop and proof_jkt together must name the same key; here they do.",
            bound.clone(),
        )
        .opts(|o| {
            o.reference_options = vec![
                dpop(&good, "POST", URL),
                reference("proof_jkt", "proofJkt", json!(jkt)),
                require_proof(),
            ]
        })
        .valid(bound_grant.clone()),
    );
    let refused = |name: &str, description: &str, token: &str, opt: serde_json::Value, code| {
        case(name, description, token.to_string())
            .opts(|o| o.reference_options = vec![opt])
            .fails(code)
    };
    out.push(refused(
        "dpop_wrong_method",
        "The proof is for POST; the request is a GET.",
        &bound,
        dpop(&good, "GET", URL),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_method_case",
        "The request's method is post: methods are case-sensitive (RFC 9110 section 9.1).",
        &bound,
        dpop(&good, "post", URL),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_wrong_uri",
        "The proof is for another path.",
        &bound,
        dpop(&good, "POST", "https://tools.example.com/v1/mail/delete"),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_other_host",
        "The proof is for another host.",
        &bound,
        dpop(&good, "POST", "https://evil.example.com/v1/mail/send"),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_stale",
        "The proof was made more than five minutes before now.",
        &bound,
        dpop(
            &proof_with("dpop+jwt", claims_for(&bound).i("iat", NOW - 301)),
            "POST",
            URL,
        ),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_from_the_future",
        "The proof claims to be made more than 30 seconds after now.",
        &bound,
        dpop(
            &proof_with("dpop+jwt", claims_for(&bound).i("iat", NOW + 31)),
            "POST",
            URL,
        ),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_without_ath",
        "The proof is not bound to any token (no ath).",
        &bound,
        dpop(
            &proof_with("dpop+jwt", claims_for(&bound).without("ath")),
            "POST",
            URL,
        ),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_ath_of_another_token",
        "The proof is bound to another token.",
        &bound,
        dpop(&proof_with("dpop+jwt", claims_for(&unbound)), "POST", URL),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_typ_jwt",
        "The proof is typed JWT, not dpop+jwt.",
        &bound,
        dpop(&proof_with("JWT", claims_for(&bound)), "POST", URL),
        InvalidProof,
    ));
    out.push(refused(
        "dpop_short_jti",
        "The proof's jti is shorter than 16 characters.",
        &bound,
        dpop(
            &proof_with("dpop+jwt", claims_for(&bound).s("jti", "short")),
            "POST",
            URL,
        ),
        InvalidProof,
    ));
    let mut forged = good.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    out.push(refused(
        "dpop_bad_signature",
        "The proof's signature does not verify with its own key.",
        &bound,
        dpop(&forged, "POST", URL),
        InvalidProof,
    ));
    let other_holder = p.token(&proof_header("dpop+jwt"), &claims_for(&bound).text());
    out.push(refused(
        "dpop_signed_by_another_key",
        "The proof carries the bound key but is signed by another one.",
        &bound,
        dpop(&other_holder, "POST", URL),
        InvalidProof,
    ));
    let elsewhere = p.token(
        &h,
        &legacy()
            .obj(
                "cnf",
                &Obj::new().s("jkt", "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"),
            )
            .text(),
    );
    let for_elsewhere = proof_with("dpop+jwt", claims_for(&elsewhere));
    out.push(refused(
        "dpop_token_bound_to_another_key",
        "A valid proof, but the token is bound to another key.",
        &elsewhere,
        dpop(&for_elsewhere, "POST", URL),
        ProofMismatch,
    ));
    let for_unbound = proof_with("dpop+jwt", claims_for(&unbound));
    out.push(refused(
        "dpop_token_not_key_bound",
        "A valid proof, but the token carries no cnf.jkt.",
        &unbound,
        dpop(&for_unbound, "POST", URL),
        NotKeyBound,
    ));
    out.push(
        case(
            "dpop_disagrees_with_proof_jkt",
            "dpop and proof_jkt name different keys.",
            bound.clone(),
        )
        .opts(|o| {
            o.reference_options = vec![
                dpop(&good, "POST", URL),
                reference(
                    "proof_jkt",
                    "proofJkt",
                    json!("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"),
                ),
            ]
        })
        .fails(ProofMismatch),
    );
}
