//! DPoP (RFC 9449): the proof an agent signs with its own key for each request, and its check
//! where a key-bound grant token (`cnf.jkt`) is presented.
//!
//! Agent side: [`generate_key`] (a P-256 private JWK), [`public_jwk`] (what the agent registers
//! as its `publicJwk`, so the server binds its grants to that key), [`thumbprint`] (RFC 7638)
//! and [`create_proof`].
//!
//! Resource-server side: the `dpop` verify option ([`DpopRequest`], checked by the grant-token
//! verifier through [`verify_proof`]): the proof must be a `dpop+jwt` signed by the public key
//! in its own header, for this request's method and URI, issued within the last five minutes,
//! bound to the token presented (`ath`), and not seen before by this process; the thumbprint of
//! its key must then be the token's `cnf.jkt`. Every refusal is the token error `invalid_proof`
//! with a message saying what was wrong; messages never contain the proof or the token.

use crate::error::{Error, Result, TokenError, TokenErrorCode};
use aws_lc_rs::digest::{digest, SHA256};
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _, UnparsedPublicKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Longest proof accepted, in bytes (checked before anything is decoded).
pub const MAX_PROOF_LEN: usize = 8 * 1024;
/// How old a proof's `iat` may be, in seconds.
pub const MAX_AGE_SECS: i64 = 300;
/// How far in the future a proof's `iat` may be (the signer's clock running ahead), in seconds.
pub const FUTURE_SKEW_SECS: i64 = 30;
/// Most proofs remembered for replay detection; a full memory refuses new proofs rather than
/// forget one that may still be replayed.
pub const REPLAY_CAPACITY: usize = 100_000;
/// The signature algorithms a proof may use (asymmetric only; `none` and HMAC never).
pub const ALGORITHMS: [&str; 5] = ["ES256", "ES384", "ES512", "RS256", "PS256"];

/// The request a DPoP proof must be for: the `DPoP` header's value, the request's HTTP method
/// and its URI (query and fragment are ignored, RFC 9449 §4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpopRequest {
    pub proof: String,
    pub method: String,
    pub url: String,
}

impl DpopRequest {
    /// Reads `{"proof": ..., "method": ..., "url": ...}` (the `dpop` verify option as every
    /// binding passes it). Unknown members are refused, so a misspelt one is never ignored.
    pub fn from_json(value: &Value) -> std::result::Result<DpopRequest, String> {
        const SHAPE: &str = "must be an object {proof, method, url} of strings";
        let obj = value.as_object().ok_or(SHAPE)?;
        if let Some(extra) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "proof" | "method" | "url"))
        {
            return Err(format!("unknown member {extra:?}; {SHAPE}"));
        }
        let member = |name: &str| -> std::result::Result<String, String> {
            match obj.get(name) {
                Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
                _ => Err(format!("{name} {SHAPE}")),
            }
        };
        let req = DpopRequest {
            proof: member("proof")?,
            method: member("method")?,
            url: member("url")?,
        };
        target(&req.url).map_err(|e| format!("url {e}"))?;
        if !is_token(&req.method) {
            return Err("method must be an HTTP method name (e.g. GET)".into());
        }
        Ok(req)
    }
}

/// A proof that passed [`verify_proof`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedProof {
    /// RFC 7638 SHA-256 thumbprint of the proof's key.
    pub jkt: String,
    pub jti: String,
    pub iat: i64,
}

fn invalid(msg: impl Into<String>) -> TokenError {
    TokenError::new(TokenErrorCode::InvalidProof, msg)
}

/// An RFC 9110 method token: visible ASCII without separators.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The parts of an http(s) URI a proof's `htu` is compared on: scheme, host, port (default
/// ports made explicit) and path; query and fragment dropped (RFC 9449 §4.3, RFC 3986 §6).
fn target(uri: &str) -> std::result::Result<(String, String, u16, String), String> {
    let u = url::Url::parse(uri).map_err(|_| "must be an absolute http(s) URI".to_string())?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err("must be an absolute http(s) URI".into());
    }
    let host = u.host_str().ok_or("must name a host")?.to_ascii_lowercase();
    let port = u.port_or_known_default().ok_or("must name a port")?;
    Ok((u.scheme().to_string(), host, port, u.path().to_string()))
}

