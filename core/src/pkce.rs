//! PKCE (RFC 7636, S256 only): the verifier stays with the agent, the challenge goes to
//! `authorize`, the verifier to `tokens().exchange`.

use aws_lc_rs::digest;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

/// A fresh verifier with its S256 challenge.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pkce {
    /// 43 base64url characters (32 random bytes); secret until the code exchange.
    pub code_verifier: String,
    /// `base64url(SHA-256(code_verifier))`, no padding.
    pub code_challenge: String,
    /// Always `"S256"`.
    pub code_challenge_method: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("code_verifier", &"[redacted]")
            .field("code_challenge", &self.code_challenge)
            .field("code_challenge_method", &self.code_challenge_method)
            .finish()
    }
}

/// Generate a verifier from 32 bytes of the system CSPRNG and its challenge.
pub fn generate_pkce() -> Pkce {
    let mut bytes = [0u8; 32];
    // AWS-LC's RAND_bytes aborts the process rather than return failure, so this `Err` arm
    // cannot be reached; it is not turned into a predictable verifier.
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        std::process::abort();
    }
    let code_verifier = URL_SAFE_NO_PAD.encode(bytes);
    let code_challenge = challenge_for(&code_verifier);
    Pkce {
        code_verifier,
        code_challenge,
        code_challenge_method: "S256".to_string(),
    }
}

/// `base64url(SHA-256(verifier))` without padding — what the server compares at exchange.
pub fn challenge_for(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
}
