//! Offline grant-token verification. The GIL is released for the whole verification (two
//! Python threads verify in parallel); a warm cache never touches the network.

use crate::convert::{self, Grant};
use crate::errors::{invalid_value, wrong_type};
use grantex::{JwksCache, VerifyOptions};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyInt, PyString};

/// A JWKS cache: remote (fetched and cached by the core) or a static set (fully offline).
#[pyclass(module = "grantex._native", name = "JwksCache", frozen)]
pub struct NativeJwks {
    cache: JwksCache,
}

#[pymethods]
impl NativeJwks {
    /// A static key set from JSON text; verification never touches the network.
    #[staticmethod]
    fn from_json(py: Python<'_>, jwks_json: &Bound<'_, PyAny>) -> PyResult<Self> {
        let jwks_json = text_arg(
            "JwksCache.from_json(): jwks_json",
            "a str (JWKS JSON text)",
            jwks_json,
        )?;
        JwksCache::from_json(&jwks_json)
            .map(|cache| NativeJwks { cache })
            .map_err(|e| crate::errors::to_py(py, e))
    }

    /// A private cache of the key set at `jwks_uri` (fetched on first use).
    #[staticmethod]
    fn remote(py: Python<'_>, jwks_uri: &Bound<'_, PyAny>) -> PyResult<Self> {
        let jwks_uri = text_arg(
            "JwksCache.remote(): jwks_uri",
            "a str (the JWKS URL)",
            jwks_uri,
        )?;
        JwksCache::remote(&jwks_uri)
            .map(|cache| NativeJwks { cache })
            .map_err(|e| crate::errors::to_py(py, e))
    }

    /// The process-wide cache for `jwks_uri` (the one `verify_grant_token` uses).
    #[staticmethod]
    fn shared(py: Python<'_>, jwks_uri: &Bound<'_, PyAny>) -> PyResult<Self> {
        let jwks_uri = text_arg(
            "JwksCache.shared(): jwks_uri",
            "a str (the JWKS URL)",
            jwks_uri,
        )?;
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

    /// Seconds a fetched set is used before it is fetched again (default 600).
    #[getter]
    fn max_age(&self) -> f64 {
        self.cache.max_age().as_secs_f64()
    }

    /// Sets the max age: whole seconds from 1 to 86 400 (`GrantexConfigError` otherwise).
    fn set_max_age(&self, py: Python<'_>, seconds: f64) -> PyResult<()> {
        self.cache
            .set_max_age_secs(seconds)
            .map_err(|e| crate::errors::to_py(py, e))
    }

    /// Seconds past the max age an expired set keeps verifying while the JWKS endpoint fails
    /// (default 3600; 0 disables it).
    #[getter]
    fn stale_if_error(&self) -> f64 {
        self.cache.stale_if_error().as_secs_f64()
    }

    /// Sets the stale-if-error grace: 0 to 86 400 seconds (`GrantexConfigError` otherwise).
    fn set_stale_if_error(&self, py: Python<'_>, seconds: f64) -> PyResult<()> {
        self.cache
            .set_stale_if_error_secs(seconds)
            .map_err(|e| crate::errors::to_py(py, e))
    }
}

/// `token` as text, or a `TypeError` naming it.
fn token_arg(func: &str, token: &Bound<'_, PyAny>) -> PyResult<String> {
    match token.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(wrong_type(
            &format!("{func}(): token"),
            "a str (the grant token)",
            token,
        )),
    }
}

/// A URI or JSON text argument of a `JwksCache` factory, or a `TypeError` naming it.
fn text_arg(what: &str, expected: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(wrong_type(what, expected, value)),
    }
}

