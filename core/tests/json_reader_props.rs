//! Property tests of the verifier's hand-written JSON reader (`grantex::verify::json`, public
//! for these tests and the fuzz targets only), with serde_json as the reference:
//! - every valid document (any value at the root, random whitespace, random escapes) is
//!   accepted and read exactly as serde_json reads it;
//! - every document with a duplicate member name, at any depth, spelled with different escapes,
//!   is refused as a duplicate;
//! - on token soup (mostly invalid), whatever the reader accepts, serde_json accepts and reads
//!   the same way.

use grantex::verify::json::{self, JsonError, Val};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Number, Value};
use std::fmt::Write as _;

// ------------------------------------------------------------------ documents

/// A JSON value whose objects keep member order (and may hold a name twice).
#[derive(Debug, Clone)]
enum Doc {
    Null,
    Bool(bool),
    /// The number's text.
    Num(String),
    Str(String),
    Arr(Vec<Doc>),
    Obj(Vec<(String, Doc)>),
}

/// Characters worth escaping or not: ASCII, quotes, controls, DEL, C1, BMP, astral.
fn text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => prop::char::range('a', 'z'),
        1 => Just('"'),
        1 => Just('\\'),
        1 => Just('/'),
        1 => prop::char::range('\u{0}', '\u{1f}'),
        1 => Just('\u{7f}'),
        1 => Just('\u{85}'),
        1 => prop::char::range('\u{a0}', '\u{d7ff}'),
        1 => prop::char::range('\u{e000}', '\u{fffd}'),
        1 => prop::char::range('\u{10000}', '\u{10ffff}'),
    ];
    prop::collection::vec(ch, 0..12).prop_map(|v| v.into_iter().collect())
}

/// Numbers in every grammatical form: sign, zero, fraction, exponent with sign and case.
fn number() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,20}"],
        prop::option::of("[0-9]{1,6}"),
        prop::option::of(("[eE]", "[+-]?", "[0-9]{1,2}")),
    )
        .prop_map(|(neg, int, frac, exp)| {
            let mut s = String::new();
            if neg {
                s.push('-');
            }
            s.push_str(&int);
            if let Some(f) = frac {
                s.push('.');
                s.push_str(&f);
            }
            if let Some((e, sign, digits)) = exp {
                s.push_str(&e);
                s.push_str(&sign);
                s.push_str(&digits);
            }
            s
        })
        // serde_json refuses numbers beyond f64 range; the reader keeps their text. The
        // verifier never reads such a number as a value, so compare only the others.
        .prop_filter("within f64 range", |s| {
            serde_json::from_str::<Number>(s).is_ok()
        })
}

fn leaf() -> impl Strategy<Value = Doc> {
    prop_oneof![
        Just(Doc::Null),
        any::<bool>().prop_map(Doc::Bool),
        number().prop_map(Doc::Num),
        text().prop_map(Doc::Str),
    ]
}

/// Valid documents: unique member names in every object, at most 6 levels deep.
fn doc() -> impl Strategy<Value = Doc> {
    leaf().prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Doc::Arr),
            prop::collection::btree_map(text(), inner, 0..6)
                .prop_map(|m| Doc::Obj(m.into_iter().collect())),
        ]
    })
}

/// A small deterministic generator for layout choices (whitespace, escapes).
struct Layout(u64);

impl Layout {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn ws(&mut self, out: &mut String) {
        for _ in 0..self.pick(4).saturating_sub(1) {
            out.push([' ', '\t', '\n', '\r'][self.pick(4) as usize]);
        }
    }
}

fn write_str(out: &mut String, s: &str, l: &mut Layout) {
    out.push('"');
    for c in s.chars() {
        let must = c == '"' || c == '\\' || c < ' ';
        if !must && l.pick(4) != 0 {
            out.push(c);
            continue;
        }
        let short = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '/' => Some("\\/"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            _ => None,
        };
        match short {
            Some(e) if l.pick(2) == 0 => out.push_str(e),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    if l.pick(2) == 0 {
                        let _ = write!(out, "\\u{u:04x}");
                    } else {
                        let _ = write!(out, "\\u{u:04X}");
                    }
                }
            }
        }
    }
    out.push('"');
}

