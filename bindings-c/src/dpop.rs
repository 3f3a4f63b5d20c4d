//! DPoP (RFC 9449) for agents, from the core: the agent's key, the public half it registers as
//! its `publicJwk` (the server then binds its grant tokens to that key, `cnf.jkt`), and a proof
//! per request. A resource server checks proofs with the `dpop` reference verify option
//! (grantex_verify_options_set_reference_option).

use crate::ffi::{guard, opt_str_arg, owned_string, str_arg, Out};
use crate::result::grantex_result;
use grantex_core::dpop;
use std::ffi::c_char;

/// A new EC P-256 private key as a JWK (JSON text with `kty`, `crv`, `x`, `y`, `d`): the
/// agent's DPoP key. A new string freed with grantex_string_free(); keep it secret.
///
/// # Safety
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_dpop_generate_jwk(out: *mut *mut c_char) -> grantex_result {
    guard(|| {
        let out = Out::new(out, "out")?;
        out.write(owned_string(dpop::generate_key()?, "jwk")?);
        Ok(())
    })
}

/// The public half of `jwk` (JSON text, the RFC 7638 members only): register it as the agent's
/// `publicJwk`. A new string freed with grantex_string_free(); a JWK that is not a usable
/// key is GRANTEX_INVALID_ARGUMENT.
///
/// # Safety
/// `jwk` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_dpop_public_jwk(
    jwk: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let jwk = unsafe { str_arg(jwk, "jwk") }?;
        let out = Out::new(out, "out")?;
        out.write(owned_string(dpop::public_jwk(jwk)?, "public jwk")?);
        Ok(())
    })
}

/// The RFC 7638 SHA-256 thumbprint of `jwk` (JSON text, public or private): the `cnf.jkt` of the
/// tokens bound to it. A new string freed with grantex_string_free().
///
/// # Safety
/// `jwk` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_jwk_thumbprint(
    jwk: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let jwk = unsafe { str_arg(jwk, "jwk") }?;
        let out = Out::new(out, "out")?;
        out.write(owned_string(dpop::thumbprint(jwk)?, "thumbprint")?);
        Ok(())
    })
}

/// A DPoP proof (ES256, a fresh `jti`, the current time as `iat`) for a `method` request to
/// `url` (its query and fragment are left out of `htu`), bound to `access_token` (`ath`) unless
/// it is NULL: send it as the request's `DPoP` header. A new string freed with
/// grantex_string_free(); a key that is not an EC P-256 private JWK, a method that is not an
/// HTTP method name or a URL that is not absolute http(s) is GRANTEX_INVALID_ARGUMENT.
///
/// # Safety
/// `private_jwk`, `method`, `url` NULL or NUL-terminated; `access_token` NULL or
/// NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_dpop_create_proof(
    private_jwk: *const c_char,
    method: *const c_char,
    url: *const c_char,
    access_token: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (jwk, method, url, token) = unsafe {
            (
                str_arg(private_jwk, "private_jwk")?,
                str_arg(method, "method")?,
                str_arg(url, "url")?,
                opt_str_arg(access_token, "access_token")?,
            )
        };
        let out = Out::new(out, "out")?;
        out.write(owned_string(
            dpop::create_proof(jwk, method, url, token)?,
            "proof",
        )?);
        Ok(())
    })
}
