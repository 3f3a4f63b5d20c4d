//! `grantex_a2a_guard`: the receiving side of the A2A bridge. `Authorization` header value and
//! JSON-RPC method in; a verified grant or a rejection out (the core's `A2AGuard::check`, run
//! on the core's blocking runtime). Also the body peek a server does before the guard runs.

use crate::a2a_error::a2a_failure;
use crate::a2a_policy::grantex_a2a_policy;
use crate::a2a_rejection::grantex_a2a_rejection;
// `guard` is the C parameter name here, so the panic guard goes by `guarded`.
use crate::ffi::{
    bytes_arg, c_string, guard as guarded, guard_free, handle, into_handle, opt_str_arg,
    owned_string, Failure, Out,
};
use crate::grant::grantex_verified_grant;
use crate::result::grantex_result;
use grantex_core::a2a::{peek_request, A2AGuard};
use grantex_core::blocking;
use std::ffi::{c_char, CString};

/// Checks incoming A2A requests against a policy. Holds the issuer's key cache (shared
/// process-wide per JWKS URI) and, with online revocation, an API client and a small answer
/// cache.
///
/// Thread safety: fully thread-safe; share one guard between all request threads. Free it once,
/// after every check on it has returned, with grantex_a2a_guard_free().
pub struct grantex_a2a_guard {
    inner: A2AGuard,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_a2a_guard>();
};

/// A guard enforcing (a copy of) `policy`. Validates it: a static JWKS without an issuer, or an
/// online revocation check with an empty API key or a cache TTL above 300 s, is
/// `GRANTEX_CONFIG`; a revocation base URL that is not http(s) is `GRANTEX_INVALID_ARGUMENT`.
/// Nothing is fetched here; a remote key set is fetched on the first check.
///
/// # Safety
/// `policy` NULL or live and not being mutated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_guard_new(
    policy: *const grantex_a2a_policy,
    out: *mut *mut grantex_a2a_guard,
) -> grantex_result {
    guarded(|| {
        // SAFETY: per the function contract.
        let policy = unsafe { handle(policy, "policy") }?;
        let out = Out::new(out, "out")?;
        let inner = A2AGuard::new(policy.policy.clone()).map_err(a2a_failure)?;
        out.write(into_handle(grantex_a2a_guard { inner }));
        Ok(())
    })
}

/// Checks one request. `authorization` is the raw `Authorization` header value (NULL when the
/// request has none); `method` the JSON-RPC method (NULL or `""` when unknown: the default
/// scopes apply). Blocks while the key set or the revocation answer is fetched.
///
/// - Accepted: returns `GRANTEX_OK` and writes a new grantex_verified_grant to `*out_grant`
///   (`*out_rejection` untouched).
/// - Refused: returns `GRANTEX_A2A_REJECTED` and writes a new grantex_a2a_rejection to
///   `*out_rejection` (`*out_grant` untouched) — the one out-parameter written on a failure
///   code. It says what to answer: HTTP 401/403/503, the stable reason, the JSON-RPC error
///   body and the `WWW-Authenticate` value. The last error holds its message and HTTP status.
/// - Anything else (`GRANTEX_INVALID_ARGUMENT` for a NULL guard or out-parameter, or a header
///   or method that is not UTF-8) writes neither.
///
/// # Safety
/// `guard` NULL or live; `authorization`, `method` NULL or NUL-terminated; `out_grant`,
/// `out_rejection` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_guard_check(
    guard: *const grantex_a2a_guard,
    authorization: *const c_char,
    method: *const c_char,
    out_grant: *mut *mut grantex_verified_grant,
    out_rejection: *mut *mut grantex_a2a_rejection,
) -> grantex_result {
    guarded(|| {
        // SAFETY: per the function contract.
        let (checker, authorization, method) = unsafe {
            (
                handle(guard, "guard")?,
                opt_str_arg(authorization, "authorization")?,
                opt_str_arg(method, "method")?,
            )
        };
        let out_grant = Out::new(out_grant, "out_grant")?;
        let out_rejection = Out::new(out_rejection, "out_rejection")?;
        let checker = &checker.inner;
        let method = method.unwrap_or("");
        match blocking::block_on(checker.check(authorization, method)) {
            Ok(grant) => {
                out_grant.write(into_handle(grantex_verified_grant::new(grant)?));
                Ok(())
            }
            Err(rejection) => {
                let mut failure =
                    Failure::new(grantex_result::GRANTEX_A2A_REJECTED, rejection.to_string());
                failure.http_status = Some(rejection.status);
                out_rejection.write(into_handle(grantex_a2a_rejection::new(rejection)?));
                Err(failure)
            }
        }
    })
}

/// The issuer tokens must come from (the policy's, else derived from its JWKS URI), as a new
/// string freed with grantex_string_free().
///
/// # Safety
/// `guard` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_guard_issuer(
    guard: *const grantex_a2a_guard,
    out: *mut *mut c_char,
) -> grantex_result {
    guarded(|| {
        // SAFETY: per the function contract.
        let checker = unsafe { handle(guard, "guard") }?;
        let out = Out::new(out, "out")?;
        let issuer = checker
            .inner
            .issuer()
            .ok_or_else(|| Failure::not_found("the guard's policy names no issuer"))?;
        out.write(owned_string(issuer, "issuer")?);
        Ok(())
    })
}

/// Frees a guard. NULL is a no-op; never free twice, nor while a check on it is running.
///
/// # Safety
/// `guard` NULL or a live handle with no call in progress.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_guard_free(guard: *mut grantex_a2a_guard) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(guard) })
}

/// Reads what a server needs before the guard runs from a request body of `body_len` bytes
/// that may be anything: `*out_method` receives the JSON-RPC `method` when it is a string, and
/// `*out_id_json` the request `id` as JSON text (`7`, `"req-1"`) when it is a string or a
/// number — each a new string freed with grantex_string_free(), or NULL when absent (bad JSON
/// gives both NULL). Pass the id text to grantex_a2a_rejection_body(). A method holding a NUL
/// character is `GRANTEX_DECODE`.
///
/// # Safety
/// `body` NULL (only with `body_len` 0) or `body_len` readable bytes; `out_method`,
/// `out_id_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_peek_request(
    body: *const u8,
    body_len: usize,
    out_method: *mut *mut c_char,
    out_id_json: *mut *mut c_char,
) -> grantex_result {
    guarded(|| {
        // SAFETY: per the function contract.
        let body = unsafe { bytes_arg(body, body_len, "body") }?;
        let out_method = Out::new(out_method, "out_method")?;
        let out_id = Out::new(out_id_json, "out_id_json")?;
        let peeked = peek_request(body);
        let method = peeked.method.map(|m| c_string(m, "method")).transpose()?;
        let id = peeked
            .id
            .map(|id| c_string(id.to_string(), "id"))
            .transpose()?;
        let into_raw = |s: Option<CString>| s.map_or(std::ptr::null_mut(), CString::into_raw);
        out_method.write(into_raw(method));
        out_id.write(into_raw(id));
        Ok(())
    })
}
