//! See `grantex_fuzz::request_bodies` for what this target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| grantex_fuzz::request_bodies::check(data));
