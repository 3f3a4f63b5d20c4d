//! `grantex_verified_grant`: the typed result of a successful verification, with one accessor
//! per field. Strings are converted to C strings once, when the handle is made, and borrowed
//! by C until the handle is freed.

use crate::ffi::{c_string, guard, guard_free, handle, opt_str_arg, owned_string, Failure, Out};
use crate::result::grantex_result;
use grantex_core::VerifiedGrant;
use std::ffi::{c_char, CString};

/// The verified content of a grant token.
///
/// Thread safety: immutable; may be read from several threads at once. Free it once with
/// grantex_verified_grant_free(); strings borrowed from it die with it.
pub struct grantex_verified_grant {
    grant: VerifiedGrant,
    token_id: CString,
    grant_id: CString,
    principal_id: CString,
    agent_did: CString,
    developer_id: CString,
    issuer: CString,
    parent_agent_did: Option<CString>,
    parent_grant_id: Option<CString>,
    scopes: Vec<CString>,
    audience: Vec<CString>,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_verified_grant>();
};

impl grantex_verified_grant {
    pub(crate) fn new(grant: VerifiedGrant) -> Result<grantex_verified_grant, Failure> {
        let list = |items: &[String], what: &str| -> Result<Vec<CString>, Failure> {
            items.iter().map(|s| c_string(s.as_str(), what)).collect()
        };
        let opt = |s: &Option<String>, what: &str| -> Result<Option<CString>, Failure> {
            s.as_deref().map(|s| c_string(s, what)).transpose()
        };
        Ok(grantex_verified_grant {
            token_id: c_string(grant.token_id.as_str(), "token id")?,
            grant_id: c_string(grant.grant_id.as_str(), "grant id")?,
            principal_id: c_string(grant.principal_id.as_str(), "principal id")?,
            agent_did: c_string(grant.agent_did.as_str(), "agent DID")?,
            developer_id: c_string(grant.developer_id.as_str(), "developer id")?,
            issuer: c_string(grant.issuer.as_str(), "issuer")?,
            parent_agent_did: opt(&grant.parent_agent_did, "parent agent DID")?,
            parent_grant_id: opt(&grant.parent_grant_id, "parent grant id")?,
            scopes: list(&grant.scopes, "scope")?,
            audience: list(
                &grant
                    .audiences()
                    .into_iter()
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
                "audience",
            )?,
            grant,
        })
    }
}

/// Reads one field of a verified grant.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
unsafe fn field<T>(
    grant: *const grantex_verified_grant,
    out: *mut T,
    read: impl FnOnce(&grantex_verified_grant) -> Result<T, Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let grant = unsafe { handle(grant, "grant") }?;
        let out = Out::new(out, "out")?;
        out.write(read(grant)?);
        Ok(())
    })
}

/// `jti`: the token id (what grantex_tokens_revoke() takes). Borrowed from `grant`; valid until it is freed.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_token_id(
    grant: *const grantex_verified_grant,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.token_id.as_ptr())) }
}

/// The grant id (`urn:grantex:grant.grant_id` or `grnt`, else `jti`). Borrowed from `grant`; valid until it is freed.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_grant_id(
    grant: *const grantex_verified_grant,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.grant_id.as_ptr())) }
}

/// `sub`: the principal (end user) who approved the grant. Borrowed from `grant`; valid until it is freed.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_principal_id(
    grant: *const grantex_verified_grant,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.principal_id.as_ptr())) }
}

/// The DID of the agent the grant was issued to. Borrowed from `grant`; valid until it is freed.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_agent_did(
    grant: *const grantex_verified_grant,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.agent_did.as_ptr())) }
}

/// The developer account that owns the agent. Borrowed from `grant`; valid until it is freed.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_developer_id(
    grant: *const grantex_verified_grant,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.developer_id.as_ptr())) }
}

/// `iss`. Borrowed from `grant`; valid until it is freed.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_issuer(
    grant: *const grantex_verified_grant,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.issuer.as_ptr())) }
}

/// Number of scopes granted.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_scopes_len(
    grant: *const grantex_verified_grant,
    out: *mut usize,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.scopes.len())) }
}

/// Scope number `index` (0-based, in token order), borrowed from `grant`.
/// `GRANTEX_INVALID_ARGUMENT` when `index` is out of range.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_scope(
    grant: *const grantex_verified_grant,
    index: usize,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        field(grant, out, |g| {
            g.scopes.get(index).map(|s| s.as_ptr()).ok_or_else(|| {
                Failure::invalid(format!(
                    "scope index {index} out of range ({} scopes)",
                    g.scopes.len()
                ))
            })
        })
    }
}

/// Whether the grant includes `scope` exactly (case-sensitive), in `*out`.
///
/// # Safety
/// `grant` is NULL or a live handle; `scope` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_has_scope(
    grant: *const grantex_verified_grant,
    scope: *const c_char,
    out: *mut bool,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        field(grant, out, |g| {
            let scope = crate::ffi::str_arg(scope, "scope")?;
            Ok(g.grant.scopes.iter().any(|s| s == scope))
        })
    }
}

/// Number of audiences (`aud` as a list; 0 when the token has none).
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_audience_len(
    grant: *const grantex_verified_grant,
    out: *mut usize,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.audience.len())) }
}

/// Audience number `index`, borrowed from `grant`. `GRANTEX_INVALID_ARGUMENT` when out of
/// range.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_audience(
    grant: *const grantex_verified_grant,
    index: usize,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        field(grant, out, |g| {
            g.audience.get(index).map(|s| s.as_ptr()).ok_or_else(|| {
                Failure::invalid(format!(
                    "audience index {index} out of range ({} audiences)",
                    g.audience.len()
                ))
            })
        })
    }
}

