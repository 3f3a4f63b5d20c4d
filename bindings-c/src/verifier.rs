//! Offline verification: `grantex_verifier` (a JWKS cache, remote or static),
//! `grantex_verify_options` (what a token is checked against) and `grantex_verify`.

use crate::ffi::{
    guard, guard_free, handle, handle_mut, into_handle, opt_str_arg, owned_string, str_arg,
    Failure, Out,
};
use crate::grant::grantex_verified_grant;
use crate::result::grantex_result;
use grantex_core::{blocking, JwksCache, VerifyOptions};
use std::ffi::c_char;

/// A JSON Web Key Set parsed once into verification keys: either fetched from a URI (cached
/// 10 minutes; a token naming an unknown kid triggers at most one refetch per 30 s) or static
/// from a JSON document (never touches the network).
///
/// Thread safety: fully thread-safe; share one verifier between threads. Free it once, after
/// every call on it has returned, with grantex_verifier_free().
pub struct grantex_verifier {
    cache: JwksCache,
}

/// What grantex_verify() checks a token against. Starts with the defaults: issuer derived
/// from the JWKS URI (a static verifier needs grantex_verify_options_set_issuer), no audience
/// required, no required scopes, clock tolerance 0, no delegation limit, system clock.
///
/// Thread safety: not safe for concurrent mutation; options no one mutates may be used by
/// grantex_verify() on several threads at once and reused for any number of calls.
#[derive(Debug, Default)]
pub struct grantex_verify_options {
    opts: VerifyOptions,
}

const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<grantex_verifier>();
    shareable::<grantex_verify_options>();
};

/// A verifier that fetches the JWKS at `jwks_uri` (http or https) on first use. Nothing is
/// fetched here. A bad URI is `GRANTEX_CONFIG`.
///
/// # Safety
/// `jwks_uri` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verifier_new_remote(
    jwks_uri: *const c_char,
    out: *mut *mut grantex_verifier,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let uri = unsafe { str_arg(jwks_uri, "jwks_uri") }?;
        let out = Out::new(out, "out")?;
        let cache = JwksCache::remote(uri)?;
        out.write(into_handle(grantex_verifier { cache }));
        Ok(())
    })
}

/// A fully offline verifier over a JWKS document (`{"keys":[...]}`). An unusable set
/// (invalid JSON, private key members, no usable key) is `GRANTEX_TOKEN_INVALID_JWKS`.
///
/// # Safety
/// `jwks_json` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verifier_new_from_json(
    jwks_json: *const c_char,
    out: *mut *mut grantex_verifier,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let json = unsafe { str_arg(jwks_json, "jwks_json") }?;
        let out = Out::new(out, "out")?;
        let cache = JwksCache::from_json(json)?;
        out.write(into_handle(grantex_verifier { cache }));
        Ok(())
    })
}

/// Fetches the key set now (blocking); a static verifier returns `GRANTEX_OK` at once.
/// Failure is `GRANTEX_TOKEN_JWKS_FETCH` or `GRANTEX_TOKEN_INVALID_JWKS`.
///
/// # Safety
/// `verifier` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn grantex_verifier_refresh(
    verifier: *const grantex_verifier,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let verifier = unsafe { handle(verifier, "verifier") }?;
        if verifier.cache.jwks_uri().is_some() {
            let cache = verifier.cache.clone();
            blocking::block_on(async move { cache.refresh().await })?;
        }
        Ok(())
    })
}

/// Sets how long a remote verifier uses a fetched key set before fetching it again (default
/// 600 s): whole seconds from 1 to 86 400, else `GRANTEX_CONFIG`. A static verifier never
/// fetches, so the setting changes nothing there.
///
/// # Safety
/// `verifier` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn grantex_verifier_set_max_age(
    verifier: *const grantex_verifier,
    seconds: u32,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let verifier = unsafe { handle(verifier, "verifier") }?;
        verifier.cache.set_max_age_secs(f64::from(seconds))?;
        Ok(())
    })
}

/// Sets how long past its max age an expired key set keeps verifying while the JWKS endpoint
/// fails (stale-if-error; default 3600 s, 0 disables it, at most 86 400, else
/// `GRANTEX_CONFIG`); after that grace, grantex_verify() fails closed with
/// `GRANTEX_TOKEN_JWKS_FETCH`.
///
/// # Safety
/// `verifier` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn grantex_verifier_set_stale_if_error(
    verifier: *const grantex_verifier,
    seconds: u32,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let verifier = unsafe { handle(verifier, "verifier") }?;
        verifier.cache.set_stale_if_error_secs(f64::from(seconds))?;
        Ok(())
    })
}

