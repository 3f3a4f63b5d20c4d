//! `grantex_client`: the API client. Every call blocks the calling thread on the core's
//! process-wide runtime (`grantex::blocking`) and returns the typed response as a
//! `grantex_response` (its JSON wire shape), or a verified-grant handle for online grant
//! verification.

use crate::ffi::{
    guard, guard_free, handle, into_handle, opt_str_arg, owned_string, str_arg, Failure, Out,
};
use crate::grant::grantex_verified_grant;
use crate::params::grantex_params;
use crate::response::grantex_response;
use crate::result::grantex_result;
use grantex_core::blocking;
use grantex_core::types::{
    AuthorizeParams, ListAuditParams, ListGrantsParams, RefreshTokenParams, SignupParams,
};
use grantex_core::ClientConfig;
use serde::Serialize;
use serde_json::Value;
use std::ffi::{c_char, CString};
use std::time::Duration;

/// A Grantex API client (API key, base URL, timeout, retries, connection pool).
///
/// Thread safety: fully thread-safe; one client may serve calls from many threads at once and
/// should be shared rather than created per call. Free it once, after every call on it has
/// returned, with grantex_client_free().
pub struct grantex_client {
    inner: blocking::Client,
    base_url: CString,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_client>();
};

/// Runs a client call that produces a response handle.
///
/// # Safety
/// `client` is NULL or a live client; `out` NULL or writable.
unsafe fn respond<T: Serialize>(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
    call: impl FnOnce(&blocking::Client) -> Result<T, Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let client = unsafe { handle(client, "client") }?;
        let out = Out::new(out, "out")?;
        let value = call(&client.inner)?;
        out.write(into_handle(grantex_response::from_serialize(&value)?));
        Ok(())
    })
}

/// Runs a client call with no result body.
///
/// # Safety
/// `client` is NULL or a live client.
unsafe fn unit(
    client: *const grantex_client,
    call: impl FnOnce(&blocking::Client) -> Result<(), Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let client = unsafe { handle(client, "client") }?;
        call(&client.inner)
    })
}

/// Borrows the (optional) params bag.
///
/// # Safety
/// `params` is NULL or a live bag not mutated during the call.
unsafe fn bag<'a>(params: *const grantex_params) -> Option<&'a grantex_params> {
    // SAFETY: per the caller's contract.
    unsafe { params.as_ref() }
}

/// A required params bag.
///
/// # Safety
/// As [`bag`].
unsafe fn required_bag<'a>(
    params: *const grantex_params,
    call: &str,
) -> Result<&'a grantex_params, Failure> {
    // SAFETY: per the caller's contract.
    unsafe { bag(params) }.ok_or_else(|| Failure::invalid(format!("{call} params are NULL")))
}

/// Creates a client.
///
/// - `api_key`: NULL reads the environment variable `GRANTEX_API_KEY`; absent or empty is
///   `GRANTEX_CONFIG`.
/// - `base_url`: NULL reads `GRANTEX_BASE_URL`, else `https://api.grantex.dev`; must be an
///   http(s) URL (else `GRANTEX_CONFIG`).
/// - `timeout_ms`: per-attempt timeout in milliseconds; 0 means the default (30 s).
/// - `max_retries`: retries for 429/502/503/504, connection errors and timeouts; a negative
///   value means the default (3); 0 disables retries.
///
/// Nothing is sent until the first call. Free the client with grantex_client_free().
///
/// # Safety
/// `api_key`, `base_url` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_client_new(
    api_key: *const c_char,
    base_url: *const c_char,
    timeout_ms: u64,
    max_retries: i32,
    out: *mut *mut grantex_client,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (api_key, base_url) = unsafe {
            (
                opt_str_arg(api_key, "api_key")?,
                opt_str_arg(base_url, "base_url")?,
            )
        };
        let out = Out::new(out, "out")?;
        let config = ClientConfig {
            api_key: api_key.map(str::to_owned),
            base_url: base_url.map(str::to_owned),
            timeout: (timeout_ms > 0).then(|| Duration::from_millis(timeout_ms)),
            max_retries: u32::try_from(max_retries).ok(),
            user_agent: Some(format!("grantex-c/{}", crate::VERSION)),
        };
        let inner = blocking::Client::new(config)?;
        let base_url = crate::ffi::c_string(inner.base_url(), "base URL")?;
        out.write(into_handle(grantex_client { inner, base_url }));
        Ok(())
    })
}