fn write_doc(out: &mut String, d: &Doc, l: &mut Layout) {
    match d {
        Doc::Null => out.push_str("null"),
        Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Doc::Num(n) => out.push_str(n),
        Doc::Str(s) => write_str(out, s, l),
        Doc::Arr(items) => {
            out.push('[');
            l.ws(out);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    l.ws(out);
                }
                write_doc(out, item, l);
                l.ws(out);
            }
            out.push(']');
        }
        Doc::Obj(members) => {
            out.push('{');
            l.ws(out);
            for (i, (name, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    l.ws(out);
                }
                write_str(out, name, l);
                l.ws(out);
                out.push(':');
                l.ws(out);
                write_doc(out, v, l);
                l.ws(out);
            }
            out.push('}');
        }
    }
}

fn render(d: &Doc, seed: u64) -> String {
    let mut l = Layout(seed | 1);
    let mut out = String::new();
    l.ws(&mut out);
    write_doc(&mut out, d, &mut l);
    l.ws(&mut out);
    out
}

/// How many objects `d` holds (the root included when it is one).
fn count_objects(d: &Doc) -> usize {
    match d {
        Doc::Arr(items) => items.iter().map(count_objects).sum(),
        Doc::Obj(members) => 1 + members.iter().map(|(_, v)| count_objects(v)).sum::<usize>(),
        _ => 0,
    }
}

/// The member list of the `n`th object of `d` in document order.
fn nth_object<'a>(d: &'a mut Doc, n: &mut usize) -> Option<&'a mut Vec<(String, Doc)>> {
    match d {
        Doc::Obj(members) => {
            if *n == 0 {
                return Some(members);
            }
            *n -= 1;
            for (_, v) in members.iter_mut() {
                if let Some(found) = nth_object(v, n) {
                    return Some(found);
                }
            }
            None
        }
        Doc::Arr(items) => {
            for v in items.iter_mut() {
                if let Some(found) = nth_object(v, n) {
                    return Some(found);
                }
            }
            None
        }
        _ => None,
    }
}

// ------------------------------------------------------------------ reading back

/// Where the reader and serde_json part ways (or the reader refused a span it had accepted).
#[derive(Debug)]
struct Mismatch(String);

impl From<JsonError> for Mismatch {
    fn from(e: JsonError) -> Self {
        Mismatch(format!("the reader refused a span it had accepted: {e:?}"))
    }
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Mismatch(format!($($msg)+)));
        }
    };
}

/// Walks what the reader sees in `v` and compares it with serde_json's `want`.
fn same(v: Val<'_>, want: &Value, doc: &str) -> Result<(), Mismatch> {
    match (v, want) {
        (Val::Null, Value::Null) | (Val::Bool, Value::Bool(_)) => Ok(()),
        (Val::Num(text), Value::Number(n)) => {
            let ours: Option<Number> = serde_json::from_str(text).ok();
            ensure!(
                ours.as_ref() == Some(n),
                "number span {text:?} is not {n} in {doc:?}"
            );
            Ok(())
        }
        (Val::Str(s), Value::String(want)) => {
            let got = s.to_owned_string();
            ensure!(
                &got == want,
                "string {got:?} is {want:?} to serde_json in {doc:?}"
            );
            ensure!(s.eq_str(want), "eq_str({want:?}) is false in {doc:?}");
            ensure!(
                s.has_control() == want.chars().any(char::is_control),
                "has_control is wrong for {want:?}"
            );
            Ok(())
        }
        (Val::Arr(span), Value::Array(items)) => {
            let mut i = 0;
            json::for_each_element(span, |v| {
                let want = items
                    .get(i)
                    .ok_or_else(|| Mismatch(format!("extra element in {doc:?}")))?;
                i += 1;
                same(v, want, doc)
            })?;
            ensure!(i == items.len(), "element count {i} in {doc:?}");
            Ok(())
        }
        (Val::Obj(span), Value::Object(map)) => {
            let mut n = 0;
            json::for_each_member(span, |name, v| {
                n += 1;
                let name = name.to_owned_string();
                let want = map.get(&name).ok_or_else(|| {
                    Mismatch(format!("member {name:?} unknown to serde_json: {doc:?}"))
                })?;
                same(v, want, doc)
            })?;
            ensure!(n == map.len(), "member count {n} in {doc:?}");
            Ok(())
        }
        (v, want) => Err(Mismatch(format!(
            "reader saw {v:?} where serde_json saw {want} in {doc:?}"
        ))),
    }
}

