//! RS256 token signing for the server and the vectors tool (SDK users only verify).
//!
//! Tokens carry exactly the header `{"alg":"RS256","kid":"<kid>"}`; PKCS#1 v1.5 signatures are
//! deterministic, so the same key and bytes always give the same token.

use crate::error::{Error, Result};
use crate::types::Jwk;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::fmt;

/// An RSA private key (2048–8192 bits) with its `kid`.
pub struct RsaSigner {
    kid: String,
    key: RsaKeyPair,
}

impl fmt::Debug for RsaSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSigner")
            .field("kid", &self.kid)
            .field("bits", &(self.key.public_modulus_len() * 8))
            .finish_non_exhaustive()
    }
}

/// The verifier only accepts 1–256 printable ASCII characters; refuse anything else up front.
fn check_kid(kid: &str) -> Result<()> {
    if kid.is_empty() || kid.len() > 256 || !kid.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(Error::invalid(
            "kid must be 1-256 printable ASCII characters",
        ));
    }
    Ok(())
}

impl RsaSigner {
    /// A fresh RSA-2048 key.
    pub fn generate(kid: &str) -> Result<RsaSigner> {
        check_kid(kid)?;
        let key = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| Error::config("RSA key generation failed"))?;
        Ok(RsaSigner {
            kid: kid.to_owned(),
            key,
        })
    }

    /// Loads an unencrypted PKCS#8 DER RSA private key (2048–8192 bits).
    pub fn from_pkcs8_der(kid: &str, der: &[u8]) -> Result<RsaSigner> {
        check_kid(kid)?;
        let key = RsaKeyPair::from_pkcs8(der)
            .map_err(|e| Error::invalid(format!("not a usable PKCS#8 RSA private key: {e}")))?;
        Ok(RsaSigner {
            kid: kid.to_owned(),
            key,
        })
    }

    /// The private key as PKCS#8 DER (for storage).
    pub fn to_pkcs8_der(&self) -> Vec<u8> {
        // Serialising a key aws-lc-rs already holds cannot fail short of memory exhaustion.
        self.key
            .as_der()
            .map(|d| d.as_ref().to_vec())
            .unwrap_or_default()
    }

    /// The key id put in every token header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK: `kty` RSA, `alg` RS256, `use` sig, `kid`, `n`, `e`.
    pub fn public_jwk(&self) -> Jwk {
        let public = self.key.public_key();
        Jwk {
            kty: "RSA".into(),
            kid: Some(self.kid.clone()),
            alg: Some("RS256".into()),
            use_: Some("sig".into()),
            n: Some(URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero())),
            e: Some(URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero())),
        }
    }

    /// A compact JWS of `claims` with header `{"alg":"RS256","kid":"<kid>"}`.
    pub fn sign_claims(&self, claims: &serde_json::Value) -> Result<String> {
        if !claims.is_object() {
            return Err(Error::invalid("claims must be a JSON object"));
        }
        let claims = serde_json::to_vec(claims).map_err(|e| Error::invalid(e.to_string()))?;
        let kid = serde_json::to_string(&self.kid).map_err(|e| Error::invalid(e.to_string()))?;
        let header = format!(r#"{{"alg":"RS256","kid":{kid}}}"#);
        self.sign_raw(header.as_bytes(), &claims)
    }

    /// A compact JWS over exactly these header and claims bytes (no validation: the vectors
    /// tool uses it to build malformed tokens).
    pub fn sign_raw(&self, header_json: &[u8], claims_json: &[u8]) -> Result<String> {
        let mut token = URL_SAFE_NO_PAD.encode(header_json);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(claims_json, &mut token);
        let sig = self.sign_bytes(token.as_bytes())?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(sig, &mut token);
        Ok(token)
    }

    /// The RS256 signature of exactly `signing_input` (for tokens whose encoding is itself
    /// the thing under test, e.g. padded or non-canonical base64).
    pub fn sign_bytes(&self, signing_input: &[u8]) -> Result<Vec<u8>> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key
            .sign(&RSA_PKCS1_SHA256, &rng, signing_input, &mut sig)
            .map_err(|_| Error::config("RSA signing failed"))?;
        Ok(sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{JwksCache, VerifyOptions};

    #[test]
    fn signs_tokens_the_verifier_accepts() {
        let signer = RsaSigner::generate("k-test").unwrap();
        let again = RsaSigner::from_pkcs8_der("k-test", &signer.to_pkcs8_der()).unwrap();
        assert_eq!(again.public_jwk(), signer.public_jwk());
        let jwk = signer.public_jwk();
        assert_eq!(jwk.e.as_deref(), Some("AQAB"));
        let set = serde_json::json!({ "keys": [jwk] }).to_string();
        let claims = serde_json::json!({
            "iss": "https://issuer.test", "sub": "u", "jti": "tok_1", "agt": "did:grantex:ag_1",
            "dev": "dev_1", "scp": ["a:read"], "iat": 100, "exp": 200,
        });
        let token = signer.sign_claims(&claims).unwrap();
        // Deterministic: same key, same bytes, same token.
        assert_eq!(token, again.sign_claims(&claims).unwrap());
        let header = token.split('.').next().unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(header).unwrap(),
            br#"{"alg":"RS256","kid":"k-test"}"#
        );
        let opts = VerifyOptions {
            issuer: Some("https://issuer.test".into()),
            now: Some(150),
            ..Default::default()
        };
        let grant = JwksCache::from_json(&set)
            .unwrap()
            .verify_cached(&token, &opts)
            .unwrap();
        assert_eq!(grant.token_id, "tok_1");
        assert_eq!(grant.grant_id, "tok_1");
        assert_eq!(grant.scopes, vec!["a:read".to_string()]);
    }

    #[test]
    fn refuses_bad_input() {
        assert!(RsaSigner::generate("").is_err());
        assert!(RsaSigner::generate("bad\nkid").is_err());
        assert!(RsaSigner::from_pkcs8_der("k", b"not der").is_err());
        let signer = RsaSigner::generate("k").unwrap();
        assert!(signer.sign_claims(&serde_json::json!([1])).is_err());
        assert!(format!("{signer:?}").contains("2048"));
    }
}
