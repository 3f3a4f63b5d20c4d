//! The API boundary: the panic guard every export runs inside, the failure type it records
//! as the thread's last error, and the pointer/string conversions shared by all exports.

use crate::last_error;
use crate::result::{error_result, grantex_result};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Why a call failed: the code it returns plus the details kept as the thread's last error.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: grantex_result,
    pub(crate) message: String,
    pub(crate) http_status: Option<u16>,
    pub(crate) api_code: Option<String>,
    pub(crate) request_id: Option<String>,
    /// Boxed, like `rate_limit`, to keep `Result<_, Failure>` small.
    pub(crate) body: Option<Box<serde_json::Value>>,
    /// The rate-limit headers of the failing response (API and auth errors); boxed to keep
    /// `Result<_, Failure>` small.
    pub(crate) rate_limit: Option<Box<grantex_core::RateLimit>>,
}

impl Failure {
    pub(crate) fn new(code: grantex_result, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            http_status: None,
            api_code: None,
            request_id: None,
            body: None,
            rate_limit: None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(grantex_result::GRANTEX_INVALID_ARGUMENT, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Failure {
        Failure::new(grantex_result::GRANTEX_NOT_FOUND, message)
    }
}

impl From<grantex_core::Error> for Failure {
    fn from(error: grantex_core::Error) -> Failure {
        let mut failure = Failure::new(error_result(&error), error.to_string());
        match &error {
            grantex_core::Error::Api(api) => {
                failure.http_status = Some(api.status);
                failure.api_code = api.code.clone();
                failure.request_id = api.request_id.clone();
                failure.body = Some(Box::new(api.body.clone()));
                failure.rate_limit = api.rate_limit.map(Box::new);
            }
            grantex_core::Error::Decode {
                status, request_id, ..
            } => {
                failure.http_status = Some(*status);
                failure.request_id = request_id.clone();
            }
            _ => {}
        }
        failure
    }
}

/// Runs an export's body: clears the thread's last error, catches panics, and records a
/// failure as the new last error. Output pointers are written by `body` only on success.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> grantex_result {
    last_error::clear();
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic payload".to_string());
        // The payload is dropped inside a second guard: a panicking Drop must not unwind into C.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(panic)));
        Err(Failure::new(
            grantex_result::GRANTEX_PANIC,
            format!("internal error (panic) in libgrantex: {what}"),
        ))
    });
    match outcome {
        Ok(()) => grantex_result::GRANTEX_OK,
        Err(failure) => {
            let code = failure.code;
            last_error::set(failure);
            code
        }
    }
}

/// Runs a `_free` body: panics are swallowed (there is nowhere to report them) and the last
/// error is left untouched.
pub(crate) fn guard_free(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for the call.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::invalid(format!("{what} is NULL")));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes
        .to_str()
        .map_err(|_| Failure::invalid(format!("{what} is not valid UTF-8")))
}

/// An optional string argument: NULL means "not given".
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    ptr: *const c_char,
    what: &str,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        Ok(None)
    } else {
        // SAFETY: forwarded contract.
        unsafe { str_arg(ptr, what) }.map(Some)
    }
}

/// A byte buffer argument; NULL is accepted only with length 0.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes valid for the call.
pub(crate) unsafe fn bytes_arg<'a>(
    ptr: *const u8,
    len: usize,
    what: &str,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Failure::invalid(format!(
            "{what} is NULL with length {len}"
        )));
    }
    // SAFETY: `len` readable bytes per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A shared reference to a handle argument.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` returned by this library.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, Failure> {
    // SAFETY: live handle per the caller's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::invalid(format!("{what} is NULL")))
}

/// A mutable reference to a handle argument.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` not used concurrently elsewhere.
pub(crate) unsafe fn handle_mut<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: live, exclusively used handle per the caller's contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| Failure::invalid(format!("{what} is NULL")))
}

/// An output pointer, checked before any work is done so a NULL `out` fails fast.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// `out` must be NULL or point to writable storage for a `T`.
    pub(crate) fn new(ptr: *mut T, what: &str) -> Result<Out<T>, Failure> {
        if ptr.is_null() {
            Err(Failure::invalid(format!("{what} is NULL")))
        } else {
            Ok(Out(ptr))
        }
    }

    /// Writes the result; called last, only on success.
    pub(crate) fn write(self, value: T) {
        // SAFETY: non-NULL and writable per `new`'s contract; `write` does not drop the
        // (possibly uninitialised) old value.
        unsafe { self.0.write(value) }
    }
}

/// Moves `value` to the heap and hands ownership to C.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back and drops a handle given to C by [`into_handle`]; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or came from `into_handle::<T>` and was not freed before.
pub(crate) unsafe fn free_handle<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: per the caller's contract, we own this allocation.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// A Rust string as a NUL-terminated C string; interior NUL bytes are refused.
pub(crate) fn c_string(text: impl Into<Vec<u8>>, what: &str) -> Result<CString, Failure> {
    CString::new(text).map_err(|_| {
        Failure::new(
            grantex_result::GRANTEX_DECODE,
            format!("{what} contains a NUL character and cannot be returned as a C string"),
        )
    })
}

/// An owned string for C, released with `grantex_string_free`.
pub(crate) fn owned_string(text: impl Into<Vec<u8>>, what: &str) -> Result<*mut c_char, Failure> {
    c_string(text, what).map(CString::into_raw)
}

/// Releases a string this library returned as `char *` (owned by the caller). NULL is a
/// no-op. Never pass a `const char *` borrowed from a handle, and never free twice.
///
/// # Safety
/// `s` is NULL or a `char *` returned by libgrantex and not freed before.
#[no_mangle]
pub unsafe extern "C" fn grantex_string_free(s: *mut c_char) {
    guard_free(|| {
        if !s.is_null() {
            // SAFETY: per the contract, `s` came from `CString::into_raw` here.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::grantex_result::*;

    #[test]
    fn guard_turns_a_panic_into_a_code_and_a_message() {
        let rc = guard(|| panic!("boom {}", 42));
        assert_eq!(rc, GRANTEX_PANIC);
        assert_eq!(crate::last_error::grantex_last_error_code(), GRANTEX_PANIC);
        let mut buf = [0 as c_char; 128];
        let mut len = 0usize;
        // SAFETY: valid buffer and length.
        let rc = unsafe {
            crate::last_error::grantex_last_error_message(buf.as_mut_ptr(), buf.len(), &mut len)
        };
        assert_eq!(rc, GRANTEX_OK);
        // SAFETY: NUL-terminated by the call.
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
        assert!(text.contains("boom 42"), "{text}");
        assert_eq!(guard(|| Ok(())), GRANTEX_OK);
        assert_eq!(crate::last_error::grantex_last_error_code(), GRANTEX_OK);
    }

    #[test]
    fn free_guard_swallows_panics() {
        guard_free(|| panic!("in a destructor"));
    }
}
