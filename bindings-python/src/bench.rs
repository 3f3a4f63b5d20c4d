//! Benchmark-only exports for scripts/bench-python, compiled only with `--features bench`: the
//! raw RS256 floor and Rust-side loops that separate the core's cost from the binding's per-call
//! overhead. Never part of the `grantex` API (and absent from `_native.pyi`).

use crate::verify::Options;
use pyo3::prelude::*;

/// The benchmark floor: one raw RS256 signature check with a pre-parsed key, nothing else.
#[pyclass(module = "grantex._native", name = "_RsaFloor", frozen)]
pub struct RsaFloor {
    floor: grantex::verify::floor::RsaFloor,
}

#[pymethods]
impl RsaFloor {
    #[new]
    fn new(py: Python<'_>, jwks_json: String, token: String) -> PyResult<Self> {
        grantex::verify::floor::RsaFloor::from_token(&jwks_json, &token)
            .map(|floor| RsaFloor { floor })
            .map_err(|e| crate::errors::to_py(py, e))
    }

    /// One signature check with the GIL released, as the real verifier does.
    fn verify(&self, py: Python<'_>) -> bool {
        py.detach(|| self.floor.verify())
    }
}

/// Benchmark helper: `n` warm-cache verifications of `token` in a Rust loop (no Python per
/// call), with the GIL released; returns the total seconds. Separates the core's own cost
/// from the binding's per-call overhead in `scripts/bench-python`.
#[pyfunction]
pub fn _core_loop(
    py: Python<'_>,
    token: String,
    options: &Bound<'_, PyAny>,
    n: u32,
) -> PyResult<f64> {
    let options = Options::read("_core_loop", options)?;
    let (cache, opts) = options.split().map_err(|e| crate::errors::to_py(py, e))?;
    py.detach(|| {
        let start = std::time::Instant::now();
        for _ in 0..n {
            cache.verify_cached(&token, &opts)?;
        }
        Ok(start.elapsed().as_secs_f64())
    })
    .map_err(|e| crate::errors::to_py(py, e))
}

/// Benchmark helper: `n` floor checks in a Rust loop; total seconds.
#[pyfunction]
pub fn _floor_loop(py: Python<'_>, floor: PyRef<'_, RsaFloor>, n: u32) -> f64 {
    let floor = &floor.floor;
    py.detach(|| {
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(floor.verify());
        }
        start.elapsed().as_secs_f64()
    })
}
