//! Manifest validation rules; the enforce decisions themselves are covered by the shared
//! vectors (`vectors/enforce.json`, core `tests/enforce_vectors.rs`) and the live tests.

use super::*;
use serde_json::json;

fn err(r: Result<impl std::fmt::Debug>) -> String {
    match r {
        Err(Error::Manifest { message }) => message,
        other => panic!("expected a manifest error, got {other:?}"),
    }
}

#[test]
fn strings_only_manifest_is_lenient_and_reports_ignored_keys() {
    let m = ToolManifest::from_document(&json!({
        "connector": "crm", "tools": {"get": "read", "put": "write"}, "owner": "x"
    }))
    .unwrap();
    assert_eq!(m.ignored_keys, vec!["owner".to_string()]);
    assert_eq!(m.manifest.version, "1.0.0");
    assert_eq!(
        m.manifest.tool("put").unwrap().permission,
        Permission::Write
    );
}

#[test]
fn object_form_is_strict() {
    let e = err(ToolManifest::from_document(&json!({
        "connector": "crm", "tools": {"get": {"permission": "read"}}, "owner": "x"
    })));
    assert!(
        e.starts_with("ToolManifest: unknown top-level key \"owner\""),
        "{e}"
    );
    let e = err(ToolManifest::from_document(&json!({
        "connector": "crm", "tools": {"get": {"permission": "read", "caps": {"per_week": 1}}}
    })));
    assert!(
        e.contains("tools.get.caps: unknown key \"per_week\""),
        "{e}"
    );
    let e = err(ToolManifest::from_document(&json!({
        "connector": "bad name", "tools": {"get": {"permission": "read"}}
    })));
    assert!(e.contains("invalid connector name"), "{e}");
}

#[test]
fn tool_rules() {
    let bad = [
        (
            json!({"permission": "read", "requires_decision": true}),
            "requires_decision is not allowed",
        ),
        (
            json!({"permission": "read", "risk_tier": "high"}),
            "risk_tier high is not allowed",
        ),
        (
            json!({"permission": "write", "four_eyes_on": ["decline"]}),
            "requires requires_decision",
        ),
        (
            json!({"permission": "write", "caps": {}}),
            "must declare at least one of",
        ),
        (
            json!({"permission": "write", "caps": {"per_day": -1}}),
            "between 0 and 2147483647",
        ),
        (
            json!({"permission": "write", "caps": {"per_day": 1.5}}),
            "between 0 and 2147483647",
        ),
        (
            json!({"permission": "write", "cost_units": {"Bad": 1}}),
            "invalid cost unit name",
        ),
        (
            json!({"permission": "write", "allowed_purposes": []}),
            "non-empty array",
        ),
        (
            json!({"permission": "write", "allowed_purposes": ["a.b", "a.b"]}),
            "unique",
        ),
        (
            json!({"permission": "write", "allowed_purposes": ["A"]}),
            "invalid purpose pattern",
        ),
        (
            json!({"permission": "superuser"}),
            "invalid permission \"superuser\"",
        ),
        (
            json!({"caps": {"per_day": 1}}),
            "missing required key \"permission\"",
        ),
        (
            json!({"permission": "write", "requires_decision": true, "decision_fields": ["amount"]}),
            "invalid field name",
        ),
        (json!(7), "must be a permission string or an object"),
    ];
    for (decl, want) in bad {
        let e = err(parse_tool_declaration("t", &decl));
        assert!(e.contains(want), "{decl}: {e}");
    }
    let e = err(parse_tool_declaration("cost_units", &json!("read")));
    assert!(e.contains("reserved"), "{e}");
    let spec = parse_tool_declaration(
        "t",
        &json!({"permission": "write", "caps": {"per_hour": 5.0}, "allowed_purposes": ["aml.cdd.*"],
                "requires_decision": true, "four_eyes_on": ["decline"], "decision_fields": ["currency"]}),
    )
    .unwrap();
    assert_eq!(spec.caps.as_ref().unwrap().per_hour, Some(5));
    assert!(spec.needs_decision());
    // Round trip through the document form.
    let back = parse_tool_declaration("t", &spec.to_json()).unwrap();
    assert_eq!(back, spec);
}

#[test]
fn duplicate_keys_in_manifest_text_are_refused() {
    let e = err(ToolManifest::from_json_text(
        r#"{"connector": "crm", "tools": {"get": "read", "get": "admin"}}"#,
    ));
    assert!(e.contains("duplicate key \"get\""), "{e}");
    assert!(
        ToolManifest::from_json_text(r#"{"connector": "crm", "tools": {"get": "read"}}"#).is_ok()
    );
    let e = err(ToolManifest::from_json_text("{nope"));
    assert!(e.contains("not valid JSON"), "{e}");
}

#[test]
fn document_round_trip() {
    let m = prebuilt::prebuilt("payments").unwrap();
    let again = ToolManifest::from_document(&m.to_document())
        .unwrap()
        .manifest;
    assert_eq!(again, m);
}

#[test]
fn config_is_checked_when_built() {
    let client = Client::new(crate::ClientConfig {
        api_key: Some("k".into()),
        base_url: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    })
    .unwrap();
    let bad = |c: EnforceConfig| Enforcer::new(client.clone(), c).unwrap_err().to_string();
    assert!(bad(EnforceConfig {
        enforce_mode: "lenient".into(),
        ..Default::default()
    })
    .contains("enforce_mode"));
    assert!(bad(EnforceConfig {
        caps_mode: "x".into(),
        ..Default::default()
    })
    .contains("caps_mode"));
    assert!(bad(EnforceConfig {
        revocation_check: "sometimes".into(),
        ..Default::default()
    })
    .contains("revocation_check"));
    assert!(bad(EnforceConfig {
        audience: Some("".into()),
        ..Default::default()
    })
    .contains("non-empty"));
    assert!(bad(EnforceConfig {
        audience: Some("a".into()),
        audience_check: "off".into(),
        ..Default::default()
    })
    .contains("cannot be set"));
    assert!(bad(EnforceConfig {
        decision_algorithms: vec![],
        ..Default::default()
    })
    .contains("decision_algorithms"));
    assert!(Enforcer::new(client, EnforceConfig::default()).is_ok());
}
