//! Tool manifests and the enforce decision (the core's `grantex::enforce`): an enforcer handle
//! made from a client and JSON settings, manifests loaded as JSON documents, and one call in,
//! one `EnforceResult` JSON out. A token or grant problem is a denial in the result
//! (`"allowed": false` with a `reasonCode`), never a failure code.

use crate::client::grantex_client;
use crate::ffi::{guard, guard_free, handle, into_handle, owned_string, str_arg, Failure, Out};
use crate::result::grantex_result;
use grantex_core::enforce::{self, EnforceCall, EnforceConfig, Enforcer, ToolManifest};
use std::ffi::c_char;

/// An enforcer: settings plus loaded manifests. Thread-safe: grantex_enforce() may run on
/// several threads at once; loading a manifest while calls run is allowed.
#[allow(non_camel_case_types)]
pub struct grantex_enforcer {
    inner: Enforcer,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_enforcer>();
};

fn parse_json(text: &str, what: &str) -> Result<serde_json::Value, Failure> {
    serde_json::from_str(text)
        .map_err(|e| Failure::invalid(format!("{what} is not valid JSON: {e}")))
}

/// Creates an enforcer over `client` (which answers the online revocation checks).
/// `config_json`: NULL or a JSON object of the settings, camelCase — `enforceMode`
/// (`strict`|`permissive`), `revocationCheck` (`offline`, the default, or `online`),
/// `capsMode`, `decisionsMode`, `audience`, `audienceCheck`, `dataRegion`,
/// `dataRegionCheck`, `toolQualifiedScopes`, `jwksUri`, `issuer`, `jwks` (a static key set),
/// `now` (a fixed clock, for vectors). A bad value is `GRANTEX_CONFIG`; an unknown member or a
/// wrong JSON type `GRANTEX_INVALID_ARGUMENT`. Free with grantex_enforcer_free().
///
/// # Safety
/// `client` NULL or live (it may be freed after this returns); `config_json` NULL or
/// NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_enforcer_new(
    client: *const grantex_client,
    config_json: *const c_char,
    out: *mut *mut grantex_enforcer,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let client = unsafe { handle(client, "client") }?;
        let config = match unsafe { crate::ffi::opt_str_arg(config_json, "config_json") }? {
            None => EnforceConfig::default(),
            Some(text) => serde_json::from_value(parse_json(text, "config_json")?)
                .map_err(|e| Failure::invalid(format!("invalid enforcement settings: {e}")))?,
        };
        let out = Out::new(out, "out")?;
        let inner = Enforcer::new(client.inner.as_async().clone(), config)?;
        out.write(into_handle(grantex_enforcer { inner }));
        Ok(())
    })
}

/// Frees an enforcer. NULL is a no-op; never free twice, nor while a call on it runs.
///
/// # Safety
/// `enforcer` NULL or live with no call in progress.
#[no_mangle]
pub unsafe extern "C" fn grantex_enforcer_free(enforcer: *mut grantex_enforcer) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(enforcer) })
}

/// Loads (or replaces) the manifest of its connector from a manifest document as JSON text (a
/// repeated key is refused). A manifest that does not conform to manifest schema 0.6 is
/// `GRANTEX_MANIFEST_INVALID`, the message naming the path.
///
/// # Safety
/// `enforcer` NULL or live; `manifest_json` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_enforcer_load_manifest(
    enforcer: *const grantex_enforcer,
    manifest_json: *const c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (enforcer, text) = unsafe {
            (
                handle(enforcer, "enforcer")?,
                str_arg(manifest_json, "manifest_json")?,
            )
        };
        let loaded = ToolManifest::from_json_text(text)?;
        enforcer.inner.load_manifest(loaded.manifest);
        Ok(())
    })
}

