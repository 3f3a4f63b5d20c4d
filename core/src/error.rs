//! One error enum for the whole SDK. Every binding maps it in exactly one place:
//! Python exception classes, JS errors with a stable `code`, C numeric result codes.

use crate::types::RateLimit;
use std::fmt;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the SDK.
///
/// [`Error::code`] returns a stable string identifier that never changes meaning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-2xx status (after retries were used up).
    #[error("{}", .0)]
    Api(Box<ApiError>),
    /// The request could not be sent or the connection failed.
    #[error("network error: {message}")]
    Network {
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// The request did not complete within the configured timeout.
    #[error("request timed out: {message}")]
    Timeout { message: String },
    /// A grant token failed verification (offline or online).
    #[error("{0}")]
    Token(#[from] TokenError),
    /// The client or a call was configured with invalid values (missing API key, bad URL, ...).
    #[error("configuration error: {message}")]
    Config { message: String },
    /// An argument to an SDK function was invalid (empty id, bad JSON, ...).
    #[error("invalid argument: {message}")]
    InvalidArgument { message: String },
    /// A 2xx response body did not have the expected shape.
    #[error("could not decode response: {message}")]
    Decode {
        message: String,
        status: u16,
        request_id: Option<String>,
    },
    /// A tool manifest does not conform to manifest schema 0.6 (the message names the path:
    /// `ToolManifest: tools.pay.caps: unknown key "per_week" ...`).
    #[error("{message}")]
    Manifest { message: String },
}

impl Error {
    /// Stable string code: `api_error`, `auth_error`, `network_error`, `timeout`, `token_invalid`,
    /// `config_error`, `invalid_argument`, `decode_error`, `manifest_invalid`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Api(e) if e.is_auth() => "auth_error",
            Error::Api(_) => "api_error",
            Error::Network { .. } => "network_error",
            Error::Timeout { .. } => "timeout",
            Error::Token(_) => "token_invalid",
            Error::Config { .. } => "config_error",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::Decode { .. } => "decode_error",
            Error::Manifest { .. } => "manifest_invalid",
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            message: message.into(),
        }
    }

    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The token verification error, if this is one.
    pub fn as_token(&self) -> Option<&TokenError> {
        match self {
            Error::Token(e) => Some(e),
            _ => None,
        }
    }
}

/// A non-2xx HTTP response from the Grantex API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code.
    pub status: u16,
    /// The server's string error code (`body.code` or `body.error.code`), if any.
    pub code: Option<String>,
    /// Human-readable message (`body.message`, `body.error.message`, `body.error`, else `HTTP <status>`).
    pub message: String,
    /// The `x-request-id` response header, else `requestId` from the body.
    pub request_id: Option<String>,
    /// Rate-limit headers of the failing response, when all three were present.
    pub rate_limit: Option<RateLimit>,
    /// Parsed JSON body, else the body text as a JSON string, else `Null` for an empty body.
    pub body: serde_json::Value,
}

impl ApiError {
    /// 401 and 403 are authentication/authorization failures.
    pub fn is_auth(&self) -> bool {
        self.status == 401 || self.status == 403
    }
}

