//! The reference 0.7.2 core-flow fields the server gives meaning to (issue 22): a grant's
//! purpose and data region, the agent key binding (resource servers, public JWK, thumbprint,
//! status history), verifiable credentials on request, and the exchange's redirect URI check —
//! against the real server.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use grantex::types::*;
use serde_json::{json, Value};

/// RFC 7638 §3.1's example key and its thumbprint.
const RFC7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
const RFC7638_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

fn rfc7638_jwk() -> Value {
    json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"})
}

async fn live() -> (grantex::Client, Api) {
    let s = shared();
    let (c, signup) = developer(s, Mode::Live).await;
    (c, Api::new(&s.base_url, Some(&signup.api_key)))
}

#[tokio::test]
async fn purpose_and_data_region_travel_from_request_to_grant_and_audit() {
    let (c, _) = live().await;
    let a = agent(&c, "purposeful", &["kyc:read", "kyc:write"]).await;
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "usr_p".into(),
            scopes: strings(&["kyc:read", "kyc:write"]),
            purpose: Some("aml.cdd.onboarding".into()),
            data_region: Some("EU".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(auth.purpose.as_deref(), Some("aml.cdd.onboarding"));
    assert_eq!(auth.data_region.as_deref(), Some("eu"), "stored lowercased");
    assert_eq!(
        (auth.agent_id.as_str(), auth.principal_id.as_str()),
        (a.agent_id.as_str(), "usr_p")
    );
    assert_eq!(
        (auth.status.as_str(), auth.expires_in.as_str()),
        ("pending", "24h")
    );
    assert!(!auth.created_at.is_empty());

    let consent = c.consent().get(&auth.auth_request_id).await.unwrap();
    assert_eq!(consent.purpose.as_deref(), Some("aml.cdd.onboarding"));
    assert_eq!(consent.data_region.as_deref(), Some("eu"));
    // The human sees both on the consent page.
    let page = http()
        .get(&auth.consent_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<code>aml.cdd.onboarding</code>"), "{page}");
    assert!(page.contains("<code>eu</code>"), "{page}");

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
        .unwrap();
    assert!(
        t.verifiable_credential.is_none(),
        "no credential unless asked for"
    );
    let g = c.grants().get(&t.grant_id).await.unwrap();
    assert_eq!(g.purpose.as_deref(), Some("aml.cdd.onboarding"));
    assert_eq!(g.data_region.as_deref(), Some("eu"));
    assert_eq!(g.agent_did, a.did);
    assert!(g.webauthn_evidence.is_none());

    // A delegated grant serves its parent's purpose.
    let sub = agent(&c, "sub", &["kyc:read"]).await;
    let d = c
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: t.grant_token.clone(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: strings(&["kyc:read"]),
            expires_in: None,
        })
        .await
        .unwrap();
    let child = c.grants().get(&d.grant_id).await.unwrap();
    assert_eq!(child.purpose.as_deref(), Some("aml.cdd.onboarding"));
    assert_eq!(child.data_region.as_deref(), Some("eu"));

    // Entries logged under the grant carry its purpose; entries under no known grant do not.
    let e = c
        .audit()
        .log(&AuditLogParams {
            agent_id: a.agent_id.clone(),
            agent_did: a.did.clone(),
            grant_id: t.grant_id.clone(),
            principal_id: "usr_p".into(),
            action: "kyc.checked".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(e.purpose.as_deref(), Some("aml.cdd.onboarding"));
    let fetched = c.audit().get(&e.entry_id).await.unwrap();
    assert_eq!(fetched.purpose.as_deref(), Some("aml.cdd.onboarding"));
    let other = c
        .audit()
        .log(&AuditLogParams {
            agent_id: a.agent_id.clone(),
            agent_did: a.did.clone(),
            grant_id: "grnt_unknown".into(),
            principal_id: "usr_p".into(),
            action: "kyc.checked".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(other.purpose, None);
    // The purpose is outside the hashed content: the chain still verifies.
    let entries = c
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries;
    assert!(grantex::audit_chain::verify_chain(&entries).valid);
}

#[tokio::test]
async fn bad_purpose_and_data_region_are_refused() {
    let (c, _) = live().await;
    let a = agent(&c, "strict", &["a:b"]).await;
    for (purpose, region) in [
        (Some("Not A Purpose"), None),
        (Some("aml..cdd"), None),
        (Some("x-acme"), None),
        (Some(&*"a".repeat(129)), None),
        (None, Some("e")),
        (None, Some("eu/west")),
    ] {
        let e = c
            .authorize(&AuthorizeParams {
                agent_id: a.agent_id.clone(),
                user_id: "u".into(),
                scopes: strings(&["a:b"]),
                purpose: purpose.map(str::to_owned),
                data_region: region.map(str::to_owned),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(status(&e), 400, "{purpose:?} {region:?}: {e}");
    }
    for ok in ["payments.payout", "x-acme.payroll", "x-acme-eu.hr.review"] {
        c.authorize(&AuthorizeParams {
            agent_id: a.agent_id.clone(),
            user_id: "u".into(),
            scopes: strings(&["a:b"]),
            purpose: Some(ok.into()),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[tokio::test]
async fn agent_key_binding_and_resource_servers() {
    let (c, api) = live().await;
    let a = c
        .agents()
        .register(&RegisterAgentParams {
            name: "bound".into(),
            scopes: strings(&["files:read"]),
            resource_servers: Some(strings(&["https://files.example.com"])),
            public_jwk: Some(rfc7638_jwk()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(a.key_thumbprint.as_deref(), Some(RFC7638_THUMBPRINT));
    assert!(a.key_binding_configured);
    assert_eq!(a.public_jwk, Some(rfc7638_jwk()));
    assert_eq!(a.resource_servers, strings(&["https://files.example.com"]));
    assert_eq!(
        (a.status_changed_at.clone(), a.retired_at.clone()),
        (None, None)
    );
    let got = c.agents().get(&a.agent_id).await.unwrap();
    assert_eq!(got, a, "stored as returned");

    // Only registered resources may be asked for as the audience.
    let ask = |audience: &str| AuthorizeParams {
        agent_id: a.agent_id.clone(),
        user_id: "u".into(),
        scopes: strings(&["files:read"]),
        audience: Some(audience.into()),
        ..Default::default()
    };
    let e = c
        .authorize(&ask("https://evil.example.com"))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400, "{e}");
    c.authorize(&ask("https://files.example.com"))
        .await
        .unwrap();

    // Private keys, short RSA keys, bad curves, bad resources: 400 before anything is stored.
    for (body, why) in [
        (
            json!({"name": "x", "scopes": [], "publicJwk": {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "d": "AQAB"}}),
            "private member",
        ),
        (
            json!({"name": "x", "scopes": [], "publicJwk": {"kty": "RSA", "n": "AQAB", "e": "AQAB"}}),
            "short modulus",
        ),
        (
            json!({"name": "x", "scopes": [], "publicJwk": {"kty": "EC", "crv": "P-256", "x": "AQAB", "y": "AQAB"}}),
            "short EC point",
        ),
        (
            json!({"name": "x", "scopes": [], "publicJwk": {"kty": "oct", "k": "AQAB"}}),
            "symmetric",
        ),
        (
            json!({"name": "x", "scopes": [], "publicJwk": "not a jwk"}),
            "not an object",
        ),
        (
            json!({"name": "x", "scopes": [], "resourceServers": ["https://a.example/#frag"]}),
            "fragment",
        ),
        (
            json!({"name": "x", "scopes": [], "resourceServers": ["relative/path"]}),
            "relative",
        ),
        (
            json!({"name": "x", "scopes": [], "resourceServers": ["https://a.example", "https://a.example"]}),
            "duplicate",
        ),
        (
            json!({"name": "x", "scopes": [], "status": "retired"}),
            "status",
        ),
    ] {
        let r = api.post("/v1/agents", body).await;
        assert_eq!(r.status, 400, "{why}: {}", r.text);
    }

    // An EC key binds too (P-256, 32-byte coordinates).
    let coord = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let r = api
        .post(
            "/v1/agents",
            json!({"name": "ec", "scopes": [], "publicJwk": {"kty": "EC", "crv": "P-256", "x": coord, "y": coord}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body["keyThumbprint"]
        .as_str()
        .is_some_and(|t| t.len() == 43));

    // Status changes are stamped, with the reason given; a suspended registration is allowed.
    let u = c
        .agents()
        .update(
            &a.agent_id,
            &UpdateAgentParams {
                status: Some("suspended".into()),
                status_reason: Some("key compromised".into()),
                resource_servers: Some(vec![]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(u.status, "suspended");
    assert_eq!(u.status_reason.as_deref(), Some("key compromised"));
    assert!(u.status_changed_at.is_some());
    assert!(u.resource_servers.is_empty());
    assert_eq!(c.agents().get(&a.agent_id).await.unwrap(), u);
    let s = c
        .agents()
        .register(&RegisterAgentParams {
            name: "dormant".into(),
            status: Some("suspended".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(s.status, "suspended");
}

/// The JWKS key that signed `jws`, checked with aws-lc-rs (independent of the core verifier).
async fn check_signature(jws: &str) -> (Value, Value) {
    let s = shared();
    let jwks: Value = http()
        .get(&s.jwks_uri)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut parts = jws.split('.');
    let (h, p, sig) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).unwrap()).unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("signed by a published key");
    let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    let e = URL_SAFE_NO_PAD.decode(key["e"].as_str().unwrap()).unwrap();
    aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{h}.{p}").as_bytes(),
            &URL_SAFE_NO_PAD.decode(sig).unwrap(),
        )
        .expect("signature verifies against the JWKS");
    (header, claims(jws))
}

#[tokio::test]
async fn verifiable_credential_on_request_and_redirect_uri_binding() {
    let (c, _) = live().await;
    let a = c
        .agents()
        .register(&RegisterAgentParams {
            name: "vc".into(),
            scopes: strings(&["calendar:read"]),
            redirect_uris: Some(strings(&["https://app.example.com/cb"])),
            ..Default::default()
        })
        .await
        .unwrap();
    let approved = |redirect: bool| {
        let c = c.clone();
        let agent_id = a.agent_id.clone();
        async move {
            let auth = c
                .authorize(&AuthorizeParams {
                    agent_id,
                    user_id: "usr_vc".into(),
                    scopes: strings(&["calendar:read"]),
                    redirect_uri: redirect.then(|| "https://app.example.com/cb".into()),
                    state: redirect.then(|| "st".into()),
                    purpose: Some("calendar.sync".into()),
                    ..Default::default()
                })
                .await
                .unwrap();
            c.consent()
                .approve(&auth.auth_request_id)
                .await
                .unwrap()
                .code
        }
    };
    let exchange =
        |code: String, format: Option<&str>, redirect: Option<&str>| ExchangeTokenParams {
            code,
            agent_id: a.agent_id.clone(),
            credential_format: format.map(str::to_owned),
            redirect_uri: redirect.map(str::to_owned),
            ..Default::default()
        };

    // Unsupported formats and a redirect URI other than the request's are refused (the code
    // stays unspent).
    let code = approved(true).await;
    for (format, redirect) in [
        (Some("sd-jwt"), None),
        (Some("agent-passport"), None),
        (None, Some("https://app.example.com/other")),
    ] {
        let e = c
            .tokens()
            .exchange(&exchange(code.clone(), format, redirect))
            .await
            .unwrap_err();
        assert_eq!(status(&e), 400, "{format:?} {redirect:?}: {e}");
    }
    let t = c
        .tokens()
        .exchange(&exchange(
            code,
            Some("vc-jwt"),
            Some("https://app.example.com/cb"),
        ))
        .await
        .unwrap();
    let vc = t.verifiable_credential.expect("a credential was asked for");
    let (header, body) = check_signature(&vc).await;
    assert_eq!(header["typ"], "vc+jwt");
    assert_eq!(body["sub"], a.did);
    assert_eq!(
        body["vc"]["type"],
        json!(["VerifiableCredential", "GrantexGrantCredential"])
    );
    let subject = &body["vc"]["credentialSubject"];
    assert_eq!(subject["id"], a.did);
    assert_eq!(subject["grantId"], t.grant_id);
    assert_eq!(subject["principalId"], "usr_vc");
    assert_eq!(subject["scopes"], json!(["calendar:read"]));
    assert_eq!(subject["purpose"], "calendar.sync");
    assert_eq!(body["exp"], claims(&t.grant_token)["exp"]);

    // The credential is not a grant token: the strict verifier refuses its `typ`.
    let jwks = grantex::JwksCache::remote(&shared().jwks_uri).unwrap();
    let opts = grantex::VerifyOptions {
        issuer: Some(shared().issuer.clone()),
        ..Default::default()
    };
    assert!(jwks.verify(&vc, &opts).await.is_err());
    let g = jwks.verify(&t.grant_token, &opts).await.unwrap();
    assert_eq!(
        g.delegation_depth, None,
        "a root token carries no depth claim"
    );
    // Both layouts, agreeing: nothing is read from a legacy alias.
    assert!(
        g.legacy_claims_used.is_empty(),
        "{:?}",
        g.legacy_claims_used
    );

    // `both` also issues one; a request without redirect URI accepts an exchange without one.
    let code = approved(false).await;
    let t = c
        .tokens()
        .exchange(&exchange(code, Some("both"), None))
        .await
        .unwrap();
    check_signature(&t.verifiable_credential.unwrap()).await;
    let code = approved(false).await;
    let e = c
        .tokens()
        .exchange(&exchange(code, None, Some("https://app.example.com/cb")))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400, "the request had no redirect URI: {e}");
}
