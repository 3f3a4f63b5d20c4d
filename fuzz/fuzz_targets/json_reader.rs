//! See `grantex_fuzz::json_reader` for what this target checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| grantex_fuzz::json_reader::check(data));
