//! `grantex_result`: the numeric codes every export returns, and their mapping from the core's
//! error enum. Values are stable and grouped in bands of 1000 per family; a retired value is
//! never reused (leave it commented as "reserved").

use grantex_core::{Error, TokenErrorCode};
use std::ffi::c_char;

/// Outcome of a libgrantex call. `GRANTEX_OK` is 0; every other value is a failure whose
/// family is `value / 1000` (1 argument, 2 config, 3 network, 4 timeout, 5 API, 6 auth,
/// 7 token verification, 8 A2A, 9 internal). Values never change meaning and are never reused.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum grantex_result {
    /// Success.
    GRANTEX_OK = 0,

    /// A required pointer was NULL, a string was not valid UTF-8, an id was empty, params did
    /// not fit the call, or a value was of the wrong type.
    GRANTEX_INVALID_ARGUMENT = 1000,
    /// A caller buffer was too small; the text was truncated (see grantex_last_error_message).
    GRANTEX_BUFFER_TOO_SMALL = 1001,
    /// The requested field or detail does not exist (or is JSON null).
    GRANTEX_NOT_FOUND = 1002,

    /// Client or verifier configuration is invalid (missing API key, bad base URL, issuer
    /// required with a static key set, ...).
    GRANTEX_CONFIG = 2000,
    /// A tool manifest does not conform to manifest schema 0.6 (the message names the path).
    GRANTEX_MANIFEST_INVALID = 2001,

    /// The request could not be sent or the connection failed (refused, DNS, TLS, reset).
    GRANTEX_NETWORK = 3000,

    /// The request did not complete within the configured timeout.
    GRANTEX_TIMEOUT = 4000,

    /// The server answered with a non-2xx status other than 401/403 (see
    /// grantex_last_error_http_status / _api_code / _request_id).
    GRANTEX_API = 5000,
    /// A 2xx response body did not have the expected shape.
    GRANTEX_DECODE = 5001,

    /// The server answered 401 or 403: bad or revoked API key, or not allowed.
    GRANTEX_AUTH = 6000,

    /// Token: structurally invalid (segments, base64url, JSON, member types).
    GRANTEX_TOKEN_MALFORMED = 7001,
    /// Token: longer than the 16 KiB length gate.
    GRANTEX_TOKEN_TOO_LARGE = 7002,
    /// Token: a JSON member name appears twice in the header or claims.
    GRANTEX_TOKEN_DUPLICATE_MEMBER = 7003,
    /// Token: header `alg` is not RS256.
    GRANTEX_TOKEN_UNSUPPORTED_ALG = 7004,
    /// Token: header carries crit, jku, x5u, jwk or x5c.
    GRANTEX_TOKEN_FORBIDDEN_HEADER = 7005,
    /// Token: the kid names no key in the set (after the permitted refetch).
    GRANTEX_TOKEN_UNKNOWN_KID = 7006,
    /// Token: the kid is ambiguous (duplicate kid, or no kid and several keys).
    GRANTEX_TOKEN_AMBIGUOUS_KID = 7007,
    /// Token: the key is outside policy (modulus size, exponent).
    GRANTEX_TOKEN_WEAK_KEY = 7008,
    /// Token: the signature does not verify.
    GRANTEX_TOKEN_BAD_SIGNATURE = 7009,
    /// Token: exp has passed (beyond the clock tolerance).
    GRANTEX_TOKEN_EXPIRED = 7010,
    /// Token: nbf is in the future (beyond the clock tolerance).
    GRANTEX_TOKEN_NOT_YET_VALID = 7011,
    /// Token: iat is in the future beyond the clock tolerance.
    GRANTEX_TOKEN_ISSUED_IN_FUTURE = 7012,
    /// Token: iss differs from the expected issuer.
    GRANTEX_TOKEN_WRONG_ISSUER = 7013,
    /// Token: aud does not contain the expected audience.
    GRANTEX_TOKEN_WRONG_AUDIENCE = 7014,
    /// Token: a required scope is missing.
    GRANTEX_TOKEN_MISSING_SCOPES = 7015,
    /// Token: a required claim is absent.
    GRANTEX_TOKEN_MISSING_CLAIM = 7016,
    /// Token: a claim has the wrong JSON type.
    GRANTEX_TOKEN_INVALID_CLAIM = 7017,
    /// Token: legacy and standard claim layouts disagree.
    GRANTEX_TOKEN_CLAIM_CONFLICT = 7018,
    /// Token: delegation depth exceeds the configured maximum.
    GRANTEX_TOKEN_DELEGATION_TOO_DEEP = 7019,
    /// Token: the key set is unusable (invalid JSON, private members, no usable key).
    GRANTEX_TOKEN_INVALID_JWKS = 7020,
    /// Token: the key set could not be fetched.
    GRANTEX_TOKEN_JWKS_FETCH = 7021,
    /// Token: revoked (online check).
    GRANTEX_TOKEN_REVOKED = 7022,
    /// Token: the server says the token or grant is not active (online verification).
    GRANTEX_TOKEN_INACTIVE = 7023,
    /// Token: a sandbox token (approved without a human) where sandbox tokens are not accepted
    /// (grantex_verify_options_set_allow_sandbox, or GRANTEX_ALLOW_SANDBOX_TOKENS=1).
    GRANTEX_TOKEN_SANDBOX = 7024,
    /// Token: the principal (`sub`) is not the expected one
    /// (grantex_verify_options_set_expected_principal_id).
    GRANTEX_TOKEN_WRONG_PRINCIPAL = 7025,
    /// Token: the agent DID is not the expected one
    /// (grantex_verify_options_set_expected_agent_did).
    GRANTEX_TOKEN_WRONG_AGENT = 7026,
    /// Token: the current authority's answer does not describe this grant, or it could not be
    /// obtained (grantex_verified_grant_check_authority).
    GRANTEX_TOKEN_AUTHORITY_MISMATCH = 7027,
    /// Token: proof of possession is required (`require_proof_of_possession`) but no proof key
    /// thumbprint (`proof_jkt`) was given.
    GRANTEX_TOKEN_PROOF_REQUIRED = 7028,
    /// Token: a proof key thumbprint was given but the token is not key-bound (no `cnf.jkt`).
    GRANTEX_TOKEN_NOT_KEY_BOUND = 7029,
    /// Token: its `cnf.jkt` is not the thumbprint of the key the request proved possession of.
    GRANTEX_TOKEN_PROOF_MISMATCH = 7030,
    /// Token: the DPoP proof given with it (`dpop` reference option) is not valid for this
    /// request and token (signature, method, URI, age, `ath`, or a replay).
    GRANTEX_TOKEN_INVALID_PROOF = 7031,
    /// Token: rejected for a reason newer than this header (see the last-error message).
    GRANTEX_TOKEN_OTHER = 7999,

    /// The A2A guard refused the request: grantex_a2a_guard_check() wrote a
    /// grantex_a2a_rejection (HTTP status, reason, JSON-RPC error body) to its out-parameter.
    GRANTEX_A2A_REJECTED = 8000,
    /// A2A client: our own grant token failed the offline check against the remote agent's
    /// card (signature, expiry, scopes, delegation); nothing was sent. The last error's
    /// grantex_last_error_api_code() is the token reason (`expired`, `missing_scopes`, ...).
    GRANTEX_A2A_PREFLIGHT = 8001,
    /// A2A client: the remote agent answered a JSON-RPC error. The last error has its HTTP
    /// status, `data.reason` as the api code (`revoked`, `delegation_too_deep`, ...) and the
    /// error object as the body.
    GRANTEX_A2A_RPC = 8002,
    /// A2A client: the remote agent answered a non-2xx status without a JSON-RPC error.
    GRANTEX_A2A_HTTP = 8003,
    /// A2A client: the agent card could not be fetched or parsed, or contradicts the setup.
    GRANTEX_A2A_CARD = 8004,
    /// A2A client: the remote agent's answer is not a JSON-RPC 2.0 response to the request.
    GRANTEX_A2A_PROTOCOL = 8005,

    /// A Rust panic was caught at the API boundary (a bug: please report it).
    GRANTEX_PANIC = 9000,
    /// An error kind newer than this header (see the last-error message).
    GRANTEX_UNKNOWN_ERROR = 9001,
}

