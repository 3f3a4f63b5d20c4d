//! Tool manifests and `enforce`: conversions only. Manifests cross as JSON documents (the
//! core validates and normalises them); a call crosses as the JSON of `EnforceCall` and the
//! promise resolves with the JSON of `EnforceResult`.

use crate::client::NativeClient;
use crate::errors::{invalid, to_napi};
use crate::promise::spawn;
use grantex::enforce::{self, EnforceCall, EnforceConfig, Enforcer, ToolManifest};
use napi::bindgen_prelude::Object;
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::{json, Value};
use std::sync::Arc;

fn parse<T: serde::de::DeserializeOwned>(what: &str, value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| invalid(format!("invalid {what}: {e}")))
}

/// One client's enforcer: its settings and loaded manifests.
#[napi]
pub struct NativeEnforcer {
    inner: Arc<Enforcer>,
}

#[napi]
impl NativeEnforcer {
    /// `config`: the `EnforceConfig` members (camelCase); checked here, so a bad option throws
    /// `config_error` at construction.
    #[napi(constructor)]
    pub fn new(client: &NativeClient, config: Value) -> Result<Self> {
        let config: EnforceConfig = parse("enforcement options", config)?;
        let inner = Enforcer::new(client.core().clone(), config).map_err(to_napi)?;
        Ok(NativeEnforcer {
            inner: Arc::new(inner),
        })
    }

    /// Loads a manifest document (already normalised by `manifestFromDocument`).
    #[napi]
    pub fn load_manifest(&self, document: Value) -> Result<()> {
        let loaded = ToolManifest::from_document(&document).map_err(to_napi)?;
        self.inner.load_manifest(loaded.manifest);
        Ok(())
    }

    /// What the revocation feed knows (`null` when no feed was started).
    #[napi]
    pub fn feed_state(&self) -> Result<Option<Value>> {
        self.inner
            .revocation_feed_state()
            .map(|s| {
                serde_json::to_value(s)
                    .map_err(|e| invalid(format!("cannot convert the feed state: {e}")))
            })
            .transpose()
    }

    /// Stops following the revocation feed.
    #[napi]
    pub fn stop_feed(&self) {
        self.inner.stop_revocation_feed();
    }

    /// One tool call; resolves with the `EnforceResult` JSON.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn enforce<'env>(&self, env: &'env Env, call: Value) -> Result<Object<'env>> {
        let call: EnforceCall = parse("enforce options", call)?;
        let inner = self.inner.clone();
        spawn(env, async move { inner.enforce(&call).await }, |r| {
            serde_json::to_value(r).map_err(|e| grantex::Error::InvalidArgument {
                message: format!("cannot convert the result: {e}"),
            })
        })
    }
}

/// `{ document, ignoredKeys }` of a manifest document (a parsed file or `fromJSON` data).
#[napi]
pub fn manifest_from_document(document: Value) -> Result<Value> {
    let loaded = ToolManifest::from_document(&document).map_err(to_napi)?;
    Ok(json!({"document": loaded.manifest.to_document(), "ignoredKeys": loaded.ignored_keys}))
}

/// The constructor form: `{ document }` normalised.
#[napi]
pub fn manifest_build(
    connector: String,
    tools: Value,
    version: String,
    description: String,
) -> Result<Value> {
    let m = ToolManifest::new(&connector, &tools, &version, &description).map_err(to_napi)?;
    Ok(m.to_document())
}

/// Manifest JSON file text, a repeated key refused: `{ document, ignoredKeys }`.
#[napi]
pub fn manifest_from_json_text(text: String) -> Result<Value> {
    let loaded = ToolManifest::from_json_text(&text).map_err(to_napi)?;
    Ok(json!({"document": loaded.manifest.to_document(), "ignoredKeys": loaded.ignored_keys}))
}

/// One tool declaration in its full object form (snake_case, as in a manifest file).
#[napi]
pub fn tool_declaration(tool: String, declaration: Value) -> Result<Value> {
    let spec = enforce::parse_tool_declaration(&tool, &declaration).map_err(to_napi)?;
    Ok(spec.to_json())
}

#[napi]
pub fn permission_covers(granted: String, required: String) -> bool {
    enforce::covers(&granted, &required)
}

#[napi]
pub fn prebuilt_manifest_names() -> Vec<&'static str> {
    enforce::prebuilt::NAMES.to_vec()
}

#[napi]
pub fn prebuilt_manifest(name: String) -> Option<&'static str> {
    enforce::prebuilt::prebuilt_json(&name)
}

#[napi]
pub fn denial_codes() -> Vec<&'static str> {
    enforce::denial::ALL.to_vec()
}

/// `valid`, `known`, `pattern` or `matches` (against `pattern`).
#[napi]
pub fn purpose_check(kind: String, value: String, pattern: Option<String>) -> bool {
    use enforce::names;
    match kind.as_str() {
        "valid" => names::is_valid_purpose(&value),
        "known" => names::is_known_purpose(&value),
        "pattern" => names::is_valid_purpose_pattern(&value),
        "matches" => pattern.is_some_and(|p| names::purpose_matches(&p, &value)),
        _ => false,
    }
}

/// The `EnforceConfig` members (camelCase): the client options the JS `Grantex` passes on.
#[napi]
pub fn enforce_config_fields() -> Vec<&'static str> {
    use grantex::catalog::Wire;
    <EnforceConfig as Wire>::shape()
        .fields()
        .iter()
        .map(|f| f.wire)
        .collect()
}
