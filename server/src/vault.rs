//! The credential vault's encryption at rest (envelope encryption, AES-256-GCM via aws-lc-rs).
//!
//! Three keys, each wrapping the next:
//!
//! - the **master key**: derived (HMAC-SHA256, vault label) from the operator's key-encryption
//!   key (`--key-encryption-key-file` or env `GRANTEX_KEY_ENCRYPTION_KEY`) when one is
//!   configured, so every instance sharing that key shares it; otherwise 32 random bytes generated
//!   once into `<data-dir>/keys/vault-master.key` (64 hex characters, mode 0600). Its id is a
//!   fingerprint of the key, so a row names the master that wrapped it;
//! - the **vault KEKs** (`vault_keks` rows): 256-bit keys wrapped by the master key, one of them
//!   `current`. `grantex-server vault rotate-kek` adds a new current KEK and re-wraps every data
//!   key under it while the server runs, then deletes the KEKs no row uses any more;
//! - one **data key** per credential row, random, wrapped by the current KEK (the row stores
//!   the KEK's id), which seals the access token and the refresh token.
//!
//! Every seal has a fresh random 96-bit nonce and associated data binding the ciphertext to
//! where it belongs: a secret to its kind (access/refresh), developer, principal, service and
//! credential id; a wrapped data key to its KEK and the same row; a wrapped KEK to its id and
//! master. Moving or altering any stored byte makes opening fail with a [`VaultError`] (never a
//! panic, never garbage).

use crate::error::{ApiError, ApiResult};
use crate::store::{self, Conn, Db};
use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use std::path::Path;

/// The data-dir master key's file name (in `<data-dir>/keys/`), used without a configured KEK.
pub const MASTER_FILE: &str = "vault-master.key";

/// Prefix of every stored sealed value (format version).
const V1: &str = "v1.";
const TAG_LEN: usize = 16;

/// Why a vault value could not be opened (or sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VaultError {
    /// The stored value is not in the vault's format (bad prefix, base64 or length).
    Malformed(&'static str),
    /// Authentication failed: the ciphertext, the wrapped key or what it is bound to (developer,
    /// principal, service, credential, KEK) was altered, or the key is not the one it was
    /// sealed with.
    Decrypt(&'static str),
    /// The row names a KEK or master key this server does not hold.
    UnknownKey(String),
    /// Sealing failed (the AEAD refused; not expected).
    Seal,
}

impl std::fmt::Display for VaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VaultError::Malformed(what) => write!(f, "the stored {what} is malformed"),
            VaultError::Decrypt(what) => write!(
                f,
                "the stored {what} does not decrypt (altered, moved to another row, or sealed under another key)"
            ),
            VaultError::UnknownKey(id) => write!(f, "key {id} is not available to this server"),
            VaultError::Seal => f.write_str("sealing failed"),
        }
    }
}

impl std::error::Error for VaultError {}

impl VaultError {
    /// The API answer: 500 `VAULT_DECRYPT_FAILED` (or `VAULT_KEY_UNAVAILABLE`), no secret in it.
    pub fn to_api(&self) -> ApiError {
        let (code, what) = match self {
            VaultError::UnknownKey(_) => ("VAULT_KEY_UNAVAILABLE", "cannot be decrypted"),
            VaultError::Seal => ("VAULT_ENCRYPT_FAILED", "cannot be encrypted"),
            _ => ("VAULT_DECRYPT_FAILED", "cannot be decrypted"),
        };
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            code,
            format!("The credential {what}: {self}"),
        )
    }
}

/// Associated data: a label, then each part length-prefixed (u32 big-endian), so no two
/// different part lists encode alike.
fn aad(label: &str, parts: &[&str]) -> Vec<u8> {
    let mut out = label.as_bytes().to_vec();
    for p in parts {
        out.extend_from_slice(&(p.len() as u32).to_be_bytes());
        out.extend_from_slice(p.as_bytes());
    }
    out
}

fn aes_key(bytes: &[u8]) -> Result<LessSafeKey, VaultError> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| VaultError::Malformed("key"))
}

