//! The native API client: one generic entry point for every operation of the core catalog
//! (`grantex::catalog::OPERATIONS`), blocking (`call`) and awaitable (`acall`), so the two
//! Python clients cannot drift apart and no operation is named here. Inputs arrive as JSON text
//! with the wire's camelCase keys (built by the generated Python methods); results go back as
//! Python values built from the JSON the core returns.

use crate::convert::{self, Json};
use grantex::{Client, ClientConfig, Error};
use pyo3::prelude::*;
use serde_json::Value;
use std::sync::{Mutex, PoisonError};

/// Owns one core client (one connection pool). `close()` drops it; calls already running
/// keep their own handle and finish normally.
#[pyclass(module = "grantex._native", frozen)]
pub struct NativeClient {
    inner: Mutex<Option<Client>>,
    base_url: String,
    jwks_uri: String,
}

impl NativeClient {
    pub(crate) fn client(&self) -> grantex::Result<Client> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| Error::InvalidArgument {
                message: "the client is closed".into(),
            })
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (api_key=None, base_url=None, timeout=None, max_retries=None, user_agent=None))]
    fn new(
        py: Python<'_>,
        api_key: Option<String>,
        base_url: Option<String>,
        timeout: Option<f64>,
        max_retries: Option<f64>,
        user_agent: Option<String>,
    ) -> PyResult<Self> {
        crate::log_bridge::ensure(py);
        let build = || -> grantex::Result<Client> {
            Client::new(ClientConfig {
                api_key,
                base_url,
                timeout: timeout.map(ClientConfig::timeout_from_secs).transpose()?,
                max_retries: max_retries
                    .map(ClientConfig::max_retries_from)
                    .transpose()?,
                user_agent,
            })
        };
        let client = build().map_err(|e| crate::errors::to_py(py, e))?;
        Ok(NativeClient {
            base_url: client.base_url().to_string(),
            jwks_uri: client.jwks_uri(),
            inner: Mutex::new(Some(client)),
        })
    }

    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    #[getter]
    fn jwks_uri(&self) -> &str {
        &self.jwks_uri
    }

    /// `(limit, remaining, reset, retry_after)` of the last response, or `None`.
    fn last_rate_limit(&self) -> Option<(u64, u64, u64, Option<u64>)> {
        let guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let rl = guard.as_ref()?.last_rate_limit()?;
        Some((rl.limit, rl.remaining, rl.reset, rl.retry_after))
    }

    fn close(&self) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// Run one catalog operation, blocking (GIL released, Ctrl-C aware).
    #[pyo3(signature = (op, input=None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        op: String,
        input: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client().map_err(|e| crate::errors::to_py(py, e))?;
        let value = crate::wait::wait(py, async move {
            client.call(&op, parse_input(input.as_deref())?).await
        })?;
        convert::to_py(py, &value)
    }

    /// Follows the developer's event stream (nothing is sent before the first `next`).
    #[pyo3(signature = (types=None, last_event_id=None))]
    fn event_stream(
        &self,
        py: Python<'_>,
        types: Option<Vec<String>>,
        last_event_id: Option<u64>,
    ) -> PyResult<crate::events::NativeEventStream> {
        let client = self.client().map_err(|e| crate::errors::to_py(py, e))?;
        let inner = client
            .events()
            .stream(&grantex::events::StreamOptions {
                types,
                last_event_id,
            })
            .map_err(|e| crate::errors::to_py(py, e))?;
        Ok(crate::events::NativeEventStream { inner })
    }

    /// Run one catalog operation as an awaitable.
    #[pyo3(signature = (op, input=None))]
    fn acall<'py>(
        &self,
        py: Python<'py>,
        op: String,
        input: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client().map_err(|e| crate::errors::to_py(py, e))?;
        crate::runtime::awaitable(py, async move {
            client
                .call(&op, parse_input(input.as_deref())?)
                .await
                .map(Json)
        })
    }
}

/// An operation that needs no API key (`signup`), blocking. Failures are
/// `GrantexSignupError` (also a `ValueError`, as the reference raises).
#[pyfunction]
#[pyo3(signature = (base_url, op, input=None))]
pub fn call_unauthenticated<'py>(
    py: Python<'py>,
    base_url: Option<String>,
    op: String,
    input: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    crate::log_bridge::ensure(py);
    let value = crate::wait::wait_with(
        py,
        async move {
            Client::call_unauthenticated(base_url.as_deref(), &op, parse_input(input.as_deref())?)
                .await
        },
        crate::errors::signup_to_py,
    )?;
    convert::to_py(py, &value)
}

/// [`call_unauthenticated`] as an awaitable.
#[pyfunction]
#[pyo3(signature = (base_url, op, input=None))]
pub fn acall_unauthenticated(
    py: Python<'_>,
    base_url: Option<String>,
    op: String,
    input: Option<String>,
) -> PyResult<Bound<'_, PyAny>> {
    crate::log_bridge::ensure(py);
    crate::runtime::awaitable_with(
        py,
        async move {
            Client::call_unauthenticated(base_url.as_deref(), &op, parse_input(input.as_deref())?)
                .await
                .map(Json)
        },
        crate::errors::signup_to_py,
    )
}

/// The JSON text the Python layer built (`None` = `{}`); the core checks the members.
fn parse_input(text: Option<&str>) -> grantex::Result<Value> {
    match text {
        None => Ok(Value::Null),
        Some(t) => serde_json::from_str(t).map_err(|e| Error::InvalidArgument {
            message: format!("the operation input is not valid JSON: {e}"),
        }),
    }
}
