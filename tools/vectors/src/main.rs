//! Generates (`generate`) or checks (`check`) the shared verification vectors in vectors/.
//!
//! Output is a pure function of vectors/keys.json: RSA PKCS#1 v1.5 signatures are
//! deterministic, so regenerating never changes a file unless this tool or the keys changed.
//! `check` exits non-zero, naming the files, when regeneration would change anything.

mod enforce;
mod jwks_cases;
mod keys;
mod model;
mod tokens;

use model::{IssuerCase, IssuerVectors};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors")
}

fn pretty<T: serde::Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("vectors serialise");
    s.push('\n');
    s
}

fn issuer_vectors() -> IssuerVectors {
    let cases = [
        "https://api.grantex.dev/.well-known/jwks.json",
        "https://api.grantex.dev/.well-known/jwks.json/",
        "https://API.grantex.dev:443/.well-known/jwks.json",
        "http://api.grantex.dev/.well-known/jwks.json",
        "http://127.0.0.1:8080/.well-known/jwks.json",
        "http://localhost:3001/.well-known/jwks.json",
        "https://auth.example.com/tenant/a/.well-known/jwks.json",
        "https://auth.example.com/keys",
        "https://auth.example.com/keys/",
        "https://auth.example.com/.well-known/jwks.json?x=1#frag",
        "https://auth.example.com",
    ];
    IssuerVectors {
        description: "deriveIssuer(jwksUri): the issuer expected when the options name none.",
        cases: cases
            .iter()
            .map(|uri| IssuerCase {
                jwks_uri: uri.to_string(),
                issuer: expected_issuer(uri),
            })
            .collect(),
    }
}

/// The issuer each URI above implies, written out by hand (not a call into the core): the hosted
/// Grantex JWKS gives `https://grantex.dev`, any other URI its origin plus path without
/// `/.well-known/jwks.json` and a trailing `/`.
fn expected_issuer(uri: &str) -> String {
    match uri {
        "https://api.grantex.dev/.well-known/jwks.json"
        | "https://api.grantex.dev/.well-known/jwks.json/"
        | "https://API.grantex.dev:443/.well-known/jwks.json" => "https://grantex.dev",
        "http://api.grantex.dev/.well-known/jwks.json" => "http://api.grantex.dev",
        "http://127.0.0.1:8080/.well-known/jwks.json" => "http://127.0.0.1:8080",
        "http://localhost:3001/.well-known/jwks.json" => "http://localhost:3001",
        "https://auth.example.com/tenant/a/.well-known/jwks.json" => {
            "https://auth.example.com/tenant/a"
        }
        "https://auth.example.com/keys" | "https://auth.example.com/keys/" => {
            "https://auth.example.com/keys"
        }
        _ => "https://auth.example.com",
    }
    .to_string()
}

