//! The grant token's layout as issued: typed `at+jwt`, the standard claims always (`scope`,
//! `urn:grantex:grant`, the RFC 8693 `act` chain of a delegated grant), the legacy aliases only
//! while `--grant-token-legacy-claims` is on; and what the core verifier reads from it with
//! `standard_claims_only` (the reference SDKs' `legacy_claims=False`), proof-of-possession
//! options, and a `did:web` issuer resolved to this server. An agent registered with a
//! `publicJwk` gets key-bound tokens (`cnf.jkt`) that verify only with a DPoP proof made with
//! that key.

mod common;

use common::*;
use grantex::types::*;
use grantex::{JwksCache, TokenErrorCode, VerifyOptions};
use serde_json::{json, Value};

fn header(token: &str) -> Value {
    use base64::Engine as _;
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap(),
    )
    .unwrap()
}

fn standard_only(issuer: &str) -> VerifyOptions {
    VerifyOptions {
        issuer: Some(issuer.into()),
        standard_claims_only: true,
        ..Default::default()
    }
}

const ALIASES: [&str; 7] = [
    "agt",
    "dev",
    "scp",
    "grnt",
    "parentAgt",
    "parentGrnt",
    "delegationDepth",
];

/// Root grant for `a`, delegated to `b`, then from `b` to `c`: the three tokens.
async fn chain(c: &grantex::Client) -> (Agent, Agent, Agent, [String; 3], DelegateResponse) {
    let a = agent(c, "layout-root", &["read", "write"]).await;
    let b = agent(c, "layout-mid", &["read", "write"]).await;
    let d = agent(c, "layout-leaf", &["read"]).await;
    let root = grant(c, &a.agent_id, "alice", &["read", "write"]).await;
    let mid = delegate(c, &root.grant_token, &b.agent_id, &["read", "write"]).await;
    let leaf = delegate(c, &mid.grant_token, &d.agent_id, &["read"]).await;
    let tokens = [
        root.grant_token.clone(),
        mid.grant_token.clone(),
        leaf.grant_token.clone(),
    ];
    (a, b, d, tokens, leaf)
}