/// Loads the prebuilt manifest of `connector` (grantex_prebuilt_manifest_names() lists them);
/// another name is `GRANTEX_NOT_FOUND`.
///
/// # Safety
/// `enforcer` NULL or live; `connector` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_enforcer_load_prebuilt(
    enforcer: *const grantex_enforcer,
    connector: *const c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (enforcer, name) = unsafe {
            (
                handle(enforcer, "enforcer")?,
                str_arg(connector, "connector")?,
            )
        };
        let manifest = enforce::prebuilt::prebuilt(name)
            .ok_or_else(|| Failure::not_found(format!("no prebuilt manifest named {name:?}")))?;
        enforcer.inner.load_manifest(manifest);
        Ok(())
    })
}

/// Checks one tool call, blocking. `call_json`: `{"grantToken", "connector", "tool",
/// "amount"?, "audience"?, "revocationCheck"?, "capsMode"?, "decisionsMode"?, "dataRegion"?,
/// "decisionGrants"?, ...}`. `out`: the `EnforceResult` as JSON text (`allowed`, `reason`,
/// `reasonCode`, `subReason`, `details`, `permission`, `grantId`, `agentDid`, `scopes`,
/// `grant`, ...), a new string freed with grantex_string_free(). Fails only for a malformed
/// call or a per-call option that would loosen the enforcer's settings (`GRANTEX_CONFIG`).
///
/// # Safety
/// `enforcer` NULL or live; `call_json` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_enforce(
    enforcer: *const grantex_enforcer,
    call_json: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (enforcer, text) = unsafe {
            (
                handle(enforcer, "enforcer")?,
                str_arg(call_json, "call_json")?,
            )
        };
        let out = Out::new(out, "out")?;
        let call: EnforceCall = serde_json::from_value(parse_json(text, "call_json")?)
            .map_err(|e| Failure::invalid(format!("invalid enforce call: {e}")))?;
        let result = grantex_core::blocking::block_on(enforcer.inner.enforce(&call))?;
        let json = serde_json::to_string(&result)
            .map_err(|e| Failure::invalid(format!("cannot encode the result: {e}")))?;
        out.write(owned_string(json, "enforce result")?);
        Ok(())
    })
}

/// What the enforcer's revocation feed knows, as JSON text (`synced`, `fresh`, `ageSecs`,
/// `cursor`, `known`, `unavailable`), or `null` when no feed was started (`revocationCheck`
/// `feed` starts it); a new string freed with grantex_string_free().
///
/// # Safety
/// `enforcer` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_enforcer_feed_state(
    enforcer: *const grantex_enforcer,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let enforcer = unsafe { handle(enforcer, "enforcer") }?;
        let out = Out::new(out, "out")?;
        let json = serde_json::to_string(&enforcer.inner.revocation_feed_state())
            .map_err(|e| Failure::invalid(format!("cannot encode the feed state: {e}")))?;
        out.write(owned_string(json, "feed state")?);
        Ok(())
    })
}

/// A manifest document (JSON text) validated and normalised: `out` is the manifest 0.6
/// document as JSON text, a new string freed with grantex_string_free().
///
/// # Safety
/// `manifest_json` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_manifest_normalize(
    manifest_json: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let text = unsafe { str_arg(manifest_json, "manifest_json") }?;
        let out = Out::new(out, "out")?;
        let loaded = ToolManifest::from_json_text(text)?;
        out.write(owned_string(
            loaded.manifest.to_document().to_string(),
            "manifest",
        )?);
        Ok(())
    })
}

/// The prebuilt manifests' connectors as a JSON array of strings, a new string freed with
/// grantex_string_free().
///
/// # Safety
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_prebuilt_manifest_names(out: *mut *mut c_char) -> grantex_result {
    guard(|| {
        let out = Out::new(out, "out")?;
        let names = serde_json::to_string(enforce::prebuilt::NAMES)
            .map_err(|e| Failure::invalid(format!("cannot encode the names: {e}")))?;
        out.write(owned_string(names, "names")?);
        Ok(())
    })
}
