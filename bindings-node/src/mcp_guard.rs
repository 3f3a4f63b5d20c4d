//! `NativeMcpGuard` over the core `McpGuard`: settings in as JSON text (the core reads and
//! checks them), metadata and checks out. A refusal rejects with the core's rejection (status,
//! error, reason, scopes, `WWW-Authenticate`, body), turned into `McpAuthError` by
//! `lib/errors.cjs`.

use crate::convert;
use crate::errors::to_napi;
use crate::promise::spawn_with;
use grantex::mcp::{called_tools, McpGuard, McpPolicy, McpRejection};
use napi::bindgen_prelude::{Buffer, Either, Object};
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::{json, Value};

/// The refusal as the JS layer reads it (`kind: "mcp_rejected"`).
fn rejection_to_napi(rejection: McpRejection) -> napi::Error {
    let mut d = rejection.to_json();
    d[crate::errors::TAG] = json!(true);
    d["kind"] = json!("mcp_rejected");
    napi::Error::new(napi::Status::GenericFailure, d.to_string())
}

fn bytes(body: &Either<String, Buffer>) -> &[u8] {
    match body {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b.as_ref(),
    }
}

/// Checks requests to one MCP server. Share one per server.
#[napi]
pub struct NativeMcpGuard {
    guard: McpGuard,
}

#[napi]
impl NativeMcpGuard {
    /// `settings` is the core's JSON (`McpPolicy::from_json`); no request is made.
    #[napi(constructor)]
    pub fn new(settings: String) -> Result<Self> {
        let guard = McpPolicy::from_json(&settings)
            .and_then(McpGuard::new)
            .map_err(to_napi)?;
        Ok(NativeMcpGuard { guard })
    }

    /// RFC 9728 protected resource metadata.
    #[napi(ts_return_type = "Record<string, unknown>")]
    pub fn metadata(&self) -> Value {
        self.guard.metadata()
    }

    #[napi(getter)]
    pub fn metadata_path(&self) -> String {
        self.guard.metadata_path().to_owned()
    }

    #[napi(getter)]
    pub fn metadata_url(&self) -> String {
        self.guard.metadata_url().to_owned()
    }

    #[napi(getter)]
    pub fn resource(&self) -> String {
        self.guard.policy().resource.clone()
    }

    #[napi]
    pub fn scopes_for_tool(&self, tool: String) -> Vec<String> {
        self.guard.scopes_for_tool(&tool)
    }

    /// The `tools/call` checks of a JSON-RPC body alone, for a grant this guard already
    /// verified (its `scopes`); throws the refusal.
    #[napi]
    pub fn authorize_body(&self, scopes: Vec<String>, body: Either<String, Buffer>) -> Result<()> {
        self.guard
            .authorize_body(&scopes, bytes(&body))
            .map_err(rejection_to_napi)
    }

    /// The token alone (every request). Resolves with the grant; rejects with the refusal.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn authenticate<'env>(
        &self,
        env: &'env Env,
        authorization: Option<String>,
    ) -> Result<Object<'env>> {
        let guard = self.guard.clone();
        spawn_with(
            env,
            async move { guard.authenticate(authorization.as_deref()).await },
            convert::verified_grant,
            rejection_to_napi,
        )
    }

    /// The token and every `tools/call` of the JSON-RPC body.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn check<'env>(
        &self,
        env: &'env Env,
        authorization: Option<String>,
        body: Option<Either<String, Buffer>>,
    ) -> Result<Object<'env>> {
        let guard = self.guard.clone();
        let body = body.map(|b| bytes(&b).to_vec());
        spawn_with(
            env,
            async move { guard.check(authorization.as_deref(), body.as_deref()).await },
            convert::verified_grant,
            rejection_to_napi,
        )
    }
}

/// The tool names of the `tools/call` requests in a JSON-RPC body.
#[napi(js_name = "mcpCalledTools")]
pub fn mcp_called_tools(body: Either<String, Buffer>) -> Vec<String> {
    called_tools(bytes(&body))
}