/// `grantex.VerifyGrantTokenOptions`, read attribute by attribute. Each attribute is checked
/// here, so a wrong type is a `TypeError` and an unusable number a
/// `GrantexInvalidArgumentError`, both naming the field (`VerifyGrantTokenOptions.jwks_uri`).
pub struct Options {
    jwks: Option<JwksCache>,
    jwks_uri: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Vec<String>,
    clock_tolerance: u64,
    max_delegation_depth: Option<u32>,
    expected_developer_id: Option<String>,
    now: Option<i64>,
    allow_sandbox: Option<bool>,
    expected_principal_id: Option<String>,
    expected_agent_did: Option<String>,
    /// The `current_authority` callable, called after verification (see [`check_authority`]).
    pub(crate) authority: Option<Py<PyAny>>,
    /// The reference options passed by name (`issuer_did`, `proof_jkt`, ...), as the core
    /// reads them; only those that are set.
    reference: Vec<(&'static str, serde_json::Value)>,
}

const OPTIONS: &str = "VerifyGrantTokenOptions";

/// The reference options' Python names as interned strings, made once (read on every verify).
fn reference_names(py: Python<'_>) -> &'static [Py<PyString>] {
    static NAMES: pyo3::sync::PyOnceLock<Vec<Py<PyString>>> = pyo3::sync::PyOnceLock::new();
    NAMES.get_or_init(py, || {
        grantex::verify::REFERENCE_OPTIONS
            .iter()
            .map(|o| PyString::intern(py, o.name).unbind())
            .collect()
    })
}

fn field_type(name: &str, expected: &str, value: &Bound<'_, PyAny>) -> PyErr {
    wrong_type(&format!("{OPTIONS}.{name}"), expected, value)
}

fn opt_str(v: Bound<'_, PyAny>, name: &str) -> PyResult<Option<String>> {
    if v.is_none() {
        return Ok(None);
    }
    match v.cast::<PyString>() {
        Ok(s) => Ok(Some(s.to_cow()?.into_owned())),
        Err(_) => Err(field_type(name, "a str or None", &v)),
    }
}

/// An int field (never a bool) within `min..=max`; `None` when the attribute is `None`.
fn opt_int(v: Bound<'_, PyAny>, name: &str, min: i64, max: i64) -> PyResult<Option<i64>> {
    if v.is_none() {
        return Ok(None);
    }
    if v.is_instance_of::<PyBool>() || !v.is_instance_of::<PyInt>() {
        return Err(field_type(name, "an int", &v));
    }
    match v.extract::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => {
            let rule = match (min, max) {
                (0, i64::MAX) => "must be >= 0".to_owned(),
                (i64::MIN, i64::MAX) => "is out of range".to_owned(),
                _ => format!("must be between {min} and {max}"),
            };
            Err(invalid_value(
                v.py(),
                format!("{OPTIONS}.{name} {rule}, got {v}"),
            ))
        }
    }
}

fn opt_bool(v: Bound<'_, PyAny>, name: &str) -> PyResult<Option<bool>> {
    if v.is_none() {
        return Ok(None);
    }
    match v.cast::<PyBool>() {
        Ok(b) => Ok(Some(b.is_true())),
        Err(_) => Err(field_type(name, "a bool or None", &v)),
    }
}

fn scopes(v: Bound<'_, PyAny>, name: &str) -> PyResult<Vec<String>> {
    if v.is_none() {
        return Ok(Vec::new());
    }
    let expected = "a list of str or None";
    if v.is_instance_of::<PyString>() || v.is_instance_of::<PyBytes>() {
        return Err(field_type(name, expected, &v));
    }
    let items = v.try_iter().map_err(|_| field_type(name, expected, &v))?;
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        let item = item?;
        match item.cast::<PyString>() {
            Ok(s) => out.push(s.to_cow()?.into_owned()),
            Err(_) => return Err(field_type(&format!("{name}[{i}]"), "a str", &item)),
        }
    }
    Ok(out)
}

