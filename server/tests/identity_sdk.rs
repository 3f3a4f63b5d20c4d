//! The Rust SDK's `scim` and `sso` namespaces (issue 19 item 3) against the real server: typed
//! calls for SCIM tokens and users (a client keyed with the SCIM token), deprovisioning seen by
//! online verification, and the SSO management calls. The protocol details (filters, PATCH
//! paths, the compliance checker, the OIDC and SAML logins) are tested in `scim.rs`,
//! `sso_oidc.rs` and `saml.rs`.

mod common;

use common::{agent, client, code as code_of, developer, grant, shared, status, strings};
use grantex::types::{
    AuthorizeParams, CreateScimTokenParams, CreateScimUserParams, CreateSsoConnectionParams,
    ExchangeTokenParams, ListScimUsersParams, Mode, ScimEmail, ScimPatchOperation, ScimPatchParams,
    SsoEnforcementParams, UpdateSsoConnectionParams,
};
use serde_json::json;
use std::collections::BTreeMap;

#[tokio::test]
async fn scim_tokens_users_and_deprovisioning() {
    let s = shared();
    let (dev, _) = developer(s, Mode::Live).await;
    let created = dev
        .scim()
        .create_token(&CreateScimTokenParams {
            label: "rust-idp".into(),
        })
        .await
        .unwrap();
    assert!(created.token.len() >= 32, "{created:?}");
    let listed = dev.scim().list_tokens().await.unwrap();
    assert_eq!(listed.tokens.len(), 1);
    assert_eq!(listed.tokens[0].id, created.id);

    let idp = client(&s.base_url, &created.token);
    let alice = idp
        .scim()
        .create_user(&CreateScimUserParams {
            user_name: "alice@example.com".into(),
            display_name: Some("Alice".into()),
            emails: Some(vec![ScimEmail {
                value: "alice@example.com".into(),
                primary: true,
                kind: Some("work".into()),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(alice.active);
    assert_eq!(alice.meta.resource_type, "User");
    assert_eq!(alice.emails[0].kind.as_deref(), Some("work"));
    assert_eq!(idp.scim().get_user(&alice.id).await.unwrap(), alice);

    let bob = idp
        .scim()
        .create_user(&CreateScimUserParams {
            user_name: "bob@example.com".into(),
            active: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!bob.active);
    let dup = idp
        .scim()
        .create_user(&CreateScimUserParams {
            user_name: "ALICE@example.com".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(&dup), 409, "{dup:?}");
    let page = idp
        .scim()
        .list_users(&ListScimUsersParams {
            start_index: Some(1),
            count: Some(1),
        })
        .await
        .unwrap();
    assert_eq!((page.total_results, page.items_per_page), (2, 1));
    assert_eq!(page.resources[0].id, alice.id);

    let a = agent(&dev, "scim-rust", &["calendar:read"]).await;
    let tok = grant(&dev, &a.agent_id, &alice.id, &["calendar:read"]).await;
    assert!(dev.tokens().verify(&tok.grant_token).await.unwrap().valid);
    // Consented before the deactivation, exchanged after it: refused.
    let pending = dev
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: alice.id.clone(),
            scopes: strings(&["calendar:read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let code = dev
        .consent()
        .approve(&pending.auth_request_id)
        .await
        .unwrap()
        .code;
    let off = idp
        .scim()
        .update_user(
            &alice.id,
            &ScimPatchParams {
                operations: vec![ScimPatchOperation {
                    op: "replace".into(),
                    path: Some("active".into()),
                    value: Some(json!(false)),
                }],
            },
        )
        .await
        .unwrap();
    assert!(!off.active);
    assert!(
        !dev.tokens().verify(&tok.grant_token).await.unwrap().valid,
        "deprovisioning revokes in the same request"
    );
    let late = dev
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: a.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status(&late), code_of(&late).as_str()),
        (403, "PRINCIPAL_DEPROVISIONED")
    );
    let again = dev
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: alice.id.clone(),
            scopes: strings(&["calendar:read"]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(
        (status(&again), code_of(&again).as_str()),
        (403, "PRINCIPAL_DEPROVISIONED")
    );

    idp.scim().delete_user(&bob.id).await.unwrap();
    assert_eq!(
        status(&idp.scim().get_user(&bob.id).await.unwrap_err()),
        404
    );
    let wrong_key = dev
        .scim()
        .list_users(&ListScimUsersParams::default())
        .await
        .unwrap_err();
    assert_eq!(status(&wrong_key), 401);
    dev.scim().revoke_token(&created.id).await.unwrap();
    assert_eq!(
        status(&idp.scim().get_user(&alice.id).await.unwrap_err()),
        401
    );
}

#[tokio::test]
async fn sso_connection_management() {
    let s = shared();
    let (dev, signup) = developer(s, Mode::Live).await;
    let conn = dev
        .sso()
        .create_connection(&CreateSsoConnectionParams {
            name: "Rust Okta".into(),
            protocol: "oidc".into(),
            issuer_url: Some("https://idp.invalid".into()),
            client_id: Some("rust-rp".into()),
            client_secret: Some("rust-rp-secret".into()),
            domains: Some(vec!["example.com".into()]),
            group_mappings: Some(BTreeMap::from([(
                "admins".to_string(),
                vec!["calendar:write".to_string()],
            )])),
            default_scopes: Some(vec!["calendar:read".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(conn.developer_id, signup.developer_id);
    assert_eq!(conn.group_mappings["admins"], vec!["calendar:write"]);
    let got = dev.sso().get_connection(&conn.id).await.unwrap();
    assert_eq!(got.client_id.as_deref(), Some("rust-rp"));
    assert_eq!(
        dev.sso()
            .list_connections()
            .await
            .unwrap()
            .connections
            .len(),
        1
    );
    let renamed = dev
        .sso()
        .update_connection(
            &conn.id,
            &UpdateSsoConnectionParams {
                name: Some("Rust Okta 2".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Rust Okta 2");
    // An IdP that does not resolve: 422 with `success: false` and the reason, as the reference.
    let tested = dev.sso().test_connection(&conn.id).await.unwrap_err();
    assert_eq!(status(&tested), 422, "{tested:?}");
    for on in [true, false] {
        let e = dev
            .sso()
            .set_enforcement(&SsoEnforcementParams { enforce: on })
            .await
            .unwrap();
        assert_eq!(e.enforce, on);
    }
    assert!(dev.sso().list_sessions().await.unwrap().sessions.is_empty());
    let missing = dev
        .sso()
        .create_connection(&CreateSsoConnectionParams {
            name: "x".into(),
            protocol: "oidc".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(&missing), 400);
    dev.sso().delete_connection(&conn.id).await.unwrap();
    assert_eq!(
        status(&dev.sso().get_connection(&conn.id).await.unwrap_err()),
        404
    );
}
