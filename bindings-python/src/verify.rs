//! Offline grant-token verification. The GIL is released for the whole verification (two
//! Python threads verify in parallel); a warm cache never touches the network.

use crate::convert::{self, Grant};
use grantex::{Error, JwksCache, VerifyOptions};
use pyo3::prelude::*;

/// A JWKS cache: remote (fetched and cached by the core) or a static set (fully offline).
#[pyclass(module = "grantex._native", name = "JwksCache", frozen)]
pub struct NativeJwks {
    cache: JwksCache,
}

#[pymethods]
impl NativeJwks {
    /// A static key set from JSON text; verification never touches the network.
    #[staticmethod]
    fn from_json(py: Python<'_>, jwks_json: String) -> PyResult<Self> {
        JwksCache::from_json(&jwks_json)
            .map(|cache| NativeJwks { cache })
            .map_err(|e| crate::errors::to_py(py, e))
    }

    /// A private cache of the key set at `jwks_uri` (fetched on first use).
    #[staticmethod]
    fn remote(py: Python<'_>, jwks_uri: String) -> PyResult<Self> {
        JwksCache::remote(&jwks_uri)
            .map(|cache| NativeJwks { cache })
            .map_err(|e| crate::errors::to_py(py, e))
    }

    /// The process-wide cache for `jwks_uri` (the one `verify_grant_token` uses).
    #[staticmethod]
    fn shared(py: Python<'_>, jwks_uri: String) -> PyResult<Self> {
        JwksCache::shared(&jwks_uri)
            .map(|cache| NativeJwks { cache })
            .map_err(|e| crate::errors::to_py(py, e))
    }

    #[getter]
    fn jwks_uri(&self) -> Option<&str> {
        self.cache.jwks_uri()
    }

    /// Re-fetch the key set now (blocking).
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        let cache = self.cache.clone();
        crate::wait::wait(py, async move { cache.refresh().await })
    }
}

/// `grantex.VerifyGrantTokenOptions`, read attribute by attribute.
#[derive(FromPyObject)]
pub struct Options {
    jwks: Option<Py<NativeJwks>>,
    jwks_uri: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Option<Vec<String>>,
    clock_tolerance: u64,
    max_delegation_depth: Option<u32>,
    expected_developer_id: Option<String>,
    now: Option<i64>,
}

impl Options {
    /// The key set to use and the core options.
    fn split(self) -> grantex::Result<(JwksCache, VerifyOptions)> {
        let cache = match (&self.jwks, &self.jwks_uri) {
            (Some(j), _) => j.get().cache.clone(),
            (None, Some(uri)) => JwksCache::shared(uri)?,
            (None, None) => {
                return Err(Error::Config {
                    message: "VerifyGrantTokenOptions needs jwks_uri or jwks".into(),
                })
            }
        };
        Ok((cache, self.core()))
    }

    fn core(self) -> VerifyOptions {
        VerifyOptions {
            issuer: self.issuer,
            audience: self.audience,
            required_scopes: self.required_scopes.unwrap_or_default(),
            clock_tolerance: self.clock_tolerance,
            max_delegation_depth: self.max_delegation_depth,
            expected_developer_id: self.expected_developer_id,
            now: self.now,
        }
    }
}

/// `grantex.verify_grant_token(token, options)`: blocks only when the key set must be
/// fetched; the GIL is released throughout.
#[pyfunction]
pub fn verify_grant_token(
    py: Python<'_>,
    token: String,
    options: Options,
) -> PyResult<Bound<'_, PyAny>> {
    let (cache, opts) = options.split().map_err(|e| crate::errors::to_py(py, e))?;
    let grant = if cache.jwks_uri().is_none() {
        // A static set never fetches, so `verify` is exactly `verify_cached`: skip the runtime.
        py.detach(|| cache.verify_cached(&token, &opts))
            .map_err(|e| crate::errors::to_py(py, e))?
    } else {
        crate::wait::wait_ready_first(py, async move { cache.verify(&token, &opts).await })?
    };
    convert::verified_grant(py, grant)
}

/// `grantex.averify_grant_token(token, options)`: the awaitable twin.
#[pyfunction]
pub fn averify_grant_token(
    py: Python<'_>,
    token: String,
    options: Options,
) -> PyResult<Bound<'_, PyAny>> {
    let (cache, opts) = options.split().map_err(|e| crate::errors::to_py(py, e))?;
    crate::runtime::awaitable(
        py,
        async move { cache.verify(&token, &opts).await.map(Grant) },
    )
}

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
pub fn _core_loop(py: Python<'_>, token: String, options: Options, n: u32) -> PyResult<f64> {
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