impl Options {
    /// Reads `options` for `func` (named in the error when `options` is not an options object).
    pub fn read(func: &str, o: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = o.py();
        let not_options = || {
            wrong_type(
                &format!("{func}(): options"),
                "a VerifyGrantTokenOptions",
                o,
            )
        };
        if o.is_none() {
            return Err(not_options());
        }
        let jwks_uri = o
            .getattr(intern!(py, "jwks_uri"))
            .map_err(|_| not_options())?;
        let jwks = {
            let v = o.getattr(intern!(py, "jwks"))?;
            if v.is_none() {
                None
            } else {
                match v.cast::<NativeJwks>() {
                    Ok(j) => Some(j.get().cache.clone()),
                    Err(_) => return Err(field_type("jwks", "a JwksCache or None", &v)),
                }
            }
        };
        Ok(Options {
            jwks,
            jwks_uri: opt_str(jwks_uri, "jwks_uri")?,
            issuer: opt_str(o.getattr(intern!(py, "issuer"))?, "issuer")?,
            audience: opt_str(o.getattr(intern!(py, "audience"))?, "audience")?,
            required_scopes: scopes(
                o.getattr(intern!(py, "required_scopes"))?,
                "required_scopes",
            )?,
            clock_tolerance: opt_int(
                o.getattr(intern!(py, "clock_tolerance"))?,
                "clock_tolerance",
                0,
                i64::MAX,
            )?
            .map_or(0, |n| n as u64),
            max_delegation_depth: opt_int(
                o.getattr(intern!(py, "max_delegation_depth"))?,
                "max_delegation_depth",
                0,
                i64::from(u32::MAX),
            )?
            .map(|n| n as u32),
            expected_developer_id: opt_str(
                o.getattr(intern!(py, "expected_developer_id"))?,
                "expected_developer_id",
            )?,
            now: opt_int(o.getattr(intern!(py, "now"))?, "now", i64::MIN, i64::MAX)?,
            allow_sandbox: opt_bool(o.getattr(intern!(py, "allow_sandbox"))?, "allow_sandbox")?,
            expected_principal_id: opt_str(
                o.getattr(intern!(py, "expected_principal_id"))?,
                "expected_principal_id",
            )?,
            expected_agent_did: opt_str(
                o.getattr(intern!(py, "expected_agent_did"))?,
                "expected_agent_did",
            )?,
            reference: {
                let mut set = Vec::new();
                for (option, name) in grantex::verify::REFERENCE_OPTIONS
                    .iter()
                    .zip(reference_names(py))
                {
                    // An options object without the attribute leaves the option unset.
                    if let Ok(v) = o.getattr(name.bind(py)) {
                        if !v.is_none() {
                            set.push((option.name, option_value(&v)));
                        }
                    }
                }
                set
            },
            authority: {
                let v = o.getattr(intern!(py, "current_authority"))?;
                if v.is_none() {
                    None
                } else if v.is_callable() {
                    Some(v.unbind())
                } else {
                    return Err(field_type(
                        "current_authority",
                        "a callable (token) -> VerifiedGrant, or None",
                        &v,
                    ));
                }
            },
        })
    }

    /// The key set to use and the core options.
    pub(crate) fn split(self) -> grantex::Result<(JwksCache, VerifyOptions)> {
        let jwks = self.jwks.clone();
        let jwks_uri = self.jwks_uri.clone();
        let opts = self.core()?;
        let cache = match jwks {
            Some(j) => j,
            None => JwksCache::for_options(jwks_uri.as_deref(), &opts)?,
        };
        Ok((cache, opts))
    }

    fn core(self) -> grantex::Result<VerifyOptions> {
        let mut opts = VerifyOptions {
            issuer: self.issuer,
            audience: self.audience,
            required_scopes: self.required_scopes,
            clock_tolerance: self.clock_tolerance,
            max_delegation_depth: self.max_delegation_depth,
            expected_developer_id: self.expected_developer_id,
            now: self.now,
            allow_sandbox: self.allow_sandbox,
            expected_principal_id: self.expected_principal_id,
            expected_agent_did: self.expected_agent_did,
            current_authority: self.authority.is_some(),
            ..Default::default()
        };
        for (name, value) in &self.reference {
            grantex::verify::apply_reference_option(&mut opts, name, value)?;
        }
        Ok(opts)
    }
}

/// The reference's `current_authority` step, after a successful verification: calls `cb` with
/// the token and lets the core compare its answer (a `VerifiedGrant`) with `grant`; a failing
/// or mismatching callback is `GrantexTokenError` (`authority_mismatch`).
pub(crate) fn check_authority(
    py: Python<'_>,
    cb: &Py<PyAny>,
    token: &str,
    grant: &grantex::VerifiedGrant,
) -> PyResult<()> {
    let (answer, cause) = match cb.call1(py, (token,)) {
        Ok(a) => (authority_answer(a.bind(py)), None),
        // As the reference: an Exception refuses the token (and is its cause); anything else
        // (KeyboardInterrupt, SystemExit) propagates.
        Err(e) if e.is_instance_of::<pyo3::exceptions::PyException>(py) => {
            (Err(e.to_string()), Some(e))
        }
        Err(e) => return Err(e),
    };
    grantex::verify::check_current_authority(grant, answer).map_err(|e| {
        let err = crate::errors::to_py(py, grantex::Error::Token(e));
        err.set_cause(py, cause);
        err
    })
}

