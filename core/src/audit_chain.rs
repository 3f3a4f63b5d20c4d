//! The audit log's hash chain: the exact hash recipe of the Grantex protocol, which the server
//! uses when it appends an entry, and a verifier for a list of entries.
//!
//! `hash = lowercase hex SHA-256` of the UTF-8 text
//! `{"id":…,"agentId":…,"agentDid":…,"grantId":…,"principalId":…,"developerId":…,"action":…,
//! "metadata":<canonical>,"timestamp":…,"prevHash":…|null,"status":…}` — fixed key order, no
//! whitespace, strings escaped as JavaScript's `JSON.stringify` does, `metadata` in canonical
//! form ([`canonical_json`]). Canonicalising only the metadata is what lets the hash survive a
//! database JSON round-trip that reorders keys.

use crate::types::AuditEntry;
use aws_lc_rs::digest;
use serde::Serialize;
use serde_json::{Number, Value};
use std::fmt::Write as _;

/// Why a chain failed [`verify_chain`]. Serialised as `"link"` / `"content"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BreakReason {
    /// `prevHash` does not equal the previous entry's `hash` (an entry was removed, inserted
    /// or reordered).
    Link,
    /// The stored `hash` does not match the entry's content (the entry was altered).
    Content,
}

impl BreakReason {
    /// `"link"` or `"content"`, as in the compliance evidence pack.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakReason::Link => "link",
            BreakReason::Content => "content",
        }
    }
}

/// Result of [`verify_chain`]; serialises as
/// `{valid, checkedEntries, firstBrokenAt, reason}` (the evidence pack's `chainIntegrity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    pub valid: bool,
    /// Entries examined, including the first broken one.
    pub checked_entries: usize,
    /// `entryId` of the first broken entry.
    pub first_broken_at: Option<String>,
    pub reason: Option<BreakReason>,
}

