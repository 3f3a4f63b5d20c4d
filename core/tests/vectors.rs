//! Runs the shared vectors (vectors/*.json) through the offline verifier: every token case with
//! `JwksCache::from_json` + `verify_cached` at the file's fixed clock, every key-set case, and
//! every issuer-derivation case. Outcome and error code must both match.

use grantex::verify::derive_issuer;
use grantex::{JwksCache, TokenErrorCode, VerifyOptions};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors")
        .join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` missing in {v}"))
}

/// The outcome as the vectors spell it: `valid` or the error code string.
fn outcome(r: &grantex::Result<grantex::VerifiedGrant>) -> String {
    match r {
        Ok(_) => "valid".into(),
        Err(e) => match e.as_token() {
            Some(t) => t.code.as_str().into(),
            None => format!("non-token error: {e}"),
        },
    }
}

fn options(case_opts: &Value, file: &Value) -> VerifyOptions {
    let mut o = VerifyOptions {
        issuer: Some(
            case_opts["issuer"]
                .as_str()
                .unwrap_or_else(|| str_of(file, "issuer"))
                .to_string(),
        ),
        audience: case_opts["audience"].as_str().map(str::to_string),
        required_scopes: case_opts["requiredScopes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().expect("scope").to_string())
                    .collect()
            })
            .unwrap_or_default(),
        clock_tolerance: case_opts["clockTolerance"].as_u64().unwrap_or(0),
        max_delegation_depth: case_opts["maxDelegationDepth"].as_u64().map(|d| d as u32),
        // Not in the shared vectors yet: Node and C do not expose it (tests in verify_rules.rs).
        expected_developer_id: None,
        expected_principal_id: case_opts["expectedPrincipalId"]
            .as_str()
            .map(str::to_string),
        expected_agent_did: case_opts["expectedAgentDid"].as_str().map(str::to_string),
        current_authority: false,
        now: Some(file["now"].as_i64().expect("now")),
        // Explicit either way in the vectors, so the environment variable never decides.
        allow_sandbox: Some(case_opts["allowSandbox"].as_bool().unwrap_or(false)),
        ..Default::default()
    };
    for r in case_opts["referenceOptions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        grantex::verify::apply_reference_option(&mut o, str_of(r, "name"), &r["value"])
            .expect("a vector's reference option applies");
    }
    o
}

/// A rejection message must not echo the token or any long piece of it.
fn leaks_token(message: &str, token: &str) -> bool {
    token.len() >= 16
        && (message.contains(token)
            || token
                .split('.')
                .any(|seg| seg.len() >= 16 && message.contains(seg)))
}

#[test]
fn token_vectors() {
    let file = load("token-vectors.json");
    let cases = file["cases"].as_array().expect("cases");
    assert!(
        cases.len() >= 150,
        "expected the full vector set, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut codes_seen = BTreeSet::new();
    for case in cases {
        let name = str_of(case, "name");
        let token = str_of(case, "token");
        let expect = str_of(case, "expect");
        let case_opts = &case["options"];
        let set = match case_opts["jwks"].as_str() {
            Some(alt) => &file["jwksSets"][alt],
            None => &file["jwks"],
        };
        assert!(set.is_object(), "{name}: key set missing");
        let cache =
            JwksCache::from_json(&set.to_string()).unwrap_or_else(|e| panic!("{name}: set: {e}"));
        let result = cache.verify_cached(token, &options(case_opts, &file));
        let got = outcome(&result);
        codes_seen.insert(got.clone());
        if got != expect {
            failures.push(format!(
                "{name}: expected {expect}, got {got} ({:?})",
                result.as_ref().err()
            ));
            continue;
        }
        match &result {
            Ok(grant) => {
                let want = &case["claims"];
                let mut have = serde_json::to_value(grant).expect("grant serialises");
                // The vectors spell absent optional claims as null; the core leaves them out.
                if let (Some(map), Some(spelled)) = (have.as_object_mut(), want.as_object()) {
                    for (key, value) in spelled {
                        if value.is_null() {
                            map.entry(key.clone()).or_insert(serde_json::Value::Null);
                        }
                    }
                }
                if *want != have {
                    failures.push(format!(
                        "{name}: claims differ\n  want {want}\n  have {have}"
                    ));
                }
            }
            Err(e) => {
                if leaks_token(&e.to_string(), token) {
                    failures.push(format!("{name}: error message echoes the token: {e}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} token vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );

    // Every code the offline verifier can produce from a token is exercised.
    for code in TokenErrorCode::ALL {
        let offline_only = !matches!(
            code,
            TokenErrorCode::InvalidJwks
                | TokenErrorCode::JwksFetch
                | TokenErrorCode::Revoked
                | TokenErrorCode::Inactive
                // The caller's callback decides (core/src/verify/authority.rs tests it).
                | TokenErrorCode::AuthorityMismatch
        );
        if offline_only {
            assert!(
                codes_seen.contains(code.as_str()),
                "no token vector produces {code}"
            );
        }
    }
}

#[test]
fn published_set_matches_the_token_vectors() {
    assert_eq!(load("jwks.json"), load("token-vectors.json")["jwks"]);
}

#[test]
fn realistic_tokens_are_about_900_bytes() {
    let file = load("token-vectors.json");
    let realistic: Vec<usize> = file["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| str_of(c, "name").contains("realistic"))
        .map(|c| str_of(c, "token").len())
        .collect();
    assert!(realistic.len() >= 3);
    assert!(
        realistic.iter().all(|&n| (850..=1100).contains(&n)),
        "{realistic:?}"
    );
}

#[test]
fn jwks_vectors() {
    let file = load("jwks-vectors.json");
    let cases = file["cases"].as_array().expect("cases");
    let opts = VerifyOptions {
        issuer: Some(str_of(&file, "issuer").into()),
        now: Some(file["now"].as_i64().expect("now")),
        ..Default::default()
    };
    let mut failures = Vec::new();
    for case in cases {
        let name = str_of(case, "name");
        let loaded = JwksCache::from_json(str_of(case, "jwks"));
        match (str_of(case, "expect"), &loaded) {
            ("ok", Ok(cache)) => {
                let token = str_of(case, "token");
                let got = outcome(&cache.verify_cached(token, &opts));
                let want = str_of(case, "tokenExpect");
                if got != want {
                    failures.push(format!("{name}: token expected {want}, got {got}"));
                }
            }
            ("invalid_jwks", Err(e))
                if e.as_token().map(|t| t.code) == Some(TokenErrorCode::InvalidJwks) => {}
            (want, got) => failures.push(format!(
                "{name}: expected {want}, got {:?}",
                got.as_ref().map(|_| "ok")
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} key-set vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn issuer_vectors() {
    let file = load("issuer-vectors.json");
    for case in file["cases"].as_array().expect("cases") {
        let uri = str_of(case, "jwksUri");
        assert_eq!(derive_issuer(uri), str_of(case, "issuer"), "{uri}");
    }
}

#[test]
fn verify_option_vectors() {
    let file = load("verify-option-vectors.json");
    let cases = file["cases"].as_array().expect("cases");
    for case in cases {
        let value = &case["value"];
        for name in [str_of(case, "name"), str_of(case, "jsName")] {
            let got = grantex::verify::check_reference_option(name, value);
            let want = case["accepted"].as_bool().expect("accepted");
            assert_eq!(got.is_ok(), want, "{name} = {value}: {got:?}");
            if let Err(e) = got {
                assert_eq!(e.code(), "config_error", "{name}");
                assert!(e.to_string().contains(name), "{name}: {e}");
            }
        }
    }
    // Accepted values, applied alone, give the stated outcome on the plain valid token.
    let tokens = load("token-vectors.json");
    let cache = JwksCache::from_json(&tokens["jwks"].to_string()).expect("set");
    let valid = tokens["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["expect"] == "valid" && c["options"].as_object().is_none_or(|o| o.is_empty()))
        .expect("a plain valid token");
    for case in cases.iter().filter(|c| c["accepted"] == true) {
        let mut o = VerifyOptions {
            issuer: Some(str_of(&tokens, "issuer").to_string()),
            now: tokens["now"].as_i64(),
            ..Default::default()
        };
        grantex::verify::apply_reference_option(&mut o, str_of(case, "name"), &case["value"])
            .expect("accepted");
        let got = match cache.verify_cached(str_of(valid, "token"), &o) {
            Ok(_) => "valid".to_string(),
            Err(grantex::Error::Token(e)) => e.code.as_str().to_string(),
            Err(e) => e.code().to_string(),
        };
        assert_eq!(got, str_of(case, "verify"), "{case}");
    }
    // Every option of the core's list has a case, and the list matches the vectors' names.
    for option in grantex::verify::REFERENCE_OPTIONS {
        assert!(
            cases
                .iter()
                .any(|c| str_of(c, "name") == option.name && str_of(c, "jsName") == option.js_name),
            "{} has no vector",
            option.name
        );
    }
}

#[test]
fn static_set_without_issuer_is_a_config_error() {
    let cache = JwksCache::from_json(&load("jwks.json").to_string()).expect("set");
    let token = str_of(&load("token-vectors.json")["cases"][0], "token").to_string();
    let err = cache
        .verify_cached(&token, &VerifyOptions::default())
        .unwrap_err();
    assert_eq!(err.code(), "config_error");
    assert_eq!(cache.jwks_uri(), None);
}