/// Decodes one segment strictly (unpadded base64url, canonical) and reads it as a JSON object,
/// refusing duplicate members anywhere (the grant-token verifier's reader).
fn segment_object(seg: &str, what: &str) -> std::result::Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(seg)
        .map_err(|_| invalid(format!("the DPoP proof {what} is not base64url")))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| invalid(format!("the DPoP proof {what} is not UTF-8")))?;
    crate::verify::json::validate(text).map_err(|e| {
        invalid(match e {
            crate::verify::json::JsonError::Duplicate => {
                format!("the DPoP proof {what} has a duplicate member")
            }
            _ => format!("the DPoP proof {what} is not valid JSON"),
        })
    })?;
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(invalid(format!(
            "the DPoP proof {what} is not a JSON object"
        ))),
    }
}

/// A public key from a JWK, with its RFC 7638 thumbprint.
enum PublicKey {
    Ec {
        alg: &'static signature::EcdsaVerificationAlgorithm,
        jose_alg: &'static str,
        point: Vec<u8>,
    },
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
}

/// Reads a public asymmetric JWK: RSA (`n`, `e`, at least 2048 bits) or EC P-256/P-384/P-521
/// (`x`, `y`). `private_ok` allows (and ignores) private members, for [`thumbprint`] and
/// [`public_jwk`] of a private key. Errors say what is wrong ("must be ...", "needs ...").
fn read_jwk(
    jwk: &Value,
    private_ok: bool,
) -> std::result::Result<(PublicKey, String, Value), String> {
    let obj = jwk.as_object().ok_or("must be a JSON object (a JWK)")?;
    if serde_json::to_string(jwk).map_or(usize::MAX, |s| s.len()) > 8192 {
        return Err("must be at most 8 KiB".into());
    }
    if !private_ok {
        for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
            if obj.contains_key(private) {
                return Err(format!(
                    "must be a public key (it has the private member {private:?})"
                ));
            }
        }
    }
    let member = |name: &str| -> std::result::Result<&str, String> {
        obj.get(name)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("needs the string member {name:?}"))
    };
    let b64 = |name: &str| -> std::result::Result<Vec<u8>, String> {
        URL_SAFE_NO_PAD
            .decode(member(name)?)
            .map_err(|_| format!("member {name:?} must be base64url without padding"))
    };
    // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace.
    let (key, canonical) = match member("kty")? {
        "RSA" => {
            let n = b64("n")?;
            let bits = n.iter().skip_while(|b| **b == 0).count() * 8;
            if bits < 2048 {
                return Err("RSA modulus must be at least 2048 bits".into());
            }
            let e = b64("e")?;
            let canonical = json!({"e": member("e")?, "kty": "RSA", "n": member("n")?});
            (PublicKey::Rsa { n, e }, canonical)
        }
        "EC" => {
            let (crv, len, alg, jose_alg): (
                _,
                _,
                &'static signature::EcdsaVerificationAlgorithm,
                _,
            ) = match member("crv")? {
                "P-256" => ("P-256", 32, &signature::ECDSA_P256_SHA256_FIXED, "ES256"),
                "P-384" => ("P-384", 48, &signature::ECDSA_P384_SHA384_FIXED, "ES384"),
                "P-521" => ("P-521", 66, &signature::ECDSA_P521_SHA512_FIXED, "ES512"),
                _ => return Err("crv must be P-256, P-384 or P-521".into()),
            };
            let (x, y) = (b64("x")?, b64("y")?);
            if x.len() != len || y.len() != len {
                return Err(format!("x and y must be {len} bytes for {crv}"));
            }
            let mut point = vec![0x04];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let canonical = json!({"crv": crv, "kty": "EC", "x": member("x")?, "y": member("y")?});
            (
                PublicKey::Ec {
                    alg,
                    jose_alg,
                    point,
                },
                canonical,
            )
        }
        _ => return Err("kty must be \"RSA\" or \"EC\"".into()),
    };
    // serde_json's map is ordered by key: this is the RFC 7638 canonical form.
    let text = serde_json::to_string(&canonical).map_err(|e| e.to_string())?;
    let jkt = URL_SAFE_NO_PAD.encode(digest(&SHA256, text.as_bytes()).as_ref());
    Ok((key, jkt, canonical))
}