/// Verifies a grant token offline: signature (RS256) against the verifier's keys, then the
/// claims against `options` (NULL means the defaults). A remote verifier fetches the key set
/// when cold, expired or when the token names an unknown kid; a static one never touches the
/// network. On success `*out` receives a new grantex_verified_grant; on failure the code says
/// why (`GRANTEX_TOKEN_EXPIRED`, `GRANTEX_TOKEN_BAD_SIGNATURE`, ...) and the last-error
/// message gives the detail (it never contains the token).
///
/// # Safety
/// `verifier` NULL or live; `token` NULL or NUL-terminated; `options` NULL or live and not
/// being mutated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify(
    verifier: *const grantex_verifier,
    token: *const c_char,
    options: *const grantex_verify_options,
    out: *mut *mut grantex_verified_grant,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (verifier, token) =
            unsafe { (handle(verifier, "verifier")?, str_arg(token, "token")?) };
        let out = Out::new(out, "out")?;
        let defaults = VerifyOptions::default();
        // SAFETY: per the function contract.
        let opts = unsafe { options.as_ref() }.map_or(&defaults, |o| &o.opts);
        let grant = if verifier.cache.jwks_uri().is_none() {
            // Static set: the core's synchronous path, no runtime involved.
            verifier.cache.verify_cached(token, opts)?
        } else {
            let cache = &verifier.cache;
            blocking::block_on(cache.verify(token, opts))?
        };
        out.write(into_handle(grantex_verified_grant::new(grant)?));
        Ok(())
    })
}

/// One-call verification through the process-wide cache for `jwks_uri` (created on first
/// use and shared by every call with the same URI). Same outcomes as grantex_verify().
///
/// # Safety
/// `token`, `jwks_uri` NULL or NUL-terminated; `options` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_grant_token(
    token: *const c_char,
    jwks_uri: *const c_char,
    options: *const grantex_verify_options,
    out: *mut *mut grantex_verified_grant,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (token, uri) = unsafe { (str_arg(token, "token")?, str_arg(jwks_uri, "jwks_uri")?) };
        let out = Out::new(out, "out")?;
        let defaults = VerifyOptions::default();
        // SAFETY: per the function contract.
        let opts = unsafe { options.as_ref() }.map_or(&defaults, |o| &o.opts);
        let grant = blocking::verify_grant_token(token, uri, opts)?;
        out.write(into_handle(grantex_verified_grant::new(grant)?));
        Ok(())
    })
}

/// The issuer a remote verifier expects when the options name none, derived from its JWKS
/// URI (e.g. `https://api.grantex.dev/.well-known/jwks.json` gives `https://grantex.dev`);
/// a new string freed with grantex_string_free().
///
/// # Safety
/// `jwks_uri` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_derive_issuer(
    jwks_uri: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let uri = unsafe { str_arg(jwks_uri, "jwks_uri") }?;
        let out = Out::new(out, "out")?;
        out.write(owned_string(
            grantex_core::verify::derive_issuer(uri),
            "issuer",
        )?);
        Ok(())
    })
}

/// Frees a verifier. NULL is a no-op; never free twice, nor while a call on it is running.
///
/// # Safety
/// `verifier` NULL or a live handle with no call in progress.
#[no_mangle]
pub unsafe extern "C" fn grantex_verifier_free(verifier: *mut grantex_verifier) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(verifier) })
}

/// New verification options with the defaults. Free with grantex_verify_options_free().
///
/// # Safety
/// `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_new(
    out: *mut *mut grantex_verify_options,
) -> grantex_result {
    guard(|| {
        Out::new(out, "out")?.write(into_handle(grantex_verify_options::default()));
        Ok(())
    })
}

/// Runs a setter on options.
///
/// # Safety
/// `options` NULL or live and used by no other thread.
unsafe fn set(
    options: *mut grantex_verify_options,
    apply: impl FnOnce(&mut VerifyOptions) -> Result<(), Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let options = unsafe { handle_mut(options, "options") }?;
        apply(&mut options.opts)
    })
}

/// Expected `iss`; NULL restores the default (derived from the JWKS URI; required for a
/// static verifier, else grantex_verify() gives `GRANTEX_CONFIG`).
///
/// # Safety
/// `options` NULL or live and unshared; `issuer` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_issuer(
    options: *mut grantex_verify_options,
    issuer: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.issuer = opt_str_arg(issuer, "issuer")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Audience the token's `aud` must contain exactly; NULL: `aud` is not required.
