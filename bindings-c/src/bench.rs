//! The benchmark floor (`grantex::verify::floor::RsaFloor`) for scripts/bench-c: one raw RS256
//! verification with a pre-parsed key, called through the same FFI boundary as
//! grantex_verify(), so the ratio of the two is the verifier's overhead. Not for production.

use crate::ffi::{guard, guard_free, handle, into_handle, str_arg, Out};
use crate::result::grantex_result;
use grantex_core::verify::floor::RsaFloor;
use std::ffi::c_char;

/// A pre-parsed key, signing input and signature (benchmarking only).
pub struct grantex_bench_floor {
    floor: RsaFloor,
}

/// Prepares the floor for `token` with the key its header names in `jwks_json`.
///
/// # Safety
/// Strings NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_bench_floor_new(
    jwks_json: *const c_char,
    token: *const c_char,
    out: *mut *mut grantex_bench_floor,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (jwks, token) = unsafe { (str_arg(jwks_json, "jwks_json")?, str_arg(token, "token")?) };
        let out = Out::new(out, "out")?;
        let floor = RsaFloor::from_token(jwks, token)?;
        out.write(into_handle(grantex_bench_floor { floor }));
        Ok(())
    })
}

/// One raw RS256 verification; `*out_valid` is the signature's validity.
///
/// # Safety
/// `floor` NULL or live; `out_valid` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_bench_floor_verify(
    floor: *const grantex_bench_floor,
    out_valid: *mut bool,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let floor = unsafe { handle(floor, "floor") }?;
        Out::new(out_valid, "out_valid")?.write(floor.floor.verify());
        Ok(())
    })
}

/// Frees a floor. NULL is a no-op.
///
/// # Safety
/// `floor` NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn grantex_bench_floor_free(floor: *mut grantex_bench_floor) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(floor) })
}
