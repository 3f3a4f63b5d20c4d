//! Core values to Python objects. JSON results cross as Python dicts/lists with the wire's
//! camelCase keys; the pure-Python layer turns them into frozen dataclasses. The hot path
//! (`VerifiedGrant`) is built here directly to skip the intermediate dict.

use grantex::{RateLimit, VerifiedGrant};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use serde_json::Value;

/// A JSON value from the core.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Owned JSON result of an async call, converted once the event loop holds the GIL.
pub struct Json(pub Value);

impl<'py> IntoPyObject<'py> for Json {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        to_py(py, &self.0)
    }
}

/// Owned verification result of an async call.
pub struct Grant(pub VerifiedGrant);

impl<'py> IntoPyObject<'py> for Grant {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        verified_grant(py, self.0)
    }
}

static VERIFIED_GRANT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static RATE_LIMIT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static WEBAUTHN_EVIDENCE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn class<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyType>> {
    cell.import(py, "grantex._types", name)
}

/// `grantex.VerifiedGrant`. This is the verification hot path, so the frozen dataclass is
/// filled the way its generated `__init__` would (`object.__new__`, then the instance dict)
/// without running that Python-level `__init__`. `tests/test_compat.py` checks the result
/// equals one built normally, field for field.
pub fn verified_grant(py: Python<'_>, g: VerifiedGrant) -> PyResult<Bound<'_, PyAny>> {
    let cls = class(py, &VERIFIED_GRANT, "VerifiedGrant")?;
    let obj = object_new(py)?.call1((cls,))?;
    let dict = obj
        .getattr(intern!(py, "__dict__"))?
        .cast_into::<PyDict>()?;
    dict.set_item(intern!(py, "token_id"), g.token_id)?;
    dict.set_item(intern!(py, "grant_id"), g.grant_id)?;
    dict.set_item(intern!(py, "principal_id"), g.principal_id)?;
    dict.set_item(intern!(py, "agent_did"), g.agent_did)?;
    dict.set_item(intern!(py, "developer_id"), g.developer_id)?;
    dict.set_item(intern!(py, "scopes"), PyTuple::new(py, g.scopes)?)?;
    dict.set_item(intern!(py, "issued_at"), g.issued_at)?;
    dict.set_item(intern!(py, "expires_at"), g.expires_at)?;
    dict.set_item(intern!(py, "client_id"), g.client_id)?;
    dict.set_item(intern!(py, "parent_agent_did"), g.parent_agent_did)?;
    dict.set_item(intern!(py, "parent_grant_id"), g.parent_grant_id)?;
    dict.set_item(intern!(py, "delegation_depth"), g.delegation_depth)?;
    // The raw claims, as the reference SDK returns them (JSON values; `None` when absent).
    let raw = |v: &Option<Value>| -> PyResult<Bound<'_, PyAny>> {
        match v {
            Some(v) => to_py(py, v),
            None => Ok(py.None().into_bound(py)),
        }
    };
    dict.set_item(
        intern!(py, "authorization_details"),
        raw(&g.authorization_details)?,
    )?;
    dict.set_item(intern!(py, "act"), raw(&g.act)?)?;
    dict.set_item(intern!(py, "cnf"), raw(&g.cnf)?)?;
    dict.set_item(intern!(py, "audience"), raw(&g.audience)?)?;
    let evidence = match &g.webauthn_evidence {
        Some(e) => class(py, &WEBAUTHN_EVIDENCE, "WebAuthnGrantEvidence")?.call_method1(
            intern!(py, "from_dict"),
            (to_py(
                py,
                &json(e).map_err(|e| crate::errors::to_py(py, e))?,
            )?,),
        )?,
        None => py.None().into_bound(py),
    };
    dict.set_item(intern!(py, "webauthn_evidence"), evidence)?;
    dict.set_item(
        intern!(py, "legacy_claims_used"),
        PyTuple::new(py, g.legacy_claims_used)?,
    )?;
    dict.set_item(intern!(py, "issuer"), g.issuer)?;
    dict.set_item(intern!(py, "budget"), g.budget)?;
    Ok(obj)
}

static OBJECT_NEW: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn object_new(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    OBJECT_NEW
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("builtins")?
                    .getattr("object")?
                    .getattr("__new__")?
                    .unbind(),
            )
        })
        .map(|f| f.bind(py))
}

/// `grantex.RateLimit(limit, remaining, reset, retry_after)`.
pub fn rate_limit(py: Python<'_>, rl: RateLimit) -> PyResult<Bound<'_, PyAny>> {
    class(py, &RATE_LIMIT, "RateLimit")?.call1((rl.limit, rl.remaining, rl.reset, rl.retry_after))
}

/// Parse JSON text produced by the Python layer into a core type.
pub fn parse<T: serde::de::DeserializeOwned>(what: &str, body: Option<&str>) -> grantex::Result<T> {
    let text = body.unwrap_or("{}");
    serde_json::from_str(text).map_err(|e| grantex::Error::InvalidArgument {
        message: format!("invalid {what}: {e}"),
    })
}

/// Serialise a core result for the trip back to Python.
pub fn json<T: serde::Serialize>(value: &T) -> grantex::Result<Value> {
    serde_json::to_value(value).map_err(|e| grantex::Error::InvalidArgument {
        message: format!("cannot convert the result: {e}"),
    })
}
