//! The one RSA primitive the verifier uses: RSASSA-PKCS1-v1_5 with SHA-256 over a key parsed
//! once into an aws-lc-rs `ParsedPublicKey`, behind the key-size and exponent policy.
//!
//! Public (but hidden from docs) so the Wycheproof test and the benchmark floor exercise exactly
//! the code the verifier runs.

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use std::fmt;

/// Smallest accepted modulus (RFC 7518 §3.3).
pub const MIN_MODULUS_BITS: u32 = 2048;
/// Largest accepted modulus: bigger keys only cost verification time (a DoS lever).
pub const MAX_MODULUS_BITS: u32 = 4096;

/// Why a public key is refused by policy or by the RSA implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRejection {
    /// Modulus outside 2048–4096 bits (carries the size found, saturated at `u32::MAX`).
    ModulusSize(u32),
    /// An even modulus: not a product of two odd primes, so not an RSA key.
    EvenModulus,
    /// Exponent even, below 3, or wider than 64 bits.
    Exponent,
    /// aws-lc-rs could not build a key from the components.
    Unusable,
}

impl fmt::Display for KeyRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRejection::ModulusSize(bits) => write!(
                f,
                "RSA modulus is {bits} bits; policy allows {MIN_MODULUS_BITS}-{MAX_MODULUS_BITS}"
            ),
            KeyRejection::EvenModulus => f.write_str("RSA modulus is even"),
            KeyRejection::Exponent => {
                f.write_str("RSA exponent must be odd, at least 3 and at most 64 bits")
            }
            KeyRejection::Unusable => f.write_str("RSA key rejected by the crypto library"),
        }
    }
}

/// An RS256 verification key, parsed once.
#[derive(Clone)]
pub struct RsaVerifyKey {
    key: ParsedPublicKey,
    bits: u32,
}

impl fmt::Debug for RsaVerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaVerifyKey")
            .field("bits", &self.bits)
            .finish_non_exhaustive()
    }
}

impl RsaVerifyKey {
    /// Builds a key from big-endian `n` and `e` (leading zero octets are ignored), applying the
    /// policy: 2048 ≤ modulus bits ≤ 4096, e odd, 3 ≤ e < 2^64.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<RsaVerifyKey, KeyRejection> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        let bits = bit_length(n);
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
            return Err(KeyRejection::ModulusSize(bits));
        }
        if n[n.len() - 1] & 1 == 0 {
            return Err(KeyRejection::EvenModulus);
        }
        if e.is_empty() || e.len() > 8 || e[e.len() - 1] & 1 == 0 || (e.len() == 1 && e[0] < 3) {
            return Err(KeyRejection::Exponent);
        }
        let key = RsaPublicKeyComponents { n, e }
            .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
            .map_err(|_| KeyRejection::Unusable)?;
        Ok(RsaVerifyKey { key, bits })
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// RS256 verification of `signature` over `message`.
    #[inline]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

/// Size in bits, saturated at `u32::MAX` (a huge `n` must not wrap into the allowed range).
fn bit_length(n: &[u8]) -> u32 {
    match n.first() {
        None => 0,
        Some(&top) => {
            let bits = (n.len() as u64 - 1) * 8 + u64::from(8 - top.leading_zeros());
            u32::try_from(bits).unwrap_or(u32::MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_on_sizes_and_exponents() {
        let mut n = vec![0u8; 256];
        n[0] = 0xC1;
        n[255] = 0x01;
        let e = [0x01, 0x00, 0x01];
        // A 2047-bit modulus is refused, 2048 passes the policy (the library may still refuse
        // this made-up modulus, but never for size).
        let mut small = n.clone();
        small[0] = 0x41;
        assert_eq!(
            RsaVerifyKey::from_components(&small, &e).unwrap_err(),
            KeyRejection::ModulusSize(2047)
        );
        let big = vec![0xFFu8; 513];
        assert_eq!(
            RsaVerifyKey::from_components(&big, &e).unwrap_err(),
            KeyRejection::ModulusSize(4104)
        );
        for bad_e in [
            &[][..],
            &[1][..],
            &[2][..],
            &[0, 1][..],
            &[1, 0][..],
            &[1; 9][..],
        ] {
            assert_eq!(
                RsaVerifyKey::from_components(&n, bad_e).unwrap_err(),
                KeyRejection::Exponent,
                "{bad_e:?}"
            );
        }
        // Leading zero octets do not change the size.
        let mut padded = vec![0u8, 0u8];
        padded.extend_from_slice(&small);
        assert_eq!(
            RsaVerifyKey::from_components(&padded, &e).unwrap_err(),
            KeyRejection::ModulusSize(2047)
        );
    }

    #[test]
    fn even_moduli_are_refused() {
        let mut n = vec![0xC1u8; 256];
        n[255] = 0x02;
        assert_eq!(
            RsaVerifyKey::from_components(&n, &[1, 0, 1]).unwrap_err(),
            KeyRejection::EvenModulus
        );
    }

    #[test]
    fn bit_length_counts_top_byte() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f, 0]), 15);
    }
}
