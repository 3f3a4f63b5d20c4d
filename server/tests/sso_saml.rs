//! SAML single sign-on through the server, end to end against a real identity provider
//! (pysaml2 + Debian's xmlsec1 over HTTP, `tests/peers/saml_idp.py`): a SAML connection,
//! `/sso/login` (the AuthnRequest redirect), the IdP's auto-POST form, `/sso/callback/saml` as
//! JSON (the SDK path) and as the browser's form post (cookie and redirect), the session token
//! in use, and the refusals: unsigned, re-signed with another key, expired, wrong audience,
//! signature wrapping, replay, an address outside the allowed domains. The module's own checks
//! are tested in depth in `saml.rs`.

mod common;
#[path = "peers/saml_peer.rs"]
mod peer;

use common::{assert_envelope, background_server, developer, process_lifetime_dir, Api, ServerRef};
use grantex::types::Mode;
use peer::{SamlPeer, ServedIdp, IDP_ENTITY_ID, SP_ENTITY_ID};
use serde_json::{json, Value};
use std::sync::OnceLock;

struct Env {
    server: ServerRef,
    peer: SamlPeer,
    idp: ServedIdp,
}

fn env() -> &'static Env {
    static E: OnceLock<Env> = OnceLock::new();
    E.get_or_init(|| {
        // The test IdP is http on loopback.
        let (server, _) = background_server("sso-saml", |c| c.allow_insecure_sso_urls = true);
        let peer = SamlPeer::setup(&process_lifetime_dir("sso-saml-peer"));
        let idp = peer.serve(
            &acs(&server.base_url),
            "good",
            &[
                "--name-id",
                "Carol@corp.example",
                "--email",
                "Carol@corp.example",
                "--groups",
                "eng,ops",
            ],
        );
        Env { server, peer, idp }
    })
}

fn acs(base: &str) -> String {
    format!("{base}/sso/callback/saml")
}

