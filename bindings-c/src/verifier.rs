//! Offline verification: `grantex_verifier` (a JWKS cache, remote or static),
//! `grantex_verify_options` (what a token is checked against) and `grantex_verify`.

use crate::ffi::{
    bytes_arg, c_string, guard, guard_free, handle, handle_mut, into_handle, opt_str_arg,
    owned_string, str_arg, Failure, Out,
};
use crate::grant::grantex_verified_grant;
use crate::result::grantex_result;
use grantex_core::{blocking, JwksCache, VerifyOptions};
use std::ffi::{c_char, CStr};

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
/// `jwks_uri` may be NULL when `options` name an `issuer_did` (the DID's key set is used).
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
        let (token, uri) =
            unsafe { (str_arg(token, "token")?, opt_str_arg(jwks_uri, "jwks_uri")?) };
        let out = Out::new(out, "out")?;
        let defaults = VerifyOptions::default();
        // SAFETY: per the function contract.
        let opts = unsafe { options.as_ref() }.map_or(&defaults, |o| &o.opts);
        if uri.is_none() && opts.issuer_did.is_none() {
            return Err(Failure::invalid(
                "jwks_uri is NULL and the options name no issuer_did",
            ));
        }
        let cache = grantex_core::JwksCache::for_options(uri, opts)?;
        let grant = blocking::block_on(cache.verify(token, opts))?;
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

/// Principal the token must belong to (`sub`); NULL: any. A mismatch (an empty string matches
/// nothing) is `GRANTEX_TOKEN_WRONG_PRINCIPAL` (the reference SDKs' `expected_principal_id`).
///
/// # Safety
/// `options` NULL or live and unshared; `principal_id` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_expected_principal_id(
    options: *mut grantex_verify_options,
    principal_id: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.expected_principal_id = opt_str_arg(principal_id, "principal_id")?.map(str::to_owned);
            Ok(())
        })
    }
}

/// Announces a current-authority check after verification (`1`; `0` none, the default): the
/// verification then requires an audience (grantex_verify_options_set_audience), as the
/// reference SDKs' `current_authority` does; check the answer with
/// grantex_verified_grant_check_authority() or grantex_check_current_authority(). Any other
/// value is `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `options` NULL or live and unshared.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_current_authority(
    options: *mut grantex_verify_options,
    on: i32,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.current_authority = match on {
                0 => false,
                1 => true,
                other => {
                    return Err(Failure::invalid(format!(
                        "current authority must be 0 or 1, got {other}"
                    )))
                }
            };
            Ok(())
        })
    }
}

