//! `grantex_a2a_client`: the calling side of the A2A bridge. Sends JSON-RPC `tasks/*` requests
//! to a remote agent with our grant token as the bearer credential, after the core has checked
//! the token offline against the agent's card (so a token the agent would refuse is never
//! sent). Results come back as `grantex_response` (the task's JSON wire shape).

use crate::a2a_error::a2a_failure;
use crate::ffi::{
    guard, guard_free, handle, handle_mut, into_handle, opt_str_arg, str_arg, Failure, Out,
};
use crate::grant::grantex_verified_grant;
use crate::params::grantex_params;
use crate::response::grantex_response;
use crate::result::grantex_result;
use grantex_core::a2a::{
    A2AClient, A2AClientConfig, A2AError, AgentCard, JwksSource, TaskCancelParams, TaskGetParams,
    TaskSendParams,
};
use grantex_core::blocking;
use grantex_core::JwksCache;
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
/// or an empty token is `GRANTEX_INVALID_ARGUMENT`. The same as
/// grantex_a2a_client_new_with_options() with NULL options.
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
    // SAFETY: per the function contract (NULL options are the defaults).
    unsafe {
        grantex_a2a_client_new_with_options(
            agent_url,
            grant_token,
            timeout_ms,
            std::ptr::null(),
            out,
        )
    }
}

/// What an A2A client checks its own token against before sending it, beyond the defaults:
/// a known card (else fetched from the agent), the issuer's key set pinned (a JWKS URI or a
/// JWKS document, not both; else the card's `jwksUri`), the expected issuer (must agree with
/// the card's when both name one), an audience, scopes on top of the card's
/// `requiredScopes`, and the clock tolerance. Starts empty: everything from the card.
///
/// A client copies the options when it is made, so they may be changed or freed afterwards.
///
/// Thread safety: not safe for concurrent mutation; options no one mutates may be passed to
/// grantex_a2a_client_new_with_options() on several threads at once.
#[derive(Default)]
pub struct grantex_a2a_client_options {
    card: Option<AgentCard>,
    jwks_uri: Option<String>,
    jwks_json: Option<String>,
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Vec<String>,
    clock_tolerance: u64,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_a2a_client_options>();
};

/// New, empty client options. Free with grantex_a2a_client_options_free().
///
/// # Safety
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_new(
    out: *mut *mut grantex_a2a_client_options,
) -> grantex_result {
    guard(|| {
        Out::new(out, "out")?.write(into_handle(grantex_a2a_client_options::default()));
        Ok(())
    })
}

/// Runs a setter on client options.
///
/// # Safety
/// `options` NULL or live and used by no other thread.
unsafe fn set_option(
    options: *mut grantex_a2a_client_options,
    apply: impl FnOnce(&mut grantex_a2a_client_options) -> Result<(), Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let options = unsafe { handle_mut(options, "options") }?;
        apply(options)
    })
}

/// The remote agent's card as JSON (then it is not fetched); NULL forgets it. A card that
/// does not parse, or is over 1 MiB, is `GRANTEX_A2A_CARD` and leaves the options unchanged.
///
/// # Safety
/// `options` NULL or live and unshared; `card_json` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_set_card(
    options: *mut grantex_a2a_client_options,
    card_json: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set_option(options, |o| {
            o.card = opt_str_arg(card_json, "card_json")?
                .map(AgentCard::from_json)
                .transpose()
                .map_err(a2a_failure)?;
            Ok(())
        })
    }
}

/// Pins the issuer's key set to a JWKS URI (http or https; the process-wide cache for it is
/// shared); NULL forgets it. A bad URI is `GRANTEX_CONFIG`. Setting both a URI and a document
/// makes grantex_a2a_client_new_with_options() fail with `GRANTEX_CONFIG`.
///
/// # Safety
/// `options` NULL or live and unshared; `jwks_uri` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_set_jwks_uri(
    options: *mut grantex_a2a_client_options,
    jwks_uri: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set_option(options, |o| {
            let uri = opt_str_arg(jwks_uri, "jwks_uri")?;
            if let Some(uri) = uri {
                // Validated now (the check the client makes later) so a typo fails here.
                JwksCache::remote(uri)?;
            }
            o.jwks_uri = uri.map(str::to_owned);
            Ok(())
        })
    }
}

