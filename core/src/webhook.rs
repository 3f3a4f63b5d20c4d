//! Webhook signatures as the server sends them.
//!
//! Each delivery carries `X-Grantex-Timestamp: <unix seconds>` and
//! `X-Grantex-Signature-V2: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
//! Binding the timestamp into the MAC is what stops replays; the legacy
//! `X-Grantex-Signature` (MAC of the body alone) is still checked by
//! [`verify_webhook_signature`] for old receivers.
//!
//! Every check returns `false` for any malformed input; none of them panics. Comparisons are
//! constant-time (the HMAC tag is compared with `aws_lc_rs::hmac::verify`).

use aws_lc_rs::hmac;
use std::time::{SystemTime, UNIX_EPOCH};

/// Default replay window of the reference SDKs, in seconds.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

const PREFIX: &str = "sha256=";

/// Check a V2 signature against the system clock: the MAC must match and the timestamp must
/// be within `tolerance_secs` of now, in either direction.
pub fn verify_webhook(
    payload: &[u8],
    signature: &str,
    timestamp: &str,
    secret: &str,
    tolerance_secs: u64,
) -> bool {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    verify_webhook_at(payload, signature, timestamp, secret, tolerance_secs, now)
}

/// [`verify_webhook`] with an explicit clock (`now` in unix seconds).
///
/// `timestamp` must be 1–15 ASCII digits. It is rejected when older than `tolerance_secs`
/// or more than `tolerance_secs` in the future.
pub fn verify_webhook_at(
    payload: &[u8],
    signature: &str,
    timestamp: &str,
    secret: &str,
    tolerance_secs: u64,
    now: i64,
) -> bool {
    if timestamp.is_empty()
        || timestamp.len() > 15
        || !timestamp.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    // 15 digits always fit in an i64.
    let Ok(ts) = timestamp.parse::<i64>() else {
        return false;
    };
    let age = i128::from(now) - i128::from(ts);
    if age.unsigned_abs() > u128::from(tolerance_secs) {
        return false;
    }
    verify_mac(&signed_content(payload, timestamp), signature, secret)
}

/// Legacy (v1) check: `sha256=<hex HMAC-SHA256(secret, body)>`.
///
/// Deprecated: without a timestamp a captured delivery can be replayed forever. Prefer
/// [`verify_webhook`].
pub fn verify_webhook_signature(payload: &[u8], signature: &str, secret: &str) -> bool {
    verify_mac(payload, signature, secret)
}

/// The V2 signature header value for `payload` sent at `timestamp` (unix seconds):
/// `sha256=<hex>` of `"<timestamp>.<payload>"`. Used by the server when delivering.
pub fn sign_webhook(payload: &[u8], secret: &str, timestamp: u64) -> String {
    mac_header(&signed_content(payload, &timestamp.to_string()), secret)
}

/// The legacy (v1) `X-Grantex-Signature` value, `sha256=<hex>` of the body alone, which
/// [`verify_webhook_signature`] checks. The server sends it beside the V2 header for receivers
/// written against the first reference SDKs.
pub fn sign_webhook_legacy(payload: &[u8], secret: &str) -> String {
    mac_header(payload, secret)
}

fn mac_header(message: &[u8], secret: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, message);
    let mut out = String::with_capacity(PREFIX.len() + 64);
    out.push_str(PREFIX);
    for byte in tag.as_ref() {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn signed_content(payload: &[u8], timestamp: &str) -> Vec<u8> {
    let mut content = Vec::with_capacity(timestamp.len() + 1 + payload.len());
    content.extend_from_slice(timestamp.as_bytes());
    content.push(b'.');
    content.extend_from_slice(payload);
    content
}

/// `signature` must be exactly `sha256=` + 64 lowercase hex digits (what the server sends).
fn verify_mac(message: &[u8], signature: &str, secret: &str) -> bool {
    let Some(hex) = signature.strip_prefix(PREFIX) else {
        return false;
    };
    let Some(tag) = decode_lower_hex_32(hex) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    hmac::verify(&key, message, &tag).is_ok()
}

fn decode_lower_hex_32(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}
