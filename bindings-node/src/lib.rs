//! Node bindings for the Grantex core (napi-rs).
//!
//! This crate only converts: JS values to core parameter types, core results to plain JS
//! objects, and core errors to one JSON-carrying JS error that the package's JS layer turns into
//! the `GrantexError` subclasses (`lib/errors.cjs`). HTTP, retries, verification, hashing and
//! the A2A bridge (`a2a_*.rs` wrap `grantex::a2a`) all live in the `grantex` core; every network
//! call runs on the core's process runtime (`grantex::blocking::runtime`) and settles a
//! promise, so the event loop never blocks.

#![deny(clippy::all)]
// napi-derive registers the exported functions only outside `cfg(test)`, so a test build (clippy
// --all-targets) would call every export unused.
#![cfg_attr(test, allow(dead_code))]

mod a2a_card;
mod a2a_client;
mod a2a_guard;
#[cfg(feature = "bench")]
mod bench;
mod client;
mod convert;
mod enforce;
mod errors;
mod events;
mod log;
mod mcp_guard;
mod misc;
mod promise;
mod verify;