fn seal(key: &LessSafeKey, aad: &[u8], plain: &[u8]) -> Result<String, VaultError> {
    let nonce: [u8; NONCE_LEN] = crate::ids::random_bytes();
    let mut data = plain.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut data,
    )
    .map_err(|_| VaultError::Seal)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&data);
    Ok(format!("{V1}{}", URL_SAFE_NO_PAD.encode(out)))
}

fn open(
    key: &LessSafeKey,
    aad: &[u8],
    stored: &str,
    what: &'static str,
) -> Result<Vec<u8>, VaultError> {
    let raw = stored
        .strip_prefix(V1)
        .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
        .filter(|r| r.len() >= NONCE_LEN + TAG_LEN)
        .ok_or(VaultError::Malformed(what))?;
    let (nonce, sealed) = raw.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| VaultError::Malformed(what))?;
    let mut data = sealed.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad), &mut data)
        .map_err(|_| VaultError::Decrypt(what))?;
    Ok(plain.to_vec())
}

/// The master key (see the module docs).
pub struct MasterKey {
    id: String,
    key: LessSafeKey,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

impl MasterKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> MasterKey {
        let mut h = b"grantex-vault-master-id\0".to_vec();
        h.extend_from_slice(bytes);
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &h);
        let id: String = d.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect();
        MasterKey {
            id: format!("mk_{id}"),
            key: aes_key(bytes).expect("32 bytes make an AES-256 key"),
        }
    }

    /// From 64 hexadecimal characters (surrounding whitespace ignored).
    pub fn from_hex(hex: &str) -> Result<MasterKey, String> {
        MasterKey::parse_hex(hex).map(|b| MasterKey::from_bytes(&b))
    }

    fn parse_hex(hex: &str) -> Result<[u8; 32], String> {
        let hex = hex.trim();
        let bad = || "a vault master key must be 64 hexadecimal characters (32 bytes)".to_string();
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(bytes)
    }

    /// The vault's master key for the operator's key-encryption key `hex`: derived from it
    /// (HMAC-SHA256 under a vault label), so the vault never uses the very key that wraps the
    /// signing keys.
    pub fn derived_from_kek(hex: &str) -> Result<MasterKey, String> {
        let kek = MasterKey::parse_hex(hex).map_err(|_| {
            "the key-encryption key must be 64 hexadecimal characters (32 bytes)".to_string()
        })?;
        let hkey = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &kek);
        let tag = aws_lc_rs::hmac::sign(&hkey, b"grantex-vault-master/v1");
        let bytes: [u8; 32] = tag
            .as_ref()
            .try_into()
            .map_err(|_| "HMAC-SHA256 is 32 bytes".to_string())?;
        Ok(MasterKey::from_bytes(&bytes))
    }

    #[cfg(test)]
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A vault KEK, unwrapped.
pub struct Kek {
    pub id: String,
    key: LessSafeKey,
}

impl std::fmt::Debug for Kek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kek({})", self.id)
    }
}

/// A vault KEK as stored: its id, the master key that wraps it, the wrapped key.
#[derive(Debug, Clone)]
pub struct WrappedKek {
    pub id: String,
    pub master_id: String,
    pub wrapped: String,
}

/// The master keys this server holds: the one new KEKs are wrapped with, and the data-dir key
/// when a configured KEK took its place (so KEKs it wrapped stay readable until a rotation).
#[derive(Debug)]
pub struct Masters {
    current: MasterKey,
    others: Vec<MasterKey>,
}

/// Reads `<keys_dir>/vault-master.key`, creating it (random, 0600, durable) when `create` and
/// it does not exist. Two processes creating it at once agree on one key (hard link, no
/// overwrite).
fn data_dir_master(keys_dir: &Path, create: bool) -> Result<Option<MasterKey>, String> {
    let path = keys_dir.join(MASTER_FILE);
    let read = |p: &Path| -> Result<MasterKey, String> {
        let text = std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read the vault master key {}: {e}", p.display()))?;
        MasterKey::from_hex(&text).map_err(|e| format!("{}: {e}", p.display()))
    };
    if path.exists() {
        return read(&path).map(Some);
    }
    if !create {
        return Ok(None);
    }
    crate::fsutil::create_private_dir(keys_dir)
        .map_err(|e| format!("cannot create {}: {e}", keys_dir.display()))?;
    let bytes: [u8; 32] = crate::ids::random_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = keys_dir.join(format!(
        ".{MASTER_FILE}.{}.{}",
        std::process::id(),
        crate::ids::new_id("")
    ));
    let result = (|| -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(format!("{hex}\n").as_bytes())?;
        f.sync_all()?;
        match std::fs::hard_link(&tmp, &path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        crate::fsutil::sync_dir(keys_dir)
    })();
    let _ = std::fs::remove_file(&tmp);
    result.map_err(|e| format!("cannot write the vault master key {}: {e}", path.display()))?;
    read(&path).map(Some)
}

