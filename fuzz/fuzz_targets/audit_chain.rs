//! See `grantex_fuzz::audit_chain` for what this target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| grantex_fuzz::audit_chain::check(data));
