//! The thread-local "last error": details of the most recent failed call on this thread.
//! Every fallible export clears it on entry and sets it on failure; the getters here read it
//! without changing it, so a C caller can fetch several details in any order.

use crate::ffi::{owned_string, Failure, Out};
use crate::result::grantex_result::{self, *};
use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static LAST: RefCell<Option<Failure>> = const { RefCell::new(None) };
}

pub(crate) fn clear() {
    LAST.with(|last| last.borrow_mut().take());
}

pub(crate) fn set(failure: Failure) {
    LAST.with(|last| *last.borrow_mut() = Some(failure));
}

/// Runs a getter: catches panics but never records anything as the last error.
fn read(body: impl FnOnce(Option<&Failure>) -> grantex_result) -> grantex_result {
    catch_unwind(AssertUnwindSafe(|| {
        LAST.with(|last| match last.try_borrow() {
            Ok(last) => body(last.as_ref()),
            Err(_) => GRANTEX_PANIC,
        })
    }))
    .unwrap_or(GRANTEX_PANIC)
}

/// Copies `text` into `buf` (NUL-terminated, truncated at a UTF-8 boundary when too small) and
/// stores its full length in `out_len` (when not NULL).
///
/// # Safety
/// `buf` is NULL (only with `buf_len` 0) or writable for `buf_len` bytes; `out_len` NULL or
/// writable.
unsafe fn copy_out(
    text: &str,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> grantex_result {
    if buf.is_null() && buf_len != 0 {
        return GRANTEX_INVALID_ARGUMENT;
    }
    if !out_len.is_null() {
        // SAFETY: writable per the contract.
        unsafe { out_len.write(text.len()) };
    }
    if buf_len == 0 {
        // Not even room for the terminator.
        return GRANTEX_BUFFER_TOO_SMALL;
    }
    let mut n = text.len().min(buf_len - 1);
    while !text.is_char_boundary(n) {
        n -= 1;
    }
    // SAFETY: `buf` holds `buf_len > n` bytes; the source is `n` initialised bytes and the
    // regions cannot overlap (one is Rust-owned).
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        buf.add(n).write(0);
    }
    if n == text.len() {
        GRANTEX_OK
    } else {
        GRANTEX_BUFFER_TOO_SMALL
    }
}

/// The code of the last failed call on this thread, or `GRANTEX_OK` when the most recent
/// call succeeded (or none failed yet). Does not change the last error.
#[no_mangle]
pub extern "C" fn grantex_last_error_code() -> grantex_result {
    read(|last| last.map_or(GRANTEX_OK, |f| f.code))
}

/// Copies the last error's message (UTF-8, never containing a token or API key) into `buf`
/// of `buf_len` bytes, always NUL-terminated when `buf_len > 0`. `*out_len` (if `out_len` is
/// not NULL) receives the full message length in bytes, without the terminator.
///
/// Returns `GRANTEX_OK` when the whole message fit, `GRANTEX_BUFFER_TOO_SMALL` when it was
/// truncated (the truncated text and `*out_len` are still written: call again with
/// `*out_len + 1` bytes), `GRANTEX_NOT_FOUND` when there is no last error (nothing written),
/// `GRANTEX_INVALID_ARGUMENT` when `buf` is NULL with a non-zero `buf_len`. Pass `buf = NULL,
/// buf_len = 0` to query the length. Does not change the last error.
///
/// # Safety
/// `buf` is writable for `buf_len` bytes; `out_len` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_last_error_message(
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> grantex_result {
    read(|last| match last {
        // SAFETY: forwarded contract.
        Some(f) => unsafe { copy_out(&f.message, buf, buf_len, out_len) },
        None => GRANTEX_NOT_FOUND,
    })
}