use grantex_result::*;

/// Every code, for `grantex_result_name` and the tests.
pub(crate) const ALL_RESULTS: &[grantex_result] = &[
    GRANTEX_OK,
    GRANTEX_INVALID_ARGUMENT,
    GRANTEX_BUFFER_TOO_SMALL,
    GRANTEX_NOT_FOUND,
    GRANTEX_CONFIG,
    GRANTEX_MANIFEST_INVALID,
    GRANTEX_NETWORK,
    GRANTEX_TIMEOUT,
    GRANTEX_API,
    GRANTEX_DECODE,
    GRANTEX_AUTH,
    GRANTEX_TOKEN_MALFORMED,
    GRANTEX_TOKEN_TOO_LARGE,
    GRANTEX_TOKEN_DUPLICATE_MEMBER,
    GRANTEX_TOKEN_UNSUPPORTED_ALG,
    GRANTEX_TOKEN_FORBIDDEN_HEADER,
    GRANTEX_TOKEN_UNKNOWN_KID,
    GRANTEX_TOKEN_AMBIGUOUS_KID,
    GRANTEX_TOKEN_WEAK_KEY,
    GRANTEX_TOKEN_BAD_SIGNATURE,
    GRANTEX_TOKEN_EXPIRED,
    GRANTEX_TOKEN_NOT_YET_VALID,
    GRANTEX_TOKEN_ISSUED_IN_FUTURE,
    GRANTEX_TOKEN_WRONG_ISSUER,
    GRANTEX_TOKEN_WRONG_AUDIENCE,
    GRANTEX_TOKEN_MISSING_SCOPES,
    GRANTEX_TOKEN_MISSING_CLAIM,
    GRANTEX_TOKEN_INVALID_CLAIM,
    GRANTEX_TOKEN_CLAIM_CONFLICT,
    GRANTEX_TOKEN_DELEGATION_TOO_DEEP,
    GRANTEX_TOKEN_INVALID_JWKS,
    GRANTEX_TOKEN_JWKS_FETCH,
    GRANTEX_TOKEN_REVOKED,
    GRANTEX_TOKEN_INACTIVE,
    GRANTEX_TOKEN_SANDBOX,
    GRANTEX_TOKEN_WRONG_PRINCIPAL,
    GRANTEX_TOKEN_WRONG_AGENT,
    GRANTEX_TOKEN_AUTHORITY_MISMATCH,
    GRANTEX_TOKEN_PROOF_REQUIRED,
    GRANTEX_TOKEN_NOT_KEY_BOUND,
    GRANTEX_TOKEN_PROOF_MISMATCH,
    GRANTEX_TOKEN_INVALID_PROOF,
    GRANTEX_TOKEN_OTHER,
    GRANTEX_A2A_REJECTED,
    GRANTEX_A2A_PREFLIGHT,
    GRANTEX_A2A_RPC,
    GRANTEX_A2A_HTTP,
    GRANTEX_A2A_CARD,
    GRANTEX_A2A_PROTOCOL,
    GRANTEX_PANIC,
    GRANTEX_UNKNOWN_ERROR,
];

