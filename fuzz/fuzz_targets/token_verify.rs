//! See `grantex_fuzz::token_verify` for what this target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| grantex_fuzz::token_verify::check(data));
