//! The credential vault against the real server: CRUD and tenant isolation, the grant-token
//! exchange and its refusals (audited), encryption at rest (no plaintext in the SQLite file or
//! its WAL; an altered ciphertext is a clear 500, never garbage) and KEK rotation while the
//! server runs.

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const CREDS: &str = "/v1/vault/credentials";
const EXCHANGE: &str = "/v1/vault/credentials/exchange";

/// `POST /v1/vault/credentials/exchange` with `Authorization: Bearer <token>`.
async fn exchange(base: &str, token: &str, body: Value) -> Resp {
    Api::new(base, Some(token)).post(EXCHANGE, body).await
}

async fn store(api: &Api, principal: &str, service: &str, secret: &str) -> Resp {
    api.post(
        CREDS,
        json!({ "principalId": principal, "service": service, "accessToken": secret }),
    )
    .await
}

/// The developer's audit entries with `action`.
async fn audit(api: &Api, action: &str) -> Vec<Value> {
    let r = api.get(&format!("/v1/audit/entries?action={action}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["entries"].as_array().unwrap().clone()
}

fn canary(tag: &str) -> String {
    format!(
        "gho_CANARY_{tag}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn store_list_get_delete_and_tenant_isolation() {
    let s = shared();
    let (_, dev) = developer(s, Mode::Live).await;
    let (_, other) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));
    let other_api = Api::new(&s.base_url, Some(&other.api_key));

    let r = api
        .post(
            CREDS,
            json!({
                "principalId": "alice", "service": "github", "accessToken": "gho_first",
                "refreshToken": "ghr_first", "tokenExpiresAt": "2030-01-02T03:04:05Z",
                "metadata": { "login": "alice" },
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("vc_"), "{id}");
    assert_eq!(r.body["principalId"], "alice");
    assert_eq!(r.body["service"], "github");
    assert_eq!(r.body["credentialType"], "oauth2");
    assert!(r.body["createdAt"].is_string());
    assert!(!r.text.contains("gho_first"));

    // An upsert on (principal, service) keeps the id.
    let r2 = api
        .post(
            CREDS,
            json!({ "principalId": "alice", "service": "github", "accessToken": "gho_second",
                    "credentialType": "api_key" }),
        )
        .await;
    assert_eq!(r2.status, 201, "{}", r2.text);
    assert_eq!(r2.body["id"], id.as_str());
    assert_eq!(r2.body["credentialType"], "api_key");
    assert_eq!(store(&api, "bob", "slack", "xoxb").await.status, 201);

    let list = api.get(CREDS).await;
    assert_eq!(list.status, 200);
    let creds = list.body["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 2);
    assert_eq!(creds[0]["service"], "slack", "newest first");
    assert!(
        !list.text.contains("gho_") && !list.text.contains("ghr_") && !list.text.contains("xoxb")
    );
    let one = api.get(&format!("{CREDS}?principalId=alice")).await;
    let one = one.body["credentials"].as_array().unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["id"], id.as_str());
    assert_eq!(
        one[0]["tokenExpiresAt"],
        Value::Null,
        "replaced by the upsert"
    );
    assert_eq!(one[0]["metadata"], json!({}));
    assert!(one[0]["updatedAt"].is_string());
    let none = api
        .get(&format!("{CREDS}?principalId=alice&service=slack"))
        .await;
    assert_eq!(none.body["credentials"], json!([]));

    let got = api.get(&format!("{CREDS}/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.body["service"], "github");
    assert!(got.body.get("accessToken").is_none());

    // Another developer sees nothing and cannot delete it.
    assert_envelope(
        &other_api.get(&format!("{CREDS}/{id}")).await,
        404,
        "NOT_FOUND",
    );
    assert_envelope(
        &other_api
            .call("DELETE", &format!("{CREDS}/{id}"), None)
            .await,
        404,
        "NOT_FOUND",
    );
    assert_eq!(other_api.get(CREDS).await.body["credentials"], json!([]));

    // Input rules.
    for bad in ["", "-x", "a b", "git/hub", &"a".repeat(65)] {
        assert_envelope(&store(&api, "alice", bad, "t").await, 400, "BAD_REQUEST");
    }
    assert_eq!(store(&api, "alice", "Git.Hub_x-1", "t").await.status, 201);
    assert_envelope(
        &api.post(
            CREDS,
            json!({ "principalId": "alice", "service": "github" }),
        )
        .await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &api.post(CREDS, json!({ "principalId": "a", "service": "s", "accessToken": "t", "tokenExpiresAt": "soon" }))
            .await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &Api::new(&s.base_url, None).get(CREDS).await,
        401,
        "UNAUTHORIZED",
    );

    let del = api.call("DELETE", &format!("{CREDS}/{id}"), None).await;
    assert_eq!(del.status, 204, "{}", del.text);
    assert_envelope(&api.get(&format!("{CREDS}/{id}")).await, 404, "NOT_FOUND");
    assert_envelope(
        &api.call("DELETE", &format!("{CREDS}/{id}"), None).await,
        404,
        "NOT_FOUND",
    );

    let stored = audit(&api, "grantex.vault.credential_stored").await;
    assert_eq!(stored.len(), 4);
    assert!(stored.iter().all(|e| e["status"] == "success"));
    assert_eq!(
        audit(&api, "grantex.vault.credential_deleted").await.len(),
        1
    );
    assert!(audit(&other_api, "grantex.vault.credential_stored")
        .await
        .is_empty());
}

#[tokio::test]
async fn exchange_needs_an_active_token_with_the_exact_scope() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));
    let agent = agent(
        &c,
        "vault-agent",
        &[
            "vault:github:exchange",
            "github:read",
            "vault:slack:exchange",
        ],
    )
    .await;
    assert_eq!(
        store(&api, "alice", "github", "gho_alice").await.status,
        201
    );
    let good = grant(&c, &agent.agent_id, "alice", &["vault:github:exchange"]).await;

    let r = exchange(
        &s.base_url,
        &good.grant_token,
        json!({ "service": "github" }),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["accessToken"], "gho_alice");
    assert_eq!(r.body["service"], "github");
    assert_eq!(r.body["credentialType"], "oauth2");
    assert_eq!(r.body["tokenExpiresAt"], Value::Null);
    assert_eq!(r.body["metadata"], json!({}));
    // `DPoP <token>` is accepted as the scheme too (the token is not key-bound).
    let r = Api::new(&s.base_url, None)
        .http
        .post(format!("{}{EXCHANGE}", s.base_url))
        .header("authorization", format!("DPoP {}", good.grant_token))
        .json(&json!({ "service": "github" }));
    assert_eq!(Api::finish(r).await.status, 200);

    // The scope must be exactly vault:<service>:exchange: github:read does not unlock it.
    let read_only = grant(&c, &agent.agent_id, "alice", &["github:read"]).await;
    let r = exchange(
        &s.base_url,
        &read_only.grant_token,
        json!({ "service": "github" }),
    )
    .await;
    assert_envelope(&r, 403, "FORBIDDEN");
    let r = exchange(
        &s.base_url,
        &good.grant_token,
        json!({ "service": "slack" }),
    )
    .await;
    assert_envelope(&r, 403, "FORBIDDEN");

    // No credential for this principal.
    let bob = grant(&c, &agent.agent_id, "bob", &["vault:github:exchange"]).await;
    let r = exchange(
        &s.base_url,
        &bob.grant_token,
        json!({ "service": "github" }),
    )
    .await;
    assert_envelope(&r, 404, "NOT_FOUND");

    // Not a grant token: no header, the developer's API key, garbage.
    assert_envelope(
        &Api::new(&s.base_url, None)
            .post(EXCHANGE, json!({ "service": "github" }))
            .await,
        401,
        "UNAUTHORIZED",
    );
    for t in [dev.api_key.as_str(), "a.b.c"] {
        assert_envelope(
            &exchange(&s.base_url, t, json!({ "service": "github" })).await,
            401,
            "UNAUTHORIZED",
        );
    }
    // Body rules, after the token.
    assert_envelope(
        &exchange(&s.base_url, &good.grant_token, json!({})).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &exchange(
            &s.base_url,
            &good.grant_token,
            json!({ "service": "github", "delivery": "reference" }),
        )
        .await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &exchange(
            &s.base_url,
            &good.grant_token,
            json!({ "service": "git hub" }),
        )
        .await,
        400,
        "BAD_REQUEST",
    );

    // A revoked token is refused.
    c.tokens().revoke(&jti(&good.grant_token)).await.unwrap();
    let r = exchange(
        &s.base_url,
        &good.grant_token,
        json!({ "service": "github" }),
    )
    .await;
    assert_envelope(&r, 401, "UNAUTHORIZED");
    assert!(!r.text.contains("gho_alice"));

    // Every outcome is in the developer's audit chain.
    let ok = audit(&api, "grantex.vault.credential_exchanged").await;
    assert_eq!(ok.len(), 2);
    assert!(ok
        .iter()
        .all(|e| e["status"] == "success" && e["principalId"] == "alice"));
    let denied = audit(&api, "grantex.vault.exchange_denied").await;
    let reasons: Vec<&str> = denied
        .iter()
        .map(|e| {
            assert_eq!(e["status"], "failure", "{e}");
            e["metadata"]["reason"].as_str().unwrap()
        })
        .collect();
    for want in ["scope_missing", "credential_not_found", "token_revoked"] {
        assert!(reasons.contains(&want), "{want} in {reasons:?}");
    }
    assert_eq!(reasons.iter().filter(|r| **r == "scope_missing").count(), 2);
}

/// Every byte of the file and its WAL, as Latin-1 text, for substring search.
fn raw(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| b.iter().map(|&c| c as char).collect())
        .unwrap_or_default()
}

/// Runs `sql` (SQLite `?N` placeholders, text arguments) directly on the data dir's database —
/// its SQLite file, or its PostgreSQL database in the PostgreSQL run — beside the running
/// server. Returns the rows, every column read as text (cast in the SQL where needed).
fn db(dir: &Path, sql: &str, args: &[&str]) -> Vec<Vec<String>> {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    match database_url_for(dir) {
        None => {
            let c = rusqlite::Connection::open(dir.join("grantex.db")).unwrap();
            c.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
            let mut st = c.prepare(sql).unwrap();
            let n = st.column_count();
            st.query_map(rusqlite::params_from_iter(args.iter()), |r| {
                (0..n).map(|i| r.get::<_, String>(i)).collect()
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        }
        Some(url) => {
            let mut sql = sql.to_string();
            for i in (1..=args.len()).rev() {
                sql = sql.replace(&format!("?{i}"), &format!("${i}"));
            }
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> = args
                    .iter()
                    .map(|a| a as &(dyn postgres::types::ToSql + Sync))
                    .collect();
                c.query(&sql, &params)
                    .unwrap()
                    .iter()
                    .map(|r| (0..r.len()).map(|i| r.get::<_, String>(i)).collect())
                    .collect()
            })
            .join()
            .unwrap()
        }
    }
}

/// A live developer's client, an agent allowed every vault scope used here, and the API.
async fn setup(info: &ServerRef) -> (grantex::Client, Agent, Api) {
    let c = client(&info.base_url, &info.api_key);
    let agent = agent(
        &c,
        "vault-rest",
        &[
            "vault:github:exchange",
            "vault:slack:exchange",
            "vault:jira:exchange",
        ],
    )
    .await;
    (c, agent, Api::new(&info.base_url, Some(&info.api_key)))
}

#[tokio::test]
async fn secrets_are_sealed_at_rest_and_tampering_is_a_clear_error() {
    let dir = TempDir::new("vault-rest");
    let s = ChildServer::start(dir.path(), &[], &[]);
    let (c, agent, api) = setup(&s.info).await;
    let (access, refresh) = (canary("access"), canary("refresh"));
    let r = api
        .post(
            CREDS,
            json!({ "principalId": "alice", "service": "github", "accessToken": access, "refreshToken": refresh }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let alice_id = r.body["id"].as_str().unwrap().to_string();
    let bob_secret = canary("bob");
    assert_eq!(store(&api, "bob", "github", &bob_secret).await.status, 201);
    let token = grant(&c, &agent.agent_id, "alice", &["vault:github:exchange"])
        .await
        .grant_token;
    let r = exchange(&s.info.base_url, &token, json!({ "service": "github" })).await;
    assert_eq!(r.body["accessToken"], access.as_str(), "{}", r.text);

    // Each change is an event in the webhook outbox, none carrying a secret.
    let events = db(
        dir.path(),
        "SELECT type, payload FROM events WHERE type LIKE 'vault.%' ORDER BY created_at, id",
        &[],
    );
    let types: Vec<&str> = events.iter().map(|e| e[0].as_str()).collect();
    assert_eq!(
        types,
        [
            "vault.credential.stored",
            "vault.credential.stored",
            "vault.credential.exchanged"
        ]
    );
    let exchanged: Value = serde_json::from_str(&events[2][1]).unwrap();
    assert_eq!(exchanged["data"]["credentialId"], alice_id.as_str());
    assert_eq!(exchanged["data"]["principalId"], "alice");
    assert!(exchanged["data"]["grantId"].is_string());
    assert!(events.iter().all(|e| !e[1].contains(&access[4..])));

    // No column of the stored rows holds a secret (either backend).
    let rows = db(
        dir.path(),
        "SELECT id || principal_id || service || credential_type || access_sealed
                || COALESCE(refresh_sealed, '') || wrapped_dek || kek_id || metadata
         FROM vault_credentials",
        &[],
    );
    assert_eq!(rows.len(), 2);
    for row in &rows {
        for secret in [&access, &refresh, &bob_secret] {
            assert!(!row[0].contains(&secret[4..]), "{row:?}");
        }
    }
    if database_url_for(dir.path()).is_none() {
        no_plaintext_in_the_files(dir.path(), &alice_id, &[&access, &refresh, &bob_secret]);
    }

    // Alter one character of alice's sealed access token in the database (server running).
    let sealed = db(
        dir.path(),
        "SELECT access_sealed FROM vault_credentials WHERE id = ?1",
        &[&alice_id],
    )
    .remove(0)
    .remove(0);
    let mut chars: Vec<char> = sealed.chars().collect();
    chars[20] = if chars[20] == 'A' { 'B' } else { 'A' };
    let altered: String = chars.into_iter().collect();
    db(
        dir.path(),
        "UPDATE vault_credentials SET access_sealed = ?1 WHERE id = ?2",
        &[&altered, &alice_id],
    );
    let r = exchange(&s.info.base_url, &token, json!({ "service": "github" })).await;
    assert_envelope(&r, 500, "VAULT_DECRYPT_FAILED");
    assert!(
        !r.text.contains(&access[4..]),
        "no secret, no garbage: {}",
        r.text
    );
    assert!(r.body.get("accessToken").is_none());

    // Bob's (intact) sealed token copied into alice's row: bound to bob's row, so refused too.
    db(
        dir.path(),
        "UPDATE vault_credentials SET access_sealed = (SELECT access_sealed FROM vault_credentials WHERE principal_id = 'bob'),
                wrapped_dek = (SELECT wrapped_dek FROM vault_credentials WHERE principal_id = 'bob')
         WHERE id = ?1",
        &[&alice_id],
    );
    let r = exchange(&s.info.base_url, &token, json!({ "service": "github" })).await;
    assert_envelope(&r, 500, "VAULT_DECRYPT_FAILED");
    assert!(!r.text.contains(&bob_secret[4..]));

    let failed = audit(&api, "grantex.vault.decrypt_failed").await;
    assert_eq!(failed.len(), 2);
    assert!(failed
        .iter()
        .all(|e| e["status"] == "failure" && e["metadata"]["reason"] == "decrypt_failed"));
    // Storing again replaces the broken row with a good one.
    assert_eq!(store(&api, "alice", "github", &access).await.status, 201);
    let r = exchange(&s.info.base_url, &token, json!({ "service": "github" })).await;
    assert_eq!(r.body["accessToken"], access.as_str(), "{}", r.text);
}

/// No secret in the SQLite file or its WAL (the writes are committed, so in one of them), and
/// the vault master key is in the keys folder, mode 0600.
fn no_plaintext_in_the_files(dir: &Path, row_id: &str, secrets: &[&String]) {
    let (db, wal) = (
        raw(&dir.join("grantex.db")),
        raw(&dir.join("grantex.db-wal")),
    );
    assert!(db.contains("vault_credentials") || wal.contains("vault_credentials"));
    assert!(
        db.contains(row_id) || wal.contains(row_id),
        "the row is in the files"
    );
    for secret in secrets {
        assert!(
            !db.contains(secret.as_str()),
            "plaintext secret in grantex.db"
        );
        assert!(
            !wal.contains(secret.as_str()),
            "plaintext secret in grantex.db-wal"
        );
        assert!(!db.contains(&secret[4..]) && !wal.contains(&secret[4..]));
    }
    let mode = std::fs::metadata(dir.join("keys/vault-master.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

fn rotate(dir: &Path) -> std::process::Output {
    rotate_with(dir, &[])
}

fn rotate_with(dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(server_bin());
    cmd.args(["vault", "rotate-kek", "--data-dir"])
        .arg(dir)
        .env_remove("GRANTEX_DATABASE_URL")
        .env_remove("GRANTEX_KEY_ENCRYPTION_KEY")
        .envs(env.iter().copied());
    if let Some(url) = database_url_for(dir) {
        cmd.args(["--database-url", &url]);
    }
    cmd.output().unwrap()
}

#[tokio::test]
async fn kek_rotation_while_the_server_runs_keeps_every_secret_readable() {
    let dir = TempDir::new("vault-rotate");
    let s = ChildServer::start(dir.path(), &[], &[]);
    let (c, agent, api) = setup(&s.info).await;
    let mut secrets = Vec::new();
    for (principal, service) in [
        ("alice", "github"),
        ("alice", "slack"),
        ("bob", "github"),
        ("carol", "jira"),
    ] {
        let secret = canary(principal);
        assert_eq!(store(&api, principal, service, &secret).await.status, 201);
        let token = grant(
            &c,
            &agent.agent_id,
            principal,
            &[&format!("vault:{service}:exchange")],
        )
        .await
        .grant_token;
        secrets.push((service, secret, token));
    }
    let check = |secrets: Vec<(&'static str, String, String)>| {
        let base = s.info.base_url.clone();
        async move {
            for (service, secret, token) in &secrets {
                let r = exchange(&base, token, json!({ "service": service })).await;
                assert_eq!(r.status, 200, "{}", r.text);
                assert_eq!(r.body["accessToken"], secret.as_str());
            }
        }
    };
    check(secrets.clone()).await;

    let out = rotate(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("re-wrapped 4 data keys"), "{stdout}");
    assert!(
        stdout.contains("deleted retired key-encryption key"),
        "{stdout}"
    );
    check(secrets.clone()).await;

    // A credential stored after the rotation is sealed under the new KEK; a second rotation
    // re-wraps all five.
    let dave = canary("dave");
    assert_eq!(store(&api, "dave", "github", &dave).await.status, 201);
    let token = grant(&c, &agent.agent_id, "dave", &["vault:github:exchange"])
        .await
        .grant_token;
    secrets.push(("github", dave, token));
    check(secrets.clone()).await;
    let keks = db(dir.path(), "SELECT id, status FROM vault_keks", &[]);
    assert_eq!(keks.len(), 1, "the retired KEK was deleted: {keks:?}");
    assert_eq!(keks[0][1], "current");
    let n = db(
        dir.path(),
        "SELECT CAST(COUNT(*) AS TEXT) FROM vault_credentials WHERE kek_id = ?1",
        &[&keks[0][0]],
    );
    assert_eq!(n[0][0], "5");
    let out = rotate(dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("re-wrapped 5 data keys"), "{stdout}");
    check(secrets.clone()).await;

    // Rotations racing with stores (and replacements): no row is left under a deleted KEK, and
    // every secret reads back.
    let writer = {
        let api = api.clone();
        tokio::spawn(async move {
            let mut stored = Vec::new();
            for i in 0..60 {
                let principal = format!("racer{}", i % 20);
                let secret = canary(&principal);
                let r = store(&api, &principal, "github", &secret).await;
                assert_eq!(r.status, 201, "{}", r.text);
                stored.push((principal, secret));
            }
            stored
        })
    };
    let mut rotations = 0;
    while rotations < 2 || !writer.is_finished() {
        rotations += 1;
        let d = dir.path().to_path_buf();
        let out = tokio::task::spawn_blocking(move || rotate(&d))
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stored = writer.await.unwrap();
    eprintln!("{rotations} rotations raced with 60 stores");
    let orphans = db(
        dir.path(),
        "SELECT id FROM vault_credentials WHERE kek_id NOT IN (SELECT id FROM vault_keks)",
        &[],
    );
    assert!(orphans.is_empty(), "rows under a deleted KEK: {orphans:?}");
    let mut last: std::collections::HashMap<String, String> = Default::default();
    for (p, secret) in stored {
        last.insert(p, secret);
    }
    for (principal, secret) in &last {
        let token = grant(&c, &agent.agent_id, principal, &["vault:github:exchange"])
            .await
            .grant_token;
        let r = exchange(&s.info.base_url, &token, json!({ "service": "github" })).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["accessToken"], secret.as_str());
    }

    // And after a restart (keys from the data dir, KEK from the database).
    let key = s.info.api_key.clone();
    assert!(s.terminate().success());
    let s2 = ChildServer::start(dir.path(), &[], &[]);
    assert_eq!(s2.info.api_key, key);
    for (service, secret, token) in &secrets {
        let r = exchange(&s2.info.base_url, token, json!({ "service": service })).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["accessToken"], secret.as_str());
    }
}

#[tokio::test]
async fn a_key_bound_token_needs_a_dpop_proof_of_its_key() {
    use grantex::dpop;
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));
    let key = dpop::generate_key().unwrap();
    let public: Value = serde_json::from_str(&dpop::public_jwk(&key).unwrap()).unwrap();
    let a = c
        .agents()
        .register(&RegisterAgentParams {
            name: "vault-dpop".into(),
            description: "key-bound agent".into(),
            scopes: vec!["vault:github:exchange".into()],
            public_jwk: Some(public),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        store(&api, "alice", "github", "gho_bound").await.status,
        201
    );
    let t = grant(&c, &a.agent_id, "alice", &["vault:github:exchange"])
        .await
        .grant_token;
    assert!(claims(&t)["cnf"]["jkt"].is_string());
    let url = format!("{}{EXCHANGE}", s.base_url);
    let call = |proof: Option<String>| {
        let rb = http()
            .post(&url)
            .header("authorization", format!("DPoP {t}"))
            .json(&json!({ "service": "github" }));
        let rb = match proof {
            Some(p) => rb.header("dpop", p),
            None => rb,
        };
        Api::finish(rb)
    };

    // A bare bearer presentation of a key-bound token releases nothing.
    let r = call(None).await;
    assert_envelope(&r, 401, "INVALID_DPOP_PROOF");
    assert!(r
        .header("www-authenticate")
        .is_some_and(|h| h.starts_with("DPoP")));
    // A proof for another method or URL, or made for another token.
    let wrong_url =
        dpop::create_proof(&key, "POST", &format!("{}/v1/other", s.base_url), Some(&t)).unwrap();
    assert_envelope(&call(Some(wrong_url)).await, 401, "INVALID_DPOP_PROOF");
    let wrong_token = dpop::create_proof(&key, "POST", &url, Some("another token")).unwrap();
    assert_envelope(&call(Some(wrong_token)).await, 401, "INVALID_DPOP_PROOF");
    // A valid proof by another key.
    let thief = dpop::generate_key().unwrap();
    let stolen = dpop::create_proof(&thief, "POST", &url, Some(&t)).unwrap();
    assert_envelope(&call(Some(stolen)).await, 401, "DPOP_KEY_MISMATCH");
    // The key's own proof works once.
    let proof = dpop::create_proof(&key, "POST", &url, Some(&t)).unwrap();
    let r = call(Some(proof.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["accessToken"], "gho_bound");
    assert_envelope(&call(Some(proof)).await, 401, "INVALID_DPOP_PROOF");

    let denied = audit(&api, "grantex.vault.exchange_denied").await;
    let reasons: Vec<&str> = denied
        .iter()
        .map(|e| e["metadata"]["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons.iter().filter(|r| **r == "dpop_invalid").count(),
        4,
        "{reasons:?}"
    );
    assert_eq!(
        reasons
            .iter()
            .filter(|r| **r == "dpop_key_mismatch")
            .count(),
        1,
        "{reasons:?}"
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_and_audited() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));
    let a = agent(&c, "vault-expiry", &["vault:github:exchange"]).await;
    assert_eq!(
        store(&api, "alice", "github", "gho_short").await.status,
        201
    );
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "alice".into(),
            scopes: strings(&["vault:github:exchange"]),
            expires_in: Some("1s".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = c
        .consent()
        .approve(&auth.auth_request_id)
        .await
        .unwrap()
        .code;
    let t = c
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: a.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .grant_token;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = exchange(&s.base_url, &t, json!({ "service": "github" })).await;
    assert_envelope(&r, 401, "UNAUTHORIZED");
    let denied = audit(&api, "grantex.vault.exchange_denied").await;
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["metadata"]["reason"], "token_expired");
    assert_eq!(denied[0]["status"], "failure");
}

#[tokio::test]
async fn with_a_configured_key_encryption_key_the_vault_master_is_derived_from_it() {
    let dir = TempDir::new("vault-kek");
    let kek = "5a".repeat(32);
    let env = [("GRANTEX_KEY_ENCRYPTION_KEY", kek.as_str())];
    let s = ChildServer::start(dir.path(), &[], &env);
    let (c, agent, api) = setup(&s.info).await;
    let secret = canary("kek");
    assert_eq!(store(&api, "alice", "jira", &secret).await.status, 201);
    let token = grant(&c, &agent.agent_id, "alice", &["vault:jira:exchange"])
        .await
        .grant_token;
    let r = exchange(&s.info.base_url, &token, json!({ "service": "jira" })).await;
    assert_eq!(r.body["accessToken"], secret.as_str(), "{}", r.text);
    assert!(
        !dir.path().join("keys/vault-master.key").exists(),
        "no data-dir master key next to a configured KEK"
    );

    // The rotation needs the same key-encryption key; without it, it refuses and changes nothing.
    let out = rotate(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success());
    assert!(stderr.contains("key-encryption key"), "{stderr}");
    assert!(!dir.path().join("keys/vault-master.key").exists());
    let out = rotate_with(
        dir.path(),
        &[("GRANTEX_KEY_ENCRYPTION_KEY", &"77".repeat(32))],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success());
    assert!(stderr.contains("cannot be unwrapped"), "{stderr}");
    let r = exchange(&s.info.base_url, &token, json!({ "service": "jira" })).await;
    assert_eq!(r.body["accessToken"], secret.as_str(), "{}", r.text);
    let out = rotate_with(dir.path(), &env);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("re-wrapped 1 data keys"), "{stdout}");
    let r = exchange(&s.info.base_url, &token, json!({ "service": "jira" })).await;
    assert_eq!(r.body["accessToken"], secret.as_str(), "{}", r.text);

    // Restarted with another key-encryption key, the server refuses to start and says why.
    assert!(s.terminate().success());
    let out = std::process::Command::new(server_bin())
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(
            database_url_for(dir.path())
                .map(|u| vec!["--database-url".to_string(), u])
                .unwrap_or_default(),
        )
        .env_remove("GRANTEX_DATABASE_URL")
        .env("GRANTEX_KEY_ENCRYPTION_KEY", "66".repeat(32))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("credential vault"), "{stderr}");
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/lib/server-pg-tests.sh runs it"]
async fn instances_sharing_the_key_encryption_key_share_the_vault() {
    let tmp = TempDir::new("vault-instances");
    let url = database_url_for(&tmp.path().join("db"))
        .expect("GRANTEX_TEST_DATABASE_URL must name a PostgreSQL database");
    let kek = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
    let env = [("GRANTEX_KEY_ENCRYPTION_KEY", kek)];
    let args = [
        "--database-url",
        url.as_str(),
        "--issuer",
        "http://vault.instances.test",
    ];
    let a = ChildServer::start(&tmp.path().join("a"), &args, &env);
    let b = ChildServer::start(&tmp.path().join("b"), &args, &env);
    let (c, agent, api_a) = setup(&a.info).await;
    let secret = canary("shared");
    assert_eq!(store(&api_a, "alice", "github", &secret).await.status, 201);
    let token = grant(&c, &agent.agent_id, "alice", &["vault:github:exchange"])
        .await
        .grant_token;
    // Stored through A, exchanged through B; rotated by the CLI; still read through both.
    let r = exchange(&b.info.base_url, &token, json!({ "service": "github" })).await;
    assert_eq!(r.body["accessToken"], secret.as_str(), "{}", r.text);
    let out = std::process::Command::new(server_bin())
        .args(["vault", "rotate-kek", "--data-dir"])
        .arg(tmp.path().join("a"))
        .args(["--database-url", &url])
        .env("GRANTEX_KEY_ENCRYPTION_KEY", kek)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let api_b = Api::new(&b.info.base_url, Some(&a.info.api_key));
    let second = canary("second");
    assert_eq!(store(&api_b, "alice", "github", &second).await.status, 201);
    for base in [&a.info.base_url, &b.info.base_url] {
        let r = exchange(base, &token, json!({ "service": "github" })).await;
        assert_eq!(r.body["accessToken"], second.as_str(), "{}", r.text);
    }
    for d in ["a", "b"] {
        assert!(!tmp.path().join(d).join("keys/vault-master.key").exists());
    }
}

/// The core SDK's `vault` namespace (what every binding calls): store, list, get, the
/// grant-token exchange (`exchange(grant_token, params)`, authenticated by the token, not the
/// API key), delete.
#[tokio::test]
async fn the_core_sdk_vault_namespace_round_trip() {
    let s = common::shared();
    let (c, _) = common::developer(s, grantex::types::Mode::Live).await;
    let a = common::agent(&c, "vault-sdk", &["vault:github:exchange"]).await;
    let t = common::grant(&c, &a.agent_id, "alice", &["vault:github:exchange"]).await;
    let stored = c
        .vault()
        .store(&grantex::types::StoreCredentialParams {
            principal_id: "alice".into(),
            service: "github".into(),
            access_token: "gho_sdk_secret_1".into(),
            metadata: Some(serde_json::json!({"login": "alice"})),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (stored.credential_type.as_str(), stored.service.as_str()),
        ("oauth2", "github")
    );
    let listed = c
        .vault()
        .list(&grantex::types::ListVaultCredentialsParams {
            principal_id: Some("alice".into()),
            service: None,
        })
        .await
        .unwrap();
    assert_eq!(listed.credentials.len(), 1);
    assert_eq!(listed.credentials[0].metadata["login"], "alice");
    assert_eq!(c.vault().get(&stored.id).await.unwrap().id, stored.id);
    let got = c
        .vault()
        .exchange(
            &t.grant_token,
            &grantex::types::ExchangeCredentialParams {
                service: "github".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(got.access_token, "gho_sdk_secret_1");
    // Another service: the token lacks its scope.
    let e = c
        .vault()
        .exchange(
            &t.grant_token,
            &grantex::types::ExchangeCredentialParams {
                service: "slack".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(common::status(&e), 403);
    // The API key is not a grant token.
    let e = c
        .vault()
        .exchange(
            &s.api_key,
            &grantex::types::ExchangeCredentialParams {
                service: "github".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(common::status(&e), 401);
    c.vault().delete(&stored.id).await.unwrap();
    assert_eq!(
        common::status(&c.vault().get(&stored.id).await.unwrap_err()),
        404
    );
}
