//! The RS256 signing keys: generated on first start, listed with their status and purpose in
//! the `signing_keys` table. The private key is either a PKCS#8 DER file (mode 0600) in
//! `<data-dir>/keys/<kid>.pk8` (the default), or — when the operator gives a key-encryption key
//! (env `GRANTEX_KEY_ENCRYPTION_KEY`, 64 hex characters, or `--key-encryption-key-file`) —
//! stored in the database wrapped with AES-256-GCM, so every instance on one database signs
//! with the same key ring.
//!
//! The newest active key signs. `grantex-server keys rotate` adds a new key and retires the others;
//! a retired key stays in the JWKS (and keeps verifying) until the last token it signed has
//! expired, which is why every signature records its `exp` as the kid's `max_exp`. A running
//! server reloads the ring from the database every 30 s and whenever it meets a kid it does not
//! know, so a rotation (or a key another instance added) is seen by every instance.
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
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How often a running server re-reads the key ring (rotations by the CLI or another instance).
pub const RELOAD_EVERY: Duration = Duration::from_secs(30);
/// At most one reload for an unknown kid per this interval (a stream of forged kids cannot turn
/// into a stream of database reads).
const MISS_RELOAD_GAP: Duration = Duration::from_secs(2);

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

/// The operator's key-encryption key: wraps signing keys stored in the database.
pub struct Kek(aws_lc_rs::aead::LessSafeKey);

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kek(…)")
    }
}

/// The operator's key-encryption key as configured, unparsed: the first line of `file`, else env
/// `GRANTEX_KEY_ENCRYPTION_KEY`, else none. (The credential vault derives its own master key
/// from the same text, see `crate::vault`.)
pub fn configured_hex(file: Option<&Path>) -> Result<Option<String>, String> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f).map_err(|e| {
            format!(
                "cannot read the key-encryption key file {}: {e}",
                f.display()
            )
        })?;
        return Ok(Some(text.lines().next().unwrap_or_default().to_string()));
    }
    match std::env::var("GRANTEX_KEY_ENCRYPTION_KEY") {
        Ok(v) if !v.trim().is_empty() => Ok(Some(v)),
        _ => Ok(None),
    }
}

/// Prefix of a wrapped key's stored form (version of the format).
const WRAP_V1: &str = "v1.";

impl Kek {
    /// From 64 hexadecimal characters (32 bytes); surrounding whitespace is ignored.
    pub fn from_hex(hex: &str) -> Result<Kek, String> {
        let hex = hex.trim();
        let bad =
            || "the key-encryption key must be 64 hexadecimal characters (32 bytes)".to_string();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let key = aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &bytes)
            .map_err(|_| bad())?;
        Ok(Kek(aws_lc_rs::aead::LessSafeKey::new(key)))
    }

    /// The key-encryption key from `file` (its first line), else env `GRANTEX_KEY_ENCRYPTION_KEY`,
    /// else none.
    pub fn configured(file: Option<&Path>) -> Result<Option<Kek>, String> {
        configured_hex(file)?
            .map(|hex| Kek::from_hex(&hex))
            .transpose()
    }

    /// `v1.` + base64url(nonce ‖ AES-256-GCM(der)); the kid is authenticated data, so a wrapped
    /// key cannot be moved to another row.
    fn wrap(&self, kid: &str, der: &[u8]) -> Result<String, String> {
        use aws_lc_rs::aead::{Aad, Nonce, NONCE_LEN};
        let nonce_bytes: [u8; NONCE_LEN] = crate::ids::random_bytes();
        let mut data = der.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(kid.as_bytes()),
                &mut data,
            )
            .map_err(|_| "cannot wrap the signing key".to_string())?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{WRAP_V1}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    fn unwrap(&self, kid: &str, wrapped: &str) -> Result<Vec<u8>, String> {
        use aws_lc_rs::aead::{Aad, Nonce, NONCE_LEN};
        let wrong = || {
            format!("signing key {kid} does not decrypt with the configured key-encryption key (wrong key, or the stored key was altered)")
        };
        let raw = wrapped
            .strip_prefix(WRAP_V1)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|r| r.len() > NONCE_LEN)
            .ok_or_else(wrong)?;
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| wrong())?;
        let mut data = sealed.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(kid.as_bytes()), &mut data)
            .map_err(|_| wrong())?;
        Ok(plain.to_vec())
    }
}

