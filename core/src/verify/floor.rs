//! The benchmark floor: one raw RS256 verification of a token's signing input with a
//! pre-parsed key and a pre-decoded signature. Nothing a verifier could skip is left in it,
//! so `verify()` time divided by this is the pipeline's overhead ratio. Bindings call it to
//! measure their own overhead against the same floor in the same process.

use super::keyset::KeySet;
use super::primitive::RsaVerifyKey;
use super::{b64, header, split};
use crate::error::{TokenError, TokenErrorCode};

/// A pre-parsed key, signing input and signature, ready for [`RsaFloor::verify`].
#[derive(Debug, Clone)]
pub struct RsaFloor {
    key: RsaVerifyKey,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

impl RsaFloor {
    /// Prepares the floor for `token` with the key its header names in `jwks_json`.
    pub fn from_token(jwks_json: &str, token: &str) -> crate::Result<RsaFloor> {
        let set = KeySet::parse(jwks_json)?;
        let seg = split(token)?;
        let malformed = || TokenError::new(TokenErrorCode::Malformed, "token is not base64url");
        let hdr = b64::decode_vec(seg.header).ok_or_else(malformed)?;
        let hdr = header::parse(&hdr).map_err(TokenError::from)?;
        let key = set.select(hdr.kid.as_deref())?.clone();
        let signature = b64::decode_vec(seg.signature).ok_or_else(malformed)?;
        Ok(RsaFloor {
            key,
            signing_input: seg.signing_input.as_bytes().to_vec(),
            signature,
        })
    }

    /// Raw RS256 verification; `true` when the signature is valid.
    #[inline]
    pub fn verify(&self) -> bool {
        self.key.verify(&self.signing_input, &self.signature)
    }
}