/// `<message> (HTTP <status>, code <code>, request id <id>)`, each fragment once: when the body
/// carried no message, [`ApiError::message`] is already `HTTP <status>` and leads alone
/// (`HTTP 404 (request id r1)`, never `HTTP 404 (HTTP 404)`); a code equal to the message is
/// not repeated either.
impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = format!("HTTP {}", self.status);
        let message = self.message.trim();
        let mut details: Vec<String> = Vec::with_capacity(3);
        if message.is_empty() {
            f.write_str(&status)?;
        } else {
            f.write_str(message)?;
            if !message.contains(&status) {
                details.push(status);
            }
        }
        if let Some(code) = self.code.as_deref().map(str::trim) {
            if !code.is_empty() && code != message {
                details.push(format!("code {code}"));
            }
        }
        if let Some(id) = self.request_id.as_deref().map(str::trim) {
            if !id.is_empty() {
                details.push(format!("request id {id}"));
            }
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

/// Why a grant token was rejected. One code per failure class; strings are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenErrorCode {
    /// Structurally invalid: segments, base64url, JSON, types of header members.
    Malformed,
    /// Longer than the length gate (16 KiB); rejected before any decoding.
    TooLarge,
    /// A JSON member name appears twice in the header or the claims.
    DuplicateMember,
    /// The header `alg` is not the configured algorithm (RS256).
    UnsupportedAlg,
    /// The header carries `crit`, `jku`, `x5u`, `jwk` or `x5c`, or a `typ` naming another kind
    /// of JWT (only `JWT` and `at+jwt`, optionally `application/`-prefixed, are grant tokens).
    ForbiddenHeader,
    /// The `kid` names no key in the set (after the permitted refetch).
    UnknownKid,
    /// The `kid` is ambiguous: several keys qualify (duplicate kid, or no kid and several keys).
    AmbiguousKid,
    /// The key is outside policy (RSA modulus not 2048–4096 bits, even or small exponent).
    WeakKey,
    /// The signature does not verify.
    BadSignature,
    /// `exp` has passed (beyond the clock tolerance).
    Expired,
    /// `nbf` is in the future (beyond the clock tolerance).
    NotYetValid,
    /// `iat` is in the future beyond the clock tolerance.
    IssuedInFuture,
    /// `iss` differs from the expected issuer.
    WrongIssuer,
    /// `aud` does not contain the expected audience.
    WrongAudience,
    /// A required scope is missing.
    MissingScopes,
    /// A required claim is absent.
    MissingClaim,
    /// A claim has the wrong JSON type (e.g. `exp` as a string).
    InvalidClaim,
    /// Legacy and standard claim layouts disagree.
    ClaimConflict,
    /// `delegationDepth` exceeds the configured maximum.
    DelegationTooDeep,
    /// The key set is unusable (invalid JSON, private members, no usable key).
    InvalidJwks,
    /// The key set could not be fetched.
    JwksFetch,
    /// The token was revoked (online check).
    Revoked,
    /// The server says the token/grant is not active (online verification).
    Inactive,
    /// A sandbox token (`urn:grantex:sandbox`: signed for a sandbox developer, whose grants are
    /// approved without a human) where sandbox tokens are not accepted.
    SandboxToken,
    /// The token's principal (`sub`) is not the expected one (`expected_principal_id`).
    WrongPrincipal,
    /// The token's agent DID is not the expected one (`expected_agent_did`).
    WrongAgent,
    /// The caller's current-authority check failed, or its answer does not match the token.
    AuthorityMismatch,
    /// Proof of possession is required (`require_proof_of_possession`) but the caller gave no
    /// proof key thumbprint (`proof_jkt`): the request presented no verified proof.
    ProofRequired,
    /// A proof key thumbprint was given but the token is not key-bound (no `cnf.jkt`).
    NotKeyBound,
    /// The token's `cnf.jkt` is not the thumbprint of the key the caller proved possession of.
    ProofMismatch,
    /// The DPoP proof given with the token (the `dpop` option, RFC 9449) is not valid for this
    /// request and token: signature, `typ`/`alg`/`jwk`, method, URI, age, `ath`, or a replay.
    InvalidProof,
}

