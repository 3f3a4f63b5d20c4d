//! Webhook signature checks, exactly as the core does them (`grantex::webhook`).

use crate::ffi::{bytes_arg, guard, owned_string, str_arg, Out};
use crate::result::grantex_result;
use grantex_core::webhook;
use std::ffi::c_char;

/// Default replay window for grantex_webhook_verify(), in seconds (the core's default).
#[allow(dead_code)] // exported to C through the header only
pub const GRANTEX_WEBHOOK_DEFAULT_TOLERANCE_SECS: u64 = 300;

/// Checks a webhook delivery (V2): `signature` is the `X-Grantex-Signature-V2` header
/// (`sha256=<hex>`), `timestamp` the `X-Grantex-Timestamp` header, `payload` the raw body
/// (`payload_len` bytes; NULL only with length 0). `*out_valid` is true when the MAC matches
/// and the timestamp is within `tolerance_secs` of the system clock. Malformed headers give
/// `GRANTEX_OK` with `*out_valid = false`; only NULL/non-UTF-8 arguments are errors.
///
/// # Safety
/// `payload` readable for `payload_len` bytes (or NULL with 0); strings NULL or
/// NUL-terminated; `out_valid` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_webhook_verify(
    payload: *const u8,
    payload_len: usize,
    signature: *const c_char,
    timestamp: *const c_char,
    secret: *const c_char,
    tolerance_secs: u64,
    out_valid: *mut bool,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (payload, signature, timestamp, secret) = unsafe {
            (
                bytes_arg(payload, payload_len, "payload")?,
                str_arg(signature, "signature")?,
                str_arg(timestamp, "timestamp")?,
                str_arg(secret, "secret")?,
            )
        };
        let out = Out::new(out_valid, "out_valid")?;
        out.write(webhook::verify_webhook(
            payload,
            signature,
            timestamp,
            secret,
            tolerance_secs,
        ));
        Ok(())
    })
}

/// grantex_webhook_verify() with an explicit clock (`now`, Unix seconds), for tests.
///
/// # Safety
/// As grantex_webhook_verify().
#[no_mangle]
pub unsafe extern "C" fn grantex_webhook_verify_at(
    payload: *const u8,
    payload_len: usize,
    signature: *const c_char,
    timestamp: *const c_char,
    secret: *const c_char,
    tolerance_secs: u64,
    now: i64,
    out_valid: *mut bool,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (payload, signature, timestamp, secret) = unsafe {
            (
                bytes_arg(payload, payload_len, "payload")?,
                str_arg(signature, "signature")?,
                str_arg(timestamp, "timestamp")?,
                str_arg(secret, "secret")?,
            )
        };
        let out = Out::new(out_valid, "out_valid")?;
        out.write(webhook::verify_webhook_at(
            payload,
            signature,
            timestamp,
            secret,
            tolerance_secs,
            now,
        ));
        Ok(())
    })
}

/// Deprecated legacy (V1) check of the `X-Grantex-Signature` header (MAC of the body alone,
/// replayable forever). Prefer grantex_webhook_verify().
///
/// # Safety
/// `payload` readable for `payload_len` bytes (or NULL with 0); strings NULL or
/// NUL-terminated; `out_valid` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_webhook_verify_signature_v1(
    payload: *const u8,
    payload_len: usize,
    signature: *const c_char,
    secret: *const c_char,
    out_valid: *mut bool,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (payload, signature, secret) = unsafe {
            (
                bytes_arg(payload, payload_len, "payload")?,
                str_arg(signature, "signature")?,
                str_arg(secret, "secret")?,
            )
        };
        let out = Out::new(out_valid, "out_valid")?;
        out.write(webhook::verify_webhook_signature(
            payload, signature, secret,
        ));
        Ok(())
    })
}

/// The V2 signature header value (`sha256=<hex>` of `"<timestamp>.<payload>"`) a server sends
/// for `payload` at `timestamp`; a new string the caller frees with grantex_string_free().
/// For testing receivers.
///
/// # Safety
/// `payload` readable for `payload_len` bytes (or NULL with 0); `secret` NULL or
/// NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_webhook_sign(
    payload: *const u8,
    payload_len: usize,
    secret: *const c_char,
    timestamp: u64,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (payload, secret) = unsafe {
            (
                bytes_arg(payload, payload_len, "payload")?,
                str_arg(secret, "secret")?,
            )
        };
        let out = Out::new(out, "out")?;
        out.write(owned_string(
            webhook::sign_webhook(payload, secret, timestamp),
            "signature",
        )?);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_tolerance_is_the_core_default() {
        assert_eq!(
            super::GRANTEX_WEBHOOK_DEFAULT_TOLERANCE_SECS,
            grantex_core::webhook::DEFAULT_TOLERANCE_SECS
        );
    }
}
