//! The A2A client: `grantex.a2a.A2AClient` / `AsyncA2AClient` over the core `A2AClient`. The
//! core runs the offline pre-flight (real signature, expiry, the card's scopes and delegation
//! rule) before each JSON-RPC call; this file only converts. Params arrive as JSON text with
//! the wire's camelCase keys, results go back as JSON values.

use crate::a2a_card::Card;
use crate::convert::{self, Grant, Json};
use grantex::a2a::{
    A2AClient, A2AClientConfig, A2AError, AgentCard, JwksSource, METHOD_CANCEL, METHOD_GET,
    METHOD_SEND,
};
use grantex::Error;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;

/// One remote agent and one grant token. Calls share the core client (and its connections).
#[pyclass(module = "grantex._native", frozen)]
pub struct NativeA2AClient {
    inner: Arc<A2AClient>,
}

fn invalid(message: String) -> A2AError {
    A2AError::Core(Error::InvalidArgument { message })
}

#[pymethods]
impl NativeA2AClient {
    #[new]
    #[pyo3(signature = (
        agent_url, grant_token, card_json=None, jwks_uri=None, jwks_json=None, issuer=None,
        audience=None, required_scopes=None, clock_tolerance=0, timeout=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        agent_url: String,
        grant_token: String,
        card_json: Option<String>,
        jwks_uri: Option<String>,
        jwks_json: Option<String>,
        issuer: Option<String>,
        audience: Option<String>,
        required_scopes: Option<Vec<String>>,
        clock_tolerance: u64,
        timeout: Option<f64>,
    ) -> PyResult<Self> {
        let build = || -> Result<A2AClient, A2AError> {
            let card = card_json.as_deref().map(AgentCard::from_json).transpose()?;
            let timeout = timeout
                .map(grantex::ClientConfig::timeout_from_secs)
                .transpose()?;
            A2AClient::new(A2AClientConfig {
                agent_url,
                grant_token,
                card,
                jwks: JwksSource::from_settings(jwks_uri, jwks_json)?,
                issuer,
                audience,
                required_scopes: required_scopes.unwrap_or_default(),
                clock_tolerance,
                timeout,
            })
        };
        let inner = build().map_err(|e| crate::errors::a2a_to_py(py, e))?;
        Ok(NativeA2AClient {
            inner: Arc::new(inner),
        })
    }

    /// The agent URL requests go to (no trailing `/`).
    #[getter]
    fn agent_url(&self) -> &str {
        self.inner.agent_url()
    }

    /// The remote card (fetched once from the well-known path) as `(card dict, grantexConfig
    /// dict or None)`, blocking.
    fn card<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let client = self.inner.clone();
        let card = crate::wait::wait_with(py, card(client), crate::errors::a2a_to_py)?;
        Card(card).into_pyobject(py)
    }

    /// Awaitable [`card`](Self::card).
    fn acard<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        crate::runtime::awaitable_with(
            py,
            async move { card(client).await.map(Card) },
            crate::errors::a2a_to_py,
        )
    }

    /// The offline check run before every call, on its own; blocking.
    fn preflight<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let grant = crate::wait::wait_with(
            py,
            async move { client.preflight().await },
            crate::errors::a2a_to_py,
        )?;
        convert::verified_grant(py, grant)
    }

    /// Awaitable [`preflight`](Self::preflight).
    fn apreflight<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        crate::runtime::awaitable_with(
            py,
            async move { client.preflight().await.map(Grant) },
            crate::errors::a2a_to_py,
        )
    }

    /// One JSON-RPC call (pre-flight first), blocking with the GIL released; returns `result`.
    fn call<'py>(
        &self,
        py: Python<'py>,
        method: String,
        params_json: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        let value = crate::wait::wait_with(
            py,
            dispatch(client, method, params_json),
            crate::errors::a2a_to_py,
        )?;
        convert::to_py(py, &value)
    }

    /// Awaitable [`call`](Self::call).
    fn acall<'py>(
        &self,
        py: Python<'py>,
        method: String,
        params_json: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.inner.clone();
        crate::runtime::awaitable_with(
            py,
            async move { dispatch(client, method, params_json).await.map(Json) },
            crate::errors::a2a_to_py,
        )
    }
}

async fn card(client: Arc<A2AClient>) -> Result<AgentCard, A2AError> {
    Ok(client.card().await?.clone())
}

fn params<T: DeserializeOwned>(method: &str, value: Value) -> Result<T, A2AError> {
    serde_json::from_value(value).map_err(|e| invalid(format!("invalid `{method}` params: {e}")))
}

fn result<T: serde::Serialize>(value: &T) -> Result<Value, A2AError> {
    serde_json::to_value(value).map_err(|e| invalid(format!("cannot convert the result: {e}")))
}

/// The three task methods go through the core's typed calls (params and the returned task
/// are checked against the A2A shapes); any other method is a raw JSON-RPC call.
async fn dispatch(
    client: Arc<A2AClient>,
    method: String,
    params_json: String,
) -> Result<Value, A2AError> {
    let value: Value = serde_json::from_str(&params_json)
        .map_err(|e| invalid(format!("`{method}` params are not JSON: {e}")))?;
    match method.as_str() {
        METHOD_SEND => result(&client.send_task(&params(&method, value)?).await?),
        METHOD_GET => result(&client.get_task(&params(&method, value)?).await?),
        METHOD_CANCEL => result(&client.cancel_task(&params(&method, value)?).await?),
        _ => client.call(&method, value).await,
    }
}
