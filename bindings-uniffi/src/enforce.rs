//! Tool manifests and the enforce decision for the JVM: conversions only. Settings, manifests
//! and calls cross as JSON text; the answer is the `EnforceResult` JSON (the generated Kotlin
//! data class reads it).

use crate::client::NativeClient;
use crate::error::FfiError;
use crate::runtime::on_core;
use grantex::enforce::{self, EnforceCall, EnforceConfig, Enforcer, ToolManifest};
use std::sync::Arc;

fn parse<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, FfiError> {
    let text = if text.trim().is_empty() { "{}" } else { text };
    serde_json::from_str(text).map_err(|e| FfiError::invalid(format!("invalid {what}: {e}")))
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, FfiError> {
    serde_json::to_string(value).map_err(|e| FfiError::invalid(format!("cannot encode: {e}")))
}

/// One client's enforcer: its settings and loaded manifests. Thread-safe.
#[derive(Debug, uniffi::Object)]
pub struct NativeEnforcer {
    inner: Arc<Enforcer>,
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeEnforcer {
    /// `config_json`: the `EnforceConfig` members (camelCase; `""` for the defaults). A bad
    /// setting is a configuration error.
    #[uniffi::constructor]
    pub fn new(client: Arc<NativeClient>, config_json: String) -> Result<Arc<Self>, FfiError> {
        let config: EnforceConfig = parse("enforcement settings", &config_json)?;
        let inner = Enforcer::new(client.core().clone(), config)?;
        Ok(Arc::new(NativeEnforcer {
            inner: Arc::new(inner),
        }))
    }

    /// Loads (or replaces) a manifest from its JSON document (a repeated key is refused).
    pub fn load_manifest_json(&self, manifest_json: String) -> Result<(), FfiError> {
        let loaded = ToolManifest::from_json_text(&manifest_json)?;
        self.inner.load_manifest(loaded.manifest);
        Ok(())
    }

    /// Loads a prebuilt manifest (`prebuilt_manifest_names`).
    pub fn load_prebuilt(&self, connector: String) -> Result<(), FfiError> {
        let m = enforce::prebuilt::prebuilt(&connector).ok_or_else(|| {
            FfiError::invalid(format!("no prebuilt manifest named {connector:?}"))
        })?;
        self.inner.load_manifest(m);
        Ok(())
    }

    /// One tool call (`EnforceCall` JSON); the `EnforceResult` JSON.
    pub async fn enforce(&self, call_json: String) -> Result<String, FfiError> {
        let call: EnforceCall = parse("enforce call", &call_json)?;
        let inner = self.inner.clone();
        on_core(async move {
            let result = inner.enforce(&call).await?;
            json(&result)
        })
        .await
    }

    /// [`Self::enforce`], blocking the calling thread.
    pub fn enforce_blocking(&self, call_json: String) -> Result<String, FfiError> {
        let call: EnforceCall = parse("enforce call", &call_json)?;
        let result = grantex::blocking::block_on(self.inner.enforce(&call))?;
        json(&result)
    }

    /// What the revocation feed knows (`FeedState` JSON), `None` when no feed was started.
    pub fn feed_state_json(&self) -> Result<Option<String>, FfiError> {
        self.inner
            .revocation_feed_state()
            .map(|s| json(&s))
            .transpose()
    }

    /// Stops following the revocation feed.
    pub fn stop_feed(&self) {
        self.inner.stop_revocation_feed();
    }
}

/// The connectors with a prebuilt manifest.
#[uniffi::export]
pub fn prebuilt_manifest_names() -> Vec<String> {
    enforce::prebuilt::NAMES
        .iter()
        .map(|n| n.to_string())
        .collect()
}

/// A manifest document validated and normalised (manifest 0.6 JSON).
#[uniffi::export]
pub fn normalize_manifest(manifest_json: String) -> Result<String, FfiError> {
    Ok(ToolManifest::from_json_text(&manifest_json)?
        .manifest
        .to_document()
        .to_string())
}