/// The reader accepts `doc` and reads what serde_json reads.
fn agrees(doc: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(json::validate(doc), Ok(()), "reader refused {:?}", doc);
    let want: Value = serde_json::from_str(doc)
        .map_err(|e| TestCaseError::fail(format!("serde_json refused {doc:?}: {e}")))?;
    // A scalar root has no span of its own: read it as the one element of an array.
    let wrapped = format!("[{doc}]");
    let mut seen = 0;
    json::for_each_element(&wrapped, |v| {
        seen += 1;
        same(v, &want, doc)
    })
    .map_err(|Mismatch(m)| TestCaseError::fail(m))?;
    prop_assert_eq!(seen, 1);
    if want.is_object() {
        prop_assert_eq!(
            json::for_each_member(doc, |_, _| Ok::<(), JsonError>(())),
            Ok(())
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_documents_read_as_serde_json_reads_them(d in doc(), seed in any::<u64>()) {
        let text = render(&d, seed);
        agrees(&text)?;
    }

    #[test]
    fn duplicate_members_are_refused_at_any_depth(
        d in doc(),
        seed in any::<u64>(),
        which in any::<Index>(),
        at in any::<Index>(),
        value in leaf(),
        name in text(),
    ) {
        // Wrap so there is always at least one object; then pick any object and give it a
        // second member with a name it already has (written with other escapes).
        let mut d = Doc::Obj(vec![("root".to_owned(), d)]);
        let mut n = which.index(count_objects(&d));
        let members = nth_object(&mut d, &mut n).expect("the n-th object exists");
        if members.is_empty() {
            members.push((name.clone(), Doc::Null));
        }
        let dup = members[at.index(members.len())].0.clone();
        let pos = at.index(members.len() + 1);
        members.insert(pos, (dup, value));
        let text = render(&d, seed);
        prop_assert_eq!(json::validate(&text), Err(JsonError::Duplicate), "{:?}", text);
        prop_assert_eq!(
            json::for_each_member(&text, |_, _| Ok::<(), JsonError>(())),
            Err(JsonError::Duplicate),
            "{:?}", text
        );
    }

    #[test]
    fn whatever_the_reader_accepts_serde_json_reads_the_same(
        parts in prop::collection::vec(
            prop_oneof![
                Just("{"), Just("}"), Just("["), Just("]"), Just(":"), Just(","), Just(" "),
                Just("\"a\""), Just("\"\\u0061\""), Just("\"\\ud83d\\ude00\""), Just("\"\\ud800\""),
                Just("\"\\\""), Just("\""), Just("\\"), Just("1"), Just("-0"), Just("0.5e+3"),
                Just("01"), Just("1."), Just("true"), Just("nul"), Just("null"), Just("\u{1}"),
                Just("é"),
            ],
            0..24,
        )
    ) {
        let text: String = parts.concat();
        match json::validate(&text) {
            // The reader checks a number's grammar, not its range (claims range-check the
            // numbers they read); serde_json refuses one beyond f64 (the soup can build
            // `0.5e+3011` from `0.5e+3`, `01` and `1`). Not a disagreement about the grammar.
            Ok(()) if serde_json::from_str::<Value>(&text)
                .is_err_and(|e| e.to_string().contains("number out of range")) => {}
            Ok(()) => agrees(&text)?,
            // RFC 8259 allows duplicate names (serde_json keeps the last); the reader's
            // refusal is on purpose, and nesting deeper than MAX_DEPTH is its own limit.
            Err(JsonError::Duplicate | JsonError::TooComplex) => {}
            Err(JsonError::Syntax) => prop_assert!(
                serde_json::from_str::<Value>(&text).is_err(),
                "reader refused valid JSON {:?}", text
            ),
        }
    }
}
