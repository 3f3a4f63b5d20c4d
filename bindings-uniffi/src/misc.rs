//! Stateless helpers (PKCE, webhook signatures, the audit-chain verifier, issuer derivation)
//! and the catalog's operation list.

use crate::error::FfiError;
use grantex::catalog::{self, Auth, Output};
use grantex::types::AuditEntry;

/// One operation of the core's catalog.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OperationInfo {
    /// `"agents.get"`; top-level operations have no dot (`"me"`).
    pub name: String,
    /// The namespace (`"principal_sessions"`), empty for top-level operations.
    pub group: String,
    /// The method name (snake_case).
    pub method_name: String,
    /// `GET`, `POST`, ...
    pub http_method: String,
    /// `/v1/agents/{agentId}`.
    pub path: String,
    /// Wire names of the path parameters.
    pub path_params: Vec<String>,
    /// False for the operations run with `call_unauthenticated` (`signup`).
    pub needs_api_key: bool,
    /// False when a success carries no content.
    pub has_result: bool,
}

/// Every operation of the core's catalog, in catalog order.
#[uniffi::export]
pub fn operations() -> Vec<OperationInfo> {
    catalog::OPERATIONS
        .iter()
        .map(|op| OperationInfo {
            name: op.name.to_owned(),
            group: op.group.to_owned(),
            method_name: op.method_name.to_owned(),
            http_method: op.method.as_str().to_owned(),
            path: op.path.to_owned(),
            path_params: op.path_params.iter().map(|p| p.wire.to_owned()).collect(),
            needs_api_key: op.auth == Auth::ApiKey,
            has_result: !matches!(op.output, Output::Unit),
        })
        .collect()
}

/// The stable token error codes, in the core's order.
#[uniffi::export]
pub fn token_error_codes() -> Vec<String> {
    grantex::TokenErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect()
}

/// The core's version.
#[uniffi::export]
pub fn version() -> String {
    grantex::VERSION.to_owned()
}

/// A fresh PKCE verifier with its S256 challenge.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct PkceChallenge {
    pub code_verifier: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

impl std::fmt::Debug for PkceChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkceChallenge")
            .field("code_verifier", &"[redacted]")
            .field("code_challenge", &self.code_challenge)
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
pub fn generate_pkce() -> PkceChallenge {
    let p = grantex::pkce::generate_pkce();
    PkceChallenge {
        code_verifier: p.code_verifier,
        code_challenge: p.code_challenge,
        code_challenge_method: p.code_challenge_method,
    }
}

/// V2 webhook check (timestamped): the MAC must match and the timestamp be within
/// `tolerance_seconds` of `now` (Unix seconds; `None` reads the clock).
#[uniffi::export]
pub fn verify_webhook(
    payload: Vec<u8>,
    signature: String,
    timestamp: String,
    secret: String,
    tolerance_seconds: i64,
    now: Option<i64>,
) -> Result<bool, FfiError> {
    let tolerance = u64::try_from(tolerance_seconds).map_err(|_| {
        FfiError::invalid(format!(
            "toleranceSeconds must be >= 0, got {tolerance_seconds}"
        ))
    })?;
    Ok(match now {
        Some(now) => grantex::webhook::verify_webhook_at(
            &payload, &signature, &timestamp, &secret, tolerance, now,
        ),
        None => {
            grantex::webhook::verify_webhook(&payload, &signature, &timestamp, &secret, tolerance)
        }
    })
}

/// Deprecated v1 webhook check (no timestamp, replayable).
#[uniffi::export]
pub fn verify_webhook_signature(payload: Vec<u8>, signature: String, secret: String) -> bool {
    grantex::webhook::verify_webhook_signature(&payload, &signature, &secret)
}

/// The outcome of an audit-chain check.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChainReport {
    pub valid: bool,
    /// Entries examined, including the first broken one.
    pub checked_entries: i64,
    /// `entryId` of the first broken entry.
    pub first_broken_at: Option<String>,
    /// `"link"` or `"content"`.
    pub reason: Option<String>,
}

/// Verify a hash chain given as JSON text: an array of wire-shaped audit entries (camelCase
/// members), oldest first.
#[uniffi::export]
pub fn verify_audit_chain(entries_json: String) -> Result<ChainReport, FfiError> {
    let values: Vec<serde_json::Value> = serde_json::from_str(&entries_json)
        .map_err(|e| FfiError::invalid(format!("audit entries must be a JSON array: {e}")))?;
    let entries = values
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value::<AuditEntry>(v)
                .map_err(|e| FfiError::invalid(format!("entries[{i}] is not an audit entry: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let report = grantex::audit_chain::verify_chain(&entries);
    Ok(ChainReport {
        valid: report.valid,
        checked_entries: i64::try_from(report.checked_entries).unwrap_or(i64::MAX),
        first_broken_at: report.first_broken_at,
        reason: report.reason.map(|r| r.as_str().to_owned()),
    })
}

/// A new P-256 private JWK (JSON text): an agent's DPoP key.
#[uniffi::export]
pub fn generate_dpop_jwk() -> Result<String, FfiError> {
    Ok(grantex::dpop::generate_key()?)
}

/// The public half of a JWK (JSON text), to register as an agent's `publicJwk`.
#[uniffi::export]
pub fn dpop_public_jwk(jwk: String) -> Result<String, FfiError> {
    Ok(grantex::dpop::public_jwk(&jwk)?)
}

/// RFC 7638 SHA-256 thumbprint of a JWK (JSON text): a key-bound token's `cnf.jkt`.
#[uniffi::export]
pub fn jwk_thumbprint(jwk: String) -> Result<String, FfiError> {
    Ok(grantex::dpop::thumbprint(&jwk)?)
}

/// A DPoP proof (RFC 9449) for one request, bound to `access_token` when given.
#[uniffi::export]
pub fn create_dpop_proof(
    private_jwk: String,
    method: String,
    url: String,
    access_token: Option<String>,
) -> Result<String, FfiError> {
    Ok(grantex::dpop::create_proof(
        &private_jwk,
        &method,
        &url,
        access_token.as_deref(),
    )?)
}

/// The issuer expected for a JWKS URI when the caller names none.
#[uniffi::export]
pub fn derive_issuer(jwks_uri: String) -> String {
    grantex::verify::derive_issuer(&jwks_uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_and_helpers() {
        let ops = operations();
        assert_eq!(ops.len(), catalog::OPERATIONS.len());
        let get = ops.iter().find(|o| o.name == "agents.get").unwrap();
        assert_eq!(get.path_params, vec!["agentId".to_string()]);
        assert!(ops.iter().any(|o| o.name == "signup" && !o.needs_api_key));
        assert_eq!(
            token_error_codes().len(),
            grantex::TokenErrorCode::ALL.len()
        );
        let p = generate_pkce();
        assert_eq!(p.code_challenge_method, "S256");
        let sig = grantex::webhook::sign_webhook(b"{}", "s", 100);
        assert!(verify_webhook(
            b"{}".to_vec(),
            sig.clone(),
            "100".into(),
            "s".into(),
            300,
            Some(100)
        )
        .unwrap());
        assert!(!verify_webhook(
            b"{}".to_vec(),
            sig,
            "100".into(),
            "s".into(),
            300,
            Some(1000)
        )
        .unwrap());
        assert_eq!(verify_audit_chain("[]".into()).unwrap().checked_entries, 0);
        assert_eq!(
            verify_audit_chain("{}".into()).unwrap_err().code(),
            "invalid_argument"
        );
        assert_eq!(
            derive_issuer("https://api.grantex.dev/.well-known/jwks.json".into()),
            "https://grantex.dev"
        );
    }
}
