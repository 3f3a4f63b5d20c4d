//! See `grantex_fuzz::jwks_parse` for what this target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| grantex_fuzz::jwks_parse::check(data));
