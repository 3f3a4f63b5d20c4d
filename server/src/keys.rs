//! The RS256 signing keys: generated on first start, persisted as PKCS#8 DER (mode 0600) in
//! `<data-dir>/keys/<kid>.pk8`, listed with their status in the `signing_keys` table.
//!
//! The newest active key signs. `grantex-server keys rotate` adds a new key and retires the others;
//! a retired key stays in the JWKS (and keeps verifying) until the last token it signed has
//! expired, which is why every signature records its `exp` as the kid's `max_exp`.
//!
//! Keys have a purpose: `live` keys sign everything but sandbox developers' grant tokens, which
//! `sandbox` keys sign (own kid, same JWKS). A sandbox signup mints tokens with no human
//! approval, so they never share a key with real grants: a deployment can drop trust in the
//! sandbox kid, and a leak of one key does not forge the other kind.

use crate::error::{ApiError, ApiResult};
use crate::fsutil;
use crate::store::Db;
use crate::store::{self, Conn};
use crate::time;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use grantex::sign::RsaSigner;
use grantex::types::{Jwk, JwkSet};
use grantex::{JwksCache, TokenErrorCode, VerifiedGrant, VerifyOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a signing key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPurpose {
    Live,
    Sandbox,
}

impl KeyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::Live => "live",
            KeyPurpose::Sandbox => "sandbox",
        }
    }
}

struct Published {
    kid: String,
    jwk: Jwk,
    retired: bool,
    max_exp: i64,
    /// Raw modulus and exponent, for verifying principal session tokens.
    n: Vec<u8>,
    e: Vec<u8>,
}

/// Signing key plus every key still published.
pub struct KeyRing {
    signer: RsaSigner,
    /// Signs sandbox developers' grant tokens.
    sandbox_signer: RsaSigner,
    published: Mutex<Vec<Published>>,
    verifier: JwksCache,
    issuer: String,
    /// Issuers used by earlier runs on this data dir (newest first).
    past_issuers: Vec<String>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("kid", &self.signer.kid())
            .finish_non_exhaustive()
    }
}

fn key_path(dir: &Path, kid: &str) -> PathBuf {
    dir.join(format!("{kid}.pk8"))
}

/// The RFC 7638 JWK thumbprint of an RSA public key (SHA-256, base64url): the kid of every key
/// this server generates. It names the key itself, so two data dirs behind one URL can never
/// publish the same kid for different keys (a cache keyed by kid cannot confuse them).
pub fn rsa_thumbprint(n_b64: &str, e_b64: &str) -> String {
    // Required members only, in lexicographic order, no whitespace (RFC 7638 §3.2). n and e are
    // base64url, so they need no JSON escaping.
    let canonical = format!(r#"{{"e":"{e_b64}","kty":"RSA","n":"{n_b64}"}}"#);
    URL_SAFE_NO_PAD.encode(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()).as_ref(),
    )
}

/// Generates a key for `purpose`, stores it, retires every other active key of that purpose.
/// Returns the new kid. Used on first start and by `grantex-server keys rotate`.
pub fn add_key(db: &Db, dir: &Path, purpose: KeyPurpose) -> Result<String, String> {
    fsutil::create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    db.write_sync(|tx| {
        let der = RsaSigner::generate("new")?.to_pkcs8_der();
        let jwk = RsaSigner::from_pkcs8_der("new", &der)?.public_jwk();
        let (n, e) = (jwk.n.as_deref(), jwk.e.as_deref());
        let kid = rsa_thumbprint(n.unwrap_or_default(), e.unwrap_or_default());
        if n.is_none() || e.is_none() {
            return Err(ApiError::internal("generated key has no n or e"));
        }
        let signer = RsaSigner::from_pkcs8_der(&kid, &der)?;
        if store::keys::exists(tx, &kid)? {
            return Err(ApiError::internal(
                "a newly generated key is already listed",
            ));
        }
        // The file is durable before the row that names it commits.
        fsutil::write_atomic(&key_path(dir, &kid), &signer.to_pkcs8_der())
            .map_err(|e| ApiError::internal(format!("cannot write key file: {e}")))?;
        store::keys::insert_active(tx, &kid, purpose.as_str(), time::now_ms())?;
        Ok(kid)
    })
    .map_err(|e| format!("cannot create signing key: {}", e.message))
}

fn decode_component(v: &Option<String>) -> Result<Vec<u8>, String> {
    let s = v.as_deref().ok_or("public JWK lacks n or e")?;
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| format!("public JWK component is not base64url: {e}"))
}

