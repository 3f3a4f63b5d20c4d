//! The committed test keys (vectors/keys.json) and every way the generator signs with them.
//!
//! Keys of 2048–8192 bits go through `grantex::sign::RsaSigner` (aws-lc-rs). The 1024-bit key
//! is refused by aws-lc-rs, so it is signed here with textbook RSA over num-bigint (PKCS#1 v1.5
//! encoding done by hand); the self-check in [`Keys::load`] proves that code matches aws-lc-rs.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::signature::{KeyPair, RsaKeyPair, RSA_PKCS1_SHA512};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use grantex::sign::RsaSigner;
use grantex::types::Jwk;
use num_bigint::BigUint;
use serde::Deserialize;

#[derive(Deserialize)]
struct KeyFile {
    keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
struct KeyEntry {
    name: String,
    kid: String,
    pkcs8: String,
}

/// One test key: its kid, public JWK, and a way to sign.
pub struct TestKey {
    pub kid: String,
    pub jwk: Jwk,
    signer: Signer,
    der: Vec<u8>,
}

enum Signer {
    AwsLc(RsaSigner),
    Textbook { n: BigUint, d: BigUint, len: usize },
}

/// DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

impl TestKey {
    /// RS256 signature of exactly `input`.
    pub fn sign(&self, input: &[u8]) -> Vec<u8> {
        match &self.signer {
            Signer::AwsLc(s) => s.sign_bytes(input).expect("aws-lc-rs signs"),
            Signer::Textbook { n, d, len } => {
                let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, input);
                let mut t = SHA256_DIGEST_INFO.to_vec();
                t.extend_from_slice(hash.as_ref());
                let mut em = vec![0x00, 0x01];
                em.resize(len - t.len() - 1, 0xff);
                em.push(0x00);
                em.extend_from_slice(&t);
                let s = BigUint::from_bytes_be(&em).modpow(d, n).to_bytes_be();
                let mut out = vec![0u8; len - s.len()];
                out.extend_from_slice(&s);
                out
            }
        }
    }

    /// RS512 signature (a correctly signed token with the wrong algorithm).
    pub fn sign_rs512(&self, input: &[u8]) -> Vec<u8> {
        let pair = RsaKeyPair::from_pkcs8(&self.der).expect("aws-lc-rs key");
        let mut sig = vec![0u8; pair.public_modulus_len()];
        pair.sign(
            &RSA_PKCS1_SHA512,
            &aws_lc_rs::rand::SystemRandom::new(),
            input,
            &mut sig,
        )
        .expect("RS512 signs");
        sig
    }

    /// The public key as PEM (what algorithm-confusion attacks use as an HMAC secret).
    pub fn public_pem(&self) -> String {
        let pair = RsaKeyPair::from_pkcs8(&self.der).expect("aws-lc-rs key");
        let der = pair.public_key().as_der().expect("SPKI DER");
        let b64 = STANDARD.encode(der.as_ref());
        let mut pem = String::from("-----BEGIN PUBLIC KEY-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("ASCII"));
            pem.push('\n');
        }
        pem.push_str("-----END PUBLIC KEY-----\n");
        pem
    }

    /// A compact JWS over `header` and `claims` exactly as given.
    pub fn token(&self, header: &str, claims: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        self.seal(&input)
    }

    /// `input` + "." + the RS256 signature of `input`.
    pub fn seal(&self, input: &str) -> String {
        format!("{input}.{}", b64(&self.sign(input.as_bytes())))
    }
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// All keys, by name.
pub struct Keys {
    pub primary: TestKey,
    pub rotated: TestKey,
    pub rsa3072: TestKey,
    pub rsa4096: TestKey,
    pub weak1024: TestKey,
    pub oversize8192: TestKey,
    pub attacker: TestKey,
}

impl Keys {
    pub fn load(json: &str) -> Keys {
        let file: KeyFile = serde_json::from_str(json).expect("vectors/keys.json parses");
        let get = |name: &str| -> TestKey {
            let e = file
                .keys
                .iter()
                .find(|k| k.name == name)
                .unwrap_or_else(|| panic!("key {name}"));
            let der = STANDARD.decode(&e.pkcs8).expect("base64 PKCS#8");
            load_key(&e.kid, der)
        };
        let keys = Keys {
            primary: get("primary"),
            rotated: get("rotated"),
            rsa3072: get("rsa3072"),
            rsa4096: get("rsa4096"),
            weak1024: get("weak1024"),
            oversize8192: get("oversize8192"),
            attacker: get("attacker"),
        };
        // The hand-rolled signer must agree with aws-lc-rs byte for byte.
        let (n, d) = private_numbers(&keys.primary.der);
        let textbook = TestKey {
            kid: String::new(),
            jwk: keys.primary.jwk.clone(),
            signer: Signer::Textbook { len: 256, n, d },
            der: Vec::new(),
        };
        assert_eq!(
            textbook.sign(b"self-check"),
            keys.primary.sign(b"self-check")
        );
        keys
    }
}

fn load_key(kid: &str, der: Vec<u8>) -> TestKey {
    match RsaSigner::from_pkcs8_der(kid, &der) {
        Ok(signer) => TestKey {
            kid: kid.into(),
            jwk: signer.public_jwk(),
            signer: Signer::AwsLc(signer),
            der,
        },
        Err(_) => {
            let (n, d) = private_numbers(&der);
            let (n_bytes, e_bytes) = public_numbers(&der);
            let jwk = Jwk {
                kty: "RSA".into(),
                kid: Some(kid.into()),
                alg: Some("RS256".into()),
                use_: Some("sig".into()),
                n: Some(b64(&n_bytes)),
                e: Some(b64(&e_bytes)),
            };
            let len = n_bytes.len();
            TestKey {
                kid: kid.into(),
                jwk,
                signer: Signer::Textbook { n, d, len },
                der,
            }
        }
    }
}

/// The RSAPrivateKey integers inside a PKCS#8 document: [version, n, e, d, p, q, dp, dq, qi].
fn rsa_integers(pkcs8: &[u8]) -> Vec<Vec<u8>> {
    let mut outer = Der(pkcs8).expect(0x30);
    let _version = outer.expect(0x02);
    let _alg = outer.expect(0x30);
    let inner = outer.expect(0x04).0;
    let mut seq = Der(inner).expect(0x30);
    (0..9).map(|_| seq.expect(0x02).0.to_vec()).collect()
}

fn private_numbers(pkcs8: &[u8]) -> (BigUint, BigUint) {
    let ints = rsa_integers(pkcs8);
    (
        BigUint::from_bytes_be(&ints[1]),
        BigUint::from_bytes_be(&ints[3]),
    )
}

fn public_numbers(pkcs8: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let ints = rsa_integers(pkcs8);
    let strip = |v: &Vec<u8>| {
        v.iter()
            .copied()
            .skip_while(|&b| b == 0)
            .collect::<Vec<u8>>()
    };
    (strip(&ints[1]), strip(&ints[2]))
}

/// Just enough DER to walk a PKCS#8 RSA key.
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    /// Reads one element with tag `tag` and returns its contents.
    fn expect(&mut self, tag: u8) -> Der<'a> {
        let b = self.0;
        assert_eq!(b[0], tag, "unexpected DER tag");
        let (len, hdr) = if b[1] < 0x80 {
            (b[1] as usize, 2)
        } else {
            let n = (b[1] & 0x7f) as usize;
            (
                b[2..2 + n]
                    .iter()
                    .fold(0usize, |acc, &x| acc << 8 | x as usize),
                2 + n,
            )
        };
        self.0 = &b[hdr + len..];
        Der(&b[hdr..hdr + len])
    }
}