impl Masters {
    /// The configured key-encryption key (`configured_hex`, see `keys::configured_hex`) when
    /// there is one, with the data dir's master key (if it exists) kept for reading; otherwise
    /// the data dir's master key, created on first use.
    pub fn load(keys_dir: &Path, configured_hex: Option<&str>) -> Result<Masters, String> {
        Masters::load_inner(keys_dir, configured_hex, true)
    }

    /// [`Masters::load`] without creating the data-dir master key (the CLI: a missing key
    /// means the wrong data dir or a missing key-encryption key, not a first start).
    pub fn load_existing(keys_dir: &Path, configured_hex: Option<&str>) -> Result<Masters, String> {
        Masters::load_inner(keys_dir, configured_hex, false)
    }

    fn load_inner(
        keys_dir: &Path,
        configured_hex: Option<&str>,
        create: bool,
    ) -> Result<Masters, String> {
        match configured_hex {
            Some(hex) => {
                let current = MasterKey::derived_from_kek(hex)?;
                let others = data_dir_master(keys_dir, false)?
                    .into_iter()
                    .filter(|m| m.id != current.id)
                    .collect();
                Ok(Masters { current, others })
            }
            None => Ok(Masters {
                current: data_dir_master(keys_dir, create)?.ok_or_else(|| {
                    format!(
                        "no key-encryption key is configured and {} does not exist: pass the server's key-encryption key (--key-encryption-key-file or GRANTEX_KEY_ENCRYPTION_KEY) or its --data-dir",
                        keys_dir.join(MASTER_FILE).display()
                    )
                })?,
                others: Vec::new(),
            }),
        }
    }

    /// Only `current` (tests).
    #[cfg(test)]
    pub fn single(current: MasterKey) -> Masters {
        Masters {
            current,
            others: Vec::new(),
        }
    }

    #[cfg(test)]
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    fn by_id(&self, id: &str) -> Option<&MasterKey> {
        std::iter::once(&self.current)
            .chain(&self.others)
            .find(|m| m.id == id)
    }

    fn kek_aad(kek_id: &str, master_id: &str) -> Vec<u8> {
        aad("grantex-vault-kek/v1", &[kek_id, master_id])
    }

    /// A new random KEK with `id`, and its stored form under the current master key.
    pub fn new_kek(&self, id: &str) -> Result<(Kek, WrappedKek), VaultError> {
        let bytes: [u8; 32] = crate::ids::random_bytes();
        let wrapped = seal(
            &self.current.key,
            &Self::kek_aad(id, &self.current.id),
            &bytes,
        )?;
        Ok((
            Kek {
                id: id.to_string(),
                key: aes_key(&bytes)?,
            },
            WrappedKek {
                id: id.to_string(),
                master_id: self.current.id.clone(),
                wrapped,
            },
        ))
    }

    /// Unwraps a stored KEK with the master key it names.
    pub fn unwrap_kek(&self, w: &WrappedKek) -> Result<Kek, VaultError> {
        let master = self
            .by_id(&w.master_id)
            .ok_or_else(|| VaultError::UnknownKey(format!("master key {}", w.master_id)))?;
        let bytes = open(
            &master.key,
            &Self::kek_aad(&w.id, &w.master_id),
            &w.wrapped,
            "key-encryption key",
        )?;
        Ok(Kek {
            id: w.id.clone(),
            key: aes_key(&bytes)?,
        })
    }
}

