//! `POST /v1/audit/checkpoints` and `GET /v1/audit/checkpoints/:id` against real servers: the
//! signed head matches the chain (recomputed with `grantex::audit_chain`), the JWS verifies
//! offline against the served JWKS and is refused as a grant token, tenants are isolated, an
//! empty chain is refused, checkpoints survive a restart, and a tampered or truncated chain is
//! never signed.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use grantex::audit_chain::{compute_hash, verify_chain};
use grantex::types::AuditEntry;
use grantex::verify::primitive::RsaVerifyKey;
use serde_json::{json, Value};

const TYP: &str = "grantex-audit-checkpoint+jwt";

/// A fresh live developer: raw API access and its id.
async fn signup(base: &str) -> (Api, String) {
    let r = Api::new(base, None)
        .post("/v1/signup", json!({"name": "checkpoint test"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    (
        Api::new(base, Some(r.body["apiKey"].as_str().unwrap())),
        r.body["developerId"].as_str().unwrap().to_string(),
    )
}

/// Logs `n` entries (action `<tag>.<i>`); returns their `entryId`s.
async fn log(api: &Api, tag: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = api
            .post(
                "/v1/audit/log",
                json!({
                    "agentId": "ag_1", "agentDid": "did:grantex:ag_1", "grantId": "grnt_1",
                    "principalId": "user_1", "action": format!("{tag}.{i}"),
                    "metadata": {"i": i, "nested": {"b": [1.5, "x"], "a": null}},
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["entryId"].as_str().unwrap().to_string());
    }
    ids
}

async fn entries(api: &Api) -> Vec<AuditEntry> {
    let r = api.get("/v1/audit/entries").await;
    assert_eq!(r.status, 200, "{}", r.text);
    serde_json::from_value(r.body["entries"].clone()).unwrap()
}

/// `POST /v1/audit/checkpoints` exactly as the Python SDK 0.7.2 sends it: no body, no
/// content type.
async fn checkpoint(api: &Api) -> Resp {
    api.call("POST", "/v1/audit/checkpoints", None).await
}

fn b64json(segment: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

/// Whether `jws` carries a valid RS256 signature by the key its `kid` names in `jwks`.
fn signature_ok(jws: &str, jwks: &Value) -> bool {
    let parts: Vec<&str> = jws.split('.').collect();
    assert_eq!(parts.len(), 3, "compact JWS: {jws}");
    let kid = b64json(parts[0])["kid"].as_str().unwrap().to_string();
    let Some(jwk) = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
    else {
        return false;
    };
    assert_eq!(jwk["alg"], "RS256");
    let component = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
    let key = RsaVerifyKey::from_components(&component("n"), &component("e")).unwrap();
    let signing_input = &jws[..parts[0].len() + 1 + parts[1].len()];
    let Ok(sig) = URL_SAFE_NO_PAD.decode(parts[2]) else {
        return false;
    };
    key.verify(signing_input.as_bytes(), &sig)
}

/// Verifies the checkpoint's JWS offline against `jwks`, checks that the response, the signed
/// claims and the chain head agree, and returns the claims.
fn check_checkpoint(
    ckpt: &Value,
    chain: &[AuditEntry],
    developer_id: &str,
    issuer: &str,
    jwks: &Value,
) -> Value {
    // The response.
    let id = ckpt["checkpointId"].as_str().unwrap();
    assert!(id.starts_with("ckpt_") && id.len() == 5 + 26, "{id}");
    assert_eq!(ckpt["witnessRequired"], false);
    let created_ms = grantex_server::time::parse_iso(ckpt["createdAt"].as_str().unwrap())
        .expect("createdAt is ISO-8601");
    // The chain it names: intact, and its head is the last entry.
    let report = verify_chain(chain);
    assert!(report.valid, "{report:?}");
    assert_eq!(chain[0].prev_hash, None, "the chain starts at null");
    let head = chain.last().unwrap();
    assert_eq!(compute_hash(head), head.hash);
    assert_eq!(ckpt["headEntryId"], head.entry_id.as_str());
    assert_eq!(ckpt["headHash"], head.hash.as_str());
    assert_eq!(ckpt["headTimestamp"], head.timestamp.as_str());
    assert_eq!(ckpt["entryCount"], chain.len());
    // The JWS.
    let jws = ckpt["signedCheckpoint"].as_str().unwrap();
    assert!(
        signature_ok(jws, jwks),
        "signature verifies against the JWKS"
    );
    let parts: Vec<&str> = jws.split('.').collect();
    let header = b64json(parts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], TYP);
    assert_eq!(header.as_object().unwrap().len(), 3, "{header}");
    let claims = b64json(parts[1]);
    assert_eq!(claims["iss"], issuer);
    assert_eq!(claims["sub"], developer_id);
    assert_eq!(claims["dev"], developer_id);
    assert_eq!(claims["purpose"], "audit_checkpoint");
    assert_eq!(claims["checkpointId"], ckpt["checkpointId"]);
    assert_eq!(claims["headEntryId"], ckpt["headEntryId"]);
    assert_eq!(claims["headHash"], ckpt["headHash"]);
    assert_eq!(claims["headTimestamp"], ckpt["headTimestamp"]);
    assert_eq!(claims["entryCount"], ckpt["entryCount"]);
    assert_eq!(claims["iat"], created_ms.div_euclid(1000));
    assert!(claims.get("exp").is_none(), "a checkpoint does not expire");
    claims
}

async fn jwks(base: &str) -> Value {
    let r = Api::new(base, None).get("/.well-known/jwks.json").await;
    assert_eq!(r.status, 200);
    r.body
}

fn tampered(jws: &str, claims: &Value) -> String {
    let parts: Vec<&str> = jws.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    )
}

#[tokio::test]
async fn checkpoint_signs_the_verified_head() {
    let s = shared();
    let (api, dev) = signup(&s.base_url).await;
    log(&api, "first", 3).await;
    let before = grantex_server::time::now_secs();
    let r = checkpoint(&api).await;
    let after = grantex_server::time::now_secs();
    assert_eq!(r.status, 201, "{}", r.text);
    for field in [
        "checkpointId",
        "headEntryId",
        "headHash",
        "headTimestamp",
        "entryCount",
        "signedCheckpoint",
        "witnessRequired",
        "createdAt",
    ] {
        assert!(!r.body[field].is_null(), "missing {field}: {}", r.text);
    }
    assert_eq!(r.body.as_object().unwrap().len(), 8, "{}", r.text);
    // The core's wire type (what the Rust client and the bindings read) takes it as is.
    let typed: grantex::types::AuditCheckpoint = serde_json::from_value(r.body.clone()).unwrap();
    assert_eq!(typed.entry_count, 3);
    assert_eq!(typed.created_at.as_deref(), r.body["createdAt"].as_str());
    let keys = jwks(&s.base_url).await;
    let chain = entries(&api).await;
    assert_eq!(chain.len(), 3);
    let claims = check_checkpoint(&r.body, &chain, &dev, &s.issuer, &keys);
    let iat = claims["iat"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&iat),
        "{before} <= {iat} <= {after}"
    );
    let first = r.body.clone();

    // Any change to the signed statement breaks the signature.
    let jws = first["signedCheckpoint"].as_str().unwrap();
    let mut forged = claims.clone();
    forged["entryCount"] = json!(2);
    assert!(!signature_ok(&tampered(jws, &forged), &keys));
    let mut forged = claims.clone();
    forged["dev"] = json!("dev_someone_else");
    assert!(!signature_ok(&tampered(jws, &forged), &keys));

    // Read back: the stored checkpoint, byte for byte.
    let id = first["checkpointId"].as_str().unwrap();
    let got = api.get(&format!("/v1/audit/checkpoints/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.body, first);

    // The chain grows; the next checkpoint covers it, the earlier one still says what it said.
    log(&api, "second", 2).await;
    let r = checkpoint(&api).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let chain = entries(&api).await;
    assert_eq!(chain.len(), 5);
    check_checkpoint(&r.body, &chain, &dev, &s.issuer, &keys);
    assert_ne!(r.body["checkpointId"], first["checkpointId"]);
    assert_eq!(
        api.get(&format!("/v1/audit/checkpoints/{id}")).await.body,
        first
    );
    // The earlier head is a prefix of the later chain.
    assert_eq!(chain[2].entry_id, first["headEntryId"].as_str().unwrap());
    assert_eq!(chain[3].prev_hash.as_deref(), first["headHash"].as_str());

    // Nothing appended since: a new checkpoint of the same head.
    let again = checkpoint(&api).await;
    assert_eq!(again.status, 201, "{}", again.text);
    check_checkpoint(&again.body, &chain, &dev, &s.issuer, &keys);
    assert_ne!(again.body["checkpointId"], r.body["checkpointId"]);
}

#[tokio::test]
async fn a_checkpoint_is_not_a_grant_token_or_a_session() {
    let s = shared();
    let (api, _) = signup(&s.base_url).await;
    log(&api, "x", 1).await;
    let r = checkpoint(&api).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let jws = r.body["signedCheckpoint"].as_str().unwrap();

    // The core's offline grant-token verifier refuses it on its typ, with the right issuer.
    let keys = jwks(&s.base_url).await.to_string();
    let err = grantex::JwksCache::from_json(&keys)
        .unwrap()
        .verify_cached(
            jws,
            &grantex::VerifyOptions {
                issuer: Some(s.issuer.clone()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        err.as_token().map(|t| t.code),
        Some(grantex::TokenErrorCode::ForbiddenHeader),
        "{err:?}"
    );
    // The server's online checks refuse it too.
    let v = api.post("/v1/tokens/verify", json!({ "token": jws })).await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.body["valid"], false);
    let session = Api::new(&s.base_url, Some(jws));
    assert_envelope(
        &session.get("/v1/principal/grants").await,
        401,
        "UNAUTHORIZED",
    );
}

#[tokio::test]
async fn an_empty_chain_is_refused() {
    let s = shared();
    let (api, _) = signup(&s.base_url).await;
    let r = checkpoint(&api).await;
    assert_envelope(&r, 409, "AUDIT_CHAIN_EMPTY");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("/v1/audit/log"),
        "{}",
        r.text
    );
    // Still refused after another developer logs (their chain is not this one).
    let (other, _) = signup(&s.base_url).await;
    log(&other, "other", 1).await;
    assert_envelope(&checkpoint(&api).await, 409, "AUDIT_CHAIN_EMPTY");
    // And accepted once there is an entry.
    log(&api, "mine", 1).await;
    let r = checkpoint(&api).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["entryCount"], 1);
}

#[tokio::test]
async fn checkpoints_are_per_developer() {
    let s = shared();
    let (a, a_id) = signup(&s.base_url).await;
    let (b, b_id) = signup(&s.base_url).await;
    log(&a, "a", 3).await;
    let b_entries = log(&b, "b", 1).await;
    log(&a, "a-more", 1).await;
    let keys = jwks(&s.base_url).await;

    let ra = checkpoint(&a).await;
    let rb = checkpoint(&b).await;
    assert_eq!(
        (ra.status, rb.status),
        (201, 201),
        "{} {}",
        ra.text,
        rb.text
    );
    check_checkpoint(&ra.body, &entries(&a).await, &a_id, &s.issuer, &keys);
    let b_chain = entries(&b).await;
    check_checkpoint(&rb.body, &b_chain, &b_id, &s.issuer, &keys);
    assert_eq!(
        rb.body["entryCount"], 1,
        "B's checkpoint covers only B's chain"
    );
    assert_eq!(rb.body["headEntryId"], b_entries[0].as_str());
    assert_eq!(ra.body["entryCount"], 4);

    // Neither can read the other's checkpoint: 404, as for an unknown id.
    let a_ckpt = ra.body["checkpointId"].as_str().unwrap();
    let b_ckpt = rb.body["checkpointId"].as_str().unwrap();
    assert_envelope(
        &b.get(&format!("/v1/audit/checkpoints/{a_ckpt}")).await,
        404,
        "NOT_FOUND",
    );
    assert_envelope(
        &a.get(&format!("/v1/audit/checkpoints/{b_ckpt}")).await,
        404,
        "NOT_FOUND",
    );
    assert_envelope(
        &a.get("/v1/audit/checkpoints/ckpt_01HZZZZZZZZZZZZZZZZZZZZZZZ")
            .await,
        404,
        "NOT_FOUND",
    );
    assert_eq!(
        a.get(&format!("/v1/audit/checkpoints/{a_ckpt}"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn checkpoint_routes_live_beside_the_entry_routes() {
    let s = shared();
    let (api, _) = signup(&s.base_url).await;
    let ids = log(&api, "r", 1).await;
    let r = checkpoint(&api).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["checkpointId"].as_str().unwrap();
    // A JSON body is accepted and ignored, as the SDK sends none.
    let with_body = api.post("/v1/audit/checkpoints", json!({})).await;
    assert_eq!(with_body.status, 201, "{}", with_body.text);

    // Authentication like every /v1/audit route.
    let anon = Api::new(&s.base_url, None);
    assert_envelope(
        &anon.call("POST", "/v1/audit/checkpoints", None).await,
        401,
        "UNAUTHORIZED",
    );
    assert_envelope(
        &anon.get(&format!("/v1/audit/checkpoints/{id}")).await,
        401,
        "UNAUTHORIZED",
    );
    assert!(r.header("x-ratelimit-limit").is_some());

    // `/v1/audit/checkpoints` is never taken for an entry id...
    let list = api.get("/v1/audit/checkpoints").await;
    assert_envelope(&list, 405, "METHOD_NOT_ALLOWED");
    assert_eq!(list.header("allow"), Some("POST"));
    assert_envelope(
        &api.call("DELETE", "/v1/audit/checkpoints", None).await,
        405,
        "METHOD_NOT_ALLOWED",
    );
    // ...checkpoints are append-only...
    for method in ["PUT", "PATCH", "DELETE"] {
        let r = api
            .call(method, &format!("/v1/audit/checkpoints/{id}"), None)
            .await;
        assert_envelope(&r, 405, "METHOD_NOT_ALLOWED");
        assert_eq!(r.header("allow"), Some("GET"));
    }
    assert_eq!(
        api.get(&format!("/v1/audit/checkpoints/{id}")).await.status,
        200
    );
    // ...and the entry routes are unchanged.
    let e = api.get(&format!("/v1/audit/{}", ids[0])).await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert_eq!(e.body["entryId"], ids[0].as_str());
    assert_envelope(&api.get(&format!("/v1/audit/{id}")).await, 404, "NOT_FOUND");
    assert_envelope(
        &api.call("DELETE", &format!("/v1/audit/{}", ids[0]), None)
            .await,
        405,
        "METHOD_NOT_ALLOWED",
    );
}

#[tokio::test]
async fn checkpoints_survive_a_restart() {
    let tmp = TempDir::new("ckpt-restart");
    let data = tmp.path().join("data");
    let server = ChildServer::start(&data, &[], &[]);
    let first_issuer = server.info.issuer.clone();
    let (api, dev) = signup(&server.info.base_url).await;
    log(&api, "before", 4).await;
    let r = checkpoint(&api).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ckpt = r.body.clone();
    // Acknowledged means durable: SIGKILL, no clean shutdown.
    server.kill9();

    let server = ChildServer::start(&data, &[], &[]);
    let api = Api::new(&server.info.base_url, api.key.as_deref());
    let id = ckpt["checkpointId"].as_str().unwrap();
    let got = api.get(&format!("/v1/audit/checkpoints/{id}")).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(got.body, ckpt);
    // Still verifies against the restarted server's JWKS (same key; `iss` is the issuer it was
    // signed under).
    let keys = jwks(&server.info.base_url).await;
    let chain = entries(&api).await;
    check_checkpoint(&got.body, &chain, &dev, &first_issuer, &keys);

    // Verification resumes from the stored checkpoint after the restart.
    log(&api, "after", 1).await;
    let next = checkpoint(&api).await;
    assert_eq!(next.status, 201, "{}", next.text);
    let chain = entries(&api).await;
    assert_eq!(chain.len(), 5);
    check_checkpoint(&next.body, &chain, &dev, &server.info.issuer, &keys);
    assert_eq!(server.terminate().code(), Some(0));
}

/// Edits the database of a stopped server behind the API's back: `sqlite` on the data dir's
/// file, or `postgres` on the data dir's PostgreSQL database when the suite runs on PostgreSQL.
fn tamper(data: &std::path::Path, sqlite: &str, postgres: &str) {
    match database_url_for(data) {
        None => {
            let c = rusqlite::Connection::open(data.join("grantex.db")).unwrap();
            c.execute_batch(sqlite).unwrap();
        }
        Some(url) => {
            let sql = postgres.to_string();
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                c.batch_execute(&sql).unwrap();
            })
            .join()
            .unwrap();
        }
    }
}

#[tokio::test]
async fn a_tampered_chain_is_never_signed() {
    let tmp = TempDir::new("ckpt-tamper");
    let data = tmp.path().join("data");
    let server = ChildServer::start(&data, &[], &[]);
    let (api, _) = signup(&server.info.base_url).await;
    let ids = log(&api, "t", 3).await;
    assert_eq!(server.terminate().code(), Some(0));

    // Someone with database access rewrites the middle entry.
    tamper(
        &data,
        &format!(
            "DROP TRIGGER audit_no_update;
             UPDATE audit_entries SET metadata = '{{\"i\":99}}' WHERE id = '{}';",
            ids[1]
        ),
        &format!(
            "DROP TRIGGER audit_no_change ON audit_entries;
             UPDATE audit_entries SET metadata = '{{\"i\":99}}' WHERE id = '{}';",
            ids[1]
        ),
    );
    let server = ChildServer::start(&data, &[], &[]);
    let api = Api::new(&server.info.base_url, api.key.as_deref());
    let r = checkpoint(&api).await;
    assert_envelope(&r, 500, "AUDIT_CHAIN_BROKEN");
    let message = r.body["message"].as_str().unwrap();
    assert!(
        message.contains(&ids[1]) && message.contains("content"),
        "{message}"
    );
    // The client-side verifier agrees on where it breaks.
    let report = verify_chain(&entries(&api).await);
    assert_eq!(report.first_broken_at.as_deref(), Some(ids[1].as_str()));
    // The operator sees it on stderr.
    let out = server.output();
    assert!(
        out.contains("fails verification") && out.contains(&ids[1]),
        "{out}"
    );
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test]
async fn truncating_a_checkpointed_chain_is_detected() {
    let tmp = TempDir::new("ckpt-truncate");
    let data = tmp.path().join("data");
    let server = ChildServer::start(&data, &[], &[]);
    let (api, _) = signup(&server.info.base_url).await;
    let ids = log(&api, "t", 3).await;
    let r = checkpoint(&api).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ckpt = r.body.clone();
    assert_eq!(ckpt["headEntryId"], ids[2].as_str());
    assert_eq!(server.terminate().code(), Some(0));

    // The newest (checkpointed) entry disappears; the rest of the chain is still consistent.
    // (The checkpoint's foreign key and the trigger both stand in the way: the attacker turns
    // both off.)
    tamper(
        &data,
        &format!(
            "PRAGMA foreign_keys = OFF;
             DROP TRIGGER audit_no_delete;
             DELETE FROM audit_entries WHERE id = '{}';",
            ids[2]
        ),
        &format!(
            "ALTER TABLE audit_checkpoints DROP CONSTRAINT audit_checkpoints_head_seq_fkey;
             DROP TRIGGER audit_no_change ON audit_entries;
             DELETE FROM audit_entries WHERE id = '{}';",
            ids[2]
        ),
    );
    let server = ChildServer::start(&data, &[], &[]);
    let api = Api::new(&server.info.base_url, api.key.as_deref());
    let remaining = entries(&api).await;
    assert_eq!(remaining.len(), 2);
    assert!(
        verify_chain(&remaining).valid,
        "a shortened chain verifies on its own"
    );
    // The stored checkpoint still names the lost head, and the server refuses to sign the
    // shortened chain.
    let id = ckpt["checkpointId"].as_str().unwrap();
    assert_eq!(
        api.get(&format!("/v1/audit/checkpoints/{id}")).await.body,
        ckpt
    );
    let r = checkpoint(&api).await;
    assert_envelope(&r, 500, "AUDIT_CHAIN_BROKEN");
    assert!(
        r.body["message"].as_str().unwrap().contains(&ids[2]),
        "{}",
        r.text
    );
    assert_eq!(server.terminate().code(), Some(0));
}
