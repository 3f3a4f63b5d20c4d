//! The OAuth 2.1 authorization server for MCP clients, over raw HTTP as a client would speak
//! it: metadata, dynamic registration and its policy, the authorization endpoint's refusals
//! (PKCE, redirect URI, resource, scope), the login + consent step, the token endpoint (single-use
//! codes, expiry, rotating refresh tokens with reuse detection), and the management API.

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

const REDIRECT: &str = "http://127.0.0.1:7777/callback";

fn pkce() -> (String, String) {
    let verifier = format!("v{}", "x".repeat(50));
    let challenge = grantex::pkce::challenge_for(&verifier);
    (verifier, challenge)
}

async fn register_client(base: &str, redirect: &str, token: Option<&str>) -> Resp {
    let mut rb = http().post(format!("{base}/oauth/register")).json(&json!({
        "client_name": "Test MCP client",
        "redirect_uris": [redirect],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
    }));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    Api::finish(rb).await
}

fn authorize_url(base: &str, client_id: &str, resource: &str, extra: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(&format!("{base}/oauth/authorize")).unwrap();
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("client_id", client_id)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("response_type", "code")
            .append_pair("resource", resource)
            .append_pair("state", "st-1");
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    u.into()
}

async fn token(base: &str, form: &[(&str, &str)]) -> Resp {
    Api::finish(http().post(format!("{base}/oauth/token")).form(form)).await
}

struct Setup {
    base: String,
    dev: grantex::Client,
    resource: String,
}