impl grantex_result {
    /// The stable string name: the core's `Error::code()` family strings, and for token
    /// failures the `TokenErrorCode::as_str()` string, identical in every language.
    #[cfg(test)]
    pub(crate) fn name(self) -> &'static str {
        // Every entry of the table below is ASCII.
        self.c_name().to_str().unwrap_or("unrecognized")
    }

    /// The same name as a NUL-terminated static C string.
    fn c_name(self) -> &'static std::ffi::CStr {
        match self {
            GRANTEX_OK => c"ok",
            GRANTEX_INVALID_ARGUMENT => c"invalid_argument",
            GRANTEX_BUFFER_TOO_SMALL => c"buffer_too_small",
            GRANTEX_NOT_FOUND => c"not_found",
            GRANTEX_CONFIG => c"config_error",
            GRANTEX_MANIFEST_INVALID => c"manifest_invalid",
            GRANTEX_NETWORK => c"network_error",
            GRANTEX_TIMEOUT => c"timeout",
            GRANTEX_API => c"api_error",
            GRANTEX_DECODE => c"decode_error",
            GRANTEX_AUTH => c"auth_error",
            GRANTEX_TOKEN_MALFORMED => c"malformed",
            GRANTEX_TOKEN_TOO_LARGE => c"too_large",
            GRANTEX_TOKEN_DUPLICATE_MEMBER => c"duplicate_member",
            GRANTEX_TOKEN_UNSUPPORTED_ALG => c"unsupported_alg",
            GRANTEX_TOKEN_FORBIDDEN_HEADER => c"forbidden_header",
            GRANTEX_TOKEN_UNKNOWN_KID => c"unknown_kid",
            GRANTEX_TOKEN_AMBIGUOUS_KID => c"ambiguous_kid",
            GRANTEX_TOKEN_WEAK_KEY => c"weak_key",
            GRANTEX_TOKEN_BAD_SIGNATURE => c"bad_signature",
            GRANTEX_TOKEN_EXPIRED => c"expired",
            GRANTEX_TOKEN_NOT_YET_VALID => c"not_yet_valid",
            GRANTEX_TOKEN_ISSUED_IN_FUTURE => c"issued_in_future",
            GRANTEX_TOKEN_WRONG_ISSUER => c"wrong_issuer",
            GRANTEX_TOKEN_WRONG_AUDIENCE => c"wrong_audience",
            GRANTEX_TOKEN_MISSING_SCOPES => c"missing_scopes",
            GRANTEX_TOKEN_MISSING_CLAIM => c"missing_claim",
            GRANTEX_TOKEN_INVALID_CLAIM => c"invalid_claim",
            GRANTEX_TOKEN_CLAIM_CONFLICT => c"claim_conflict",
            GRANTEX_TOKEN_DELEGATION_TOO_DEEP => c"delegation_too_deep",
            GRANTEX_TOKEN_INVALID_JWKS => c"invalid_jwks",
            GRANTEX_TOKEN_JWKS_FETCH => c"jwks_fetch",
            GRANTEX_TOKEN_REVOKED => c"revoked",
            GRANTEX_TOKEN_INACTIVE => c"inactive",
            GRANTEX_TOKEN_SANDBOX => c"sandbox_token",
            GRANTEX_TOKEN_WRONG_PRINCIPAL => c"wrong_principal",
            GRANTEX_TOKEN_WRONG_AGENT => c"wrong_agent",
            GRANTEX_TOKEN_AUTHORITY_MISMATCH => c"authority_mismatch",
            GRANTEX_TOKEN_PROOF_REQUIRED => c"proof_required",
            GRANTEX_TOKEN_NOT_KEY_BOUND => c"not_key_bound",
            GRANTEX_TOKEN_PROOF_MISMATCH => c"proof_mismatch",
            GRANTEX_TOKEN_INVALID_PROOF => c"invalid_proof",
            GRANTEX_TOKEN_OTHER => c"token_invalid",
            GRANTEX_A2A_REJECTED => c"a2a_rejected",
            GRANTEX_A2A_PREFLIGHT => c"a2a_preflight",
            GRANTEX_A2A_RPC => c"a2a_rpc_error",
            GRANTEX_A2A_HTTP => c"a2a_http_error",
            GRANTEX_A2A_CARD => c"a2a_card_error",
            GRANTEX_A2A_PROTOCOL => c"a2a_protocol_error",
            GRANTEX_PANIC => c"panic",
            GRANTEX_UNKNOWN_ERROR => c"unknown_error",
        }
    }

    fn from_u32(value: u32) -> Option<grantex_result> {
        ALL_RESULTS.iter().copied().find(|r| *r as u32 == value)
    }
}

