//! Test harness: real servers on 127.0.0.1 — in-process (shared per test binary) or the built
//! `grantex-server` binary as a child process — plus helpers that drive them with the core client.
#![allow(dead_code)] // each test binary uses a different subset

pub mod browser;
#[allow(unused_imports)] // each test binary uses a different subset
pub use browser::{absolute, query, Browser, Page};

use grantex::types::*;
use grantex::{Client, ClientConfig};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A directory removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

/// A fresh directory under the temp dir.
fn fresh_dir(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "grantex-server-test-{tag}-{}-{}",
        std::process::id(),
        ulid_like()
    ));
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// A fresh directory removed once this test process has exited, however it exits (for what
/// lives as long as the process, like the shared server's data dir, which is never dropped).
/// A `sh` child reads a pipe whose only writer is this process; the write end closes when the
/// process exits (SIGKILL included), and at that EOF the child removes the directory.
pub fn process_lifetime_dir(tag: &str) -> PathBuf {
    // Never dropped, so their stdin pipes stay open until the process exits.
    static REMOVERS: std::sync::Mutex<Vec<Child>> = std::sync::Mutex::new(Vec::new());
    let p = fresh_dir(tag);
    let remover = Command::new("sh")
        .args([
            "-c",
            r#"trap '' INT TERM HUP; while read -r _; do :; done; rm -rf -- "$1""#,
            "grantex-test-dir-remover",
        ])
        .arg(&p)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh starts");
    REMOVERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(remover);
    p
}

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        TempDir(fresh_dir(tag))
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        drop_database_for(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ulid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{t:x}{}", N.fetch_add(1, Ordering::Relaxed))
}

/// Where a test server lives.
#[derive(Debug, Clone)]
pub struct ServerRef {
    pub base_url: String,
    pub api_key: String,
    pub sandbox_api_key: String,
    pub jwks_uri: String,
    pub issuer: String,
}

/// The in-process server shared by every test of one test binary. It runs on its own thread
/// and runtime, so it outlives each `#[tokio::test]` runtime.
pub fn shared() -> &'static ServerRef {
    static S: OnceLock<ServerRef> = OnceLock::new();
    S.get_or_init(|| background_server("shared", |_| {}).0)
}

/// An in-process server that lives as long as the test process, on its own thread and runtime
/// (so it outlives each `#[tokio::test]` runtime), with `configure` applied to its settings
/// (on PostgreSQL when `GRANTEX_TEST_DATABASE_URL` is set). Returns it and its data dir.
pub fn background_server(
    tag: &str,
    configure: impl FnOnce(&mut grantex_server::Config) + Send + 'static,
) -> (ServerRef, PathBuf) {
    let (tx, rx) = std::sync::mpsc::channel();
    let dir = process_lifetime_dir(tag);
    let data_dir = dir.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut config = grantex_server::Config {
                listen: "127.0.0.1:0".parse().unwrap(),
                database_url: database_url_for(&dir),
                data_dir: dir,
                ..Default::default()
            };
            configure(&mut config);
            let server = grantex_server::start(config).await.expect("server starts");
            let i = server.info.clone();
            tx.send(ServerRef {
                base_url: i.base_url,
                api_key: i.api_key,
                sandbox_api_key: i.sandbox_api_key,
                jwks_uri: i.jwks_uri,
                issuer: i.issuer,
            })
            .unwrap();
            // Keep the server alive for the life of the test process.
            std::future::pending::<()>().await;
            drop(server);
        });
    });
    (rx.recv().expect("test server did not start"), data_dir)
}

/// A client for `key` that never retries (tests want to see every status).
pub fn client(base: &str, key: &str) -> Client {
    Client::new(ClientConfig {
        api_key: Some(key.to_string()),
        base_url: Some(base.to_string()),
        max_retries: Some(0),
        timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    })
    .unwrap()
}

/// A fresh developer (own data, own rate-limit buckets) on `server`.
pub async fn developer(server: &ServerRef, mode: Mode) -> (Client, SignupResponse) {
    let resp = Client::signup(
        Some(&server.base_url),
        &SignupParams {
            name: format!("test {mode:?}"),
            email: None,
            mode: Some(mode),
        },
    )
    .await
    .expect("signup");
    (client(&server.base_url, &resp.api_key), resp)
}

pub async fn agent(c: &Client, name: &str, scopes: &[&str]) -> Agent {
    c.agents()
        .register(&RegisterAgentParams {
            name: name.into(),
            description: format!("{name} test agent"),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        })
        .await
        .expect("register agent")
}

