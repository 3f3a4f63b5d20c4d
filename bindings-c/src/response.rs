//! `grantex_response`: a read-only view of an API response (or report) for C. The core's typed
//! value is serialised back to its JSON wire shape once; C reads fields by name or JSON
//! Pointer, and the strings it gets are borrowed from the handle (valid until it is freed).

use crate::ffi::{c_string, guard, guard_free, handle, into_handle, opt_str_arg, str_arg};
use crate::ffi::{Failure, Out};
use crate::result::grantex_result;
use serde::Serialize;
use serde_json::{Number, Value};
use std::ffi::{c_char, CString};

/// An immutable API response: its JSON text plus typed field access by path.
///
/// Paths: NULL or `""` is the whole document; a string starting with `/` is an RFC 6901 JSON
/// Pointer (`"/agents/0/agentId"`, `~1` for `/`, `~0` for `~`); anything else names one
/// top-level member (`"grantToken"`). Member names are the camelCase wire names of the
/// Grantex API.
///
/// Thread safety: immutable; may be read from several threads at once. Free it once, after
/// every reader is done, with grantex_response_free().
pub struct grantex_response {
    json: CString,
    root: Node,
}

/// The document with strings already NUL-terminated, so C can borrow them.
#[derive(Debug)]
enum Node {
    Null,
    Bool(bool),
    Number(Number),
    /// `None` when the string holds a NUL character (readable only through the JSON text).
    String(Option<CString>),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl Node {
    fn from_value(value: Value) -> Node {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n),
            Value::String(s) => Node::String(CString::new(s).ok()),
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from_value).collect()),
            Value::Object(map) => Node::Object(
                map.into_iter()
                    .map(|(k, v)| (k, Node::from_value(v)))
                    .collect(),
            ),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }

    fn child(&self, token: &str) -> Option<&Node> {
        match self {
            Node::Object(members) => members.iter().find(|(k, _)| k == token).map(|(_, v)| v),
            Node::Array(items) => {
                let canonical = token == "0" || !token.starts_with('0');
                if !canonical || !token.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                token.parse::<usize>().ok().and_then(|i| items.get(i))
            }
            _ => None,
        }
    }
}

impl grantex_response {
    /// Serialises a core value into a response handle.
    pub(crate) fn from_serialize<T: Serialize>(value: &T) -> Result<grantex_response, Failure> {
        let value = serde_json::to_value(value).map_err(|e| {
            Failure::new(
                grantex_result::GRANTEX_DECODE,
                format!("cannot represent the response as JSON: {e}"),
            )
        })?;
        grantex_response::from_value(value)
    }

    /// A response handle holding a JSON value (the core's generic call's result).
    pub(crate) fn from_value(value: Value) -> Result<grantex_response, Failure> {
        let json = c_string(value.to_string(), "response JSON")?;
        Ok(grantex_response {
            json,
            root: Node::from_value(value),
        })
    }

    /// The node at `path`; a missing member (or JSON null) is `GRANTEX_NOT_FOUND`.
    fn lookup(&self, path: Option<&str>) -> Result<&Node, Failure> {
        let path = path.unwrap_or("");
        let missing = || Failure::not_found(format!("response has no field `{path}`"));
        let node = if path.is_empty() {
            &self.root
        } else if let Some(pointer) = path.strip_prefix('/') {
            let mut node = &self.root;
            for raw in pointer.split('/') {
                let token = raw.replace("~1", "/").replace("~0", "~");
                node = node.child(&token).ok_or_else(missing)?;
            }
            node
        } else {
            self.root.child(path).ok_or_else(missing)?
        };
        match node {
            Node::Null => Err(Failure::not_found(format!(
                "response field `{path}` is null"
            ))),
            n => Ok(n),
        }
    }
}

fn wrong_type(path: Option<&str>, node: &Node, want: &str) -> Failure {
    Failure::invalid(format!(
        "response field `{}` is {}, not {want}",
        path.unwrap_or(""),
        node.kind()
    ))
}

/// The whole response as compact JSON text, borrowed from `response` (valid until it is
/// freed).
///
/// # Safety
/// `response` is NULL or a live handle; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_response_json(
    response: *const grantex_response,
    out: *mut *const c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let response = unsafe { handle(response, "response") }?;
        Out::new(out, "out")?.write(response.json.as_ptr());
        Ok(())
    })
}

/// A response handle over any JSON text, e.g. the `json_out` of grantex_client_call(), to read
/// its fields with grantex_response_string() and friends. The text is copied: free it
/// whenever convenient. Not valid JSON: `GRANTEX_INVALID_ARGUMENT`. Free the handle with
/// grantex_response_free().
///
/// # Safety
/// `json` is NULL or NUL-terminated; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_response_from_json(
    json: *const c_char,
    out: *mut *mut grantex_response,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let json = unsafe { str_arg(json, "json") }?;
        let out = Out::new(out, "out")?;
        let value: Value = serde_json::from_str(json)
            .map_err(|e| Failure::invalid(format!("json is not valid JSON: {e}")))?;
        out.write(into_handle(grantex_response::from_value(value)?));
        Ok(())
    })
}

/// The string at `path`, borrowed from `response` (valid until it is freed).
/// `GRANTEX_NOT_FOUND` when absent or null; `GRANTEX_INVALID_ARGUMENT` when not a string;
/// `GRANTEX_DECODE` when the string contains a NUL character.
///
/// # Safety
/// `response` is NULL or a live handle; `path` NULL or a NUL-terminated string; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn grantex_response_string(
    response: *const grantex_response,
    path: *const c_char,
    out: *mut *const c_char,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (response, path) =
            unsafe { (handle(response, "response")?, opt_str_arg(path, "path")?) };
        let out = Out::new(out, "out")?;
        match response.lookup(path)? {
            Node::String(Some(s)) => out.write(s.as_ptr()),
            Node::String(None) => {
                return Err(Failure::new(
                    grantex_result::GRANTEX_DECODE,
                    format!(
                        "response field `{}` contains a NUL character; read it from the JSON text",
                        path.unwrap_or("")
                    ),
                ))
            }
            other => return Err(wrong_type(path, other, "a string")),
        }
        Ok(())
    })
}

