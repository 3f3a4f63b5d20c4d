//! `grantex_a2a_client`: the calling side of the A2A bridge. Sends JSON-RPC `tasks/*` requests
//! to a remote agent with our grant token as the bearer credential, after the core has checked
//! the token offline against the agent's card (so a token the agent would refuse is never
//! sent). Results come back as `grantex_response` (the task's JSON wire shape).

use crate::a2a_error::a2a_failure;
use crate::ffi::{guard, guard_free, handle, into_handle, str_arg, Failure, Out};
use crate::grant::grantex_verified_grant;
use crate::params::grantex_params;
use crate::response::grantex_response;
use crate::result::grantex_result;
use grantex_core::a2a::{
    A2AClient, A2AClientConfig, A2AError, TaskCancelParams, TaskGetParams, TaskSendParams,
};
use grantex_core::blocking;
use serde_json::Value;
use std::ffi::c_char;
use std::future::Future;

/// A JSON-RPC client for one remote agent and one grant token. The agent's card
/// (`<agent_url>/.well-known/agent.json`) is fetched on first use; it names the issuer's JWKS,
/// the scopes the agent requires and whether it accepts delegated tokens.
///
/// Thread safety: fully thread-safe; share one between threads. Free it once, after every call
/// on it has returned, with grantex_a2a_client_free().
pub struct grantex_a2a_client {
    inner: A2AClient,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_a2a_client>();
};

/// A client for the agent at `agent_url` (http or https, its JSON-RPC endpoint) calling with
/// `grant_token`. `timeout_ms` bounds each request (`GRANTEX_DEFAULT_TIMEOUT`: 30 s; at most one day, else
/// `GRANTEX_INVALID_ARGUMENT`). Nothing is sent here. A bad URL
/// or an empty token is `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `agent_url`, `grant_token` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_new(
    agent_url: *const c_char,
    grant_token: *const c_char,
    timeout_ms: u64,
    out: *mut *mut grantex_a2a_client,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (agent_url, grant_token) = unsafe {
            (
                str_arg(agent_url, "agent_url")?,
                str_arg(grant_token, "grant_token")?,
            )
        };
        let out = Out::new(out, "out")?;
        let inner = A2AClient::new(A2AClientConfig {
            agent_url: agent_url.to_owned(),
            grant_token: grant_token.to_owned(),
            timeout: match timeout_ms {
                crate::client::GRANTEX_DEFAULT_TIMEOUT => None,
                ms => Some(grantex_core::ClientConfig::timeout_from_millis(ms as f64)?),
            },
            ..Default::default()
        })
        .map_err(a2a_failure)?;
        out.write(into_handle(grantex_a2a_client { inner }));
        Ok(())
    })
}

/// Runs a client call on the core's runtime and wraps its JSON result.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
unsafe fn respond<'c, F, T>(
    client: *const grantex_a2a_client,
    out: *mut *mut grantex_response,
    call: impl FnOnce(&'c A2AClient) -> Result<F, Failure>,
) -> grantex_result
where
    F: Future<Output = Result<T, A2AError>> + Send + 'c,
    T: serde::Serialize + Send,
{
    guard(|| {
        // SAFETY: per the caller's contract.
        let client: &'c grantex_a2a_client = unsafe { handle(client, "client") }?;
        let out = Out::new(out, "out")?;
        let future = call(&client.inner)?;
        let value = blocking::block_on(future).map_err(a2a_failure)?;
        out.write(into_handle(grantex_response::from_serialize(&value)?));
        Ok(())
    })
}

/// Converts a required params bag.
///
/// # Safety
/// `params` NULL or a live bag not mutated during the call.
unsafe fn typed<T: serde::de::DeserializeOwned + serde::Serialize>(
    params: *const grantex_params,
    call: &str,
) -> Result<T, Failure> {
    // SAFETY: per the caller's contract.
    let bag = unsafe { params.as_ref() }
        .ok_or_else(|| Failure::invalid(format!("{call} params are NULL")))?;
    grantex_params::to_typed(&bag.members, call)
}

/// The offline check every call makes first, on its own: fetches the card if needed and
/// verifies our token against the issuer's keys, the card's required scopes and delegation
/// rule. `GRANTEX_A2A_PREFLIGHT` (reason in grantex_last_error_api_code()) when the agent
/// would refuse it; `GRANTEX_A2A_CARD` when the card is unusable.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_preflight(
    client: *const grantex_a2a_client,
    out: *mut *mut grantex_verified_grant,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let client = unsafe { handle(client, "client") }?;
        let out = Out::new(out, "out")?;
        let grant = blocking::block_on(client.inner.preflight()).map_err(a2a_failure)?;
        out.write(into_handle(grantex_verified_grant::new(grant)?));
        Ok(())
    })
}

/// `tasks/send`. Params: `message` (`{"role":"user","parts":[{"type":"text","text":"..."}]}`;
/// set it with grantex_params_set_json), optional `id` (continue a task) and `metadata`. The
/// task comes back as a response (`id`, `status/state`, `artifacts`, ...).
///
/// Failures: `GRANTEX_A2A_PREFLIGHT` (nothing sent), `GRANTEX_A2A_RPC` (the agent refused:
/// HTTP status, reason and error body in the last error), `GRANTEX_A2A_HTTP`,
/// `GRANTEX_A2A_CARD`, `GRANTEX_A2A_PROTOCOL`, `GRANTEX_NETWORK`, `GRANTEX_TIMEOUT`.
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag not being mutated; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_send_task(
    client: *const grantex_a2a_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p: TaskSendParams = typed(params, "tasks/send")?;
            Ok(async move { c.send_task(&p).await })
        })
    }
}

/// `tasks/get`. Params: `id`, optional `historyLength`. Failures as grantex_a2a_client_send_task().
///
/// # Safety
/// As grantex_a2a_client_send_task().
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_get_task(
    client: *const grantex_a2a_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p: TaskGetParams = typed(params, "tasks/get")?;
            Ok(async move { c.get_task(&p).await })
        })
    }
}

/// `tasks/cancel`. Params: `id`. Failures as grantex_a2a_client_send_task().
///
/// # Safety
/// As grantex_a2a_client_send_task().
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_cancel_task(
    client: *const grantex_a2a_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p: TaskCancelParams = typed(params, "tasks/cancel")?;
            Ok(async move { c.cancel_task(&p).await })
        })
    }
}

/// Any JSON-RPC `method` with `params` as given (NULL: an empty object); the response holds
/// the `result` value as is. Failures as grantex_a2a_client_send_task().
///
/// # Safety
/// `client` NULL or live; `method` NULL or NUL-terminated; `params` NULL or a live bag not
/// being mutated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_call(
    client: *const grantex_a2a_client,
    method: *const c_char,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let method = str_arg(method, "method")?.to_owned();
            let params = Value::Object(
                params
                    .as_ref()
                    .map(|p| p.members.clone())
                    .unwrap_or_default(),
            );
            Ok(async move { c.call(&method, params).await })
        })
    }
}

/// Frees a client. NULL is a no-op; never free twice, nor while a call on it is running.
///
/// # Safety
/// `client` NULL or a live handle with no call in progress.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_free(client: *mut grantex_a2a_client) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(client) })
}