///
/// # Safety
/// `options` NULL or live and unshared; `audience` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_audience(
    options: *mut grantex_verify_options,
    audience: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.audience = opt_str_arg(audience, "audience")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Developer the grant must have been issued for (`dev`); NULL: any developer. A mismatch is
/// `GRANTEX_TOKEN_WRONG_ISSUER`: one server signs every developer's tokens with the same key and
/// issuer, so a service that trusts only its own developer's grants pins it here.
///
/// # Safety
/// `options` NULL or live and unshared; `developer_id` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_expected_developer(
    options: *mut grantex_verify_options,
    developer_id: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.expected_developer_id = opt_str_arg(developer_id, "developer_id")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Whether sandbox tokens (issued for a sandbox developer, approved without a human) are
/// accepted: `1` yes, `0` no, `-1` (the default) as the environment variable
/// `GRANTEX_ALLOW_SANDBOX_TOKENS=1` says (for test suites). A refused sandbox token is
/// `GRANTEX_TOKEN_SANDBOX`. Any other value is `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_allow_sandbox(
    options: *mut grantex_verify_options,
    allow: i32,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.allow_sandbox = match allow {
                -1 => None,
                0 => Some(false),
                1 => Some(true),
                other => {
                    return Err(Failure::invalid(format!(
                        "allow must be 1, 0 or -1 (the environment decides), got {other}"
                    )))
                }
            };
            Ok(())
        })
    }
}

/// One of the reference SDKs' other verification options, by its Python or JavaScript name
/// (`issuer_did`/`issuerDid`, `proof_jkt`, `require_proof_of_possession`, `current_authority`,
/// `expected_principal_id`, `expected_agent_did`, `legacy_claims`, `algorithms`,
/// `bounded_jwks_fetch`), with its value as JSON text (NULL or `null`: unset). These describe
/// behaviour this verifier either has fixed (RS256 only, both claim layouts read, a bounded key
/// fetch) or does not implement yet, so nothing is stored: a value that asks for the fixed
/// behaviour (`["RS256"]`, `true`, ...) is `GRANTEX_OK`, anything else `GRANTEX_CONFIG`, exactly
/// as the Python and Node SDKs answer. Lets configuration written for the references be applied
/// unchanged and never silently ignored. Bad JSON is `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `options` NULL or live and unshared; `name` and `value_json` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_reference_option(
    options: *mut grantex_verify_options,
    name: *const c_char,
    value_json: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |_| {
            let name = str_arg(name, "name")?;
            let value = match opt_str_arg(value_json, "value_json")? {
                None => serde_json::Value::Null,
                Some(text) => serde_json::from_str(text)
                    .map_err(|e| Failure::invalid(format!("value_json is not JSON: {e}")))?,
            };
            grantex_core::verify::check_reference_option(name, &value)?;
            Ok(())
        })
    }
}

/// Adds a scope the token must carry verbatim (call once per scope).
///
/// # Safety
/// `options` NULL or live and unshared; `scope` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_add_required_scope(
    options: *mut grantex_verify_options,
    scope: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.required_scopes.push(str_arg(scope, "scope")?.to_owned());
            Ok(())
        })
    }
}

/// Removes every required scope.
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_clear_required_scopes(
    options: *mut grantex_verify_options,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.required_scopes.clear();
            Ok(())
        })
    }
}

/// Seconds of leeway for `exp`, `nbf` and `iat` (default 0).
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_clock_tolerance(
    options: *mut grantex_verify_options,
    seconds: u64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.clock_tolerance = seconds;
            Ok(())
        })
    }
}

/// Refuse tokens delegated more than `depth` hops; a negative value removes the limit.
/// Values above UINT32_MAX are `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_max_delegation_depth(
    options: *mut grantex_verify_options,
    depth: i64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.max_delegation_depth = if depth < 0 {
                None
            } else {
                Some(u32::try_from(depth).map_err(|_| {
                    Failure::invalid(format!("max delegation depth {depth} is too large"))
                })?)
            };
            Ok(())
        })
    }
}

/// Testing/advanced: verify as if the time were `unix_seconds` (fixed clock, e.g. for test
/// vectors). grantex_verify_options_use_system_clock() undoes it.
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_now(
    options: *mut grantex_verify_options,
    unix_seconds: i64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.now = Some(unix_seconds);
            Ok(())
        })
    }
}

/// Go back to the system clock (the default).
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_use_system_clock(
    options: *mut grantex_verify_options,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.now = None;
            Ok(())
        })
    }
}

/// Frees options. NULL is a no-op; never free twice.
///
/// # Safety
/// `options` NULL or a live handle used by no other thread.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_free(options: *mut grantex_verify_options) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(options) })
}