/// The reference SDKs' verification options that bindings pass by name
/// (`grantex::verify::REFERENCE_OPTIONS`): which values every binding accepts and which it
/// refuses with a configuration error. Expectations written out by hand, not by the core.
fn verify_option_vectors() -> serde_json::Value {
    use serde_json::json;
    let case = |name: &str, js: &str, value: serde_json::Value, accepted: bool| json!({ "name": name, "jsName": js, "value": value, "accepted": accepted });
    let did = |value: &str, accepted: bool| case("issuer_did", "issuerDid", json!(value), accepted);
    let cases = vec![
        case("issuer_did", "issuerDid", json!(null), true),
        did("did:web:example.com", true),
        did("did:web:auth.example.com%3A8443:tenants:acme", true),
        did("did:web:xn--bcher-kva.example", true),
        did(
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            false,
        ),
        did("did:web:", false),
        did("did:web:b\u{fc}cher.example", false),
        did("did:web:user@example.com", false),
        did("did:web:127.0.0.1", false),
        did("did:web:%5B::1%5D", false),
        did("did:web:example.0x7f", false),
        did("did:web:example.com%3A0", false),
        did("did:web:example.com%3A65536", false),
        did("did:web:localhost%3A8080", false),
        did("did:web:printer.local", false),
        did("did:web:router.home.arpa", false),
        did("did:web:corp.internal", false),
        did("did:web:intranet", false),
        did("did:web:example.com:..", false),
        did("did:web:example.com:a%2Fb", false),
        case("issuer_did", "issuerDid", json!(42), false),
        case("proof_jkt", "proofJkt", json!(null), true),
        case(
            "proof_jkt",
            "proofJkt",
            json!("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"),
            true,
        ),
        case("proof_jkt", "proofJkt", json!(""), false),
        case("proof_jkt", "proofJkt", json!(["abc"]), false),
        case(
            "require_proof_of_possession",
            "requireProofOfPossession",
            json!(false),
            true,
        ),
        case(
            "require_proof_of_possession",
            "requireProofOfPossession",
            json!(true),
            true,
        ),
        case(
            "require_proof_of_possession",
            "requireProofOfPossession",
            json!("yes"),
            false,
        ),
        case("legacy_claims", "legacyClaims", json!(true), true),
        case("legacy_claims", "legacyClaims", json!(false), true),
        case("legacy_claims", "legacyClaims", json!(0), false),
        case("algorithms", "algorithms", json!(["RS256"]), true),
        case("algorithms", "algorithms", json!(["RS256", "ES256"]), true),
        case("algorithms", "algorithms", json!(["ES256"]), false),
        case("algorithms", "algorithms", json!([]), false),
        case("algorithms", "algorithms", json!(["HS256"]), false),
        case("algorithms", "algorithms", json!(["RS256", "none"]), false),
        case("bounded_jwks_fetch", "boundedJwksFetch", json!(true), true),
        case("bounded_jwks_fetch", "boundedJwksFetch", json!(false), true),
        case("dpop", "dpop", json!(null), true),
        case(
            "dpop",
            "dpop",
            json!({"proof": "a.b.c", "method": "GET", "url": "https://api.example.com/x"}),
            true,
        ),
        case("dpop", "dpop", json!("a.b.c"), false),
        case(
            "dpop",
            "dpop",
            json!({"proof": "a.b.c", "method": "GET"}),
            false,
        ),
        case(
            "dpop",
            "dpop",
            json!({"proof": "a.b.c", "method": "GET", "url": "ftp://api.example.com/x"}),
            false,
        ),
        case(
            "dpop",
            "dpop",
            json!({"proof": "a.b.c", "method": "GET", "url": "https://api.example.com/x", "nonce": "n"}),
            false,
        ),
        case(
            "dpop",
            "dpop",
            json!({"proof": "", "method": "GET", "url": "https://api.example.com/x"}),
            false,
        ),
    ];
    // What verifying the token vectors' plain valid token (legacy layout, no typ, no cnf)
    // against their static key set gives with each accepted value alone.
    let cases: Vec<serde_json::Value> = cases
        .into_iter()
        .map(|mut c| {
            if c["accepted"] == json!(true) {
                let outcome = match (c["name"].as_str().unwrap(), &c["value"]) {
                    // The DID names where keys are read; a static set cannot stand in.
                    ("issuer_did", v) if !v.is_null() => "config_error",
                    ("proof_jkt", v) if !v.is_null() => "not_key_bound",
                    // The proof is checked, and refused, before the claims.
                    ("dpop", v) if !v.is_null() => "invalid_proof",
                    ("require_proof_of_possession", v) if *v == json!(true) => "proof_required",
                    ("legacy_claims", v) if *v == json!(false) => "forbidden_header",
                    _ => "valid",
                };
                c["verify"] = json!(outcome);
            }
            c
        })
        .collect();
    json!({
        "description": "The reference SDKs' verify options that bindings pass by name: accepted \
            or refused with a configuration error, the same in every binding; `name` is the \
            Python spelling, `jsName` the TypeScript one. `null` means the option is left unset. \
            A refused value is a configuration error whose message names the option as spelled; \
            an accepted one has `verify`: what verifying the token vectors' first plain valid \
            token (legacy layout, no typ, no cnf) against their static `jwks` gives with that \
            option alone (`valid`, a token error code, or `config_error`). \
            An `issuer_did` is accepted when it is a did:web identifier naming a public, fully \
            qualified domain (vectors/README.md); `did:web:localhost...` only with \
            GRANTEX_DID_WEB_ALLOW_LOCALHOST=1, which the vector runs leave unset.",
        "cases": cases,
    })
}

/// Every generated file: (name inside vectors/, content).
fn render() -> Vec<(&'static str, String)> {
    let key_json =
        std::fs::read_to_string(vectors_dir().join("keys.json")).expect("read vectors/keys.json");
    let keys = keys::Keys::load(&key_json);
    let tokens = tokens::build(&keys);
    vec![
        ("jwks.json", pretty(&tokens.jwks)),
        ("token-vectors.json", pretty(&tokens)),
        ("jwks-vectors.json", pretty(&jwks_cases::build(&keys))),
        ("enforce-vectors.json", pretty(&enforce::build(&keys))),
        ("issuer-vectors.json", pretty(&issuer_vectors())),
        (
            "verify-option-vectors.json",
            pretty(&verify_option_vectors()),
        ),
    ]
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let dir = vectors_dir();
    match mode.as_str() {
        "generate" => {
            for (name, content) in render() {
                let path = dir.join(name);
                if let Err(e) = std::fs::write(&path, &content) {
                    eprintln!("cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!("wrote vectors/{name} ({} bytes)", content.len());
            }
            ExitCode::SUCCESS
        }
        "check" => {
            let stale: Vec<&str> = render()
                .into_iter()
                .filter(|(name, content)| {
                    std::fs::read_to_string(dir.join(name)).ok().as_deref()
                        != Some(content.as_str())
                })
                .map(|(name, _)| name)
                .collect();
            if stale.is_empty() {
                println!("vectors are up to date");
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "vectors are stale; `cargo run -p grantex-vectors -- generate` would change: {}",
                    stale.iter().map(|n| format!("vectors/{n}")).collect::<Vec<_>>().join(", ")
                );
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: grantex-vectors generate|check");
            ExitCode::from(2)
        }
    }
}
