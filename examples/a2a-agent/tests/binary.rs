//! The `grantex-a2a-agent` binary: flags, printed URL, enforcement, exit codes.

mod common;

use common::*;
use grantex::a2a::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The agent binary as a child process, killed on drop.
struct AgentProcess {
    child: Child,
    url: String,
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantex-a2a-agent"));
    cmd.env_remove("GRANTEX_API_KEY");
    cmd
}

fn spawn_agent(args: &[&str], api_key: Option<&str>) -> AgentProcess {
    let mut cmd = agent_command();
    cmd.args(["--listen", "127.0.0.1:0"]).args(args);
    if let Some(k) = api_key {
        cmd.env("GRANTEX_API_KEY", k);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("agent binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let url = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the agent prints its URL")
        .trim()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "printed {url:?}");
    AgentProcess { child, url }
}

fn client(url: &str, token: &str) -> A2AClient {
    A2AClient::new(A2AClientConfig {
        agent_url: url.into(),
        grant_token: token.into(),
        ..Default::default()
    })
    .unwrap()
}

fn hello() -> TaskSendParams {
    TaskSendParams {
        id: None,
        message: Message::user_text("hi from the binary test"),
        metadata: None,
    }
}

#[tokio::test]
async fn the_binary_enforces_its_flags_end_to_end() {
    let gx = GrantexServer::shared();
    let c = gx.client();
    let proc = spawn_agent(
        &[
            "--jwks-uri",
            &gx.jwks_uri,
            "--issuer",
            &gx.issuer,
            "--required-scope",
            "tasks:send",
            "--method-scope",
            "tasks/get=tasks:read",
            "--allow-delegation",
            "--max-depth",
            "1",
            "--revocation-check",
            "online",
            "--grantex-url",
            &gx.base_url,
            "--revocation-cache-ttl",
            "0",
        ],
        Some(&gx.api_key),
    );
    let a = register(&c, "A-bin").await;
    let sub = register(&c, "C-bin").await;
    let deeper = register(&c, "D-bin").await;
    let root = grant(&c, &a, &["tasks:send"], None, None).await;

    let as_a = client(&proc.url, &root.grant_token);
    let card = as_a.card().await.unwrap();
    assert_eq!(card.url, proc.url);
    assert_eq!(card.required_scopes(), ["tasks:send"]);
    assert_eq!(
        card.grantex_config().unwrap().delegation_allowed,
        Some(true)
    );
    let task = as_a.send_task(&hello()).await.unwrap();
    assert_eq!(task.status.state, TaskState::Completed);
    let e = as_a
        .get_task(&TaskGetParams {
            id: task.id,
            history_length: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.reason()),
        (Some(403), Some("missing_scopes"))
    );

    let child = delegate(&c, &root.grant_token, &sub, &["tasks:send"]).await;
    let grandchild = delegate(&c, &child.grant_token, &deeper, &["tasks:send"]).await;
    client(&proc.url, &child.grant_token)
        .send_task(&hello())
        .await
        .unwrap();
    let e = client(&proc.url, &grandchild.grant_token)
        .send_task(&hello())
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.reason()),
        (Some(403), Some("delegation_too_deep"))
    );

    c.grants().revoke(&root.grant_id).await.unwrap();
    for token in [&root.grant_token, &child.grant_token] {
        let e = client(&proc.url, token)
            .send_task(&hello())
            .await
            .unwrap_err();
        assert_eq!((e.status(), e.reason()), (Some(401), Some("revoked")));
    }
}

#[test]
fn sigterm_stops_the_agent_cleanly() {
    let mut proc = spawn_agent(&["--jwks-uri", "http://127.0.0.1:9/jwks.json"], None);
    let status = Command::new("kill")
        .args(["-TERM", &proc.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(s) = proc.child.try_wait().unwrap() {
            assert!(s.success(), "exit status {s}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "agent ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bad_flags_exit_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--jwks-uri",
                "http://x/jwks",
                "--revocation-check",
                "online",
            ],
            "--grantex-url",
        ),
        (
            &[
                "--jwks-uri",
                "http://x/jwks",
                "--revocation-check",
                "online",
                "--grantex-url",
                "http://x",
            ],
            "GRANTEX_API_KEY",
        ),
        (
            &["--jwks-uri", "http://x/jwks", "--max-depth", "1"],
            "--allow-delegation",
        ),
        (
            &[
                "--jwks-uri",
                "http://x/jwks",
                "--revocation-cache-ttl",
                "301",
            ],
            "301",
        ),
        (
            &["--jwks-uri", "ftp://x/jwks"],
            "invalid agent configuration",
        ),
        (
            &["--jwks-uri", "http://x/jwks", "--method-scope", "nope"],
            "METHOD=SCOPE",
        ),
        (&[], "--jwks-uri"),
    ];
    for (args, needle) in cases {
        let out = agent_command()
            .args(["--listen", "127.0.0.1:0"])
            .args(*args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed a URL");
    }
}
