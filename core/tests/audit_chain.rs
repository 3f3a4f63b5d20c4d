//! The audit hash chain against vectors computed independently with Node.js (JSON.stringify
//! with recursively sorted keys, crypto.createHash('sha256')), plus tampering and removal.

use grantex::audit_chain::{canonical_json, compute_hash, verify_chain, BreakReason, ChainReport};
use grantex::types::AuditEntry;
use serde_json::{json, Value};

/// Nested objects, unicode keys that sort differently in UTF-8 and UTF-16, every escape class
/// and the number forms where Rust and JavaScript differ.
fn tricky_metadata() -> Value {
    json!({
        "z": 1,
        "a": {"y": [3, 1.0, 2.5, {"b": null, "a": true}],
              "x": "é\u{2028}\"\\\n\t\u{1}\u{7f}😀"},
        "\u{E000}": "pua",
        "😀": "emoji",
        "A": -0.0,
        "big": 1e21,
        "tiny": 1.5e-7,
        "m": 0.000001
    })
}

/// `canon(meta)` printed by Node.js.
const TRICKY_CANONICAL: &str = "{\"A\":0,\"a\":{\"x\":\"é\u{2028}\\\"\\\\\\n\\t\\u0001\u{7f}😀\",\"y\":[3,1,2.5,{\"a\":true,\"b\":null}]},\"big\":1e+21,\"m\":0.000001,\"tiny\":1.5e-7,\"z\":1,\"😀\":\"emoji\",\"\u{E000}\":\"pua\"}";

/// Hashes of the three entries built by `chain()`, computed by Node.js.
const NODE_HASHES: [&str; 3] = [
    "7a98b3e28755805b8588d72d4dfefc8a1dfa255532891fd6e224dad35b87a5a5",
    "ddf8da841250e832434166fb0ce998d418c7c728f2aa27a803c9540079cf3bd4",
    "c438f70d38c928b0a71e631d913b03a28745a54685044a15a164b68b7f98ceb6",
];

fn entry(i: usize, prev_hash: Option<String>) -> AuditEntry {
    let metadata = if i == 1 {
        tricky_metadata()
    } else {
        json!({"amount": i * 10, "currency": "USD"})
    };
    let mut e = AuditEntry {
        entry_id: format!("alog_0{i}"),
        agent_id: "ag_1".into(),
        agent_did: "did:grantex:ag_1".into(),
        grant_id: "grnt_1".into(),
        principal_id: "user-42".into(),
        developer_id: "dev_1".into(),
        action: "payment.initiated".into(),
        metadata,
        hash: String::new(),
        prev_hash,
        timestamp: format!("2026-03-01T12:00:0{i}.000Z"),
        status: "success".into(),
        purpose: None,
    };
    e.hash = compute_hash(&e);
    e
}

fn chain(n: usize) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = Vec::new();
    for i in 0..n {
        let prev = entries.last().map(|e| e.hash.clone());
        entries.push(entry(i, prev));
    }
    entries
}

#[test]
fn canonical_json_matches_javascript() {
    assert_eq!(canonical_json(&tricky_metadata()), TRICKY_CANONICAL);
    assert_eq!(canonical_json(&json!({})), "{}");
    assert_eq!(canonical_json(&json!([])), "[]");
    assert_eq!(
        canonical_json(&json!({"b": {"d": [], "c": {}}, "a": "x"})),
        r#"{"a":"x","b":{"c":{},"d":[]}}"#
    );
    assert_eq!(
        canonical_json(&json!("\u{8}\u{c}\r\u{1f} ")),
        r#""\b\f\r\u001f ""#
    );
    assert_eq!(canonical_json(&json!(-12)), "-12");
}

