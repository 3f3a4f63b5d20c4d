//! Pure functions of the core: webhook signatures, PKCE, DPoP proofs, the audit-chain verifier,
//! issuer derivation.

use crate::convert::params;
use crate::errors::{invalid, to_napi};
use grantex::types::AuditEntry;
use napi::bindgen_prelude::{Array, Buffer, Either, FromNapiValue, Unknown};
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::Value;

fn bytes(payload: &Either<String, Buffer>) -> &[u8] {
    match payload {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b.as_ref(),
    }
}

/// V2 webhook check: HMAC over `"<timestamp>.<body>"` and a timestamp within the tolerance.
/// `now` (Unix seconds) fixes the clock for tests. Never throws for malformed input.
#[napi]
pub fn verify_webhook(
    payload: Either<String, Buffer>,
    signature: String,
    timestamp: String,
    secret: String,
    tolerance_seconds: Option<f64>,
    now: Option<f64>,
) -> bool {
    let tolerance = match tolerance_seconds {
        None => grantex::webhook::DEFAULT_TOLERANCE_SECS,
        Some(t) if t.is_finite() && t >= 0.0 => t.floor() as u64,
        Some(_) => return false,
    };
    let body = bytes(&payload);
    match now {
        None => grantex::webhook::verify_webhook(body, &signature, &timestamp, &secret, tolerance),
        Some(n) if n.is_finite() => grantex::webhook::verify_webhook_at(
            body,
            &signature,
            &timestamp,
            &secret,
            tolerance,
            n.floor() as i64,
        ),
        Some(_) => false,
    }
}

/// Deprecated v1 webhook check (no timestamp, replayable).
#[napi]
pub fn verify_webhook_signature(
    payload: Either<String, Buffer>,
    signature: String,
    secret: String,
) -> bool {
    grantex::webhook::verify_webhook_signature(bytes(&payload), &signature, &secret)
}

/// A PKCE S256 pair: `{codeVerifier, codeChallenge, codeChallengeMethod}`.
#[napi]
pub fn generate_pkce() -> Result<Value> {
    crate::convert::to_json(grantex::pkce::generate_pkce()).map_err(to_napi)
}

/// A new P-256 private JWK (JSON text): an agent's DPoP key.
#[napi]
pub fn generate_dpop_jwk() -> Result<String> {
    grantex::dpop::generate_key().map_err(to_napi)
}

/// The public half of a JWK (JSON text in and out).
#[napi]
pub fn dpop_public_jwk(jwk: String) -> Result<String> {
    grantex::dpop::public_jwk(&jwk).map_err(to_napi)
}

/// RFC 7638 SHA-256 thumbprint of a JWK (JSON text).
#[napi]
pub fn jwk_thumbprint(jwk: String) -> Result<String> {
    grantex::dpop::thumbprint(&jwk).map_err(to_napi)
}

/// A DPoP proof (RFC 9449) for one request, bound to `access_token` when given.
#[napi]
pub fn create_dpop_proof(
    private_jwk: String,
    method: String,
    url: String,
    access_token: Option<String>,
) -> Result<String> {
    grantex::dpop::create_proof(&private_jwk, &method, &url, access_token.as_deref())
        .map_err(to_napi)
}

/// Checks the hash chain of audit entries (oldest first):
/// `{valid, checkedEntries, firstBrokenAt, reason}`.
#[napi]
pub fn verify_audit_chain(env: &Env, entries: Unknown<'_>) -> Result<Value> {
    const WHAT: &str = "verifyAuditChain(entries)";
    let list = Array::from_unknown(entries)
        .map_err(|_| invalid(format!("{WHAT}: entries must be an array of audit entries")))?;
    // One entry at a time, so a bad one is named by its index.
    let mut entries: Vec<AuditEntry> = Vec::with_capacity(list.len() as usize);
    for i in 0..list.len() {
        let item: Unknown<'_> = list
            .get(i)?
            .ok_or_else(|| invalid(format!("{WHAT}: entries[{i}] is missing")))?;
        entries.push(params(env, &format!("{WHAT}: entries[{i}]"), item)?);
    }
    crate::convert::to_json(grantex::audit_chain::verify_chain(&entries)).map_err(to_napi)
}

/// The issuer expected for a JWKS URI when the options name none.
#[napi]
pub fn derive_issuer(jwks_uri: String) -> String {
    grantex::verify::derive_issuer(&jwks_uri)
}

/// The stable token error codes, in the core's order.
#[napi]
pub fn token_error_codes() -> Vec<&'static str> {
    grantex::TokenErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .collect()
}

/// The payload of a JWT, **unverified** (`decodeJwtPayload`).
#[napi]
pub fn decode_jwt_payload(token: String) -> Result<Value> {
    grantex::decode::decode_jwt_payload(&token)
        .map(Value::Object)
        .map_err(to_napi)
}

/// What a grant token says about itself, **unverified** (`getTokenInfo`).
#[napi]
pub fn get_token_info(token: String) -> Result<Value> {
    grantex::decode::get_token_info(&token)
        .and_then(crate::convert::to_json)
        .map_err(to_napi)
}