/// A 32-byte secret every instance of a deployment shares (e.g. the consent forms' CSRF key),
/// stored in the database wrapped with `kek`; created by the first instance that asks. Blocking.
pub fn shared_secret(db: &Db, kek: &Kek, name: &str) -> Result<[u8; 32], String> {
    let aad = format!("server-secret:{name}");
    let stored = db
        .read_sync(|c| store::keys::secret(c, name))
        .map_err(|e| e.message)?;
    let wrapped = match stored {
        Some(w) => w,
        None => {
            let fresh = kek.wrap(&aad, &crate::ids::random_bytes::<32>())?;
            db.write_sync(|tx| {
                store::keys::insert_secret(tx, name, &fresh)?;
                store::keys::secret(tx, name)
            })
            .map_err(|e| e.message)?
            .ok_or_else(|| format!("server secret {name} was not stored"))?
        }
    };
    let plain = kek.unwrap(&aad, &wrapped)?;
    plain
        .as_slice()
        .try_into()
        .map_err(|_| format!("server secret {name} has the wrong length"))
}

struct Published {
    kid: String,
    jwk: Jwk,
    retired: bool,
    max_exp: AtomicI64,
    /// Raw modulus and exponent, for verifying principal session tokens.
    n: Vec<u8>,
    e: Vec<u8>,
    /// The private key (kept so a reload reuses it instead of reading it again).
    signer: Arc<RsaSigner>,
}

/// One consistent view of the ring: the signers and every published key.
struct Loaded {
    signer: Arc<RsaSigner>,
    sandbox_signer: Arc<RsaSigner>,
    published: Vec<Published>,
    verifier: JwksCache,
}

/// Signing keys plus every key still published, reloaded from the database when it changes.
pub struct KeyRing {
    db: Db,
    dir: PathBuf,
    kek: Option<Arc<Kek>>,
    state: RwLock<Arc<Loaded>>,
    last_miss_reload: Mutex<Option<Instant>>,
    issuer: String,
    /// Issuers used by earlier runs on this data dir (newest first).
    past_issuers: Vec<String>,
    /// Grant tokens carry the legacy claim aliases next to the standard claims
    /// (`--grant-token-legacy-claims`, see [`crate::mint::TokenSpec::claims`]).
    legacy_claims: bool,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("kid", &self.kid())
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

/// A new RSA key: its kid (RFC 7638 thumbprint) and PKCS#8 DER.
fn generate() -> ApiResult<(String, Vec<u8>)> {
    let der = RsaSigner::generate("new")?.to_pkcs8_der();
    let jwk = RsaSigner::from_pkcs8_der("new", &der)?.public_jwk();
    let (Some(n), Some(e)) = (jwk.n.as_deref(), jwk.e.as_deref()) else {
        return Err(ApiError::internal("generated key has no n or e"));
    };
    Ok((rsa_thumbprint(n, e), der))
}

/// Stores a new active key of `purpose` inside `tx` (retiring the others of that purpose): wrapped
/// in the row when a key-encryption key is configured, else as a file in `dir` (durable before
/// the row that names it commits).
fn store_key(
    tx: &Conn,
    dir: &Path,
    kek: Option<&Kek>,
    purpose: KeyPurpose,
    kid: &str,
    der: &[u8],
) -> ApiResult<()> {
    if store::keys::exists(tx, kid)? {
        return Err(ApiError::internal(
            "a newly generated key is already listed",
        ));
    }
    let wrapped = match kek {
        Some(k) => Some(k.wrap(kid, der).map_err(ApiError::internal)?),
        None => {
            fsutil::write_atomic(&key_path(dir, kid), der)
                .map_err(|e| ApiError::internal(format!("cannot write key file: {e}")))?;
            None
        }
    };
    store::keys::insert_active(
        tx,
        kid,
        purpose.as_str(),
        wrapped.as_deref(),
        time::now_ms(),
    )
}

/// Generates a key for `purpose`, stores it, retires every other active key of that purpose.
/// Returns the new kid. Used by `grantex-server keys rotate`.
pub fn add_key(
    db: &Db,
    dir: &Path,
    kek: Option<&Kek>,
    purpose: KeyPurpose,
) -> Result<String, String> {
    fsutil::create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let (kid, der) = generate().map_err(|e| e.message)?;
    db.write_sync(|tx| store_key(tx, dir, kek, purpose, &kid, &der))
        .map_err(|e| format!("cannot create signing key: {}", e.message))?;
    Ok(kid)
}

/// Creates the active key of each purpose that has none, each check-and-create in one write
/// transaction (serialised across instances, so instances starting together create one).
fn ensure_active_keys(db: &Db, dir: &Path, kek: Option<&Kek>) -> Result<(), String> {
    fsutil::create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for purpose in [KeyPurpose::Live, KeyPurpose::Sandbox] {
        let has = |c: &Conn| -> ApiResult<bool> {
            Ok(store::keys::all(c)?
                .iter()
                .any(|k| !k.retired && k.purpose == purpose.as_str()))
        };
        if db.read_sync(has).map_err(|e| e.message)? {
            continue;
        }
        let (kid, der) = generate().map_err(|e| e.message)?;
        db.write_sync(|tx| {
            if has(tx)? {
                return Ok(()); // another instance was first
            }
            store_key(tx, dir, kek, purpose, &kid, &der)
        })
        .map_err(|e| format!("cannot create signing key: {}", e.message))?;
    }
    Ok(())
}

fn decode_component(v: &Option<String>) -> Result<Vec<u8>, String> {
    let s = v.as_deref().ok_or("public JWK lacks n or e")?;
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| format!("public JWK component is not base64url: {e}"))
}