/// Agent DID the token must belong to; NULL: any. A mismatch (an empty string matches
/// nothing) is `GRANTEX_TOKEN_WRONG_AGENT` (the reference SDKs' `expected_agent_did`).
///
/// # Safety
/// `options` NULL or live and unshared; `agent_did` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_verify_options_set_expected_agent_did(
    options: *mut grantex_verify_options,
    agent_did: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(options, |o| {
            o.expected_agent_did = opt_str_arg(agent_did, "agent_did")?.map(str::to_owned);
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

/// One of the reference SDKs' verification options passed by name, Python or JavaScript
/// spelling (`issuer_did`/`issuerDid`, `proof_jkt`/`proofJkt`, `require_proof_of_possession`,
/// `legacy_claims`, `algorithms`, `bounded_jwks_fetch`), with its value as JSON text (NULL or
/// `null`: unset, the reference's default). The core's one rule, as in every binding:
/// - `issuer_did`: a `did:web` identifier; the key set is then read from the DID's
///   `https://<host>[:<port>][/<path>]/.well-known/jwks.json` (a remote verifier for another
///   URI defers to it; a static verifier gives `GRANTEX_CONFIG` at verification) and the
///   issuer defaults to that location. An IP address, a local or private host, a single
///   label or another DID method is `GRANTEX_CONFIG`.
/// - `proof_jkt`: the RFC 7638 thumbprint of the key the request proved possession of; the
///   token's `cnf.jkt` must equal it (`GRANTEX_TOKEN_NOT_KEY_BOUND`,
///   `GRANTEX_TOKEN_PROOF_MISMATCH`). `require_proof_of_possession` `true` without one is
///   `GRANTEX_TOKEN_PROOF_REQUIRED`.
/// - `legacy_claims` `false`: standard claims only, the token typed `at+jwt`
///   (`GRANTEX_TOKEN_FORBIDDEN_HEADER` otherwise).
/// - `algorithms` (a subset of `["RS256","ES256"]` with RS256) and `bounded_jwks_fetch`
///   describe fixed behaviour and are accepted when they ask for it.
///
/// A value that cannot be used is `GRANTEX_CONFIG` (the options unchanged); bad JSON is
/// `GRANTEX_INVALID_ARGUMENT`.
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
        set(options, |o| {
            let name = str_arg(name, "name")?;
            let value = match opt_str_arg(value_json, "value_json")? {
                None => serde_json::Value::Null,
                Some(text) => serde_json::from_str(text)
                    .map_err(|e| Failure::invalid(format!("value_json is not JSON: {e}")))?,
            };
            grantex_core::verify::apply_reference_option(o, name, &value)?;
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

// ------------------------------------------------------------------------------------------
// The Go binding's fast path: an internal ABI between this library and bindings-go/verify.go
// of the same version, not part of the C API (not in grantex.h, and named outside the
// `grantex_` namespace, so that every `grantex_` export stays a declared one). It is
// grantex_verify()/grantex_verify_grant_token() and the read-out of the grant in one call,
// without the grant handle's C strings: the token arrives as bytes and length (Go's own
// memory, not copied), the grant's strings are copied into the caller's buffer.

/// Most scopes and audience values a [`libgrantex_go_grant`] holds; a longer list is left to
/// a grant handle.
const GO_MAX_LIST: usize = 32;

/// A verified grant copied for Go: the string fields (token id, grant id, principal id, agent
/// DID, developer id, issuer, parent agent DID, parent grant id) and the list items as offsets
/// and lengths into the caller's buffer; `set[i]` is 0 for an absent optional field. When the
/// grant does not fit (a list over GO_MAX_LIST items, or the buffer too small), `kept` is a
/// grant handle for the caller to read with the accessors and free, and the rest is unused.
/// Layout shared with `gx_grant_copy` in bindings-go/verify.go (its size is checked on every
/// call).
/// cbindgen:ignore
#[repr(C)]
pub struct libgrantex_go_grant {
    off: [u32; 8],
    len: [u32; 8],
    set: [u8; 8],
    scopes_len: u32,
    audience_len: u32,
    scope_off: [u32; GO_MAX_LIST],
    scope_len: [u32; GO_MAX_LIST],
    aud_off: [u32; GO_MAX_LIST],
    aud_len: [u32; GO_MAX_LIST],
    used: u32,
    issued_at: i64,
    expires_at: i64,
    depth: u32,
    has_depth: i32,
    has_budget: i32,
    budget: f64,
    /// `legacy_claims_used` as bits of [`GO_LEGACY_NAMES`] (the verifier's order).
    legacy: u32,
    /// The rare raw claims (`clientId`, `authorizationDetails`, `act`, `cnf`,
    /// `webauthnEvidence`) as one JSON object in the buffer; `extra_len` 0 when the token has
    /// none of them.
    extra_off: u32,
    extra_len: u32,
    kept: *mut grantex_verified_grant,
}

/// Bit `i` of `libgrantex_go_grant.legacy` is `GO_LEGACY_NAMES[i]`, the core's order
/// (bindings-go/verify.go spells the same list, checked by its vector tests).
const GO_LEGACY_NAMES: [&str; 7] = grantex_core::verify::LEGACY_CLAIMS;

/// The raw claims the Go fast path carries as JSON (they are rare: delegated, RAR or
/// proof-of-possession tokens).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct GoRareClaims<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization_details: &'a Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    act: &'a Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cnf: &'a Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    webauthn_evidence: &'a Option<grantex_core::types::WebAuthnGrantEvidence>,
}

/// A string argument given as bytes and length, read as C reads the string `C.CString` makes
/// of it: up to the first NUL byte, then UTF-8 (the messages of a NUL-terminated argument).
///
/// # Safety
/// `ptr` is NULL with `len` 0, or points to `len` readable bytes valid for the call.
unsafe fn go_str<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a str, Failure> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { bytes_arg(ptr, len, what) }?;
    let bytes = CStr::from_bytes_until_nul(bytes).map_or(bytes, CStr::to_bytes);
    std::str::from_utf8(bytes).map_err(|_| Failure::invalid(format!("{what} is not valid UTF-8")))
}

/// Copies strings into the caller's buffer while they fit.
struct GoCopier<'a> {
    buf: &'a mut [u8],
    used: usize,
    fits: bool,
}

impl GoCopier<'_> {
    fn put(&mut self, s: &str, off: &mut u32, len: &mut u32) {
        let end = self.used + s.len();
        if !self.fits || end > self.buf.len() {
            self.fits = false;
            return;
        }
        self.buf[self.used..end].copy_from_slice(s.as_bytes());
        *off = self.used as u32;
        *len = s.len() as u32;
        self.used = end;
    }
}

