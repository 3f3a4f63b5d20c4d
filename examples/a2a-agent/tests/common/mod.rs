//! End-to-end harness: the real `grantex-server` binary as a child process on 127.0.0.1 with a
//! temporary data dir, plus helpers that register agents and obtain grants through the core
//! client. The server and its data dir go away with the test process, however it ends.
#![allow(dead_code)] // each test binary uses a different subset

use grantex::a2a::{A2APolicy, JwksSource};
use grantex::types::*;
use grantex::{Client, ClientConfig};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A fresh directory under the temp dir (removed by the server's supervisor, see [`SUPERVISOR`]).
fn fresh_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let p = std::env::temp_dir().join(format!(
        "grantex-a2a-{tag}-{}-{nanos:x}",
        std::process::id()
    ));
    std::fs::create_dir_all(&p).unwrap();
    p
}

/// Runs `grantex-server` (`$2...`) and owns its data dir (`$1`). Its stdin is a pipe whose only
/// writer is the test process, so it reads EOF when that end closes: on `Drop`, or when the test
/// process exits in any way (SIGKILL included; the shared server lives in a static and is never
/// dropped). Then it SIGKILLs the server, waits for it and removes the data dir. If the server
/// exits by itself, the supervisor exits with its status after removing the dir. It ignores
/// SIGINT/SIGTERM/SIGHUP so that a Ctrl-C, which the server handles by shutting down, still ends
/// with the cleanup.
const SUPERVISOR: &str = r#"dir=$1; shift
exec 3<&0
"$@" </dev/null 3<&- &
server=$!
trap '' INT TERM HUP
( while read -r _; do :; done; kill -KILL "$server" 2>/dev/null ) <&3 &
watcher=$!
exec 3<&-
wait "$server"; status=$?
kill -KILL "$watcher" 2>/dev/null
rm -rf -- "$dir"
exit "$status"
"#;

/// `<target>/<profile>/<name>`, next to the directory holding this test binary.
pub fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in <target>/<profile>/deps");
    profile_dir.join(name)
}

/// The `grantex-server` binary: `GRANTEX_SERVER_BIN`, else the one cargo built next to us.
pub fn server_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("GRANTEX_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let p = sibling_binary("grantex-server");
    assert!(
        p.exists(),
        "{} is missing: run `cargo build -p grantex-server` first (or set GRANTEX_SERVER_BIN)",
        p.display()
    );
    p
}

/// A running `grantex-server` (under its supervisor) and what its `server.json` says.
#[derive(Debug)]
pub struct GrantexServer {
    pub base_url: String,
    pub jwks_uri: String,
    pub issuer: String,
    pub api_key: String,
    /// The supervisor `sh` (see [`SUPERVISOR`]).
    supervisor: Child,
    /// The write end of the supervisor's stdin; closing it stops the server.
    lifeline: Option<ChildStdin>,
}

impl Drop for GrantexServer {
    fn drop(&mut self) {
        drop(self.lifeline.take());
        let _ = self.supervisor.wait();
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerJson {
    base_url: String,
    jwks_uri: String,
    issuer: String,
    api_key: String,
}

impl GrantexServer {
    pub fn start() -> GrantexServer {
        let dir = fresh_dir("server");
        let mut supervisor = Command::new("sh")
            .args(["-c", SUPERVISOR, "grantex-server-supervisor"])
            .arg(&dir)
            .arg(server_binary())
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&dir)
            .args(["--rate-limit", "100000", "--authorize-rate-limit", "100000"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sh starts grantex-server");
        let lifeline = supervisor.stdin.take();
        let path = dir.join("server.json");
        let deadline = Instant::now() + Duration::from_secs(60);
        let info: ServerJson = loop {
            if let Ok(text) = std::fs::read_to_string(&path) {
                if let Ok(info) = serde_json::from_str(&text) {
                    break info;
                }
            }
            if let Ok(Some(status)) = supervisor.try_wait() {
                panic!("grantex-server exited early: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "grantex-server wrote no server.json within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        GrantexServer {
            base_url: info.base_url,
            jwks_uri: info.jwks_uri,
            issuer: info.issuer,
            api_key: info.api_key,
            supervisor,
            lifeline,
        }
    }

    /// One server for the whole test binary (a child process outlives every test runtime); it
    /// stops when the test process exits.
    pub fn shared() -> &'static GrantexServer {
        static S: OnceLock<GrantexServer> = OnceLock::new();
        S.get_or_init(GrantexServer::start)
    }

    /// A client with the live developer key that never retries.
    pub fn client(&self) -> Client {
        Client::new(ClientConfig {
            api_key: Some(self.api_key.clone()),
            base_url: Some(self.base_url.clone()),
            max_retries: Some(0),
            timeout: Some(Duration::from_secs(20)),
            ..Default::default()
        })
        .unwrap()
    }

    /// The policy an agent guarding with this server's keys starts from.
    pub fn policy(&self) -> A2APolicy {
        A2APolicy::new(JwksSource::Uri(self.jwks_uri.clone())).issuer(self.issuer.clone())
    }
}

pub fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The scopes the A2A tests ask grants for: an agent must have registered what it requests.
pub const TEST_SCOPES: [&str; 2] = ["tasks:send", "tasks:read"];

pub async fn register(c: &Client, name: &str) -> Agent {
    c.agents()
        .register(&RegisterAgentParams {
            name: name.into(),
            description: format!("{name} (A2A test)"),
            scopes: strings(&TEST_SCOPES),
            ..Default::default()
        })
        .await
        .expect("register agent")
}

/// authorize → consent approve → exchange: a root grant for `agent`.
pub async fn grant(
    c: &Client,
    agent: &Agent,
    scopes: &[&str],
    audience: Option<&str>,
    expires_in: Option<&str>,
) -> ExchangeTokenResponse {
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: agent.agent_id.clone(),
            user_id: "alice".into(),
            scopes: strings(scopes),
            audience: audience.map(str::to_owned),
            expires_in: expires_in.map(str::to_owned),
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
            agent_id: agent.agent_id.clone(),
            ..Default::default()
        })
        .await
        .expect("exchange")
}

/// `parent_token`'s holder delegates `scopes` to `sub`.
pub async fn delegate(
    c: &Client,
    parent_token: &str,
    sub: &Agent,
    scopes: &[&str],
) -> DelegateResponse {
    c.grants()
        .delegate(&DelegateParams {
            parent_grant_token: parent_token.into(),
            sub_agent_id: sub.agent_id.clone(),
            scopes: strings(scopes),
            expires_in: None,
        })
        .await
        .expect("delegate")
}