/// The ring as the database lists it now, reusing the private keys `previous` already holds.
fn load_state(
    db: &Db,
    dir: &Path,
    kek: Option<&Kek>,
    previous: Option<&Loaded>,
) -> Result<Loaded, String> {
    let rows = db.read_sync(store::keys::all).map_err(|e| e.message)?;
    let now = time::now_secs();
    let mut published = Vec::new();
    let (mut signer, mut sandbox_signer) = (None, None);
    for row in rows {
        if row.retired && row.max_exp <= now {
            continue; // every token it signed has expired: no longer published
        }
        let sandbox = row.purpose == "sandbox";
        let known = previous.and_then(|p| p.published.iter().find(|k| k.kid == row.kid));
        let s = match known {
            Some(k) => k.signer.clone(),
            None => {
                let der = match (&row.wrapped_key, kek) {
                    (Some(w), Some(k)) => k.unwrap(&row.kid, w)?,
                    (Some(_), None) => {
                        return Err(format!(
                            "signing key {} is stored encrypted in the database: give the key-encryption key (GRANTEX_KEY_ENCRYPTION_KEY or --key-encryption-key-file)",
                            row.kid
                        ))
                    }
                    (None, _) => std::fs::read(key_path(dir, &row.kid)).map_err(|e| {
                        format!(
                            "signing key {} is listed but {} is unreadable: {e} (instances sharing a database need the key-encryption key, so keys live in the database)",
                            row.kid,
                            key_path(dir, &row.kid).display()
                        )
                    })?,
                };
                Arc::new(
                    RsaSigner::from_pkcs8_der(&row.kid, &der)
                        .map_err(|e| format!("signing key {} is invalid: {e}", row.kid))?,
                )
            }
        };
        let jwk = s.public_jwk();
        let (n, e) = (decode_component(&jwk.n)?, decode_component(&jwk.e)?);
        if !row.retired {
            // Rows are oldest first, so the newest active key of each purpose wins.
            if sandbox {
                sandbox_signer = Some(s.clone());
            } else {
                signer = Some(s.clone());
            }
        }
        published.push(Published {
            kid: row.kid,
            jwk,
            retired: row.retired,
            max_exp: AtomicI64::new(row.max_exp),
            n,
            e,
            signer: s,
        });
    }
    let signer = signer.ok_or("no active signing key")?;
    let sandbox_signer = sandbox_signer.ok_or("no active sandbox signing key")?;
    let set = JwkSet {
        keys: published.iter().map(|p| p.jwk.clone()).collect(),
    };
    let json = serde_json::to_string(&set).map_err(|e| e.to_string())?;
    let verifier = JwksCache::from_json(&json)
        .map_err(|e| format!("own key set rejected by the verifier: {e}"))?;
    Ok(Loaded {
        signer,
        sandbox_signer,
        published,
        verifier,
    })
}

/// The `kid` in a JWT's header.
fn header_kid(token: &str) -> Option<String> {
    let h = token.split('.').next()?;
    let v: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    v.get("kid")?.as_str().map(str::to_string)
}