/// One verification for Go: through `verifier`, or through the process-wide cache for
/// `jwks_uri` when `verifier` is NULL; same outcomes, errors and last-error details as
/// grantex_verify() / grantex_verify_grant_token() followed by grantex_verified_grant's
/// accessors (a string field holding a NUL byte is the same GRANTEX_DECODE failure). On
/// success `*out` is written (`out_size` must be its size).
///
/// # Safety
/// `verifier` NULL or live; `jwks_uri` and `token` NULL with length 0 or readable for their
/// lengths; `options` NULL or live; `buf` NULL with `cap` 0 or writable for `cap` bytes; `out`
/// NULL or writable for `out_size` bytes.
/// cbindgen:ignore
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn libgrantex_go_verify(
    verifier: *const grantex_verifier,
    jwks_uri: *const u8,
    jwks_uri_len: usize,
    token: *const u8,
    token_len: usize,
    options: *const grantex_verify_options,
    buf: *mut u8,
    cap: usize,
    out: *mut libgrantex_go_grant,
    out_size: usize,
) -> grantex_result {
    guard(|| {
        if out_size != std::mem::size_of::<libgrantex_go_grant>() {
            return Err(Failure::invalid(format!(
                "libgrantex_go_verify: a grant copy of {out_size} bytes, this library's has {} \
                 (bindings-go and libgrantex of different versions)",
                std::mem::size_of::<libgrantex_go_grant>()
            )));
        }
        // SAFETY: per the function contract.
        let token = unsafe { go_str(token, token_len, "token") }?;
        let uri = if verifier.is_null() {
            // SAFETY: per the function contract.
            Some(unsafe { go_str(jwks_uri, jwks_uri_len, "jwks_uri") }?)
        } else {
            None
        };
        let out = Out::new(out, "out")?;
        let defaults = VerifyOptions::default();
        // SAFETY: per the function contract.
        let opts = unsafe { options.as_ref() }.map_or(&defaults, |o| &o.opts);
        let grant = match (unsafe { verifier.as_ref() }, uri) {
            (Some(verifier), _) if verifier.cache.jwks_uri().is_none() => {
                verifier.cache.verify_cached(token, opts)?
            }
            (Some(verifier), _) => blocking::block_on(verifier.cache.verify(token, opts))?,
            (None, uri) => blocking::verify_grant_token(token, uri.unwrap_or_default(), opts)?,
        };
        // `aud` as a list (a single string is a list of one), as grantex_verified_grant has it.
        let audience: Vec<String> = grant.audiences().into_iter().map(str::to_owned).collect();
        // The checks grantex_verified_grant::new makes, in its order: a field C cannot hold.
        let strings = [
            (grant.token_id.as_str(), "token id"),
            (grant.grant_id.as_str(), "grant id"),
            (grant.principal_id.as_str(), "principal id"),
            (grant.agent_did.as_str(), "agent DID"),
            (grant.developer_id.as_str(), "developer id"),
            (grant.issuer.as_str(), "issuer"),
        ];
        let optional = [
            (grant.parent_agent_did.as_deref(), "parent agent DID"),
            (grant.parent_grant_id.as_deref(), "parent grant id"),
        ];
        let lists = [(&grant.scopes, "scope"), (&audience, "audience")];
        let nul = |s: &str, what: &str| -> Result<(), Failure> {
            if s.as_bytes().contains(&0) {
                c_string(s, what)?;
            }
            Ok(())
        };
        for (s, what) in strings {
            nul(s, what)?;
        }
        for (s, what) in optional {
            s.map_or(Ok(()), |s| nul(s, what))?;
        }
        for (items, what) in lists {
            for s in items.iter() {
                nul(s, what)?;
            }
        }

        let mut copy = libgrantex_go_grant {
            off: [0; 8],
            len: [0; 8],
            set: [0; 8],
            scopes_len: grant.scopes.len().min(GO_MAX_LIST) as u32,
            audience_len: audience.len().min(GO_MAX_LIST) as u32,
            scope_off: [0; GO_MAX_LIST],
            scope_len: [0; GO_MAX_LIST],
            aud_off: [0; GO_MAX_LIST],
            aud_len: [0; GO_MAX_LIST],
            used: 0,
            issued_at: grant.issued_at,
            expires_at: grant.expires_at,
            depth: grant.depth(),
            has_depth: i32::from(grant.delegation_depth.is_some()),
            has_budget: i32::from(grant.budget.is_some()),
            budget: grant.budget.unwrap_or(0.0),
            legacy: 0,
            extra_off: 0,
            extra_len: 0,
            kept: std::ptr::null_mut(),
        };
        let mut legacy_known = true;
        for name in &grant.legacy_claims_used {
            match GO_LEGACY_NAMES.iter().position(|n| n == name) {
                Some(bit) => copy.legacy |= 1 << bit,
                None => legacy_known = false,
            }
        }
        let buf: &mut [u8] = if buf.is_null() {
            &mut []
        } else {
            // SAFETY: writable for `cap` bytes per the function contract.
            unsafe { std::slice::from_raw_parts_mut(buf, cap.min(u32::MAX as usize)) }
        };
        let mut copier = GoCopier {
            buf,
            used: 0,
            fits: legacy_known
                && grant.scopes.len() <= GO_MAX_LIST
                && audience.len() <= GO_MAX_LIST,
        };
        for (i, (s, _)) in strings.iter().enumerate() {
            copy.set[i] = 1;
            copier.put(s, &mut copy.off[i], &mut copy.len[i]);
        }
        for (i, (s, _)) in optional.iter().enumerate() {
            if let Some(s) = s {
                let at = strings.len() + i;
                copy.set[at] = 1;
                copier.put(s, &mut copy.off[at], &mut copy.len[at]);
            }
        }
        for (i, s) in grant.scopes.iter().take(GO_MAX_LIST).enumerate() {
            copier.put(s, &mut copy.scope_off[i], &mut copy.scope_len[i]);
        }
        for (i, s) in audience.iter().take(GO_MAX_LIST).enumerate() {
            copier.put(s, &mut copy.aud_off[i], &mut copy.aud_len[i]);
        }
        let rare = GoRareClaims {
            client_id: &grant.client_id,
            authorization_details: &grant.authorization_details,
            act: &grant.act,
            cnf: &grant.cnf,
            webauthn_evidence: &grant.webauthn_evidence,
        };
        if rare.client_id.is_some()
            || rare.authorization_details.is_some()
            || rare.act.is_some()
            || rare.cnf.is_some()
            || rare.webauthn_evidence.is_some()
        {
            let json = serde_json::to_string(&rare)
                .map_err(|e| Failure::invalid(format!("the grant's raw claims as JSON: {e}")))?;
            copier.put(&json, &mut copy.extra_off, &mut copy.extra_len);
        }
        copy.used = copier.used as u32;
        if !copier.fits {
            copy.kept = into_handle(grantex_verified_grant::new(grant)?);
        }
        out.write(copy);
        Ok(())
    })
}
