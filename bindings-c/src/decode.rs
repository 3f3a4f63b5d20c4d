//! Reading a token **without verifying it** (the core's `grantex::decode`): for logs and
//! displays, never to decide what a token allows (that is grantex_verify()).

use crate::ffi::{guard, owned_string, str_arg, Failure, Out};
use crate::result::grantex_result;
use std::ffi::c_char;

/// The JSON object in `token`'s payload segment, **unverified** (no signature, issuer,
/// audience or expiry check), as JSON text: a new string freed with grantex_string_free(). A
/// token that is not a JWT with a JSON-object payload is GRANTEX_TOKEN_MALFORMED.
///
/// # Safety
/// `token` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_decode_jwt_payload(
    token: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let token = unsafe { str_arg(token, "token") }?;
        let out = Out::new(out, "out")?;
        let payload = grantex_core::decode::decode_jwt_payload(token)?;
        out.write(owned_string(
            serde_json::Value::Object(payload).to_string(),
            "payload",
        )?);
        Ok(())
    })
}

/// What a grant token says about itself (`tokenId`, `grantId`, `principalId`, `agentDid`,
/// `developerId`, `scopes`, `issuer`, `audience`, `issuedAt`, `expiresAt`, `expired`,
/// `delegationDepth`, `parentGrantId`, `sandbox`), read from either claim layout,
/// **unverified**, as JSON text: a new string freed with grantex_string_free(). Fails like
/// grantex_decode_jwt_payload().
///
/// # Safety
/// `token` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_get_token_info(
    token: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let token = unsafe { str_arg(token, "token") }?;
        let out = Out::new(out, "out")?;
        let info = grantex_core::decode::get_token_info(token)?;
        let text = serde_json::to_string(&info)
            .map_err(|e| Failure::invalid(format!("cannot encode the token info: {e}")))?;
        out.write(owned_string(text, "token info")?);
        Ok(())
    })
}