async fn setup(tag: &str) -> Setup {
    let s = shared();
    let (dev, _) = developer(s, Mode::Live).await;
    let resource = format!(
        "http://127.0.0.1:9/{tag}-{}/mcp",
        grantex_server::time::now_ms()
    );
    let server = dev
        .mcp()
        .register_server(&RegisterMcpServerParams {
            name: "Calendar tools".into(),
            resource_url: resource.clone(),
            scopes: strings(&["calendar:read", "calendar:write"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(server.authorization_server, s.base_url);
    Setup {
        base: s.base_url.clone(),
        dev,
        resource,
    }
}

/// Authorize → login binding → consent page → approve: the code and the redirect's query.
async fn consent(
    s: &Setup,
    client_id: &str,
    challenge: &str,
    scope: &str,
) -> HashMap<String, String> {
    let mut b = Browser::new();
    let p = b
        .get(&authorize_url(
            &s.base,
            client_id,
            &s.resource,
            &[
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
                ("scope", scope),
            ],
        ))
        .await;
    assert_eq!(p.status, 303, "{}", p.text);
    let consent_url = p.location.unwrap();
    let areq = query(&consent_url)["req"].clone();
    // Nobody signed in, and this server has no login page: refused.
    let p = b.get(&consent_url).await;
    assert_eq!(p.status, 403, "{}", p.text);
    // The client cannot answer for the human through the JSON API.
    let r = Api::new(&s.base, None)
        .post(&format!("/v1/consent/{areq}/approve"), json!({}))
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    let bound = s
        .dev
        .mcp()
        .bind_principal(
            &areq,
            &BindMcpPrincipalParams {
                principal_id: "alice".into(),
            },
        )
        .await
        .unwrap();
    // A second binding of the same request is refused.
    let again = s
        .dev
        .mcp()
        .bind_principal(
            &areq,
            &BindMcpPrincipalParams {
                principal_id: "mallory".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(&again), 404);
    // Another browser with the request id alone cannot open the page.
    let p = Browser::new().get(&consent_url).await;
    assert_eq!(p.status, 403, "{}", p.text);
    let p = b.get(&bound.consent_url).await;
    assert_eq!(p.status, 303, "{}", p.text);
    // The link's secret is spent: a copy of it opens nothing elsewhere.
    let copy = Browser::new().get(&bound.consent_url).await;
    assert_eq!(copy.status, 403, "{}", copy.text);
    let p = b.get(&p.location.unwrap()).await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert!(p.text.contains("Test MCP client"), "{}", p.text);
    let csrf = p
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let p = b
        .post_form(
            &format!("{}/consent/{areq}/approve", s.base),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text);
    let back = p.location.unwrap();
    assert!(back.starts_with(REDIRECT), "{back}");
    query(&back)
}

async fn new_client(s: &Setup) -> String {
    let r = register_client(&s.base, REDIRECT, None).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body.get("client_secret").is_none());
    r.body["client_id"].as_str().unwrap().to_string()
}

async fn active(s: &Setup, token: &str) -> bool {
    s.dev
        .tokens()
        .verify(token)
        .await
        .map(|v| v.valid)
        .unwrap_or(false)
}

#[tokio::test]
async fn metadata_and_the_whole_flow_with_refresh_rotation() {
    let s = setup("flow").await;
    let r = Api::new(&s.base, None)
        .get("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["issuer"], json!(s.base));
    assert_eq!(r.body["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(r.body["response_types_supported"], json!(["code"]));
    assert_eq!(
        r.body["registration_endpoint"],
        json!(format!("{}/oauth/register", s.base))
    );
    assert!(!r.body["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("implicit")));

    let client_id = new_client(&s).await;
    let (verifier, challenge) = pkce();
    let q = consent(&s, &client_id, &challenge, "calendar:read").await;
    assert_eq!(q["state"], "st-1");
    assert_eq!(q["iss"], s.base);
    let code = q["code"].clone();

    // A wrong verifier is refused (and the code stays usable for the right one).
    let r = token(
        &s.base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client_id),
            ("code_verifier", &format!("w{}", "y".repeat(50))),
        ],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error"], "invalid_grant");
    // Another redirect URI is refused.
    let r = token(
        &s.base,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:7777/other"),
            ("client_id", &client_id),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(r.body["error"], "invalid_grant", "{}", r.text);
    let exchange = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", client_id.as_str()),
        ("code_verifier", verifier.as_str()),
        ("resource", s.resource.as_str()),
    ];
    let r = token(&s.base, &exchange).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["scope"], "calendar:read");
    // Short access tokens; the grant (30 days) lives on through the refresh token.
    let expires_in = r.body["expires_in"].as_i64().unwrap();
    assert!((3590..=3600).contains(&expires_in), "{expires_in}");
    let access = r.body["access_token"].as_str().unwrap().to_string();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_string();
    let c = claims(&access);
    assert_eq!(c["aud"], json!(s.resource));
    assert_eq!(c["sub"], "alice");
    assert_eq!(c["scp"], json!(["calendar:read"]));
    assert!(active(&s, &access).await);

    // Refresh rotates; the old refresh token used again revokes the whole family.
    let r = token(
        &s.base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let access2 = r.body["access_token"].as_str().unwrap().to_string();
    let refresh2 = r.body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(refresh2, refresh);
    assert_eq!(claims(&access2)["aud"], json!(s.resource));
    // Another client cannot use it.
    let other = new_client(&s).await;
    let r = token(
        &s.base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
            ("client_id", &other),
        ],
    )
    .await;
    assert_eq!(r.body["error"], "invalid_grant", "{}", r.text);
    assert!(active(&s, &access2).await);
    let r = token(
        &s.base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error"], "invalid_grant");
    assert!(!active(&s, &access2).await, "reuse revokes the family");
    let r = token(
        &s.base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh2),
            ("client_id", &client_id),
        ],
    )
    .await;
    assert_eq!(r.body["error"], "invalid_grant", "{}", r.text);

    // The client shows up in the developer's list, with its agent.
    let list = s.dev.mcp().list_clients().await.unwrap();
    let mine = list
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .expect("listed");
    assert_eq!(mine.registered_by, "dynamic");
    assert_eq!(
        c["agt"],
        json!(format!("did:grantex:{}", mine.agent_id.clone().unwrap()))
    );
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_it_issued() {
    let s = setup("reuse").await;
    let client_id = new_client(&s).await;
    let (verifier, challenge) = pkce();
    let q = consent(&s, &client_id, &challenge, "calendar:read calendar:write").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", q["code"].as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", client_id.as_str()),
        ("code_verifier", verifier.as_str()),
    ];
    let r = token(&s.base, &form).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["scope"], "calendar:read calendar:write");
    let access = r.body["access_token"].as_str().unwrap().to_string();
    let r = token(&s.base, &form).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_grant");
    assert!(!active(&s, &access).await);
    // A code is bound to its client.
    let other = new_client(&s).await;
    let (verifier, challenge) = pkce();
    let q = consent(&s, &client_id, &challenge, "calendar:read").await;
    let r = token(
        &s.base,
        &[
            ("grant_type", "authorization_code"),
            ("code", q["code"].as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", other.as_str()),
            ("code_verifier", verifier.as_str()),
        ],
    )
    .await;
    assert_eq!(r.body["error"], "invalid_grant", "{}", r.text);
}

#[tokio::test]
async fn the_authorization_endpoint_refuses_what_oauth_2_1_forbids() {
    let s = setup("refusals").await;
    let client_id = new_client(&s).await;
    let (_, challenge) = pkce();
    let mut b = Browser::new();
    let expect_error = |p: &Page, error: &str| {
        assert_eq!(p.status, 303, "{}", p.text);
        let q = query(p.location.as_deref().unwrap());
        assert_eq!(q["error"], error, "{q:?}");
        assert_eq!(q["state"], "st-1");
        assert_eq!(q["iss"], s.base);
    };
    // No PKCE, plain PKCE, a missing method.
    let p = b
        .get(&authorize_url(&s.base, &client_id, &s.resource, &[]))
        .await;
    expect_error(&p, "invalid_request");
    let p = b
        .get(&authorize_url(
            &s.base,
            &client_id,
            &s.resource,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "plain"),
            ],
        ))
        .await;
    expect_error(&p, "invalid_request");
    let p = b
        .get(&authorize_url(
            &s.base,
            &client_id,
            &s.resource,
            &[("code_challenge", &challenge)],
        ))
        .await;
    expect_error(&p, "invalid_request");
    let good = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    // An unknown resource, a scope the server does not offer, the implicit flow.
    let p = b
        .get(&authorize_url(
            &s.base,
            &client_id,
            "http://127.0.0.1:9/nothing",
            &good,
        ))
        .await;
    expect_error(&p, "invalid_target");
    let mut scoped = good.to_vec();
    scoped.push(("scope", "calendar:admin"));
    let p = b
        .get(&authorize_url(&s.base, &client_id, &s.resource, &scoped))
        .await;
    expect_error(&p, "invalid_scope");
    let url = authorize_url(&s.base, &client_id, &s.resource, &good)
        .replace("response_type=code", "response_type=token");
    expect_error(&b.get(&url).await, "unsupported_response_type");
    // A redirect URI that is not registered (even a prefix match): an error page, no redirect.
    let url = authorize_url(&s.base, &client_id, &s.resource, &good).replace(
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A7777%2Fcallback",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A7777%2Fcallback%2Fx",
    );
    let p = b.get(&url).await;
    assert_eq!(p.status, 400, "{}", p.text);
    assert!(p.location.is_none());
    // An unknown client: an error page.
    let p = b
        .get(&authorize_url(&s.base, "mcc_unknown", &s.resource, &good))
        .await;
    assert_eq!(p.status, 400);
    assert!(p.location.is_none());
    // A repeated parameter.
    let url = format!(
        "{}&state=again",
        authorize_url(&s.base, &client_id, &s.resource, &good)
    );
    let p = b.get(&url).await;
    assert_eq!(p.status, 400, "{}", p.text);
}

#[tokio::test]
async fn registration_refuses_bad_metadata() {
    let base = &shared().base_url;
    for (uri, why) in [
        ("http://evil.example/cb", "http off loopback"),
        ("https://app.example/cb#frag", "fragment"),
        ("not a url", "not absolute"),
        ("https://user:pw@app.example/cb", "credentials"),
    ] {
        let r = register_client(base, uri, None).await;
        assert_eq!(r.status, 400, "{why}: {}", r.text);
        assert_eq!(r.body["error"], "invalid_redirect_uri", "{why}");
    }
    let r = Api::finish(
        http()
            .post(format!("{base}/oauth/register"))
            .json(&json!({ "client_name": "x" })),
    )
    .await;
    assert_eq!(r.body["error"], "invalid_redirect_uri");
    let r = Api::finish(http().post(format!("{base}/oauth/register")).json(&json!({
        "redirect_uris": [REDIRECT], "grant_types": ["implicit"]
    })))
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_client_metadata");
    let r = Api::finish(http().post(format!("{base}/oauth/register")).json(&json!({
        "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"
    })))
    .await;
    assert_eq!(r.body["error"], "invalid_client_metadata");
    // A confidential client gets a secret, and must use it.
    let r = Api::finish(http().post(format!("{base}/oauth/register")).json(&json!({
        "redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_post"
    })))
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["client_id"].as_str().unwrap();
    let secret = r.body["client_secret"].as_str().unwrap();
    let bad = token(
        base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "ref_x"),
            ("client_id", id),
        ],
    )
    .await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.body["error"], "invalid_client");
    let wrong = token(
        base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "ref_x"),
            ("client_id", id),
            ("client_secret", "nope"),
        ],
    )
    .await;
    assert_eq!(wrong.body["error"], "invalid_client");
    let right = token(
        base,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "ref_x"),
            ("client_id", id),
            ("client_secret", secret),
        ],
    )
    .await;
    assert_eq!(right.body["error"], "invalid_grant", "{}", right.text);
}