/// The C code for a token rejection class.
pub(crate) fn token_result(code: TokenErrorCode) -> grantex_result {
    match code {
        TokenErrorCode::Malformed => GRANTEX_TOKEN_MALFORMED,
        TokenErrorCode::TooLarge => GRANTEX_TOKEN_TOO_LARGE,
        TokenErrorCode::DuplicateMember => GRANTEX_TOKEN_DUPLICATE_MEMBER,
        TokenErrorCode::UnsupportedAlg => GRANTEX_TOKEN_UNSUPPORTED_ALG,
        TokenErrorCode::ForbiddenHeader => GRANTEX_TOKEN_FORBIDDEN_HEADER,
        TokenErrorCode::UnknownKid => GRANTEX_TOKEN_UNKNOWN_KID,
        TokenErrorCode::AmbiguousKid => GRANTEX_TOKEN_AMBIGUOUS_KID,
        TokenErrorCode::WeakKey => GRANTEX_TOKEN_WEAK_KEY,
        TokenErrorCode::BadSignature => GRANTEX_TOKEN_BAD_SIGNATURE,
        TokenErrorCode::Expired => GRANTEX_TOKEN_EXPIRED,
        TokenErrorCode::NotYetValid => GRANTEX_TOKEN_NOT_YET_VALID,
        TokenErrorCode::IssuedInFuture => GRANTEX_TOKEN_ISSUED_IN_FUTURE,
        TokenErrorCode::WrongIssuer => GRANTEX_TOKEN_WRONG_ISSUER,
        TokenErrorCode::WrongAudience => GRANTEX_TOKEN_WRONG_AUDIENCE,
        TokenErrorCode::MissingScopes => GRANTEX_TOKEN_MISSING_SCOPES,
        TokenErrorCode::MissingClaim => GRANTEX_TOKEN_MISSING_CLAIM,
        TokenErrorCode::InvalidClaim => GRANTEX_TOKEN_INVALID_CLAIM,
        TokenErrorCode::ClaimConflict => GRANTEX_TOKEN_CLAIM_CONFLICT,
        TokenErrorCode::DelegationTooDeep => GRANTEX_TOKEN_DELEGATION_TOO_DEEP,
        TokenErrorCode::InvalidJwks => GRANTEX_TOKEN_INVALID_JWKS,
        TokenErrorCode::JwksFetch => GRANTEX_TOKEN_JWKS_FETCH,
        TokenErrorCode::Revoked => GRANTEX_TOKEN_REVOKED,
        TokenErrorCode::Inactive => GRANTEX_TOKEN_INACTIVE,
        TokenErrorCode::SandboxToken => GRANTEX_TOKEN_SANDBOX,
        TokenErrorCode::WrongPrincipal => GRANTEX_TOKEN_WRONG_PRINCIPAL,
        TokenErrorCode::WrongAgent => GRANTEX_TOKEN_WRONG_AGENT,
        TokenErrorCode::AuthorityMismatch => GRANTEX_TOKEN_AUTHORITY_MISMATCH,
        TokenErrorCode::ProofRequired => GRANTEX_TOKEN_PROOF_REQUIRED,
        TokenErrorCode::NotKeyBound => GRANTEX_TOKEN_NOT_KEY_BOUND,
        TokenErrorCode::ProofMismatch => GRANTEX_TOKEN_PROOF_MISMATCH,
        TokenErrorCode::InvalidProof => GRANTEX_TOKEN_INVALID_PROOF,
        _ => GRANTEX_TOKEN_OTHER,
    }
}