/// Frees a client. NULL is a no-op; never free twice, nor while a call on it is running.
///
/// # Safety
/// `client` is NULL or a live client with no call in progress.
#[no_mangle]
pub unsafe extern "C" fn grantex_client_free(client: *mut grantex_client) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(client) })
}

/// The normalised base URL (no trailing `/`), borrowed from the client.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_client_base_url(
    client: *const grantex_client,
    out: *mut *const c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let client = unsafe { handle(client, "client") }?;
        Out::new(out, "out")?.write(client.base_url.as_ptr());
        Ok(())
    })
}

/// `<base URL>/.well-known/jwks.json`, for grantex_verifier_new_remote(); a new string the
/// caller frees with grantex_string_free().
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_client_jwks_uri(
    client: *const grantex_client,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let client = unsafe { handle(client, "client") }?;
        let out = Out::new(out, "out")?;
        out.write(owned_string(client.inner.jwks_uri(), "JWKS URI")?);
        Ok(())
    })
}

/// `POST /v1/signup`: creates a developer account (no API key needed). `base_url` NULL uses
/// `GRANTEX_BASE_URL`, then the default. Params: `name` (required), `email`, `mode`
/// (`"live"` or `"sandbox"`). Response: `developerId`, `apiKey`, `name`, `email`, `mode`,
/// `createdAt`.
///
/// # Safety
/// `base_url` NULL or NUL-terminated; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_signup(
    base_url: *const c_char,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (base_url, params) = unsafe {
            (
                opt_str_arg(base_url, "base_url")?,
                required_bag(params, "signup")?,
            )
        };
        let out = Out::new(out, "out")?;
        let params: SignupParams = grantex_params::to_typed(&params.members, "signup")?;
        let value = blocking::Client::signup(base_url, &params)?;
        out.write(into_handle(grantex_response::from_serialize(&value)?));
        Ok(())
    })
}

/// `GET /v1/me`: the calling developer account.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_me(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, |c| Ok(c.me()?)) }
}

/// `POST /v1/keys/rotate`: replaces the API key (response `apiKey`, `rotatedAt`). The old key
/// stops working at once: create a new client with the returned key.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_rotate_key(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, |c| Ok(c.rotate_key()?)) }
}

/// `GET /health` (response `status`, `database`, `version`).
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_health(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, |c| Ok(c.health()?)) }
}

/// `GET /.well-known/jwks.json`: the server's public signing keys (response `keys`).
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_jwks(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, |c| Ok(c.jwks()?)) }
}

/// `POST /v1/authorize`: starts an authorization request.
/// Params: `agentId`, `principalId` (alias `userId`), `scopes` (required); `expiresIn`,
/// `redirectUri`, `state`, `audience`, `codeChallenge`, `codeChallengeMethod`.
/// Response: `authRequestId`, `consentUrl`, `expiresAt`, and `code` when the key is a sandbox
/// key (live keys need grantex_consent_approve() — the human's approval — for the code).
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_authorize(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let mut members = required_bag(params, "authorize")?.members.clone();
            // `userId` is the SDK-facing alias of the wire name `principalId`.
            if !members.contains_key("principalId") {
                if let Some(user) = members.remove("userId") {
                    members.insert("principalId".into(), user);
                }
            }
            let p: AuthorizeParams = grantex_params::to_typed(&members, "authorize")?;
            Ok(c.authorize(&p)?)
        })
    }
}

/// `GET /v1/consent/:id`: what the consent page shows the human (`agentName`, `scopes`,
/// `scopeDescriptions`, `status`, ...).
///
/// # Safety
/// `client` NULL or live; `auth_request_id` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_consent_get(
    client: *const grantex_client,
    auth_request_id: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let id = str_arg(auth_request_id, "auth_request_id")?;
            Ok(c.consent().get(id)?)
        })
    }
}

/// `POST /v1/consent/:id/approve`: the human approves (what the consent page's button does).
/// Response: `code` (for grantex_tokens_exchange), `redirectUri`, `state`.
///
/// # Safety
/// As grantex_consent_get().
#[no_mangle]
pub unsafe extern "C" fn grantex_consent_approve(
    client: *const grantex_client,
    auth_request_id: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let id = str_arg(auth_request_id, "auth_request_id")?;
            Ok(c.consent().approve(id)?)
        })
    }
}