/// Sets an agent's status (`active`, `suspended`, ...).
pub async fn set_status(c: &Client, agent_id: &str, status: &str) {
    c.agents()
        .update(
            agent_id,
            &UpdateAgentParams {
                status: Some(status.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// Delegates `scopes` of the grant behind `parent_token` to `sub_agent_id`.
pub async fn delegate(
    c: &Client,
    parent_token: &str,
    sub_agent_id: &str,
    scopes: &[&str],
) -> DelegateResponse {
    c.grants()
        .delegate(&DelegateParams {
            parent_grant_token: parent_token.into(),
            sub_agent_id: sub_agent_id.into(),
            scopes: strings(scopes),
            expires_in: None,
        })
        .await
        .unwrap()
}

pub fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// authorize → (consent approve when live) → exchange. Returns the token response.
pub async fn grant(
    c: &Client,
    agent_id: &str,
    principal: &str,
    scopes: &[&str],
) -> ExchangeTokenResponse {
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: agent_id.into(),
            user_id: principal.into(),
            scopes: strings(scopes),
            ..Default::default()
        })
        .await
        .expect("authorize");
    let code = match auth.code {
        Some(code) => code,
        None => {
            c.consent()
                .approve(&auth.auth_request_id)
                .await
                .expect("approve")
                .code
        }
    };
    c.tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: agent_id.into(),
            code_verifier: None,
            ..Default::default()
        })
        .await
        .expect("exchange")
}

/// The JWT payload, decoded without verification (tests read jti and claims from it).
pub fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("three segments");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

pub fn jti(token: &str) -> String {
    claims(token)["jti"].as_str().unwrap().to_string()
}

/// HTTP status of a core-client error.
pub fn status(e: &grantex::Error) -> u16 {
    e.as_api()
        .unwrap_or_else(|| panic!("expected an API error, got {e:?}"))
        .status
}

pub fn code(e: &grantex::Error) -> String {
    e.as_api().and_then(|a| a.code.clone()).unwrap_or_default()
}

/// A plain reqwest client for calls the core client does not cover.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The built server binary running as a child process; SIGKILLed on drop unless stopped.
#[derive(Debug)]
pub struct ChildServer {
    pub child: Child,
    pub info: ServerRef,
    pub data_dir: PathBuf,
    pub log: PathBuf,
}

pub fn server_bin() -> &'static str {
    env!("CARGO_BIN_EXE_grantex-server")
}

