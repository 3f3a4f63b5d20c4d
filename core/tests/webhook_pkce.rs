//! Webhook signatures and PKCE against fixed vectors computed independently (Python's
//! `hmac`/`hashlib`, RFC 4231, RFC 7636 appendix B).

use grantex::pkce::{challenge_for, generate_pkce};
use grantex::webhook::{
    sign_webhook, verify_webhook, verify_webhook_at, verify_webhook_signature,
    DEFAULT_TOLERANCE_SECS,
};

const SECRET: &str = "whsec_test_secret";
const BODY: &[u8] = br#"{"id":"evt_01","type":"grant.created","data":{"grantId":"grnt_1"}}"#;
const TS: &str = "1700000000";
/// hex(HMAC-SHA256("whsec_test_secret", "1700000000." + BODY)), computed with Python.
const V2_SIG: &str = "sha256=620680f3748df339aad5470eba69b968f3f46d75f89163bcf546ae6212c05b56";
/// hex(HMAC-SHA256("whsec_test_secret", BODY)), computed with Python.
const V1_SIG: &str = "sha256=994e438478d494f230eeb81182c18c39c72e30edff919559134a81bd263d6ace";
const NOW: i64 = 1_700_000_000;

#[test]
fn sign_matches_the_fixed_vector() {
    assert_eq!(sign_webhook(BODY, SECRET, 1_700_000_000), V2_SIG);
}

#[test]
fn legacy_signature_rfc4231_case_2() {
    let tag = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    assert!(verify_webhook_signature(
        b"what do ya want for nothing?",
        tag,
        "Jefe"
    ));
    assert!(verify_webhook_signature(BODY, V1_SIG, SECRET));
    assert!(!verify_webhook_signature(BODY, V1_SIG, "other"));
    assert!(!verify_webhook_signature(b"tampered", V1_SIG, SECRET));
    assert!(
        !verify_webhook_signature(BODY, V2_SIG, SECRET),
        "v2 tag is not a v1 tag"
    );
}

#[test]
fn v2_accepts_within_tolerance_either_side() {
    assert!(verify_webhook_at(BODY, V2_SIG, TS, SECRET, 300, NOW));
    assert!(verify_webhook_at(BODY, V2_SIG, TS, SECRET, 300, NOW + 300));
    assert!(verify_webhook_at(BODY, V2_SIG, TS, SECRET, 300, NOW - 300));
    assert!(
        !verify_webhook_at(BODY, V2_SIG, TS, SECRET, 300, NOW + 301),
        "too old"
    );
    assert!(
        !verify_webhook_at(BODY, V2_SIG, TS, SECRET, 300, NOW - 301),
        "in the future"
    );
    assert!(verify_webhook_at(BODY, V2_SIG, TS, SECRET, 0, NOW));
    assert!(!verify_webhook_at(BODY, V2_SIG, TS, SECRET, 0, NOW + 1));
    assert!(verify_webhook_at(
        BODY,
        V2_SIG,
        TS,
        SECRET,
        u64::MAX,
        i64::MAX
    ));
    assert!(verify_webhook_at(
        BODY,
        V2_SIG,
        TS,
        SECRET,
        u64::MAX,
        i64::MIN
    ));
}

#[test]
fn v2_rejects_tampering() {
    assert!(
        !verify_webhook_at(b"{}", V2_SIG, TS, SECRET, 300, NOW),
        "other body"
    );
    assert!(
        !verify_webhook_at(BODY, V2_SIG, TS, "wrong", 300, NOW),
        "other secret"
    );
    // Another timestamp is another MAC, even within tolerance.
    assert!(!verify_webhook_at(
        BODY,
        V2_SIG,
        "1700000001",
        SECRET,
        300,
        NOW
    ));
    assert!(
        !verify_webhook_at(BODY, V1_SIG, TS, SECRET, 300, NOW),
        "v1 tag"
    );
    let upper = V2_SIG.replace("sha256=", "SHA256=");
    assert!(!verify_webhook_at(BODY, &upper, TS, SECRET, 300, NOW));
    let hex_upper = format!("sha256={}", V2_SIG[7..].to_uppercase());
    assert!(!verify_webhook_at(BODY, &hex_upper, TS, SECRET, 300, NOW));
    let flipped = format!("{}0", &V2_SIG[..V2_SIG.len() - 1]);
    assert!(!verify_webhook_at(BODY, &flipped, TS, SECRET, 300, NOW));
}

#[test]
fn malformed_inputs_are_false_not_panics() {
    for sig in [
        "",
        "sha256=",
        "sha256=zz",
        "sha256=abc",
        &V2_SIG[..70],
        "md5=abc",
        "sha256=é",
    ] {
        assert!(
            !verify_webhook_at(BODY, sig, TS, SECRET, 300, NOW),
            "{sig:?}"
        );
        assert!(!verify_webhook_signature(BODY, sig, SECRET), "{sig:?}");
    }
    let long = format!("{V2_SIG}00");
    assert!(!verify_webhook_at(BODY, &long, TS, SECRET, 300, NOW));
    for ts in [
        "",
        " 1700000000",
        "1700000000 ",
        "-1700000000",
        "+1700000000",
        "1.7e9",
        "0x1",
        "١٧٠٠٠٠٠٠٠٠",
        "1234567890123456",
    ] {
        assert!(
            !verify_webhook_at(BODY, V2_SIG, ts, SECRET, u64::MAX, NOW),
            "{ts:?}"
        );
    }
    // 15 digits is the longest accepted timestamp.
    let ts15 = "100000000000000";
    let sig = sign_webhook(BODY, SECRET, 100_000_000_000_000);
    assert!(verify_webhook_at(
        BODY,
        &sig,
        ts15,
        SECRET,
        0,
        100_000_000_000_000
    ));
    // An empty secret and empty body still compute (and compare) normally.
    let empty = sign_webhook(b"", "", 1);
    assert!(verify_webhook_at(b"", &empty, "1", "", 0, 1));
}

#[test]
fn against_the_system_clock() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let sig = sign_webhook(BODY, SECRET, now);
    assert!(verify_webhook(
        BODY,
        &sig,
        &now.to_string(),
        SECRET,
        DEFAULT_TOLERANCE_SECS
    ));
    let old = now - 3600;
    let sig = sign_webhook(BODY, SECRET, old);
    assert!(!verify_webhook(
        BODY,
        &sig,
        &old.to_string(),
        SECRET,
        DEFAULT_TOLERANCE_SECS
    ));
}

#[test]
fn pkce_rfc7636_appendix_b() {
    assert_eq!(
        challenge_for("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}

#[test]
fn generated_pkce_pairs() {
    let a = generate_pkce();
    let b = generate_pkce();
    assert_ne!(a.code_verifier, b.code_verifier);
    for p in [&a, &b] {
        assert_eq!(p.code_verifier.len(), 43);
        assert_eq!(p.code_challenge.len(), 43);
        assert!(p
            .code_verifier
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(p.code_challenge, challenge_for(&p.code_verifier));
        assert_eq!(p.code_challenge_method, "S256");
    }
    assert!(
        !format!("{a:?}").contains(&a.code_verifier),
        "Debug hides the verifier"
    );
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["codeChallengeMethod"], "S256");
    assert_eq!(json["codeVerifier"], a.code_verifier.as_str());
}