/// The C code for a core error.
pub(crate) fn error_result(error: &Error) -> grantex_result {
    match error {
        Error::Api(api) if api.is_auth() => GRANTEX_AUTH,
        Error::Api(_) => GRANTEX_API,
        Error::Network { .. } => GRANTEX_NETWORK,
        Error::Timeout { .. } => GRANTEX_TIMEOUT,
        Error::Token(t) => token_result(t.code),
        Error::Config { .. } => GRANTEX_CONFIG,
        Error::InvalidArgument { .. } => GRANTEX_INVALID_ARGUMENT,
        Error::Decode { .. } => GRANTEX_DECODE,
        Error::Manifest { .. } => GRANTEX_MANIFEST_INVALID,
        _ => GRANTEX_UNKNOWN_ERROR,
    }
}

/// The stable name of a result code, as a static NUL-terminated string that must not be freed:
/// `"ok"`, `"invalid_argument"`, `"config_error"`, `"network_error"`, `"timeout"`,
/// `"api_error"`, `"auth_error"`, ..., and for token failures the verifier's reason string
/// (`"expired"`, `"unknown_kid"`, ...) shared by every Grantex SDK. An unknown value gives
/// `"unrecognized"`. Never fails.
#[no_mangle]
pub extern "C" fn grantex_result_name(code: u32) -> *const c_char {
    std::panic::catch_unwind(|| match grantex_result::from_u32(code) {
        Some(r) => r.c_name().as_ptr(),
        None => c"unrecognized".as_ptr(),
    })
    .unwrap_or(c"unrecognized".as_ptr())
}

