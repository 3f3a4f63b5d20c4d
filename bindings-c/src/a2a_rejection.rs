//! `grantex_a2a_rejection`: why the A2A guard refused a request and what to answer (the core's
//! `A2ARejection`). Strings are converted once, when the handle is made, and borrowed by C.

use crate::ffi::{c_string, guard, guard_free, handle, opt_str_arg, owned_string, Failure, Out};
use crate::result::grantex_result;
use grantex_core::a2a::A2ARejection;
use serde_json::Value;
use std::ffi::{c_char, CString};

/// A refused A2A request: HTTP status (401 no usable or valid token, 403 valid token but not
/// allowed, 503 the token could not be checked), a stable reason (`missing_token`,
/// `invalid_authorization_header`, `delegation_not_allowed`, `revocation_unavailable`,
/// `verifier_unavailable`, or a token error string such as `expired`, `wrong_audience`,
/// `missing_scopes`, `delegation_too_deep`, `revoked`, `jwks_fetch`), a message (never
/// containing the token), the JSON-RPC error code and body, and the `WWW-Authenticate` value.
///
/// Thread safety: immutable; may be read from several threads at once. Free it once with
/// grantex_a2a_rejection_free(); strings borrowed from it die with it.
pub struct grantex_a2a_rejection {
    rejection: A2ARejection,
    reason: CString,
    message: CString,
    www_authenticate: Option<CString>,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_a2a_rejection>();
};

impl grantex_a2a_rejection {
    pub(crate) fn new(rejection: A2ARejection) -> Result<grantex_a2a_rejection, Failure> {
        Ok(grantex_a2a_rejection {
            reason: c_string(rejection.reason, "rejection reason")?,
            message: c_string(rejection.message.as_str(), "rejection message")?,
            www_authenticate: rejection
                .www_authenticate()
                .map(|v| c_string(v, "WWW-Authenticate value"))
                .transpose()?,
            rejection,
        })
    }
}

/// Reads one field of a rejection.
///
/// # Safety
/// `rejection` is NULL or a live handle; `out` NULL or writable.
unsafe fn field<T>(
    rejection: *const grantex_a2a_rejection,
    out: *mut T,
    read: impl FnOnce(&grantex_a2a_rejection) -> Result<T, Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let rejection = unsafe { handle(rejection, "rejection") }?;
        let out = Out::new(out, "out")?;
        out.write(read(rejection)?);
        Ok(())
    })
}

/// The HTTP status to answer with: 401, 403 or 503.
///
/// # Safety
/// `rejection` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_rejection_status(
    rejection: *const grantex_a2a_rejection,
    out: *mut u16,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(rejection, out, |r| Ok(r.rejection.status)) }
}

/// The stable reason string (also the JSON-RPC error's `data.reason`). Borrowed from
/// `rejection`; valid until it is freed.
///
/// # Safety
/// `rejection` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_rejection_reason(
    rejection: *const grantex_a2a_rejection,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(rejection, out, |r| Ok(r.reason.as_ptr())) }
}

/// The human-readable message (never contains the token). Borrowed from `rejection`; valid
/// until it is freed.
///
/// # Safety
/// `rejection` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_rejection_message(
    rejection: *const grantex_a2a_rejection,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(rejection, out, |r| Ok(r.message.as_ptr())) }
}

/// The JSON-RPC error code: -32001 (401), -32003 (403) or -32005 (503).
///
/// # Safety
/// `rejection` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_rejection_rpc_code(
    rejection: *const grantex_a2a_rejection,
    out: *mut i64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(rejection, out, |r| Ok(r.rejection.rpc_code())) }
}

/// The `WWW-Authenticate` header value to send with a 401 or 403 (RFC 6750, e.g.
/// `Bearer realm="grantex", error="invalid_token"`). `GRANTEX_NOT_FOUND` for a 503. Borrowed
/// from `rejection`; valid until it is freed.
///
/// # Safety
/// `rejection` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_rejection_www_authenticate(
    rejection: *const grantex_a2a_rejection,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        field(rejection, out, |r| match &r.www_authenticate {
            Some(value) => Ok(value.as_ptr()),
            None => Err(Failure::not_found(format!(
                "an HTTP {} rejection has no WWW-Authenticate value",
                r.rejection.status
            ))),
        })
    }
}

