//! The audit-chain verifier and canonical JSON (`grantex::audit_chain`), on a JSON array of
//! audit entries.
//!
//! Never panics, and:
//! - the report is consistent: valid ⇒ every entry checked and nothing named; broken ⇒ the
//!   named entry is the last one checked, and the entries before it form a valid chain;
//! - every hash is 64 lowercase hex digits and depends on the content only;
//! - canonical JSON is JSON, and canonicalising its own output changes nothing;
//! - after re-hashing and re-linking the entries, the chain is valid; it stays valid through a
//!   JSON round trip of the entries and a reordering of metadata keys; altering one entry's
//!   content breaks it there (`content`), re-linking one entry elsewhere breaks it there (`link`).

use grantex::audit_chain::{canonical_json, compute_hash, verify_chain, BreakReason};
use grantex::types::AuditEntry;
use serde_json::Value;

/// The target's entry point.
pub fn check(data: &[u8]) {
    let Ok(mut entries) = serde_json::from_slice::<Vec<AuditEntry>>(data) else {
        return;
    };
    let report = verify_chain(&entries);
    if report.valid {
        assert_eq!(report.checked_entries, entries.len(), "{report:?}");
        assert!(report.first_broken_at.is_none() && report.reason.is_none());
    } else {
        let n = report.checked_entries;
        assert!(n >= 1 && n <= entries.len(), "{report:?}");
        assert_eq!(
            report.first_broken_at.as_deref(),
            Some(entries[n - 1].entry_id.as_str()),
            "the named entry is the last one checked"
        );
        let reason = report.reason.expect("a broken chain has a reason");
        let before = verify_chain(&entries[..n - 1]);
        assert!(
            before.valid,
            "the entries before the break form a valid chain"
        );
        match reason {
            BreakReason::Content => {
                assert_ne!(compute_hash(&entries[n - 1]), entries[n - 1].hash)
            }
            BreakReason::Link => {
                assert_eq!(compute_hash(&entries[n - 1]), entries[n - 1].hash);
                assert_ne!(
                    entries[n - 1].prev_hash.as_deref(),
                    Some(entries[n - 2].hash.as_str())
                );
            }
        }
    }

    for e in &entries {
        let h = compute_hash(e);
        assert!(
            h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "hash {h:?}"
        );
        let mut other = e.clone();
        other.hash = "not the hash".into();
        assert_eq!(compute_hash(&other), h, "the stored hash is an input");
        canonical_fixpoint(&e.metadata);
    }

    // Re-hash and re-link: now a valid chain.
    relink(&mut entries, 0);
    let report = verify_chain(&entries);
    assert!(report.valid, "a re-linked chain is broken: {report:?}");

    // A JSON round trip (what a database does) keeps it valid. Numbers may move by one ulp
    // through serde_json's float parsing, which would change the hash: skip entries whose
    // metadata holds a non-integer number.
    if entries.iter().all(|e| !has_float(&e.metadata)) {
        let text = serde_json::to_string(&entries).expect("entries serialise");
        let back: Vec<AuditEntry> = serde_json::from_str(&text).expect("entries read back");
        assert_eq!(back, entries, "a JSON round trip changed the entries");
        assert!(
            verify_chain(&back).valid,
            "a JSON round trip broke the chain"
        );
    }

    if entries.is_empty() {
        return;
    }
    // Pick the entry to tamper with from the input, deterministically.
    let k = data
        .iter()
        .fold(0usize, |a, &b| a.wrapping_mul(31) ^ usize::from(b))
        % entries.len();
    let mut altered = entries.clone();
    altered[k].action.push('!');
    let report = verify_chain(&altered);
    assert!(!report.valid, "altering an entry's action went unnoticed");
    assert_eq!(report.checked_entries, k + 1);
    assert_eq!(report.reason, Some(BreakReason::Content));

    let mut altered = entries.clone();
    altered[k].metadata = Value::String(canonical_json(&altered[k].metadata));
    let report = verify_chain(&altered);
    assert_eq!(
        report.reason,
        Some(BreakReason::Content),
        "replacing metadata by its canonical text went unnoticed"
    );
    assert_eq!(report.checked_entries, k + 1);

    if k > 0 {
        let mut relinked = entries.clone();
        relinked[k].prev_hash = Some(format!("{}0", relinked[k - 1].hash));
        relinked[k].hash = compute_hash(&relinked[k]);
        let report = verify_chain(&relinked);
        assert_eq!(report.reason, Some(BreakReason::Link), "{report:?}");
        assert_eq!(report.checked_entries, k + 1);
    }
}

/// Recomputes hashes and links from entry `from` on.
fn relink(entries: &mut [AuditEntry], from: usize) {
    for i in from..entries.len() {
        if i > 0 {
            entries[i].prev_hash = Some(entries[i - 1].hash.clone());
        }
        entries[i].hash = compute_hash(&entries[i]);
    }
}

fn has_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

/// Canonical text is JSON serde_json reads, and is its own canonical form; every number in it
/// reads back (correctly rounded, as JavaScript reads it) as the value that was printed.
///
/// The fixpoint is checked only for metadata without fractional numbers: serde_json's default
/// float parsing is not correctly rounded (it has no `float_roundtrip` feature enabled here), so
/// `9.00719925474092e+37` — the shortest form of its double, which `canonical_json` prints
/// correctly — reads back as another double (corpus: `regress-serde-float-parse`). Floats are
/// checked one by one with the standard library's correctly rounded parser instead.
fn canonical_fixpoint(v: &Value) {
    let text = canonical_json(v);
    let back: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("canonical JSON is not JSON ({e}): {text:?}"));
    if !has_float(v) {
        let again = canonical_json(&back);
        assert_eq!(again, text, "canonical JSON is not a fixpoint of {v}");
    }
    numbers_round_trip(v);
}

fn numbers_round_trip(v: &Value) {
    match v {
        Value::Number(n) => {
            let printed = canonical_json(v);
            let want = n.as_f64().expect("a JSON number is an f64");
            let got: f64 = printed
                .parse()
                .unwrap_or_else(|e| panic!("canonical number {printed:?} does not parse: {e}"));
            // -0 prints as 0, as in JavaScript.
            assert!(
                got == want,
                "canonical number {printed:?} reads back as {got}, not {want}"
            );
            if let Some(u) = n.as_u64().filter(|&u| u <= 1 << 53) {
                assert_eq!(printed, u.to_string(), "a safe integer prints as itself");
            }
            if let Some(i) = n.as_i64().filter(|&i| i.unsigned_abs() <= 1 << 53) {
                assert_eq!(printed, i.to_string(), "a safe integer prints as itself");
            }
        }
        Value::Array(items) => items.iter().for_each(numbers_round_trip),
        Value::Object(map) => map.values().for_each(numbers_round_trip),
        _ => {}
    }
}
