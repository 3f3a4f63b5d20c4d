//! The SAML test identity provider (`saml_idp.py`, pysaml2 + Debian's xmlsec1) driven from Rust.
//! Shared by `tests/saml.rs` and the unit tests of `src/saml.rs` (`#[path]`-included): it
//! prepares the venv (`scripts/lib/peer-saml.sh`, idempotent) and makes fresh RSA-2048 keys and
//! self-signed certificates with the openssl CLI at run time (none is committed).
#![allow(dead_code)] // each user takes a different subset

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const IDP_ENTITY_ID: &str = "https://idp.test/saml";
pub const SP_ENTITY_ID: &str = "https://sp.test/saml";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                manifest_dir().join("..").join(p)
            }
        })
        .unwrap_or_else(|| manifest_dir().join("../target"))
}

/// Makes an RSA key and a self-signed certificate (`<dir>/<name>.key`, `<dir>/<name>.crt`).
pub fn make_cert(dir: &Path, name: &str, key_args: &[&str]) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.key"));
    let crt = dir.join(format!("{name}.crt"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-nodes", "-days", "2"])
        .args(key_args)
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .args(["-subj", &format!("/CN={name}")])
        .output()
        .expect("the openssl CLI runs");
    assert!(
        out.status.success(),
        "openssl req: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (key, crt)
}

#[derive(Debug)]
pub struct SamlPeer {
    pub python: PathBuf,
    pub script: PathBuf,
    pub idp_key: PathBuf,
    pub idp_cert: PathBuf,
    /// Another key and certificate (the `resigned` variant signs with them).
    pub other_key: PathBuf,
    pub other_cert: PathBuf,
    pub idp_cert_pem: String,
    pub other_cert_pem: String,
}

impl SamlPeer {
    /// The venv (created once, under a lock) and fresh certificates in `dir`.
    pub fn setup(dir: &Path) -> SamlPeer {
        let out = Command::new("bash")
            .arg(manifest_dir().join("../scripts/lib/peer-saml.sh"))
            .arg(target_dir())
            .stderr(Stdio::inherit())
            .output()
            .expect("scripts/lib/peer-saml.sh runs");
        assert!(out.status.success(), "scripts/lib/peer-saml.sh failed");
        let python = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        let (idp_key, idp_cert) = make_cert(dir, "test-idp", &["-newkey", "rsa:2048"]);
        let (other_key, other_cert) = make_cert(dir, "other-idp", &["-newkey", "rsa:2048"]);
        SamlPeer {
            python,
            script: manifest_dir().join("tests/peers/saml_idp.py"),
            idp_cert_pem: std::fs::read_to_string(&idp_cert).unwrap(),
            other_cert_pem: std::fs::read_to_string(&other_cert).unwrap(),
            idp_key,
            idp_cert,
            other_key,
            other_cert,
        }
    }

    fn command(&self, mode: &str, acs_url: &str, variant: &str, extra: &[&str]) -> Command {
        let mut c = Command::new(&self.python);
        c.arg(&self.script)
            .arg(mode)
            .args([
                "--idp-entity-id",
                IDP_ENTITY_ID,
                "--sp-entity-id",
                SP_ENTITY_ID,
            ])
            .args(["--acs-url", acs_url, "--variant", variant])
            .arg("--key")
            .arg(&self.idp_key)
            .arg("--cert")
            .arg(&self.idp_cert)
            .arg("--other-key")
            .arg(&self.other_key)
            .arg("--other-cert")
            .arg(&self.other_cert)
            .args(extra);
        c
    }

    /// The IdP's answer (base64 SAMLResponse) to the AuthnRequest in `request_url`.
    pub fn response(
        &self,
        request_url: &str,
        acs_url: &str,
        variant: &str,
        extra: &[&str],
    ) -> String {
        let out = self
            .command("response", acs_url, variant, extra)
            .args(["--request-url", request_url])
            .output()
            .expect("saml_idp.py runs");
        assert!(
            out.status.success(),
            "saml_idp.py response --variant {variant}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// The IdP over HTTP on a loopback port (GET /sso, GET /metadata); stopped on drop.
    pub fn serve(&self, acs_url: &str, variant: &str, extra: &[&str]) -> ServedIdp {
        let mut child = self
            .command("serve", acs_url, variant, extra)
            .args(["--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("saml_idp.py serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base_url = line
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("saml_idp.py serve said {line:?}"))
            .trim()
            .to_string();
        ServedIdp { child, base_url }
    }
}

#[derive(Debug)]
pub struct ServedIdp {
    pub child: Child,
    /// `http://127.0.0.1:PORT`; the SSO URL is `{base_url}/sso`.
    pub base_url: String,
}

impl ServedIdp {
    pub fn sso_url(&self) -> String {
        format!("{}/sso", self.base_url)
    }
}

impl Drop for ServedIdp {
    fn drop(&mut self) {
        drop(self.child.stdin.take()); // the IdP exits when its stdin closes
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
