//! The consent page's CSRF protection and `--strict-consent`.
//!
//! The page sets a per-request cookie (a random nonce, HttpOnly, SameSite=Strict, Path=/, at most
//! the request's remaining life) and embeds a token bound to the request and that nonce in its
//! two forms; `POST /consent/:id/approve|deny` refuses (403 `CSRF_CHECK_FAILED`, the request
//! stays pending) without the pair. The JSON routes `POST /v1/consent/:id/approve|deny` stay
//! open by default; with `--strict-consent` they need the request principal's session.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use grantex::types::*;
use serde_json::json;

const SCOPES: &[&str] = &["calendar:read", "email:send"];

/// A fresh live developer with one agent.
async fn live(s: &ServerRef) -> (grantex::Client, SignupResponse, Agent) {
    let (c, dev) = developer(s, Mode::Live).await;
    let a = agent(&c, "Csrf Agent", SCOPES).await;
    (c, dev, a)
}

async fn request(
    c: &grantex::Client,
    a: &Agent,
    principal: &str,
    redirect: Option<&str>,
    state: Option<&str>,
) -> String {
    c.authorize(&AuthorizeParams {
        agent_id: a.agent_id.clone(),
        user_id: principal.into(),
        scopes: strings(SCOPES),
        redirect_uri: redirect.map(str::to_string),
        state: state.map(str::to_string),
        ..Default::default()
    })
    .await
    .expect("authorize")
    .auth_request_id
}

/// What one load of the consent page gave the browser.
#[derive(Debug, Clone)]
struct Page {
    /// The whole `Set-Cookie` value.
    set_cookie: String,
    /// `name=value`, as a `Cookie` header sends it.
    cookie: String,
    token: String,
    csp: String,
}

