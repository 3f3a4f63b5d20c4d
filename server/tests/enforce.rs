//! `GET /v1/revocations/status` and the core's `Enforcer` against the real server: what an
//! SDK's `enforce` sees for a live, revoked, cascaded, suspended or foreign grant.

mod common;

use common::*;
use grantex::enforce::{denial, EnforceCall, EnforceConfig, Enforcer};
use grantex::types::*;

async fn status(
    c: &grantex::Client,
    grant_id: Option<&str>,
    jti: Option<&str>,
) -> RevocationStatus {
    c.revocations()
        .status(&RevocationStatusParams {
            grant_id: grant_id.map(str::to_string),
            jti: jti.map(str::to_string),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn revocation_status_follows_every_way_a_grant_stops() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let (other, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "parent", &["tool:crm:write"]).await;
    let sub = agent(&c, "child", &["tool:crm:write"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["tool:crm:write"]).await;
    let gid = claims(&t.grant_token)["grnt"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| {
            claims(&t.grant_token)["urn:grantex:grant"]["grant_id"]
                .as_str()
                .unwrap()
                .to_string()
        });
    let jti = jti(&t.grant_token);

    let live = status(&c, Some(&gid), None).await;
    assert_eq!((live.status.as_str(), live.revoked), ("active", false));
    assert_eq!(live.grant_id.as_deref(), Some(gid.as_str()));
    assert!(live.expires_at.is_some() && live.checked_at.is_some());
    let by_jti = status(&c, None, Some(&jti)).await;
    assert_eq!(
        (by_jti.status.as_str(), by_jti.grant_id.as_deref()),
        ("active", Some(gid.as_str()))
    );
    // A token of another grant, another developer's grant, an unknown id: unknown, revoked.
    assert_eq!(
        status(&c, Some("grnt_nope"), Some(&jti)).await.status,
        "unknown"
    );
    let foreign = status(&other, Some(&gid), None).await;
    assert_eq!(
        (foreign.status.as_str(), foreign.revoked),
        ("unknown", true)
    );
    assert_eq!(
        status(&c, Some("grnt_missing"), None).await.status,
        "unknown"
    );
    // Neither parameter, or an oversized one: 400.
    let e = c
        .revocations()
        .status(&RevocationStatusParams::default())
        .await
        .unwrap_err();
    assert_eq!(common::status(&e), 400);
    let e = c
        .revocations()
        .status(&RevocationStatusParams {
            grant_id: Some("g".repeat(300)),
            jti: None,
        })
        .await
        .unwrap_err();
    assert_eq!(common::status(&e), 400);

    // Suspending the agent suspends (reversibly); reactivating restores.
    c.agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                status: Some("suspended".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(status(&c, Some(&gid), None).await.status, "suspended");
    c.agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                status: Some("active".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(status(&c, Some(&gid), None).await.status, "active");

    // A delegated grant; revoking the parent cascades to it.
    let child = c
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t.grant_token.clone(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: strings(&["tool:crm:write"]),
            expires_in: None,
        })
        .await
        .unwrap();
    assert_eq!(
        status(&c, Some(&child.grant_id), None).await.status,
        "active"
    );
    c.grants().revoke(&gid).await.unwrap();
    let gone = status(&c, Some(&gid), Some(&jti)).await;
    assert_eq!((gone.status.as_str(), gone.revoked), ("revoked", true));
    assert_eq!(
        status(&c, Some(&child.grant_id), None).await.status,
        "revoked"
    );

    // Revoking one token revokes that token only.
    let t2 = grant(&c, &a.agent_id, "bob", &["tool:crm:write"]).await;
    c.tokens().revoke(&jti_of(&t2.grant_token)).await.unwrap();
    assert_eq!(
        status(&c, None, Some(&jti_of(&t2.grant_token)))
            .await
            .status,
        "revoked"
    );
}

fn jti_of(token: &str) -> String {
    jti(token)
}

fn call(token: &str, tool: &str) -> EnforceCall {
    EnforceCall {
        grant_token: token.into(),
        connector: "crm".into(),
        tool: tool.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn enforce_decides_against_the_live_server_and_sees_revocation_online() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "crm agent", &["tool:crm:write", "calendar:read"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["tool:crm:write"]).await;
    let online = Enforcer::new(
        c.clone(),
        EnforceConfig {
            revocation_check: "online".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let offline = Enforcer::new(c.clone(), EnforceConfig::default()).unwrap();
    for e in [&online, &offline] {
        e.load_manifest(grantex::enforce::prebuilt::prebuilt("crm").unwrap());
    }

    let ok = online
        .enforce(&call(&t.grant_token, "create_contact"))
        .await
        .unwrap();
    assert!(ok.allowed, "{ok:?}");
    assert_eq!(
        (ok.permission.as_str(), ok.reason_code.as_str()),
        ("write", "")
    );
    assert_eq!(ok.grant.as_ref().unwrap().principal_id, "alice");
    let low = online
        .enforce(&call(&t.grant_token, "delete_contact"))
        .await
        .unwrap();
    assert_eq!(
        (low.allowed, low.reason_code.as_str()),
        (false, denial::PERMISSION_INSUFFICIENT)
    );
    assert_eq!(
        low.reason,
        "write scope does not permit delete operations on crm."
    );
    let unknown = online
        .enforce(&call(&t.grant_token, "launch_rocket"))
        .await
        .unwrap();
    assert_eq!(
        (unknown.reason_code.as_str(), unknown.sub_reason.as_str()),
        (denial::MANIFEST_UNKNOWN_TOOL, denial::UNKNOWN_TOOL)
    );
    let mut mail = call(&t.grant_token, "send_message");
    mail.connector = "mail".into();
    let r = online.enforce(&mail).await.unwrap();
    assert_eq!(r.sub_reason, denial::UNKNOWN_CONNECTOR);
    let tampered = format!("{}x", t.grant_token);
    let r = online
        .enforce(&call(&tampered, "create_contact"))
        .await
        .unwrap();
    assert_eq!(r.reason_code, denial::TOKEN_INVALID);
    assert!(
        r.reason.starts_with("Token verification failed: "),
        "{}",
        r.reason
    );

    // A per-call mode may tighten, never loosen.
    let mut loose = call(&t.grant_token, "create_contact");
    loose.revocation_check = Some("offline".into());
    assert!(online
        .enforce(&loose)
        .await
        .unwrap_err()
        .to_string()
        .contains("cannot loosen"));

    // Revoked: online sees it at once; offline does not (by design) until expiry.
    let gid = ok.grant_id.clone();
    c.grants().revoke(&gid).await.unwrap();
    let r = online
        .enforce(&call(&t.grant_token, "create_contact"))
        .await
        .unwrap();
    assert_eq!(
        (r.allowed, r.reason_code.as_str(), r.sub_reason.as_str()),
        (false, denial::GRANT_REVOKED, denial::REVOKED)
    );
    assert_eq!(r.reason, "This grant is revoked.");
    let mut strict = call(&t.grant_token, "create_contact");
    strict.revocation_check = Some("online".into());
    let r = offline.enforce(&strict).await.unwrap();
    assert_eq!(r.reason_code, denial::GRANT_REVOKED);
    assert!(
        offline
            .enforce(&call(&t.grant_token, "create_contact"))
            .await
            .unwrap()
            .allowed
    );

    // The status endpoint unreachable: denied, not allowed.
    let dead = grantex::Client::new(grantex::ClientConfig {
        api_key: Some("gx_test_x".into()),
        base_url: Some("http://127.0.0.1:9".into()),
        max_retries: Some(0),
        ..Default::default()
    })
    .unwrap();
    let e = Enforcer::new(
        dead,
        EnforceConfig {
            revocation_check: "online".into(),
            jwks_uri: Some(s.jwks_uri.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    e.load_manifest(grantex::enforce::prebuilt::prebuilt("crm").unwrap());
    let t2 = grant(&c, &a.agent_id, "bob", &["tool:crm:write"]).await;
    let r = e
        .enforce(&call(&t2.grant_token, "create_contact"))
        .await
        .unwrap();
    assert_eq!(
        (r.reason_code.as_str(), r.sub_reason.as_str()),
        (denial::GRANT_REVOKED, denial::STATUS_UNAVAILABLE)
    );
}
