//! The binary's life: start-up output and files, restart without losing tokens, signing-key
//! rotation, graceful shutdown, data-dir locking, seed keys, flag validation and rate limits.

mod common;

use common::*;
use grantex::types::*;
use grantex::{JwksCache, VerifyOptions};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

const ISSUER: &str = "http://grantex.test";

fn mode_of(p: &std::path::Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn kids(jwks: &JwkSet) -> Vec<String> {
    jwks.keys.iter().map(|k| k.kid.clone().unwrap()).collect()
}

fn header_kid(token: &str) -> String {
    use base64::Engine as _;
    let h = token.split('.').next().unwrap();
    let v: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap(),
    )
    .unwrap();
    v["kid"].as_str().unwrap().to_string()
}

fn keys_cmd(action: &str, dir: &std::path::Path) -> (bool, String) {
    keys_cmd_with(&[action], dir)
}

fn keys_cmd_with(args: &[&str], dir: &std::path::Path) -> (bool, String) {
    let mut cmd = Command::new(server_bin());
    cmd.arg("keys").args(args).arg("--data-dir").arg(dir);
    if let Some(url) = database_url_for(dir) {
        cmd.args(["--database-url", &url]);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn offline(info: &ServerRef, token: &str) -> grantex::Result<grantex::VerifiedGrant> {
    let jwks = client(&info.base_url, &info.api_key).jwks().await.unwrap();
    let cache = JwksCache::from_json(&serde_json::to_string(&jwks).unwrap()).unwrap();
    cache.verify_cached(
        token,
        &VerifyOptions {
            issuer: Some(ISSUER.into()),
            // These tests mint with the sandbox key.
            allow_sandbox: Some(true),
            ..Default::default()
        },
    )
}

#[tokio::test]
async fn startup_files_restart_and_graceful_shutdown() {
    let dir = TempDir::new("restart");
    let data = dir.path().join("data");
    let s1 = ChildServer::start(&data, &["--issuer", ISSUER], &[]);
    // server.json is written right after binding; the banner follows it on stdout.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !s1.output().contains("listening on") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let out = s1.output();
    assert!(
        out.contains(&format!("listening on {}", s1.info.base_url)),
        "{out}"
    );
    // Keys are named (prefix and last four characters), never printed whole.
    for key in [&s1.info.api_key, &s1.info.sandbox_api_key] {
        assert!(!out.contains(key.as_str()), "a full key printed: {out}");
        assert!(
            out.contains(&format!("{}…{}", &key[..8], &key[key.len() - 4..])),
            "{out}"
        );
    }
    assert!(
        s1.info.api_key.starts_with("gx_live_") && s1.info.sandbox_api_key.starts_with("gx_test_")
    );
    assert_eq!(s1.info.issuer, ISSUER);
    assert_eq!(
        s1.info.jwks_uri,
        format!("{}/.well-known/jwks.json", s1.info.base_url)
    );
    assert_eq!(mode_of(&data.join("server.json")), 0o600);
    let key_files: Vec<_> = std::fs::read_dir(data.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name() != Some(std::ffi::OsStr::new("vault-master.key")))
        .collect();
    assert_eq!(key_files.len(), 2, "one live and one sandbox signing key");
    // Besides them, the credential vault's master key (no key-encryption key configured).
    assert_eq!(mode_of(&data.join("keys/vault-master.key")), 0o600);
    for f in &key_files {
        assert_eq!(mode_of(f), 0o600);
        // The key file is named by its kid, the key's RFC 7638 thumbprint (43 base64url chars).
        let stem = f.file_stem().unwrap().to_str().unwrap();
        assert!(
            stem.len() == 43
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{stem}"
        );
    }

    let keys1 = (s1.info.api_key.clone(), s1.info.sandbox_api_key.clone());
    let c = client(&s1.info.base_url, &s1.info.sandbox_api_key);
    let a = agent(&c, "survivor", &["read"]).await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let d = c
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t.grant_token.clone(),
            sub_agent_id: a.agent_id.clone(),
            scopes: strings(&["read"]),
            expires_in: None,
        })
        .await
        .unwrap();
    let jwks1 = c.jwks().await.unwrap();
    assert!(offline(&s1.info, &t.grant_token).await.is_ok());

    // SIGTERM: clean exit, server.json removed.
    let st = s1.terminate();
    assert!(st.success(), "exit status {st}");
    assert!(
        !data.join("server.json").exists(),
        "server.json is removed on graceful shutdown"
    );

    // Restart: same keys, same developers, tokens still verify online and offline.
    let s2 = ChildServer::start(&data, &["--issuer", ISSUER], &[]);
    assert_eq!(
        (&s2.info.api_key, &s2.info.sandbox_api_key),
        (&keys1.0, &keys1.1),
        "bootstrap keys persist"
    );
    let c2 = client(&s2.info.base_url, &s2.info.sandbox_api_key);
    assert_eq!(c2.jwks().await.unwrap(), jwks1, "the JWKS keeps the key");
    assert!(c2.tokens().verify(&t.grant_token).await.unwrap().valid);
    assert!(c2.tokens().verify(&d.grant_token).await.unwrap().valid);
    assert!(offline(&s2.info, &d.grant_token).await.is_ok());
    let refreshed = c2
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: t.refresh_token,
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(refreshed.grant_id, t.grant_id);
    drop(s2);
}

