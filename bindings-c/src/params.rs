//! `grantex_params`: the argument bag for calls that take a request body or query (authorize,
//! exchange, delegate, ...). C sets members by their camelCase wire names; the bag's members
//! become the operation's input object, which the core checks against the operation's types
//! (a missing required member, a wrong type or an unknown member name is a
//! `GRANTEX_INVALID_ARGUMENT` naming the problem). The A2A client converts a bag into its
//! typed params with [`grantex_params::to_typed`].

use crate::ffi::{guard, guard_free, handle_mut, into_handle, str_arg, Failure, Out};
use crate::result::grantex_result;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::ffi::c_char;

/// A JSON object under construction. Members are the API's camelCase names, e.g. for
/// grantex_authorize(): `agentId`, `principalId`, `scopes` (strings added one by one with
/// grantex_params_add_string), `expiresIn`, `redirectUri`, `state`, `audience`,
/// `codeChallenge`, `codeChallengeMethod`.
///
/// Thread safety: not safe for concurrent mutation; a bag no one mutates may be passed to
/// calls on several threads at once. A bag may be reused for any number of calls.
#[derive(Debug, Default)]
pub struct grantex_params {
    pub(crate) members: Map<String, Value>,
}

impl grantex_params {
    /// Converts the bag into a core params type. Members the type does not know are refused
    /// (a typo must not silently drop, say, a PKCE challenge).
    pub(crate) fn to_typed<T: DeserializeOwned + Serialize>(
        members: &Map<String, Value>,
        call: &str,
    ) -> Result<T, Failure> {
        let typed: T = serde_json::from_value(Value::Object(members.clone()))
            .map_err(|e| Failure::invalid(format!("{call} params: {e}")))?;
        let known = serde_json::to_value(&typed)
            .map_err(|e| Failure::invalid(format!("{call} params: {e}")))?;
        let unknown: Vec<&str> = members
            .iter()
            .filter(|(k, v)| !v.is_null() && known.get(k.as_str()).is_none())
            .map(|(k, _)| k.as_str())
            .collect();
        if !unknown.is_empty() {
            return Err(Failure::invalid(format!(
                "{call} params: unknown member(s) {}",
                unknown.join(", ")
            )));
        }
        Ok(typed)
    }
}

/// A new, empty parameter bag. Free it with grantex_params_free().
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_params_new(out: *mut *mut grantex_params) -> grantex_result {
    guard(|| {
        Out::new(out, "out")?.write(into_handle(grantex_params::default()));
        Ok(())
    })
}

/// A new bag holding the members of a JSON object (`{"agentId": "...", ...}`).
/// Not an object, or not valid JSON: `GRANTEX_INVALID_ARGUMENT`.
///
/// # Safety
/// `json` is NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_params_from_json(
    json: *const c_char,
    out: *mut *mut grantex_params,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let json = unsafe { str_arg(json, "json") }?;
        let out = Out::new(out, "out")?;
        match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(members)) => {
                out.write(into_handle(grantex_params { members }));
                Ok(())
            }
            Ok(_) => Err(Failure::invalid("params JSON must be an object")),
            Err(e) => Err(Failure::invalid(format!("params JSON is invalid: {e}"))),
        }
    })
}

/// Runs a setter on a bag with a validated key.
///
/// # Safety
/// `params` is NULL or a live bag used by no other thread; `key` NULL or NUL-terminated.
unsafe fn set(
    params: *mut grantex_params,
    key: *const c_char,
    value: impl FnOnce(&mut Map<String, Value>, &str) -> Result<(), Failure>,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let (params, key) = unsafe { (handle_mut(params, "params")?, str_arg(key, "key")?) };
        if key.is_empty() {
            return Err(Failure::invalid("key is empty"));
        }
        value(&mut params.members, key)
    })
}

/// Sets member `key` to the string `value` (replacing any previous value).
///
/// # Safety
/// `params` is NULL or a live bag used by no other thread; `key` and `value` NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_params_set_string(
    params: *mut grantex_params,
    key: *const c_char,
    value: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(params, key, |m, k| {
            let value = str_arg(value, "value")?;
            m.insert(k.to_owned(), Value::String(value.to_owned()));
            Ok(())
        })
    }
}

