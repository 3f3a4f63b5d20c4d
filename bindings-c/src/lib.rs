//! # libgrantex
//!
//! The C ABI of the Grantex core: opaque handles with NULL-safe `_free`s, `grantex_result`
//! codes on every fallible call, per-thread last-error details, and a panic guard on every
//! export. The header `include/grantex.h` is generated from this crate by cbindgen (see
//! `build.rs`); `bindings-c/README.md` describes ownership, threading and error handling.
//!
//! This crate only converts: C strings and parameter bags into the core's types, the core's
//! results into handles, and its errors into codes. Every behaviour lives in `grantex`.

// The exported names are the C names (`grantex_client`, `GRANTEX_OK`, ...).
#![allow(non_camel_case_types)]

mod a2a_client;
mod a2a_error;
mod a2a_guard;
mod a2a_policy;
mod a2a_rejection;
mod audit_chain;
/// Benchmark-only exports (`--features bench`, scripts/bench-c); never in grantex.h.
/// cbindgen:ignore
#[cfg(feature = "bench")]
mod bench;
mod call;
mod client;
mod decode;
mod dpop;
mod enforce;
mod events;
mod ffi;
mod grant;
mod last_error;
mod params;
mod pkce;
mod rate_limit;
mod response;
mod result;
mod verifier;
mod webhook;

pub use result::grantex_result;

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

/// This crate's version (the library's ABI version).
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `"grantex-c/<version> grantex/<core version>"` as a static string (never freed).
#[no_mangle]
pub extern "C" fn grantex_version() -> *const c_char {
    static TEXT: OnceLock<CString> = OnceLock::new();
    let text = std::panic::catch_unwind(|| {
        TEXT.get_or_init(|| {
            let text = format!("grantex-c/{VERSION} grantex/{}", grantex_core::VERSION);
            CString::new(text).unwrap_or_default()
        })
        .as_ptr()
    });
    text.unwrap_or(c"grantex-c".as_ptr())
}

/// Stops the internal runtime that blocking calls run on, waiting for its threads, so a
/// leak checker sees a clean exit. Call it at most once, at exit, after every other call has
/// returned and every client and verifier is freed; a later call would start a new runtime.
#[no_mangle]
pub extern "C" fn grantex_shutdown() {
    ffi::guard_free(grantex_core::blocking::shutdown);
}