impl TokenErrorCode {
    /// All codes, in a stable order (bindings publish this list).
    pub const ALL: &'static [TokenErrorCode] = &[
        Self::Malformed,
        Self::TooLarge,
        Self::DuplicateMember,
        Self::UnsupportedAlg,
        Self::ForbiddenHeader,
        Self::UnknownKid,
        Self::AmbiguousKid,
        Self::WeakKey,
        Self::BadSignature,
        Self::Expired,
        Self::NotYetValid,
        Self::IssuedInFuture,
        Self::WrongIssuer,
        Self::WrongAudience,
        Self::MissingScopes,
        Self::MissingClaim,
        Self::InvalidClaim,
        Self::ClaimConflict,
        Self::DelegationTooDeep,
        Self::InvalidJwks,
        Self::JwksFetch,
        Self::Revoked,
        Self::Inactive,
        Self::SandboxToken,
        Self::WrongPrincipal,
        Self::WrongAgent,
        Self::AuthorityMismatch,
        Self::ProofRequired,
        Self::NotKeyBound,
        Self::ProofMismatch,
        Self::InvalidProof,
    ];

    /// Stable snake_case identifier, identical in every language.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::TooLarge => "too_large",
            Self::DuplicateMember => "duplicate_member",
            Self::UnsupportedAlg => "unsupported_alg",
            Self::ForbiddenHeader => "forbidden_header",
            Self::UnknownKid => "unknown_kid",
            Self::AmbiguousKid => "ambiguous_kid",
            Self::WeakKey => "weak_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongAudience => "wrong_audience",
            Self::MissingScopes => "missing_scopes",
            Self::MissingClaim => "missing_claim",
            Self::InvalidClaim => "invalid_claim",
            Self::ClaimConflict => "claim_conflict",
            Self::DelegationTooDeep => "delegation_too_deep",
            Self::InvalidJwks => "invalid_jwks",
            Self::JwksFetch => "jwks_fetch",
            Self::Revoked => "revoked",
            Self::Inactive => "inactive",
            Self::WrongPrincipal => "wrong_principal",
            Self::WrongAgent => "wrong_agent",
            Self::AuthorityMismatch => "authority_mismatch",
            Self::SandboxToken => "sandbox_token",
            Self::ProofRequired => "proof_required",
            Self::NotKeyBound => "not_key_bound",
            Self::ProofMismatch => "proof_mismatch",
            Self::InvalidProof => "invalid_proof",
        }
    }

    /// Parse a stable identifier back into a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for TokenErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A grant token verification failure. The message never contains the token itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("grant token rejected ({code}): {message}")]
pub struct TokenError {
    pub code: TokenErrorCode,
    pub message: String,
}

impl TokenError {
    pub fn new(code: TokenErrorCode, message: impl Into<String>) -> Self {
        TokenError {
            code,
            message: message.into(),
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, message: &str, code: Option<&str>, request_id: Option<&str>) -> Error {
        Error::from(ApiError {
            status,
            code: code.map(str::to_owned),
            message: message.to_owned(),
            request_id: request_id.map(str::to_owned),
            rate_limit: None,
            body: serde_json::Value::Null,
        })
    }

    #[test]
    fn api_error_display_names_each_fragment_once() {
        let cases = [
            (api(404, "HTTP 404", None, None), "HTTP 404"),
            (
                api(404, "HTTP 404", None, Some("r1")),
                "HTTP 404 (request id r1)",
            ),
            (api(502, "", None, None), "HTTP 502"),
            (api(500, "  ", Some("E"), None), "HTTP 500 (code E)"),
            (
                api(401, "Invalid API key", Some("UNAUTHORIZED"), Some("r2")),
                "Invalid API key (HTTP 401, code UNAUTHORIZED, request id r2)",
            ),
            (
                api(409, "CONFLICT", Some("CONFLICT"), None),
                "CONFLICT (HTTP 409)",
            ),
            (
                api(503, "upstream said HTTP 503", None, None),
                "upstream said HTTP 503",
            ),
            (
                api(400, "HTTP 404 upstream", None, None),
                "HTTP 404 upstream (HTTP 400)",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn other_variants_prefix_their_kind_once() {
        let cases = [
            (
                Error::config("no API key"),
                "configuration error: no API key",
            ),
            (Error::invalid("empty id"), "invalid argument: empty id"),
            (
                Error::Token(TokenError::new(TokenErrorCode::Expired, "exp has passed")),
                "grant token rejected (expired): exp has passed",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }
}