impl KeyRing {
    /// Loads the ring (creating the first key of each purpose when there is none). Blocking.
    pub fn load(db: &Db, dir: &Path, kek: Option<Kek>, issuer: &str) -> Result<KeyRing, String> {
        ensure_active_keys(db, dir, kek.as_ref())?;
        let loaded = load_state(db, dir, kek.as_ref(), None)?;
        let past_issuers = db
            .write_sync(|tx| store::keys::record_issuer(tx, issuer, time::now_ms()))
            .map_err(|e| e.message)?;
        Ok(KeyRing {
            db: db.clone(),
            dir: dir.to_path_buf(),
            kek: kek.map(Arc::new),
            state: RwLock::new(Arc::new(loaded)),
            last_miss_reload: Mutex::new(None),
            issuer: issuer.to_string(),
            past_issuers,
            legacy_claims: true,
        })
    }

    /// Whether grant tokens carry the legacy claim aliases (default on).
    pub fn with_legacy_claims(mut self, on: bool) -> KeyRing {
        self.legacy_claims = on;
        self
    }

    /// Whether grant tokens carry the legacy claim aliases.
    pub fn legacy_claims(&self) -> bool {
        self.legacy_claims
    }

    fn current(&self) -> Arc<Loaded> {
        self.state.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Re-reads the ring from the database (new keys, rotations, retirements). Blocking.
    pub fn reload(&self) -> Result<(), String> {
        let previous = self.current();
        let next = load_state(&self.db, &self.dir, self.kek.as_deref(), Some(&previous))?;
        // Keep the highest expiry recorded in memory (a signature recorded since the read).
        for p in &next.published {
            if let Some(old) = previous.published.iter().find(|o| o.kid == p.kid) {
                p.max_exp
                    .fetch_max(old.max_exp.load(Ordering::Relaxed), Ordering::Relaxed);
            }
        }
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
        Ok(())
    }

    /// A reload because a token named a kid we do not hold, at most once per
    /// [`MISS_RELOAD_GAP`]. `true` if it reloaded.
    fn reload_for_unknown_kid(&self) -> bool {
        {
            let mut last = self
                .last_miss_reload
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < MISS_RELOAD_GAP) {
                return false;
            }
            *last = Some(Instant::now());
        }
        match self.reload() {
            Ok(()) => true,
            Err(e) => {
                eprintln!("grantex-server: reloading the signing keys failed: {e}");
                false
            }
        }
    }