/// A live developer with a SAML connection to the test IdP; `(its API, its id)`.
async fn tenant(extra: Value) -> (Api, String) {
    let e = env();
    let (_, s) = developer(&e.server, Mode::Live).await;
    let api = Api::new(&e.server.base_url, Some(&s.api_key));
    let mut body = json!({
        "name": "Corp SAML", "protocol": "saml",
        "idpEntityId": IDP_ENTITY_ID, "idpSsoUrl": e.idp.sso_url(),
        "idpCertificate": e.peer.idp_cert_pem,
        "spEntityId": SP_ENTITY_ID, "spAcsUrl": acs(&e.server.base_url),
        "groupAttribute": "groups", "groupMappings": { "eng": ["calendar:read"] },
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let r = api.post("/v1/sso/connections", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    (api, s.developer_id)
}

/// `/sso/login` → the IdP's form for `variant`: `(SAMLResponse, RelayState)`.
async fn idp_form(org: &str, variant: &str, extra_query: &str) -> (String, String) {
    let e = env();
    let public = Api::new(&e.server.base_url, None);
    let r = public
        .get(&format!("/sso/login?org={org}{extra_query}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["protocol"], "saml");
    let url = r.body["authorizeUrl"].as_str().unwrap();
    assert!(url.starts_with(&e.idp.sso_url()), "{url}");
    assert!(
        url.contains("SAMLRequest=") && url.contains("RelayState="),
        "{url}"
    );
    let page = common::http()
        .get(format!("{url}&variant={variant}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("action=\"{}\"", acs(&e.server.base_url))),
        "{page}"
    );
    let field = |name: &str| -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let at = page.find(&marker).unwrap_or_else(|| panic!("{page}")) + marker.len();
        page[at..at + page[at..].find('"').unwrap()].to_string()
    };
    (field("SAMLResponse"), field("RelayState"))
}

async fn post_json(saml_response: &str, relay: &str) -> common::Resp {
    Api::new(&env().server.base_url, None)
        .post(
            "/sso/callback/saml",
            json!({ "SAMLResponse": saml_response, "RelayState": relay }),
        )
        .await
}

#[tokio::test]
async fn saml_login_through_the_server_opens_a_working_session() {
    let (api, org) = tenant(json!({ "domains": ["corp.example"] })).await;
    let (resp, relay) = idp_form(&org, "good", "&domain=corp.example").await;
    let r = post_json(&resp, &relay).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["developerId"], org.as_str());
    assert_eq!(r.body["principalId"], "carol@corp.example");
    assert_eq!(r.body["sub"], "Carol@corp.example");
    assert_eq!(r.body["groups"], json!(["eng", "ops"]));
    assert_eq!(r.body["mappedScopes"], json!(["calendar:read"]));
    let me = Api::new(&env().server.base_url, r.body["sessionToken"].as_str());
    let g = me.get("/v1/principal/grants").await;
    assert_eq!(g.status, 200, "{}", g.text);
    assert_eq!(g.body["principalId"], "carol@corp.example");
    let sessions = api.get("/v1/sso/sessions").await;
    assert!(
        sessions
            .text
            .contains(r.body["sessionId"].as_str().unwrap()),
        "{}",
        sessions.text
    );

    // The same response again: its RelayState is spent.
    let again = post_json(&resp, &relay).await;
    assert_envelope(&again, 400, "BAD_REQUEST");
    // The same assertion under a fresh login's RelayState: it answered another request.
    let (_, fresh_relay) = idp_form(&org, "good", "").await;
    let replay = post_json(&resp, &fresh_relay).await;
    assert_envelope(&replay, 502, "SSO_ERROR");
}

#[tokio::test]
async fn the_browser_form_post_sets_the_session_cookie_and_redirects() {
    let (_, org) = tenant(json!({ "domains": ["corp.example"] })).await;
    let (resp, relay) = idp_form(&org, "good", "&return_to=%2Fconsent%3Freq%3Dareq_x").await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .post(acs(&env().server.base_url))
        .form(&[
            ("SAMLResponse", resp.as_str()),
            ("RelayState", relay.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some(format!("{}/consent?req=areq_x", env().server.base_url).as_str())
    );
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // Without return_to: a "signed in" page, with the cookie.
    let (resp, relay) = idp_form(&org, "good", "").await;
    let r = http
        .post(acs(&env().server.base_url))
        .form(&[
            ("SAMLResponse", resp.as_str()),
            ("RelayState", relay.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_some());
    assert!(r.text().await.unwrap().contains("carol@corp.example"));
    // A refusal in the browser is a page, not JSON, and opens nothing.
    let (bad, relay) = idp_form(&org, "unsigned", "").await;
    let r = http
        .post(acs(&env().server.base_url))
        .form(&[
            ("SAMLResponse", bad.as_str()),
            ("RelayState", relay.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error() || r.status().is_server_error());
    assert!(r.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn forged_expired_misaddressed_and_wrapped_responses_are_refused() {
    let (api, org) = tenant(json!({})).await;
    for (variant, reason) in [
        ("unsigned", "unsigned"),
        ("resigned", "signature_invalid"),
        ("expired", "expired"),
        ("wrong_audience", "audience_mismatch"),
        ("xsw_evil_first", ""),
        ("xsw_evil_last", ""),
        ("xsw_extensions", ""),
    ] {
        let (resp, relay) = idp_form(&org, variant, "").await;
        let r = post_json(&resp, &relay).await;
        assert_envelope(&r, 502, "SSO_ERROR");
        if !reason.is_empty() {
            assert_eq!(r.body["reason"], reason, "{variant}: {}", r.text);
        }
        assert!(!r.text.contains("sessionToken"), "{variant}: {}", r.text);
    }
    let sessions = api.get("/v1/sso/sessions").await;
    assert_eq!(sessions.body["sessions"], json!([]), "{}", sessions.text);
}

#[tokio::test]
async fn an_address_outside_the_allowed_domains_is_refused() {
    let (_, org) = tenant(json!({ "domains": ["other.example"] })).await;
    let (resp, relay) = idp_form(&org, "good", "").await;
    let r = post_json(&resp, &relay).await;
    assert_envelope(&r, 403, "SSO_DOMAIN_NOT_ALLOWED");
}
