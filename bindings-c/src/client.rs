//! `grantex_client`: the API client. Every call blocks the calling thread on the core's
//! process-wide runtime (`grantex::blocking`). The typed functions here (grantex_me(),
//! grantex_agents_get(), ...) are named entry points to the core's generic call (see call.rs):
//! each passes its arguments as the members of the operation's input object and returns the
//! result as a `grantex_response` (its JSON wire shape), or a verified-grant handle for online
//! grant verification. Member names and checks are the catalog's (grantex_operations.h).

use crate::call;
use crate::ffi::{guard, guard_free, handle, into_handle, opt_str_arg, owned_string, str_arg};
use crate::ffi::{Failure, Out};
use crate::grant::grantex_verified_grant;
use crate::params::grantex_params;
use crate::response::grantex_response;
use crate::result::grantex_result;
use grantex_core::blocking;
use grantex_core::catalog::{self, Input};
use grantex_core::ClientConfig;
use serde_json::{Map, Value};
use std::ffi::{c_char, CString};

/// A Grantex API client (API key, base URL, timeout, retries, connection pool).
///
/// Thread safety: fully thread-safe; one client may serve calls from many threads at once and
/// should be shared rather than created per call. Free it once, after every call on it has
/// returned, with grantex_client_free().
pub struct grantex_client {
    pub(crate) inner: blocking::Client,
    base_url: CString,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_client>();
};

/// Runs `operation` with the input `input` builds from the C arguments (after the client and
/// `out` are checked) and hands the result over as a response handle.
///
/// # Safety
/// `client` is NULL or a live client; `out` NULL or writable.
unsafe fn respond(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
    operation: &str,
    input: impl FnOnce() -> Result<Value, Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let client = unsafe { handle(client, "client") }?;
        let out = Out::new(out, "out")?;
        let value = call::run(client, operation, input()?)?;
        out.write(into_handle(grantex_response::from_value(value)?));
        Ok(())
    })
}

/// Runs an operation without a result body.
///
/// # Safety
/// `client` is NULL or a live client.
unsafe fn unit(
    client: *const grantex_client,
    operation: &str,
    input: impl FnOnce() -> Result<Value, Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let client = unsafe { handle(client, "client") }?;
        call::run(client, operation, input()?)?;
        Ok(())
    })
}

/// The wire name of the one id member `operation` takes (its path parameter, else its one
/// string member), from the catalog.
fn id_member(operation: &str) -> Result<&'static str, Failure> {
    let op = catalog::find(operation)
        .ok_or_else(|| Failure::invalid(format!("unknown operation {operation:?}")))?;
    let strings = match op.input {
        Input::Strings(params) => params,
        _ => &[],
    };
    op.path_params
        .iter()
        .chain(strings)
        .map(|p| p.wire)
        .next()
        .ok_or_else(|| Failure::invalid(format!("{operation} takes no id")))
}

/// `{"<id member>": id}` from a string argument named `arg`.
///
/// # Safety
/// `id` is NULL or NUL-terminated.
unsafe fn id_members(
    operation: &str,
    id: *const c_char,
    arg: &str,
) -> Result<Map<String, Value>, Failure> {
    // SAFETY: per the caller's contract.
    let id = unsafe { str_arg(id, arg) }?;
    let mut map = Map::new();
    map.insert(
        id_member(operation)?.to_owned(),
        Value::String(id.to_owned()),
    );
    Ok(map)
}

/// [`id_members`] as the input value.
///
/// # Safety
/// As [`id_members`].
unsafe fn id_input(operation: &str, id: *const c_char, arg: &str) -> Result<Value, Failure> {
    // SAFETY: per the caller's contract.
    unsafe { id_members(operation, id, arg) }.map(Value::Object)
}

/// The members of a params bag (a copy); NULL is refused when `required`, else means none.
///
/// # Safety
/// `params` is NULL or a live bag not mutated during the call.
unsafe fn bag_members(
    params: *const grantex_params,
    required: bool,
) -> Result<Option<Map<String, Value>>, Failure> {
    // SAFETY: per the caller's contract.
    match unsafe { params.as_ref() } {
        Some(bag) => Ok(Some(bag.members.clone())),
        None if required => Err(Failure::invalid("params is NULL")),
        None => Ok(None),
    }
}

/// [`bag_members`] as the input value (`null`, i.e. `{}`, for an optional NULL bag).
///
/// # Safety
/// As [`bag_members`].
unsafe fn bag_input(params: *const grantex_params, required: bool) -> Result<Value, Failure> {
    // SAFETY: per the caller's contract.
    Ok(unsafe { bag_members(params, required) }?.map_or(Value::Null, Value::Object))
}

/// grantex_client_new()'s `timeout_ms` for the default timeout (30 s): C has no "absent".
pub const GRANTEX_DEFAULT_TIMEOUT: u64 = 0;

/// grantex_client_new()'s `max_retries` for the default number of retries (3).
pub const GRANTEX_DEFAULT_RETRIES: i32 = -1;

