//! Values that belong to the process that built them, and the one place HTTP clients are built.
//!
//! A tokio runtime's worker threads and a reqwest connection pool exist only in the process that
//! created them. After `fork()` the child has a copy of the memory but none of those threads, so
//! using (or even dropping) the inherited value could hang. A [`ProcessLocal`] remembers the pid
//! that built its value; a child builds its own on first use and leaks the parent's copy.
//! The API client, the JWKS fetcher, the A2A client and the blocking runtime all use it.

use std::sync::{Mutex, PoisonError};

#[derive(Debug)]
pub(crate) struct ProcessLocal<T> {
    slot: Mutex<Option<(u32, T)>>,
}

impl<T> ProcessLocal<T> {
    pub(crate) const fn new() -> Self {
        ProcessLocal {
            slot: Mutex::new(None),
        }
    }

    /// A value already built for this process.
    pub(crate) fn with_value(value: T) -> Self {
        ProcessLocal {
            slot: Mutex::new(Some((std::process::id(), value))),
        }
    }

    /// `read` of this process's value, building it with `build` on first use in this process
    /// (the inherited value of a parent process is leaked, never dropped).
    pub(crate) fn get<R, E>(
        &self,
        build: impl FnOnce() -> Result<T, E>,
        read: impl FnOnce(&T) -> R,
    ) -> Result<R, E> {
        let pid = std::process::id();
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some((owner, value)) if *owner == pid => return Ok(read(value)),
            _ => {}
        }
        let fresh = build()?;
        let out = read(&fresh);
        if let Some((_, inherited)) = slot.replace((pid, fresh)) {
            std::mem::forget(inherited);
        }
        Ok(out)
    }

    /// Take this process's value out (for an orderly shutdown); an inherited value is leaked
    /// and `None` returned.
    pub(crate) fn take(&self) -> Option<T> {
        let taken = self
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match taken {
            Some((owner, value)) if owner == std::process::id() => Some(value),
            Some((_, inherited)) => {
                std::mem::forget(inherited);
                None
            }
            None => None,
        }
    }
}

/// Every HTTP client of the core starts here: rustls, and redirects are never followed (an
/// answer to an API call, a key-set fetch or an agent call is never a redirect, and following
/// one could carry an API key or a grant token to another host).
pub(crate) fn http_client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
}