impl KeyRing {
    /// Loads all keys from the table and `dir`; creates the first key when there is none.
    pub fn load(db: &Db, dir: &Path, issuer: &str) -> Result<KeyRing, String> {
        let rows = || {
            db.read_sync(|c| {
                Ok(store::keys::all(c)?
                    .into_iter()
                    .map(|k| (k.kid, k.retired, k.max_exp, k.purpose == "sandbox"))
                    .collect::<Vec<_>>())
            })
            .map_err(|e| e.message)
        };
        let mut keys = rows()?;
        for (purpose, sandbox) in [(KeyPurpose::Live, false), (KeyPurpose::Sandbox, true)] {
            if !keys.iter().any(|k| !k.1 && k.3 == sandbox) {
                add_key(db, dir, purpose)?;
                keys = rows()?;
            }
        }
        let now = time::now_secs();
        let mut published = Vec::new();
        let (mut signer, mut sandbox_signer) = (None, None);
        for (kid, retired, max_exp, sandbox) in keys {
            if retired && max_exp <= now {
                continue; // every token it signed has expired: no longer published
            }
            let der = std::fs::read(key_path(dir, &kid)).map_err(|e| {
                format!(
                    "signing key {kid} is listed but {} is unreadable: {e}",
                    key_path(dir, &kid).display()
                )
            })?;
            let s = RsaSigner::from_pkcs8_der(&kid, &der)
                .map_err(|e| format!("signing key {kid} is invalid: {e}"))?;
            let jwk = s.public_jwk();
            let (n, e) = (decode_component(&jwk.n)?, decode_component(&jwk.e)?);
            published.push(Published {
                kid: kid.clone(),
                jwk,
                retired,
                max_exp,
                n,
                e,
            });
            if !retired {
                // Rows are oldest first, so the newest active key of each purpose wins.
                if sandbox {
                    sandbox_signer = Some(s);
                } else {
                    signer = Some(s);
                }
            }
        }
        let signer = signer.ok_or("no active signing key")?;
        let sandbox_signer = sandbox_signer.ok_or("no active sandbox signing key")?;
        let set = JwkSet {
            keys: published.iter().map(|p| p.jwk.clone()).collect(),
        };
        let json = serde_json::to_string(&set).map_err(|e| e.to_string())?;
        let verifier = JwksCache::from_json(&json)
            .map_err(|e| format!("own key set rejected by the verifier: {e}"))?;
        let past_issuers = db
            .write_sync(|tx| store::keys::record_issuer(tx, issuer, time::now_ms()))
            .map_err(|e| e.message)?;
        Ok(KeyRing {
            signer,
            sandbox_signer,
            published: Mutex::new(published),
            verifier,
            issuer: issuer.to_string(),
            past_issuers,
        })
    }

    pub fn kid(&self) -> &str {
        self.signer.kid()
    }

    /// The kid that signs grant tokens of a sandbox (`true`) or live developer.
    pub fn grant_kid(&self, sandbox: bool) -> &str {
        self.grant_signer(sandbox).kid()
    }

    fn grant_signer(&self, sandbox: bool) -> &RsaSigner {
        if sandbox {
            &self.sandbox_signer
        } else {
            &self.signer
        }
    }