#[tokio::test]
async fn tokens_carry_both_layouts_typed_at_jwt_with_the_act_chain() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let (a, b, d, [root, mid, leaf], leaf_resp) = chain(&c).await;
    for t in [&root, &mid, &leaf] {
        assert_eq!(header(t)["typ"], "at+jwt");
    }
    let r = claims(&root);
    assert_eq!(r["scope"], "read write");
    assert_eq!(r["scp"], json!(["read", "write"]));
    assert_eq!(r["urn:grantex:grant"]["agent_did"], a.did.as_str());
    assert_eq!(r["agt"], a.did.as_str());
    assert!(r.get("act").is_none(), "a root grant has no actor");
    assert!(r["urn:grantex:grant"].get("delegation_depth").is_none());

    let m = claims(&mid);
    assert_eq!(m["act"], json!({ "sub": a.did }));
    assert_eq!(m["urn:grantex:grant"]["delegation_depth"], 1);
    let l = claims(&leaf);
    assert_eq!(
        l["act"],
        json!({ "sub": b.did, "act": { "sub": a.did } }),
        "nearest delegator first, one level per hop"
    );
    assert_eq!(l["urn:grantex:grant"]["agent_did"], d.did.as_str());
    assert_eq!(l["urn:grantex:grant"]["delegation_depth"], 2);
    assert_eq!(l["parentAgt"], b.did.as_str());

    // Both layouts agree, so nothing is read from an alias, and a standard-only verifier
    // (legacy_claims=False) reads the same grant.
    let jwks = JwksCache::remote(&s.jwks_uri).unwrap();
    let both = jwks
        .verify(
            &leaf,
            &VerifyOptions {
                issuer: Some(s.issuer.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        both.legacy_claims_used.is_empty(),
        "{:?}",
        both.legacy_claims_used
    );
    let std = jwks.verify(&leaf, &standard_only(&s.issuer)).await.unwrap();
    assert_eq!(std, both);
    assert_eq!(std.parent_agent_did.as_deref(), Some(b.did.as_str()));
    assert_eq!(std.delegation_depth, Some(2));
    assert_eq!(std.scopes, ["read"]);

    // A refreshed delegated token keeps its chain (read back from the grants' rows).
    let refreshed = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: leaf_resp.refresh_token.clone().expect("a refresh token"),
            agent_id: d.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(claims(&refreshed.grant_token)["act"], l["act"]);
    jwks.verify(&refreshed.grant_token, &standard_only(&s.issuer))
        .await
        .unwrap();
}

#[tokio::test]
async fn without_legacy_claims_only_the_standard_layout_is_issued() {
    let dir = TempDir::new("layout-standard");
    let srv = ChildServer::start(dir.path(), &["--grant-token-legacy-claims", "false"], &[]);
    let info = &srv.info;
    let c = client(&info.base_url, &info.api_key);
    let (_, _, _, tokens, _) = chain(&c).await;
    let jwks = JwksCache::remote(&info.jwks_uri).unwrap();
    for t in &tokens {
        let cl = claims(t);
        for alias in ALIASES {
            assert!(cl.get(alias).is_none(), "{alias} in {cl}");
        }
        // Every verifier reads it: ours with and without legacy claims.
        jwks.verify(t, &standard_only(&info.issuer)).await.unwrap();
        let g = jwks
            .verify(
                t,
                &VerifyOptions {
                    issuer: Some(info.issuer.clone()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(g.legacy_claims_used.is_empty());
    }
    assert_eq!(
        jwks.verify(&tokens[2], &standard_only(&info.issuer))
            .await
            .unwrap()
            .delegation_depth,
        Some(2)
    );
}

#[tokio::test]
async fn proof_of_possession_options_fail_closed_on_an_unbound_token() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "layout-pop", &["read"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["read"]).await;
    let jwks = JwksCache::remote(&s.jwks_uri).unwrap();
    let opts = |jkt: Option<&str>, required: bool| VerifyOptions {
        issuer: Some(s.issuer.clone()),
        proof_jkt: jkt.map(str::to_string),
        require_proof_of_possession: required,
        ..Default::default()
    };
    let code = |r: grantex::Result<grantex::VerifiedGrant>| match r {
        Err(grantex::Error::Token(e)) => e.code,
        other => panic!("expected a token error, got {other:?}"),
    };
    // An agent without a registered key gets unbound tokens (no cnf): a proof key given is refused,
    // as is a required proof that was not given; without the options the token verifies.
    let g = jwks
        .verify(&t.grant_token, &opts(None, false))
        .await
        .unwrap();
    assert!(g.cnf.is_none());
    assert_eq!(
        code(
            jwks.verify(
                &t.grant_token,
                &opts(Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"), false)
            )
            .await
        ),
        TokenErrorCode::NotKeyBound
    );
    assert_eq!(
        code(jwks.verify(&t.grant_token, &opts(None, true)).await),
        TokenErrorCode::ProofRequired
    );
}

#[tokio::test]
async fn a_did_web_issuer_reads_the_keys_at_the_dids_location() {
    // A local server stands in for the DID's host: `did:web:localhost%3A<port>` resolves to
    // http://localhost:<port> only in the explicit development mode.
    std::env::set_var(grantex::verify::did_web::ALLOW_LOCALHOST_ENV, "1");
    let s = shared();
    let port = s.base_url.rsplit(':').next().unwrap().trim_end_matches('/');
    let did = format!("did:web:localhost%3A{port}");
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "layout-did", &["read"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["read"]).await;
    let opts = VerifyOptions {
        issuer_did: Some(did.clone()),
        // The DID's location is http://localhost:<port>; this server's issuer is its own URL.
        issuer: Some(s.issuer.clone()),
        ..Default::default()
    };
    // The cache comes from the DID, not from a JWKS URI ...
    let cache = JwksCache::for_options(None, &opts).unwrap();
    assert_eq!(
        cache.jwks_uri(),
        Some(format!("http://localhost:{port}/.well-known/jwks.json").as_str())
    );
    let g = cache.verify(&t.grant_token, &opts).await.unwrap();
    assert_eq!(g.agent_did, a.did);
    // ... and a cache for another URI is not used: the DID is the trust anchor.
    let elsewhere = JwksCache::remote("http://127.0.0.1:9/.well-known/jwks.json").unwrap();
    elsewhere.verify(&t.grant_token, &opts).await.unwrap();
    // Without an explicit issuer the DID's location is expected, which this server's tokens
    // do not name.
    let by_did = VerifyOptions {
        issuer: None,
        ..opts.clone()
    };
    match cache.verify(&t.grant_token, &by_did).await {
        Err(grantex::Error::Token(e)) => assert_eq!(e.code, TokenErrorCode::WrongIssuer),
        other => panic!("{other:?}"),
    }
    // A static key set cannot stand in for the DID's.
    let doc = http()
        .get(&s.jwks_uri)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fixed = JwksCache::from_json(&doc).unwrap();
    let err = fixed.verify(&t.grant_token, &opts).await.unwrap_err();
    assert_eq!(err.code(), "config_error", "{err}");
}

#[tokio::test]
async fn a_registered_agent_key_binds_tokens_to_dpop_proofs() {
    use grantex::dpop;
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let key = dpop::generate_key().unwrap();
    let public: Value = serde_json::from_str(&dpop::public_jwk(&key).unwrap()).unwrap();
    let jkt = dpop::thumbprint(&key).unwrap();
    let a = c
        .agents()
        .register(&RegisterAgentParams {
            name: "layout-dpop".into(),
            description: "key-bound agent".into(),
            scopes: vec!["read".into()],
            public_jwk: Some(public),
            ..Default::default()
        })
        .await
        .unwrap();
    let t = grant(&c, &a.agent_id, "alice", &["read"]).await;
    assert_eq!(claims(&t.grant_token)["cnf"], json!({ "jkt": jkt }));

    let jwks = JwksCache::remote(&s.jwks_uri).unwrap();
    let url = "https://tools.example.com/v1/mail/send?draft=1";
    let with_proof = |proof: String, method: &str| VerifyOptions {
        issuer: Some(s.issuer.clone()),
        require_proof_of_possession: true,
        dpop: Some(dpop::DpopRequest {
            proof,
            method: method.into(),
            url: url.into(),
        }),
        ..Default::default()
    };
    let code = |r: grantex::Result<grantex::VerifiedGrant>| match r {
        Err(grantex::Error::Token(e)) => e.code,
        other => panic!("expected a token error, got {other:?}"),
    };
    let proof = dpop::create_proof(&key, "POST", url, Some(&t.grant_token)).unwrap();
    let g = jwks
        .verify(&t.grant_token, &with_proof(proof.clone(), "POST"))
        .await
        .unwrap();
    assert_eq!(g.cnf, Some(json!({ "jkt": jkt })));
    // The same proof again is a replay.
    assert_eq!(
        code(
            jwks.verify(&t.grant_token, &with_proof(proof, "POST"))
                .await
        ),
        TokenErrorCode::InvalidProof
    );
    // A proof for another method, for another token, or made with another key.
    let other = dpop::create_proof(&key, "GET", url, Some(&t.grant_token)).unwrap();
    assert_eq!(
        code(
            jwks.verify(&t.grant_token, &with_proof(other, "POST"))
                .await
        ),
        TokenErrorCode::InvalidProof
    );
    let unbound = dpop::create_proof(&key, "POST", url, Some("another token")).unwrap();
    assert_eq!(
        code(
            jwks.verify(&t.grant_token, &with_proof(unbound, "POST"))
                .await
        ),
        TokenErrorCode::InvalidProof
    );
    let thief = dpop::generate_key().unwrap();
    let stolen = dpop::create_proof(&thief, "POST", url, Some(&t.grant_token)).unwrap();
    assert_eq!(
        code(
            jwks.verify(&t.grant_token, &with_proof(stolen, "POST"))
                .await
        ),
        TokenErrorCode::ProofMismatch
    );

    // A refreshed token stays bound; a sub-agent without a key gets an unbound delegated token.
    let refreshed = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: t.refresh_token.clone(),
            agent_id: a.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!(claims(&refreshed.grant_token)["cnf"], json!({ "jkt": jkt }));
    let sub = agent(&c, "layout-dpop-sub", &["read"]).await;
    let child = delegate(&c, &t.grant_token, &sub.agent_id, &["read"]).await;
    assert!(claims(&child.grant_token).get("cnf").is_none());
}