/// Where a credential belongs: every sealed value of the row is bound to all of it.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub developer_id: &'a str,
    pub principal_id: &'a str,
    pub service: &'a str,
    pub credential_id: &'a str,
}

impl Binding<'_> {
    fn dek_aad(&self, kek_id: &str) -> Vec<u8> {
        aad(
            "grantex-vault-dek/v1",
            &[
                kek_id,
                self.developer_id,
                self.principal_id,
                self.service,
                self.credential_id,
            ],
        )
    }

    fn secret_aad(&self, kind: &str) -> Vec<u8> {
        aad(
            "grantex-vault-secret/v1",
            &[
                kind,
                self.developer_id,
                self.principal_id,
                self.service,
                self.credential_id,
            ],
        )
    }
}

/// A credential's sealed columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub access: String,
    pub refresh: Option<String>,
    pub wrapped_dek: String,
    pub kek_id: String,
}

const ACCESS: &str = "access";
const REFRESH: &str = "refresh";

/// Seals `access` (and `refresh`) under a fresh data key wrapped by `kek`.
pub fn seal_credential(
    kek: &Kek,
    b: &Binding<'_>,
    access: &str,
    refresh: Option<&str>,
) -> Result<Sealed, VaultError> {
    let dek_bytes: [u8; 32] = crate::ids::random_bytes();
    let dek = aes_key(&dek_bytes)?;
    Ok(Sealed {
        access: seal(&dek, &b.secret_aad(ACCESS), access.as_bytes())?,
        refresh: refresh
            .map(|r| seal(&dek, &b.secret_aad(REFRESH), r.as_bytes()))
            .transpose()?,
        wrapped_dek: seal(&kek.key, &b.dek_aad(&kek.id), &dek_bytes)?,
        kek_id: kek.id.clone(),
    })
}

fn open_dek(kek: &Kek, b: &Binding<'_>, wrapped_dek: &str) -> Result<LessSafeKey, VaultError> {
    let bytes = open(&kek.key, &b.dek_aad(&kek.id), wrapped_dek, "data key")?;
    aes_key(&bytes)
}

/// The access token of a credential sealed by [`seal_credential`].
pub fn open_access(
    kek: &Kek,
    b: &Binding<'_>,
    wrapped_dek: &str,
    access: &str,
) -> Result<String, VaultError> {
    let dek = open_dek(kek, b, wrapped_dek)?;
    let plain = open(&dek, &b.secret_aad(ACCESS), access, "access token")?;
    String::from_utf8(plain).map_err(|_| VaultError::Malformed("access token"))
}

/// The refresh token of a credential sealed by [`seal_credential`]. (The exchange answers the
/// access token only, as the reference does; the refresh token is stored for a later refresh
/// flow.)
#[cfg(test)]
pub fn open_refresh(
    kek: &Kek,
    b: &Binding<'_>,
    wrapped_dek: &str,
    refresh: &str,
) -> Result<String, VaultError> {
    let dek = open_dek(kek, b, wrapped_dek)?;
    let plain = open(&dek, &b.secret_aad(REFRESH), refresh, "refresh token")?;
    String::from_utf8(plain).map_err(|_| VaultError::Malformed("refresh token"))
}

/// The row's data key re-wrapped from `old` to `new` (key rotation); the secrets are untouched.
pub fn rewrap_dek(
    old: &Kek,
    new: &Kek,
    b: &Binding<'_>,
    wrapped_dek: &str,
) -> Result<String, VaultError> {
    let bytes = open(&old.key, &b.dek_aad(&old.id), wrapped_dek, "data key")?;
    seal(&new.key, &b.dek_aad(&new.id), &bytes)
}

/// The current vault KEK, created (wrapped by the current master key) in `tx` when there is
/// none yet. Call inside the write transaction that seals with it: a concurrent rotation is
/// then either wholly before (this returns the new KEK) or wholly after (it re-wraps this row).
pub fn current_kek(tx: &Conn, masters: &Masters) -> ApiResult<Kek> {
    match store::vault::current_kek(tx)? {
        Some(w) => masters.unwrap_kek(&w).map_err(|e| e.to_api()),
        None => {
            let (kek, wrapped) = masters
                .new_kek(&crate::ids::new_id("vkek"))
                .map_err(|e| e.to_api())?;
            store::vault::insert_current_kek(tx, &wrapped, crate::time::now_ms())?;
            Ok(kek)
        }
    }
}

