//! OIDC single sign-on end to end against a real OpenID provider: `oidc-provider` (npm, pinned
//! by scripts/lib/peer-oidc.sh) started by this test on a loopback port, driven headlessly
//! through its own login and consent interactions (manual redirects, a cookie jar). Covers
//! the JSON and browser callbacks, the ID token refusals (wrong nonce, audience, expired, a key
//! the provider does not publish — produced by the provider's test-only tamper proxy), allowed
//! domains, single-use state, sessions and their tokens, secrets at rest, connection CRUD and
//! `/test`, enforcement on the consent step.

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The test server (insecure SSO URLs allowed: the provider is http on loopback) and its data dir.
struct Env {
    server: ServerRef,
    data_dir: std::path::PathBuf,
    issuer: String,
}

fn env() -> &'static Env {
    static E: OnceLock<Env> = OnceLock::new();
    E.get_or_init(|| {
        let (server, data_dir) = background_server("sso", |c| c.allow_insecure_sso_urls = true);
        let issuer = start_oidc_provider(&[
            &format!("{}/sso/callback/oidc", server.base_url),
            &format!("{}/sso/callback/oidc/*", server.base_url),
            APP_REDIRECT,
        ]);
        Env {
            server,
            data_dir,
            issuer,
        }
    })
}

/// A redirect URI of "the developer's app" (bound to a login through `redirect_uri`).
const APP_REDIRECT: &str = "http://127.0.0.1:7/app/callback";

/// A browser-like client: no redirects followed, cookies by name.
/// Walks the provider's login and consent as `login`, from the authorize URL to the redirect
/// back to a relying party (returned, not followed).
async fn idp_walk(b: &mut Browser, authorize_url: &str, login: &str) -> String {
    let issuer = &env().issuer;
    let mut next = authorize_url.to_string();
    for _ in 0..12 {
        let p = b.get(&next).await;
        assert_eq!(p.status, 303, "at {next}: {}", p.text);
        let loc = absolute(&next, p.location.as_deref().unwrap());
        if !loc.starts_with(issuer.as_str()) {
            return loc;
        }
        if loc.contains("/interaction/") {
            let page = b.get(&loc).await;
            let form: Vec<(&str, &str)> = if page.text.contains("name=\"login\"") {
                vec![("prompt", "login"), ("login", login), ("password", "pw")]
            } else {
                vec![("prompt", "consent")]
            };
            let p = b.post_form(&loc, &form).await;
            assert_eq!(p.status, 303, "interaction {loc}: {}", p.text);
            next = absolute(&loc, p.location.as_deref().unwrap());
        } else {
            next = loc;
        }
    }
    panic!("the provider never redirected back");
}

async fn dev() -> (Api, String) {
    let (_, s) = developer(&env().server, Mode::Live).await;
    (
        Api::new(&env().server.base_url, Some(&s.api_key)),
        s.developer_id,
    )
}

fn public() -> Api {
    Api::new(&env().server.base_url, None)
}

