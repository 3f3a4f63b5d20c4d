//! `grantex_rate_limit`: the rate-limit headers of a response (`X-RateLimit-Limit/Remaining/
//! Reset` and `Retry-After`), as the core parsed them, for the client's last response and for
//! a failed call's response (grantex_last_error_rate_limit()).

use crate::client::grantex_client;
use crate::ffi::{guard, handle, Failure, Out};
use crate::result::grantex_result;
use grantex_core::RateLimit;

/// Rate-limit state of one response. Only filled when the response carried all three
/// `X-RateLimit-*` headers as integers.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct grantex_rate_limit {
    /// `X-RateLimit-Limit`: requests allowed in the window.
    pub limit: u64,
    /// `X-RateLimit-Remaining`: requests left in the window.
    pub remaining: u64,
    /// `X-RateLimit-Reset` as sent (grantex-server: seconds until the window resets).
    pub reset: u64,
    /// `Retry-After` in seconds (0 when absent; see `has_retry_after`).
    pub retry_after: u64,
    /// Whether the response carried an integer `Retry-After` (429 answers do).
    pub has_retry_after: bool,
}

impl From<RateLimit> for grantex_rate_limit {
    fn from(r: RateLimit) -> grantex_rate_limit {
        grantex_rate_limit {
            limit: r.limit,
            remaining: r.remaining,
            reset: r.reset,
            retry_after: r.retry_after.unwrap_or(0),
            has_retry_after: r.retry_after.is_some(),
        }
    }
}

/// The rate limit of the client's most recent response (successful or not; with several
/// threads on one client, whichever answered last). `GRANTEX_NOT_FOUND` when no response came
/// yet or the most recent one carried no complete `X-RateLimit-*` set (`*out` untouched).
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_client_last_rate_limit(
    client: *const grantex_client,
    out: *mut grantex_rate_limit,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let client = unsafe { handle(client, "client") }?;
        let out = Out::new(out, "out")?;
        let rl = client
            .inner
            .last_rate_limit()
            .ok_or_else(|| Failure::not_found("the last response carried no rate-limit headers"))?;
        out.write(rl.into());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_with_and_without_retry_after() {
        let with = grantex_rate_limit::from(RateLimit {
            limit: 60,
            remaining: 0,
            reset: 12,
            retry_after: Some(12),
        });
        assert_eq!((with.limit, with.remaining, with.reset), (60, 0, 12));
        assert!(with.has_retry_after && with.retry_after == 12);
        let without = grantex_rate_limit::from(RateLimit {
            limit: 600,
            remaining: 599,
            reset: 30,
            retry_after: None,
        });
        assert!(!without.has_retry_after && without.retry_after == 0);
    }
}
