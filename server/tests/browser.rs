//! The consent page in a real headless Chromium, driven through chromedriver's W3C WebDriver
//! HTTP API: the page explains every scope in plain language, Approve sends the browser to the
//! redirect URI with `code` and the original `state` (keeping its query), Deny sends
//! `error=access_denied`; the same with JavaScript disabled (the buttons are real forms); the
//! forms' CSRF pair (cookie + token) is what the browser really sends, and a tampered token, a
//! deleted cookie or a form on another origin is refused. The tests FAIL when Chromium is missing
//! unless `GRANTEX_SKIP_BROWSER_TESTS=1` is set.

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn skip() -> bool {
    if std::env::var("GRANTEX_SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
        eprintln!("GRANTEX_SKIP_BROWSER_TESTS=1: skipping the real-browser consent test");
        return true;
    }
    false
}

fn find(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    for n in names {
        for dir in path.split(':').chain(["/usr/bin", "/usr/lib/chromium"]) {
            let p = std::path::Path::new(dir).join(n);
            if p.is_file() {
                return Some(p.to_string_lossy().into_owned());
            }
        }
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver, started in its own process group so that it and every Chromium process it
/// starts can be stopped together: the whole group is SIGKILLed on drop (also when a test fails
/// before the WebDriver session exists).
struct Driver(Child);

impl Driver {
    /// `tmp` is the TMPDIR of chromedriver and every Chromium it starts: Chromium's own temp
    /// dirs (`org.chromium.Chromium.scoped_dir.*`) stay there, inside the test's profile dir,
    /// even when a Chromium slow to close under load is killed before it removes them.
    fn start(bin: &str, port: u16, tmp: &std::path::Path) -> Driver {
        use std::os::unix::process::CommandExt;
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .env("TMPDIR", tmp)
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        Driver(child)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// chromedriver + one headless Chromium session; the session is ended, then the driver's
/// process group stopped, on drop.
struct Browser {
    _driver: Driver,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: TempDir,
    _chromium_tmp: TempDir,
}

impl Browser {
    async fn start() -> Browser {
        Self::start_with(true).await
    }

    /// A session with JavaScript enabled or disabled (Chromium's content setting).
    async fn start_with(javascript: bool) -> Browser {
        let missing = "Chromium/chromedriver not found. Install them with \
            `apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver`, \
            or set GRANTEX_SKIP_BROWSER_TESTS=1 to skip the real-browser consent tests.";
        let driver_bin = find(&["chromedriver"]).unwrap_or_else(|| panic!("{missing}"));
        let chromium = find(&["chromium", "chromium-browser", "google-chrome"])
            .unwrap_or_else(|| panic!("{missing}"));
        let port = free_port();
        // Created first, dropped last (after the driver's process group is stopped). Chromium
        // puts a Unix socket in its TMPDIR, and socket paths are limited to 107 bytes: its temp
        // dir gets a short name.
        let profile = TempDir::new("chromium-profile");
        let tmp = TempDir(std::env::temp_dir().join(format!("cr{:x}{port:x}", std::process::id())));
        std::fs::create_dir_all(tmp.path()).unwrap();
        let user_data = profile.path().join("user-data");
        let driver = Driver::start(&driver_bin, port, tmp.path());
        let base = format!("http://127.0.0.1:{port}");
        let http = http();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if r.json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v["value"]["ready"].as_bool())
                    == Some(true)
                {
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                         format!("--user-data-dir={}", user_data.display())],
                "prefs": {"profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }}
            }
        }}});
        // Chromium's first start on a busy machine can take longer than the client's timeout.
        let r: Value = http
            .post(format!("{base}/session"))
            .timeout(Duration::from_secs(120))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {r}"))
            .to_string();
        Browser {
            _driver: driver,
            base,
            session,
            http,
            _profile: profile,
            _chromium_tmp: tmp,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_cmd(method, path, body)
            .await
            .unwrap_or_else(|v| panic!("WebDriver error on {path}: {v}"))
    }

    /// The command's value, or the WebDriver error answer.
    async fn try_cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, Value> {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut rb = self.http.request(method, url);
        rb = rb.json(&body.unwrap_or_else(|| json!({})));
        let v: Value = rb.send().await.unwrap().json().await.unwrap();
        match v["value"].get("error") {
            None => Ok(v["value"].clone()),
            Some(_) => Err(v),
        }
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    async fn url(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/url", None).await;
        v.as_str().unwrap().to_string()
    }

    async fn element(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    /// Runs `script` in the page (WebDriver's script execution, not subject to the page's CSP).
    async fn exec(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    async fn title(&self) -> String {
        let v = self.cmd(reqwest::Method::GET, "/title", None).await;
        v.as_str().unwrap().to_string()
    }

    /// The browser's cookies for the current page (HttpOnly ones included).
    async fn cookies(&self) -> Vec<Value> {
        let v = self.cmd(reqwest::Method::GET, "/cookie", None).await;
        v.as_array().unwrap().clone()
    }

    async fn delete_cookie(&self, name: &str) {
        self.cmd(reqwest::Method::DELETE, &format!("/cookie/{name}"), None)
            .await;
    }

    /// The text of the element `css` selects. A page that is navigating can replace the
    /// element between finding and reading it (a stale reference): found again, a few times.
    async fn text(&self, css: &str) -> String {
        let mut last = Value::Null;
        for _ in 0..20 {
            let found = self
                .try_cmd(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            let read = match found {
                Ok(v) => {
                    let id = v[ELEMENT].as_str().unwrap().to_string();
                    self.try_cmd(reqwest::Method::GET, &format!("/element/{id}/text"), None)
                        .await
                }
                Err(e) => Err(e),
            };
            match read {
                Ok(v) => return v.as_str().unwrap().to_string(),
                Err(e) => {
                    let kind = e["value"]["error"].as_str().unwrap_or_default();
                    assert!(
                        kind == "stale element reference" || kind == "no such element",
                        "WebDriver error reading {css}: {e}"
                    );
                    last = e;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never stayed on the page long enough to read: {last}");
    }

    async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Polls until the browser's URL starts with `prefix`.
    async fn wait_for_url(&self, prefix: &str) -> url::Url {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let u = self.url().await;
            if u.starts_with(prefix) {
                return url::Url::parse(&u).unwrap();
            }
            assert!(
                Instant::now() < deadline,
                "browser never reached {prefix}; stuck at {u}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Browser {
    /// Ends the session (closing Chromium, which removes its own temp files) with a plain blocking
    /// request; then `driver` drops, stopping chromedriver and anything left of Chromium.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://").to_string();
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let req = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session
            );
            if s.write_all(req.as_bytes()).is_ok() {
                // Read until the response is complete (chromedriver keeps the connection open).
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while let Ok(n) = s.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().to_string())
                            })
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// A tiny app that receives the OAuth-style callback and reports its query string. It also
/// serves `/jscheck` (title "js" when scripts run, "no-js" otherwise) and `/evil?action=…&csrf=…`,
/// another site's page with a form posting to the consent server.
async fn callback_server() -> (String, mpsc::UnboundedReceiver<String>) {
    let (tx, rx) = mpsc::unbounded_channel::<String>();
    let app = axum::Router::new()
        .route(
            "/callback",
            axum::routing::get(move |uri: axum::http::Uri| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(uri.query().unwrap_or("").to_string());
                    axum::response::Html("<h1>callback received</h1>")
                }
            }),
        )
        .route(
            "/jscheck",
            axum::routing::get(|| async {
                axum::response::Html(
                    "<title>no-js</title><script>document.title = 'js';</script><p>check</p>",
                )
            }),
        )
        .route(
            "/evil",
            axum::routing::get(|uri: axum::http::Uri| async move {
                let q: std::collections::HashMap<String, String> =
                    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                        .into_owned()
                        .collect();
                let attr = |k: &str| q.get(k).cloned().unwrap_or_default().replace('"', "&quot;");
                axum::response::Html(format!(
                    "<title>Win a prize</title><form method=\"post\" action=\"{}\">\
                     <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                     <button id=\"go\">Claim</button></form>",
                    attr("action"),
                    attr("csrf")
                ))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/callback"), rx)
}

fn query(u: &url::Url) -> std::collections::HashMap<String, String> {
    u.query_pairs().into_owned().collect()
}

/// The scopes every request here asks for (and so every agent registers).
const REQUESTED: &[&str] = &[
    "calendar:read",
    "email:send",
    "payments:initiate:max_500",
    "tickets:write",
];

async fn start_request(
    c: &grantex::Client,
    agent_id: &str,
    redirect: Option<String>,
    state: &str,
) -> AuthorizationRequest {
    c.authorize(&AuthorizeParams {
        agent_id: agent_id.into(),
        user_id: "alice@example.com".into(),
        scopes: strings(REQUESTED),
        redirect_uri: redirect,
        state: Some(state.into()),
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_page_approve_in_chromium_redirects_with_code_and_state() {
    if skip() {
        return;
    }
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "Travel Assistant", REQUESTED).await;
    let (cb, mut hits) = callback_server().await;
    let state = "st8 with spaces&symbols=1";
    let auth = start_request(&c, &a.agent_id, Some(format!("{cb}?tenant=acme")), state).await;
    let browser = Browser::start().await;
    browser.goto(&auth.consent_url).await;

    let text = browser.text("main").await;
    for want in [
        "Travel Assistant",
        "test Live",
        "Read your calendar events",
        "Send email on your behalf",
        "Initiate payments up to 500",
        "Create and modify your tickets",
        "alice@example.com",
        "Approve",
        "Deny",
    ] {
        assert!(
            text.contains(want),
            "consent page text lacks {want:?}:\n{text}"
        );
    }
    browser.click("button[data-action=approve]").await;
    let landed = browser.wait_for_url(&cb).await;
    let q = query(&landed);
    assert_eq!(q.get("state").map(String::as_str), Some(state), "{landed}");
    assert_eq!(
        q.get("tenant").map(String::as_str),
        Some("acme"),
        "existing query kept: {landed}"
    );
    let code = q
        .get("code")
        .cloned()
        .unwrap_or_else(|| panic!("no code in {landed}"));
    let seen = tokio::time::timeout(Duration::from_secs(5), hits.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(seen.contains("code="), "callback app got {seen}");
    assert_eq!(browser.text("h1").await, "callback received");

    let token = c
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: a.agent_id.clone(),
            code_verifier: None,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(c.tokens().verify(&token.grant_token).await.unwrap().valid);
    assert_eq!(token.scopes.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_page_deny_and_no_redirect_in_chromium() {
    if skip() {
        return;
    }
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "Mailer", REQUESTED).await;
    let (cb, _hits) = callback_server().await;
    let auth = start_request(&c, &a.agent_id, Some(cb.clone()), "deny-state").await;
    let browser = Browser::start().await;
    browser.goto(&auth.consent_url).await;
    browser.click("button[data-action=deny]").await;
    let landed = browser.wait_for_url(&cb).await;
    let q = query(&landed);
    assert_eq!(q.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(q.get("state").map(String::as_str), Some("deny-state"));
    assert!(!q.contains_key("code"));
    assert_eq!(
        status(&c.consent().get(&auth.auth_request_id).await.unwrap_err()),
        410,
        "request is answered"
    );

    // Without a redirect URI the page itself says what happened.
    let plain = start_request(&c, &a.agent_id, None, "s").await;
    browser.goto(&plain.consent_url).await;
    browser.click("button[data-action=approve]").await;
    browser
        .wait_for_url(&format!(
            "{}/consent/{}/approve",
            s.base_url, plain.auth_request_id
        ))
        .await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status_text = browser.text("#status").await;
        if status_text.starts_with("Approved") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no Approved message, status is {status_text:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status(&c.consent().get(&plain.auth_request_id).await.unwrap_err()),
        410
    );
}

/// The callback server's origin (`http://127.0.0.1:PORT`).
fn origin_of(callback: &str) -> String {
    callback.trim_end_matches("/callback").to_string()
}

/// Waits for the page at `url` (a form's result) and returns the text of its `main`.
async fn landed_text(browser: &Browser, url: &str) -> String {
    browser.wait_for_url(url).await;
    browser.text("main").await
}

async fn assert_pending(c: &grantex::Client, id: &str) {
    let r = c.consent().get(id).await.expect("request still answerable");
    assert_eq!(r.status, "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_page_works_with_javascript_disabled() {
    if skip() {
        return;
    }
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "No Script Agent", REQUESTED).await;
    let (cb, mut hits) = callback_server().await;
    let browser = Browser::start_with(false).await;
    browser.goto(&format!("{}/jscheck", origin_of(&cb))).await;
    assert_eq!(browser.title().await, "no-js", "scripts are really off");

    let auth = start_request(&c, &a.agent_id, Some(format!("{cb}?tenant=acme")), "nojs").await;
    browser.goto(&auth.consent_url).await;
    browser.click("button[data-action=approve]").await;
    let landed = browser.wait_for_url(&cb).await;
    let q = query(&landed);
    assert_eq!(q.get("state").map(String::as_str), Some("nojs"), "{landed}");
    assert_eq!(
        q.get("tenant").map(String::as_str),
        Some("acme"),
        "{landed}"
    );
    let code = q.get("code").cloned().expect("code");
    let seen = tokio::time::timeout(Duration::from_secs(5), hits.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(seen.contains("code="), "callback app got {seen}");
    let token = c
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: a.agent_id.clone(),
            code_verifier: None,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(c.tokens().verify(&token.grant_token).await.unwrap().valid);

    let denied = start_request(&c, &a.agent_id, Some(cb.clone()), "nojs-deny").await;
    browser.goto(&denied.consent_url).await;
    browser.click("button[data-action=deny]").await;
    let q = query(&browser.wait_for_url(&cb).await);
    assert_eq!(q.get("error").map(String::as_str), Some("access_denied"));
    assert_eq!(q.get("state").map(String::as_str), Some("nojs-deny"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_forms_need_their_cookie_and_token_in_chromium() {
    if skip() {
        return;
    }
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "Guarded Agent", REQUESTED).await;
    let (cb, _hits) = callback_server().await;
    let browser = Browser::start().await;
    browser.goto(&format!("{}/jscheck", origin_of(&cb))).await;
    assert_eq!(browser.title().await, "js", "scripts run in this session");

    let auth = start_request(&c, &a.agent_id, Some(cb.clone()), "guarded").await;
    let id = auth.auth_request_id.clone();
    let cookie_name = format!("gx_consent_{id}");
    let result_url = format!("{}/consent/{id}/approve", s.base_url);

    // The browser stored the page's cookie as set: HttpOnly, SameSite=Strict.
    browser.goto(&auth.consent_url).await;
    let cookies = browser.cookies().await;
    let cookie = cookies
        .iter()
        .find(|c| c["name"] == cookie_name.as_str())
        .unwrap_or_else(|| panic!("no {cookie_name} in {cookies:?}"));
    assert_eq!(cookie["httpOnly"], true, "{cookie}");
    assert_eq!(cookie["sameSite"], "Strict", "{cookie}");
    assert_eq!(cookie["path"], "/", "{cookie}");

    // A tampered token: refused, the request stays pending.
    browser
        .exec(&format!(
            "document.querySelector('form[data-consent=approve] input[name=csrf]').value = '{}';",
            "A".repeat(43)
        ))
        .await;
    browser.click("button[data-action=approve]").await;
    let text = landed_text(&browser, &result_url).await;
    assert!(text.contains("does not match"), "{text}");
    assert_pending(&c, &id).await;

    // The cookie gone (deleted, or expired): refused.
    browser.goto(&auth.consent_url).await;
    browser.delete_cookie(&cookie_name).await;
    browser.click("button[data-action=approve]").await;
    let text = landed_text(&browser, &result_url).await;
    assert!(text.contains("security cookie is missing"), "{text}");
    assert_pending(&c, &id).await;

    // Another site's page posting a token it got from its own load of the consent page, while
    // this browser holds a cookie from the real page.
    let attacker_page = Api::new(&s.base_url, None)
        .get(&format!("/consent?req={id}"))
        .await;
    let stolen = attacker_page
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string();
    browser.goto(&auth.consent_url).await;
    let port = url::Url::parse(&cb).unwrap().port().unwrap();
    let evil_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("action", &result_url)
        .append_pair("csrf", &stolen)
        .finish();
    // Cross-site (localhost is another site than 127.0.0.1): the SameSite=Strict cookie stays
    // home, so the server sees no cookie.
    browser
        .goto(&format!("http://localhost:{port}/evil?{evil_query}"))
        .await;
    browser.click("#go").await;
    let text = landed_text(&browser, &result_url).await;
    assert!(text.contains("security cookie is missing"), "{text}");
    assert_pending(&c, &id).await;
    // Same site, another origin (another port): the cookie goes along, the token is not its.
    browser
        .goto(&format!("http://127.0.0.1:{port}/evil?{evil_query}"))
        .await;
    browser.click("#go").await;
    let text = landed_text(&browser, &result_url).await;
    assert!(text.contains("does not match"), "{text}");
    assert_pending(&c, &id).await;

    // The real page still works after all that.
    browser.goto(&auth.consent_url).await;
    browser.click("button[data-action=approve]").await;
    let q = query(&browser.wait_for_url(&cb).await);
    assert_eq!(q.get("state").map(String::as_str), Some("guarded"));
    assert!(q.contains_key("code"));
    assert!(
        browser
            .cookies()
            .await
            .iter()
            .all(|c| c["name"] != cookie_name.as_str()),
        "the answer cleared the cookie"
    );
}

/// A server that allows loopback SSO URLs, with a live developer whose OIDC connection points at
/// a real oidc-provider started for it.
async fn sso_setup() -> (grantex_server::RunningServer, grantex::Client, TempDir) {
    let dir = TempDir::new("browser-sso");
    let server = grantex_server::start(grantex_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url_for(dir.path()),
        data_dir: dir.path().to_path_buf(),
        allow_insecure_sso_urls: true,
        ..Default::default()
    })
    .await
    .unwrap();
    let base = server.info.base_url.clone();
    let cb = format!("{base}/sso/callback/oidc/*");
    let issuer = tokio::task::spawn_blocking(move || start_oidc_provider(&[&cb]))
        .await
        .unwrap();
    let c = client(&base, &server.info.api_key);
    let r = Api::new(&base, Some(&server.info.api_key))
        .post(
            "/v1/sso/connections",
            json!({ "name": "Corp", "protocol": "oidc", "issuerUrl": issuer,
                    "clientId": "rp", "clientSecret": "rp-secret", "domains": ["example.com"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    (server, c, dir)
}

/// From the consent page: "Sign in with SSO" → the provider's login and consent pages, filled
/// in the browser as `login` → back on the consent page.
async fn sso_sign_in(browser: &Browser, base: &str, login: &str) {
    browser.click("#sso-login").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = String::new();
    loop {
        let u = browser.url().await;
        if u.starts_with(&format!("{base}/consent")) {
            return;
        }
        assert!(Instant::now() < deadline, "stuck at {u}");
        if u.contains("/interaction/") && u != last {
            let done = browser
                .exec(&format!(
                    "const l = document.querySelector('input[name=login]');
                     if (l) {{ l.value = {login:?};
                       const p = document.querySelector('input[name=password]'); if (p) p.value = 'pw';
                       l.form.submit(); return 'login'; }}
                     const f = document.querySelector('form'); if (!f) return 'wait';
                     f.submit(); return 'consent';"
                ))
                .await;
            if done != "wait" {
                last = u;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_page_sso_sign_in_in_chromium_then_approve() {
    if skip() {
        return;
    }
    let (server, c, _dir) = sso_setup().await;
    let base = server.info.base_url.clone();
    let a = agent(&c, "Travel Assistant", REQUESTED).await;
    let (cb, _hits) = callback_server().await;
    let auth = start_request(&c, &a.agent_id, Some(cb.clone()), "s1").await;
    let browser = Browser::start().await;
    browser.goto(&auth.consent_url).await;
    assert!(browser.text("#sso").await.contains("Sign in with SSO"));
    sso_sign_in(&browser, &base, "Alice@example.com").await;
    let line = browser.text("#sso").await;
    assert!(
        line.contains("Signed in with SSO as alice@example.com"),
        "{line}"
    );
    assert!(
        browser
            .cookies()
            .await
            .iter()
            .any(|k| k["name"] == "gx_sso" && k["httpOnly"] == true),
        "HttpOnly session cookie"
    );
    browser.click("button[data-action=approve]").await;
    let landed = browser.wait_for_url(&cb).await;
    let code = query(&landed).get("code").cloned().expect("code issued");
    let token = c
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: a.agent_id.clone(),
            code_verifier: None,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(c.tokens().verify(&token.grant_token).await.unwrap().valid);

    // Another user signed in by SSO: the page says so and Approve is refused (403).
    let auth = start_request(&c, &a.agent_id, Some(cb.clone()), "s2").await;
    // Signed out everywhere (the provider shares the host, so its cookies go too).
    browser.cmd(reqwest::Method::DELETE, "/cookie", None).await;
    browser.goto(&auth.consent_url).await;
    sso_sign_in(&browser, &base, "bob@example.com").await;
    assert!(browser.text("#sso").await.contains("bob@example.com"));
    browser.click("button[data-action=approve]").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let t = browser.text("body").await;
        if t.contains("another user") {
            break;
        }
        assert!(Instant::now() < deadline, "no refusal shown: {t}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!browser.url().await.starts_with(&cb));
    let pending = c.consent().get(&auth.auth_request_id).await;
    assert!(pending.is_ok(), "the request stays pending");
    drop(browser);
    server.shutdown().await.unwrap();
}