    /// The live signing key's kid.
    pub fn kid(&self) -> String {
        self.current().signer.kid().to_string()
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The JWKS: active keys, and retired keys whose tokens may still be live. RS256 only.
    pub fn jwks(&self) -> JwkSet {
        let now = time::now_secs();
        JwkSet {
            keys: self
                .current()
                .published
                .iter()
                .filter(|p| !p.retired || p.max_exp.load(Ordering::Relaxed) > now)
                .map(|p| p.jwk.clone())
                .collect(),
        }
    }

    /// Signs claims with the live key. CPU-bound (~1 ms): call from the blocking pool.
    pub fn sign(&self, claims: &serde_json::Value) -> ApiResult<String> {
        Ok(self.current().signer.sign_claims(claims)?)
    }

    /// Signs a grant token's claims with the live or the sandbox key, typed `at+jwt` (an OAuth
    /// access token, RFC 9068 §2.1, as the reference server types them). CPU-bound: call from
    /// the blocking pool.
    pub fn sign_grant(&self, sandbox: bool, claims: &serde_json::Value) -> ApiResult<String> {
        self.sign_typed_for(sandbox, "at+jwt", claims)
    }

    /// Signs claims with the live key under the header `{"alg":"RS256","kid":…,"typ":typ}`.
    /// An explicit `typ` (RFC 8725 §3.11) keeps such a JWS from passing as a grant token: the
    /// core verifier refuses every `typ` but JWT / at+jwt. CPU-bound: call from the blocking pool.
    pub fn sign_typed(&self, typ: &str, claims: &serde_json::Value) -> ApiResult<String> {
        if !claims.is_object() {
            return Err(ApiError::internal("JWS claims must be a JSON object"));
        }
        let state = self.current();
        let header = serde_json::json!({ "alg": "RS256", "kid": state.signer.kid(), "typ": typ });
        Ok(state
            .signer
            .sign_raw(&serde_json::to_vec(&header)?, &serde_json::to_vec(claims)?)?)
    }

    /// [`KeyRing::sign_typed`] with the sandbox key for a sandbox developer's statements.
    pub fn sign_typed_for(
        &self,
        sandbox: bool,
        typ: &str,
        claims: &serde_json::Value,
    ) -> ApiResult<String> {
        if !sandbox {
            return self.sign_typed(typ, claims);
        }
        if !claims.is_object() {
            return Err(ApiError::internal("JWS claims must be a JSON object"));
        }
        let state = self.current();
        let header =
            serde_json::json!({ "alg": "RS256", "kid": state.sandbox_signer.kid(), "typ": typ });
        Ok(state
            .sandbox_signer
            .sign_raw(&serde_json::to_vec(&header)?, &serde_json::to_vec(claims)?)?)
    }

    /// The kid that signed `token` (one of ours).
    pub fn kid_of(&self, token: &str) -> ApiResult<String> {
        header_kid(token).ok_or_else(|| ApiError::internal("signed token has no kid"))
    }

    /// Records, inside the caller's transaction, that the key which signed `token` signed a
    /// token expiring at `exp` (the key stays published until then).
    pub fn record_token_exp(&self, tx: &Conn, token: &str, exp: i64) -> ApiResult<()> {
        let kid = self.kid_of(token)?;
        store::keys::raise_max_exp(tx, &kid, exp)?;
        if let Some(p) = self.current().published.iter().find(|p| p.kid == kid) {
            p.max_exp.fetch_max(exp, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Full offline verification of a grant token against our own keys (strict core verifier).
    /// Tokens minted under an issuer this data dir used before (another port) are still ours.
    /// A kid we do not hold triggers one (rate-limited) reload: another instance may have added it.
    pub fn verify_grant(&self, token: &str) -> grantex::Result<VerifiedGrant> {
        let first = self.verify_grant_once(token);
        let unknown_kid = matches!(&first, Err(e)
            if e.as_token().is_some_and(|t| t.code == TokenErrorCode::UnknownKid));
        if unknown_kid && self.reload_for_unknown_kid() {
            return self.verify_grant_once(token);
        }
        first
    }

    /// [`KeyRing::verify_grant`] accepting a token that expired up to an hour ago, so that a
    /// refusal of a recently expired (but genuine) token can be recorded in its developer's
    /// audit chain. Never use it to accept a token.
    pub fn verify_expired_grant(&self, token: &str) -> grantex::Result<VerifiedGrant> {
        self.verify_grant_tolerant(token, grantex::verify::MAX_CLOCK_TOLERANCE)
    }

    fn verify_grant_once(&self, token: &str) -> grantex::Result<VerifiedGrant> {
        self.verify_grant_tolerant(token, 0)
    }

    fn verify_grant_tolerant(
        &self,
        token: &str,
        clock_tolerance: u64,
    ) -> grantex::Result<VerifiedGrant> {
        let state = self.current();
        let opts = |issuer: &str| VerifyOptions {
            issuer: Some(issuer.to_string()),
            // The server's own sandbox tokens are its own: online verification and delegation
            // accept them (the sandbox marker is for the services that verify offline).
            allow_sandbox: Some(true),
            clock_tolerance,
            ..Default::default()
        };
        let first = state.verifier.verify_cached(token, &opts(&self.issuer));
        let wrong_issuer = matches!(&first, Err(e)
            if e.as_token().is_some_and(|t| t.code == TokenErrorCode::WrongIssuer));
        if wrong_issuer {
            for issuer in &self.past_issuers {
                if let Ok(v) = state.verifier.verify_cached(token, &opts(issuer)) {
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
            let mut state = self.current();
            if !state.published.iter().any(|k| k.kid == kid) && self.reload_for_unknown_kid() {
                state = self.current();
            }
            let key = state.published.iter().find(|k| k.kid == kid)?;
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
    fn wrapped_keys_open_only_with_their_key_and_kid() {
        let kek = Kek::from_hex(&"ab".repeat(32)).unwrap();
        let w = kek.wrap("kid-1", b"secret der").unwrap();
        assert!(w.starts_with(WRAP_V1) && !w.contains("secret"));
        assert_eq!(kek.unwrap("kid-1", &w).unwrap(), b"secret der");
        assert!(kek.unwrap("kid-2", &w).is_err(), "bound to its kid");
        let other = Kek::from_hex(&"cd".repeat(32)).unwrap();
        assert!(
            other.unwrap("kid-1", &w).is_err(),
            "another key-encryption key"
        );
        let mut tampered = w.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(kek
            .unwrap("kid-1", &String::from_utf8(tampered).unwrap())
            .is_err());
        assert_ne!(
            kek.wrap("kid-1", b"secret der").unwrap(),
            w,
            "fresh nonce each time"
        );
        for bad in ["", "abc", &"zz".repeat(32), &"ab".repeat(31)] {
            assert!(Kek::from_hex(bad).is_err(), "{bad}");
        }
    }

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
