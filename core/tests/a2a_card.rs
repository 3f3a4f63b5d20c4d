//! Agent card builder/parser and the A2A JSON shapes, checked against the wire form other
//! Grantex A2A bridges emit.

use grantex::a2a::*;
use serde_json::{json, Value};

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

#[test]
fn builder_declares_the_grantex_bearer_scheme() {
    let card = AgentCard::builder("Echo", "Echoes text", "http://127.0.0.1:9000")
        .grantex(
            "http://127.0.0.1:8080/.well-known/jwks.json",
            "http://127.0.0.1:8080",
        )
        .required_scopes(["tasks:send", "tasks:read"])
        .delegation_allowed(true)
        .version("1.2.3")
        .provider(AgentProvider {
            organization: "Acme".into(),
            url: None,
        })
        .skill(AgentSkill {
            id: "echo".into(),
            name: "Echo".into(),
            ..Default::default()
        })
        .build()
        .unwrap();
    assert_eq!(
        to_value(&card),
        json!({
            "name": "Echo",
            "description": "Echoes text",
            "url": "http://127.0.0.1:9000",
            "version": "1.2.3",
            "provider": {"organization": "Acme"},
            "authentication": {"schemes": [{
                "scheme": "bearer",
                "grantexConfig": {
                    "jwksUri": "http://127.0.0.1:8080/.well-known/jwks.json",
                    "issuer": "http://127.0.0.1:8080",
                    "requiredScopes": ["tasks:send", "tasks:read"],
                    "delegationAllowed": true
                }
            }]},
            "defaultInputModes": ["text/plain"],
            "defaultOutputModes": ["text/plain"],
            "skills": [{"id": "echo", "name": "Echo"}]
        })
    );
    assert_eq!(card.required_scopes(), ["tasks:send", "tasks:read"]);
}

#[test]
fn minimal_card_omits_what_was_not_given() {
    let card = AgentCard::builder("A", "", "https://agent.example/a2a")
        .grantex(
            "https://auth.example/.well-known/jwks.json",
            "https://auth.example",
        )
        .build()
        .unwrap();
    let v = to_value(&card);
    let cfg = &v["authentication"]["schemes"][0]["grantexConfig"];
    assert_eq!(
        cfg,
        &json!({"jwksUri": "https://auth.example/.well-known/jwks.json", "issuer": "https://auth.example"})
    );
    for absent in ["version", "provider", "capabilities", "skills"] {
        assert!(v.get(absent).is_none(), "{absent} should be absent");
    }
    assert!(card.required_scopes().is_empty());
    let plain = AgentCard::builder("A", "", "https://agent.example")
        .build()
        .unwrap();
    assert!(plain.authentication.is_none() && plain.grantex_config().is_none());
}

#[test]
fn builder_refuses_bad_urls_and_half_configured_schemes() {
    let bad = [
        AgentCard::builder("A", "", "ftp://x").build(),
        AgentCard::builder("A", "", "not a url").build(),
        AgentCard::builder("", "", "http://x").build(),
        AgentCard::builder("A", "", "http://x")
            .grantex("file:///jwks.json", "iss")
            .build(),
        AgentCard::builder("A", "", "http://x")
            .grantex("http://x/jwks", "")
            .build(),
        AgentCard::builder("A", "", "http://x")
            .required_scopes(["a"])
            .build(),
    ];
    for (i, r) in bad.into_iter().enumerate() {
        let e = r.expect_err(&format!("case {i} should fail"));
        assert_eq!(e.code(), "invalid_argument", "case {i}: {e}");
    }
}

#[test]
fn parses_cards_with_scheme_objects_or_names() {
    let json = r#"{
        "name": "B", "description": "remote", "url": "http://b.example",
        "authentication": {"schemes": ["basic", {"scheme": "Bearer",
            "grantexConfig": {"jwksUri": "http://i/.well-known/jwks.json", "issuer": "http://i",
                              "delegationAllowed": false}}]},
        "capabilities": {"streaming": false, "pushNotifications": false},
        "somethingNew": {"ignored": true}
    }"#;
    let card = AgentCard::from_json(json).unwrap();
    let cfg = card.grantex_config().unwrap();
    assert_eq!(cfg.issuer, "http://i");
    assert_eq!(cfg.delegation_allowed, Some(false));
    assert_eq!(cfg.required_scopes, None);
    let back = AgentCard::from_json(&card.to_json()).unwrap();
    assert_eq!(back, card);

    let plain = AgentCard::from_json(
        r#"{"name":"P","url":"http://p","authentication":{"schemes":["bearer"]}}"#,
    )
    .unwrap();
    assert_eq!(plain.description, "");
    assert!(plain.grantex_config().is_none());
}

#[test]
fn parser_refuses_broken_cards_with_a_card_error() {
    let huge = format!(
        r#"{{"name":"x","url":"http://x","description":"{}"}}"#,
        "a".repeat(MAX_CARD_BYTES)
    );
    for json in [
        "",
        "[]",
        "{",
        r#"{"url":"http://x"}"#,
        r#"{"name":"x","url":"http://x","authentication":{"schemes":[{"scheme":"bearer","grantexConfig":{"jwksUri":"","issuer":"i"}}]}}"#,
        r#"{"name":"x","url":"http://x","authentication":{"schemes":[42]}}"#,
        huge.as_str(),
    ] {
        let e = AgentCard::from_json(json).unwrap_err();
        assert_eq!(e.code(), "a2a_card_error", "{e}");
    }
}

