//! The receiving side of the A2A bridge: `grantex.a2a.A2AGuard` over the core `A2AGuard`,
//! and `peek_request`. A rejection becomes `A2AAuthError` (status, reason, JSON-RPC error and
//! `WWW-Authenticate`, all from the core) in `errors.rs`.

use crate::convert::{self, Grant};
use grantex::a2a::{peek_request as core_peek, A2AError, A2AGuard, A2APolicy, JwksSource};
use grantex::Error;
use pyo3::prelude::*;
use std::collections::BTreeMap;
use std::time::Duration;

/// `grantex.a2a.RevocationOnline`, read attribute by attribute.
#[derive(FromPyObject)]
pub struct Revocation {
    base_url: String,
    api_key: String,
    cache_ttl: f64,
}

/// `grantex.a2a.A2APolicy`, read attribute by attribute.
#[derive(FromPyObject)]
pub struct Policy {
    jwks_uri: Option<String>,
    jwks_json: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Option<Vec<String>>,
    method_scopes: Option<BTreeMap<String, Vec<String>>>,
    allow_delegation: bool,
    max_delegation_depth: Option<u32>,
    clock_tolerance: u64,
    expected_developer_id: Option<String>,
    allow_sandbox: Option<bool>,
    revocation: Option<Revocation>,
}

fn config(message: impl Into<String>) -> A2AError {
    A2AError::Core(Error::Config {
        message: message.into(),
    })
}

impl Policy {
    fn core(self) -> Result<A2APolicy, A2AError> {
        let jwks = JwksSource::required(self.jwks_uri, self.jwks_json)?;
        let mut p = A2APolicy::new(jwks);
        p.issuer = self.issuer;
        p.audience = self.audience;
        p.required_scopes = self.required_scopes.unwrap_or_default();
        p.method_scopes = self.method_scopes.unwrap_or_default();
        p.allow_delegation = self.allow_delegation;
        p.max_delegation_depth = self.max_delegation_depth;
        p.clock_tolerance = self.clock_tolerance;
        p.expected_developer_id = self.expected_developer_id;
        p.allow_sandbox = self.allow_sandbox;
        if let Some(r) = self.revocation {
            let ttl = Duration::try_from_secs_f64(r.cache_ttl).map_err(|_| {
                config(format!(
                    "cache_ttl must be a number of seconds >= 0, got {}",
                    r.cache_ttl
                ))
            })?;
            p = p.revocation_online(r.base_url, r.api_key, ttl);
        }
        Ok(p)
    }
}

/// Checks incoming A2A requests against a policy. Thread-safe; share one per agent.
#[pyclass(module = "grantex._native", name = "A2AGuard", frozen)]
pub struct NativeGuard {
    guard: A2AGuard,
}

#[pymethods]
impl NativeGuard {
    /// Validates the policy; no request is made (a remote JWKS is fetched on the first check).
    #[new]
    fn new(py: Python<'_>, policy: Policy) -> PyResult<Self> {
        policy
            .core()
            .and_then(A2AGuard::new)
            .map(|guard| NativeGuard { guard })
            .map_err(|e| crate::errors::a2a_to_py(py, e))
    }

    /// The issuer tokens must come from (explicit, else derived from the JWKS URI).
    #[getter]
    fn issuer(&self) -> Option<String> {
        self.guard.issuer()
    }

    /// The card's Grantex bearer scheme for this policy as a JSON dict (`None` with a static
    /// JWKS: a card must point callers at a JWKS URI).
    fn auth_scheme<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.guard
            .auth_scheme()
            .map(|scheme| {
                let value = convert::json(&scheme).map_err(|e| crate::errors::to_py(py, e))?;
                convert::to_py(py, &value)
            })
            .transpose()
    }

    /// Checks one request: the raw `Authorization` value (`None` when absent) and the
    /// JSON-RPC method (empty: the default scopes). Blocks only for a JWKS fetch or an online
    /// revocation check, with the GIL released; raises `A2AAuthError` when refused.
    #[pyo3(signature = (authorization, method = ""))]
    fn check<'py>(
        &self,
        py: Python<'py>,
        authorization: Option<String>,
        method: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let guard = self.guard.clone();
        let method = method.to_owned();
        let grant = crate::wait::wait_ready_first_with(
            py,
            async move { guard.check(authorization.as_deref(), &method).await },
            crate::errors::rejection_to_py,
        )?;
        convert::verified_grant(py, grant)
    }

    /// Awaitable [`check`](Self::check), run on the core runtime.
    #[pyo3(signature = (authorization, method = ""))]
    fn acheck<'py>(
        &self,
        py: Python<'py>,
        authorization: Option<String>,
        method: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let guard = self.guard.clone();
        let method = method.to_owned();
        crate::runtime::awaitable_with(
            py,
            async move {
                guard
                    .check(authorization.as_deref(), &method)
                    .await
                    .map(Grant)
            },
            crate::errors::rejection_to_py,
        )
    }
}

/// `(id, method)` of a JSON-RPC request body, read before authenticating it; never fails
/// (anything unreadable gives `None`).
#[pyfunction]
pub fn peek_request<'py>(
    py: Python<'py>,
    body: &[u8],
) -> PyResult<(Option<Bound<'py, PyAny>>, Option<String>)> {
    let peeked = py.detach(|| core_peek(body));
    let id = peeked.id.map(|id| convert::to_py(py, &id)).transpose()?;
    Ok((id, peeked.method))
}

/// The JSON-RPC error code the core gives a refusal with this HTTP status (for
/// `A2AAuthError`s built by hand).
#[pyfunction]
pub fn a2a_rpc_code(status: u16) -> i64 {
    grantex::a2a::A2ARejection {
        status,
        reason: "",
        message: String::new(),
    }
    .rpc_code()
}
