//! The one place where a core [`grantex::Error`] becomes a Python exception.
//!
//! The exception classes live in pure Python (`grantex/_errors.py`) so they pickle and can be
//! subclassed normally; this module only instantiates them. A network failure's underlying
//! I/O error becomes the exception's `__cause__` (and `.cause`), so tracebacks show why.

use grantex::Error;
use pyo3::exceptions::{PyConnectionError, PyOSError, PyRuntimeError, PyTimeoutError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn module<'py>(
    py: Python<'py>,
    cell: &PyOnceLock<Py<PyModule>>,
    name: &str,
) -> PyResult<Bound<'py, PyModule>> {
    cell.get_or_try_init(py, || Ok::<_, PyErr>(py.import(name)?.unbind()))
        .map(|m| m.bind(py).clone())
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
