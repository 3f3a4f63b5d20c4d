//! Structural rules of the server crate, checked on its sources: SQL lives in `src/store/` only
//! (route handlers call the store), and route handlers never import each other.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn routes() -> Vec<(PathBuf, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() >= 5, "route files found: {files:?}");
    files
        .into_iter()
        .map(|p| {
            let s = std::fs::read_to_string(&p).unwrap();
            (p, s)
        })
        .collect()
}

#[test]
fn route_handlers_hold_no_sql() {
    for (path, src) in routes() {
        for (i, line) in src.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for needle in [
                "rusqlite",
                ".execute(",
                ".query_row(",
                ".prepare(",
                "SELECT ",
                "INSERT INTO",
                "DELETE FROM",
            ] {
                assert!(
                    !code.contains(needle),
                    "{}:{}: `{needle}` in a route handler; move it to src/store/",
                    path.display(),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn route_handlers_do_not_import_each_other() {
    for (path, src) in routes() {
        if path.ends_with("mod.rs") {
            continue; // the router wires the handlers together
        }
        for (i, line) in src.lines().enumerate() {
            assert!(
                !line.contains("crate::routes") && !line.contains("super::"),
                "{}:{}: a route handler imports another one; shared logic belongs outside routes/",
                path.display(),
                i + 1
            );
        }
    }
}
