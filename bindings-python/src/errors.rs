//! The one place where a core [`grantex::Error`] — or an A2A bridge failure ([`A2AError`],
//! [`A2ARejection`]) — becomes a Python exception.
//!
//! The exception classes live in pure Python (`grantex/_errors.py`, `grantex/a2a/_errors.py`)
//! so they pickle and can be subclassed normally; this module only instantiates them. A network failure's underlying
//! I/O error becomes the exception's `__cause__` (and `.cause`), so tracebacks show why.

use grantex::a2a::{A2AError, A2ARejection};
use grantex::mcp::McpRejection;
use grantex::Error;
use pyo3::exceptions::{PyConnectionError, PyOSError, PyRuntimeError, PyTimeoutError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static MCP: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn module<'py>(
    py: Python<'py>,
    cell: &PyOnceLock<Py<PyModule>>,
    name: &str,
) -> PyResult<Bound<'py, PyModule>> {
    cell.get_or_try_init(py, || Ok::<_, PyErr>(py.import(name)?.unbind()))
        .map(|m| m.bind(py).clone())
}

/// How a value is named in an argument error: `None`, else its Python type (`int`, `dict`).
pub fn describe(value: &Bound<'_, PyAny>) -> String {
    if value.is_none() {
        return "None".to_owned();
    }
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object of unknown type".to_owned())
}

/// A `TypeError` for an argument of the wrong Python type: `<what> must be <expected>, got
/// <type>`. `what` names the argument as the caller wrote it (`verify_grant_token(): token`,
/// `VerifyGrantTokenOptions.jwks_uri`); the message never names a Rust type.
pub fn wrong_type(what: &str, expected: &str, got: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!("{what} must be {expected}, got {}", describe(got)))
}

/// A `GrantexInvalidArgumentError` (also a `ValueError`) for an argument of the right type
/// but an unusable value.
pub fn invalid_value(py: Python<'_>, message: String) -> PyErr {
    to_py(py, Error::InvalidArgument { message })
}

/// Convert a core error into the matching Grantex exception instance.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    map(py, err, false)
}

/// Like [`to_py`], but an API error is a `GrantexSignupError` (also a `ValueError`, which is
/// what the reference SDK's `signup` raises).
pub fn signup_to_py(py: Python<'_>, err: Error) -> PyErr {
    map(py, err, true)
}

fn map(py: Python<'_>, err: Error, signup: bool) -> PyErr {
    match build(py, &err, signup) {
        Ok(exc) => exc,
        // The exception classes could not be loaded or called: say so, keeping the original text.
        Err(failure) => {
            let wrapped = PyRuntimeError::new_err(format!("{err} (and mapping it failed)"));
            wrapped.set_cause(py, Some(failure));
            wrapped
        }
    }
}

fn build(py: Python<'_>, err: &Error, signup: bool) -> PyResult<PyErr> {
    let errors = module(py, &ERRORS, "grantex._errors")?;
    let kwargs = PyDict::new(py);
    let mut cause: Option<PyErr> = None;
    let class = match err {
        Error::Api(api) => {
            kwargs.set_item("status_code", api.status)?;
            kwargs.set_item("body", crate::convert::to_py(py, &api.body)?)?;
            kwargs.set_item("request_id", api.request_id.as_deref())?;
            kwargs.set_item("code", api.code.as_deref())?;
            let rate_limit = match api.rate_limit {
                Some(rl) => Some(crate::convert::rate_limit(py, rl)?),
                None => None,
            };
            kwargs.set_item("rate_limit", rate_limit)?;
            if signup {
                "GrantexSignupError"
            } else if api.is_auth() {
                "GrantexAuthError"
            } else {
                "GrantexApiError"
            }
        }
        Error::Token(token) => {
            kwargs.set_item("code", token.code.as_str())?;
            "GrantexTokenError"
        }
        Error::Network { source, .. } => {
            cause = Some(io_cause(source.as_deref(), &err.to_string()));
            "GrantexNetworkError"
        }
        Error::Timeout { message } => {
            cause = Some(PyTimeoutError::new_err(message.clone()));
            "GrantexTimeoutError"
        }
        Error::Config { .. } => "GrantexConfigError",
        Error::InvalidArgument { .. } => "GrantexInvalidArgumentError",
        Error::Decode {
            status, request_id, ..
        } => {
            kwargs.set_item("status_code", *status)?;
            kwargs.set_item("request_id", request_id.as_deref())?;
            "GrantexDecodeError"
        }
        Error::Manifest { .. } => "ManifestValidationError",
        // A variant added to the core later: still a GrantexError, never a crash.
        _ => "GrantexError",
    };
    if let Some(cause) = &cause {
        kwargs.set_item("cause", cause.value(py))?;
    }
    let exc = errors
        .getattr(class)?
        .call((err.to_string(),), Some(&kwargs))?;
    let exc = PyErr::from_value(exc);
    if cause.is_some() {
        exc.set_cause(py, cause);
    }
    Ok(exc)
}