/// The vault KEK `id` (current or retired), unwrapped; a database failure is the outer error.
pub fn kek_by_id(c: &Conn, masters: &Masters, id: &str) -> ApiResult<Result<Kek, VaultError>> {
    Ok(match store::vault::kek(c, id)? {
        Some(w) => masters.unwrap_kek(&w),
        None => Err(VaultError::UnknownKey(format!("vault KEK {id}"))),
    })
}

/// Checks that every stored vault KEK unwraps with `masters` (at start-up and before a
/// rotation), so a server or CLI given the wrong key-encryption key refuses and says why
/// instead of failing credential by credential. Blocking.
pub fn check_keks(db: &Db, masters: &Masters) -> Result<(), String> {
    let keks = db
        .read_sync(|c| store::vault::keks(c))
        .map_err(|e| e.message)?;
    for w in keks {
        masters.unwrap_kek(&w).map_err(|e| {
            format!(
                "the credential vault's key-encryption key {} (wrapped by master key {}) cannot be unwrapped: {e}; start with the key-encryption key the vault was written with (--key-encryption-key-file or GRANTEX_KEY_ENCRYPTION_KEY), or without one if it used the data dir's {MASTER_FILE}",
                w.id, w.master_id
            )
        })?;
    }
    Ok(())
}

/// What [`rotate_kek`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The new current KEK.
    pub kek_id: String,
    /// Data keys re-wrapped under it.
    pub rewrapped: u64,
    /// Rows whose data key could not be unwrapped (altered, or their KEK is unavailable): left
    /// as they were, with their KEK, and listed here.
    pub failed: Vec<(String, String)>,
    /// Retired KEKs deleted (no row uses them any more).
    pub deleted_keks: Vec<String>,
}

/// Rows re-wrapped per write transaction (short transactions: the server keeps answering).
const REWRAP_BATCH: u32 = 200;