/// The RFC 7638 SHA-256 thumbprint of a public JWK, refusing private members (the server's
/// `publicJwk` rule). Errors complete "publicJwk ...".
pub fn public_jwk_thumbprint(jwk: &Value) -> std::result::Result<String, String> {
    read_jwk(jwk, false).map(|(_, jkt, _)| jkt)
}

/// The RFC 7638 SHA-256 thumbprint of a JWK (JSON text, public or private; private members do
/// not enter it): the value a key-bound token carries as `cnf.jkt`.
pub fn thumbprint(jwk_json: &str) -> Result<String> {
    let v = parse_jwk_text(jwk_json)?;
    read_jwk(&v, true)
        .map(|(_, jkt, _)| jkt)
        .map_err(|e| Error::invalid(format!("jwk {e}")))
}

/// The public half of a JWK (JSON text): the RFC 7638 members only, ready to register as an
/// agent's `publicJwk`.
pub fn public_jwk(jwk_json: &str) -> Result<String> {
    let v = parse_jwk_text(jwk_json)?;
    let (_, _, canonical) = read_jwk(&v, true).map_err(|e| Error::invalid(format!("jwk {e}")))?;
    Ok(canonical.to_string())
}

fn parse_jwk_text(jwk_json: &str) -> Result<Value> {
    if jwk_json.len() > 8192 {
        return Err(Error::invalid("jwk must be at most 8 KiB"));
    }
    crate::verify::json::validate(jwk_json)
        .map_err(|_| Error::invalid("jwk must be a JSON object without duplicate members"))?;
    serde_json::from_str(jwk_json).map_err(|_| Error::invalid("jwk must be a JSON object"))
}

impl PublicKey {
    fn verify(&self, alg: &str, message: &[u8], sig: &[u8]) -> std::result::Result<(), TokenError> {
        let ok = match (self, alg) {
            (
                PublicKey::Ec {
                    alg: a,
                    jose_alg,
                    point,
                },
                _,
            ) if *jose_alg == alg => UnparsedPublicKey::new(*a, point)
                .verify(message, sig)
                .is_ok(),
            (PublicKey::Rsa { n, e }, "RS256" | "PS256") => {
                let params = if alg == "RS256" {
                    &signature::RSA_PKCS1_2048_8192_SHA256
                } else {
                    &signature::RSA_PSS_2048_8192_SHA256
                };
                signature::RsaPublicKeyComponents { n, e }
                    .verify(params, message, sig)
                    .is_ok()
            }
            _ => {
                return Err(invalid(
                    "the DPoP proof alg does not match the type of its key",
                ))
            }
        };
        if ok {
            Ok(())
        } else {
            Err(invalid("the DPoP proof signature does not verify"))
        }
    }
}

/// `ath`: base64url SHA-256 of the access token's ASCII bytes (RFC 9449 §4.2).
pub fn access_token_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest(&SHA256, access_token.as_bytes()).as_ref())
}

