//! Stateless helpers: webhook signatures, PKCE, DPoP proofs and the audit-chain verifier.

use grantex::types::AuditEntry;
use pyo3::prelude::*;

/// V2 webhook check (timestamped). `payload` is the raw body bytes.
#[pyfunction]
#[pyo3(signature = (payload, signature, timestamp, secret, tolerance_seconds, now=None))]
pub fn verify_webhook(
    py: Python<'_>,
    payload: Vec<u8>,
    signature: String,
    timestamp: String,
    secret: String,
    tolerance_seconds: u64,
    now: Option<i64>,
) -> bool {
    py.detach(|| match now {
        Some(now) => grantex::webhook::verify_webhook_at(
            &payload,
            &signature,
            &timestamp,
            &secret,
            tolerance_seconds,
            now,
        ),
        None => grantex::webhook::verify_webhook(
            &payload,
            &signature,
            &timestamp,
            &secret,
            tolerance_seconds,
        ),
    })
}

/// Deprecated v1 webhook check (no timestamp).
#[pyfunction]
pub fn verify_webhook_signature(payload: Vec<u8>, signature: String, secret: String) -> bool {
    grantex::webhook::verify_webhook_signature(&payload, &signature, &secret)
}

/// `(code_verifier, code_challenge, code_challenge_method)`.
#[pyfunction]
pub fn generate_pkce() -> (String, String, String) {
    let p = grantex::pkce::generate_pkce();
    (p.code_verifier, p.code_challenge, p.code_challenge_method)
}

/// Verify a hash chain given as JSON text of wire-shaped entries (camelCase keys).
/// Returns `(valid, checked_entries, first_broken_at, reason)`.
#[pyfunction]
pub fn verify_audit_chain(
    py: Python<'_>,
    entries_json: String,
) -> PyResult<(bool, usize, Option<String>, Option<&'static str>)> {
    let values: Vec<serde_json::Value> =
        crate::convert::parse("audit entries", Some(&entries_json))
            .map_err(|e| crate::errors::to_py(py, e))?;
    // One entry at a time, so a bad one is named by its index.
    let entries = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value::<AuditEntry>(v).map_err(|e| grantex::Error::InvalidArgument {
                message: format!("verify_audit_chain(): entries[{i}] is not an audit entry: {e}"),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| crate::errors::to_py(py, e))?;
    let report = py.detach(|| grantex::audit_chain::verify_chain(&entries));
    Ok((
        report.valid,
        report.checked_entries,
        report.first_broken_at,
        report.reason.map(|r| r.as_str()),
    ))
}

/// The payload of a JWT as JSON text, **unverified** (`grantex.decode_jwt_payload`).
#[pyfunction]
pub fn decode_jwt_payload(py: Python<'_>, token: &str) -> PyResult<String> {
    grantex::decode::decode_jwt_payload(token)
        .map(|m| serde_json::Value::Object(m).to_string())
        .map_err(|e| crate::errors::to_py(py, e))
}

/// What a grant token says about itself as wire JSON text, **unverified**
/// (`grantex.get_token_info`).
#[pyfunction]
pub fn get_token_info(py: Python<'_>, token: &str) -> PyResult<String> {
    grantex::decode::get_token_info(token)
        .and_then(|i| crate::convert::json(&i))
        .map(|v| v.to_string())
        .map_err(|e| crate::errors::to_py(py, e))
}

/// A new P-256 private JWK (JSON text): an agent's DPoP key.
#[pyfunction]
pub fn generate_dpop_jwk(py: Python<'_>) -> PyResult<String> {
    grantex::dpop::generate_key().map_err(|e| crate::errors::to_py(py, e))
}

/// The public half of a JWK (JSON text), to register as an agent's `publicJwk`.
#[pyfunction]
pub fn dpop_public_jwk(py: Python<'_>, jwk: String) -> PyResult<String> {
    grantex::dpop::public_jwk(&jwk).map_err(|e| crate::errors::to_py(py, e))
}

/// RFC 7638 SHA-256 thumbprint of a JWK (JSON text): a key-bound token's `cnf.jkt`.
#[pyfunction]
pub fn jwk_thumbprint(py: Python<'_>, jwk: String) -> PyResult<String> {
    grantex::dpop::thumbprint(&jwk).map_err(|e| crate::errors::to_py(py, e))
}

/// A DPoP proof (RFC 9449) for one request, bound to `access_token` when given.
#[pyfunction]
#[pyo3(signature = (private_jwk, method, url, access_token=None))]
pub fn create_dpop_proof(
    py: Python<'_>,
    private_jwk: String,
    method: String,
    url: String,
    access_token: Option<String>,
) -> PyResult<String> {
    grantex::dpop::create_proof(&private_jwk, &method, &url, access_token.as_deref())
        .map_err(|e| crate::errors::to_py(py, e))
}
