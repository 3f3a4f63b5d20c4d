//! What a user of the Rust SDK reads when a call fails against this server: a wrong API key
//! says so, a missing header says that instead, and no message repeats a fragment.

mod common;

use common::*;
use grantex::types::Mode;

/// The key of a fresh developer with its last character changed: right shape, wrong key.
async fn near_miss_key() -> String {
    let (_, signup) = developer(shared(), Mode::Live).await;
    let mut key = signup.api_key;
    let last = key.pop().unwrap();
    key.push(if last == 'a' { 'b' } else { 'a' });
    key
}

#[tokio::test]
async fn a_wrong_api_key_reads_invalid_api_key() {
    let s = shared();
    let near_miss = near_miss_key().await;
    for key in [
        near_miss.as_str(),
        "wrong",
        "gx_live_not_a_key_at_all_0123456789",
    ] {
        let err = client(&s.base_url, key).me().await.unwrap_err();
        assert_eq!(err.code(), "auth_error", "{key}: {err}");
        let api = err.as_api().unwrap();
        assert_eq!(api.status, 401);
        assert_eq!(api.code.as_deref(), Some("UNAUTHORIZED"));
        assert_eq!(api.message, "Invalid API key", "{key}");
        let id = api.request_id.as_deref().expect("request id");
        assert_eq!(
            err.to_string(),
            format!("Invalid API key (HTTP 401, code UNAUTHORIZED, request id {id})")
        );
        assert!(
            !err.to_string().contains("Authorization header"),
            "a wrong key is not a header problem: {err}"
        );
    }
}

#[tokio::test]
async fn a_missing_or_malformed_header_has_its_own_message() {
    let s = shared();
    for auth in [
        None,
        Some("Basic abc".to_string()),
        Some("Bearer a b".into()),
    ] {
        let mut rb = http().get(format!("{}/v1/me", s.base_url));
        if let Some(a) = &auth {
            rb = rb.header("authorization", a);
        }
        let r = Api::finish(rb).await;
        assert_envelope(&r, 401, "UNAUTHORIZED");
        assert_eq!(
            r.body["message"], "Missing or invalid Authorization header",
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn api_errors_name_each_fragment_once() {
    let s = shared();
    let c = client(&s.base_url, &s.api_key);
    let err = c.agents().get("ag_does_not_exist").await.unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!((api.status, api.code.as_deref()), (404, Some("NOT_FOUND")));
    let text = err.to_string();
    assert_eq!(text.matches("HTTP 404").count(), 1, "{text}");
    assert_eq!(text.matches("NOT_FOUND").count(), 1, "{text}");
    assert!(
        text.starts_with(&format!("{} (HTTP 404", api.message)),
        "{text}"
    );
}
