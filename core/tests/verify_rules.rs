//! Verifier rules the vector files cannot express: the system clock, the benchmark floor, no
//! malleability under mutation, bounded time on huge input, and what errors reveal.

use grantex::sign::RsaSigner;
use grantex::verify::floor::RsaFloor;
use grantex::{JwksCache, TokenErrorCode, VerifyOptions};
use serde_json::{json, Value};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ISSUER: &str = "https://grantex.example";

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/token-vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("json")
}

fn case_token(v: &Value, name: &str) -> String {
    let case = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap();
    case["token"].as_str().unwrap().to_string()
}

fn fixed(v: &Value) -> VerifyOptions {
    VerifyOptions {
        issuer: Some(ISSUER.into()),
        now: v["now"].as_i64(),
        ..Default::default()
    }
}

fn code<T: std::fmt::Debug>(r: grantex::Result<T>) -> TokenErrorCode {
    r.unwrap_err().as_token().expect("token error").code
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn system_clock_is_used_when_now_is_unset() {
    let signer = RsaSigner::generate("clock-test").unwrap();
    let set = json!({ "keys": [signer.public_jwk()] }).to_string();
    let cache = JwksCache::from_json(&set).unwrap();
    let opts = VerifyOptions {
        issuer: Some(ISSUER.into()),
        ..Default::default()
    };
    let claims = |iat: i64, exp: i64| json!({ "iss": ISSUER, "sub": "u", "agt": "a", "dev": "d", "scp": [], "jti": "j", "iat": iat, "exp": exp });
    let now = unix_now();
    let fresh = signer.sign_claims(&claims(now - 5, now + 300)).unwrap();
    assert_eq!(
        cache.verify_cached(&fresh, &opts).unwrap().expires_at,
        now + 300
    );
    let stale = signer.sign_claims(&claims(now - 600, now - 300)).unwrap();
    assert_eq!(
        code(cache.verify_cached(&stale, &opts)),
        TokenErrorCode::Expired
    );
    let early = signer.sign_claims(&claims(now + 3600, now + 7200)).unwrap();
    assert_eq!(
        code(cache.verify_cached(&early, &opts)),
        TokenErrorCode::IssuedInFuture
    );
}

#[test]
fn floor_verifies_exactly_what_the_pipeline_verifies() {
    let v = vectors();
    let jwks = v["jwks"].to_string();
    let good = case_token(&v, "valid_legacy_realistic");
    assert!(RsaFloor::from_token(&jwks, &good).unwrap().verify());
    let forged = case_token(&v, "signature_by_other_key_same_kid");
    assert!(!RsaFloor::from_token(&jwks, &forged).unwrap().verify());
    let unknown = case_token(&v, "kid_unknown");
    assert_eq!(
        code(RsaFloor::from_token(&jwks, &unknown)),
        TokenErrorCode::UnknownKid
    );
    let weak = case_token(&v, "weak_key_1024");
    let weak_set = v["jwksSets"]["weak"].to_string();
    assert_eq!(
        code(RsaFloor::from_token(&weak_set, &weak)),
        TokenErrorCode::WeakKey
    );
    assert_eq!(
        code(RsaFloor::from_token("{}", &good)),
        TokenErrorCode::InvalidJwks
    );
    assert_eq!(
        code(RsaFloor::from_token(&jwks, "a.b")),
        TokenErrorCode::Malformed
    );
}

/// Every single-character change of a valid token must be rejected: with canonical base64url
/// and the signature over the exact text, no other spelling of a token can verify.
#[test]
fn no_single_character_mutation_verifies() {
    let v = vectors();
    let cache = JwksCache::from_json(&v["jwks"].to_string()).unwrap();
    let opts = fixed(&v);
    let token = case_token(&v, "valid_legacy_realistic");
    cache.verify_cached(&token, &opts).unwrap();
    let replacements = [
        'A', 'B', 'f', 'g', 'Q', 'w', '-', '_', '.', '=', '+', '/', ' ', '0', '9',
    ];
    let mut tried = 0;
    for (i, original) in token.char_indices() {
        for r in replacements {
            if r == original {
                continue;
            }
            let mut mutated = token.clone();
            mutated.replace_range(i..i + 1, &r.to_string());
            tried += 1;
            assert!(
                cache.verify_cached(&mutated, &opts).is_err(),
                "mutation at {i} to {r:?} verified"
            );
        }
    }
    // Truncations and insertions too.
    for cut in 0..token.len() {
        assert!(
            cache.verify_cached(&token[..cut], &opts).is_err(),
            "prefix of {cut} bytes verified"
        );
        let mut longer = token.clone();
        longer.insert(cut, 'A');
        assert!(
            cache.verify_cached(&longer, &opts).is_err(),
            "insertion at {cut} verified"
        );
    }
    assert!(tried > 10_000);
}

#[test]
fn huge_inputs_are_refused_in_constant_time() {
    let v = vectors();
    let cache = JwksCache::from_json(&v["jwks"].to_string()).unwrap();
    let opts = fixed(&v);
    let huge = "a.".repeat(5 << 20);
    let start = Instant::now();
    for _ in 0..1000 {
        assert_eq!(
            code(cache.verify_cached(&huge, &opts)),
            TokenErrorCode::TooLarge
        );
    }
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?} for 1000 rejections",
        start.elapsed()
    );
}

