//! The generic entry points: any operation of the core's catalog by name, JSON in and JSON out.
//! The operation names are the `GRANTEX_OP_*` constants of `grantex_operations.h` (generated
//! from the catalog by tools/codegen), which also documents each operation's members. Input
//! checks, the request and the decoding are the core's (`grantex::Client::call`); this module
//! only converts C strings to JSON values and back.

use crate::client::grantex_client;
use crate::ffi::{guard, handle, opt_str_arg, owned_string, str_arg, Failure, Out};
use crate::result::grantex_result;
use grantex_core::blocking;
use grantex_core::catalog::{self, Auth};
use serde_json::Value;
use std::ffi::c_char;

/// `json_in` as the input value: NULL or `""` is `{}` (sent as `null`, which the core reads as
/// an empty object); anything else must be JSON text.
///
/// # Safety
/// `json_in` is NULL or NUL-terminated.
unsafe fn input(json_in: *const c_char) -> Result<Value, Failure> {
    // SAFETY: per the caller's contract.
    match unsafe { opt_str_arg(json_in, "json_in") }? {
        None | Some("") => Ok(Value::Null),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| Failure::invalid(format!("json_in is not valid JSON: {e}"))),
    }
}

/// Runs `operation` on `client` with an input value; the core's typed result as JSON (`null`
/// for no content). Shared by grantex_client_call() and the typed functions of client.rs.
pub(crate) fn run(
    client: &grantex_client,
    operation: &str,
    input: Value,
) -> Result<Value, Failure> {
    client.inner.call(operation, input).map_err(|e| {
        let failure = Failure::from(e);
        match catalog::find(operation) {
            // The core only knows it is not an API-key operation; say where it belongs.
            Some(op) if op.auth == Auth::None => Failure::invalid(format!(
                "{operation:?} needs no API key: run it with grantex_call_unauthenticated()"
            )),
            _ => failure,
        }
    })
}

/// Runs the operation called `operation` (a `GRANTEX_OP_*` constant of grantex_operations.h,
/// e.g. `GRANTEX_OP_AGENTS_GET`, i.e. `"agents.get"`) with the members of the JSON object
/// `json_in`: its path parameters and body or query members under their wire (camelCase)
/// names, e.g. `{"agentId":"ag_..."}`. NULL or `""` means `{}`.
///
/// On success `*json_out` receives the result as a new NUL-terminated JSON text (`null` for
/// operations without content), which the caller frees with grantex_string_free().
///
/// Errors: invalid JSON, an input that is not an object, an unknown operation, a member the
/// operation does not know, a missing required member or a value of the wrong JSON type is
/// `GRANTEX_INVALID_ARGUMENT` (the last-error message names the problem) and nothing is sent;
/// server answers are `GRANTEX_API` / `GRANTEX_AUTH` with the HTTP status, server code, request
/// id and body in the last error, as for every other call. Blocks like every client call.
///
/// # Safety
/// `client` NULL or live; `operation` and `json_in` NULL or NUL-terminated; `json_out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_client_call(
    client: *const grantex_client,
    operation: *const c_char,
    json_in: *const c_char,
    json_out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (client, operation, input) = unsafe {
            (
                handle(client, "client")?,
                str_arg(operation, "operation")?,
                input(json_in)?,
            )
        };
        let out = Out::new(json_out, "json_out")?;
        let result = run(client, operation, input)?;
        out.write(owned_string(result.to_string(), "result JSON")?);
        Ok(())
    })
}

/// grantex_client_call() for the operations that need no API key (`GRANTEX_OP_SIGNUP`).
/// `base_url` NULL reads `GRANTEX_BASE_URL`, else `https://api.grantex.dev` (a bad URL is
/// `GRANTEX_CONFIG`). An operation that needs an API key is `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `base_url`, `operation` and `json_in` NULL or NUL-terminated; `json_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_call_unauthenticated(
    base_url: *const c_char,
    operation: *const c_char,
    json_in: *const c_char,
    json_out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (base_url, operation, input) = unsafe {
            (
                opt_str_arg(base_url, "base_url")?,
                str_arg(operation, "operation")?,
                input(json_in)?,
            )
        };
        let out = Out::new(json_out, "json_out")?;
        let result = run_unauthenticated(base_url, operation, input)?;
        out.write(owned_string(result.to_string(), "result JSON")?);
        Ok(())
    })
}

