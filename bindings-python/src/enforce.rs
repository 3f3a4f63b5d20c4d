//! Tool manifests and `enforce`: conversions only. Manifests cross as JSON documents (the
//! core validates and normalises them); a call crosses as the JSON of `EnforceCall`, the
//! answer comes back as the dict of `EnforceResult`.

use crate::client::NativeClient;
use crate::convert::{self, Json};
use grantex::enforce::{self, EnforceCall, EnforceConfig, Enforcer, ToolManifest};
use pyo3::prelude::*;
use serde_json::Value;
use std::sync::Arc;

fn py_err(py: Python<'_>, e: grantex::Error) -> PyErr {
    crate::errors::to_py(py, e)
}

/// One client's enforcer: its settings and loaded manifests.
#[pyclass(module = "grantex._native", frozen)]
pub struct NativeEnforcer {
    inner: Arc<Enforcer>,
}

#[pymethods]
impl NativeEnforcer {
    #[new]
    fn new(py: Python<'_>, client: &NativeClient, config: &str) -> PyResult<Self> {
        let build = || -> grantex::Result<Enforcer> {
            let config: EnforceConfig = convert::parse("the enforcement settings", Some(config))?;
            Enforcer::new(client.client()?, config)
        };
        Ok(NativeEnforcer {
            inner: Arc::new(build().map_err(|e| py_err(py, e))?),
        })
    }

    /// Loads a manifest document (already normalised by `manifest_document`).
    fn load_manifest(&self, py: Python<'_>, document: &str) -> PyResult<()> {
        let doc: Value =
            convert::parse("the manifest", Some(document)).map_err(|e| py_err(py, e))?;
        let loaded = ToolManifest::from_document(&doc).map_err(|e| py_err(py, e))?;
        self.inner.load_manifest(loaded.manifest);
        Ok(())
    }

    /// One tool call, blocking (GIL released, Ctrl-C aware); the `EnforceResult` as a dict.
    fn enforce<'py>(&self, py: Python<'py>, call: &str) -> PyResult<Bound<'py, PyAny>> {
        let call: EnforceCall =
            convert::parse("the enforce call", Some(call)).map_err(|e| py_err(py, e))?;
        let inner = self.inner.clone();
        let result = crate::wait::wait(py, async move { inner.enforce(&call).await })?;
        convert::to_py(py, &convert::json(&result).map_err(|e| py_err(py, e))?)
    }

    /// What the revocation feed knows (`None` when no feed was started), as a dict.
    fn feed_state<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.revocation_feed_state() {
            None => Ok(None),
            Some(state) => Ok(Some(convert::to_py(
                py,
                &convert::json(&state).map_err(|e| py_err(py, e))?,
            )?)),
        }
    }

    /// Stops following the revocation feed.
    fn stop_feed(&self) {
        self.inner.stop_revocation_feed();
    }

    /// [`NativeEnforcer::enforce`] as an awaitable.
    fn aenforce<'py>(&self, py: Python<'py>, call: &str) -> PyResult<Bound<'py, PyAny>> {
        let call: EnforceCall =
            convert::parse("the enforce call", Some(call)).map_err(|e| py_err(py, e))?;
        let inner = self.inner.clone();
        crate::runtime::awaitable(py, async move {
            let result = inner.enforce(&call).await?;
            convert::json(&result).map(Json)
        })
    }
}

/// A manifest from the constructor's arguments (`tools` as JSON), as its normalised document.
#[pyfunction]
pub fn manifest_build<'py>(
    py: Python<'py>,
    connector: &str,
    tools: &str,
    version: &str,
    description: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let tools: Value =
        convert::parse("the manifest tools", Some(tools)).map_err(|e| py_err(py, e))?;
    let m =
        ToolManifest::new(connector, &tools, version, description).map_err(|e| py_err(py, e))?;
    convert::to_py(py, &m.to_document())
}

/// A manifest document (JSON text of a parsed file or dict): `(normalised document,
/// ignored top-level keys)`.
#[pyfunction]
pub fn manifest_from_document<'py>(
    py: Python<'py>,
    document: &str,
) -> PyResult<(Bound<'py, PyAny>, Vec<String>)> {
    let doc: Value = convert::parse("the manifest", Some(document)).map_err(|e| py_err(py, e))?;
    let loaded = ToolManifest::from_document(&doc).map_err(|e| py_err(py, e))?;
    Ok((
        convert::to_py(py, &loaded.manifest.to_document())?,
        loaded.ignored_keys,
    ))
}

/// Manifest JSON file text (repeated keys refused): `(normalised document, ignored keys)`.
#[pyfunction]
pub fn manifest_from_json_text<'py>(
    py: Python<'py>,
    text: &str,
) -> PyResult<(Bound<'py, PyAny>, Vec<String>)> {
    let loaded = ToolManifest::from_json_text(text).map_err(|e| py_err(py, e))?;
    Ok((
        convert::to_py(py, &loaded.manifest.to_document())?,
        loaded.ignored_keys,
    ))
}

/// One tool declaration (string or object, as JSON) as its full object form.
#[pyfunction]
pub fn tool_declaration<'py>(
    py: Python<'py>,
    tool: &str,
    declaration: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let value: Value =
        convert::parse("the tool declaration", Some(declaration)).map_err(|e| py_err(py, e))?;
    let spec = enforce::parse_tool_declaration(tool, &value).map_err(|e| py_err(py, e))?;
    convert::to_py(py, &spec.to_json())
}

/// Whether a granted permission level covers a required one.
#[pyfunction]
pub fn permission_covers(granted: &str, required: &str) -> bool {
    enforce::covers(granted, required)
}

/// The prebuilt manifests' connectors.
#[pyfunction]
pub fn prebuilt_manifest_names() -> Vec<&'static str> {
    enforce::prebuilt::NAMES.to_vec()
}

/// The JSON text of a prebuilt manifest, or `None`.
#[pyfunction]
pub fn prebuilt_manifest(name: &str) -> Option<&'static str> {
    enforce::prebuilt::prebuilt_json(name)
}

/// Every denial code, `{"reason": [...], "sub_reason": {...}}`, for the constants' test.
#[pyfunction]
pub fn denial_codes() -> Vec<&'static str> {
    enforce::denial::ALL.to_vec()
}

/// Purpose checks (`grantex.purpose`).
#[pyfunction]
pub fn purpose_check(kind: &str, value: &str, pattern: Option<&str>) -> bool {
    use enforce::names;
    match kind {
        "valid" => names::is_valid_purpose(value),
        "known" => names::is_known_purpose(value),
        "pattern" => names::is_valid_purpose_pattern(value),
        "matches" => pattern.is_some_and(|p| names::purpose_matches(p, value)),
        _ => false,
    }
}