#[tokio::test]
async fn bootstrap_keys_survive_restart() {
    let dir = TempDir::new("bootkeys");
    let data = dir.path().join("data");
    let s1 = ChildServer::start(&data, &[], &[]);
    let (live, sandbox) = (s1.info.api_key.clone(), s1.info.sandbox_api_key.clone());
    s1.kill9();
    let s2 = ChildServer::start(&data, &[], &[]);
    assert_eq!(
        (s2.info.api_key.as_str(), s2.info.sandbox_api_key.as_str()),
        (live.as_str(), sandbox.as_str())
    );
    // Rotating a bootstrap key via the API updates server.json.
    let rotated = client(&s2.info.base_url, &live).rotate_key().await.unwrap();
    let info: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("server.json")).unwrap()).unwrap();
    assert_eq!(info["apiKey"], rotated.api_key.as_str());
    s2.kill9();
    let s3 = ChildServer::start(&data, &[], &[]);
    assert_eq!(s3.info.api_key, rotated.api_key);
    assert!(client(&s3.info.base_url, &rotated.api_key)
        .me()
        .await
        .is_ok());
}

/// `keys rotate`; returns the new kid it reports.
fn rotate(data: &std::path::Path) -> String {
    rotate_with(&["rotate"], data)
}

fn rotate_with(args: &[&str], data: &std::path::Path) -> String {
    let (ok, out) = keys_cmd_with(args, data);
    assert!(ok, "{out}");
    out.strip_prefix("added signing key ")
        .and_then(|r| r.split(';').next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_string()
}

/// A sandbox developer's token (signed by the sandbox key) and that key's kid.
async fn sandbox_token(info: &ServerRef) -> (String, String) {
    let c = client(&info.base_url, &info.sandbox_api_key);
    let a = agent(&c, "sandbox", &["read"]).await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await.grant_token;
    (header_kid(&t), t)
}

#[tokio::test]
async fn signing_key_rotation_keeps_old_keys_while_their_tokens_live() {
    let dir = TempDir::new("rotate");
    let data = dir.path().join("data");
    let s1 = ChildServer::start(&data, &["--issuer", ISSUER], &[]);
    let c = client(&s1.info.base_url, &s1.info.api_key);
    let a = agent(&c, "a", &["read"]).await;
    let t1 = grant(&c, &a.agent_id, "u", &["read"]).await;
    let k1 = header_kid(&t1.grant_token);
    let (sk, _) = sandbox_token(&s1.info).await;
    assert_ne!(sk, k1, "sandbox tokens are signed by a key of their own");
    let live_kids = |jwks: &JwkSet| {
        kids(jwks)
            .into_iter()
            .filter(|k| *k != sk)
            .collect::<Vec<_>>()
    };

    // Rotation while the server runs: it keeps signing with k1 until restarted.
    let k2 = rotate(&data);
    assert_ne!(k2, k1);
    let t_still_k1 = grant(&c, &a.agent_id, "u", &["read"]).await;
    assert_eq!(header_kid(&t_still_k1.grant_token), k1);
    drop(s1);

    let s2 = ChildServer::start(&data, &["--issuer", ISSUER], &[]);
    let c2 = client(&s2.info.base_url, &s2.info.api_key);
    assert_eq!(
        live_kids(&c2.jwks().await.unwrap()),
        vec![k1.clone(), k2.clone()]
    );
    let t2 = grant(&c2, &a.agent_id, "u", &["read"]).await;
    assert_eq!(header_kid(&t2.grant_token), k2, "the newest key signs");
    assert_eq!(
        sandbox_token(&s2.info).await.0,
        sk,
        "a live rotation leaves the sandbox key"
    );
    for t in [&t1.grant_token, &t2.grant_token] {
        assert!(c2.tokens().verify(t).await.unwrap().valid);
        assert!(offline(&s2.info, t).await.is_ok());
    }
    drop(s2);

    // k3 is retired before signing anything: it disappears; k1 and k2 stay (live tokens).
    let k3 = rotate(&data);
    let k4 = rotate(&data);
    let (ok, listing) = keys_cmd("list", &data);
    assert!(
        ok && listing.contains(&format!("{k1}\tretired\tlive"))
            && listing.contains(&format!("{k3}\tretired\tlive"))
            && listing.contains(&format!("{k4}\tactive\tlive"))
            && listing.contains(&format!("{sk}\tactive\tsandbox")),
        "{listing}"
    );
    let s3 = ChildServer::start(&data, &["--issuer", ISSUER], &[]);
    let c3 = client(&s3.info.base_url, &s3.info.api_key);
    assert_eq!(
        live_kids(&c3.jwks().await.unwrap()),
        vec![k1.clone(), k2, k4]
    );
    assert!(offline(&s3.info, &t1.grant_token).await.is_ok());
}

#[tokio::test]
async fn sandbox_tokens_have_their_own_key_rotated_on_its_own() {
    let dir = TempDir::new("sandbox-key");
    let data = dir.path().join("data");
    let s1 = ChildServer::start(&data, &["--issuer", ISSUER], &[]);
    let c = client(&s1.info.base_url, &s1.info.api_key);
    let a = agent(&c, "a", &["read"]).await;
    let live = grant(&c, &a.agent_id, "u", &["read"]).await.grant_token;
    let (sk1, st1) = sandbox_token(&s1.info).await;
    let lk = header_kid(&live);
    assert_ne!(lk, sk1);
    // Both kids are in the one JWKS; the sandbox token carries the marker, the live one not.
    let published = kids(&c.jwks().await.unwrap());
    assert!(
        published.contains(&lk) && published.contains(&sk1),
        "{published:?}"
    );
    assert_eq!(claims(&st1)["urn:grantex:environment"], "sandbox");
    assert!(claims(&live).get("urn:grantex:environment").is_none());
    drop(s1);

    let sk2 = rotate_with(&["rotate", "--sandbox"], &data);
    let s2 = ChildServer::start(&data, &["--issuer", ISSUER], &[]);
    let c2 = client(&s2.info.base_url, &s2.info.api_key);
    let (new_sk, st2) = sandbox_token(&s2.info).await;
    assert_eq!(new_sk, sk2, "the new sandbox key signs sandbox tokens");
    let live2 = grant(&c2, &a.agent_id, "u", &["read"]).await.grant_token;
    assert_eq!(
        header_kid(&live2),
        lk,
        "a sandbox rotation leaves the live key"
    );
    // The old sandbox key stays published while its token lives; everything still verifies.
    let published = kids(&c2.jwks().await.unwrap());
    assert!(
        published.contains(&sk1) && published.contains(&sk2),
        "{published:?}"
    );
    for t in [&st1, &st2, &live, &live2] {
        assert!(offline(&s2.info, t).await.is_ok());
    }
}

#[tokio::test]
async fn flags_seeds_and_data_dir_lock() {
    let dir = TempDir::new("flags");
    for bad in ["0", "11", "x"] {
        let out = Command::new(server_bin())
            .args([
                "--listen",
                "127.0.0.1:0",
                "--max-delegation-depth",
                bad,
                "--data-dir",
            ])
            .arg(dir.path().join("never"))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("max-delegation-depth"), "{err}");
    }
    assert!(
        !dir.path().join("never").exists(),
        "refused before touching the data dir"
    );

    let data = dir.path().join("data");
    let seeds = [
        ("GRANTEX_SEED_API_KEY", "dev-api-key-local"),
        ("GRANTEX_SEED_SANDBOX_KEY", "sandbox-api-key-local"),
    ];
    let flags = [
        "--max-delegation-depth",
        "1",
        "--public-url",
        "http://auth.example.test:9999/",
    ];
    let s = ChildServer::start(&data, &flags, &seeds);
    assert_eq!(
        (s.info.api_key.as_str(), s.info.sandbox_api_key.as_str()),
        ("dev-api-key-local", "sandbox-api-key-local")
    );
    // server.json names the reachable address; links and the issuer use the public URL.
    assert!(s.info.base_url.starts_with("http://127.0.0.1:"));
    assert_eq!(s.info.issuer, "http://auth.example.test:9999");
    let c = client(&s.info.base_url, "sandbox-api-key-local");
    let probe = agent(&c, "probe", &["read"]).await;
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: probe.agent_id.clone(),
            user_id: "u".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(auth
        .consent_url
        .starts_with("http://auth.example.test:9999/consent?req=areq_"));
    for bad in [["--issuer", "not a url"], ["--public-url", "ftp://x"]] {
        let out = Command::new(server_bin())
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("other"))
            .args(bad)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(bad[0]));
    }
    assert_eq!(c.me().await.unwrap().mode, Mode::Sandbox);
    assert_eq!(
        client(&s.info.base_url, "dev-api-key-local")
            .me()
            .await
            .unwrap()
            .mode,
        Mode::Live
    );
    // --max-delegation-depth 1: one hop, then 403.
    let a = agent(&c, "a", &["read"]).await;
    let t = grant(&c, &a.agent_id, "u", &["read"]).await;
    let hop = |tok: &str| DelegateParams {
        parent_grant_token: tok.into(),
        sub_agent_id: a.agent_id.clone(),
        scopes: strings(&["read"]),
        expires_in: None,
    };
    let d = c.grants().delegate(&hop(&t.grant_token)).await.unwrap();
    let e = c.grants().delegate(&hop(&d.grant_token)).await.unwrap_err();
    assert_eq!(
        (status(&e), code(&e).as_str()),
        (403, "DELEGATION_DEPTH_EXCEEDED")
    );

    // A second server on the same data dir refuses to start.
    let out = Command::new(server_bin())
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already using"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(s);

    // A malformed seed key is refused with a clear message.
    let out = Command::new(server_bin())
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("GRANTEX_SEED_API_KEY", "short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("GRANTEX_SEED_API_KEY"));
}