/// The innermost `std::io::Error` in the chain as the matching `OSError` subclass
/// (`OSError(errno, msg)` picks e.g. `ConnectionRefusedError` itself), else a
/// `ConnectionError` carrying the whole chain's text.
fn io_cause(
    source: Option<&(dyn std::error::Error + Send + Sync + 'static)>,
    fallback: &str,
) -> PyErr {
    let mut chain = Vec::new();
    let mut io: Option<&std::io::Error> = None;
    let mut next: Option<&(dyn std::error::Error + 'static)> = match source {
        Some(s) => Some(s),
        None => None,
    };
    while let Some(e) = next {
        chain.push(e.to_string());
        if let Some(found) = e.downcast_ref::<std::io::Error>() {
            io = Some(found);
        }
        next = e.source();
    }
    let text = if chain.is_empty() {
        fallback.to_string()
    } else {
        chain.join(": ")
    };
    match io {
        Some(io) => match io.raw_os_error() {
            Some(errno) => PyOSError::new_err((errno, text)),
            None if io.kind() == std::io::ErrorKind::TimedOut => PyTimeoutError::new_err(text),
            None => PyConnectionError::new_err(text),
        },
        None => PyConnectionError::new_err(text),
    }
}

static A2A_ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// Convert an A2A client/card failure into the matching `grantex.a2a` exception: one class per
/// [`A2AError::code`] family, each carrying `.code`, `.reason` and `.status` from the core.
/// A wrapped core failure also gets the usual Grantex exception as its `__cause__`.
pub fn a2a_to_py(py: Python<'_>, err: A2AError) -> PyErr {
    let text = err.to_string();
    match build_a2a(py, err, &text) {
        Ok(exc) => exc,
        Err(failure) => {
            let wrapped = PyRuntimeError::new_err(format!("{text} (and mapping it failed)"));
            wrapped.set_cause(py, Some(failure));
            wrapped
        }
    }
}

fn build_a2a(py: Python<'_>, err: A2AError, text: &str) -> PyResult<PyErr> {
    let errors = module(py, &A2A_ERRORS, "grantex.a2a._errors")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("code", err.code())?;
    kwargs.set_item("reason", err.reason())?;
    kwargs.set_item("status", err.status())?;
    let (class, cause) = match err {
        A2AError::Preflight(t) => ("A2APreflightError", Some(to_py(py, Error::Token(t)))),
        A2AError::Rpc { error, .. } => {
            let value = serde_json::to_value(&error)
                .map_err(|e| PyRuntimeError::new_err(format!("JSON-RPC error: {e}")))?;
            kwargs.set_item("error", crate::convert::to_py(py, &value)?)?;
            ("A2ARpcError", None)
        }
        A2AError::Http { .. } => ("A2AHttpError", None),
        A2AError::Card { .. } => ("A2ACardError", None),
        A2AError::Protocol { .. } => ("A2AProtocolError", None),
        A2AError::Core(core) => {
            let class = match core {
                Error::Network { .. } => "A2ANetworkError",
                Error::Timeout { .. } => "A2ATimeoutError",
                Error::Config { .. } | Error::InvalidArgument { .. } => "A2AConfigError",
                _ => "A2AError",
            };
            (class, Some(to_py(py, core)))
        }
        // A variant added to the core later: still an A2AError, never a crash.
        _ => ("A2AError", None),
    };
    if let Some(cause) = &cause {
        kwargs.set_item("cause", cause.value(py))?;
    }
    let exc = errors.getattr(class)?.call((text,), Some(&kwargs))?;
    let exc = PyErr::from_value(exc);
    if cause.is_some() {
        exc.set_cause(py, cause);
    }
    Ok(exc)
}

/// A guard rejection as `grantex.a2a.A2AAuthError`: the HTTP status, the stable reason, the
/// JSON-RPC error object and the `WWW-Authenticate` value, all computed by the core.
pub fn rejection_to_py(py: Python<'_>, rejection: A2ARejection) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let errors = module(py, &A2A_ERRORS, "grantex.a2a._errors")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("reason", rejection.reason)?;
        let error = serde_json::to_value(rejection.to_rpc_error())
            .map_err(|e| PyRuntimeError::new_err(format!("JSON-RPC error: {e}")))?;
        kwargs.set_item("rpc_error", crate::convert::to_py(py, &error)?)?;
        kwargs.set_item("www_authenticate", rejection.www_authenticate())?;
        let exc = errors.getattr("A2AAuthError")?.call(
            (rejection.status, rejection.message.as_str()),
            Some(&kwargs),
        )?;
        Ok(PyErr::from_value(exc))
    };
    match build() {
        Ok(exc) => exc,
        Err(failure) => {
            let wrapped = PyRuntimeError::new_err(format!("{rejection} (and mapping it failed)"));
            wrapped.set_cause(py, Some(failure));
            wrapped
        }
    }
}

/// An MCP guard's refusal as `grantex.mcp.McpAuthError` (status, RFC 6750 error, reason, the
/// scopes needed, `WWW-Authenticate` and the JSON body, all from the core).
pub fn mcp_rejection_to_py(py: Python<'_>, rejection: McpRejection) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let mcp = module(py, &MCP, "grantex.mcp")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("error", rejection.error)?;
        kwargs.set_item("reason", rejection.reason)?;
        kwargs.set_item("scope", rejection.scope.clone())?;
        kwargs.set_item("www_authenticate", rejection.www_authenticate.as_str())?;
        kwargs.set_item("body", crate::convert::to_py(py, &rejection.body())?)?;
        let exc = mcp.getattr("McpAuthError")?.call(
            (rejection.status, rejection.message.as_str()),
            Some(&kwargs),
        )?;
        Ok(PyErr::from_value(exc))
    };
    match build() {
        Ok(exc) => exc,
        Err(failure) => {
            let wrapped = PyRuntimeError::new_err(format!("{rejection} (and mapping it failed)"));
            wrapped.set_cause(py, Some(failure));
            wrapped
        }
    }
}