    /// Signs a grant token's claims with the live or the sandbox key. CPU-bound: call from the
    /// blocking pool.
    pub fn sign_grant(&self, sandbox: bool, claims: &serde_json::Value) -> ApiResult<String> {
        Ok(self.grant_signer(sandbox).sign_claims(claims)?)
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The JWKS: active keys, and retired keys whose tokens may still be live. RS256 only.
    pub fn jwks(&self) -> JwkSet {
        let now = time::now_secs();
        let published = self.published.lock().unwrap_or_else(|p| p.into_inner());
        JwkSet {
            keys: published
                .iter()
                .filter(|p| !p.retired || p.max_exp > now)
                .map(|p| p.jwk.clone())
                .collect(),
        }
    }

    /// Signs claims with the active key. CPU-bound (~1 ms): call from the blocking pool.
    pub fn sign(&self, claims: &serde_json::Value) -> ApiResult<String> {
        Ok(self.signer.sign_claims(claims)?)
    }

    /// Signs claims with the active key under the header `{"alg":"RS256","kid":…,"typ":typ}`.
    /// An explicit `typ` (RFC 8725 §3.11) keeps such a JWS from passing as a grant token: the
    /// core verifier refuses every `typ` but JWT / at+jwt. CPU-bound: call from the blocking pool.
    pub fn sign_typed(&self, typ: &str, claims: &serde_json::Value) -> ApiResult<String> {
        if !claims.is_object() {
            return Err(ApiError::internal("JWS claims must be a JSON object"));
        }
        let header = serde_json::json!({ "alg": "RS256", "kid": self.kid(), "typ": typ });
        Ok(self
            .signer
            .sign_raw(&serde_json::to_vec(&header)?, &serde_json::to_vec(claims)?)?)
    }

    /// Records, inside the caller's transaction, that the active key signed a token expiring at `exp`.
    pub fn record_exp(&self, tx: &Conn, exp: i64) -> ApiResult<()> {
        self.record_kid_exp(tx, self.kid(), exp)
    }

    /// Records that key `kid` signed a token expiring at `exp` (it stays published until then).
    pub fn record_kid_exp(&self, tx: &Conn, kid: &str, exp: i64) -> ApiResult<()> {
        store::keys::raise_max_exp(tx, kid, exp)?;
        let mut published = self.published.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = published.iter_mut().find(|p| p.kid == kid) {
            p.max_exp = p.max_exp.max(exp);
        }
        Ok(())
    }

    /// Full offline verification of a grant token against our own keys (strict core verifier).
    /// Tokens minted under an issuer this data dir used before (another port) are still ours.
    pub fn verify_grant(&self, token: &str) -> grantex::Result<VerifiedGrant> {
        let opts = |issuer: &str| VerifyOptions {
            issuer: Some(issuer.to_string()),
            // The server's own sandbox tokens are its own: online verification and delegation
            // accept them (the sandbox marker is for the services that verify offline).
            allow_sandbox: Some(true),
            ..Default::default()
        };
        let first = self.verifier.verify_cached(token, &opts(&self.issuer));
        let wrong_issuer = matches!(&first, Err(e)
            if e.as_token().is_some_and(|t| t.code == TokenErrorCode::WrongIssuer));
        if wrong_issuer {
            for issuer in &self.past_issuers {
                if let Ok(v) = self.verifier.verify_cached(token, &opts(issuer)) {
                    return Ok(v);
                }
            }
        }
        first
    }

    /// Verifies an RS256 JWT signed by one of our keys and returns its claims; `None` if the
    /// signature, algorithm, issuer or expiry is wrong. Used for principal session tokens,
    /// which are not grant tokens (no agt/scp) and so don't pass the grant verifier.
    pub fn verify_own_jwt(
        &self,
        token: &str,
    ) -> Option<serde_json::Map<String, serde_json::Value>> {
        use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
        if token.len() > 16 * 1024 {
            return None;
        }
        let mut parts = token.split('.');
        let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
        if header.get("alg")?.as_str()? != "RS256" || header.len() != 2 {
            return None;
        }
        let kid = header.get("kid")?.as_str()?;
        let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
        {
            let published = self.published.lock().unwrap_or_else(|p| p.into_inner());
            let key = published.iter().find(|k| k.kid == kid)?;
            let pk = RsaPublicKeyComponents {
                n: &key.n,
                e: &key.e,
            };
            let signing_input = &token[..h.len() + 1 + p.len()];
            pk.verify(&RSA_PKCS1_2048_8192_SHA256, signing_input.as_bytes(), &sig)
                .ok()?;
        }
        let claims: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
        let iss = claims.get("iss")?.as_str()?;
        if iss != self.issuer && !self.past_issuers.iter().any(|p| p == iss) {
            return None;
        }
        if claims.get("exp")?.as_i64()? <= time::now_secs() {
            return None;
        }
        Some(claims)
    }
}

/// The payload of a JWT we already verified, as JSON (for `POST /v1/grants/verify` `claims`).
pub fn decode_payload(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// One row of `keys list`.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub kid: String,
    /// `active` or `retired`.
    pub status: &'static str,
    /// `live` or `sandbox`.
    pub purpose: String,
    pub max_exp: i64,
}

/// Lists the signing keys for the CLI, oldest first.
pub fn list(db: &Db) -> ApiResult<Vec<KeyInfo>> {
    db.read_sync(|c| {
        Ok(store::keys::all(c)?
            .into_iter()
            .map(|k| KeyInfo {
                kid: k.kid,
                status: if k.retired { "retired" } else { "active" },
                max_exp: k.max_exp,
                purpose: k.purpose,
            })
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_matches_rfc7638_section_3_1() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_\
                 BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_\
                 FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4v\
                 MQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            rsa_thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