/// `POST /v1/consent/:id/deny`: the human refuses. Response: `redirectUri`, `state`.
///
/// # Safety
/// As grantex_consent_get().
#[no_mangle]
pub unsafe extern "C" fn grantex_consent_deny(
    client: *const grantex_client,
    auth_request_id: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let id = str_arg(auth_request_id, "auth_request_id")?;
            Ok(c.consent().deny(id)?)
        })
    }
}

/// `POST /v1/token`: exchanges an authorization code. Params: `code`, `agentId` (required),
/// `codeVerifier` (PKCE). Never retried. Response: `grantToken`, `refreshToken`, `grantId`,
/// `scopes`, `expiresAt`.
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_tokens_exchange(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p =
                grantex_params::to_typed(&required_bag(params, "exchange")?.members, "exchange")?;
            Ok(c.tokens().exchange(&p)?)
        })
    }
}

/// `POST /v1/token/refresh`: rotates a refresh token. Params: `refreshToken`, `agentId`
/// (required), `idempotencyKey` (sent as the `Idempotency-Key` header; one is generated when
/// absent and kept across retries). Response as grantex_tokens_exchange().
///
/// # Safety
/// As grantex_tokens_exchange().
#[no_mangle]
pub unsafe extern "C" fn grantex_tokens_refresh(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let mut members = required_bag(params, "refresh")?.members.clone();
            // Not part of the body: the core sends it as a header.
            let key = match members.remove("idempotencyKey") {
                None | Some(Value::Null) => None,
                Some(Value::String(k)) => Some(k),
                Some(_) => {
                    return Err(Failure::invalid(
                        "refresh params: idempotencyKey must be a string",
                    ))
                }
            };
            let mut p: RefreshTokenParams = grantex_params::to_typed(&members, "refresh")?;
            p.idempotency_key = key;
            Ok(c.tokens().refresh(&p)?)
        })
    }
}

/// `POST /v1/tokens/verify`: online verification. Always succeeds for a reachable server;
/// read `valid` (boolean) and, when valid, `grantId`, `scopes`, `principal`, `agent`,
/// `expiresAt`.
///
/// # Safety
/// `client` NULL or live; `token` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_tokens_verify(
    client: *const grantex_client,
    token: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let token = str_arg(token, "token")?;
            Ok(c.tokens().verify(token)?)
        })
    }
}

/// `POST /v1/tokens/revoke`: revokes one token by its `jti` (token id).
///
/// # Safety
/// `client` NULL or live; `jti` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_tokens_revoke(
    client: *const grantex_client,
    jti: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        unit(client, |c| {
            let jti = str_arg(jti, "jti")?;
            Ok(c.tokens().revoke(jti)?)
        })
    }
}

/// `GET /v1/grants/:id` (response `grantId`, `agentId`, `principalId`, `scopes`, `status`,
/// `issuedAt`, `expiresAt`, `revokedAt`, `delegationDepth`, `parentGrantId`, ...).
///
/// # Safety
/// `client` NULL or live; `grant_id` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_grants_get(
    client: *const grantex_client,
    grant_id: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let id = str_arg(grant_id, "grant_id")?;
            Ok(c.grants().get(id)?)
        })
    }
}

/// `GET /v1/grants`. Params (NULL for none): `agentId`, `principalId`, `status`, `page`,
/// `pageSize`. Response: `grants` (array).
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_grants_list(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p: ListGrantsParams = grantex_params::typed_or_default(bag(params), "list grants")?;
            Ok(c.grants().list(&p)?)
        })
    }
}

/// `DELETE /v1/grants/:id`: revokes a grant and, at once, every grant delegated from it.
///
/// # Safety
/// `client` NULL or live; `grant_id` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_grants_revoke(
    client: *const grantex_client,
    grant_id: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        unit(client, |c| {
            let id = str_arg(grant_id, "grant_id")?;
            Ok(c.grants().revoke(id)?)
        })
    }
}

/// `POST /v1/grants/delegate`: a sub-agent token with a subset of the scopes. Params:
/// `parentGrantToken`, `subAgentId`, `scopes` (required), `expiresIn`. Response:
/// `grantToken`, `grantId`, `scopes`, `expiresAt`, `refreshToken`.
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_grants_delegate(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p =
                grantex_params::to_typed(&required_bag(params, "delegate")?.members, "delegate")?;
            Ok(c.grants().delegate(&p)?)
        })
    }
}

