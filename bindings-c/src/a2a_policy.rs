//! `grantex_a2a_policy`: what an incoming A2A request's grant token must satisfy (the core's
//! `A2APolicy`), built up with setters and turned into a guard by grantex_a2a_guard_new().

use crate::ffi::{guard, guard_free, handle_mut, into_handle, opt_str_arg, str_arg, Failure, Out};
use crate::result::grantex_result;
use grantex_core::a2a::{A2APolicy, JwksSource, RevocationCheck};
use grantex_core::JwksCache;
use std::ffi::c_char;
use std::time::Duration;

/// The rules an A2A guard enforces: where the issuer's keys come from, the expected issuer and
/// audience, the scopes needed (by default and per JSON-RPC method), whether delegated tokens
/// are accepted and how deep, and whether revocation is checked online. Starts with no scope
/// requirement, no audience, no delegation, clock tolerance 0 and offline checks only.
///
/// A guard copies the policy when it is made, so the policy may be changed or freed afterwards
/// without affecting guards already made from it.
///
/// Thread safety: not safe for concurrent mutation; a policy no one mutates may be passed to
/// grantex_a2a_guard_new() on several threads at once.
pub struct grantex_a2a_policy {
    pub(crate) policy: A2APolicy,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_a2a_policy>();
};

/// A policy whose keys are fetched from `jwks_uri` (http or https; the guard shares the
/// process-wide cache for that URI). The expected issuer defaults to the one derived from the
/// URI, as for grantex_verifier_new_remote(). Nothing is fetched here; a bad URI is
/// `GRANTEX_CONFIG`.
///
/// # Safety
/// `jwks_uri` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_new_remote(
    jwks_uri: *const c_char,
    out: *mut *mut grantex_a2a_policy,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let uri = unsafe { str_arg(jwks_uri, "jwks_uri") }?;
        let out = Out::new(out, "out")?;
        // Validated now (the same check the guard makes later) so a typo fails at its source.
        JwksCache::remote(uri)?;
        out.write(into_handle(grantex_a2a_policy {
            policy: A2APolicy::new(JwksSource::Uri(uri.to_owned())),
        }));
        Ok(())
    })
}

/// A fully offline policy over a JWKS document (`{"keys":[...]}`); it needs an issuer
/// (grantex_a2a_policy_set_issuer), else grantex_a2a_guard_new() gives `GRANTEX_CONFIG`. An
/// unusable set (invalid JSON, private key members, no usable key) is
/// `GRANTEX_TOKEN_INVALID_JWKS`.
///
/// # Safety
/// `jwks_json` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_new_from_json(
    jwks_json: *const c_char,
    out: *mut *mut grantex_a2a_policy,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let json = unsafe { str_arg(jwks_json, "jwks_json") }?;
        let out = Out::new(out, "out")?;
        JwksCache::from_json(json)?;
        out.write(into_handle(grantex_a2a_policy {
            policy: A2APolicy::new(JwksSource::Json(json.to_owned())),
        }));
        Ok(())
    })
}

/// Runs a setter on a policy.
///
/// # Safety
/// `policy` NULL or live and used by no other thread.
unsafe fn set(
    policy: *mut grantex_a2a_policy,
    apply: impl FnOnce(&mut A2APolicy) -> Result<(), Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let policy = unsafe { handle_mut(policy, "policy") }?;
        apply(&mut policy.policy)
    })
}

/// Expected `iss`; NULL restores the default (derived from the JWKS URI; required with a
/// static JWKS).
///
/// # Safety
/// `policy` NULL or live and unshared; `issuer` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_issuer(
    policy: *mut grantex_a2a_policy,
    issuer: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.issuer = opt_str_arg(issuer, "issuer")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Audience the token's `aud` must contain; NULL: `aud` is not checked. Delegated tokens carry
/// no `aud`, so a policy with an audience refuses every delegated token (`wrong_audience`).
///
/// # Safety
/// `policy` NULL or live and unshared; `audience` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_audience(
    policy: *mut grantex_a2a_policy,
    audience: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.audience = opt_str_arg(audience, "audience")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// The tenant pin: only grants issued for `developer_id` are accepted (else 401
/// `wrong_issuer`); NULL accepts any developer. One Grantex server signs every developer's
/// tokens with the same key and issuer, so an agent that must accept only its own developer's
/// grants sets it. An empty id is `GRANTEX_CONFIG` when the guard is built.
///
/// # Safety
/// `policy` NULL or live and unshared; `developer_id` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_expected_developer(
    policy: *mut grantex_a2a_policy,
    developer_id: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.expected_developer_id = opt_str_arg(developer_id, "developer_id")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Whether the guard accepts sandbox tokens (approved without a human): `1` yes, `0` no, `-1`
/// (the default) as `GRANTEX_ALLOW_SANDBOX_TOKENS=1` says (for test suites). A refused one is
/// 401 `sandbox_token`. Any other value is `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `policy` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_allow_sandbox(
    policy: *mut grantex_a2a_policy,
    allow: i32,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.allow_sandbox = match allow {
                -1 => None,
                0 => Some(false),
                1 => Some(true),
                other => {
                    return Err(crate::ffi::Failure::invalid(format!(
                        "allow must be 1, 0 or -1 (the environment decides), got {other}"
                    )))
                }
            };
            Ok(())
        })
    }
}