/// The callback's answer as the core reads it: a `grantex.VerifiedGrant` in its wire JSON,
/// anything else as `null` (which never matches).
fn authority_answer(answer: &Bound<'_, PyAny>) -> Result<serde_json::Value, String> {
    let py = answer.py();
    let text = py
        .import(intern!(py, "grantex._verify"))
        .and_then(|m| m.getattr(intern!(py, "_authority_json")))
        .and_then(|f| f.call1((answer,)))
        .and_then(|t| t.extract::<String>())
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// `grantex._native.check_current_authority(grant, answer_json, error)`: the same check for the
/// async path (`averify_grant_token` awaits the callback in Python): `grant` is the verified
/// grant, `answer_json` the answer as `_authority_json` wrote it, `error` why the callback
/// failed.
#[pyfunction]
#[pyo3(signature = (grant, answer_json, error=None))]
pub fn check_current_authority(
    py: Python<'_>,
    grant: &Bound<'_, PyAny>,
    answer_json: Option<&str>,
    error: Option<String>,
) -> PyResult<()> {
    let want = authority_answer(grant)
        .map_err(|e| pyo3::exceptions::PyTypeError::new_err(format!("grant: {e}")))?;
    let answer = match (error, answer_json) {
        (Some(why), _) => Err(why),
        (None, Some(text)) => Ok(serde_json::from_str(text).unwrap_or(serde_json::Value::Null)),
        (None, None) => Ok(serde_json::Value::Null),
    };
    grantex::verify::check_current_authority_json(&want, answer)
        .map_err(|e| crate::errors::to_py(py, grantex::Error::Token(e)))
}

/// `grantex.verify_grant_token(token, options)`: blocks only when the key set must be
/// fetched; the GIL is released throughout.
#[pyfunction]
pub fn verify_grant_token<'py>(
    token: &Bound<'py, PyAny>,
    options: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = token.py();
    let token = token_arg("verify_grant_token", token)?;
    let mut options = Options::read("verify_grant_token", options)?;
    let authority = options.authority.take();
    let (cache, mut opts) = options.split().map_err(|e| crate::errors::to_py(py, e))?;
    opts.current_authority = authority.is_some();
    let grant = if cache.jwks_uri().is_none() {
        // A static set never fetches, so `verify` is exactly `verify_cached`: skip the runtime.
        py.detach(|| cache.verify_cached(&token, &opts))
            .map_err(|e| crate::errors::to_py(py, e))?
    } else {
        let token = token.clone();
        crate::wait::wait_ready_first(py, async move { cache.verify(&token, &opts).await })?
    };
    if let Some(cb) = authority {
        check_authority(py, &cb, &token, &grant)?;
    }
    convert::verified_grant(py, grant)
}

/// `grantex.averify_grant_token(token, options)`: the awaitable twin.
#[pyfunction]
pub fn averify_grant_token<'py>(
    token: &Bound<'py, PyAny>,
    options: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = token.py();
    let token = token_arg("averify_grant_token", token)?;
    let options = Options::read("averify_grant_token", options)?;
    let (cache, opts) = options.split().map_err(|e| crate::errors::to_py(py, e))?;
    crate::runtime::awaitable(
        py,
        async move { cache.verify(&token, &opts).await.map(Grant) },
    )
}

/// The core's rule for one of the reference's other verify options (`issuer_did`, `algorithms`,
/// ...; `grantex::verify::REFERENCE_OPTIONS`): `GrantexConfigError` when the value asks for
/// something this verifier does not do.
#[pyfunction]
pub fn check_verify_option(py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
    grantex::verify::check_reference_option(name, &option_value(value))
        .map_err(|e| crate::errors::to_py(py, e))
}

/// A Python value as the JSON the rule reads; a value JSON cannot hold (a callable) counts as set.
fn option_value(v: &Bound<'_, PyAny>) -> serde_json::Value {
    use pyo3::types::{PyList, PyTuple};
    use serde_json::Value;
    if v.is_none() {
        Value::Null
    } else if let Ok(b) = v.cast::<PyBool>() {
        Value::Bool(b.is_true())
    } else if let Ok(s) = v.cast::<PyString>() {
        Value::String(s.to_string_lossy().into_owned())
    } else if v.is_instance_of::<pyo3::types::PyInt>() {
        // A number, so that `legacy_claims=0` is refused rather than read as set.
        v.extract::<i64>()
            .map_or(Value::Bool(true), |n| Value::Number(n.into()))
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        v.try_iter()
            .map(|items| Value::Array(items.flatten().map(|i| option_value(&i)).collect()))
            .unwrap_or(Value::Bool(true))
    } else if let Ok(d) = v.cast::<pyo3::types::PyDict>() {
        // `dpop={"proof": ..., ...}`; a key that is not a string is refused by the core's
        // member check (kept under a name no option has).
        Value::Object(
            d.iter()
                .map(|(k, item)| {
                    let name = k.cast::<PyString>().map_or_else(
                        |_| "<not a string>".to_owned(),
                        |s| s.to_string_lossy().into_owned(),
                    );
                    (name, option_value(&item))
                })
                .collect(),
        )
    } else {
        Value::Bool(true)
    }
}
