//! Which tools a JSON-RPC body calls. Only `tools/call` needs more than the token: every other
//! MCP method (listing, resources, prompts) is covered by the required scopes.

use serde_json::Value;

/// The tool names of the `tools/call` requests in a JSON-RPC body (one request or a batch),
/// for display; anything unreadable yields none. The guard uses [`tool_calls`].
pub fn called_tools(body: &[u8]) -> Vec<String> {
    tool_calls(body).unwrap_or_default()
}

/// The tool names of the `tools/call` requests in a JSON-RPC body, failing closed: a body that
/// is not JSON this parser reads (the MCP server's parser may be more lenient: `NaN`, `1e400`,
/// lone surrogates, deep nesting), or a `tools/call` without a string `params.name`, is an
/// error, so no tool can be called past its scope check by a body only the server understands.
/// An empty body calls nothing.
pub fn tool_calls(body: &[u8]) -> Result<Vec<String>, &'static str> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| "the request body is not JSON the authorization check can read")?;
    let one = |m: &Value| -> Result<Option<String>, &'static str> {
        if m.get("method").and_then(Value::as_str) != Some("tools/call") {
            return Ok(None);
        }
        match m
            .get("params")
            .and_then(|p| p.get("name"))
            .and_then(Value::as_str)
        {
            Some(name) => Ok(Some(name.to_string())),
            None => Err("a tools/call request needs a string params.name"),
        }
    };
    let mut tools = Vec::new();
    match &v {
        Value::Array(batch) => {
            for m in batch {
                tools.extend(one(m)?);
            }
        }
        other => tools.extend(one(other)?),
    }
    Ok(tools)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_are_read_from_single_and_batch_requests() {
        let one = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send"}}"#;
        assert_eq!(called_tools(one), vec!["send"]);
        let batch = br#"[{"method":"tools/list"},{"method":"tools/call","params":{"name":"a"}},
                        {"method":"tools/call","params":{"name":"b"}}]"#;
        assert_eq!(called_tools(batch), vec!["a", "b"]);
        assert!(called_tools(b"not json").is_empty());
        assert!(called_tools(b"").is_empty());
        assert!(called_tools(br#"{"method":"tools/call","params":{"name":7}}"#).is_empty());
        assert!(called_tools(br#"{"method":"tools/call"}"#).is_empty());
        assert!(called_tools(br#"{"method":"tools/list","params":{"name":"x"}}"#).is_empty());
    }

    #[test]
    fn the_guard_fails_closed_on_what_it_cannot_read() {
        for bad in [
            &br#"{"method":"tools/call","params":{"name":"secret","_meta":{"x":1e400}}}"#[..],
            br#"{"method":"tools/call","params":{"name":"secret","x":NaN}}"#,
            br#"{"method":"tools/call","params":{"name":"s\ud800"}}"#,
            br#"{"method":"tools/call","params":{"name":7}}"#,
            br#"[{"method":"tools/call"}]"#,
            b"not json",
        ] {
            assert!(tool_calls(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(tool_calls(deep.as_bytes()).is_err());
        assert_eq!(tool_calls(b"  ").unwrap(), Vec::<String>::new());
        assert_eq!(
            tool_calls(br#"{"method":"tools/list"}"#).unwrap(),
            Vec::<String>::new()
        );
    }
}
