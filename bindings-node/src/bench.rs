//! Benchmark-only exports for scripts/bench-node, compiled only with `--features bench`
//! (`GRANTEX_NODE_FEATURES=bench`): the raw RS256 floor and Rust-side loops that separate the
//! core's cost from the binding's per-call overhead. Never part of `@grantex/sdk`'s API; the
//! benchmark loads them from the addon directly.

use crate::errors::to_napi;
use crate::verify::NativeJwks;
use napi::Result;
use napi_derive::napi;

/// Benchmark floor: one raw RS256 check with a pre-parsed key, nothing else.
#[napi(js_name = "_RsaFloor")]
pub struct RsaFloor {
    floor: grantex::verify::floor::RsaFloor,
}

#[napi]
impl RsaFloor {
    #[napi(constructor)]
    pub fn new(jwks_json: String, token: String) -> Result<Self> {
        grantex::verify::floor::RsaFloor::from_token(&jwks_json, &token)
            .map(|floor| RsaFloor { floor })
            .map_err(to_napi)
    }

    /// One signature check; `true` when valid.
    #[napi]
    pub fn verify(&self) -> bool {
        self.floor.verify()
    }
}

/// Benchmark helper: `n` floor checks in a Rust loop; total seconds.
#[napi(js_name = "_floorLoop")]
pub fn floor_loop(floor: &RsaFloor, n: u32) -> f64 {
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(floor.floor.verify());
    }
    start.elapsed().as_secs_f64()
}

/// Benchmark helper: `n` warm-cache verifications in a Rust loop (no JS per call); total
/// seconds. Separates the core's cost from the binding's per-call overhead.
#[napi(js_name = "_coreLoop")]
pub fn core_loop(
    jwks: &NativeJwks,
    token: String,
    issuer: String,
    now: f64,
    n: u32,
) -> Result<f64> {
    let opts = crate::verify::core_options(
        Some(issuer),
        None,
        None,
        None,
        None,
        None,
        Some(now),
        None,
        (None, None, None),
        None,
    )?;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(jwks.cache().verify_cached(&token, &opts).map_err(to_napi)?);
    }
    Ok(start.elapsed().as_secs_f64())
}