/// `iat`, Unix seconds.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_issued_at(
    grant: *const grantex_verified_grant,
    out: *mut i64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.grant.issued_at)) }
}

/// `exp`, Unix seconds.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_expires_at(
    grant: *const grantex_verified_grant,
    out: *mut i64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.grant.expires_at)) }
}

/// Delegation hops from the root grant (0 for a grant approved directly by the principal).
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_delegation_depth(
    grant: *const grantex_verified_grant,
    out: *mut u32,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe { field(grant, out, |g| Ok(g.grant.depth())) }
}

/// DID of the delegating (parent) agent; `GRANTEX_NOT_FOUND` on a root grant.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_parent_agent_did(
    grant: *const grantex_verified_grant,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        field(grant, out, |g| {
            g.parent_agent_did
                .as_ref()
                .map(|s| s.as_ptr())
                .ok_or_else(|| Failure::not_found("the grant has no parent agent"))
        })
    }
}

/// Id of the parent grant; `GRANTEX_NOT_FOUND` on a root grant.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_parent_grant_id(
    grant: *const grantex_verified_grant,
    out: *mut *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        field(grant, out, |g| {
            g.parent_grant_id
                .as_ref()
                .map(|s| s.as_ptr())
                .ok_or_else(|| Failure::not_found("the grant has no parent grant"))
        })
    }
}

/// `bdg`: remaining budget at issuance (advisory); `GRANTEX_NOT_FOUND` when the token has
/// none.
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_budget(
    grant: *const grantex_verified_grant,
    out: *mut f64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        field(grant, out, |g| {
            g.grant
                .budget
                .ok_or_else(|| Failure::not_found("the grant has no budget"))
        })
    }
}

/// The whole grant as JSON, in the reference SDKs' `VerifiedGrant` shape: `tokenId`,
/// `grantId`, `principalId`, `agentDid`, `developerId`, `scopes`, `issuedAt`, `expiresAt`,
/// `legacyClaimsUsed` and `issuer` always; `clientId`, `parentAgentDid`, `parentGrantId`,
/// `delegationDepth`, `authorizationDetails`, `act`, `cnf`, `audience` (the raw `aud`: a string
/// or a list), `webauthnEvidence` and `budget` only when the token has them. A new string the
/// caller frees with grantex_string_free(). (The accessors above give `aud` as a list and the
/// depth as 0 when absent.)
///
/// # Safety
/// `grant` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_json(
    grant: *const grantex_verified_grant,
    out: *mut *mut c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        field(grant, out, |g| {
            let json = serde_json::to_string(&g.grant)
                .map_err(|e| Failure::invalid(format!("cannot serialise the grant: {e}")))?;
            owned_string(json, "grant JSON")
        })
    }
}

/// The reference SDKs' current-authority check, after a verification: `answer_json` is what an
/// authority you trust says the grant is now — typically the `grants.verify` online answer
/// (`grantex_client_call`, JSON), or the JSON of another verified grant — and must describe
/// this grant (issuer, token and grant ids, principal, agent, developer, issue and expiry
/// times, audience, scopes), else `GRANTEX_TOKEN_AUTHORITY_MISMATCH`. Pass NULL when the
/// authority could not answer (also a mismatch). Give the verification an audience
/// (grantex_verify_options_set_audience), as the reference requires.
///
/// # Safety
/// `grant` is NULL or a live handle; `answer_json` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_check_authority(
    grant: *const grantex_verified_grant,
    answer_json: *const c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let g = unsafe { grant.as_ref() }.ok_or_else(|| Failure::invalid("grant is NULL"))?;
        // SAFETY: per the function contract.
        let answer = match unsafe { opt_str_arg(answer_json, "answer_json") }? {
            None => Err("the authority gave no answer".to_owned()),
            Some(text) => Ok(serde_json::from_str(text).unwrap_or(serde_json::Value::Null)),
        };
        grantex_core::verify::check_current_authority(&g.grant, answer)
            .map_err(|e| Failure::from(grantex_core::Error::Token(e)))
    })
}

/// grantex_verified_grant_check_authority() with the verified grant as JSON too (its
/// grantex_verified_grant_json(), or a binding's own serialisation in the same shape).
///
/// # Safety
/// `grant_json` and `answer_json` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_check_current_authority(
    grant_json: *const c_char,
    answer_json: *const c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let want = unsafe { opt_str_arg(grant_json, "grant_json") }?
            .ok_or_else(|| Failure::invalid("grant_json is NULL"))?;
        let want: serde_json::Value = serde_json::from_str(want)
            .map_err(|e| Failure::invalid(format!("grant_json is not JSON: {e}")))?;
        // SAFETY: per the function contract.
        let answer = match unsafe { opt_str_arg(answer_json, "answer_json") }? {
            None => Err("the authority gave no answer".to_owned()),
            Some(text) => Ok(serde_json::from_str(text).unwrap_or(serde_json::Value::Null)),
        };
        grantex_core::verify::check_current_authority_json(&want, answer)
            .map_err(|e| Failure::from(grantex_core::Error::Token(e)))
    })
}

/// Frees a verified grant and every string borrowed from it. NULL is a no-op; never free
/// twice.
///
/// # Safety
/// `grant` is NULL or a live handle no other thread is reading.
#[no_mangle]
pub unsafe extern "C" fn grantex_verified_grant_free(grant: *mut grantex_verified_grant) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(grant) })
}
