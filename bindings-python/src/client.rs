//! The native API client. Every endpoint goes through one dispatcher keyed by an operation
//! name ("agents.register", ...), shared by the blocking (`call`) and async (`acall`) entry
//! points, so the two Python clients cannot drift apart. Request bodies arrive as JSON text
//! with the wire's camelCase keys; results go back as JSON values.

use crate::convert::{self, parse, Json};
use grantex::types::*;
use grantex::{Client, ClientConfig, Error};
use pyo3::prelude::*;
use serde_json::Value;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Owns one core client (one connection pool). `close()` drops it; calls already running
/// keep their own handle and finish normally.
#[pyclass(module = "grantex._native", frozen)]
pub struct NativeClient {
    inner: Mutex<Option<Client>>,
    base_url: String,
    jwks_uri: String,
}

impl NativeClient {
    fn client(&self) -> grantex::Result<Client> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| Error::InvalidArgument {
                message: "the client is closed".into(),
            })
    }
}

/// Seconds as a `Duration`; negative, zero, NaN or huge values are a clear error.
pub fn seconds(timeout: f64) -> grantex::Result<Duration> {
    match Duration::try_from_secs_f64(timeout) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(Error::InvalidArgument {
            message: format!("timeout must be a positive number of seconds, got {timeout}"),
        }),
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
        max_retries: Option<u32>,
        user_agent: Option<String>,
    ) -> PyResult<Self> {
        let build = || -> grantex::Result<Client> {
            Client::new(ClientConfig {
                api_key,
                base_url,
                timeout: timeout.map(seconds).transpose()?,
                max_retries,
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

    /// Run one operation, blocking (GIL released, Ctrl-C aware).
    #[pyo3(signature = (op, arg=None, body=None))]
    fn call<'py>(
        &self,
        py: Python<'py>,
        op: String,
        arg: Option<String>,
        body: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client().map_err(|e| crate::errors::to_py(py, e))?;
        let value = crate::wait::wait(py, dispatch(client, op, arg, body))?;
        convert::to_py(py, &value)
    }

    /// Run one operation as an awaitable.
    #[pyo3(signature = (op, arg=None, body=None))]
    fn acall<'py>(
        &self,
        py: Python<'py>,
        op: String,
        arg: Option<String>,
        body: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.client().map_err(|e| crate::errors::to_py(py, e))?;
        crate::runtime::awaitable(py, async move {
            dispatch(client, op, arg, body).await.map(Json)
        })
    }
}

/// `Grantex.signup` (no API key), blocking.
#[pyfunction]
#[pyo3(signature = (base_url, body))]
pub fn signup<'py>(
    py: Python<'py>,
    base_url: Option<String>,
    body: String,
) -> PyResult<Bound<'py, PyAny>> {
    let value = crate::wait::wait_with(py, signup_op(base_url, body), crate::errors::signup_to_py)?;
    convert::to_py(py, &value)
}

/// `AsyncGrantex.signup`.
#[pyfunction]
#[pyo3(signature = (base_url, body))]
pub fn asignup(
    py: Python<'_>,
    base_url: Option<String>,
    body: String,
) -> PyResult<Bound<'_, PyAny>> {
    crate::runtime::awaitable_with(
        py,
        async move { signup_op(base_url, body).await.map(Json) },
        crate::errors::signup_to_py,
    )
}

async fn signup_op(base_url: Option<String>, body: String) -> grantex::Result<Value> {
    let params: SignupParams = parse("signup", Some(&body))?;
    convert::json(&Client::signup(base_url.as_deref(), &params).await?)
}

fn required(op: &str, arg: Option<String>) -> grantex::Result<String> {
    arg.ok_or_else(|| Error::InvalidArgument {
        message: format!("{op} needs an id"),
    })
}

/// Map an operation name to the core call. Unknown names are a clear error, never a panic.
async fn dispatch(
    client: Client,
    op: String,
    arg: Option<String>,
    body: Option<String>,
) -> grantex::Result<Value> {
    let body = body.as_deref();
    match op.as_str() {
        "me" => convert::json(&client.me().await?),
        "rotate_key" => convert::json(&client.rotate_key().await?),
        "authorize" => convert::json(
            &client
                .authorize(&parse::<AuthorizeParams>(&op, body)?)
                .await?,
        ),
        "jwks" => convert::json(&client.jwks().await?),
        "health" => convert::json(&client.health().await?),

        "agents.register" => convert::json(&client.agents().register(&parse(&op, body)?).await?),
        "agents.get" => convert::json(&client.agents().get(&required(&op, arg)?).await?),
        "agents.list" => convert::json(&client.agents().list().await?),
        "agents.update" => {
            let params: UpdateAgentParams = parse(&op, body)?;
            convert::json(
                &client
                    .agents()
                    .update(&required(&op, arg)?, &params)
                    .await?,
            )
        }
        "agents.delete" => {
            client.agents().delete(&required(&op, arg)?).await?;
            Ok(Value::Null)
        }

        "tokens.exchange" => convert::json(&client.tokens().exchange(&parse(&op, body)?).await?),
        "tokens.refresh" => {
            let mut params: RefreshTokenParams = parse(&op, body)?;
            // The idempotency key is a header, not a body member, so it travels as `arg`.
            params.idempotency_key = arg;
            convert::json(&client.tokens().refresh(&params).await?)
        }
        "tokens.verify" => convert::json(&client.tokens().verify(&required(&op, arg)?).await?),
        "tokens.revoke" => {
            client.tokens().revoke(&required(&op, arg)?).await?;
            Ok(Value::Null)
        }

        "grants.get" => convert::json(&client.grants().get(&required(&op, arg)?).await?),
        "grants.list" => convert::json(&client.grants().list(&parse(&op, body)?).await?),
        "grants.revoke" => {
            client.grants().revoke(&required(&op, arg)?).await?;
            Ok(Value::Null)
        }
        "grants.delegate" => convert::json(&client.grants().delegate(&parse(&op, body)?).await?),
        "grants.verify" => convert::json(&client.grants().verify(&required(&op, arg)?).await?),

        "audit.log" => convert::json(&client.audit().log(&parse(&op, body)?).await?),
        "audit.list" => convert::json(&client.audit().list(&parse(&op, body)?).await?),
        "audit.get" => convert::json(&client.audit().get(&required(&op, arg)?).await?),

        "consent.get" => convert::json(&client.consent().get(&required(&op, arg)?).await?),
        "consent.approve" => convert::json(&client.consent().approve(&required(&op, arg)?).await?),
        "consent.deny" => convert::json(&client.consent().deny(&required(&op, arg)?).await?),

        "principal_sessions.create" => convert::json(
            &client
                .principal_sessions()
                .create(&parse(&op, body)?)
                .await?,
        ),
        other => Err(Error::InvalidArgument {
            message: format!("unknown operation {other:?}"),
        }),
    }
}