/// The last error's message as a new string the caller frees with grantex_string_free().
/// `GRANTEX_NOT_FOUND` when there is no last error. Does not change the last error.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_last_error_string(out: *mut *mut c_char) -> grantex_result {
    read(|last| {
        let Ok(out) = Out::new(out, "out") else {
            return GRANTEX_INVALID_ARGUMENT;
        };
        let Some(f) = last else {
            return GRANTEX_NOT_FOUND;
        };
        match owned_string(f.message.as_str(), "message") {
            Ok(s) => {
                out.write(s);
                GRANTEX_OK
            }
            Err(e) => e.code,
        }
    })
}

/// HTTP status of the last failure (API, auth and decode errors). `GRANTEX_NOT_FOUND` when the
/// last failure had no HTTP response (or there is none). Does not change the last error.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_last_error_http_status(out: *mut u16) -> grantex_result {
    read(|last| {
        let Ok(out) = Out::new(out, "out") else {
            return GRANTEX_INVALID_ARGUMENT;
        };
        match last.and_then(|f| f.http_status) {
            Some(status) => {
                out.write(status);
                GRANTEX_OK
            }
            None => GRANTEX_NOT_FOUND,
        }
    })
}

/// The server's string error code of the last API/auth failure (e.g. `"NOT_FOUND"`,
/// `"UNAUTHORIZED"`), copied like grantex_last_error_message(). `GRANTEX_NOT_FOUND` when
/// absent. Does not change the last error.
///
/// # Safety
/// As grantex_last_error_message().
#[no_mangle]
pub unsafe extern "C" fn grantex_last_error_api_code(
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> grantex_result {
    read(|last| match last.and_then(|f| f.api_code.as_deref()) {
        // SAFETY: forwarded contract.
        Some(code) => unsafe { copy_out(code, buf, buf_len, out_len) },
        None => GRANTEX_NOT_FOUND,
    })
}

/// The request id (`x-request-id`) of the last API/auth/decode failure, copied like
/// grantex_last_error_message(). `GRANTEX_NOT_FOUND` when absent. Does not change the last
/// error.
///
/// # Safety
/// As grantex_last_error_message().
#[no_mangle]
pub unsafe extern "C" fn grantex_last_error_request_id(
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> grantex_result {
    read(|last| match last.and_then(|f| f.request_id.as_deref()) {
        // SAFETY: forwarded contract.
        Some(id) => unsafe { copy_out(id, buf, buf_len, out_len) },
        None => GRANTEX_NOT_FOUND,
    })
}

/// The response body of the last API/auth failure as JSON text (the parsed body, or the body
/// text as a JSON string, or `null` when empty), as a new string the caller frees with
/// grantex_string_free(). `GRANTEX_NOT_FOUND` when the last failure had no response body.
/// Does not change the last error.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_last_error_body(out: *mut *mut c_char) -> grantex_result {
    read(|last| {
        let Ok(out) = Out::new(out, "out") else {
            return GRANTEX_INVALID_ARGUMENT;
        };
        let Some(body) = last.and_then(|f| f.body.as_deref()) else {
            return GRANTEX_NOT_FOUND;
        };
        match owned_string(body.to_string(), "response body") {
            Ok(s) => {
                out.write(s);
                GRANTEX_OK
            }
            Err(e) => e.code,
        }
    })
}

/// The rate-limit headers of the last API/auth failure's response (a 429 carries
/// `Retry-After` too). `GRANTEX_NOT_FOUND` when the last failure had no response or its
/// response no complete `X-RateLimit-*` set (`*out` untouched). Does not change the last
/// error.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_last_error_rate_limit(
    out: *mut crate::rate_limit::grantex_rate_limit,
) -> grantex_result {
    read(|last| {
        let Ok(out) = Out::new(out, "out") else {
            return GRANTEX_INVALID_ARGUMENT;
        };
        match last.and_then(|f| f.rate_limit.as_deref()) {
            Some(rl) => {
                out.write((*rl).into());
                GRANTEX_OK
            }
            None => GRANTEX_NOT_FOUND,
        }
    })
}

/// Forgets the last error of this thread (grantex_last_error_code() then returns GRANTEX_OK).
#[no_mangle]
pub extern "C" fn grantex_last_error_clear() {
    crate::ffi::guard_free(clear);
}
