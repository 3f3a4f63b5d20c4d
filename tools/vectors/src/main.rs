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

/// The reference SDKs' other verification options (`grantex::verify::REFERENCE_OPTIONS`): which
/// values every binding accepts (they ask for what the verifier does anyway) and which it
/// refuses with a configuration error. Expectations written out by hand, not by the core.
fn verify_option_vectors() -> serde_json::Value {
    use serde_json::json;
    let case = |name: &str, js: &str, value: serde_json::Value, accepted: bool| json!({ "name": name, "jsName": js, "value": value, "accepted": accepted });
    let cases = vec![
        case("issuer_did", "issuerDid", json!(null), true),
        case(
            "issuer_did",
            "issuerDid",
            json!("did:web:example.com"),
            false,
        ),
        case("proof_jkt", "proofJkt", json!("abc"), false),
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
            false,
        ),
        case("legacy_claims", "legacyClaims", json!(true), true),
        case("legacy_claims", "legacyClaims", json!(false), false),
        case("algorithms", "algorithms", json!(["RS256"]), true),
        case("algorithms", "algorithms", json!(["RS256", "ES256"]), true),
        case("algorithms", "algorithms", json!(["ES256"]), false),
        case("algorithms", "algorithms", json!([]), false),
        case("algorithms", "algorithms", json!(["HS256"]), false),
        case("algorithms", "algorithms", json!(["RS256", "none"]), false),
        case("bounded_jwks_fetch", "boundedJwksFetch", json!(true), true),
        case("bounded_jwks_fetch", "boundedJwksFetch", json!(false), true),
    ];
    json!({
        "description": "The reference SDKs' verify options this verifier does not take as settings: \
            accepted (a value asking for what it does anyway) or refused with a configuration \
            error, the same in every binding; `name` is the Python spelling, `jsName` the \
            TypeScript one. `null` means the option is left unset.",
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