/// Checks `req.proof` for `req`'s method and URI at `now` (Unix seconds); with `access_token`,
/// the proof must also carry its hash (`ath`). Does not record the proof as used: see
/// [`record_use`].
pub fn verify_proof(
    req: &DpopRequest,
    access_token: Option<&str>,
    now: i64,
) -> std::result::Result<VerifiedProof, TokenError> {
    let proof = req.proof.as_str();
    if proof.is_empty() {
        return Err(invalid("a DPoP proof is required"));
    }
    if proof.len() > MAX_PROOF_LEN {
        return Err(invalid("the DPoP proof is longer than 8 KiB"));
    }
    let mut parts = proof.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(
            "the DPoP proof is not a compact JWS (three segments)",
        ));
    };
    let header = segment_object(h, "header")?;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(invalid("the DPoP proof typ must be dpop+jwt"));
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if !ALGORITHMS.contains(&alg) {
        return Err(invalid(
            "the DPoP proof alg must be one of ES256, ES384, ES512, RS256, PS256",
        ));
    }
    for forbidden in ["crit", "jku", "x5u", "x5c"] {
        if header.contains_key(forbidden) {
            return Err(invalid(format!(
                "the DPoP proof header may not carry {forbidden}"
            )));
        }
    }
    let jwk = header
        .get("jwk")
        .ok_or_else(|| invalid("the DPoP proof header must carry its public key (jwk)"))?;
    let (key, jkt, _) =
        read_jwk(jwk, false).map_err(|e| invalid(format!("the DPoP proof jwk {e}")))?;
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| invalid("the DPoP proof signature is not base64url"))?;
    key.verify(alg, &proof.as_bytes()[..h.len() + 1 + p.len()], &sig)?;

    let claims = segment_object(p, "payload")?;
    // Methods are case-sensitive (RFC 9110 §9.1): `post` is not `POST`.
    let htm = claims.get("htm").and_then(Value::as_str);
    if htm != Some(req.method.as_str()) {
        return Err(invalid(
            "the DPoP proof htm does not match the request's method",
        ));
    }
    let want = target(&req.url).map_err(|e| invalid(format!("the request url {e}")))?;
    let htu = claims.get("htu").and_then(Value::as_str).unwrap_or("");
    if target(htu).ok() != Some(want) {
        return Err(invalid(
            "the DPoP proof htu does not match the request's URI",
        ));
    }
    let jti = match claims.get("jti").and_then(Value::as_str) {
        Some(j) if (16..=256).contains(&j.len()) => j.to_string(),
        _ => {
            return Err(invalid(
                "the DPoP proof jti must be a string of 16 to 256 characters",
            ))
        }
    };
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("the DPoP proof iat must be an integer (Unix seconds)"))?;
    if iat < now.saturating_sub(MAX_AGE_SECS) || iat > now.saturating_add(FUTURE_SKEW_SECS) {
        return Err(invalid(
            "the DPoP proof iat is outside the accepted window (5 minutes old, 30 seconds ahead)",
        ));
    }
    match (access_token, claims.get("ath")) {
        (Some(token), Some(Value::String(ath)))
            if constant_time_eq(ath.as_bytes(), access_token_hash(token).as_bytes()) => {}
        (Some(_), _) => {
            return Err(invalid(
                "the DPoP proof ath is missing or is not the hash of the presented token",
            ))
        }
        (None, None | Some(Value::String(_))) => {}
        (None, Some(_)) => return Err(invalid("the DPoP proof ath must be a string")),
    }
    Ok(VerifiedProof { jkt, jti, iat })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The proofs seen within their window: looked up by (thumbprint, jti), expired from the front
/// by expiry time, counted per key. B-trees, not hash tables: their nodes are reached through
/// pointers to their starts, so leak checkers (valgrind in the C tests) see this
/// process-lifetime memory as reachable, not "possibly lost".
struct Seen {
    /// (thumbprint, jti) → when the proof stops being acceptable (Unix seconds).
    by_proof: BTreeMap<(String, String), i64>,
    /// (expiry, thumbprint, jti), oldest first.
    by_expiry: BTreeMap<(i64, String, String), ()>,
    /// Proofs remembered per key.
    per_key: BTreeMap<String, usize>,
}

static SEEN: Mutex<Seen> = Mutex::new(Seen {
    by_proof: BTreeMap::new(),
    by_expiry: BTreeMap::new(),
    per_key: BTreeMap::new(),
});

/// Most proofs one key may have in the replay window (about 30 a second, sustained): one
/// agent cannot fill the memory every other agent's proofs need.
pub const REPLAY_CAPACITY_PER_KEY: usize = 10_000;

