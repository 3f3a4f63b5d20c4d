//! `cargo run -p grantex-codegen -- generate` writes every generated file of the bindings from
//! the core's operation catalog (`grantex::catalog`); `-- check` regenerates in memory and fails
//! if any file on disk differs (a hand edit, or a catalog change without regeneration).
//!
//! Each language has its own module returning `(path relative to the repository, contents)`.
//! Every generated file says so in its first line.

mod c;
mod go;
mod kotlin;
mod node;
mod python;
mod text;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    // An optional path prefix limits either mode to those files (`generate bindings-kotlin`).
    let only = std::env::args().nth(2).unwrap_or_default();
    let root = repo_root();
    let files: Vec<(String, String)> = python::files()
        .into_iter()
        .chain(node::files())
        .chain(c::files())
        .chain(go::files())
        .chain(kotlin::files())
        .filter(|(rel, _)| rel.starts_with(&only))
        .collect();
    match mode.as_str() {
        "generate" => {
            for (rel, contents) in &files {
                let path = root.join(rel);
                if let Err(e) = std::fs::write(&path, contents) {
                    eprintln!("cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!("wrote {rel}");
            }
            ExitCode::SUCCESS
        }
        "check" => {
            let mut drift = 0;
            for (rel, contents) in &files {
                match std::fs::read_to_string(root.join(rel)) {
                    Ok(on_disk) if &on_disk == contents => {}
                    Ok(_) => {
                        eprintln!("{rel}: differs from what the catalog generates");
                        drift += 1;
                    }
                    Err(e) => {
                        eprintln!("{rel}: {e}");
                        drift += 1;
                    }
                }
            }
            if drift > 0 {
                eprintln!(
                    "{drift} generated file(s) out of date: run `cargo run -p grantex-codegen -- generate` \
                     (and never edit a generated file by hand)"
                );
                return ExitCode::FAILURE;
            }
            println!("{} generated files match the catalog", files.len());
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: grantex-codegen generate|check [path prefix]");
            ExitCode::from(2)
        }
    }
}

/// The repository root: two levels above this crate's manifest.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tools/codegen sits two levels below the root")
        .to_path_buf()
}
