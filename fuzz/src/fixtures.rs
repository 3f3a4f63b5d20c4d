//! The shared test vectors (`vectors/`), loaded once per process.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use grantex::sign::RsaSigner;
use grantex::{JwksCache, VerifyOptions};
use serde_json::Value;
use std::sync::OnceLock;

/// `vectors/jwks.json`: the good key set.
pub const JWKS_JSON: &str = include_str!("../../vectors/jwks.json");
/// `vectors/keys.json`: the test-only private keys.
pub const KEYS_JSON: &str = include_str!("../../vectors/keys.json");
/// `vectors/token-vectors.json`.
pub const TOKEN_VECTORS_JSON: &str = include_str!("../../vectors/token-vectors.json");
/// `vectors/jwks-vectors.json`.
pub const JWKS_VECTORS_JSON: &str = include_str!("../../vectors/jwks-vectors.json");

/// The kid of the `primary` key, which the token target signs with.
pub const PRIMARY_KID: &str = "grantex-2026-01";

/// Everything the targets need from the vectors.
pub struct Fixtures {
    /// The top-level `now` of token-vectors.json.
    pub now: i64,
    /// The top-level `issuer` of token-vectors.json.
    pub issuer: String,
    /// `vectors/jwks.json` loaded as a static set.
    pub cache: JwksCache,
    /// The `primary` key (kid [`PRIMARY_KID`]), in the good set.
    pub signer: RsaSigner,
    /// The token of `valid_legacy_realistic`, which verifies against the good set.
    pub valid_token: String,
}

impl std::fmt::Debug for Fixtures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixtures")
            .field("now", &self.now)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// The fixtures, loaded on first use (a broken vectors file is a crash of every target).
pub fn get() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(load)
}

fn load() -> Fixtures {
    let vectors: Value = serde_json::from_str(TOKEN_VECTORS_JSON).expect("token-vectors.json");
    let now = vectors["now"].as_i64().expect("token-vectors.json: now");
    let issuer = vectors["issuer"]
        .as_str()
        .expect("token-vectors.json: issuer")
        .to_owned();
    let valid_token = vectors["cases"]
        .as_array()
        .expect("token-vectors.json: cases")
        .iter()
        .find(|c| c["name"] == "valid_legacy_realistic")
        .and_then(|c| c["token"].as_str())
        .expect("token-vectors.json: valid_legacy_realistic")
        .to_owned();
    let cache = JwksCache::from_json(JWKS_JSON).expect("vectors/jwks.json loads");
    Fixtures {
        now,
        issuer,
        cache,
        signer: signer(PRIMARY_KID),
        valid_token,
    }
}

/// The signer for the key with this kid in `vectors/keys.json`.
pub fn signer(kid: &str) -> RsaSigner {
    let keys: Value = serde_json::from_str(KEYS_JSON).expect("keys.json");
    let entry = keys["keys"]
        .as_array()
        .expect("keys.json: keys")
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("keys.json: kid");
    let der = STANDARD
        .decode(entry["pkcs8"].as_str().expect("keys.json: pkcs8"))
        .expect("keys.json: base64");
    RsaSigner::from_pkcs8_der(kid, &der).expect("keys.json: a usable key")
}

/// Verify options with the vectors' clock and issuer and nothing else.
pub fn base_options(f: &Fixtures) -> VerifyOptions {
    VerifyOptions {
        issuer: Some(f.issuer.clone()),
        now: Some(f.now),
        ..VerifyOptions::default()
    }
}
