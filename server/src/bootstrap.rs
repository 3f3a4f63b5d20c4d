//! The two developers every data dir starts with (one live, one sandbox), and the files that
//! tell scripts and tests how to reach the server: `bootstrap.json` (the bootstrap keys, which
//! the database only holds as hashes) and `server.json` (written after binding).

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::fsutil::write_atomic;
use crate::ids;
use crate::store::developers;
use crate::store::Db;
use crate::time;
use grantex::types::Mode;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Contents of `<data-dir>/server.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    pub base_url: String,
    pub jwks_uri: String,
    pub issuer: String,
    pub api_key: String,
    pub sandbox_api_key: String,
    pub pid: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Seed {
    developer_id: String,
    api_key: String,
    /// A rotated key recorded before its rotation commits (write-ahead): after a crash between
    /// the two, whichever of `api_key` / `pending_api_key` works is the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending_api_key: Option<String>,
    /// SHA-256 of the `GRANTEX_SEED_*` value that created this developer, if one did: the same
    /// seed at a later start means this developer (with its current, maybe rotated, key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed_hash: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Seeds {
    live: Seed,
    sandbox: Seed,
}

/// The bootstrap developers and the files naming their keys.
#[derive(Debug)]
pub struct Bootstrap {
    seeds: Mutex<Seeds>,
    /// Held across a bootstrap developer's key rotation, from the write-ahead to the files
    /// naming the committed key, so the files follow the commits in order.
    rotation: Mutex<()>,
    info: Mutex<Option<ServerInfo>>,
    data_dir: PathBuf,
}

fn bootstrap_path(dir: &Path) -> PathBuf {
    dir.join("bootstrap.json")
}

pub fn server_json_path(dir: &Path) -> PathBuf {
    dir.join("server.json")
}

/// Returns the developer id owning `key`, creating a developer with that key if there is none.
fn ensure_developer(db: &Db, mode: Mode, key: &str) -> ApiResult<String> {
    if let Some(d) = db.read_sync(|c| developers::by_api_key(c, key))? {
        return Ok(d.id);
    }
    let id = ids::new_id("dev");
    let name = match mode {
        Mode::Live => "Local developer",
        Mode::Sandbox => "Local sandbox developer",
    };
    db.write_sync(|tx| developers::insert(tx, &id, name, None, mode, key, time::now_ms()))?;
    Ok(id)
}

fn valid_seed(var: &str, key: &str) -> Result<(), String> {
    if !(16..=512).contains(&key.len()) || key.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "{var} must be 16-512 characters without whitespace"
        ));
    }
    Ok(())
}

impl Bootstrap {
    /// Picks each bootstrap key — the seed value if given, else the stored key if it still
    /// works, else a fresh random one — makes sure its developer exists, and persists the result.
    pub fn init(
        db: &Db,
        data_dir: &Path,
        seed_live: Option<&str>,
        seed_sandbox: Option<&str>,
    ) -> Result<Bootstrap, String> {
        let stored: Option<Seeds> = std::fs::read(bootstrap_path(data_dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let works = |o: &Seed, key: &str| {
            db.read_sync(|c| developers::by_api_key(c, key))
                .ok()
                .flatten()
                .is_some_and(|d| d.id == o.developer_id)
        };
        // The stored developer's key that still authenticates it, if any.
        let current = |o: &Seed| {
            std::iter::once(&o.api_key)
                .chain(o.pending_api_key.as_ref())
                .find(|k| works(o, k))
                .cloned()
        };
        let pick = |mode: Mode,
                    seed: Option<&str>,
                    var: &str,
                    old: Option<&Seed>|
         -> Result<Seed, String> {
            let kept = old.and_then(|o| current(o).map(|k| (o, k)));
            match seed {
                Some(s) => {
                    valid_seed(var, s)?;
                    let hash = ids::sha256_hex(s.as_bytes());
                    // Seeding is idempotent per developer: the developer this seed created
                    // keeps its current key, even when it has been rotated since.
                    if let Some((o, key)) =
                        kept.filter(|(o, _)| o.seed_hash.as_deref() == Some(hash.as_str()))
                    {
                        return Ok(Seed {
                            developer_id: o.developer_id.clone(),
                            api_key: key,
                            pending_api_key: None,
                            seed_hash: Some(hash),
                        });
                    }
                    let developer_id = ensure_developer(db, mode, s).map_err(|e| e.message)?;
                    Ok(Seed {
                        developer_id,
                        api_key: s.to_string(),
                        pending_api_key: None,
                        seed_hash: Some(hash),
                    })
                }
                None => {
                    if let Some((o, key)) = kept {
                        return Ok(Seed {
                            developer_id: o.developer_id.clone(),
                            api_key: key,
                            pending_api_key: None,
                            seed_hash: o.seed_hash.clone(),
                        });
                    }
                    let key = ids::new_api_key(mode);
                    let developer_id = ensure_developer(db, mode, &key).map_err(|e| e.message)?;
                    Ok(Seed {
                        developer_id,
                        api_key: key,
                        pending_api_key: None,
                        seed_hash: None,
                    })
                }
            }
        };
        let live = pick(
            Mode::Live,
            seed_live,
            "GRANTEX_SEED_API_KEY",
            stored.as_ref().map(|s| &s.live),
        )?;
        let sandbox = pick(
            Mode::Sandbox,
            seed_sandbox,
            "GRANTEX_SEED_SANDBOX_KEY",
            stored.as_ref().map(|s| &s.sandbox),
        )?;
        let seeds = Seeds { live, sandbox };
        write_json(&bootstrap_path(data_dir), &seeds)?;
        Ok(Bootstrap {
            seeds: Mutex::new(seeds),
            rotation: Mutex::new(()),
            info: Mutex::new(None),
            data_dir: data_dir.to_path_buf(),
        })
    }

    /// `(live key, sandbox key)`.
    pub fn keys(&self) -> (String, String) {
        let s = self.seeds.lock().unwrap_or_else(|p| p.into_inner());
        (s.live.api_key.clone(), s.sandbox.api_key.clone())
    }

    /// Writes `server.json` (atomically, 0600).
    pub fn write_server_json(&self, base_url: &str, issuer: &str) -> Result<ServerInfo, String> {
        let (api_key, sandbox_api_key) = self.keys();
        let info = ServerInfo {
            base_url: base_url.to_string(),
            jwks_uri: format!("{base_url}/.well-known/jwks.json"),
            issuer: issuer.to_string(),
            api_key,
            sandbox_api_key,
            pid: std::process::id(),
        };
        write_json(&server_json_path(&self.data_dir), &info)?;
        *self.info.lock().unwrap_or_else(|p| p.into_inner()) = Some(info.clone());
        Ok(info)
    }

    /// Rotates `dev`'s API key (the one it authenticated with) and returns the new key.
    ///
    /// The database commit is conditional on the old key still being current, so of concurrent
    /// rotations with one key exactly one wins (the others get 401, as after it). For a
    /// bootstrap developer the new key is first recorded as pending in `bootstrap.json`, then
    /// committed, then written to `bootstrap.json` and `server.json`, all under one lock: the
    /// files follow the commits in order and never end up naming a dead key. Once the commit
    /// is made the rotation succeeds; a failure to write the files is logged, not a 500.
    /// Blocking: call from the blocking pool.
    pub fn rotate_key(&self, db: &Db, dev: &Developer) -> ApiResult<String> {
        let _turn = self.rotation.lock().unwrap_or_else(|p| p.into_inner());
        let new_key = ids::new_api_key(dev.mode);
        let new_hash = ids::sha256_hex(new_key.as_bytes());
        let bootstrap = self.update_seed(&dev.id, |s| s.pending_api_key = Some(new_key.clone()));
        if let Some(seeds) = &bootstrap {
            write_json(&bootstrap_path(&self.data_dir), seeds).map_err(ApiError::internal)?;
        }
        let replaced = db.write_sync(|tx| {
            let done = developers::replace_api_key(tx, &dev.id, &dev.api_key_hash, &new_hash)?;
            if done {
                // Audited in the same transaction; never the key itself, only its prefix.
                crate::store::audit::record_event(
                    tx,
                    &dev.id,
                    crate::store::audit::actions::API_KEY_ROTATED,
                    crate::store::audit::Subject::default(),
                    false,
                    serde_json::json!({ "keyPrefix": new_key.get(..12).unwrap_or_default() }),
                )?;
            }
            Ok(done)
        });
        if !matches!(replaced, Ok(true)) {
            if self
                .update_seed(&dev.id, |s| s.pending_api_key = None)
                .is_some()
            {
                // Best effort: a pending key that never committed is ignored at start anyway.
                let seeds = self.seeds.lock().unwrap_or_else(|p| p.into_inner()).clone();
                let _ = write_json(&bootstrap_path(&self.data_dir), &seeds);
            }
            return match replaced {
                Err(e) => Err(e),
                _ => Err(ApiError::unauthorized(crate::auth::INVALID_API_KEY)),
            };
        }
        let Some(seeds) = self.update_seed(&dev.id, |s| {
            s.api_key = new_key.clone();
            s.pending_api_key = None;
        }) else {
            return Ok(new_key);
        };
        if let Err(e) = self.write_files(&seeds) {
            eprintln!(
                "grantex-server: the key of bootstrap developer {} was rotated, but {e}",
                dev.id
            );
        }
        Ok(new_key)
    }

    /// Applies `f` to the bootstrap seed of `developer_id`; the updated seeds, or `None` when
    /// it is not a bootstrap developer.
    fn update_seed(&self, developer_id: &str, f: impl FnOnce(&mut Seed)) -> Option<Seeds> {
        let mut s = self.seeds.lock().unwrap_or_else(|p| p.into_inner());
        if s.live.developer_id == developer_id {
            f(&mut s.live);
        } else if s.sandbox.developer_id == developer_id {
            f(&mut s.sandbox);
        } else {
            return None;
        }
        Some(s.clone())
    }

    /// `bootstrap.json`, then `server.json` (if written yet) with the seeds' keys.
    fn write_files(&self, seeds: &Seeds) -> Result<(), String> {
        write_json(&bootstrap_path(&self.data_dir), seeds)?;
        let info = {
            let mut guard = self.info.lock().unwrap_or_else(|p| p.into_inner());
            guard.as_mut().map(|info| {
                info.api_key = seeds.live.api_key.clone();
                info.sandbox_api_key = seeds.sandbox.api_key.clone();
                info.clone()
            })
        };
        if let Some(info) = info {
            write_json(&server_json_path(&self.data_dir), &info)?;
        }
        Ok(())
    }

    /// Removes `server.json` at shutdown if it is still ours.
    pub fn remove_server_json(&self) {
        let path = server_json_path(&self.data_dir);
        let ours = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<ServerInfo>(&b).ok())
            .is_some_and(|i| i.pid == std::process::id());
        if ours {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<(), String> {
    let bytes = serde_json::to_vec_pretty(v).map_err(|e| e.to_string())?;
    write_atomic(path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
