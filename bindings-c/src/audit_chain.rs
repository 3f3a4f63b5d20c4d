//! Audit hash-chain verification over entries given as JSON (e.g. the text of a
//! grantex_audit_list() response).

use crate::ffi::{guard, into_handle, owned_string, str_arg, Failure, Out};
use crate::response::grantex_response;
use crate::result::grantex_result;
use grantex_core::audit_chain;
use grantex_core::types::AuditEntry;
use serde_json::Value;
use std::ffi::c_char;

/// Entries from a JSON array, or from an object with an `entries` array (a list response).
fn parse_entries(json: &str) -> Result<Vec<AuditEntry>, Failure> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| Failure::invalid(format!("audit entries JSON is invalid: {e}")))?;
    let list = match value {
        Value::Array(_) => value,
        Value::Object(mut map) => map
            .remove("entries")
            .ok_or_else(|| Failure::invalid("audit JSON object has no `entries` member"))?,
        _ => {
            return Err(Failure::invalid(
                "audit entries JSON must be an array or a list response",
            ))
        }
    };
    serde_json::from_value(list)
        .map_err(|e| Failure::invalid(format!("audit entries do not have the entry shape: {e}")))
}

/// Verifies the hash chain of `entries_json` (an array of entries, or a list response
/// `{"entries":[...]}`, oldest first). A broken chain is not an error: the report (a
/// grantex_response) has `valid` (bool), `checkedEntries`, `firstBrokenAt` (entry id or
/// null) and `reason` (`"link"`, `"content"` or null). Invalid JSON is
/// `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `entries_json` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_audit_verify_chain(
    entries_json: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let json = unsafe { str_arg(entries_json, "entries_json") }?;
        let out = Out::new(out, "out")?;
        let report = audit_chain::verify_chain(&parse_entries(json)?);
        out.write(into_handle(grantex_response::from_serialize(&report)?));
        Ok(())
    })
}

/// The hash the server computes for one entry (lowercase hex SHA-256 over the entry's canonical fields); a new
/// string freed with grantex_string_free().
///
/// # Safety
/// `entry_json` NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_audit_compute_hash(
    entry_json: *const c_char,
    out: *mut *mut c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let json = unsafe { str_arg(entry_json, "entry_json") }?;
        let out = Out::new(out, "out")?;
        let entry: AuditEntry = serde_json::from_str(json)
            .map_err(|e| Failure::invalid(format!("audit entry JSON: {e}")))?;
        out.write(owned_string(audit_chain::compute_hash(&entry), "hash")?);
        Ok(())
    })
}