#[tokio::test]
async fn registration_policy_open_token_and_off() {
    let s = setup("policy").await;
    let (_, challenge) = pkce();
    let good = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let settings = s.dev.mcp().get_settings().await.unwrap();
    assert_eq!(settings.registration_policy, "open");
    let open_client = new_client(&s).await;

    let t = s
        .dev
        .mcp()
        .update_settings(&UpdateMcpSettingsParams {
            registration_policy: "token".into(),
            rotate_registration_token: None,
        })
        .await
        .unwrap();
    let reg_token = t.registration_token.expect("issued once");
    assert!(t.registration_token_set);
    assert!(s
        .dev
        .mcp()
        .get_settings()
        .await
        .unwrap()
        .registration_token
        .is_none());
    // An openly registered client is now refused for this developer's servers...
    let mut b = Browser::new();
    let p = b
        .get(&authorize_url(&s.base, &open_client, &s.resource, &good))
        .await;
    assert_eq!(
        query(p.location.as_deref().unwrap())["error"],
        "unauthorized_client"
    );
    // ...a client registered with the token is the developer's and accepted...
    let r = register_client(&s.base, REDIRECT, Some(&reg_token)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let bound = r.body["client_id"].as_str().unwrap().to_string();
    let p = b
        .get(&authorize_url(&s.base, &bound, &s.resource, &good))
        .await;
    assert!(p.location.unwrap().contains("/consent?req="));
    // ...and a wrong token is refused at registration.
    let r = register_client(&s.base, REDIRECT, Some("mcpreg_wrong")).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.body["error"], "invalid_token");

    s.dev
        .mcp()
        .update_settings(&UpdateMcpSettingsParams {
            registration_policy: "off".into(),
            rotate_registration_token: None,
        })
        .await
        .unwrap();
    // The token no longer registers; a client the developer registers through the API works.
    let r = register_client(&s.base, REDIRECT, Some(&reg_token)).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let api_client = s
        .dev
        .mcp()
        .register_client(&RegisterOAuthClientParams {
            client_name: "Desktop app".into(),
            redirect_uris: vec![REDIRECT.into()],
            token_endpoint_auth_method: None,
        })
        .await
        .unwrap();
    assert_eq!(api_client.registered_by, "api");
    assert!(api_client.client_secret.is_none());
    let p = b
        .get(&authorize_url(
            &s.base,
            &api_client.client_id,
            &s.resource,
            &good,
        ))
        .await;
    assert!(p.location.unwrap().contains("/consent?req="));
    let got = s.dev.mcp().get_client(&api_client.client_id).await.unwrap();
    assert_eq!(got.client_name, "Desktop app");
    s.dev
        .mcp()
        .delete_client(&api_client.client_id)
        .await
        .unwrap();
    let e = s
        .dev
        .mcp()
        .get_client(&api_client.client_id)
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);
    let e = s
        .dev
        .mcp()
        .update_settings(&UpdateMcpSettingsParams {
            registration_policy: "sometimes".into(),
            rotate_registration_token: None,
        })
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
}

