//! Which tools a JSON-RPC body calls. Only `tools/call` needs more than the token: every other
//! MCP method (listing, resources, prompts) is covered by the required scopes.

use serde_json::Value;

/// The tool names of the `tools/call` requests in a JSON-RPC body (one request or a batch).
/// Anything unreadable yields none: the MCP server itself refuses a malformed request, and the
/// token was already checked.
pub fn called_tools(body: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let one = |m: &Value| -> Option<String> {
        (m.get("method")?.as_str()? == "tools/call")
            .then(|| m.get("params")?.get("name")?.as_str().map(str::to_string))
            .flatten()
    };
    match &v {
        Value::Array(batch) => batch.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
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
}