/// The whole JSON-RPC response body to send (`{"jsonrpc":"2.0","id":...,"error":{"code":...,
/// "message":...,"data":{"reason":...}}}`) for the request whose `id` is `id_json`: JSON text
/// of a string or number (as grantex_a2a_peek_request() gives it), or NULL / `null` when the id
/// is unknown. Any other JSON is `GRANTEX_INVALID_ARGUMENT`. A new string freed with
/// grantex_string_free().
///
/// # Safety
/// `rejection` is NULL or a live handle; `id_json` NULL or NUL-terminated; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_rejection_body(
    rejection: *const grantex_a2a_rejection,
    id_json: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (rejection, id_json) = unsafe {
            (
                handle(rejection, "rejection")?,
                opt_str_arg(id_json, "id_json")?,
            )
        };
        let out = Out::new(out, "out")?;
        let id = match id_json {
            None => Value::Null,
            Some(text) => serde_json::from_str::<Value>(text)
                .map_err(|e| Failure::invalid(format!("id_json is not valid JSON: {e}")))?,
        };
        if !(id.is_string() || id.is_number() || id.is_null()) {
            return Err(Failure::invalid(
                "id_json must be a JSON string, number or null (a JSON-RPC request id)",
            ));
        }
        let body = rejection.rejection.body(Some(&id));
        out.write(owned_string(body.to_string(), "JSON-RPC body")?);
        Ok(())
    })
}

/// Frees a rejection and every string borrowed from it. NULL is a no-op; never free twice.
///
/// # Safety
/// `rejection` is NULL or a live handle not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_rejection_free(rejection: *mut grantex_a2a_rejection) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(rejection) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn body(r: &grantex_a2a_rejection, id: Option<&CStr>) -> (grantex_result, Option<Value>) {
        let mut out: *mut c_char = std::ptr::null_mut();
        // SAFETY: live handle, NUL-terminated id, writable out.
        let rc = unsafe {
            grantex_a2a_rejection_body(r, id.map_or(std::ptr::null(), CStr::as_ptr), &mut out)
        };
        if out.is_null() {
            return (rc, None);
        }
        // SAFETY: a string this library returned.
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        // SAFETY: returned by the call above, freed once.
        unsafe { crate::ffi::grantex_string_free(out) };
        (rc, Some(serde_json::from_str(&text).unwrap()))
    }

    fn missing_token() -> grantex_a2a_rejection {
        let guard = grantex_core::a2a::A2AGuard::new(grantex_core::a2a::A2APolicy::new(
            grantex_core::a2a::JwksSource::Uri("http://127.0.0.1:9/jwks.json".into()),
        ))
        .unwrap();
        let rejection = grantex_core::blocking::block_on(guard.check(None, "")).unwrap_err();
        grantex_a2a_rejection::new(rejection).unwrap()
    }

    #[test]
    fn body_carries_the_request_id_and_refuses_other_json() {
        let r = missing_token();
        let (rc, b) = body(&r, Some(c"7"));
        assert_eq!(rc, grantex_result::GRANTEX_OK);
        let b = b.unwrap();
        assert_eq!(b["id"], 7);
        assert_eq!(b["error"]["code"], -32001);
        assert_eq!(b["error"]["data"]["reason"], "missing_token");
        assert_eq!(body(&r, Some(c"\"a\"")).1.unwrap()["id"], "a");
        assert_eq!(body(&r, None).1.unwrap()["id"], Value::Null);
        for bad in [c"{}", c"[1]", c"true", c"nope"] {
            let (rc, b) = body(&r, Some(bad));
            assert_eq!(rc, grantex_result::GRANTEX_INVALID_ARGUMENT, "{bad:?}");
            assert!(b.is_none());
        }
    }
}