impl Seen {
    /// Forgets every proof whose window closed before `now` (amortised: each is removed once).
    fn expire(&mut self, now: i64) {
        while let Some(((until, _, _), ())) = self.by_expiry.first_key_value() {
            if *until >= now {
                break;
            }
            let ((_, jkt, jti), ()) = self.by_expiry.pop_first().expect("non-empty");
            self.by_proof.remove(&(jkt.clone(), jti));
            if let Some(n) = self.per_key.get_mut(&jkt) {
                *n -= 1;
                if *n == 0 {
                    self.per_key.remove(&jkt);
                }
            }
        }
    }
}

/// Records `proof` as used at `now`; `invalid_proof` when this process has seen it before
/// within its window (RFC 9449 §11.1), or when the replay memory (per key or in all) is full.
/// Proofs are remembered per process: a resource server running several processes sees
/// replays across them only if it shares its own store.
pub fn record_use(proof: &VerifiedProof, now: i64) -> std::result::Result<(), TokenError> {
    let mut seen = SEEN.lock().unwrap_or_else(|p| p.into_inner());
    seen.expire(now);
    let key = (proof.jkt.clone(), proof.jti.clone());
    if seen.by_proof.contains_key(&key) {
        return Err(invalid("the DPoP proof has already been used"));
    }
    if seen.by_proof.len() >= REPLAY_CAPACITY
        || seen.per_key.get(&proof.jkt).copied().unwrap_or(0) >= REPLAY_CAPACITY_PER_KEY
    {
        return Err(invalid(
            "too many DPoP proofs in the replay window; try again shortly",
        ));
    }
    let until = proof.iat.saturating_add(MAX_AGE_SECS + FUTURE_SKEW_SECS);
    seen.by_expiry
        .insert((until, proof.jkt.clone(), proof.jti.clone()), ());
    seen.by_proof.insert(key, until);
    *seen.per_key.entry(proof.jkt.clone()).or_insert(0) += 1;
    Ok(())
}

/// A new P-256 private key as a JWK (JSON text with `kty`, `crv`, `x`, `y`, `d`): the agent's
/// DPoP key. Keep it secret; register [`public_jwk`] of it.
pub fn generate_key() -> Result<String> {
    let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
    let pair = EcdsaKeyPair::generate(alg).map_err(|_| Error::invalid("key generation failed"))?;
    let d = {
        use aws_lc_rs::encoding::AsBigEndian as _;
        let bin = pair
            .private_key()
            .as_be_bytes()
            .map_err(|_| Error::invalid("key export failed"))?;
        URL_SAFE_NO_PAD.encode(bin.as_ref())
    };
    let point = pair.public_key().as_ref();
    let (x, y) = point[1..].split_at(32);
    Ok(json!({
        "kty": "EC",
        "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(x),
        "y": URL_SAFE_NO_PAD.encode(y),
        "d": d,
    })
    .to_string())
}

fn signing_key(private_jwk: &str) -> Result<(EcdsaKeyPair, Value)> {
    let v = parse_jwk_text(private_jwk)?;
    let bad = |why: &str| Error::invalid(format!("private_jwk {why}"));
    let obj = v.as_object().ok_or_else(|| bad("must be a JSON object"))?;
    if obj.get("kty").and_then(Value::as_str) != Some("EC")
        || obj.get("crv").and_then(Value::as_str) != Some("P-256")
    {
        return Err(bad("must be an EC P-256 private key (kty EC, crv P-256)"));
    }
    let (_, _, public) = read_jwk(&v, true).map_err(|e| bad(&e))?;
    let d = obj
        .get("d")
        .and_then(Value::as_str)
        .and_then(|d| URL_SAFE_NO_PAD.decode(d).ok())
        .filter(|d| d.len() == 32)
        .ok_or_else(|| bad("needs the private member \"d\" (32 bytes, base64url)"))?;
    let mut point = vec![0x04];
    for c in ["x", "y"] {
        point.extend(
            URL_SAFE_NO_PAD
                .decode(public[c].as_str().unwrap_or(""))
                .unwrap_or_default(),
        );
    }
    let pair = EcdsaKeyPair::from_private_key_and_public_key(
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &d,
        &point,
    )
    .map_err(|_| bad("d does not belong to x and y"))?;
    Ok((pair, public))
}