async fn connection(api: &Api, client_id: &str, extra: Value) -> Value {
    let mut body = json!({
        "name": "Corp IdP", "protocol": "oidc", "issuerUrl": env().issuer,
        "clientId": client_id, "clientSecret": "rp-secret",
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let r = api.post("/v1/sso/connections", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

/// `/sso/login` → the provider's login and consent as `login` → the code and state sent back.
async fn code_for(org: &str, extra: &str, login: &str) -> (HashMap<String, String>, Value) {
    let r = public().get(&format!("/sso/login?org={org}{extra}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let url = r.body["authorizeUrl"].as_str().unwrap().to_string();
    let q = query(&url);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["response_type"], "code");
    assert!(q["scope"].starts_with("openid email profile"));
    assert!(q["state"].len() >= 43 && q["nonce"].len() >= 43);
    let back = idp_walk(&mut Browser::new(), &url, login).await;
    (query(&back), r.body)
}

async fn callback(code: &HashMap<String, String>) -> Resp {
    public()
        .post(
            "/sso/callback/oidc",
            json!({ "code": code["code"], "state": code["state"] }),
        )
        .await
}

#[tokio::test]
async fn login_opens_a_session_whose_token_works_until_revoked() {
    let (api, org) = dev().await;
    let conn = connection(
        &api,
        "rp",
        json!({
            "domains": ["corp.example"], "groupAttribute": "groups",
            "groupMappings": { "eng": ["calendar:read", "email:send"] },
            "defaultScopes": ["profile:read"],
        }),
    )
    .await;
    let (code, login) = code_for(&org, "&domain=corp.example", "Alice@corp.example").await;
    assert_eq!(login["protocol"], "oidc");
    assert_eq!(login["connectionId"], conn["id"]);
    let r = callback(&code).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res: SsoCallbackResult = serde_json::from_value(r.body.clone()).unwrap();
    assert_eq!(res.developer_id, org);
    assert_eq!(res.email.as_deref(), Some("Alice@corp.example"));
    assert_eq!(res.principal_id.as_deref(), Some("alice@corp.example"));
    assert_eq!(res.sub.as_deref(), Some("Alice@corp.example"));
    assert_eq!(res.groups, vec!["eng"]);
    assert_eq!(res.mapped_scopes, vec!["calendar:read", "email:send"]);
    let token = res.session_token.clone().unwrap();
    let me = Api::new(&env().server.base_url, Some(&token));
    let g = me.get("/v1/principal/grants").await;
    assert_eq!(g.status, 200, "{}", g.text);
    assert_eq!(g.body["principalId"], "alice@corp.example");

    // The state is single use.
    let again = callback(&code).await;
    assert_envelope(&again, 400, "BAD_REQUEST");
    assert_eq!(again.body["reason"], "invalid_state");

    // Listed, then revoked: the token stops working.
    let list: ListSsoSessionsResponse =
        serde_json::from_value(api.get("/v1/sso/sessions").await.body).unwrap();
    let s = list
        .sessions
        .iter()
        .find(|s| s.id == res.session_id)
        .expect("listed");
    assert_eq!(s.principal_id.as_deref(), Some("alice@corp.example"));
    assert_eq!(s.mapped_scopes, res.mapped_scopes);
    let d = api
        .call(
            "DELETE",
            &format!("/v1/sso/sessions/{}", res.session_id),
            None,
        )
        .await;
    assert_eq!(d.status, 204, "{}", d.text);
    assert_eq!(me.get("/v1/principal/grants").await.status, 401);
    let d = api
        .call(
            "DELETE",
            &format!("/v1/sso/sessions/{}", res.session_id),
            None,
        )
        .await;
    assert_envelope(&d, 404, "NOT_FOUND");
    // The audit chain has the login.
    let audit = api.get("/v1/audit/entries?action=grantex.sso.login").await;
    assert!(audit.text.contains("alice@corp.example"), "{}", audit.text);
}

#[tokio::test]
async fn tampered_id_tokens_are_refused_each_with_its_reason() {
    let (api, org) = dev().await;
    for (client, reason) in [
        ("rp-nonce", "wrong_nonce"),
        ("rp-aud", "wrong_audience"),
        ("rp-expired", "expired"),
        ("rp-unpublished", "unknown_kid"),
    ] {
        let conn = connection(&api, client, json!({})).await;
        let (code, _) = code_for(&org, "", "alice@corp.example").await;
        let r = callback(&code).await;
        assert_envelope(&r, 502, "SSO_ERROR");
        assert_eq!(r.body["reason"], reason, "{client}: {}", r.text);
        // Only one connection at a time: the next login picks the next one.
        let d = api
            .call(
                "DELETE",
                &format!("/v1/sso/connections/{}", conn["id"].as_str().unwrap()),
                None,
            )
            .await;
        assert_eq!(d.status, 204);
    }
    assert!(
        serde_json::from_value::<ListSsoSessionsResponse>(api.get("/v1/sso/sessions").await.body)
            .unwrap()
            .sessions
            .is_empty(),
        "no session was opened"
    );
}

#[tokio::test]
async fn emails_outside_the_allowed_domains_and_unverified_ones_are_refused() {
    let (api, org) = dev().await;
    connection(&api, "rp", json!({ "domains": ["corp.example"] })).await;
    let (code, _) = code_for(&org, "", "bob@other.example").await;
    let r = callback(&code).await;
    assert_envelope(&r, 403, "SSO_DOMAIN_NOT_ALLOWED");
    let (code, _) = code_for(&org, "", "nomail").await;
    assert_envelope(&callback(&code).await, 403, "SSO_DOMAIN_NOT_ALLOWED");
    let (code, _) = code_for(&org, "", "unverified@corp.example").await;
    assert_envelope(&callback(&code).await, 403, "SSO_EMAIL_UNVERIFIED");
    // Without a domain list, a login signs in as its subject within the connection, e-mail
    // or not: no connection's IdP can assert an address another one owns.
    let (api2, org2) = dev().await;
    let c2 = connection(&api2, "rp", json!({})).await;
    let (code, _) = code_for(&org2, "", "nomail").await;
    let r = callback(&code).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["principalId"],
        format!("sso:{}:nomail", c2["id"].as_str().unwrap())
    );
    let (code, _) = code_for(&org2, "", "kate@corp.example").await;
    let r = callback(&code).await;
    assert_eq!(
        r.body["principalId"],
        format!("sso:{}:kate@corp.example", c2["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn a_state_is_bound_to_its_developers_login() {
    let (api_a, org_a) = dev().await;
    let (api_b, org_b) = dev().await;
    connection(&api_a, "rp", json!({})).await;
    connection(&api_b, "rp2", json!({})).await;
    let (code_a, _) = code_for(&org_a, "", "alice@corp.example").await;
    let (code_b, _) = code_for(&org_b, "", "mallory@corp.example").await;
    // B's code under A's state: exchanged with A's client and verifier, the provider refuses.
    let r = public()
        .post(
            "/sso/callback/oidc",
            json!({ "code": code_b["code"], "state": code_a["state"] }),
        )
        .await;
    assert_envelope(&r, 502, "SSO_ERROR");
    assert_eq!(r.body["reason"], "token_exchange", "{}", r.text);
    // A's state is spent; an unknown one is refused alike.
    let r = public()
        .post(
            "/sso/callback/oidc",
            json!({ "code": code_a["code"], "state": code_a["state"] }),
        )
        .await;
    assert_eq!(r.body["reason"], "invalid_state");
    let r = public()
        .post(
            "/sso/callback/oidc",
            json!({ "code": "x", "state": "nope" }),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    // A redirect_uri bound at login must be the one the callback names.
    let (code, _) = code_for(
        &org_b,
        &format!("&redirect_uri={}", urlencode(APP_REDIRECT)),
        "carol@corp.example",
    )
    .await;
    let r = public()
        .post(
            "/sso/callback/oidc",
            json!({ "code": code["code"], "state": code["state"], "redirect_uri": "http://127.0.0.1:7/other" }),
        )
        .await;
    assert_eq!(r.body["reason"], "redirect_uri_mismatch", "{}", r.text);
    let (code, _) = code_for(
        &org_b,
        &format!("&redirect_uri={}", urlencode(APP_REDIRECT)),
        "carol@corp.example",
    )
    .await;
    let r = public()
        .post(
            "/sso/callback/oidc",
            json!({ "code": code["code"], "state": code["state"], "redirect_uri": APP_REDIRECT }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Bad login parameters.
    for q in [
        String::new(),
        format!("?org={org_b}&redirect_uri=http://127.0.0.1:7/cb%23frag"),
        format!("?org={org_b}&return_to=https://evil.example/"),
        format!("?org={org_b}&return_to=//evil.example/"),
    ] {
        let r = public().get(&format!("/sso/login{q}")).await;
        assert_envelope(&r, 400, "BAD_REQUEST");
    }
    let r = public().get("/sso/login?org=dev_nobody").await;
    assert_envelope(&r, 404, "NOT_FOUND");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn connections_crud_test_and_secrets_at_rest() {
    let (api, org) = dev().await;
    let secret = format!("super-secret-{}", ulid());
    let r = api
        .post(
            "/v1/sso/connections",
            json!({ "name": "Okta", "protocol": "oidc", "issuerUrl": env().issuer,
                    "clientId": "rp", "clientSecret": secret, "domains": ["Corp.Example"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c: SsoConnection = serde_json::from_value(r.body.clone()).unwrap();
    assert_eq!(
        (
            c.status.as_str(),
            c.domains.clone(),
            c.developer_id.as_str()
        ),
        ("active", vec!["corp.example".to_string()], org.as_str())
    );
    assert!(!r.text.contains(&secret) && !r.text.contains("clientSecret"));
    let path = format!("/v1/sso/connections/{}", c.id);
    let got = api.get(&path).await;
    assert_eq!(got.status, 200);
    assert!(!got.text.contains(&secret));
    let list = api.get("/v1/sso/connections").await;
    assert_eq!(list.body["connections"].as_array().unwrap().len(), 1);
    assert!(!list.text.contains(&secret));

    // /test against the live provider.
    let t = api.post(&format!("{path}/test"), json!({})).await;
    assert_eq!(t.status, 200, "{}", t.text);
    assert_eq!(t.body["success"], true);
    assert_eq!(t.body["issuer"], env().issuer.as_str());
    assert_eq!(t.body["jwksUri"], format!("{}/jwks", env().issuer).as_str());
    // A trailing slash is another issuer (compared exactly): discovery fails, 422.
    let p = api
        .call(
            "PATCH",
            &path,
            Some(json!({ "issuerUrl": format!("{}/", env().issuer), "name": "Okta 2" })),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["name"], "Okta 2");
    let t = api.post(&format!("{path}/test"), json!({})).await;
    assert_eq!(t.status, 422, "{}", t.text);
    assert_eq!(t.body["success"], false);
    assert!(t.body["error"].as_str().unwrap().contains("issuer"));
    // Rotating the secret keeps it write-only; the login still works with the new one.
    let p = api
        .call(
            "PATCH",
            &path,
            Some(json!({ "issuerUrl": env().issuer, "clientSecret": "rp-secret" })),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let (code, _) = code_for(&org, "", "dana@corp.example").await;
    let ok = callback(&code).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let token = ok.body["sessionToken"].as_str().unwrap().to_string();
    let me = Api::new(&env().server.base_url, Some(&token));
    assert_eq!(me.get("/v1/principal/grants").await.status, 200);

    // Bad bodies.
    for (body, code) in [
        (
            json!({ "name": "x", "protocol": "ldap", "ldapUrl": "ldap://x" }),
            "BAD_REQUEST",
        ),
        (
            json!({ "name": "x", "protocol": "oidc", "issuerUrl": env().issuer, "clientId": "rp" }),
            "BAD_REQUEST",
        ),
        (
            json!({ "name": "x", "protocol": "carrier-pigeon" }),
            "BAD_REQUEST",
        ),
        (
            json!({ "name": "x", "protocol": "oidc", "issuerUrl": "ftp://x", "clientId": "a", "clientSecret": "b" }),
            "BAD_REQUEST",
        ),
        (
            json!({ "name": "x", "protocol": "saml", "idpEntityId": "x" }),
            "BAD_REQUEST",
        ),
    ] {
        let r = api.post("/v1/sso/connections", body).await;
        assert_envelope(&r, 400, code);
    }
    let r = api
        .post(
            "/v1/sso/connections",
            json!({ "name": "x", "protocol": "ldap" }),
        )
        .await;
    assert_eq!(r.body["reason"], "ldap_not_supported");
    let r = public()
        .post(
            "/sso/callback/ldap",
            json!({ "username": "u", "password": "p", "connectionId": "c", "org": org }),
        )
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
    assert_eq!(r.body["reason"], "ldap_not_supported");
    let p = api.call("PATCH", &path, Some(json!({}))).await;
    assert_envelope(&p, 400, "BAD_REQUEST");
    let p = api
        .call("PATCH", &path, Some(json!({ "status": "sleeping" })))
        .await;
    assert_envelope(&p, 400, "BAD_REQUEST");
    // Another developer sees nothing.
    let (other, _) = dev().await;
    assert_envelope(&other.get(&path).await, 404, "NOT_FOUND");

    // Deleting the connection ends its sessions: the token stops working.
    let d = api.call("DELETE", &path, None).await;
    assert_eq!(d.status, 204);
    assert_eq!(me.get("/v1/principal/grants").await.status, 401);
    assert_envelope(&api.call("DELETE", &path, None).await, 404, "NOT_FOUND");

    // The secret is nowhere in the SQLite files in clear.
    if std::env::var("GRANTEX_TEST_DATABASE_URL").is_err() {
        for f in ["grantex.db", "grantex.db-wal"] {
            let bytes = std::fs::read(env().data_dir.join(f)).unwrap_or_default();
            let hay = String::from_utf8_lossy(&bytes);
            assert!(
                !hay.contains(&secret),
                "{f} holds the client secret in clear"
            );
        }
    }
}

fn ulid() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn legacy_config_is_write_only_and_logs_in() {
    let (api, org) = dev().await;
    assert_envelope(&api.get("/v1/sso/config").await, 404, "NOT_FOUND");
    let r = api
        .post(
            "/v1/sso/config",
            json!({ "issuerUrl": env().issuer, "clientId": "rp", "clientSecret": "rp-secret",
                    "redirectUri": APP_REDIRECT }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(!r.text.contains("rp-secret"));
    let g = api.get("/v1/sso/config").await;
    assert_eq!(g.body["redirectUri"], APP_REDIRECT);
    // No connection: /sso/login uses the config.
    let (code, login) = code_for(&org, "", "erin@corp.example").await;
    assert_eq!(login["connectionId"], "legacy");
    let r = public()
        .get(&format!(
            "/sso/callback?code={}&state={}",
            urlencode(&code["code"]),
            urlencode(&code["state"])
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["email"], "erin@corp.example");
    assert_eq!(r.body["developerId"], org.as_str());
    assert_eq!(api.call("DELETE", "/v1/sso/config", None).await.status, 204);
    assert_envelope(
        &api.call("DELETE", "/v1/sso/config", None).await,
        404,
        "NOT_FOUND",
    );
}

/// A live authorization request for `principal`.
async fn live_request(key: &str, principal: &str) -> String {
    let c = client(&env().server.base_url, key);
    let a = agent(&c, "sso-agent", &["calendar:read"]).await;
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id,
            user_id: principal.into(),
            scopes: strings(&["calendar:read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(auth.code.is_none());
    auth.auth_request_id
}

#[tokio::test]
async fn browser_callback_sets_the_cookie_and_the_consent_page_holds_to_it() {
    let (api, org) = dev().await;
    let conn = connection(&api, "rp", json!({ "domains": ["corp.example"] })).await;
    let key = api.key.clone().unwrap();
    let req = live_request(&key, "frank@corp.example").await;
    let base = env().server.base_url.clone();
    let mut b = Browser::new();
    // The consent page offers SSO.
    let page = b.get(&format!("{base}/consent?req={req}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Sign in with SSO"), "{}", page.text);
    // /sso/start → provider → GET callback → cookie + 303 back to the consent page.
    let start = b
        .get(&format!(
            "{base}/sso/start?org={org}&return_to={}",
            urlencode(&format!("/consent?req={req}"))
        ))
        .await;
    assert_eq!(start.status, 303, "{}", start.text);
    let back = idp_walk(
        &mut b,
        start.location.as_deref().unwrap(),
        "Frank@corp.example",
    )
    .await;
    // Each connection has its own redirect URI, and the provider names itself (RFC 9207).
    assert!(
        back.starts_with(&format!(
            "{base}/sso/callback/oidc/{}?",
            conn["id"].as_str().unwrap()
        )),
        "{back}"
    );
    assert!(back.contains("iss="), "{back}");
    let landed = b.get(&back).await;
    assert_eq!(landed.status, 303, "{}", landed.text);
    assert_eq!(
        landed.location.as_deref(),
        Some(format!("{base}/consent?req={req}").as_str())
    );
    let cookie = landed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("gx_sso="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let page = b.get(&format!("{base}/consent?req={req}")).await;
    assert!(
        page.text
            .contains("Signed in with SSO as <strong>frank@corp.example</strong>"),
        "{}",
        page.text
    );
    // The page's form (CSRF token) approves.
    let csrf = page
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let done = b
        .post_form(&format!("{base}/consent/{req}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(done.status, 200, "{}", done.text);

    // Signed in as someone else: the form answer is refused.
    let other = live_request(&key, "grace@corp.example").await;
    let page = b.get(&format!("{base}/consent?req={other}")).await;
    assert!(page.text.contains("data-sso=\"mismatch\""), "{}", page.text);
    let csrf = page
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let refused = b
        .post_form(
            &format!("{base}/consent/{other}/approve"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    // A return_to elsewhere is refused at the start.
    let bad = b
        .get(&format!(
            "{base}/sso/start?org={org}&return_to=https://evil.example/"
        ))
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn enforcement_requires_an_sso_session_for_the_consent_answer() {
    let (api, org) = dev().await;
    connection(&api, "rp", json!({ "domains": ["corp.example"] })).await;
    let key = api.key.clone().unwrap();
    let r = api
        .post("/v1/sso/enforce", json!({ "enforce": true }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({ "enforce": true, "developerId": org }));
    let c: SsoConnection =
        serde_json::from_value(api.get("/v1/sso/connections").await.body["connections"][0].clone())
            .unwrap();
    assert!(c.enforce);
    let req = live_request(&key, "henry@corp.example").await;
    // No session: the JSON answer is refused, and so is the page's.
    let r = public()
        .post(&format!("/v1/consent/{req}/approve"), json!({}))
        .await;
    assert_envelope(&r, 403, "SSO_REQUIRED");
    let mut b = Browser::new();
    let base = env().server.base_url.clone();
    let page = b.get(&format!("{base}/consent?req={req}")).await;
    assert!(page.text.contains("data-sso=\"required\""), "{}", page.text);
    // An SSO session of another principal is refused; the request's principal's works.
    let (code, _) = code_for(&org, "", "ivy@corp.example").await;
    let ivy = callback(&code).await.body["sessionToken"]
        .as_str()
        .unwrap()
        .to_string();
    let as_ivy = Api::new(&base, Some(&ivy));
    let r = as_ivy
        .post(&format!("/v1/consent/{req}/approve"), json!({}))
        .await;
    assert_envelope(&r, 403, "FORBIDDEN");
    let (code, _) = code_for(&org, "", "henry@corp.example").await;
    let henry = callback(&code).await.body["sessionToken"]
        .as_str()
        .unwrap()
        .to_string();
    let r = Api::new(&base, Some(&henry))
        .post(&format!("/v1/consent/{req}/approve"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["code"].as_str().is_some());
    // Enforcement off: the request id suffices again.
    let r = api
        .post("/v1/sso/enforce", json!({ "enforce": false }))
        .await;
    assert_eq!(r.body["enforce"], false);
    let req = live_request(&key, "henry@corp.example").await;
    let r = public()
        .post(&format!("/v1/consent/{req}/approve"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn insecure_issuer_urls_need_the_flag() {
    let dir = TempDir::new("sso-strict");
    let server = grantex_server::start(grantex_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url_for(dir.path()),
        data_dir: dir.path().to_path_buf(),
        ..Default::default()
    })
    .await
    .unwrap();
    let api = Api::new(&server.info.base_url, Some(&server.info.api_key));
    for issuer in [
        env().issuer.clone(),
        "https://127.0.0.1:9/".into(),
        "https://10.0.0.1/".into(),
    ] {
        let r = api
            .post(
                "/v1/sso/connections",
                json!({ "name": "x", "protocol": "oidc", "issuerUrl": issuer, "clientId": "a", "clientSecret": "b" }),
            )
            .await;
        assert_envelope(&r, 400, "BAD_REQUEST");
    }
    server.shutdown().await.unwrap();
}

/// A user the developer provisioned through SCIM is the principal of its SSO logins (matched by
/// e-mail); deactivating it ends its SSO sessions (the token stops working, the list drops
/// it) and refuses its next login.
#[tokio::test]
async fn a_scim_user_is_its_logins_principal_and_deprovisioning_ends_its_sessions() {
    let (api, org) = dev().await;
    let t = api
        .post("/v1/scim/tokens", json!({ "label": "corp idp" }))
        .await;
    assert_eq!(t.status, 201, "{}", t.text);
    let scim = Api::new(&env().server.base_url, t.body["token"].as_str());
    let u = scim
        .post(
            "/scim/v2/Users",
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "bob", "emails": [{ "value": "Bob@corp.example", "primary": true }],
            }),
        )
        .await;
    assert_eq!(u.status, 201, "{}", u.text);
    let user_id = u.body["id"].as_str().unwrap().to_string();
    connection(&api, "rp", json!({ "domains": ["corp.example"] })).await;

    let (code, _) = code_for(&org, "", "bob@corp.example").await;
    let r = callback(&code).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["principalId"], user_id.as_str());
    let session_id = r.body["sessionId"].as_str().unwrap().to_string();
    let me = Api::new(&env().server.base_url, r.body["sessionToken"].as_str());
    let g = me.get("/v1/principal/grants").await;
    assert_eq!(g.status, 200, "{}", g.text);
    assert_eq!(g.body["principalId"], user_id.as_str());

    let off = scim
        .call(
            "PATCH",
            &format!("/scim/v2/Users/{user_id}"),
            Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{ "op": "replace", "path": "active", "value": false }],
            })),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(me.get("/v1/principal/grants").await.status, 401);
    let list = api.get("/v1/sso/sessions").await;
    assert!(!list.text.contains(&session_id), "{}", list.text);

    let (code, _) = code_for(&org, "", "bob@corp.example").await;
    let again = callback(&code).await;
    assert_envelope(&again, 403, "PRINCIPAL_DEPROVISIONED");
}

/// Mix-up defences (RFC 9700 §4.4): each connection has its own redirect URI, so a response
/// sent for one connection cannot finish another's login; an `iss` naming another provider, or
/// none from a provider that sends it, is refused before the code goes anywhere.
#[tokio::test]
async fn responses_for_another_connection_or_provider_are_refused() {
    let (api, org) = dev().await;
    let conn = connection(&api, "rp", json!({ "domains": ["corp.example"] })).await;
    let base = env().server.base_url.clone();
    let issuer = env().issuer.clone();
    let state_of = |url: &str| query(url)["state"].clone();
    let page = |path: String| async move {
        let p = Browser::new()
            .get(&format!("{}{path}", env().server.base_url))
            .await;
        (p.status, p.text)
    };
    let login = || async {
        let r = public().get(&format!("/sso/login?org={org}")).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["authorizeUrl"].as_str().unwrap().to_string()
    };
    // The login's redirect URI is the connection's own.
    let url = login().await;
    assert_eq!(
        query(&url)["redirect_uri"],
        format!("{base}/sso/callback/oidc/{}", conn["id"].as_str().unwrap())
    );
    // Finished at another connection's callback, or at the shared one: refused.
    let (status, text) = page(format!(
        "/sso/callback/oidc/sso_other?code=c&state={}&iss={}",
        state_of(&url),
        urlencode(&issuer)
    ))
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("redirect_uri_mismatch"), "{text}");
    let url = login().await;
    let (status, text) = page(format!(
        "/sso/callback/oidc?code=c&state={}&iss={}",
        state_of(&url),
        urlencode(&issuer)
    ))
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("redirect_uri_mismatch"), "{text}");
    // Another provider's iss, or none from this provider (it advertises RFC 9207): refused.
    let cb = format!("/sso/callback/oidc/{}", conn["id"].as_str().unwrap());
    let url = login().await;
    let (status, text) = page(format!(
        "{cb}?code=c&state={}&iss={}",
        state_of(&url),
        urlencode("https://evil.example")
    ))
    .await;
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("issuer_mismatch"), "{text}");
    let url = login().await;
    let (status, text) = page(format!("{cb}?code=c&state={}", state_of(&url))).await;
    assert_eq!(status, 502, "{text}");
    assert!(text.contains("issuer_missing"), "{text}");
    // The JSON callback checks an iss it is given.
    let url = login().await;
    let r = public()
        .post(
            "/sso/callback/oidc",
            json!({ "code": "c", "state": state_of(&url), "iss": "https://evil.example" }),
        )
        .await;
    assert_envelope(&r, 502, "SSO_ERROR");
    assert_eq!(r.body["reason"], "issuer_mismatch");
    // A return_to into another sign-in (an open redirect through /sso/start) is refused.
    let r = public()
        .get(&format!(
            "/sso/login?org={org}&return_to={}",
            urlencode(&format!("/sso/start?org={org}"))
        ))
        .await;
    assert_envelope(&r, 400, "BAD_REQUEST");
}

/// Deactivating a connection, or pointing it at other settings, ends its sessions; enforcement
/// needs an active connection and cannot lapse by removing the last one.
#[tokio::test]
async fn connection_changes_end_sessions_and_enforcement_cannot_lapse_silently() {
    let (api, org) = dev().await;
    let r = api
        .post("/v1/sso/enforce", json!({ "enforce": true }))
        .await;
    assert_envelope(&r, 409, "CONFLICT");
    let conn = connection(&api, "rp", json!({ "domains": ["corp.example"] })).await;
    let id = conn["id"].as_str().unwrap().to_string();
    let token = |login: &'static str| {
        let org = org.clone();
        async move {
            let (code, _) = code_for(&org, "", login).await;
            let r = callback(&code).await;
            assert_eq!(r.status, 200, "{}", r.text);
            Api::new(&env().server.base_url, r.body["sessionToken"].as_str())
        }
    };
    let me = token("lena@corp.example").await;
    assert_eq!(me.get("/v1/principal/grants").await.status, 200);
    let r = api
        .call(
            "PATCH",
            &format!("/v1/sso/connections/{id}"),
            Some(json!({ "domains": ["corp.example", "corp2.example"] })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(me.get("/v1/principal/grants").await.status, 401);

    let me = token("lena@corp.example").await;
    let r = api
        .post("/v1/sso/enforce", json!({ "enforce": true }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api
        .call(
            "PATCH",
            &format!("/v1/sso/connections/{id}"),
            Some(json!({ "status": "inactive" })),
        )
        .await;
    assert_envelope(&r, 409, "CONFLICT");
    let r = api
        .call("DELETE", &format!("/v1/sso/connections/{id}"), None)
        .await;
    assert_envelope(&r, 409, "CONFLICT");
    let r = api
        .post("/v1/sso/enforce", json!({ "enforce": false }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api
        .call(
            "PATCH",
            &format!("/v1/sso/connections/{id}"),
            Some(json!({ "status": "inactive" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(me.get("/v1/principal/grants").await.status, 401);
}
