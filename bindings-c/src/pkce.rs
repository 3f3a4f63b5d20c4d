//! PKCE (RFC 7636, S256) helpers from the core.

use crate::ffi::{guard, owned_string, str_arg, Out};
use crate::result::grantex_result;
use grantex_core::pkce;
use std::ffi::c_char;

/// A fresh PKCE pair: `*out_verifier` (43 base64url characters from the system CSPRNG; keep it
/// secret until grantex_tokens_exchange's `codeVerifier`) and `*out_challenge`
/// (base64url SHA-256 of the verifier, for grantex_authorize's `codeChallenge` with
/// `codeChallengeMethod` `"S256"`). Both are new strings freed with grantex_string_free().
///
/// # Safety
/// `out_verifier`, `out_challenge` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_pkce_generate(
    out_verifier: *mut *mut c_char,
    out_challenge: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        let out_verifier = Out::new(out_verifier, "out_verifier")?;
        let out_challenge = Out::new(out_challenge, "out_challenge")?;
        let pair = pkce::generate_pkce();
        let verifier = owned_string(pair.code_verifier, "verifier")?;
        let challenge = match owned_string(pair.code_challenge, "challenge") {
            Ok(c) => c,
            Err(e) => {
                // SAFETY: just produced by `owned_string`, not handed out.
                unsafe { crate::ffi::grantex_string_free(verifier) };
                return Err(e);
            }
        };
        out_verifier.write(verifier);
        out_challenge.write(challenge);
        Ok(())
    })
}

/// The S256 challenge for `verifier` (what the server compares at exchange); a new string
/// freed with grantex_string_free().
///
/// # Safety
/// `verifier` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_pkce_challenge(
    verifier: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let verifier = unsafe { str_arg(verifier, "verifier") }?;
        let out = Out::new(out, "out")?;
        out.write(owned_string(pkce::challenge_for(verifier), "challenge")?);
        Ok(())
    })
}