#[test]
fn errors_do_not_echo_token_content() {
    let v = vectors();
    let cache = JwksCache::from_json(&v["jwks"].to_string()).unwrap();
    let opts = fixed(&v);
    for name in [
        "kid_path_traversal",
        "kid_sql_injection",
        "wrong_issuer",
        "wrong_audience",
        "claims_duplicate_sub",
    ] {
        let token = case_token(&v, name);
        let msg = cache
            .verify_cached(
                &token,
                &VerifyOptions {
                    audience: Some("https://calendar.example.com".into()),
                    ..opts.clone()
                },
            )
            .unwrap_err()
            .to_string();
        for leak in ["../", "OR '1'", "evil", "other.example", "usr_attacker"] {
            assert!(!msg.contains(leak), "{name}: {msg}");
        }
    }
}

#[test]
fn caches_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<JwksCache>();
    assert_send_sync::<RsaFloor>();
    let v = vectors();
    let cache = JwksCache::from_json(&v["jwks"].to_string()).unwrap();
    let token = case_token(&v, "valid_standard_realistic");
    let opts = VerifyOptions {
        audience: Some("https://calendar.example.com".into()),
        ..fixed(&v)
    };
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (cache, token, opts) = (cache.clone(), token.clone(), opts.clone());
            std::thread::spawn(move || (0..50).all(|_| cache.verify_cached(&token, &opts).is_ok()))
        })
        .collect();
    assert!(handles.into_iter().all(|h| h.join().unwrap()));
}

#[test]
fn options_that_would_weaken_a_check_are_config_errors() {
    let v = vectors();
    let cache = JwksCache::from_json(&v["jwks"].to_string()).unwrap();
    let token = case_token(&v, "valid_legacy_realistic");
    let weakening = [
        VerifyOptions {
            issuer: Some(String::new()),
            ..fixed(&v)
        },
        VerifyOptions {
            audience: Some(String::new()),
            ..fixed(&v)
        },
        VerifyOptions {
            required_scopes: vec!["calendar:read".into(), String::new()],
            ..fixed(&v)
        },
        VerifyOptions {
            clock_tolerance: grantex::verify::MAX_CLOCK_TOLERANCE + 1,
            ..fixed(&v)
        },
        VerifyOptions {
            clock_tolerance: u64::MAX,
            ..fixed(&v)
        },
    ];
    for opts in weakening {
        let err = cache.verify_cached(&token, &opts).unwrap_err();
        assert_eq!(err.code(), "config_error", "{opts:?}: {err}");
    }
    cache.verify_cached(&token, &fixed(&v)).unwrap();
    let hour = VerifyOptions {
        clock_tolerance: grantex::verify::MAX_CLOCK_TOLERANCE,
        ..fixed(&v)
    };
    cache.verify_cached(&token, &hour).unwrap();
}

#[test]
fn oversized_jwks_documents_are_refused_before_parsing() {
    let big = format!(
        r#"{{"keys":[],"pad":"{}"}}"#,
        "x".repeat(grantex::jwks::MAX_JWKS_JSON_LEN)
    );
    let err = JwksCache::from_json(&big).unwrap_err();
    assert_eq!(
        err.as_token().expect("token error").code,
        TokenErrorCode::InvalidJwks
    );
}

#[test]
fn the_developer_can_be_pinned() {
    let v = vectors();
    let cache = JwksCache::from_json(&v["jwks"].to_string()).unwrap();
    let token = case_token(&v, "valid_legacy_realistic");
    let dev = cache
        .verify_cached(&token, &fixed(&v))
        .unwrap()
        .developer_id;
    let pinned = |id: &str| VerifyOptions {
        expected_developer_id: Some(id.into()),
        ..fixed(&v)
    };
    assert_eq!(
        cache
            .verify_cached(&token, &pinned(&dev))
            .unwrap()
            .developer_id,
        dev
    );
    let other = cache.verify_cached(&token, &pinned("dev_someone_else"));
    assert_eq!(code(other), TokenErrorCode::WrongIssuer);
    let prefix = cache.verify_cached(&token, &pinned(&dev[..dev.len() - 1]));
    assert_eq!(code(prefix), TokenErrorCode::WrongIssuer);
    let empty = cache.verify_cached(&token, &pinned("")).unwrap_err();
    assert_eq!(empty.code(), "config_error");
}