/// Waits until the current one-minute window has at least `need` seconds left.
async fn fresh_window(api: &Api, need: u64) {
    let r = api.get("/v1/me").await;
    let reset: u64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    if reset < need {
        tokio::time::sleep(std::time::Duration::from_secs(reset + 1)).await;
    }
}

#[tokio::test]
async fn rate_limits_per_developer_and_route() {
    let dir = TempDir::new("ratelimit");
    let data = dir.path().join("data");
    let s = ChildServer::start(
        &data,
        &["--rate-limit", "5", "--authorize-rate-limit", "2"],
        &[],
    );
    let key = s.info.sandbox_api_key.clone();
    let api = Api::new(&s.info.base_url, Some(&key));
    let c = client(&s.info.base_url, &key);
    fresh_window(&api, 10).await;
    let a = agent(&c, "a", &["read"]).await;
    let body = json!({"agentId": a.agent_id, "principalId": "u", "scopes": ["read"]});
    for remaining in [1, 0] {
        let r = api.post("/v1/authorize", body.clone()).await;
        assert_eq!(r.status, 201);
        assert_eq!(r.header("x-ratelimit-limit"), Some("2"));
        assert_eq!(
            r.header("x-ratelimit-remaining"),
            Some(remaining.to_string().as_str())
        );
    }
    let r = api.post("/v1/authorize", body.clone()).await;
    assert_envelope(&r, 429, "RATE_LIMITED");
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        r.header("x-ratelimit-reset"),
        Some(retry.to_string().as_str())
    );
    let msg = r.body["message"].as_str().unwrap();
    assert!(msg.contains(&format!("retry in {retry} seconds")), "{msg}");
    // Invalid requests count too (the limiter runs before validation).
    assert_eq!(api.post("/v1/authorize", json!({})).await.status, 429);

    // Other routes (and methods) have their own bucket: 5 per minute.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(api.get("/v1/agents").await.status);
    }
    assert_eq!(
        statuses,
        vec![200, 200, 200, 200, 200, 429],
        "GET /v1/agents has its own bucket of 5"
    );
    let r = api.get("/v1/agents").await;
    assert_envelope(&r, 429, "RATE_LIMIT_EXCEEDED");
    assert!(r.body["message"].as_str().unwrap().contains("retry in "));

    // Another developer is not affected; the JWKS is never limited and has no headers.
    let other = Api::new(&s.info.base_url, Some(&s.info.api_key));
    assert_eq!(other.get("/v1/agents").await.status, 200);
    for _ in 0..10 {
        let r = other.get("/.well-known/jwks.json").await;
        assert_eq!(r.status, 200);
        assert!(r.header("x-ratelimit-limit").is_none());
    }
}
