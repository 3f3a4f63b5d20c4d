//! What each fuzz target checks, shared by the `fuzz_targets/` binaries and the corpus
//! generator (`examples/gen_corpus.rs`). Every target must never panic on any input; beyond
//! that each one checks properties that a correct implementation has, so a wrong answer is a
//! crash too:
//!
//! - [`token_verify`]: the whole offline verifier, on raw tokens and on tokens signed here over
//!   arbitrary header and claims bytes (so the claim checks behind the signature are reached);
//!   a token that verifies must give back exactly the claims it carries.
//! - [`jwks_parse`]: the key-set parser; a set it accepts follows the key-set rules of
//!   `vectors/README.md`, a set it refuses is refused with `invalid_jwks`.
//! - [`json_reader`]: the hand-written strict JSON reader against serde_json (with a
//!   duplicate-detecting visitor as the oracle).
//! - [`audit_chain`]: the audit-chain verifier and its canonical JSON.
//! - [`request_bodies`]: the core wire types the server deserialises request bodies into.

pub mod audit_chain;
pub mod fixtures;
pub mod json_reader;
pub mod jwks_parse;
pub mod oracle;
pub mod request_bodies;
pub mod token_verify;