/// Appends the string `value` to the array member `key`, creating it when absent (this is how
/// `scopes` lists are built). `GRANTEX_INVALID_ARGUMENT` when `key` holds a non-array.
///
/// # Safety
/// As grantex_params_set_string().
#[no_mangle]
pub unsafe extern "C" fn grantex_params_add_string(
    params: *mut grantex_params,
    key: *const c_char,
    value: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(params, key, |m, k| {
            let value = str_arg(value, "value")?;
            match m
                .entry(k.to_owned())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => {
                    items.push(Value::String(value.to_owned()));
                    Ok(())
                }
                _ => Err(Failure::invalid(format!("member `{k}` is not an array"))),
            }
        })
    }
}

/// Sets member `key` to an integer (e.g. `page`, `pageSize`).
///
/// # Safety
/// `params` is NULL or a live bag used by no other thread; `key` NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn grantex_params_set_int(
    params: *mut grantex_params,
    key: *const c_char,
    value: i64,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(params, key, |m, k| {
            m.insert(k.to_owned(), Value::from(value));
            Ok(())
        })
    }
}

/// Sets member `key` to a boolean.
///
/// # Safety
/// As grantex_params_set_int().
#[no_mangle]
pub unsafe extern "C" fn grantex_params_set_bool(
    params: *mut grantex_params,
    key: *const c_char,
    value: bool,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(params, key, |m, k| {
            m.insert(k.to_owned(), Value::Bool(value));
            Ok(())
        })
    }
}

/// Sets member `key` to any JSON value given as text (e.g. the audit `metadata` object).
///
/// # Safety
/// As grantex_params_set_string().
#[no_mangle]
pub unsafe extern "C" fn grantex_params_set_json(
    params: *mut grantex_params,
    key: *const c_char,
    json: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(params, key, |m, k| {
            let json = str_arg(json, "json")?;
            let value: Value = serde_json::from_str(json)
                .map_err(|e| Failure::invalid(format!("value of `{k}` is not valid JSON: {e}")))?;
            m.insert(k.to_owned(), value);
            Ok(())
        })
    }
}

/// Removes member `key` (a no-op when absent).
///
/// # Safety
/// As grantex_params_set_int().
#[no_mangle]
pub unsafe extern "C" fn grantex_params_remove(
    params: *mut grantex_params,
    key: *const c_char,
) -> grantex_result {
    // SAFETY: per the function contract.
    unsafe {
        set(params, key, |m, k| {
            m.remove(k);
            Ok(())
        })
    }
}

/// Frees a parameter bag. NULL is a no-op; never free twice.
///
/// # Safety
/// `params` is NULL or a live bag used by no other thread.
#[no_mangle]
pub unsafe extern "C" fn grantex_params_free(params: *mut grantex_params) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(params) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use grantex_core::types::{AuthorizeParams, ListGrantsParams};
    use serde_json::json;

    fn members(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn converts_and_refuses_unknown_members() {
        let ok: AuthorizeParams = grantex_params::to_typed(
            &members(json!({"agentId": "ag", "principalId": "u", "scopes": ["a"], "state": null})),
            "authorize",
        )
        .unwrap();
        assert_eq!(ok.user_id, "u");
        let typo = grantex_params::to_typed::<AuthorizeParams>(
            &members(
                json!({"agentId": "ag", "principalId": "u", "scopes": [], "codeChallange": "x"}),
            ),
            "authorize",
        )
        .unwrap_err();
        assert!(typo.message.contains("codeChallange"), "{}", typo.message);
        let missing = grantex_params::to_typed::<AuthorizeParams>(
            &members(json!({"agentId": "ag"})),
            "authorize",
        )
        .unwrap_err();
        assert_eq!(missing.code, grantex_result::GRANTEX_INVALID_ARGUMENT);
        let wrong_type = grantex_params::to_typed::<ListGrantsParams>(
            &members(json!({"page": "two"})),
            "list grants",
        )
        .unwrap_err();
        assert!(wrong_type.message.contains("list grants"));
    }
}