/// True when `code` is one of the token verification codes (`7000 <= code < 8000`): the
/// token, its claims or the key set was rejected, as opposed to a usage, network or server
/// failure.
#[no_mangle]
pub extern "C" fn grantex_result_is_token_error(code: u32) -> bool {
    std::panic::catch_unwind(|| (7000..8000).contains(&code)).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::ffi::CStr;

    #[test]
    fn every_token_code_has_its_own_result_with_the_core_string() {
        let mut seen = HashSet::new();
        for &code in TokenErrorCode::ALL {
            let r = token_result(code);
            assert_ne!(r, GRANTEX_TOKEN_OTHER, "{code} has no C code");
            assert_eq!(r.name(), code.as_str());
            assert!(seen.insert(r), "{code} shares a C code");
            assert!(grantex_result_is_token_error(r as u32));
        }
    }

    #[test]
    fn names_and_c_names_agree_and_values_are_unique() {
        let mut values = HashSet::new();
        for &r in ALL_RESULTS {
            assert!(values.insert(r as u32), "{r:?} value reused");
            assert_eq!(r.c_name().to_str().unwrap(), r.name());
            let from_c = unsafe { CStr::from_ptr(grantex_result_name(r as u32)) };
            assert_eq!(from_c.to_str().unwrap(), r.name());
        }
        let unknown = unsafe { CStr::from_ptr(grantex_result_name(42)) };
        assert_eq!(unknown.to_str().unwrap(), "unrecognized");
    }

    #[test]
    fn family_strings_match_core_error_codes() {
        let cases = [
            (
                Error::Config {
                    message: "x".into(),
                },
                "config_error",
            ),
            (
                Error::InvalidArgument {
                    message: "x".into(),
                },
                "invalid_argument",
            ),
            (
                Error::Timeout {
                    message: "x".into(),
                },
                "timeout",
            ),
            (
                Error::Network {
                    message: "x".into(),
                    source: None,
                },
                "network_error",
            ),
        ];
        for (e, want) in cases {
            assert_eq!(e.code(), want);
            assert_eq!(error_result(&e).name(), want);
        }
    }
}