/// Adds a scope every method without its own list (grantex_a2a_policy_set_method_scopes)
/// requires (call once per scope).
///
/// # Safety
/// `policy` NULL or live and unshared; `scope` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_add_required_scope(
    policy: *mut grantex_a2a_policy,
    scope: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.required_scopes.push(str_arg(scope, "scope")?.to_owned());
            Ok(())
        })
    }
}

/// Removes every default required scope.
///
/// # Safety
/// `policy` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_clear_required_scopes(
    policy: *mut grantex_a2a_policy,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.required_scopes.clear();
            Ok(())
        })
    }
}

/// The scopes JSON-RPC `method` (e.g. `"tasks/send"`) requires, replacing the default ones for
/// that method: `scopes` is an array of `count` strings (`count` 0, `scopes` may be NULL: the
/// method needs no scope at all). Calling it again for the same method replaces its list.
///
/// # Safety
/// `policy` NULL or live and unshared; `method` NULL or NUL-terminated; `scopes` NULL (only with
/// `count` 0) or `count` readable pointers, each NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_method_scopes(
    policy: *mut grantex_a2a_policy,
    method: *const c_char,
    scopes: *const *const c_char,
    count: usize,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            let method = str_arg(method, "method")?;
            if scopes.is_null() && count != 0 {
                return Err(Failure::invalid(format!(
                    "scopes is NULL with count {count}"
                )));
            }
            let mut list = Vec::with_capacity(count);
            for i in 0..count {
                // SAFETY: `count` readable pointers per the contract.
                let scope = scopes.add(i).read();
                list.push(str_arg(scope, &format!("scopes[{i}]"))?.to_owned());
            }
            p.method_scopes.insert(method.to_owned(), list);
            Ok(())
        })
    }
}

/// Forgets `method`'s own scope list: it requires the default scopes again. A method without
/// its own list is a no-op.
///
/// # Safety
/// `policy` NULL or live and unshared; `method` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_remove_method_scopes(
    policy: *mut grantex_a2a_policy,
    method: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.method_scopes.remove(str_arg(method, "method")?);
            Ok(())
        })
    }
}

/// Whether tokens a parent agent delegated (delegation depth ≥ 1) are accepted (default: no,
/// they get 403 `delegation_not_allowed`). With `allow`, `max_depth` ≥ 0 refuses tokens
/// delegated more hops than that (403 `delegation_too_deep`) and a negative value sets no
/// limit; without `allow`, `max_depth` is ignored. Values above UINT32_MAX are
/// `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `policy` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_delegation(
    policy: *mut grantex_a2a_policy,
    allow: bool,
    max_depth: i64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            let depth = if !allow || max_depth < 0 {
                None
            } else {
                Some(u32::try_from(max_depth).map_err(|_| {
                    Failure::invalid(format!("max delegation depth {max_depth} is too large"))
                })?)
            };
            p.allow_delegation = allow;
            p.max_delegation_depth = depth;
            Ok(())
        })
    }
}

/// Seconds of leeway for `exp`, `nbf` and `iat` (default 0).
///
/// # Safety
/// `policy` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_clock_tolerance(
    policy: *mut grantex_a2a_policy,
    seconds: u64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.clock_tolerance = seconds;
            Ok(())
        })
    }
}

/// Also ask the Grantex server whether each token is still active (`POST
/// {base_url}/v1/tokens/verify` with `api_key`, the key of the developer who owns the tokens):
/// a revoked token is then refused with 401 `revoked`, and a failed check with 503
/// `revocation_unavailable` (fails closed). An "active" answer is reused for
/// `cache_ttl_seconds` (0: ask every time). grantex_a2a_guard_new() checks these: more than 300
/// seconds or an empty key is `GRANTEX_CONFIG`, a URL that is not http(s)
/// `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `policy` NULL or live and unshared; `base_url`, `api_key` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_revocation_online(
    policy: *mut grantex_a2a_policy,
    base_url: *const c_char,
    api_key: *const c_char,
    cache_ttl_seconds: u64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            let base_url = str_arg(base_url, "base_url")?;
            let api_key = str_arg(api_key, "api_key")?;
            p.revocation = RevocationCheck::Online {
                base_url: base_url.to_owned(),
                api_key: api_key.to_owned(),
                cache_ttl: Duration::from_secs(cache_ttl_seconds),
            };
            Ok(())
        })
    }
}

/// Back to offline checks only (the default): a revoked token is accepted until it expires.
///
/// # Safety
/// `policy` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_set_revocation_offline(
    policy: *mut grantex_a2a_policy,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(policy, |p| {
            p.revocation = RevocationCheck::Off;
            Ok(())
        })
    }
}

/// Frees a policy (guards made from it are unaffected). NULL is a no-op; never free twice.
///
/// # Safety
/// `policy` NULL or a live handle used by no other thread.
#[no_mangle]
pub unsafe extern "C" fn grantex_a2a_policy_free(policy: *mut grantex_a2a_policy) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(policy) })
}
