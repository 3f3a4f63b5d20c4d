//! The agent's HTTP/JSON-RPC surface with a static key set (no Grantex server): malformed
//! requests, unknown methods, bad params, header edge cases, task ownership.

use grantex::a2a::{A2APolicy, JwksSource};
use grantex::sign::RsaSigner;
use grantex::types::JwkSet;
use grantex_a2a_agent::{start, RunningAgent, MAX_BODY_BYTES};
use serde_json::{json, Value};
use std::sync::OnceLock;

const ISSUER: &str = "https://issuer.test";

fn signer() -> &'static RsaSigner {
    static S: OnceLock<RsaSigner> = OnceLock::new();
    S.get_or_init(|| RsaSigner::generate("k1").unwrap())
}

fn token(principal: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    signer()
        .sign_claims(&json!({
            "iss": ISSUER, "sub": principal, "agt": "did:grantex:ag_X", "dev": "dev_1",
            "scp": ["tasks:send"], "jti": format!("tok_{principal}"), "grnt": "grnt_X",
            "iat": now - 5, "exp": now + 600
        }))
        .unwrap()
}

async fn agent() -> RunningAgent {
    let jwks = serde_json::to_string(&JwkSet {
        keys: vec![signer().public_jwk()],
    })
    .unwrap();
    let policy = A2APolicy::new(JwksSource::Json(jwks)).issuer(ISSUER);
    start("127.0.0.1:0".parse().unwrap(), "rpc", None, policy)
        .await
        .unwrap()
}

async fn post(a: &RunningAgent, auth: &[String], body: impl Into<String>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(&a.url)
        .header("content-type", "application/json")
        .body(body.into());
    for h in auth {
        req = req.header("authorization", h);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn bearer(principal: &str) -> Vec<String> {
    vec![format!("Bearer {}", token(principal))]
}

#[tokio::test]
async fn malformed_requests_get_jsonrpc_errors() {
    let a = agent().await;
    let alice = bearer("alice");
    let cases: Vec<(String, u16, i64)> = vec![
        ("{".into(), 400, -32700),
        ("[]".into(), 400, -32600),
        (r#"{"jsonrpc":"2.0","method":"tasks/get","params":{"id":"x"}}"#.into(), 400, -32600),
        (r#"{"jsonrpc":"1.0","id":1,"method":"tasks/get","params":{"id":"x"}}"#.into(), 400, -32600),
        (r#"{"jsonrpc":"2.0","id":1,"method":"tasks/frobnicate"}"#.into(), 200, -32601),
        (r#"{"jsonrpc":"2.0","id":1,"method":"tasks/send","params":{}}"#.into(), 200, -32602),
        (r#"{"jsonrpc":"2.0","id":1,"method":"tasks/send","params":{"message":{"role":"user","parts":[]}}}"#.into(), 200, -32602),
        (r#"{"jsonrpc":"2.0","id":1,"method":"tasks/send","params":{"message":{"role":"user","parts":[{"type":"video"}]}}}"#.into(), 200, -32602),
        (r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get"}"#.into(), 200, -32602),
        (r#"{"jsonrpc":"2.0","id":1,"method":"tasks/get","params":{"id":"none"}}"#.into(), 200, -32010),
    ];
    for (body, status, code) in cases {
        let (s, v) = post(&a, &alice, body.clone()).await;
        assert_eq!(
            (s, v["error"]["code"].as_i64()),
            (status, Some(code)),
            "{body}: {v}"
        );
        assert_eq!(v["jsonrpc"], "2.0");
    }
    let huge = format!(r#"{{"pad":"{}"}}"#, "a".repeat(MAX_BODY_BYTES));
    let (s, v) = post(&a, &alice, huge).await;
    assert_eq!((s, v["error"]["code"].as_i64()), (413, Some(-32600)));
}

#[tokio::test]
async fn authorization_header_edge_cases() {
    let a = agent().await;
    let body = r#"{"jsonrpc":"2.0","id":"req-9","method":"tasks/get","params":{"id":"x"}}"#;
    let t = token("alice");
    for auth in [
        vec![format!("Bearer {t}"), format!("Bearer {t}")],
        vec![format!("Bearer  {t}")],
        vec![format!("bearer {t} {t}")],
    ] {
        let (s, v) = post(&a, &auth, body).await;
        assert_eq!(s, 401, "{auth:?}");
        assert_eq!(v["error"]["data"]["reason"], "invalid_authorization_header");
        assert_eq!(v["id"], "req-9", "the request id is echoed");
    }
    let (s, v) = post(&a, &[format!("bEaReR {t}")], body).await;
    assert_eq!((s, v["error"]["code"].as_i64()), (200, Some(-32010)));
    let (s, v) = post(&a, &[], "garbage").await;
    assert_eq!((s, v["id"].clone()), (401, Value::Null));
}

#[tokio::test]
async fn tasks_belong_to_their_principal() {
    let a = agent().await;
    let send = json!({"jsonrpc":"2.0","id":1,"method":"tasks/send","params":{
        "id":"shared-id","message":{"role":"user","parts":[
            {"type":"text","text":"one"},{"type":"data","data":{"k":1}},{"type":"text","text":"two"}]}}});
    let (s, v) = post(&a, &bearer("alice"), send.to_string()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["result"]["artifacts"][0]["parts"],
        json!([{"type":"text","text":"one"},{"type":"text","text":"two"}])
    );
    assert_eq!(v["result"]["status"]["state"], "completed");
    assert!(v["result"]["status"]["timestamp"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    let get = json!({"jsonrpc":"2.0","id":2,"method":"tasks/get","params":{"id":"shared-id"}});
    let (_, v) = post(&a, &bearer("bob"), get.to_string()).await;
    assert_eq!(v["error"]["code"], -32010, "bob cannot read alice's task");
    let (_, v) = post(&a, &bearer("bob"), send.to_string()).await;
    assert_eq!(v["error"]["code"], -32010, "nor write to it");
    let (_, v) = post(&a, &bearer("alice"), get.to_string()).await;
    assert_eq!(v["result"]["history"].as_array().unwrap().len(), 2);
    assert_eq!(a.agent.tasks.len(), 1);
}
