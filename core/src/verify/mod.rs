//! Strict offline verification of RS256 grant tokens.
//!
//! The pipeline, in order (first failure wins):
//! 1. length gate, before any decoding: more than [`MAX_TOKEN_LEN`] bytes → `TooLarge`;
//! 2. exactly three `.`-separated segments, header non-empty → else `Malformed`; a header
//!    segment over [`MAX_HEADER_LEN`] → `TooLarge`;
//! 3. header: strict base64url, strict JSON, `alg` exactly `RS256`, no `crit`/`jku`/`x5u`/
//!    `jwk`/`x5c`, bounded printable `kid` (see `header`);
//! 4. payload and signature: non-empty, strict base64url → else `Malformed`;
//! 5. key by `kid` from the pre-parsed set (`UnknownKid`, `AmbiguousKid`, `WeakKey`);
//! 6. RS256 signature over the exact signing input → else `BadSignature`;
//! 7. claims, only now that they are authentic (see `claims`).
//!
//! Error messages never contain the token or values taken from it.

mod authority;
mod b64;
mod claims;
pub mod did_web;
pub(crate) mod fetch;
pub mod floor;
mod header;
mod issuer;
// Public for the fuzz targets (fuzz/) and the property tests (core/tests/json_reader_props.rs)
// only: not part of the API.
#[doc(hidden)]
pub mod json;
pub(crate) mod keyset;
#[doc(hidden)]
pub mod primitive;
mod reference;
#[cfg(test)]
mod remote_tests;

pub use authority::{check_current_authority, check_current_authority_json};
pub use claims::ENVIRONMENT_CLAIM;
pub use issuer::derive_issuer;
pub use reference::{
    apply_reference_option, check_reference_option, ReferenceOption, REFERENCE_OPTIONS,
};

use crate::error::{TokenError, TokenErrorCode};
use keyset::KeySet;

/// The legacy claim names a grant can report in `VerifiedGrant::legacy_claims_used`, in the
/// order the verifier lists them (bindings that encode the list compactly use this order).
pub const LEGACY_CLAIMS: [&str; 7] = [
    "scp",
    "agt",
    "dev",
    "grnt",
    "parentGrnt",
    "delegationDepth",
    "parentAgt",
];

/// Longest token accepted, in bytes (checked before anything is decoded).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Longest header segment accepted, in base64url characters (a grant token's header is about
/// 60). The header is parsed before the signature is checked, so its size is what an
/// unauthenticated caller controls; this keeps that parse small.
pub const MAX_HEADER_LEN: usize = 1024;

/// Largest accepted `clock_tolerance`, in seconds. Leeway is meant to absorb clock skew (RFC 7519
/// §4.1.4: "usually no more than a few minutes"); more than an hour is a misconfiguration
/// (milliseconds passed as seconds, `u64::MAX`) that would switch the time checks off.
pub const MAX_CLOCK_TOLERANCE: u64 = 3600;

