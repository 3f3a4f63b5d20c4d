//! The two developers every data dir starts with (one live, one sandbox), and the files that
//! tell scripts and tests how to reach the server: `bootstrap.json` (the bootstrap keys, which
//! the database only holds as hashes) and `server.json` (written after binding).

use crate::auth::{developer_by_key, mode_str};
use crate::db::Db;
use crate::error::ApiResult;
use crate::fsutil::write_atomic;
use crate::ids;
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
    if let Some(d) = db.read_sync(|c| developer_by_key(c, key))? {
        return Ok(d.id);
    }
    let id = ids::new_id("dev");
    let name = match mode {
        Mode::Live => "Local developer",
        Mode::Sandbox => "Local sandbox developer",
    };
    let hash = ids::sha256_hex(key.as_bytes());
    db.write_sync(|tx| {
        tx.execute(
            "INSERT INTO developers (id, name, email, mode, api_key_hash, created_at) VALUES (?1, ?2, NULL, ?3, ?4, ?5)",
            rusqlite::params![id, name, mode_str(mode), hash, time::now_ms()],
        )?;
        Ok(())
    })?;
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
        let pick = |mode: Mode,
                    seed: Option<&str>,
                    var: &str,
                    old: Option<&Seed>|
         -> Result<Seed, String> {
            let key = match (seed, old) {
                (Some(s), _) => {
                    valid_seed(var, s)?;
                    s.to_string()
                }
                (None, Some(o))
                    if db
                        .read_sync(|c| developer_by_key(c, &o.api_key))
                        .ok()
                        .flatten()
                        .is_some() =>
                {
                    o.api_key.clone()
                }
                _ => ids::new_api_key(mode),
            };
            let developer_id = ensure_developer(db, mode, &key).map_err(|e| e.message)?;
            Ok(Seed {
                developer_id,
                api_key: key,
            })
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

    /// Keeps the files in step when a bootstrap developer rotates its key via the API.
    pub fn key_rotated(&self, developer_id: &str, new_key: &str) -> Result<(), String> {
        let seeds = {
            let mut s = self.seeds.lock().unwrap_or_else(|p| p.into_inner());
            if s.live.developer_id == developer_id {
                s.live.api_key = new_key.to_string();
            } else if s.sandbox.developer_id == developer_id {
                s.sandbox.api_key = new_key.to_string();
            } else {
                return Ok(());
            }
            s.clone()
        };
        write_json(&bootstrap_path(&self.data_dir), &seeds)?;
        let info = {
            let mut guard = self.info.lock().unwrap_or_else(|p| p.into_inner());
            match guard.as_mut() {
                Some(info) => {
                    info.api_key = seeds.live.api_key.clone();
                    info.sandbox_api_key = seeds.sandbox.api_key.clone();
                    Some(info.clone())
                }
                None => None,
            }
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