#[test]
fn parts_are_discriminated_by_type() {
    let parts = vec![
        Part::text("hi"),
        Part::Data {
            data: json!({"k": 1}),
            mime_type: Some("application/json".into()),
            metadata: None,
        },
        Part::File {
            file: FileContent {
                uri: Some("https://f.example/a.pdf".into()),
                mime_type: Some("application/pdf".into()),
                ..Default::default()
            },
            mime_type: None,
            metadata: None,
        },
    ];
    assert_eq!(
        to_value(&parts),
        json!([
            {"type": "text", "text": "hi"},
            {"type": "data", "data": {"k": 1}, "mimeType": "application/json"},
            {"type": "file", "file": {"uri": "https://f.example/a.pdf", "mimeType": "application/pdf"}}
        ])
    );
    let back: Vec<Part> = serde_json::from_value(to_value(&parts)).unwrap();
    assert_eq!(back, parts);
    // Python-style: mimeType on the part itself.
    let p: Part = serde_json::from_value(
        json!({"type": "file", "file": {"uri": "u"}, "mimeType": "text/plain"}),
    )
    .unwrap();
    assert!(matches!(p, Part::File { mime_type: Some(ref m), .. } if m == "text/plain"));
    for bad in [
        json!({"type": "video", "url": "x"}),
        json!({"text": "no type"}),
        json!({"type": "text"}),
    ] {
        assert!(
            serde_json::from_value::<Part>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn tasks_use_the_a2a_field_names_and_states() {
    let task = Task {
        id: "t1".into(),
        status: TaskStatus {
            state: TaskState::InputRequired,
            message: Some(Message {
                role: Role::Agent,
                parts: vec![Part::text("more?")],
                metadata: None,
            }),
            timestamp: Some("2026-01-01T00:00:00Z".into()),
        },
        artifacts: Some(vec![Artifact {
            name: Some("out".into()),
            description: None,
            parts: vec![Part::text("x")],
            metadata: None,
        }]),
        history: None,
        metadata: None,
    };
    let v = to_value(&task);
    assert_eq!(v["status"]["state"], "input-required");
    assert_eq!(v["status"]["message"]["role"], "agent");
    assert_eq!(v["artifacts"][0]["name"], "out");
    assert!(v.get("history").is_none());
    let states: Vec<TaskState> = serde_json::from_value(json!([
        "submitted",
        "working",
        "input-required",
        "completed",
        "canceled",
        "failed",
        "rejected"
    ]))
    .unwrap();
    assert_eq!(states[6], TaskState::Unknown);
    assert!(TaskState::Canceled.is_terminal() && !TaskState::Working.is_terminal());
    let get = to_value(&TaskGetParams {
        id: "t1".into(),
        history_length: Some(2),
    });
    assert_eq!(get, json!({"id": "t1", "historyLength": 2}));
}

#[test]
fn jsonrpc_envelopes_and_peeking() {
    let req = JsonRpcRequest::new(3, METHOD_SEND, json!({"x": 1}));
    assert_eq!(
        to_value(&req),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tasks/send", "params": {"x": 1}})
    );
    let p = peek_request(br#"{"jsonrpc":"2.0","id":"abc","method":"tasks/get"}"#);
    assert_eq!(p.id, Some(json!("abc")));
    assert_eq!(p.method.as_deref(), Some("tasks/get"));
    assert_eq!(peek_request(b"not json"), PeekedRequest::default());
    assert_eq!(
        peek_request(br#"{"id":{"o":1},"method":5}"#),
        PeekedRequest::default()
    );
    let e = JsonRpcError {
        code: -32001,
        message: "no".into(),
        data: Some(json!({"reason": "expired"})),
    };
    assert_eq!(e.reason(), Some("expired"));
    assert_eq!(
        e.to_response(None),
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32001, "message": "no", "data": {"reason": "expired"}}})
    );
}

#[test]
fn from_options_builds_the_reference_card_and_refuses_unknown_options() {
    use grantex::a2a::AgentCardOptions;
    let o: AgentCardOptions = serde_json::from_value(serde_json::json!({
        "name": "b", "description": "echo", "url": "http://127.0.0.1:9/",
        "jwksUri": "http://127.0.0.1:9/.well-known/jwks.json", "issuer": "http://127.0.0.1:9",
        "requiredScopes": ["tasks:send"], "delegationAllowed": true
    }))
    .unwrap();
    let card = AgentCard::from_options(o).unwrap();
    let cfg = card.grantex_config().expect("grantex scheme");
    assert_eq!(
        cfg.required_scopes.as_deref(),
        Some(&["tasks:send".to_string()][..])
    );
    assert_eq!(card.required_scopes(), ["tasks:send".to_string()]);
    assert_eq!(
        card.default_input_modes.as_deref(),
        Some(&["text/plain".to_string()][..])
    );

    let typo = serde_json::from_value::<AgentCardOptions>(serde_json::json!({
        "name": "b", "url": "http://127.0.0.1:9/", "requiredScope": ["x"]
    }));
    assert!(
        typo.is_err(),
        "a misspelled option must not be dropped silently"
    );

    let half = AgentCardOptions {
        name: "b".into(),
        url: "http://127.0.0.1:9/".into(),
        jwks_uri: Some("http://127.0.0.1:9/.well-known/jwks.json".into()),
        ..Default::default()
    };
    assert!(
        AgentCard::from_options(half).is_err(),
        "jwksUri without issuer is refused"
    );
}