/// What a grant token is checked against.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// Expected `iss`. `None`: derived from the JWKS URI ([`derive_issuer`]); a static key set
    /// has no URI, so `None` there is a configuration error.
    pub issuer: Option<String>,
    /// When set, `aud` (a string or an array) must contain it exactly; when unset `aud` is not
    /// required.
    pub audience: Option<String>,
    /// Every one of these must appear verbatim in the token's scopes.
    pub required_scopes: Vec<String>,
    /// Seconds of leeway for `exp`, `nbf` and `iat` (default 0, at most
    /// [`MAX_CLOCK_TOLERANCE`]).
    pub clock_tolerance: u64,
    /// Refuse tokens delegated more hops than this.
    pub max_delegation_depth: Option<u32>,
    /// When set, the token's developer (`dev` / `urn:grantex:grant.developer_id`) must equal
    /// it, else `WrongIssuer`. One authorization server signs for every developer with one key
    /// and issuer, so a resource server that trusts only its own developer's grants pins it here.
    pub expected_developer_id: Option<String>,
    /// When set, the token's principal (`sub`) must equal it, else `WrongPrincipal` (the
    /// reference SDKs' `expected_principal_id`: the grant belongs to the authenticated user).
    pub expected_principal_id: Option<String>,
    /// When set, the token's agent DID must equal it, else `WrongAgent` (the reference SDKs'
    /// `expected_agent_did`).
    pub expected_agent_did: Option<String>,
    /// The caller checks the grant's current authority after verification (the reference
    /// SDKs' `current_authority` callback; a binding calls it with the token and hands its answer
    /// to [`check_current_authority`]). Requires [`VerifyOptions::audience`].
    pub current_authority: bool,
    /// A `did:web` issuer (the reference SDKs' `issuer_did`): the key set is read from the
    /// DID's `https://<host>[:<port>][/<path>]/.well-known/jwks.json` (through the process-wide
    /// cache for that URI) instead of the cache the caller passed, and the expected issuer
    /// defaults to that location. See [`did_web`] for what a DID may name.
    pub issuer_did: Option<String>,
    /// The RFC 7638 thumbprint of the key the caller proved possession of (e.g. from a verified
    /// DPoP proof, RFC 9449): the token's `cnf.jkt` must equal it (`NotKeyBound` without one,
    /// `ProofMismatch` when it differs; compared in constant time).
    pub proof_jkt: Option<String>,
    /// Fail closed unless [`VerifyOptions::proof_jkt`] or [`VerifyOptions::dpop`] is given
    /// (`ProofRequired`) and matches.
    pub require_proof_of_possession: bool,
    /// The DPoP proof presented with the token and the request it came with (RFC 9449; the
    /// `dpop` option): after the token verifies, the proof is checked against the request and
    /// the token ([`crate::dpop::verify_proof`], `InvalidProof`), its key's thumbprint must be
    /// the token's `cnf.jkt` (as [`VerifyOptions::proof_jkt`] would be; both given must agree)
    /// and, on the system clock, it is then recorded so it cannot be used again in this process.
    pub dpop: Option<crate::dpop::DpopRequest>,
    /// Read only the standard claim layout (the reference SDKs' `legacy_claims=False`): the
    /// header `typ` must be `at+jwt` (else `ForbiddenHeader`) and the legacy aliases (`agt`,
    /// `dev`, `scp`, ...) are ignored, so a token that has only them lacks a required claim.
    pub standard_claims_only: bool,
    /// Fixed clock in Unix seconds (tests, vectors); `None` reads the system clock.
    pub now: Option<i64>,
    /// Accept sandbox tokens (`urn:grantex:environment` = `"sandbox"`: a sandbox developer's,
    /// approved without a human). `None` reads the environment variable
    /// [`ALLOW_SANDBOX_ENV`] (`1` accepts; for test suites); a sandbox token is otherwise
    /// `SandboxToken`.
    pub allow_sandbox: Option<bool>,
}

/// The environment variable that accepts sandbox tokens where [`VerifyOptions::allow_sandbox`]
/// is not set (`1`; read only when a sandbox token is seen, so it costs live tokens nothing).
pub const ALLOW_SANDBOX_ENV: &str = "GRANTEX_ALLOW_SANDBOX_TOKENS";

impl VerifyOptions {
    /// Whether sandbox tokens pass: the option, else [`ALLOW_SANDBOX_ENV`] set to `1`.
    pub fn sandbox_allowed(&self) -> bool {
        self.allow_sandbox
            .unwrap_or_else(|| std::env::var(ALLOW_SANDBOX_ENV).is_ok_and(|v| v == "1"))
    }
}