/// The integer at `path`. `GRANTEX_INVALID_ARGUMENT` when it is not a number that fits an
/// int64_t exactly.
///
/// # Safety
/// As grantex_response_string().
#[no_mangle]
pub unsafe extern "C" fn grantex_response_int(
    response: *const grantex_response,
    path: *const c_char,
    out: *mut i64,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (response, path) =
            unsafe { (handle(response, "response")?, opt_str_arg(path, "path")?) };
        let out = Out::new(out, "out")?;
        match response.lookup(path)? {
            Node::Number(n) if n.as_i64().is_some() => out.write(n.as_i64().unwrap_or_default()),
            other => return Err(wrong_type(path, other, "an integer")),
        }
        Ok(())
    })
}

/// The number at `path` as a double.
///
/// # Safety
/// As grantex_response_string().
#[no_mangle]
pub unsafe extern "C" fn grantex_response_double(
    response: *const grantex_response,
    path: *const c_char,
    out: *mut f64,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (response, path) =
            unsafe { (handle(response, "response")?, opt_str_arg(path, "path")?) };
        let out = Out::new(out, "out")?;
        match response.lookup(path)? {
            Node::Number(n) => match n.as_f64() {
                Some(f) => out.write(f),
                None => return Err(Failure::invalid("number is not representable as a double")),
            },
            other => return Err(wrong_type(path, other, "a number")),
        }
        Ok(())
    })
}

/// The boolean at `path`.
///
/// # Safety
/// As grantex_response_string().
#[no_mangle]
pub unsafe extern "C" fn grantex_response_bool(
    response: *const grantex_response,
    path: *const c_char,
    out: *mut bool,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (response, path) =
            unsafe { (handle(response, "response")?, opt_str_arg(path, "path")?) };
        let out = Out::new(out, "out")?;
        match response.lookup(path)? {
            Node::Bool(b) => out.write(*b),
            other => return Err(wrong_type(path, other, "a boolean")),
        }
        Ok(())
    })
}

/// The number of elements (array) or members (object) at `path`.
///
/// # Safety
/// As grantex_response_string().
#[no_mangle]
pub unsafe extern "C" fn grantex_response_len(
    response: *const grantex_response,
    path: *const c_char,
    out: *mut usize,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (response, path) =
            unsafe { (handle(response, "response")?, opt_str_arg(path, "path")?) };
        let out = Out::new(out, "out")?;
        match response.lookup(path)? {
            Node::Array(items) => out.write(items.len()),
            Node::Object(members) => out.write(members.len()),
            other => return Err(wrong_type(path, other, "an array or object")),
        }
        Ok(())
    })
}

/// Whether `path` exists with a non-null value (`GRANTEX_OK` either way; the answer is in
/// `*out`).
///
/// # Safety
/// As grantex_response_string().
#[no_mangle]
pub unsafe extern "C" fn grantex_response_has(
    response: *const grantex_response,
    path: *const c_char,
    out: *mut bool,
) -> grantex_result {
    guard(|| {
        // SAFETY: per the function contract.
        let (response, path) =
            unsafe { (handle(response, "response")?, opt_str_arg(path, "path")?) };
        let out = Out::new(out, "out")?;
        match response.lookup(path) {
            Ok(_) => out.write(true),
            Err(f) if f.code == grantex_result::GRANTEX_NOT_FOUND => out.write(false),
            Err(f) => return Err(f),
        }
        Ok(())
    })
}

/// Frees a response and every string borrowed from it. NULL is a no-op; never free twice.
///
/// # Safety
/// `response` is NULL or a live handle not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn grantex_response_free(response: *mut grantex_response) {
    // SAFETY: per the function contract.
    guard_free(|| unsafe { crate::ffi::free_handle(response) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resp(v: Value) -> grantex_response {
        grantex_response::from_serialize(&v).unwrap()
    }

    #[test]
    fn lookup_by_name_and_pointer() {
        let r = resp(json!({"a/b": 1, "list": [{"x": "y"}], "n": null, "~": true}));
        assert!(matches!(r.lookup(Some("/a~1b")), Ok(Node::Number(_))));
        assert!(matches!(r.lookup(Some("a/b")), Ok(Node::Number(_))));
        assert!(matches!(
            r.lookup(Some("/list/0/x")),
            Ok(Node::String(Some(_)))
        ));
        assert!(matches!(r.lookup(Some("/~0")), Ok(Node::Bool(true))));
        for missing in [
            "/list/1",
            "/list/01",
            "/list/-1",
            "n",
            "/n",
            "nope",
            "/list/0/x/y",
        ] {
            let e = r.lookup(Some(missing)).unwrap_err();
            assert_eq!(e.code, grantex_result::GRANTEX_NOT_FOUND, "{missing}");
        }
        assert!(matches!(r.lookup(None), Ok(Node::Object(_))));
    }

    #[test]
    fn nul_in_string_is_kept_out_of_c_strings() {
        let r = resp(json!({"s": "a\u{0}b"}));
        assert!(matches!(r.lookup(Some("s")), Ok(Node::String(None))));
        assert!(r.json.to_str().unwrap().contains("\\u0000"));
    }
}
