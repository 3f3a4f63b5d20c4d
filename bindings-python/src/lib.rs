//! `grantex._native`: the private extension module behind the `grantex` Python package.
//!
//! It only converts: Python values to core parameter types, core results to Python values,
//! core errors to the exception classes of `grantex._errors` (in `errors.rs`, nowhere else).
//! HTTP, retries, verification and hashing all live in the `grantex` core crate.

use pyo3::prelude::*;

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
mod log_bridge;
mod mcp_guard;
mod misc;
mod runtime;
mod verify;
mod wait;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The core's tracing events to `logging.getLogger("grantex")` (no Python work until a
    // client exists: `import grantex` does not import `logging`).
    log_bridge::install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CORE_VERSION", grantex::VERSION)?;
    m.add(
        "TOKEN_ERROR_CODES",
        grantex::TokenErrorCode::ALL
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
    )?;
    m.add_class::<client::NativeClient>()?;
    m.add_class::<events::NativeEventStream>()?;
    m.add_class::<verify::NativeJwks>()?;
    m.add_class::<enforce::NativeEnforcer>()?;
    m.add_function(wrap_pyfunction!(enforce::manifest_build, m)?)?;
    m.add_function(wrap_pyfunction!(enforce::manifest_from_document, m)?)?;
    m.add_function(wrap_pyfunction!(enforce::manifest_from_json_text, m)?)?;
    m.add_function(wrap_pyfunction!(enforce::tool_declaration, m)?)?;
    m.add_function(wrap_pyfunction!(enforce::permission_covers, m)?)?;
    m.add_function(wrap_pyfunction!(enforce::prebuilt_manifest_names, m)?)?;
    m.add_function(wrap_pyfunction!(enforce::prebuilt_manifest, m)?)?;
    m.add_function(wrap_pyfunction!(enforce::denial_codes, m)?)?;
    m.add_function(wrap_pyfunction!(enforce::purpose_check, m)?)?;
    m.add_function(wrap_pyfunction!(client::call_unauthenticated, m)?)?;
    m.add_function(wrap_pyfunction!(client::acall_unauthenticated, m)?)?;
    m.add(
        "OPERATIONS",
        grantex::catalog::OPERATIONS
            .iter()
            .map(|op| op.name)
            .collect::<Vec<_>>(),
    )?;
    m.add_function(wrap_pyfunction!(verify::verify_grant_token, m)?)?;
    m.add_function(wrap_pyfunction!(verify::averify_grant_token, m)?)?;
    m.add_function(wrap_pyfunction!(verify::check_verify_option, m)?)?;
    m.add_function(wrap_pyfunction!(verify::check_current_authority, m)?)?;
    m.add(
        "REFERENCE_VERIFY_OPTIONS",
        grantex::verify::REFERENCE_OPTIONS
            .iter()
            .map(|o| o.name)
            .collect::<Vec<_>>(),
    )?;
    #[cfg(feature = "bench")]
    {
        m.add_class::<bench::RsaFloor>()?;
        m.add_function(wrap_pyfunction!(bench::_core_loop, m)?)?;
        m.add_function(wrap_pyfunction!(bench::_floor_loop, m)?)?;
    }
    m.add_function(wrap_pyfunction!(misc::verify_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(misc::verify_webhook_signature, m)?)?;
    m.add_function(wrap_pyfunction!(misc::generate_pkce, m)?)?;
    m.add_function(wrap_pyfunction!(misc::generate_dpop_jwk, m)?)?;
    m.add_function(wrap_pyfunction!(misc::dpop_public_jwk, m)?)?;
    m.add_function(wrap_pyfunction!(misc::jwk_thumbprint, m)?)?;
    m.add_function(wrap_pyfunction!(misc::create_dpop_proof, m)?)?;
    m.add_function(wrap_pyfunction!(misc::verify_audit_chain, m)?)?;
    m.add_function(wrap_pyfunction!(misc::decode_jwt_payload, m)?)?;
    m.add_function(wrap_pyfunction!(misc::get_token_info, m)?)?;
    m.add_class::<a2a_client::NativeA2AClient>()?;
    m.add_class::<a2a_guard::NativeGuard>()?;
    m.add_class::<mcp_guard::NativeMcpGuard>()?;
    m.add_function(wrap_pyfunction!(a2a_guard::peek_request, m)?)?;
    m.add_function(wrap_pyfunction!(a2a_guard::a2a_rpc_code, m)?)?;
    m.add_function(wrap_pyfunction!(a2a_card::build_agent_card, m)?)?;
    m.add_function(wrap_pyfunction!(a2a_card::parse_agent_card, m)?)?;
    Ok(())
}