/// The verified content of a grant token, read from the legacy or the standard claim layout.
#[derive(Clone, Debug, PartialEq, serde::Serialize, grantex_derive::Wire)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedGrant {
    /// `jti`.
    pub token_id: String,
    /// `urn:grantex:grant.grant_id` or `grnt`, else `jti`.
    pub grant_id: String,
    /// `sub`.
    pub principal_id: String,
    /// `urn:grantex:grant.agent_did` or `agt`.
    pub agent_did: String,
    /// `urn:grantex:grant.developer_id` or `dev`.
    pub developer_id: String,
    /// `scope` (space-delimited) or `scp`.
    pub scopes: Vec<String>,
    /// `iat`.
    pub issued_at: i64,
    /// `exp`.
    pub expires_at: i64,
    /// `client_id` (the OAuth client the token was issued to), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub client_id: Option<String>,
    /// `parentAgt`, or `act.sub` on a delegated grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub parent_agent_did: Option<String>,
    /// `urn:grantex:grant.parent_grant_id` or `parentGrnt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub parent_grant_id: Option<String>,
    /// `urn:grantex:grant.delegation_depth` or `delegationDepth`; absent (`None`) when the
    /// token carries neither, as in the reference SDKs (a root grant).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub delegation_depth: Option<u32>,
    /// The raw `authorization_details` claim (RFC 9396, a JSON array), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub authorization_details: Option<serde_json::Value>,
    /// The raw RFC 8693 `act` claim: the delegating actor, earlier actors nested.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub act: Option<serde_json::Value>,
    /// The raw confirmation claim (`cnf`, an object such as `{"jkt": ...}`), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub cnf: Option<serde_json::Value>,
    /// The raw `aud` claim (a string or an array of strings), when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub audience: Option<serde_json::Value>,
    /// `urn:grantex:grant.webauthn`: the WebAuthn assertion the grant was approved with.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub webauthn_evidence: Option<crate::types::WebAuthnGrantEvidence>,
    /// Legacy claim names read because the token lacked the standard claim (`agt`, `dev`,
    /// `grnt`, `scp`, `parentAgt`, `parentGrnt`, `delegationDepth`); empty for a token in the
    /// standard layout.
    #[wire(py_default)]
    pub legacy_claims_used: Vec<String>,
    /// `iss` (always set by this verifier; Python's default is the reference SDK's `None`).
    #[wire(py_default = "None")]
    pub issuer: String,
    /// `bdg`: remaining budget at issuance (advisory).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub budget: Option<f64>,
}

impl VerifiedGrant {
    /// The delegation depth, 0 for a root grant (or a token that does not say).
    pub fn depth(&self) -> u32 {
        self.delegation_depth.unwrap_or(0)
    }

    /// `aud` as a list (empty when absent).
    pub fn audiences(&self) -> Vec<&str> {
        match &self.audience {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(list)) => {
                list.iter().filter_map(|a| a.as_str()).collect()
            }
            _ => Vec::new(),
        }
    }
}

/// Verifies `token` against the JWKS at `jwks_uri`, through the process-wide cache for that URI
/// ([`crate::JwksCache::shared`]).
pub async fn verify_grant_token(
    token: &str,
    jwks_uri: &str,
    opts: &VerifyOptions,
) -> crate::Result<VerifiedGrant> {
    crate::JwksCache::shared(jwks_uri)?
        .verify(token, opts)
        .await
}

/// A token rejection inside the pipeline; JSON errors convert with `?`.
#[derive(Debug)]
pub(crate) struct Reject(pub(crate) TokenError);

pub(crate) fn reject(code: TokenErrorCode, msg: impl Into<String>) -> Reject {
    Reject(TokenError::new(code, msg))
}

impl From<json::JsonError> for Reject {
    fn from(e: json::JsonError) -> Self {
        match e {
            json::JsonError::Duplicate => reject(
                TokenErrorCode::DuplicateMember,
                "duplicate JSON member in the token",
            ),
            json::JsonError::Syntax => reject(
                TokenErrorCode::Malformed,
                "token header or claims are not valid JSON",
            ),
            json::JsonError::TooComplex => reject(
                TokenErrorCode::Malformed,
                "token JSON is nested too deeply or has too many members",
            ),
        }
    }
}

impl From<Reject> for TokenError {
    fn from(r: Reject) -> Self {
        r.0
    }
}

fn malformed(msg: &'static str) -> TokenError {
    TokenError::new(TokenErrorCode::Malformed, msg)
}

/// The three segments of a compact JWS.
pub(crate) struct Segments<'t> {
    pub(crate) header: &'t str,
    pub(crate) payload: &'t str,
    pub(crate) signature: &'t str,
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'t str,
}

/// Steps 1–2: length gate, then exactly two dots and a non-empty header.
pub(crate) fn split(token: &str) -> Result<Segments<'_>, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::new(
            TokenErrorCode::TooLarge,
            "grant token is longer than 16 KiB",
        ));
    }
    let not_three = || malformed("grant token must have exactly three segments");
    // `str::find` with a char uses the word-at-a-time memchr; a byte loop costs ~4x more here.
    let d1 = token.find('.').ok_or_else(not_three)?;
    let d2 = d1 + 1 + token[d1 + 1..].find('.').ok_or_else(not_three)?;
    if token[d2 + 1..].contains('.') {
        return Err(not_three());
    }
    if d1 == 0 {
        return Err(malformed("grant token header segment is empty"));
    }
    if d1 > MAX_HEADER_LEN {
        return Err(TokenError::new(
            TokenErrorCode::TooLarge,
            "grant token header is longer than 1 KiB",
        ));
    }
    Ok(Segments {
        header: &token[..d1],
        payload: &token[d1 + 1..d2],
        signature: &token[d2 + 1..],
        signing_input: &token[..d2],
    })
}

