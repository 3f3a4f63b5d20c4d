//! Crash-safe file writes: temp file (mode 0600) + fsync + rename + fsync of the directory.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Replaces `path` with `bytes` atomically; readers see the old or the new file, never a torn one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    // One temp file per write (process, counter, random): concurrent writers of one path never
    // share, truncate or rename each other's temp file; the last rename wins whole.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let rand = u64::from_le_bytes(crate::ids::random_bytes::<8>());
    let tmp = dir.join(format!(
        ".{name}.tmp.{}.{seq}.{rand:016x}",
        std::process::id()
    ));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// fsync a directory so a rename or create in it is durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Creates a directory (and parents) readable only by the owner.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_writes_of_one_path_all_succeed_and_leave_one_whole_file() {
        let dir = std::env::temp_dir().join(format!(
            "grantex-fsutil-{}-{}",
            std::process::id(),
            crate::ids::new_id("t")
        ));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("server.json");
        let payloads: Vec<Vec<u8>> = (0..16u8).map(|i| vec![b'a' + i; 4096]).collect();
        std::thread::scope(|s| {
            for p in &payloads {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(path, p).unwrap();
                    }
                });
            }
        });
        let got = fs::read(&path).unwrap();
        assert!(payloads.contains(&got), "one writer's bytes, whole");
        let left: Vec<_> = fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no temp file left behind");
        fs::remove_dir_all(&dir).unwrap();
    }
}