/// Creates a client.
///
/// - `api_key`: NULL reads the environment variable `GRANTEX_API_KEY`; absent or empty is
///   `GRANTEX_CONFIG`.
/// - `base_url`: NULL reads `GRANTEX_BASE_URL`, else `https://api.grantex.dev`; must be an
///   http(s) URL (else `GRANTEX_CONFIG`).
/// - `timeout_ms`: per-attempt timeout in milliseconds, at most one day;
///   `GRANTEX_DEFAULT_TIMEOUT` (0) means the default (30 s).
/// - `max_retries`: retries for 429/502/503/504, connection errors and timeouts, 0 to 100 (0
///   disables them); `GRANTEX_DEFAULT_RETRIES` (-1) means the default (3).
///
/// Apart from the two "default" values, the rules are the core's, as in Python and Node: an
/// out-of-range timeout or retry count is `GRANTEX_INVALID_ARGUMENT`.
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
            timeout: match timeout_ms {
                GRANTEX_DEFAULT_TIMEOUT => None,
                ms => Some(ClientConfig::timeout_from_millis(ms as f64)?),
            },
            max_retries: match max_retries {
                GRANTEX_DEFAULT_RETRIES => None,
                n => Some(ClientConfig::max_retries_from(f64::from(n))?),
            },
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
/// `GRANTEX_BASE_URL`, then the default. Members and response: `GRANTEX_OP_SIGNUP`
/// (grantex_operations.h); the same as grantex_call_unauthenticated() with it.
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
        let (base_url, input) =
            unsafe { (opt_str_arg(base_url, "base_url")?, bag_input(params, true)?) };
        let out = Out::new(out, "out")?;
        let value = call::run_unauthenticated(base_url, "signup", input)?;
        out.write(into_handle(grantex_response::from_value(value)?));
        Ok(())
    })
}

/// `GET /v1/me`: the calling developer account (`GRANTEX_OP_ME`).
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_me(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, "me", || Ok(Value::Null)) }
}

/// `POST /v1/keys/rotate`: replaces the API key (response `apiKey`, `rotatedAt`). The old key
/// stops working at once: create a new client with the returned key. Never retried.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_rotate_key(
    client: *const grantex_client,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, "rotate_key", || Ok(Value::Null)) }
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
    unsafe { respond(client, out, "health", || Ok(Value::Null)) }
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
    unsafe { respond(client, out, "jwks", || Ok(Value::Null)) }
}

/// `POST /v1/authorize`: starts an authorization request. Params (`GRANTEX_OP_AUTHORIZE`):
/// `agentId`, `principalId` (alias `userId`), `scopes` (required); `expiresIn`,
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
    unsafe { respond(client, out, "authorize", || bag_input(params, true)) }
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
        respond(client, out, "consent.get", || {
            id_input("consent.get", auth_request_id, "auth_request_id")
        })
    }
}

/// `POST /v1/consent/:id/approve`: the human approves (what the consent page's button does).
/// Response: `code` (for grantex_tokens_exchange), `redirectUri`, `state`.
///
/// # Safety
/// `client` NULL or live; `auth_request_id` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_consent_approve(
    client: *const grantex_client,
    auth_request_id: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, "consent.approve", || {
            id_input("consent.approve", auth_request_id, "auth_request_id")
        })
    }
}

/// `POST /v1/consent/:id/deny`: the human refuses. Response: `redirectUri`, `state`.
///
/// # Safety
/// `client` NULL or live; `auth_request_id` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_consent_deny(
    client: *const grantex_client,
    auth_request_id: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        respond(client, out, "consent.deny", || {
            id_input("consent.deny", auth_request_id, "auth_request_id")
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
    unsafe { respond(client, out, "tokens.exchange", || bag_input(params, true)) }
}

/// `POST /v1/token/refresh`: rotates a refresh token. Params: `refreshToken`, `agentId`
/// (required), `idempotencyKey` (sent as the `Idempotency-Key` header; one is generated when
/// absent and kept across retries). Response as grantex_tokens_exchange().
///
/// # Safety
/// `client` NULL or live; `params` NULL or a live bag; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_tokens_refresh(
    client: *const grantex_client,
    params: *const grantex_params,
    out: *mut *mut grantex_response,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { respond(client, out, "tokens.refresh", || bag_input(params, true)) }
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
        respond(client, out, "tokens.verify", || {
            id_input("tokens.verify", token, "token")
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
        unit(client, "tokens.revoke", || {
            id_input("tokens.revoke", jti, "jti")
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
        respond(client, out, "grants.get", || {
            id_input("grants.get", grant_id, "grant_id")
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
    unsafe { respond(client, out, "grants.list", || bag_input(params, false)) }
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
        unit(client, "grants.revoke", || {
            id_input("grants.revoke", grant_id, "grant_id")
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
    unsafe { respond(client, out, "grants.delegate", || bag_input(params, true)) }
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
        // The typed method: the result is a handle of the core's VerifiedGrant, not JSON.
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
    unsafe { respond(client, out, "agents.register", || bag_input(params, true)) }
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
        respond(client, out, "agents.get", || {
            id_input("agents.get", agent_id, "agent_id")
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
    unsafe { respond(client, out, "agents.list", || Ok(Value::Null)) }
}

/// `PATCH /v1/agents/:id`: only the members given are changed. Params: `name`,
/// `description`, `scopes`, `status` (`agentId` is the `agent_id` argument).
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
        respond(client, out, "agents.update", || {
            let mut input = id_members("agents.update", agent_id, "agent_id")?;
            let members = bag_members(params, true)?.unwrap_or_default();
            for (key, value) in members {
                if input.contains_key(&key) {
                    return Err(Failure::invalid(format!(
                        "params: `{key}` is the agent_id argument, not a member"
                    )));
                }
                input.insert(key, value);
            }
            Ok(Value::Object(input))
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
        unit(client, "agents.delete", || {
            id_input("agents.delete", agent_id, "agent_id")
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
    unsafe { respond(client, out, "audit.log", || bag_input(params, true)) }
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
    unsafe { respond(client, out, "audit.list", || bag_input(params, false)) }
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
        respond(client, out, "audit.get", || {
            id_input("audit.get", entry_id, "entry_id")
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
        respond(client, out, "principal_sessions.create", || {
            bag_input(params, true)
        })
    }
}