/// Pins the issuer's key set to a JWKS document (`{"keys":[...]}`; never fetched); NULL
/// forgets it. An unusable set is `GRANTEX_TOKEN_INVALID_JWKS`.
///
/// # Safety
/// `options` NULL or live and unshared; `jwks_json` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_set_jwks_json(
    options: *mut grantex_a2a_client_options,
    jwks_json: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set_option(options, |o| {
            let json = opt_str_arg(jwks_json, "jwks_json")?;
            if let Some(json) = json {
                JwksCache::from_json(json)?;
            }
            o.jwks_json = json.map(str::to_owned);
            Ok(())
        })
    }
}

/// Expected `iss` of our token; NULL: the card's issuer. When both name one they must agree
/// (else every call fails with `GRANTEX_A2A_CARD`).
///
/// # Safety
/// `options` NULL or live and unshared; `issuer` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_set_issuer(
    options: *mut grantex_a2a_client_options,
    issuer: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set_option(options, |o| {
            o.issuer = opt_str_arg(issuer, "issuer")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Audience our token's `aud` must contain (when the remote agent is known to check one);
/// NULL: not checked.
///
/// # Safety
/// `options` NULL or live and unshared; `audience` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_set_audience(
    options: *mut grantex_a2a_client_options,
    audience: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set_option(options, |o| {
            o.audience = opt_str_arg(audience, "audience")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Adds a scope our token must hold on top of the card's `requiredScopes`.
///
/// # Safety
/// `options` NULL or live and unshared; `scope` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_add_required_scope(
    options: *mut grantex_a2a_client_options,
    scope: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set_option(options, |o| {
            o.required_scopes.push(str_arg(scope, "scope")?.to_owned());
            Ok(())
        })
    }
}

/// Removes every scope added with grantex_a2a_client_options_add_required_scope().
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_clear_required_scopes(
    options: *mut grantex_a2a_client_options,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set_option(options, |o| {
            o.required_scopes.clear();
            Ok(())
        })
    }
}

/// Seconds of leeway on `exp`/`nbf`/`iat` (default 0; over an hour makes
/// grantex_a2a_client_new_with_options() fail with `GRANTEX_CONFIG`).
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_set_clock_tolerance(
    options: *mut grantex_a2a_client_options,
    seconds: u64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set_option(options, |o| {
            o.clock_tolerance = seconds;
            Ok(())
        })
    }
}

/// Frees client options. NULL is a no-op; never free twice.
///
/// # Safety
/// `options` NULL or a live handle used by no other thread.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_options_free(options: *mut grantex_a2a_client_options) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(options) })
}

/// grantex_a2a_client_new() with `options` (NULL: the defaults, everything from the card).
/// Nothing is sent here. Besides that function's failures: a JWKS URI and a JWKS document both
/// set, or a clock tolerance over an hour, is `GRANTEX_CONFIG`.
///
/// # Safety
/// `agent_url`, `grant_token` NULL or NUL-terminated; `options` NULL or live and not being
/// mutated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_new_with_options(
    agent_url: *const c_char,
    grant_token: *const c_char,
    timeout_ms: u64,
    options: *const grantex_a2a_client_options,
    out: *mut *mut grantex_a2a_client,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (agent_url, grant_token, options) = unsafe {
            (
                str_arg(agent_url, "agent_url")?,
                str_arg(grant_token, "grant_token")?,
                options.as_ref(),
            )
        };
        let out = Out::new(out, "out")?;
        let defaults = grantex_a2a_client_options::default();
        let o = options.unwrap_or(&defaults);
        let inner = A2AClient::new(A2AClientConfig {
            agent_url: agent_url.to_owned(),
            grant_token: grant_token.to_owned(),
            card: o.card.clone(),
            jwks: JwksSource::from_settings(o.jwks_uri.clone(), o.jwks_json.clone())?,
            issuer: o.issuer.clone(),
            audience: o.audience.clone(),
            required_scopes: o.required_scopes.clone(),
            clock_tolerance: o.clock_tolerance,
            timeout: match timeout_ms {
                crate::client::GRANTEX_DEFAULT_TIMEOUT => None,
                ms => Some(grantex_core::ClientConfig::timeout_from_millis(ms as f64)?),
            },
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

/// The remote agent's card: the one given in the options, else fetched once from
/// `<agent_url>/.well-known/agent.json` and kept. Read its fields from the response
/// (`name`, `url`, `/authentication/schemes/0/grantexConfig/jwksUri`, ...). Failures:
/// `GRANTEX_A2A_CARD` (not found, not a card, over 1 MiB), `GRANTEX_NETWORK`, `GRANTEX_TIMEOUT`.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_client_card(
    client: *const grantex_a2a_client,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, |c| Ok(async move { c.card().await.cloned() })) }
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
