//! Generates the C header into `$OUT_DIR/grantex.h` (tests/header.rs compares it with the
//! committed include/grantex.h) and gives the shared library its SONAME.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");

    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("bindings-c/cbindgen.toml is readable");
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen could not generate grantex.h")
        .write_to_file(out_dir.join("grantex.h"));

    // 0.x releases may break the ABI on every minor version, so the SONAME carries both.
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("version");
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").expect("version");
    let soname = if major == "0" {
        format!("libgrantex.so.0.{minor}")
    } else {
        format!("libgrantex.so.{major}")
    };
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
}
