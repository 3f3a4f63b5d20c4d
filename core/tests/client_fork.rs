//! `fork()` safety of the blocking facade. Alone in its own test binary so that no other test
//! thread holds a lock at the moment of the fork.

use grantex::blocking;
use grantex::ClientConfig;
use serde_json::json;
use std::time::{Duration, Instant};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Child exit codes.
const CHILD_OK: i32 = 0;
const CHILD_WRONG_RESULT: i32 = 3;
const CHILD_PANICKED: i32 = 4;

#[test]
fn blocking_runtime_and_client_survive_fork() {
    let server = blocking::block_on(async {
        let server = MockServer::start().await;
        Mock::given(path("/health"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "healthy"})))
            .mount(&server)
            .await;
        server
    });
    let client = blocking::Client::new(ClientConfig {
        api_key: Some("test-key-0123456789".into()),
        base_url: Some(server.uri()),
        max_retries: Some(0),
        timeout: Some(Duration::from_secs(5)),
        ..Default::default()
    })
    .unwrap();
    // Use runtime and connection pool in the parent first, so the child inherits both.
    assert_eq!(client.health().unwrap().status, "healthy");
    let parent_runtime = blocking::runtime().id();

    // SAFETY: the child only runs Rust code of this process and leaves with `_exit`, never
    // returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let outcome = std::panic::catch_unwind(|| {
            let fresh_runtime = blocking::runtime().id() != parent_runtime;
            let computed = blocking::block_on(async {
                let task = tokio::spawn(async {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    20
                });
                task.await.unwrap() + 1
            });
            // The inherited client must rebuild its pool and reach the parent's server.
            let healthy = client
                .health()
                .map(|h| h.status == "healthy")
                .unwrap_or(false);
            fresh_runtime && computed == 21 && healthy
        });
        let code = match outcome {
            Ok(true) => CHILD_OK,
            Ok(false) => CHILD_WRONG_RESULT,
            Err(_) => CHILD_PANICKED,
        };
        // SAFETY: terminate the child immediately without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }

    // Parent: wait (bounded) for the child; a hang in the child is a failure, not a hang here.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut status = 0;
    loop {
        // SAFETY: plain waitpid on our own child.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        assert!(done >= 0, "waitpid failed");
        if done == pid {
            break;
        }
        if Instant::now() > deadline {
            // SAFETY: kill our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::waitpid(pid, &mut status, 0) };
            panic!("the forked child did not finish within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(libc::WIFEXITED(status), "child died abnormally: {status}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        CHILD_OK,
        "child reported failure"
    );

    // The parent's runtime and client are unaffected.
    assert_eq!(blocking::runtime().id(), parent_runtime);
    assert_eq!(client.health().unwrap().status, "healthy");
    let requests = blocking::block_on(server.received_requests()).unwrap();
    assert_eq!(requests.len(), 3, "parent, child, parent");

    // shutdown() drops the runtime; the next call builds a new one.
    blocking::shutdown();
    assert_ne!(blocking::runtime().id(), parent_runtime);
    assert_eq!(client.health().unwrap().status, "healthy");
    blocking::shutdown();
}
