//! `grantex.mcp.McpGuard` over the core `McpGuard`: settings in as JSON (the core reads and
//! checks them), metadata and checks out; a refusal becomes `McpAuthError` in `errors.rs`.

use crate::convert::{self, Grant};
use grantex::mcp::{McpGuard, McpPolicy};
use pyo3::prelude::*;

/// Checks requests to one MCP server. Thread-safe; share one per server.
#[pyclass(module = "grantex._native", name = "McpGuard", frozen)]
pub struct NativeMcpGuard {
    guard: McpGuard,
}

#[pymethods]
impl NativeMcpGuard {
    /// `settings` is the core's JSON (`McpPolicy::from_json`); no request is made.
    #[new]
    fn new(py: Python<'_>, settings: &str) -> PyResult<Self> {
        McpPolicy::from_json(settings)
            .and_then(McpGuard::new)
            .map(|guard| NativeMcpGuard { guard })
            .map_err(|e| crate::errors::to_py(py, e))
    }

    /// RFC 9728 protected resource metadata, as JSON text.
    fn metadata_json(&self) -> String {
        self.guard.metadata().to_string()
    }

    #[getter]
    fn metadata_path(&self) -> String {
        self.guard.metadata_path().to_owned()
    }

    #[getter]
    fn metadata_url(&self) -> String {
        self.guard.metadata_url().to_owned()
    }

    #[getter]
    fn resource(&self) -> String {
        self.guard.policy().resource.clone()
    }

    fn scopes_for_tool(&self, tool: &str) -> Vec<String> {
        self.guard.scopes_for_tool(tool)
    }

    /// The tool names of the `tools/call` requests in a JSON-RPC body.
    #[staticmethod]
    fn called_tools(body: &[u8]) -> Vec<String> {
        grantex::mcp::called_tools(body)
    }

    /// Checks a request (the raw `Authorization` value, the JSON-RPC body), with the GIL
    /// released while it waits; raises `McpAuthError` when refused.
    #[pyo3(signature = (authorization, body = None))]
    fn check<'py>(
        &self,
        py: Python<'py>,
        authorization: Option<String>,
        body: Option<Vec<u8>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let guard = self.guard.clone();
        let grant = crate::wait::wait_ready_first_with(
            py,
            async move { guard.check(authorization.as_deref(), body.as_deref()).await },
            crate::errors::mcp_rejection_to_py,
        )?;
        convert::verified_grant(py, grant)
    }

    /// Awaitable [`check`](Self::check), run on the core runtime.
    #[pyo3(signature = (authorization, body = None))]
    fn acheck<'py>(
        &self,
        py: Python<'py>,
        authorization: Option<String>,
        body: Option<Vec<u8>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let guard = self.guard.clone();
        crate::runtime::awaitable_with(
            py,
            async move {
                guard
                    .check(authorization.as_deref(), body.as_deref())
                    .await
                    .map(Grant)
            },
            crate::errors::mcp_rejection_to_py,
        )
    }
}
