//! Shared fixtures for the A2A tests: a static signing key, its JWKS and token claims.
#![allow(dead_code)] // each test binary uses a different subset

use grantex::sign::RsaSigner;
use grantex::types::JwkSet;
use serde_json::{json, Value};
use std::sync::OnceLock;

pub const ISSUER: &str = "https://issuer.test";
pub const KID: &str = "a2a-test-key";

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The issuer's key (generated once per test binary).
pub fn signer() -> &'static RsaSigner {
    static S: OnceLock<RsaSigner> = OnceLock::new();
    S.get_or_init(|| RsaSigner::generate(KID).unwrap())
}

/// Another key under the same kid: its tokens must fail with `bad_signature`.
pub fn impostor() -> &'static RsaSigner {
    static S: OnceLock<RsaSigner> = OnceLock::new();
    S.get_or_init(|| RsaSigner::generate(KID).unwrap())
}

pub fn jwks_json() -> String {
    serde_json::to_string(&JwkSet {
        keys: vec![signer().public_jwk()],
    })
    .unwrap()
}

/// Root-token claims valid for an hour with `scopes`.
pub fn claims(scopes: &[&str]) -> Value {
    let t = now();
    json!({
        "iss": ISSUER,
        "sub": "user-42",
        "agt": "did:grantex:ag_A",
        "dev": "dev_1",
        "scp": scopes,
        "jti": format!("tok_{}", uuid()),
        "grnt": "grnt_A",
        "iat": t - 10,
        "exp": t + 3600,
    })
}

/// Claims of a token delegated `depth` hops from the root.
pub fn delegated(scopes: &[&str], depth: u32) -> Value {
    let mut c = claims(scopes);
    c["agt"] = json!(format!("did:grantex:ag_sub{depth}"));
    c["grnt"] = json!(format!("grnt_sub{depth}"));
    c["parentAgt"] = json!("did:grantex:ag_A");
    c["parentGrnt"] = json!("grnt_A");
    c["delegationDepth"] = json!(depth);
    c
}

pub fn sign(claims: &Value) -> String {
    signer().sign_claims(claims).unwrap()
}

pub fn uuid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