/// Steps 1–3 only: what can be refused without any key (used before a cold-cache fetch).
pub(crate) fn precheck(token: &str) -> Result<(), TokenError> {
    let seg = split(token)?;
    let header =
        b64::decode::<256>(seg.header).ok_or_else(|| malformed("token header is not base64url"))?;
    header::parse(header.as_slice())?;
    Ok(())
}

/// Step 4: payload and signature must be non-empty and strict base64url.
fn decode_rest<'t>(
    seg: &Segments<'t>,
) -> Result<(b64::Decoded<2048>, b64::Decoded<512>), TokenError> {
    if seg.payload.is_empty() || seg.signature.is_empty() {
        return Err(malformed("grant token has an empty segment"));
    }
    let payload = b64::decode::<2048>(seg.payload)
        .ok_or_else(|| malformed("token payload is not base64url"))?;
    let sig = b64::decode::<512>(seg.signature)
        .ok_or_else(|| malformed("token signature is not base64url"))?;
    Ok((payload, sig))
}

/// The whole pipeline against a loaded key set.
pub(crate) fn verify_with(
    set: &KeySet,
    token: &str,
    issuer: &str,
    opts: &VerifyOptions,
) -> Result<VerifiedGrant, TokenError> {
    let seg = split(token)?;
    let header =
        b64::decode::<256>(seg.header).ok_or_else(|| malformed("token header is not base64url"))?;
    let header = header::parse(header.as_slice())?;
    if opts.standard_claims_only && !header.access_token_typ {
        return Err(TokenError::new(
            TokenErrorCode::ForbiddenHeader,
            "grant token typ must be at+jwt when only standard claims are read (legacy_claims off)",
        ));
    }
    let (payload, sig) = decode_rest(&seg)?;
    let key = set.select(header.kid.as_deref())?;
    if !key.verify(seg.signing_input.as_bytes(), sig.as_slice()) {
        return Err(TokenError::new(
            TokenErrorCode::BadSignature,
            "grant token signature does not verify",
        ));
    }
    let now = opts.now.unwrap_or_else(unix_now);
    let proof = match &opts.dpop {
        None => None,
        Some(req) => Some(crate::dpop::verify_proof(req, Some(token), now)?),
    };
    let proof_jkt = match (&proof, opts.proof_jkt.as_deref()) {
        (Some(p), Some(given)) if p.jkt != given => {
            return Err(TokenError::new(
                TokenErrorCode::ProofMismatch,
                "the DPoP proof's key is not the proof_jkt given",
            ))
        }
        (Some(p), _) => Some(p.jkt.as_str()),
        (None, given) => given,
    };
    let want = claims::Expect {
        issuer,
        opts,
        now,
        proof_jkt,
    };
    let grant = claims::check(payload.as_slice(), &want)?;
    // Recorded only once everything else passed, and only on the real clock: a fixed clock
    // (tests, replaying recorded tokens) has no window for a replay to fall in.
    if let (Some(p), None) = (&proof, opts.now) {
        crate::dpop::record_use(p, now)?;
    }
    Ok(grant)
}

/// Steps 1–5 only (length gate, segments, header rules, strict base64url, the key for the
/// `kid` and its RS256 signature), for JWTs other than grant tokens (OIDC ID tokens): the
/// verified payload bytes, whose claims the caller checks.
pub(crate) fn verified_payload(set: &KeySet, token: &str) -> Result<Vec<u8>, TokenError> {
    let seg = split(token)?;
    let header =
        b64::decode::<256>(seg.header).ok_or_else(|| malformed("token header is not base64url"))?;
    let header = header::parse(header.as_slice())?;
    let (payload, sig) = decode_rest(&seg)?;
    let key = set.select(header.kid.as_deref())?;
    if !key.verify(seg.signing_input.as_bytes(), sig.as_slice()) {
        return Err(TokenError::new(
            TokenErrorCode::BadSignature,
            "token signature does not verify",
        ));
    }
    Ok(payload.as_slice().to_vec())
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
