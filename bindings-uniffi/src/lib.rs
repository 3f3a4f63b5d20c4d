//! uniffi exports of the Grantex core, for the JVM SDK (`bindings-kotlin/`).
//!
//! Conversions only, as in the other bindings: the client is one generic entry point
//! ([`NativeClient::call`], the core's [`grantex::Client::call`]) plus the catalog's operation
//! list ([`operations`]); the Kotlin per-operation layer is generated from the same catalog by
//! `tools/codegen` (`kotlin.rs`). Offline verification wraps the core's [`grantex::JwksCache`]
//! and [`grantex::VerifyOptions`]; PKCE, webhook signatures and the audit-chain verifier are the
//! core's functions. Every failure is one [`FfiError`] variant per core error kind, with the
//! stable codes every binding uses; the Kotlin layer turns them into its sealed
//! `GrantexException` hierarchy.
//!
//! Async functions use `async_runtime = "tokio"`: Kotlin gets `suspend` functions. Their work
//! runs on the core's process runtime (`runtime.rs` says why); cancelling the coroutine drops
//! the exported future, which aborts that work (the request is abandoned). Each has a
//! `_blocking` twin that runs on the same runtime ([`grantex::blocking`]), for Java callers and
//! for code that is not in a coroutine.
//!
//! No uniffi type lives in the core; this crate depends on the core only. The one hand-written
//! C export, `fast.rs` (the JVM's hot path for bound verification), is the only unsafe code.

#![deny(unsafe_code)]
#![warn(missing_debug_implementations)]
// `FfiError` crosses the FFI as a serialised buffer and carries the API error's details inline
// (uniffi errors hold records, not boxes): its size costs nothing that matters here.
#![allow(clippy::result_large_err)]

uniffi::setup_scaffolding!("grantex");

mod a2a;
mod client;
mod enforce;
mod error;
#[allow(unsafe_code)]
mod fast;
mod misc;
mod runtime;
mod verify;

pub use a2a::{
    A2AClientSettings, A2ADecision, A2APolicySettings, A2ARejectionInfo, NativeA2AClient,
    NativeA2AGuard,
};
pub use client::{call_unauthenticated, call_unauthenticated_blocking, NativeClient};
pub use error::FfiError;
pub use misc::{
    create_dpop_proof, derive_issuer, dpop_public_jwk, generate_dpop_jwk, generate_pkce,
    jwk_thumbprint, operations, token_error_codes, verify_audit_chain, verify_webhook,
    verify_webhook_signature, version, ChainReport, OperationInfo, PkceChallenge,
};
pub use verify::{
    check_current_authority, check_verify_option, verify_grant_token, verify_grant_token_blocking,
    NativeJwksCache, NativeVerifier, NativeVerifyOptions, VerifiedGrant,
};
