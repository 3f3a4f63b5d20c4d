//! A minimal A2A agent behind the Grantex guard.
//!
//! It serves its card at `GET /.well-known/agent.json` and JSON-RPC at `POST /`:
//! `tasks/send` echoes the text parts of the message into a completed task with an `echo`
//! artifact (`metadata.defer: true` leaves it `working` instead), `tasks/get` reads a task,
//! `tasks/cancel` cancels an unfinished one. Every `POST` passes [`grantex::a2a::A2AGuard`]
//! first; refusals are 401/403/503 with a JSON-RPC error body whose `data.reason` is stable.
//!
//! Used by the end-to-end tests and the A2A examples; the logic lives in `grantex::a2a`.

mod http;
mod tasks;
pub mod time;

pub use http::{router, MAX_BODY_BYTES};
pub use tasks::{TaskStore, TASK_CAPACITY};

use grantex::a2a::{A2AError, A2AGuard, A2APolicy, AgentCard, AgentSkill};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Request counters (the tests use them to prove a refused token never reached the agent).
#[derive(Debug, Default)]
pub struct AgentStats {
    /// `POST /` requests received, accepted or not.
    pub rpc_requests: AtomicU64,
    /// `POST /` requests the guard let through.
    pub accepted: AtomicU64,
    /// `POST /` requests the guard refused.
    pub rejected: AtomicU64,
    /// `GET /.well-known/agent.json` requests.
    pub card_requests: AtomicU64,
}

impl AgentStats {
    /// `(rpc_requests, accepted, rejected, card_requests)` now.
    pub fn snapshot(&self) -> (u64, u64, u64, u64) {
        (
            self.rpc_requests.load(Ordering::Relaxed),
            self.accepted.load(Ordering::Relaxed),
            self.rejected.load(Ordering::Relaxed),
            self.card_requests.load(Ordering::Relaxed),
        )
    }
}

/// One agent: its card, its guard, its tasks.
#[derive(Debug)]
pub struct Agent {
    pub card: AgentCard,
    pub guard: A2AGuard,
    pub tasks: TaskStore,
    pub stats: AgentStats,
}

impl Agent {
    /// An agent reachable at `url`, guarded by `policy`. Its card declares the Grantex scheme
    /// of the policy (JWKS URI, issuer, default scopes, whether delegation is accepted).
    pub fn new(name: &str, url: &str, policy: A2APolicy) -> Result<Agent, A2AError> {
        let guard = A2AGuard::new(policy)?;
        let mut builder = AgentCard::builder(
            name,
            "Echoes the text parts of each message back as a completed task",
            url,
        )
        .version(env!("CARGO_PKG_VERSION"))
        .skill(AgentSkill {
            id: "echo".into(),
            name: "Echo".into(),
            description: Some("Returns the text it is sent".into()),
            ..Default::default()
        });
        if let Some(cfg) = guard.auth_scheme().and_then(|s| s.grantex_config) {
            builder = builder.grantex(cfg.jwks_uri, cfg.issuer);
            if let Some(scopes) = cfg.required_scopes {
                builder = builder.required_scopes(scopes);
            }
            if let Some(allowed) = cfg.delegation_allowed {
                builder = builder.delegation_allowed(allowed);
            }
        }
        Ok(Agent {
            card: builder.build()?,
            guard,
            tasks: TaskStore::default(),
            stats: AgentStats::default(),
        })
    }
}

/// Why an agent did not start.
#[derive(Debug)]
pub enum StartError {
    /// The address could not be bound.
    Bind(std::io::Error),
    /// The policy or card is invalid.
    Config(A2AError),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Bind(e) => write!(f, "cannot listen: {e}"),
            StartError::Config(e) => write!(f, "invalid agent configuration: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running agent; dropping it (or [`stop`](Self::stop)) shuts the server down.
#[derive(Debug)]
pub struct RunningAgent {
    /// `http://<bound address>` unless a public URL was given.
    pub url: String,
    pub addr: SocketAddr,
    pub agent: Arc<Agent>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningAgent {
    /// Stops accepting requests and waits for the server task to end.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningAgent {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Binds `listen` (port 0 picks one), then serves an agent named `name` on the current tokio
/// runtime. `public_url` overrides the URL in the card (default `http://<bound address>`).
pub async fn start(
    listen: SocketAddr,
    name: &str,
    public_url: Option<&str>,
    policy: A2APolicy,
) -> Result<RunningAgent, StartError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(StartError::Bind)?;
    let addr = listener.local_addr().map_err(StartError::Bind)?;
    let url = public_url
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("http://{addr}"));
    let agent = Arc::new(Agent::new(name, &url, policy).map_err(StartError::Config)?);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router(agent.clone());
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = rx.await;
        };
        // Errors here are accept-loop failures after start; the agent then simply stops.
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
    });
    Ok(RunningAgent {
        url,
        addr,
        agent,
        shutdown: Some(tx),
        task: Some(task),
    })
}