/// The unauthenticated twin of [`run`].
pub(crate) fn run_unauthenticated(
    base_url: Option<&str>,
    operation: &str,
    input: Value,
) -> Result<Value, Failure> {
    Ok(blocking::Client::call_unauthenticated(
        base_url, operation, input,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::grantex_result::*;
    use std::ffi::{CStr, CString};
    use std::ptr;

    fn message() -> String {
        let mut out: *mut c_char = ptr::null_mut();
        // SAFETY: valid out-pointer; the string is freed below.
        let rc = unsafe { crate::last_error::grantex_last_error_string(&mut out) };
        assert_eq!(rc, GRANTEX_OK);
        // SAFETY: returned by the call above.
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        // SAFETY: owned by us.
        unsafe { crate::ffi::grantex_string_free(out) };
        text
    }

    /// A client pointing at a port nothing listens on: every check here fails before sending.
    fn client() -> *mut grantex_client {
        let mut client = ptr::null_mut();
        // SAFETY: valid strings and out-pointer.
        let rc = unsafe {
            crate::client::grantex_client_new(
                c"gx_test_x".as_ptr(),
                c"http://127.0.0.1:9".as_ptr(),
                500,
                0,
                &mut client,
            )
        };
        assert_eq!(rc, GRANTEX_OK);
        client
    }

    fn call(client: *const grantex_client, op: &str, json: Option<&str>) -> grantex_result {
        let op = CString::new(op).unwrap();
        let json = json.map(|j| CString::new(j).unwrap());
        let mut out: *mut c_char = ptr::dangling_mut::<c_char>();
        // SAFETY: valid arguments; `out` is checked to stay untouched on failure.
        let rc = unsafe {
            grantex_client_call(
                client,
                op.as_ptr(),
                json.as_ref().map_or(ptr::null(), |j| j.as_ptr()),
                &mut out,
            )
        };
        assert_eq!(out, ptr::dangling_mut::<c_char>(), "out written on failure");
        rc
    }

    #[test]
    fn bad_input_is_refused_before_sending() {
        let c = client();
        assert_eq!(call(c, "agents.nope", None), GRANTEX_INVALID_ARGUMENT);
        assert!(message().contains("agents.nope"), "{}", message());
        assert_eq!(call(c, "me", Some("{")), GRANTEX_INVALID_ARGUMENT);
        assert!(message().contains("json_in is not valid JSON"));
        assert_eq!(call(c, "me", Some("[1]")), GRANTEX_INVALID_ARGUMENT);
        assert!(message().contains("must be a JSON object"), "{}", message());
        assert_eq!(call(c, "agents.get", Some("{}")), GRANTEX_INVALID_ARGUMENT);
        assert!(message().contains("agentId"), "{}", message());
        assert_eq!(
            call(c, "agents.register", Some(r#"{"name":"a","nmae":"b"}"#)),
            GRANTEX_INVALID_ARGUMENT
        );
        assert!(message().contains("nmae"), "{}", message());
        assert_eq!(call(c, "signup", Some("{}")), GRANTEX_INVALID_ARGUMENT);
        assert!(
            message().contains("grantex_call_unauthenticated"),
            "{}",
            message()
        );
        // The network is reached only with a valid input: connection refused.
        assert_eq!(call(c, "me", Some("")), GRANTEX_NETWORK);
        // SAFETY: ours, freed once.
        unsafe { crate::client::grantex_client_free(c) };
    }

    #[test]
    fn null_arguments() {
        let c = client();
        let mut out: *mut c_char = ptr::null_mut();
        // SAFETY: NULLs are the point; the rest is valid.
        unsafe {
            assert_eq!(
                grantex_client_call(ptr::null(), c"me".as_ptr(), ptr::null(), &mut out),
                GRANTEX_INVALID_ARGUMENT
            );
            assert_eq!(
                grantex_client_call(c, ptr::null(), ptr::null(), &mut out),
                GRANTEX_INVALID_ARGUMENT
            );
            assert!(message().contains("operation is NULL"));
            assert_eq!(
                grantex_client_call(c, c"me".as_ptr(), ptr::null(), ptr::null_mut()),
                GRANTEX_INVALID_ARGUMENT
            );
            assert!(message().contains("json_out is NULL"));
            assert_eq!(
                grantex_call_unauthenticated(ptr::null(), c"me".as_ptr(), ptr::null(), &mut out),
                GRANTEX_INVALID_ARGUMENT
            );
            assert!(message().contains("without an API key"), "{}", message());
            crate::client::grantex_client_free(c);
        }
        assert!(out.is_null());
    }
}