impl ChildServer {
    /// Starts `grantex-server --listen 127.0.0.1:0 --data-dir <dir> <extra...>` and waits until it
    /// wrote a fresh `server.json` and answers `/health`.
    pub fn start(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> ChildServer {
        Self::start_limited(data_dir, extra, env, None)
    }

    /// [`ChildServer::start`] with the process's file size limit (RLIMIT_FSIZE) set to
    /// `fsize_kib` KiB and SIGXFSZ ignored: writes past the limit fail with EFBIG, as they would
    /// on a full disk. (The server is exec'd by bash, so its pid is the child's.)
    pub fn start_limited(
        data_dir: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
        fsize_kib: Option<u64>,
    ) -> ChildServer {
        let json = data_dir.join("server.json");
        let _ = std::fs::remove_file(&json);
        let log = data_dir.with_extension(format!("log{}", ulid_like()));
        let out = std::fs::File::create(&log).unwrap();
        let mut cmd = match fsize_kib {
            None => Command::new(server_bin()),
            Some(kib) => {
                let mut c = Command::new("bash");
                c.args([
                    "-c",
                    &format!(r#"trap '' XFSZ; ulimit -f {kib} && exec "$0" "$@""#),
                    server_bin(),
                ]);
                c
            }
        };
        // A test may pin the address (to restart a server where its clients expect it).
        if !extra.contains(&"--listen") {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        cmd.arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env_remove("GRANTEX_DATABASE_URL")
            .env_remove("GRANTEX_SEED_API_KEY")
            .env_remove("GRANTEX_SEED_SANDBOX_KEY")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        // A simulated full disk (fsize_kib) is about the SQLite file: those servers stay on SQLite.
        if let Some(url) = database_url_for(data_dir).filter(|_| fsize_kib.is_none()) {
            if !extra.contains(&"--database-url") {
                cmd.args(["--database-url", &url]);
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn grantex-server");
        let deadline = Instant::now() + Duration::from_secs(30);
        let info = loop {
            if let Some(st) = child.try_wait().unwrap() {
                panic!(
                    "grantex-server exited ({st}) during start-up:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            if let Ok(bytes) = std::fs::read(&json) {
                if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                    if v["pid"].as_u64() == Some(u64::from(child.id())) {
                        break ServerRef {
                            base_url: v["baseUrl"].as_str().unwrap().into(),
                            api_key: v["apiKey"].as_str().unwrap().into(),
                            sandbox_api_key: v["sandboxApiKey"].as_str().unwrap().into(),
                            jwks_uri: v["jwksUri"].as_str().unwrap().into(),
                            issuer: v["issuer"].as_str().unwrap().into(),
                        };
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "grantex-server did not write server.json in time"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        ChildServer {
            child,
            info,
            data_dir: data_dir.to_path_buf(),
            log,
        }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait for a clean exit; returns the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A raw JSON response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Raw HTTP access with an optional bearer, for exact statuses and headers.
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    pub key: Option<String>,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, key: Option<&str>) -> Api {
        Api {
            base: base.to_string(),
            key: key.map(str::to_string),
            http: http(),
        }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.http.request(m, format!("{}{path}", self.base));
        if let Some(k) = &self.key {
            rb = rb.bearer_auth(k);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Self::finish(rb).await
    }

    pub async fn finish(rb: reqwest::RequestBuilder) -> Resp {
        let r = rb.send().await.expect("request sent");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }
}

/// The error envelope every failure uses, with `x-request-id` matching `requestId`.
pub fn assert_envelope(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "status; body: {}", r.text);
    assert_eq!(r.body["code"], code, "code; body: {}", r.text);
    assert!(
        r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "message; body: {}",
        r.text
    );
    let rid = r.body["requestId"].as_str().expect("requestId");
    assert_eq!(
        r.header("x-request-id"),
        Some(rid),
        "x-request-id matches requestId"
    );
    assert!(uuid_v4(rid), "request id is a uuid v4: {rid}");
}

pub fn uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
        && s.chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// With `GRANTEX_TEST_DATABASE_URL` set (a PostgreSQL database whose role may create databases),
/// the PostgreSQL database belonging to data dir `dir`, created on first use — every server a
/// test starts on that data dir (restarts included) uses it, so the whole suite runs against
/// PostgreSQL. `None` (SQLite in the data dir) when the variable is unset.
pub fn database_url_for(dir: &Path) -> Option<String> {
    let base = test_database_url()?;
    let name = database_name(dir);
    lock_created().insert(name.clone());
    let admin = base.clone();
    let db = name.clone();
    // The synchronous client runs its own runtime: keep it off the test's async threads.
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&admin, postgres::NoTls)
            .expect("connect to GRANTEX_TEST_DATABASE_URL");
        let exists = c
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db])
            .unwrap()
            .is_some();
        if !exists {
            c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
        }
    })
    .join()
    .expect("create the test database");
    let mut url = url::Url::parse(&base).expect("GRANTEX_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

fn test_database_url() -> Option<String> {
    std::env::var("GRANTEX_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The database of data dir `dir`: named for its path and this process.
fn database_name(dir: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::fs::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .hash(&mut h);
    std::process::id().hash(&mut h);
    format!("t_{:016x}", h.finish())
}

/// The databases this process created, so a dropped [`TempDir`] drops only its own.
fn lock_created() -> std::sync::MutexGuard<'static, std::collections::HashSet<String>> {
    static CREATED: OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> = OnceLock::new();
    CREATED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Drops the PostgreSQL database of data dir `dir` when this process created one: each is a
/// copy of the template (~8 MB of data plus its WAL), and the suite makes hundreds, which
/// filled a CI disk while they lived until the cluster was removed. Best effort (the cluster is
/// removed at the end of the run anyway); `WITH (FORCE)` ends a server's leftover connections.
fn drop_database_for(dir: &Path) {
    let Some(base) = test_database_url() else {
        return;
    };
    let name = database_name(dir);
    if !lock_created().remove(&name) {
        return;
    }
    let _ = std::thread::spawn(move || {
        if let Ok(mut c) = postgres::Client::connect(&base, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    })
    .join();
}

/// Installs (scripts/lib/peer-oidc.sh) and starts oidc-provider
/// (tests/peers/oidc_provider.mjs) with these redirect URIs; its issuer. The process lives as long as the test binary
/// (it exits when its stdin closes).
pub fn start_oidc_provider(redirects: &[&str]) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("bash")
        .arg(root.join("scripts/lib/peer-oidc.sh"))
        .output()
        .expect("run peer-oidc.sh");
    assert!(
        out.status.success(),
        "peer-oidc.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let modules = String::from_utf8(out.stdout).unwrap().trim().to_string();
    // `exec` under a shell that waits for stdin EOF: the provider dies with this process.
    let script = root.join("server/tests/peers/oidc_provider.mjs");
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(r#"node "$@" & pid=$!; cat >/dev/null; kill $pid"#)
        .arg("op")
        .arg(&script)
        .arg(&modules)
        .args(redirects)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        // Its log lives as long as this test process (removed after it exits).
        .stderr(
            std::fs::File::create(process_lifetime_dir("oidc-provider").join("provider.log"))
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
        )
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().unwrap();
    let mut reader = std::io::BufReader::new(stdout);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    // Keep reading: the provider logs to stdout, and a closed pipe would kill it.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let issuer = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("oidc-provider did not start: {line:?}"))
        .to_string();
    // Keep the stdin pipe open for the life of the process.
    std::mem::forget(child);
    issuer
}
