//! Synchronous facade over the async client, for the C ABI, synchronous Python and scripts.
//!
//! All calls run on one process-wide multi-thread tokio runtime (2 workers), created on first
//! use. It survives `fork()`: the runtime remembers the pid that built it, and a child process
//! (whose copy has no worker threads) builds a fresh one on its next call, leaking the
//! parent's copy instead of dropping it. The HTTP clients do the same with their connection
//! pools (see `http.rs`), so a [`Client`] created before a fork keeps working in the child.

pub use crate::catalog::blocking_groups::*;
use crate::client::ClientConfig;
use crate::error::Result;
use crate::process_local::ProcessLocal;
use crate::types::{RateLimit, SignupParams, SignupResponse};
use crate::verify::{VerifiedGrant, VerifyOptions};
use serde_json::Value;
use std::future::Future;
use tokio::runtime::{Handle, Runtime};

static RUNTIME: ProcessLocal<Runtime> = ProcessLocal::new();

/// Handle of the process runtime, building it on first use and again after a `fork()`.
///
/// # Panics
/// Only if the operating system refuses to start the runtime's threads.
pub fn runtime() -> Handle {
    RUNTIME
        .get(
            || {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("grantex-runtime")
                    .enable_all()
                    .build()
            },
            |rt| rt.handle().clone(),
        )
        .unwrap_or_else(|e| panic!("grantex: cannot start the tokio runtime: {e}"))
}

/// Run `future` to completion on the process runtime and return its output.
///
/// Safe to call from inside another tokio runtime: the future is then driven from a scoped
/// helper thread instead of panicking with "cannot start a runtime from within a runtime"
/// (which is why the future must be `Send`).
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    let handle = runtime();
    if Handle::try_current().is_err() {
        return handle.block_on(future);
    }
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || handle.block_on(future));
        match worker.join() {
            Ok(output) => output,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Stop the process runtime, waiting for its threads, so that leak checkers (valgrind) see a
/// clean exit. Call it at most once, at exit, after every call has returned; a later call
/// starts a new runtime. Does nothing in a forked child that never used the runtime.
pub fn shutdown() {
    crate::jwks::clear_shared();
    crate::verify::fetch::clear_client();
    let Some(runtime) = RUNTIME.take() else {
        return;
    };
    if Handle::try_current().is_ok() {
        // Dropping a runtime inside another one would panic; do not wait for its threads.
        runtime.shutdown_background();
    } else {
        drop(runtime);
    }
}

/// Verify a grant token offline against the key set at `jwks_uri`, blocking.
/// See [`crate::verify_grant_token`].
pub fn verify_grant_token(
    token: &str,
    jwks_uri: &str,
    opts: &VerifyOptions,
) -> Result<VerifiedGrant> {
    block_on(crate::verify::verify_grant_token(token, jwks_uri, opts))
}

/// Blocking twin of [`crate::Client`]: the same methods, returning values instead of futures.
#[derive(Debug, Clone)]
pub struct Client(crate::Client);

impl Client {
    /// See [`crate::Client::new`].
    pub fn new(config: ClientConfig) -> Result<Client> {
        crate::Client::new(config).map(Client)
    }

    /// Wrap an existing async client (shares its connection pool and rate-limit state).
    pub fn from_async(client: crate::Client) -> Client {
        Client(client)
    }

    /// The async client inside.
    pub fn as_async(&self) -> &crate::Client {
        &self.0
    }

    /// See [`crate::Client::signup`].
    pub fn signup(base_url: Option<&str>, params: &SignupParams) -> Result<SignupResponse> {
        block_on(crate::Client::signup(base_url, params))
    }

    pub fn base_url(&self) -> &str {
        self.0.base_url()
    }

    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        self.0.last_rate_limit()
    }

    pub fn jwks_uri(&self) -> String {
        self.0.jwks_uri()
    }

    /// See [`crate::Client::call`].
    pub fn call(&self, operation: &str, input: Value) -> Result<Value> {
        block_on(self.0.call(operation, input))
    }

    /// See [`crate::Client::call_unauthenticated`].
    pub fn call_unauthenticated(
        base_url: Option<&str>,
        operation: &str,
        input: Value,
    ) -> Result<Value> {
        block_on(crate::Client::call_unauthenticated(
            base_url, operation, input,
        ))
    }

    /// The generated twins call through here (the same as [`Client::as_async`]).
    pub(crate) fn as_inner(&self) -> &crate::Client {
        &self.0
    }
}