#[tokio::test]
async fn servers_crud_and_isolation() {
    let s = setup("crud").await;
    let (other, _) = developer(shared(), Mode::Live).await;
    let list = s.dev.mcp().list_servers().await.unwrap();
    assert_eq!(list.servers.len(), 1);
    let id = list.servers[0].id.clone();
    assert_eq!(list.servers[0].grant_ttl, "30d");
    assert_eq!(
        s.dev.mcp().get_server(&id).await.unwrap().resource_url,
        s.resource
    );
    assert_eq!(status(&other.mcp().get_server(&id).await.unwrap_err()), 404);
    // A resource is one developer's.
    let e = other
        .mcp()
        .register_server(&RegisterMcpServerParams {
            name: "Squatter".into(),
            resource_url: s.resource.clone(),
            scopes: strings(&["x"]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(&e), 409);
    for (url, scopes) in [
        ("http://tools.example/mcp", vec!["a"]),
        ("https://tools.example/mcp#x", vec!["a"]),
        ("https://tools.example/mcp", vec![]),
    ] {
        let e = other
            .mcp()
            .register_server(&RegisterMcpServerParams {
                name: "Bad".into(),
                resource_url: url.into(),
                scopes: strings(&scopes),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status(&e), 400, "{url}");
    }
    assert_eq!(
        status(&other.mcp().delete_server(&id).await.unwrap_err()),
        404
    );
    s.dev.mcp().delete_server(&id).await.unwrap();
    assert!(s.dev.mcp().list_servers().await.unwrap().servers.is_empty());
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let dir = TempDir::new("mcp-code-ttl");
    let srv = ChildServer::start(dir.path(), &["--code-ttl-secs", "1"], &[]);
    let base = srv.info.base_url.clone();
    let signup = grantex::Client::signup(
        Some(&base),
        &SignupParams {
            name: "ttl".into(),
            email: None,
            mode: Some(Mode::Live),
        },
    )
    .await
    .unwrap();
    let dev = client(&base, &signup.api_key);
    let resource = "http://127.0.0.1:9/ttl/mcp".to_string();
    dev.mcp()
        .register_server(&RegisterMcpServerParams {
            name: "TTL".into(),
            resource_url: resource.clone(),
            scopes: strings(&["t"]),
            ..Default::default()
        })
        .await
        .unwrap();
    let s = Setup {
        base: base.clone(),
        dev,
        resource,
    };
    let client_id = new_client(&s).await;
    let (verifier, challenge) = pkce();
    let q = consent(&s, &client_id, &challenge, "t").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let r = token(
        &base,
        &[
            ("grant_type", "authorization_code"),
            ("code", q["code"].as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", client_id.as_str()),
            ("code_verifier", verifier.as_str()),
        ],
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["error"], "invalid_grant");
    let _: Value = r.body;
}

#[tokio::test]
async fn a_deny_policy_refuses_at_the_login_binding() {
    let s = setup("policy-deny").await;
    s.dev
        .policies()
        .create(&CreatePolicyParams {
            name: "no mallory".into(),
            effect: "deny".into(),
            principal_id: Some("mallory".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let client_id = new_client(&s).await;
    let (_, challenge) = pkce();
    let mut b = Browser::new();
    let p = b
        .get(&authorize_url(
            &s.base,
            &client_id,
            &s.resource,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await;
    let areq = query(&p.location.unwrap())["req"].clone();
    let e = s
        .dev
        .mcp()
        .bind_principal(
            &areq,
            &BindMcpPrincipalParams {
                principal_id: "mallory".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(&e), 403);
    assert_eq!(code(&e), "POLICY_DENIED");
    // The request is over: nobody else can be bound to it.
    let e = s
        .dev
        .mcp()
        .bind_principal(
            &areq,
            &BindMcpPrincipalParams {
                principal_id: "alice".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);
}

#[tokio::test]
async fn the_consent_page_sends_a_new_browser_to_the_developers_login() {
    let s = shared();
    let (dev, _) = developer(s, Mode::Live).await;
    let resource = format!(
        "http://127.0.0.1:9/login-{}/mcp",
        grantex_server::time::now_ms()
    );
    dev.mcp()
        .register_server(&RegisterMcpServerParams {
            name: "With login".into(),
            resource_url: resource.clone(),
            scopes: strings(&["a"]),
            login_url: Some("https://login.example/mcp?tenant=7".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let setup = Setup {
        base: s.base_url.clone(),
        dev,
        resource,
    };
    let client_id = new_client(&setup).await;
    let (_, challenge) = pkce();
    let mut b = Browser::new();
    let p = b
        .get(&authorize_url(
            &setup.base,
            &client_id,
            &setup.resource,
            &[
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        ))
        .await;
    let consent_url = p.location.unwrap();
    let areq = query(&consent_url)["req"].clone();
    let p = b.get(&consent_url).await;
    assert_eq!(p.status, 303, "{}", p.text);
    let login = p.location.unwrap();
    assert!(login.starts_with("https://login.example/mcp?"), "{login}");
    let q = query(&login);
    assert_eq!(q["tenant"], "7");
    assert_eq!(q["grantex_request"], areq);
    // A forged login secret is refused.
    let p = b.get(&format!("{consent_url}&login=login_forged")).await;
    assert_eq!(p.status, 403, "{}", p.text);
    // No agent exists for this client until the developer's login binds a human.
    assert!(!setup
        .dev
        .agents()
        .list()
        .await
        .unwrap()
        .agents
        .iter()
        .any(|a| a.description.contains(&client_id)));
    setup
        .dev
        .mcp()
        .bind_principal(
            &areq,
            &BindMcpPrincipalParams {
                principal_id: "bob".into(),
            },
        )
        .await
        .unwrap();
    assert!(setup
        .dev
        .agents()
        .list()
        .await
        .unwrap()
        .agents
        .iter()
        .any(|a| a.description.contains(&client_id)));
}

#[tokio::test]
async fn nobody_else_mints_tokens_for_a_registered_mcp_server() {
    let s = setup("squat").await;
    let (other, _) = developer(shared(), Mode::Live).await;
    let a = agent(&other, "squatter", &["calendar:read"]).await;
    let e = other
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "alice".into(),
            scopes: strings(&["calendar:read"]),
            audience: Some(s.resource.clone()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
    // The owner may.
    let mine = agent(&s.dev, "owner agent", &["calendar:read"]).await;
    s.dev
        .authorize(&AuthorizeParams {
            agent_id: mine.agent_id.clone(),
            user_id: "alice".into(),
            scopes: strings(&["calendar:read"]),
            audience: Some(s.resource.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
}