/// The value of every `name="csrf" value="…"` in the page.
fn tokens_in(html: &str) -> Vec<String> {
    html.split("name=\"csrf\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

async fn load_page(base: &str, id: &str) -> Page {
    let r = Api::new(base, None)
        .get(&format!("/consent?req={id}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cookies: Vec<&str> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 1, "one cookie: {cookies:?}");
    let set_cookie = cookies[0].to_string();
    let tokens = tokens_in(&r.text);
    assert_eq!(tokens.len(), 2, "a token in each form:\n{}", r.text);
    assert_eq!(tokens[0], tokens[1]);
    assert!(
        r.text.contains(&format!("action=\"consent/{id}/approve\""))
            && r.text.contains(&format!("action=\"consent/{id}/deny\""))
            && r.text.contains("method=\"post\""),
        "real forms:\n{}",
        r.text
    );
    Page {
        cookie: set_cookie.split(';').next().unwrap().trim().to_string(),
        set_cookie,
        token: tokens[0].clone(),
        csp: r.header("content-security-policy").unwrap().to_string(),
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Submits the consent form `action` for `id` as a browser would, with the given cookie header
/// and form token (each optional).
async fn submit(
    base: &str,
    id: &str,
    action: &str,
    cookie: Option<&str>,
    token: Option<&str>,
    html: bool,
) -> Resp {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    if let Some(t) = token {
        body.append_pair("csrf", t);
    }
    let mut rb = no_redirects()
        .post(format!("{base}/consent/{id}/{action}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.finish());
    if let Some(c) = cookie {
        rb = rb.header("cookie", c);
    }
    if html {
        rb = rb.header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    }
    Api::finish(rb).await
}

async fn assert_pending(base: &str, id: &str) {
    let r = Api::new(base, None).get(&format!("/v1/consent/{id}")).await;
    assert_eq!(r.status, 200, "request {id} still answerable: {}", r.text);
    assert_eq!(r.body["status"], "pending", "{}", r.text);
}

fn location(r: &Resp) -> url::Url {
    assert_eq!(r.status, 303, "{}", r.text);
    url::Url::parse(r.header("location").expect("Location")).unwrap()
}

fn query(u: &url::Url) -> Vec<(String, String)> {
    u.query_pairs().into_owned().collect()
}

fn param(u: &url::Url, k: &str) -> Option<String> {
    u.query_pairs()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.into_owned())
}

fn assert_cleared(r: &Resp, id: &str) {
    let cleared = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.contains(&format!("gx_consent_{id}=;")))
        .unwrap_or_else(|| panic!("the answer clears the cookie: {:?}", r.headers));
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
}

#[tokio::test]
async fn the_page_sets_a_short_lived_request_bound_cookie_and_token() {
    let s = shared();
    let (c, _, a) = live(s).await;
    let id = request(&c, &a, "alice", Some("http://127.0.0.1:9/cb"), None).await;
    let p = load_page(&s.base_url, &id).await;
    assert!(
        p.set_cookie.starts_with(&format!("gx_consent_{id}=")),
        "{}",
        p.set_cookie
    );
    let attrs: Vec<&str> = p.set_cookie.split(';').map(str::trim).collect();
    for want in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(attrs.contains(&want), "{want} in {}", p.set_cookie);
    }
    assert!(
        !attrs.contains(&"Secure"),
        "plain http: no Secure ({})",
        p.set_cookie
    );
    let max_age: i64 = attrs
        .iter()
        .find_map(|a| a.strip_prefix("Max-Age="))
        .expect("Max-Age")
        .parse()
        .unwrap();
    assert!(
        (590..=600).contains(&max_age),
        "lives as long as the request (10 min): {max_age}"
    );
    let nonce = p.cookie.split_once('=').unwrap().1;
    assert_eq!(nonce.len(), 43, "32 random bytes: {nonce}");
    assert_eq!(p.token.len(), 43, "HMAC-SHA256: {}", p.token);
    assert!(
        !p.token.contains(nonce),
        "the token is not the nonce itself"
    );
    // The forms may post to this server and be redirected to the redirect URI's origin only.
    assert!(
        p.csp
            .contains("form-action 'self' http://127.0.0.1:9; frame-ancestors 'none'"),
        "{}",
        p.csp
    );
    // Every load gets a fresh nonce and token.
    let again = load_page(&s.base_url, &id).await;
    assert_ne!(again.cookie, p.cookie);
    assert_ne!(again.token, p.token);
    // A finished request gets no cookie.
    Api::new(&s.base_url, None)
        .post(&format!("/v1/consent/{id}/deny"), json!({}))
        .await;
    let r = Api::new(&s.base_url, None)
        .get(&format!("/consent?req={id}"))
        .await;
    assert_eq!(r.status, 410);
    assert!(r.header("set-cookie").is_none());
}

#[tokio::test]
async fn form_approve_with_cookie_and_token_redirects_with_code_and_state() {
    let s = shared();
    let (c, _, a) = live(s).await;
    let state = "st8 with spaces&symbols=1";
    let id = request(
        &c,
        &a,
        "alice",
        Some("https://app.example.com/cb?tenant=acme&code=stale"),
        Some(state),
    )
    .await;
    let p = load_page(&s.base_url, &id).await;
    let r = submit(
        &s.base_url,
        &id,
        "approve",
        Some(&format!("other=1; {}; more=2", p.cookie)),
        Some(&p.token),
        true,
    )
    .await;
    let to = location(&r);
    assert_eq!(
        (to.scheme(), to.host_str(), to.path()),
        ("https", Some("app.example.com"), "/cb")
    );
    assert_eq!(param(&to, "tenant").as_deref(), Some("acme"), "{to}");
    assert_eq!(param(&to, "state").as_deref(), Some(state), "{to}");
    let codes: Vec<_> = query(&to)
        .into_iter()
        .filter(|(k, _)| k == "code")
        .collect();
    assert_eq!(
        codes.len(),
        1,
        "the code replaces any code in the URI: {to}"
    );
    assert_ne!(codes[0].1, "stale");
    assert_cleared(&r, &id);
    let token = c
        .tokens()
        .exchange(&ExchangeTokenParams {
            code: codes[0].1.clone(),
            agent_id: a.agent_id.clone(),
            code_verifier: None,
            ..Default::default()
        })
        .await
        .expect("the form's code exchanges");
    assert!(c.tokens().verify(&token.grant_token).await.unwrap().valid);

    // The same pair again: the request is answered (410), as a page for a browser, JSON otherwise.
    let again = submit(
        &s.base_url,
        &id,
        "approve",
        Some(&p.cookie),
        Some(&p.token),
        true,
    )
    .await;
    assert_eq!(again.status, 410);
    assert!(again
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let again = submit(
        &s.base_url,
        &id,
        "approve",
        Some(&p.cookie),
        Some(&p.token),
        false,
    )
    .await;
    assert_envelope(&again, 410, "GONE");
}

#[tokio::test]
async fn form_deny_and_answers_without_a_redirect_uri() {
    let s = shared();
    let (c, _, a) = live(s).await;
    let id = request(
        &c,
        &a,
        "alice",
        Some("https://app.example.com/cb"),
        Some("s1"),
    )
    .await;
    let p = load_page(&s.base_url, &id).await;
    let r = submit(
        &s.base_url,
        &id,
        "deny",
        Some(&p.cookie),
        Some(&p.token),
        true,
    )
    .await;
    let to = location(&r);
    assert_eq!(
        query(&to),
        vec![
            ("error".to_string(), "access_denied".to_string()),
            ("state".to_string(), "s1".to_string())
        ]
    );
    assert_cleared(&r, &id);
    assert_eq!(
        status(&c.consent().get(&id).await.unwrap_err()),
        410,
        "denied"
    );

    for (action, text) in [
        ("approve", "Approved. You can close this window."),
        ("deny", "Denied. You can close this window."),
    ] {
        let id = request(&c, &a, "alice", None, None).await;
        let p = load_page(&s.base_url, &id).await;
        let r = submit(
            &s.base_url,
            &id,
            action,
            Some(&p.cookie),
            Some(&p.token),
            true,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.text.contains(text), "{}", r.text);
        assert_cleared(&r, &id);
        assert_eq!(status(&c.consent().get(&id).await.unwrap_err()), 410);
    }
}

#[tokio::test]
async fn form_answers_without_the_right_cookie_and_token_are_refused_and_stay_pending() {
    let s = shared();
    let base = s.base_url.as_str();
    let (c, _, a) = live(s).await;
    let id = request(
        &c,
        &a,
        "alice",
        Some("https://app.example.com/cb"),
        Some("x"),
    )
    .await;
    let other = request(
        &c,
        &a,
        "alice",
        Some("https://app.example.com/cb"),
        Some("y"),
    )
    .await;
    let p = load_page(base, &id).await;
    let q = load_page(base, &other).await;
    // A second load of the same request: its own nonce, its own token.
    let p2 = load_page(base, &id).await;
    // A token of the right length and alphabet that no page issued.
    let forged = "A".repeat(43);
    // The other request's cookie renamed to this request's name: its nonce is not this one's.
    let renamed = format!("gx_consent_{id}={}", q.cookie.split_once('=').unwrap().1);

    let cases: Vec<(&str, Option<&str>, Option<&str>, &str)> = vec![
        ("no cookie", None, Some(&p.token), "cookie"),
        (
            "unrelated cookies only",
            Some("a=1; b=2"),
            Some(&p.token),
            "cookie",
        ),
        ("no token", Some(&p.cookie), None, "token is missing"),
        ("empty token", Some(&p.cookie), Some(""), "token is missing"),
        (
            "forged token",
            Some(&p.cookie),
            Some(&forged),
            "does not match",
        ),
        (
            "not base64",
            Some(&p.cookie),
            Some("<script>"),
            "does not match",
        ),
        (
            "another request's token",
            Some(&p.cookie),
            Some(&q.token),
            "does not match",
        ),
        (
            "another request's pair",
            Some(&q.cookie),
            Some(&q.token),
            "cookie",
        ),
        (
            "another request's nonce",
            Some(&renamed),
            Some(&q.token),
            "does not match",
        ),
        (
            "another page load's token",
            Some(&p.cookie),
            Some(&p2.token),
            "does not match",
        ),
        (
            "another page load's cookie",
            Some(&p2.cookie),
            Some(&p.token),
            "does not match",
        ),
    ];
    for action in ["approve", "deny"] {
        for (what, cookie, token, says) in &cases {
            let r = submit(base, &id, action, *cookie, *token, false).await;
            assert_envelope(&r, 403, "CSRF_CHECK_FAILED");
            let msg = r.body["message"].as_str().unwrap();
            assert!(msg.contains(says), "{action}, {what}: {msg}");
            assert!(r.header("location").is_none(), "{action}, {what}");
            assert_pending(base, &id).await;
        }
    }
    // A browser is shown a page with the same status and reason.
    let r = submit(base, &id, "approve", None, Some(&p.token), true).await;
    assert_eq!(r.status, 403);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("security cookie is missing"), "{}", r.text);
    // The token only counts as a form field: as JSON, or in the query, it is missing.
    let r = Api::finish(
        no_redirects()
            .post(format!("{base}/consent/{id}/approve?csrf={}", p.token))
            .header("cookie", &p.cookie)
            .json(&json!({ "csrf": p.token })),
    )
    .await;
    assert_envelope(&r, 403, "CSRF_CHECK_FAILED");
    assert_pending(base, &id).await;
    // A cookie for an unknown request and its token do not reach anything either.
    let r = submit(
        base,
        "areq_nope",
        "approve",
        Some(&p.cookie),
        Some(&p.token),
        false,
    )
    .await;
    assert_envelope(&r, 403, "CSRF_CHECK_FAILED");

    // Each page load's own pair still works; the other request is untouched.
    let r = submit(
        base,
        &id,
        "approve",
        Some(&p2.cookie),
        Some(&p2.token),
        false,
    )
    .await;
    assert!(param(&location(&r), "code").is_some());
    assert_pending(base, &other).await;
    let r = submit(base, &other, "deny", Some(&q.cookie), Some(&q.token), false).await;
    assert_eq!(
        param(&location(&r), "error").as_deref(),
        Some("access_denied")
    );
}

#[tokio::test]
async fn json_consent_routes_stay_reference_compatible_by_default() {
    let s = shared();
    let (c, _, a) = live(s).await;
    let public = Api::new(&s.base_url, None);
    let id = request(
        &c,
        &a,
        "alice",
        Some("https://app.example.com/cb"),
        Some("z"),
    )
    .await;
    let r = public
        .post(&format!("/v1/consent/{id}/approve"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["code"].as_str().is_some_and(|c| !c.is_empty()));
    assert_eq!(r.body["state"], "z");
    let id = request(&c, &a, "alice", None, None).await;
    let r = public
        .post(&format!("/v1/consent/{id}/deny"), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The SDK's call (it sends the developer key, which these routes ignore).
    let id = request(&c, &a, "alice", None, None).await;
    assert!(!c.consent().approve(&id).await.unwrap().code.is_empty());
}

async fn session(s: &ServerRef, key: &str, principal: &str) -> String {
    let r = Api::new(&s.base_url, Some(key))
        .post(
            "/v1/principal-sessions",
            json!({ "principalId": principal, "expiresIn": "1h" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["sessionToken"].as_str().unwrap().to_string()
}

async fn post_with(base: &str, path: &str, bearer: Option<&str>) -> Resp {
    let mut rb = http().post(format!("{base}{path}")).json(&json!({}));
    if let Some(b) = bearer {
        rb = rb.bearer_auth(b);
    }
    Api::finish(rb).await
}

#[tokio::test]
async fn strict_consent_needs_the_request_principals_session_on_the_json_routes() {
    let dir = TempDir::new("strict-consent");
    let server = ChildServer::start(
        dir.path(),
        &[
            "--strict-consent",
            "--public-url",
            "https://grantex.example",
        ],
        &[],
    );
    let s = &server.info;
    let base = s.base_url.as_str();
    let (c, dev, a) = live(s).await;
    let (c2, dev2, a2) = live(s).await;

    // Principal sessions need an active grant: alice and bob get theirs on the consent page,
    // which strict mode leaves as it is; so does another developer's "alice".
    for (c, a, who) in [(&c, &a, "alice"), (&c, &a, "bob"), (&c2, &a2, "alice")] {
        let id = request(c, a, who, Some("https://app.example.com/cb"), None).await;
        let p = load_page(base, &id).await;
        assert!(
            p.set_cookie
                .starts_with(&format!("__Host-gx_consent_{id}="))
                && p.set_cookie.ends_with("; Secure"),
            "an https public URL gives a __Host- Secure cookie: {}",
            p.set_cookie
        );
        let r = submit(base, &id, "approve", Some(&p.cookie), Some(&p.token), true).await;
        let code = param(&location(&r), "code").unwrap();
        c.tokens()
            .exchange(&ExchangeTokenParams {
                code,
                agent_id: a.agent_id.clone(),
                code_verifier: None,
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let alice = session(s, &dev.api_key, "alice").await;
    let bob = session(s, &dev.api_key, "bob").await;
    let other_devs_alice = session(s, &dev2.api_key, "alice").await;

    for action in ["approve", "deny"] {
        let id = request(
            &c,
            &a,
            "alice",
            Some("https://app.example.com/cb"),
            Some("st"),
        )
        .await;
        let path = format!("/v1/consent/{id}/{action}");
        // No session: 401 naming the flag.
        let r = post_with(base, &path, None).await;
        assert_envelope(&r, 401, "UNAUTHORIZED");
        assert!(
            r.body["message"]
                .as_str()
                .unwrap()
                .contains("--strict-consent"),
            "{}",
            r.text
        );
        // The developer's API key (what the SDK sends) is not a principal session.
        let e = if action == "approve" {
            c.consent().approve(&id).await.map(|_| ()).unwrap_err()
        } else {
            c.consent().deny(&id).await.map(|_| ()).unwrap_err()
        };
        assert_eq!((status(&e), code(&e).as_str()), (401, "UNAUTHORIZED"));
        assert_envelope(
            &post_with(base, &path, Some("garbage.token.here")).await,
            401,
            "UNAUTHORIZED",
        );
        // Another principal's session, and another developer's session for the same name: 403.
        for wrong in [&bob, &other_devs_alice] {
            let r = post_with(base, &path, Some(wrong)).await;
            assert_envelope(&r, 403, "FORBIDDEN");
            assert!(
                r.body["message"].as_str().unwrap().contains("principal"),
                "{}",
                r.text
            );
        }
        assert_pending(base, &id).await;
        // The request principal's own session: accepted.
        let r = post_with(base, &path, Some(&alice)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["state"], "st");
        if action == "approve" {
            let code = r.body["code"].as_str().unwrap().to_string();
            c.tokens()
                .exchange(&ExchangeTokenParams {
                    code,
                    agent_id: a.agent_id.clone(),
                    code_verifier: None,
                    ..Default::default()
                })
                .await
                .expect("the strict approval's code exchanges");
        }
        assert_eq!(status(&c.consent().get(&id).await.unwrap_err()), 410);
    }
    // An unknown request with a valid session: the usual answers.
    assert_envelope(
        &post_with(base, "/v1/consent/areq_nope/approve", Some(&alice)).await,
        410,
        "GONE",
    );
    assert_envelope(
        &post_with(base, "/v1/consent/areq_nope/deny", Some(&alice)).await,
        404,
        "NOT_FOUND",
    );
    // A revoked session (the developer ended alice's sessions) no longer answers.
    let id = request(&c, &a, "alice", None, None).await;
    let r = Api::new(base, Some(&dev.api_key))
        .call("DELETE", "/v1/principal-sessions/alice", None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = post_with(base, &format!("/v1/consent/{id}/approve"), Some(&alice)).await;
    assert_envelope(&r, 401, "UNAUTHORIZED");
    assert_pending(base, &id).await;
    // The form still needs its cookie and token in strict mode.
    let p = load_page(base, &id).await;
    let r = submit(base, &id, "approve", None, Some(&p.token), false).await;
    assert_envelope(&r, 403, "CSRF_CHECK_FAILED");
    assert_pending(base, &id).await;
    drop(server);
}

#[tokio::test]
async fn the_csrf_secret_lives_in_the_data_dir_and_survives_a_restart() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("csrf-restart");
    let data = dir.path().join("data");
    let first = ChildServer::start(&data, &[], &[]);
    let key_file = data.join("consent-csrf.key");
    let meta = std::fs::metadata(&key_file).expect("consent-csrf.key created on first start");
    assert_eq!(meta.len(), 32);
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let secret = std::fs::read(&key_file).unwrap();
    assert!(
        !first.output().contains(&URL_SAFE_NO_PAD.encode(&secret)),
        "the secret is never printed"
    );
    let (c, _, a) = live(&first.info).await;
    let id = request(&c, &a, "alice", Some("https://app.example.com/cb"), None).await;
    let p = load_page(&first.info.base_url, &id).await;
    assert!(first.terminate().success());

    // Same data dir, new process (and port): the page loaded before the restart still answers.
    let second = ChildServer::start(&data, &[], &[]);
    assert_eq!(
        std::fs::read(&key_file).unwrap(),
        secret,
        "kept, not regenerated"
    );
    let base = second.info.base_url.as_str();
    let r = submit(base, &id, "approve", Some(&p.cookie), Some(&p.token), false).await;
    assert!(param(&location(&r), "code").is_some());

    // Another data dir has another secret: the same pair means nothing there.
    let other_dir = TempDir::new("csrf-other");
    let other = ChildServer::start(other_dir.path(), &[], &[]);
    let (c2, _, a2) = live(&other.info).await;
    let id2 = request(&c2, &a2, "alice", None, None).await;
    let p2 = load_page(&other.info.base_url, &id2).await;
    let transplanted = format!("gx_consent_{id2}={}", p.cookie.split_once('=').unwrap().1);
    let r = submit(
        &other.info.base_url,
        &id2,
        "approve",
        Some(&transplanted),
        Some(&p.token),
        false,
    )
    .await;
    assert_envelope(&r, 403, "CSRF_CHECK_FAILED");
    assert_pending(&other.info.base_url, &id2).await;
    let r = submit(
        &other.info.base_url,
        &id2,
        "approve",
        Some(&p2.cookie),
        Some(&p2.token),
        false,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    drop(second);
}