#[test]
fn hashes_match_the_node_reference() {
    let entries = chain(3);
    let hashes: Vec<&str> = entries.iter().map(|e| e.hash.as_str()).collect();
    assert_eq!(hashes, NODE_HASHES);
    assert!(entries[0]
        .hash
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
}

#[test]
fn hash_ignores_metadata_key_order_but_not_content() {
    let mut a = entry(0, None);
    a.metadata = serde_json::from_str(r#"{"currency":"USD","amount":0}"#).unwrap();
    assert_eq!(compute_hash(&a), NODE_HASHES[0]);
    a.metadata = json!({"currency": "USD", "amount": 1});
    assert_ne!(compute_hash(&a), NODE_HASHES[0]);
    // Every field takes part in the hash.
    let base = entry(2, Some("p".into()));
    let mutations: Vec<fn(&mut AuditEntry)> = vec![
        |e| e.entry_id.push('x'),
        |e| e.agent_id.push('x'),
        |e| e.agent_did.push('x'),
        |e| e.grant_id.push('x'),
        |e| e.principal_id.push('x'),
        |e| e.developer_id.push('x'),
        |e| e.action.push('x'),
        |e| e.timestamp.push('x'),
        |e| e.status.push('x'),
        |e| e.prev_hash = None,
        |e| e.metadata = json!({}),
    ];
    for mutate in mutations {
        let mut changed = base.clone();
        mutate(&mut changed);
        assert_ne!(compute_hash(&changed), base.hash);
    }
    // The stored hash itself is not an input.
    let mut changed = base.clone();
    changed.hash = "00".into();
    assert_eq!(compute_hash(&changed), base.hash);
}

#[test]
fn intact_chain_is_valid() {
    let report = verify_chain(&chain(3));
    assert_eq!(
        report,
        ChainReport {
            valid: true,
            checked_entries: 3,
            first_broken_at: None,
            reason: None
        }
    );
    assert!(verify_chain(&[]).valid);
}

#[test]
fn tampered_entry_breaks_content() {
    let mut entries = chain(3);
    entries[1].metadata["z"] = json!(2);
    let report = verify_chain(&entries);
    assert!(!report.valid);
    assert_eq!(report.reason, Some(BreakReason::Content));
    assert_eq!(report.first_broken_at.as_deref(), Some("alog_01"));
    assert_eq!(report.checked_entries, 2);
}

#[test]
fn rehashed_tampered_entry_breaks_the_next_link() {
    let mut entries = chain(3);
    entries[1].action = "payment.refunded".into();
    entries[1].hash = compute_hash(&entries[1]);
    let report = verify_chain(&entries);
    assert_eq!(report.reason, Some(BreakReason::Link));
    assert_eq!(report.first_broken_at.as_deref(), Some("alog_02"));
}

#[test]
fn removed_entry_breaks_the_link() {
    let mut entries = chain(3);
    entries.remove(1);
    let report = verify_chain(&entries);
    assert_eq!(report.reason, Some(BreakReason::Link));
    assert_eq!(report.first_broken_at.as_deref(), Some("alog_02"));
    assert_eq!(report.checked_entries, 2);

    let mut swapped = chain(3);
    swapped.swap(1, 2);
    assert_eq!(verify_chain(&swapped).reason, Some(BreakReason::Link));
}

#[test]
fn a_slice_may_start_anywhere() {
    // A filtered list starts with an entry whose predecessor is not included.
    let entries = chain(3);
    let report = verify_chain(&entries[1..]);
    assert!(report.valid, "{report:?}");
    assert_eq!(report.checked_entries, 2);
}

#[test]
fn report_serialises_like_the_evidence_pack() {
    let mut entries = chain(2);
    entries[0].hash = "0".repeat(64);
    let value = serde_json::to_value(verify_chain(&entries)).unwrap();
    assert_eq!(
        value,
        json!({"valid": false, "checkedEntries": 1, "firstBrokenAt": "alog_00", "reason": "content"})
    );
    let value = serde_json::to_value(verify_chain(&chain(2))).unwrap();
    assert_eq!(
        value,
        json!({"valid": true, "checkedEntries": 2, "firstBrokenAt": null, "reason": null})
    );
    assert_eq!(BreakReason::Link.as_str(), "link");
}

#[test]
fn entries_from_the_wire_verify() {
    // As returned by GET /v1/audit/entries (camelCase, `prevHash: null`).
    let first = entry(0, None);
    let wire = json!({"entryId": first.entry_id, "agentId": "ag_1", "agentDid": "did:grantex:ag_1",
        "grantId": "grnt_1", "principalId": "user-42", "developerId": "dev_1",
        "action": "payment.initiated", "metadata": {"currency": "USD", "amount": 0},
        "hash": NODE_HASHES[0], "prevHash": null, "timestamp": "2026-03-01T12:00:00.000Z",
        "status": "success"});
    let parsed: AuditEntry = serde_json::from_value(wire).unwrap();
    assert!(verify_chain(&[parsed]).valid);
}