/// The entry's hash as the server computes it on append (lowercase hex, 64 characters).
/// The entry's own `hash` field is not an input.
pub fn compute_hash(entry: &AuditEntry) -> String {
    let mut text = String::with_capacity(512);
    text.push('{');
    let fields: [(&str, &str); 7] = [
        ("id", &entry.entry_id),
        ("agentId", &entry.agent_id),
        ("agentDid", &entry.agent_did),
        ("grantId", &entry.grant_id),
        ("principalId", &entry.principal_id),
        ("developerId", &entry.developer_id),
        ("action", &entry.action),
    ];
    for (name, value) in fields {
        push_string(&mut text, name);
        text.push(':');
        push_string(&mut text, value);
        text.push(',');
    }
    text.push_str("\"metadata\":");
    write_canonical(&mut text, &entry.metadata);
    text.push_str(",\"timestamp\":");
    push_string(&mut text, &entry.timestamp);
    text.push_str(",\"prevHash\":");
    match &entry.prev_hash {
        Some(prev) => push_string(&mut text, prev),
        None => text.push_str("null"),
    }
    text.push_str(",\"status\":");
    push_string(&mut text, &entry.status);
    text.push('}');
    let hash = digest::digest(&digest::SHA256, text.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in hash.as_ref() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Walk `entries` in the order given (chain order: oldest first) and report the first break.
///
/// Each entry's hash is recomputed (a mismatch is [`BreakReason::Content`]); then every entry
/// after the first must have `prevHash` equal to the previous entry's `hash`
/// ([`BreakReason::Link`]). The first entry may carry any `prevHash` — `null` for the start
/// of a developer's chain, or a hash when the list is a filtered or paginated slice whose
/// predecessor is not included. Consequently a slice cannot prove that nothing came before
/// it, and removing the newest entries is not detectable (the head is not anchored).
/// An empty list is valid.
pub fn verify_chain(entries: &[AuditEntry]) -> ChainReport {
    let mut v = ChainVerifier::default();
    for entry in entries {
        if !v.push(entry) {
            break;
        }
    }
    v.report()
}

/// [`verify_chain`] one entry at a time, for a chain read as a stream (the server's evidence
/// pack walks a whole chain without holding it in memory). Same rules, same report.
#[derive(Debug, Default, Clone)]
pub struct ChainVerifier {
    previous_hash: Option<String>,
    checked: usize,
    broken: Option<(String, BreakReason)>,
}

impl ChainVerifier {
    /// Checks the next entry; `false` once the chain is broken (later entries are ignored).
    pub fn push(&mut self, entry: &AuditEntry) -> bool {
        if self.broken.is_some() {
            return false;
        }
        self.checked += 1;
        let reason = if compute_hash(entry) != entry.hash {
            Some(BreakReason::Content)
        } else {
            match &self.previous_hash {
                Some(prev) if entry.prev_hash.as_deref() != Some(prev.as_str()) => {
                    Some(BreakReason::Link)
                }
                _ => None,
            }
        };
        match reason {
            Some(r) => {
                self.broken = Some((entry.entry_id.clone(), r));
                false
            }
            None => {
                self.previous_hash = Some(entry.hash.clone());
                true
            }
        }
    }

    /// The report for the entries pushed so far.
    pub fn report(&self) -> ChainReport {
        ChainReport {
            valid: self.broken.is_none(),
            checked_entries: self.checked,
            first_broken_at: self.broken.as_ref().map(|(id, _)| id.clone()),
            reason: self.broken.as_ref().map(|(_, r)| *r),
        }
    }
}

/// Canonical JSON text of `value`, byte-identical to
/// `JSON.stringify` of the same value with object keys sorted recursively:
///
/// * object keys sorted by UTF-16 code units (JavaScript's default string order), arrays kept
///   in order, no whitespace;
/// * strings escaped like `JSON.stringify`: only `"`, `\` and control characters below U+0020
///   (`\b \f \n \r \t`, else `\u00xx` in lowercase hex); everything else, including non-ASCII,
///   U+2028/U+2029 and DEL, is emitted raw. (Lone surrogates, which `JSON.stringify` escapes,
///   cannot occur in a Rust string.)
/// * numbers formatted like JavaScript's `Number.prototype.toString`: `1.0` → `1`,
///   `1e21` → `1e+21`, `1.5e-7` → `1.5e-7`, `0.000001` → `0.000001`. Integers beyond ±2^53
///   are first rounded to the nearest double, as JavaScript would have parsed them.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value);
    out
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => push_number(out, n),
        Value::String(s) => push_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_string(out, key);
                out.push(':');
                write_canonical(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal escaped exactly as `JSON.stringify` escapes it.
fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Largest integer magnitude a double holds exactly (2^53).
const MAX_SAFE: u64 = 1 << 53;

fn push_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64() {
        if u <= MAX_SAFE {
            let _ = write!(out, "{u}");
            return;
        }
    } else if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= MAX_SAFE {
            let _ = write!(out, "{i}");
            return;
        }
    }
    // serde_json numbers are always finite; a NaN cannot reach here, but JS prints "null".
    match n.as_f64() {
        Some(f) if f.is_finite() => push_js_double(out, f),
        _ => out.push_str("null"),
    }
}

/// ECMAScript `Number::toString(x)` for a finite double. Rust's `{:e}` gives the shortest
/// round-tripping digits (the same digits JavaScript picks); only the layout differs.
fn push_js_double(out: &mut String, x: f64) {
    if x == 0.0 {
        out.push('0'); // also -0
        return;
    }
    if x < 0.0 {
        out.push('-');
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32; // number of significant digits
    let n = exponent + 1; // position of the decimal point relative to the digits
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = n - 1;
        let _ = write!(out, "e{}{}", if e < 0 { '-' } else { '+' }, e.abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(x: f64) -> String {
        let mut s = String::new();
        push_js_double(&mut s, x);
        s
    }

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(js(1.0), "1");
        assert_eq!(js(-0.0), "0");
        assert_eq!(js(0.1), "0.1");
        assert_eq!(js(-1.5), "-1.5");
        assert_eq!(js(123.456), "123.456");
        assert_eq!(js(1e21), "1e+21");
        assert_eq!(js(1e20), "100000000000000000000");
        assert_eq!(js(1.5e-7), "1.5e-7");
        assert_eq!(js(1e-7), "1e-7");
        assert_eq!(js(0.000001), "0.000001");
        assert_eq!(js(0.0000015), "0.0000015");
        assert_eq!(js(123456789012345680000.0), "123456789012345680000");
        assert_eq!(js(1.2345e25), "1.2345e+25");
        assert_eq!(js(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(js(5e-324), "5e-324");
        assert_eq!(js(0.30000000000000004), "0.30000000000000004");
    }

    /// Parsing must round correctly (serde_json's `float_roundtrip`), as JavaScript's does:
    /// otherwise a stored entry's metadata re-parsed here hashes differently (found by fuzzing).
    #[test]
    fn fractional_numbers_parse_and_print_like_javascript() {
        for text in [
            "9.00719925474092e+37",
            "0.1",
            "2.2250738585072014e-308",
            "1.7976931348623157e+308",
        ] {
            let v: Value = serde_json::from_str(text).unwrap();
            assert_eq!(canonical_json(&v), text, "{text}");
        }
    }

    #[test]
    fn big_integers_round_like_doubles() {
        let v: Value =
            serde_json::from_str("[9007199254740993, -9007199254740993, 18446744073709551615]")
                .unwrap();
        assert_eq!(
            canonical_json(&v),
            "[9007199254740992,-9007199254740992,18446744073709552000]"
        );
    }
}