/// `POST /v1/grants/verify`: online verification returning the verified claims. An inactive
/// (revoked, expired) grant is `GRANTEX_TOKEN_INACTIVE`.
///
/// # Safety
/// `client` NULL or live; `token` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_grants_verify(
    client: *const grantex_client,
    token: *const c_char,
    out: *mut *mut grantex_verified_grant,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (client, token) = unsafe { (handle(client, "client")?, str_arg(token, "token")?) };
        let out = Out::new(out, "out")?;
        let grant = client.inner.grants().verify(token)?;
        out.write(into_handle(grantex_verified_grant::new(grant)?));
        Ok(())
    })
}

/// `POST /v1/agents`: registers an agent. Params: `name` (required), `description`, `scopes`.
/// Response: `agentId`, `did`, `name`, `description`, `scopes`, `status`, `createdAt`, ...
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_agents_register(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p = grantex_params::to_typed(
                &required_bag(params, "register agent")?.members,
                "register agent",
            )?;
            Ok(c.agents().register(&p)?)
        })
    }
}

/// `GET /v1/agents/:id`.
///
/// # Safety
/// `client` NULL or live; `agent_id` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_agents_get(
    client: *const grantex_client,
    agent_id: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let id = str_arg(agent_id, "agent_id")?;
            Ok(c.agents().get(id)?)
        })
    }
}

/// `GET /v1/agents`. Response: `agents` (array).
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_agents_list(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, |c| Ok(c.agents().list()?)) }
}

/// `PATCH /v1/agents/:id`: only the members given are changed. Params: `name`,
/// `description`, `scopes`, `status`.
///
/// # Safety
/// `client` NULL or live; `agent_id` NULL or NUL-terminated; `params` NULL or a live bag;
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_agents_update(
    client: *const grantex_client,
    agent_id: *const c_char,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let id = str_arg(agent_id, "agent_id")?;
            let p = grantex_params::to_typed(
                &required_bag(params, "update agent")?.members,
                "update agent",
            )?;
            Ok(c.agents().update(id, &p)?)
        })
    }
}

/// `DELETE /v1/agents/:id`.
///
/// # Safety
/// `client` NULL or live; `agent_id` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_agents_delete(
    client: *const grantex_client,
    agent_id: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        unit(client, |c| {
            let id = str_arg(agent_id, "agent_id")?;
            Ok(c.agents().delete(id)?)
        })
    }
}

/// `POST /v1/audit/log`: appends a hash-chained audit entry. Params: `agentId`, `agentDid`,
/// `grantId`, `principalId`, `action` (required), `metadata` (JSON object, see
/// grantex_params_set_json), `status` (`"success"`, `"failure"`, `"blocked"`). Response: the
/// entry (`entryId`, `hash`, `prevHash`, `timestamp`, ...).
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_audit_log(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p =
                grantex_params::to_typed(&required_bag(params, "audit log")?.members, "audit log")?;
            Ok(c.audit().log(&p)?)
        })
    }
}

/// `GET /v1/audit/entries`. Params (NULL for none): `agentId`, `grantId`, `principalId`,
/// `action`, `since`, `until`, `page`, `pageSize`. Response: `entries` (array, oldest first).
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_audit_list(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p: ListAuditParams = grantex_params::typed_or_default(bag(params), "list audit")?;
            Ok(c.audit().list(&p)?)
        })
    }
}

/// `GET /v1/audit/:id`: one audit entry.
///
/// # Safety
/// `client` NULL or live; `entry_id` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_audit_get(
    client: *const grantex_client,
    entry_id: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let id = str_arg(entry_id, "entry_id")?;
            Ok(c.audit().get(id)?)
        })
    }
}

/// `POST /v1/principal-sessions`: an end-user dashboard session. Params: `principalId`
/// (required), `expiresIn`. Response: `sessionToken`, `dashboardUrl`, `expiresAt`.
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_principal_sessions_create(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, |c| {
            let p = grantex_params::to_typed(
                &required_bag(params, "principal session")?.members,
                "principal session",
            )?;
            Ok(c.principal_sessions().create(&p)?)
        })
    }
}
