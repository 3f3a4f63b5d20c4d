//! The committed include/grantex.h must be exactly what cbindgen generates from the sources
//! (build.rs writes it to OUT_DIR). `GRANTEX_BLESS_HEADER=1` rewrites the committed copy.

use std::path::Path;

#[test]
fn committed_header_is_up_to_date() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/grantex.h"));
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/grantex.h");
    if std::env::var_os("GRANTEX_BLESS_HEADER").is_some() {
        std::fs::write(&committed_path, generated).expect("write include/grantex.h");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == generated,
        "bindings-c/include/grantex.h is stale: regenerate it with \
         `GRANTEX_BLESS_HEADER=1 cargo test -p grantex-c --test header` and commit it"
    );
}