/// A DPoP proof (`typ: dpop+jwt`, ES256) for one request: `method` and `url` (its query and
/// fragment are left out of `htu`), bound to `access_token` (`ath`) when given; a fresh random
/// `jti` and the current time as `iat`.
pub fn create_proof(
    private_jwk: &str,
    method: &str,
    url: &str,
    access_token: Option<&str>,
) -> Result<String> {
    let mut jti = [0u8; 18];
    aws_lc_rs::rand::fill(&mut jti).map_err(|_| Error::invalid("no randomness available"))?;
    create_proof_at(
        private_jwk,
        method,
        url,
        access_token,
        crate::verify::unix_now(),
        &URL_SAFE_NO_PAD.encode(jti),
    )
}

/// [`create_proof`] with an explicit clock and `jti` (tests).
pub fn create_proof_at(
    private_jwk: &str,
    method: &str,
    url: &str,
    access_token: Option<&str>,
    now: i64,
    jti: &str,
) -> Result<String> {
    let (pair, public) = signing_key(private_jwk)?;
    if !is_token(method) {
        return Err(Error::invalid(
            "method must be an HTTP method name (e.g. GET)",
        ));
    }
    let mut htu = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| Error::invalid("url must be an absolute http(s) URI"))?;
    htu.set_query(None);
    htu.set_fragment(None);
    // User information never goes into a proof (it would travel to the server in the clear).
    let _ = htu.set_username("");
    let _ = htu.set_password(None);
    let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": public});
    let mut claims = json!({
        "jti": jti,
        "htm": method,
        "htu": htu.as_str(),
        "iat": now,
    });
    if let Some(t) = access_token {
        claims["ath"] = json!(access_token_hash(t));
    }
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = pair
        .sign(&aws_lc_rs::rand::SystemRandom::new(), input.as_bytes())
        .map_err(|_| Error::invalid("signing failed"))?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://api.example.com/v1/tools/send?x=1";
    const NOW: i64 = 1_767_225_600;

    fn req(proof: String) -> DpopRequest {
        DpopRequest {
            proof,
            method: "POST".into(),
            url: URL.into(),
        }
    }

    #[test]
    fn a_proof_round_trips_and_binds_the_token() {
        let key = generate_key().unwrap();
        let proof =
            create_proof_at(&key, "POST", URL, Some("tok"), NOW, "0123456789abcdef0").unwrap();
        let v = verify_proof(&req(proof.clone()), Some("tok"), NOW + 10).unwrap();
        assert_eq!(v.jkt, thumbprint(&key).unwrap());
        assert_eq!(v.jkt, thumbprint(&public_jwk(&key).unwrap()).unwrap());
        // Another token, no token hash expected, another method, another path, too old.
        let code = |r: std::result::Result<VerifiedProof, TokenError>| r.unwrap_err().message;
        assert!(code(verify_proof(&req(proof.clone()), Some("other"), NOW)).contains("ath"));
        assert!(verify_proof(&req(proof.clone()), None, NOW).is_ok());
        let mut r = req(proof.clone());
        r.method = "post".into();
        assert!(
            code(verify_proof(&r, Some("tok"), NOW)).contains("htm"),
            "methods are case-sensitive"
        );
        r.method = "GET".into();
        assert!(code(verify_proof(&r, Some("tok"), NOW)).contains("htm"));
        r = req(proof.clone());
        r.url = "https://api.example.com/v1/tools/other".into();
        assert!(code(verify_proof(&r, Some("tok"), NOW)).contains("htu"));
        r.url = "HTTPS://API.example.com:443/v1/tools/send#frag".into();
        assert!(
            verify_proof(&r, Some("tok"), NOW).is_ok(),
            "normalised URIs compare equal"
        );
        assert!(code(verify_proof(&req(proof.clone()), Some("tok"), NOW + 301)).contains("iat"));
        assert!(code(verify_proof(&req(proof), Some("tok"), NOW - 31)).contains("iat"));
    }

    #[test]
    fn tampering_and_replay_are_refused() {
        let key = generate_key().unwrap();
        let proof =
            create_proof_at(&key, "POST", URL, None, NOW, "replay-test-jti-000001").unwrap();
        let mut parts: Vec<&str> = proof.split('.').collect();
        let other = create_proof_at(&key, "GET", URL, None, NOW, "replay-test-jti-000001").unwrap();
        let other_payload = other.split('.').nth(1).unwrap().to_string();
        parts[1] = &other_payload;
        let err = verify_proof(&req(parts.join(".")), None, NOW).unwrap_err();
        assert_eq!(err.code, TokenErrorCode::InvalidProof);
        assert!(err.message.contains("signature"), "{}", err.message);

        let v = verify_proof(&req(proof), None, NOW).unwrap();
        record_use(&v, NOW).unwrap();
        assert!(record_use(&v, NOW + 1)
            .unwrap_err()
            .message
            .contains("already been used"));
        // Once outside every window it is forgotten (it would be refused as stale anyway).
        record_use(&v, NOW + MAX_AGE_SECS + FUTURE_SKEW_SECS + 1).unwrap();
    }

    #[test]
    fn headers_that_are_not_dpop_proofs_are_refused() {
        let key = generate_key().unwrap();
        let public: Value = serde_json::from_str(&public_jwk(&key).unwrap()).unwrap();
        let private: Value = serde_json::from_str(&key).unwrap();
        let body = URL_SAFE_NO_PAD.encode(
            json!({"jti": "0123456789abcdef", "htm": "POST", "htu": URL, "iat": NOW}).to_string(),
        );
        for (header, why) in [
            (json!({"typ": "JWT", "alg": "ES256", "jwk": public}), "typ"),
            (
                json!({"typ": "dpop+jwt", "alg": "HS256", "jwk": public}),
                "alg",
            ),
            (
                json!({"typ": "dpop+jwt", "alg": "none", "jwk": public}),
                "alg",
            ),
            (json!({"typ": "dpop+jwt", "alg": "ES256"}), "jwk"),
            (
                json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private}),
                "private member",
            ),
            (
                json!({"typ": "dpop+jwt", "alg": "RS256", "jwk": public}),
                "does not match",
            ),
            (
                json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": public, "jku": "https://x"}),
                "jku",
            ),
        ] {
            let proof = format!("{}.{body}.AAAA", URL_SAFE_NO_PAD.encode(header.to_string()));
            let err = verify_proof(&req(proof), None, NOW).unwrap_err();
            assert!(err.message.contains(why), "{why}: {}", err.message);
        }
        let dup = format!(
            "{}.{body}.AAAA",
            URL_SAFE_NO_PAD.encode(r#"{"typ":"dpop+jwt","typ":"dpop+jwt","alg":"ES256"}"#)
        );
        assert!(verify_proof(&req(dup), None, NOW)
            .unwrap_err()
            .message
            .contains("duplicate"));
        for bad in ["", "a.b", "a.b.c.d", &"x".repeat(MAX_PROOF_LEN + 1)] {
            assert!(verify_proof(&req(bad.to_string()), None, NOW).is_err());
        }
    }

    #[test]
    fn option_values_and_keys_are_checked() {
        let ok = json!({"proof": "a.b.c", "method": "GET", "url": "https://x.example/p"});
        assert!(DpopRequest::from_json(&ok).is_ok());
        for bad in [
            json!("a.b.c"),
            json!({"proof": "a.b.c", "method": "GET"}),
            json!({"proof": "a.b.c", "method": "GET", "url": "ftp://x/p"}),
            json!({"proof": "a.b.c", "method": "G T", "url": "https://x/p"}),
            json!({"proof": "a.b.c", "method": "GET", "url": "https://x/p", "extra": 1}),
        ] {
            assert!(DpopRequest::from_json(&bad).is_err(), "{bad}");
        }
        assert!(create_proof(r#"{"kty":"EC","crv":"P-256"}"#, "GET", "https://x/p", None).is_err());
        let rsa_like = r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#;
        assert!(thumbprint(rsa_like)
            .unwrap_err()
            .to_string()
            .contains("2048"));
        // RFC 7638 §3.1's example key and thumbprint.
        let rfc = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;
        assert_eq!(
            thumbprint(rfc).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