/// `grantex-server vault rotate-kek`: makes a new KEK (wrapped by the current master key)
/// current, re-wraps every data key under it in short transactions, then deletes the KEKs no
/// row uses any more. Safe while servers run on the database: every seal reads the current
/// KEK inside its own write transaction, so a credential stored during the rotation is either
/// sealed under the new KEK or re-wrapped by the sweep that follows the switch; a credential
/// replaced during the sweep is skipped (its new row is under the new KEK). Blocking.
pub fn rotate_kek(db: &Db, masters: &Masters) -> Result<Rotation, String> {
    let err = |e: ApiError| e.message;
    check_keks(db, masters)?;
    let (new_kek, wrapped) = masters
        .new_kek(&crate::ids::new_id("vkek"))
        .map_err(|e| e.to_string())?;
    db.write_sync(|tx| store::vault::insert_current_kek(tx, &wrapped, crate::time::now_ms()))
        .map_err(err)?;
    let mut out = Rotation {
        kek_id: new_kek.id.clone(),
        rewrapped: 0,
        failed: Vec::new(),
        deleted_keks: Vec::new(),
    };
    let mut olds: std::collections::HashMap<String, Result<Kek, VaultError>> = Default::default();
    let mut after = String::new();
    loop {
        let rows = db
            .read_sync(|c| store::vault::rows_not_under(c, &new_kek.id, &after, REWRAP_BATCH))
            .map_err(err)?;
        let Some(last) = rows.last() else { break };
        after = last.id.clone();
        let mut updates = Vec::new();
        for row in rows {
            if !olds.contains_key(&row.kek_id) {
                let k = db
                    .read_sync(|c| kek_by_id(c, masters, &row.kek_id))
                    .map_err(err)?;
                olds.insert(row.kek_id.clone(), k);
            }
            let b = Binding {
                developer_id: &row.developer_id,
                principal_id: &row.principal_id,
                service: &row.service,
                credential_id: &row.id,
            };
            let result = match &olds[&row.kek_id] {
                Ok(old) => rewrap_dek(old, &new_kek, &b, &row.wrapped_dek),
                Err(e) => Err(e.clone()),
            };
            match result {
                Ok(w) => updates.push((row, w)),
                Err(e) => out.failed.push((row.id.clone(), e.to_string())),
            }
        }
        let n = db
            .write_sync(|tx| {
                let mut n = 0u64;
                for (row, w) in &updates {
                    if store::vault::rewrap(tx, row, w, &new_kek.id)? {
                        n += 1;
                    }
                }
                Ok(n)
            })
            .map_err(err)?;
        out.rewrapped += n;
    }
    out.deleted_keks = db
        .write_sync(store::vault::delete_unused_keks)
        .map_err(err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masters() -> Masters {
        Masters::single(MasterKey::from_bytes(&[7u8; 32]))
    }

    const B: Binding<'static> = Binding {
        developer_id: "dev_1",
        principal_id: "alice",
        service: "github",
        credential_id: "vc_1",
    };

    /// Flips one bit of the decoded bytes at `i` and re-encodes.
    fn flip(stored: &str, i: usize) -> String {
        let mut raw = URL_SAFE_NO_PAD.decode(&stored[3..]).unwrap();
        raw[i] ^= 0x01;
        format!("v1.{}", URL_SAFE_NO_PAD.encode(raw))
    }

    #[test]
    fn round_trip_with_fresh_keys_and_nonces() {
        let m = masters();
        let (kek, wk) = m.new_kek("vkek_1").unwrap();
        let kek2 = m.unwrap_kek(&wk).unwrap();
        let s = seal_credential(&kek, &B, "gho_secret", Some("ghr_refresh")).unwrap();
        assert_eq!(s.kek_id, "vkek_1");
        assert!(!s.access.contains("gho_secret"));
        assert_eq!(
            open_access(&kek2, &B, &s.wrapped_dek, &s.access).unwrap(),
            "gho_secret"
        );
        assert_eq!(
            open_refresh(&kek2, &B, &s.wrapped_dek, s.refresh.as_deref().unwrap()).unwrap(),
            "ghr_refresh"
        );
        let again = seal_credential(&kek, &B, "gho_secret", None).unwrap();
        assert_ne!(again.access, s.access, "fresh nonce and data key");
        assert_ne!(again.wrapped_dek, s.wrapped_dek);
        assert_eq!(again.refresh, None);
    }

    #[test]
    fn every_flipped_byte_fails_with_a_typed_error() {
        let m = masters();
        let (kek, wk) = m.new_kek("vkek_1").unwrap();
        let s = seal_credential(&kek, &B, "gho_secret", None).unwrap();
        let n = URL_SAFE_NO_PAD.decode(&s.access[3..]).unwrap().len();
        for i in 0..n {
            let e = open_access(&kek, &B, &s.wrapped_dek, &flip(&s.access, i)).unwrap_err();
            assert_eq!(e, VaultError::Decrypt("access token"), "byte {i}");
        }
        let n = URL_SAFE_NO_PAD.decode(&s.wrapped_dek[3..]).unwrap().len();
        for i in 0..n {
            let e = open_access(&kek, &B, &flip(&s.wrapped_dek, i), &s.access).unwrap_err();
            assert_eq!(e, VaultError::Decrypt("data key"), "byte {i}");
        }
        let n = URL_SAFE_NO_PAD.decode(&wk.wrapped[3..]).unwrap().len();
        for i in 0..n {
            let bad = WrappedKek {
                wrapped: flip(&wk.wrapped, i),
                ..wk.clone()
            };
            assert_eq!(
                m.unwrap_kek(&bad).unwrap_err(),
                VaultError::Decrypt("key-encryption key"),
                "byte {i}"
            );
        }
        // Truncated, garbage, wrong version: malformed, not a panic.
        for junk in ["", "v1.", "v1.AAAA", "v2.abc", "v1.!!!!", &s.access[..20]] {
            assert!(matches!(
                open_access(&kek, &B, &s.wrapped_dek, junk),
                Err(VaultError::Malformed(_))
            ));
        }
    }

    #[test]
    fn the_binding_is_authenticated() {
        let m = masters();
        let (kek, wk) = m.new_kek("vkek_1").unwrap();
        let s = seal_credential(&kek, &B, "gho_secret", Some("r")).unwrap();
        for other in [
            Binding {
                developer_id: "dev_2",
                ..B
            },
            Binding {
                principal_id: "bob",
                ..B
            },
            Binding {
                service: "gitlab",
                ..B
            },
            Binding {
                credential_id: "vc_2",
                ..B
            },
        ] {
            assert!(matches!(
                open_access(&kek, &other, &s.wrapped_dek, &s.access),
                Err(VaultError::Decrypt(_))
            ));
        }
        // A refresh token cannot be read as the access token (nor the reverse).
        assert!(matches!(
            open_access(&kek, &B, &s.wrapped_dek, s.refresh.as_deref().unwrap()),
            Err(VaultError::Decrypt("access token"))
        ));
        // Length prefixes: moving characters between fields changes the binding.
        let shifted = Binding {
            principal_id: "alicegit",
            service: "hub",
            ..B
        };
        assert!(open_access(&kek, &shifted, &s.wrapped_dek, &s.access).is_err());
        // Another KEK (or the KEK claimed under another id / master) does not open it.
        let (kek2, _) = m.new_kek("vkek_2").unwrap();
        assert!(open_access(&kek2, &B, &s.wrapped_dek, &s.access).is_err());
        let renamed = WrappedKek {
            id: "vkek_2".into(),
            ..wk.clone()
        };
        assert!(m.unwrap_kek(&renamed).is_err());
        let other_master = Masters::single(MasterKey::from_bytes(&[8u8; 32]));
        assert!(matches!(
            other_master.unwrap_kek(&wk),
            Err(VaultError::UnknownKey(_))
        ));
        let forged = WrappedKek {
            master_id: other_master.current_id().to_string(),
            ..wk
        };
        assert_eq!(
            other_master.unwrap_kek(&forged).unwrap_err(),
            VaultError::Decrypt("key-encryption key")
        );
    }

    #[test]
    fn rewrap_moves_the_data_key_to_the_new_kek() {
        let m = masters();
        let (old, _) = m.new_kek("vkek_1").unwrap();
        let (new, _) = m.new_kek("vkek_2").unwrap();
        let s = seal_credential(&old, &B, "gho_secret", Some("r")).unwrap();
        let w = rewrap_dek(&old, &new, &B, &s.wrapped_dek).unwrap();
        assert_eq!(open_access(&new, &B, &w, &s.access).unwrap(), "gho_secret");
        assert_eq!(
            open_refresh(&new, &B, &w, s.refresh.as_deref().unwrap()).unwrap(),
            "r"
        );
        assert!(open_access(&old, &B, &w, &s.access).is_err());
    }

    #[test]
    fn master_keys_from_hex_and_the_data_dir() {
        assert!(MasterKey::from_hex("zz").is_err());
        let a = MasterKey::from_hex(&"ab".repeat(32)).unwrap();
        let b = MasterKey::from_hex(&format!(" {}\n", "ab".repeat(32))).unwrap();
        assert_eq!(a.id(), b.id());
        assert_ne!(a.id(), MasterKey::from_bytes(&[0u8; 32]).id());
        let derived = MasterKey::derived_from_kek(&"ab".repeat(32)).unwrap();
        assert_ne!(derived.id(), a.id(), "not the KEK itself");
        assert_eq!(
            derived.id(),
            MasterKey::derived_from_kek(&"AB".repeat(32)).unwrap().id()
        );

        let dir = std::env::temp_dir().join(format!("grantex-vault-{}", crate::ids::new_id("t")));
        let keys = dir.join("keys");
        let m1 = Masters::load(&keys, None).unwrap();
        let m2 = Masters::load(&keys, None).unwrap();
        assert_eq!(m1.current_id(), m2.current_id(), "created once");
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(keys.join(MASTER_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let (_, wk) = m1.new_kek("vkek_1").unwrap();
        // A configured KEK becomes current; the data-dir key still opens what it wrapped.
        let m3 = Masters::load(&keys, Some(&"cd".repeat(32))).unwrap();
        assert_ne!(m3.current_id(), m1.current_id());
        assert!(m3.unwrap_kek(&wk).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
