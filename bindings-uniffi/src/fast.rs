//! The JVM's hot path for bound verification (`GrantVerifier.verifyCached`): one plain C call
//! through JNA direct mapping with a native buffer, instead of uniffi's by-value `RustBuffer`s
//! and call-status structures (three native calls and their JNA structures per uniffi call,
//! more than the RSA check itself). Only the conversion differs: the verification is the same
//! `JwksCache::verify_cached` with the same options. Anything but a verified grant (a refused
//! token, a verifier already closed, options whose check has side effects) answers "use the
//! regular call", which gives the exception.

use grantex::{JwksCache, VerifiedGrant, VerifyOptions};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// A bound verifier, registered under an id the JVM holds.
pub(crate) struct Bound {
    pub(crate) cache: JwksCache,
    pub(crate) opts: VerifyOptions,
}

static NEXT: AtomicU64 = AtomicU64::new(1);
static BOUND: RwLock<BTreeMap<u64, Arc<Bound>>> = RwLock::new(BTreeMap::new());

/// Registers `bound`; the id to pass to [`grantex_jvm_verify_cached`].
pub(crate) fn register(bound: Arc<Bound>) -> u64 {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    BOUND
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, bound);
    id
}

/// Forgets `id` (its verifier was freed).
pub(crate) fn unregister(id: u64) {
    BOUND.write().unwrap_or_else(|p| p.into_inner()).remove(&id);
}

/// "Use the regular call": not registered, not applicable, refused, or no room.
const FALL_BACK: i32 = -1;

/// `mode` of [`grantex_jvm_verify_cached`]: the keys already loaded, whatever their age (the
/// `verifyCached` calls).
const LOADED: u32 = 0;

/// Verifies the token in `buf[..token_len]` with the verifier `id` and writes the grant into
/// `buf` (from offset 0, at most `cap` bytes) in the layout `bindings-kotlin`'s `FastVerify`
/// reads; returns its length, or -1 for "use the regular call". `mode` 0 uses the keys already
/// loaded (`verifyCached`); 1 only keys the regular `verify` would use without a fetch (a key
/// set past its max age goes to the regular call, which refreshes it).
///
/// # Safety
/// `buf` points to `cap` writable bytes, the first `token_len` holding the token.
#[no_mangle]
pub unsafe extern "C" fn grantex_jvm_verify_cached(
    id: u64,
    mode: u32,
    buf: *mut u8,
    token_len: u32,
    cap: u32,
) -> i32 {
    std::panic::catch_unwind(|| {
        if buf.is_null() || token_len > cap || cap > i32::MAX as u32 {
            return FALL_BACK;
        }
        let bound = match BOUND.read().unwrap_or_else(|p| p.into_inner()).get(&id) {
            Some(b) => b.clone(),
            None => return FALL_BACK,
        };
        // A DPoP proof is recorded as used when it verifies: never check it twice.
        if bound.opts.dpop.is_some() {
            return FALL_BACK;
        }
        if mode != LOADED && !bound.cache.fresh(&bound.opts) {
            return FALL_BACK;
        }
        // SAFETY: per the function contract.
        let input = unsafe { std::slice::from_raw_parts(buf, token_len as usize) };
        let Ok(token) = std::str::from_utf8(input) else {
            return FALL_BACK;
        };
        let Ok(grant) = bound.cache.verify_cached(token, &bound.opts) else {
            return FALL_BACK;
        };
        let out = encode(&grant);
        if out.len() > cap as usize {
            return FALL_BACK;
        }
        // SAFETY: `out` fits in the `cap` bytes the caller gave; the token is no longer read.
        unsafe { std::ptr::copy_nonoverlapping(out.as_ptr(), buf, out.len()) };
        out.len() as i32
    })
    .unwrap_or(FALL_BACK)
}

/// The grant as little-endian fields: strings as `u32` length + UTF-8, optionals behind a `u8`
/// flag, lists as a `u32` count. The order is `FastVerify.decode`'s (bindings-kotlin).
fn encode(g: &VerifiedGrant) -> Vec<u8> {
    let mut o = Vec::with_capacity(512);
    let s = |o: &mut Vec<u8>, v: &str| {
        o.extend_from_slice(&(v.len() as u32).to_le_bytes());
        o.extend_from_slice(v.as_bytes());
    };
    let opt = |o: &mut Vec<u8>, v: Option<&str>| match v {
        Some(v) => {
            o.push(1);
            s(o, v);
        }
        None => o.push(0),
    };
    let list = |o: &mut Vec<u8>, v: &[String]| {
        o.extend_from_slice(&(v.len() as u32).to_le_bytes());
        for i in v {
            s(o, i);
        }
    };
    for v in [
        &g.token_id,
        &g.grant_id,
        &g.principal_id,
        &g.agent_did,
        &g.developer_id,
    ] {
        s(&mut o, v);
    }
    list(&mut o, &g.scopes);
    o.extend_from_slice(&g.issued_at.to_le_bytes());
    o.extend_from_slice(&g.expires_at.to_le_bytes());
    opt(&mut o, g.parent_agent_did.as_deref());
    opt(&mut o, g.parent_grant_id.as_deref());
    match g.delegation_depth {
        Some(d) => {
            o.push(1);
            o.extend_from_slice(&i64::from(d).to_le_bytes());
        }
        None => o.push(0),
    }
    let audiences: Vec<String> = g.audiences().into_iter().map(str::to_owned).collect();
    o.push(match &g.audience {
        None => 0,
        Some(serde_json::Value::Array(_)) => 2,
        Some(_) => 1,
    });
    list(&mut o, &audiences);
    s(&mut o, &g.issuer);
    match g.budget {
        Some(b) => {
            o.push(1);
            o.extend_from_slice(&b.to_bits().to_le_bytes());
        }
        None => o.push(0),
    }
    opt(&mut o, g.client_id.as_deref());
    list(&mut o, &g.legacy_claims_used);
    let raw = crate::verify::VerifiedGrant::raw_members(g);
    opt(&mut o, raw.as_deref());
    o
}
