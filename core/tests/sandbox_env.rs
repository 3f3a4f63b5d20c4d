//! The sandbox marker and `GRANTEX_ALLOW_SANDBOX_TOKENS`: its own test binary (one process, one
//! test), since it sets a process-wide environment variable.

use grantex::{JwksCache, TokenErrorCode, VerifyOptions};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("vectors")).expect("json")
}

#[test]
fn the_environment_variable_decides_only_when_the_option_is_unset() {
    let file = load("token-vectors.json");
    let token = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "valid_sandbox_token_accepted")
        .expect("the sandbox vector")["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let cache = JwksCache::from_json(&file["jwks"].to_string()).unwrap();
    let opts = |allow: Option<bool>| VerifyOptions {
        issuer: Some(file["issuer"].as_str().unwrap().into()),
        now: file["now"].as_i64(),
        allow_sandbox: allow,
        ..Default::default()
    };
    let code = |o: &VerifyOptions| {
        cache
            .verify_cached(&token, o)
            .err()
            .and_then(|e| e.as_token().map(|t| t.code))
    };

    std::env::remove_var(grantex::verify::ALLOW_SANDBOX_ENV);
    assert_eq!(code(&opts(None)), Some(TokenErrorCode::SandboxToken));
    assert_eq!(code(&opts(Some(true))), None);
    for not_one in ["0", "true", ""] {
        std::env::set_var(grantex::verify::ALLOW_SANDBOX_ENV, not_one);
        assert_eq!(
            code(&opts(None)),
            Some(TokenErrorCode::SandboxToken),
            "{not_one:?}"
        );
    }
    std::env::set_var(grantex::verify::ALLOW_SANDBOX_ENV, "1");
    assert_eq!(code(&opts(None)), None);
    assert_eq!(code(&opts(Some(false))), Some(TokenErrorCode::SandboxToken));
    let err = cache.verify_cached(&token, &opts(Some(false))).unwrap_err();
    assert!(err.to_string().contains("sandbox"), "{err}");
}
