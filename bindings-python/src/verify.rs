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

/// Verification options as the Python layer passes them (flattened `VerifyGrantTokenOptions`).
#[derive(FromPyObject)]
pub struct Options {
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Option<Vec<String>>,
    clock_tolerance: u64,
    max_delegation_depth: Option<u32>,
    now: Option<i64>,
}

impl Options {
    fn core(self) -> VerifyOptions {
        VerifyOptions {
            issuer: self.issuer,
            audience: self.audience,
            required_scopes: self.required_scopes.unwrap_or_default(),
            clock_tolerance: self.clock_tolerance,
            max_delegation_depth: self.max_delegation_depth,
            now: self.now,
        }
    }
}

fn cache_for(jwks: Option<&NativeJwks>, jwks_uri: Option<&str>) -> grantex::Result<JwksCache> {
    match (jwks, jwks_uri) {
        (Some(j), _) => Ok(j.cache.clone()),
        (None, Some(uri)) => JwksCache::shared(uri),
        (None, None) => Err(Error::Config {
            message: "verification needs a jwks_uri or a jwks key set".into(),
        }),
    }
}

/// Verify `token`; blocking only when the key set must be fetched.
#[pyfunction]
#[pyo3(signature = (token, jwks, jwks_uri, options))]
pub fn verify_grant_token<'py>(
    py: Python<'py>,
    token: String,
    jwks: Option<PyRef<'py, NativeJwks>>,
    jwks_uri: Option<String>,
    options: Options,
) -> PyResult<Bound<'py, PyAny>> {
    let cache =
        cache_for(jwks.as_deref(), jwks_uri.as_deref()).map_err(|e| crate::errors::to_py(py, e))?;
    let opts = options.core();
    let grant = crate::wait::wait(py, async move { cache.verify(&token, &opts).await })?;
    convert::verified_grant(py, grant)
}

/// Awaitable twin of [`verify_grant_token`].
#[pyfunction]
#[pyo3(signature = (token, jwks, jwks_uri, options))]
pub fn averify_grant_token<'py>(
    py: Python<'py>,
    token: String,
    jwks: Option<PyRef<'py, NativeJwks>>,
    jwks_uri: Option<String>,
    options: Options,
) -> PyResult<Bound<'py, PyAny>> {
    let cache =
        cache_for(jwks.as_deref(), jwks_uri.as_deref()).map_err(|e| crate::errors::to_py(py, e))?;
    let opts = options.core();
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
