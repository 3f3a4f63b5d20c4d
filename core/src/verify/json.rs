//! Strict JSON for JOSE headers, claims and key sets.
//!
//! RFC 8259 grammar only; duplicate member names are rejected in every object (compared after
//! unescaping, so `"\u0073ub"` duplicates `"sub"`); nesting depth and members per object are
//! bounded. Values are borrowed spans of the input: nothing is allocated unless a member name
//! uses escapes or an object has more members than fit the on-stack name table.

use std::borrow::Cow;

/// Deepest nesting of arrays/objects accepted (the root object is depth 1).
pub const MAX_DEPTH: usize = 20;
/// Most members accepted in one object (bounds the duplicate check).
pub const MAX_MEMBERS: usize = 256;
/// Member names remembered on the stack before spilling to the heap.
const STACK_NAMES: usize = 24;

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON (grammar, control characters, lone surrogates, trailing data, ...).
    Syntax,
    /// A member name appears twice in one object.
    Duplicate,
    /// Nesting deeper than [`MAX_DEPTH`] or more than [`MAX_MEMBERS`] members.
    TooComplex,
}

/// A JSON string as it appears between its quotes (escapes not yet decoded).
#[derive(Debug, Clone, Copy)]
pub struct JStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JStr<'a> {
    const EMPTY: JStr<'static> = JStr {
        raw: "",
        escaped: false,
    };

    /// Whether the decoded string holds a control character (C0, DEL or C1). Unescaped ASCII
    /// without DEL, the common case, is settled without decoding: the parser never lets a raw
    /// byte below 0x20 into a string.
    pub fn has_control(self) -> bool {
        if !self.escaped && self.raw.is_ascii() && !self.raw.as_bytes().contains(&0x7F) {
            return false;
        }
        self.to_cow().chars().any(char::is_control)
    }

    /// The decoded string; borrows when there were no escapes.
    pub fn to_cow(self) -> Cow<'a, str> {
        if self.escaped {
            Cow::Owned(unescape(self.raw))
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// The decoded string as an owned `String`.
    pub fn to_owned_string(self) -> String {
        if self.escaped {
            unescape(self.raw)
        } else {
            self.raw.to_owned()
        }
    }

    /// Compares the decoded string with `s` without allocating in the common case.
    pub fn eq_str(self, s: &str) -> bool {
        if self.escaped {
            unescape(self.raw) == s
        } else {
            self.raw == s
        }
    }

    /// Compares two decoded strings.
    pub fn eq_jstr(self, other: JStr<'_>) -> bool {
        if !self.escaped && !other.escaped {
            self.raw == other.raw
        } else {
            self.to_cow() == other.to_cow()
        }
    }
}

/// One validated JSON value. Arrays and objects are kept as their raw span (brackets included)
/// and can be walked again with [`for_each_element`] / [`for_each_member`].
#[derive(Debug, Clone, Copy)]
pub enum Val<'a> {
    Null,
    /// `true` or `false` (no claim here is boolean, so the value is not kept).
    Bool,
    /// The number's text, grammar-checked.
    Num(&'a str),
    Str(JStr<'a>),
    Arr(&'a str),
    Obj(&'a str),
}

impl Val<'_> {
    pub fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }
}

/// Parses `doc`, which must be exactly one JSON object, and calls `f` for each top-level member
/// in order. Nested values are fully validated before `f` sees them.
pub fn for_each_member<'a, E: From<JsonError>>(
    doc: &'a str,
    mut f: impl FnMut(JStr<'a>, Val<'a>) -> Result<(), E>,
) -> Result<(), E> {
    let mut p = Parser {
        s: doc,
        b: doc.as_bytes(),
        pos: 0,
    };
    p.ws();
    if p.peek() != Some(b'{') {
        return Err(JsonError::Syntax.into());
    }
    p.pos += 1;
    p.object_body(1, &mut f)?;
    p.ws();
    if p.pos != p.b.len() {
        return Err(JsonError::Syntax.into());
    }
    Ok(())
}

/// Parses `doc`, which must be exactly one JSON array, and calls `f` for each element in order.
pub fn for_each_element<'a, E: From<JsonError>>(
    doc: &'a str,
    mut f: impl FnMut(Val<'a>) -> Result<(), E>,
) -> Result<(), E> {
    let mut p = Parser {
        s: doc,
        b: doc.as_bytes(),
        pos: 0,
    };
    p.ws();
    if p.peek() != Some(b'[') {
        return Err(JsonError::Syntax.into());
    }
    p.pos += 1;
    p.array_body(1, &mut f)?;
    p.ws();
    if p.pos != p.b.len() {
        return Err(JsonError::Syntax.into());
    }
    Ok(())
}

/// Validates a whole document of any type (used by tests, the property tests and the fuzz
/// targets).
pub fn validate(doc: &str) -> Result<(), JsonError> {
    let mut p = Parser {
        s: doc,
        b: doc.as_bytes(),
        pos: 0,
    };
    p.ws();
    p.value(0)?;
    p.ws();
    if p.pos != p.b.len() {
        return Err(JsonError::Syntax);
    }
    Ok(())
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

/// Names seen so far in one object: a stack table, spilling to the heap for large objects.
struct Names<'a> {
    stack: [(u64, JStr<'a>); STACK_NAMES],
    len: usize,
    heap: Vec<(u64, JStr<'a>)>,
}

impl<'a> Names<'a> {
    fn new() -> Self {
        Names {
            stack: [(0, JStr::EMPTY); STACK_NAMES],
            len: 0,
            heap: Vec::new(),
        }
    }

    /// Records `name`; fails if an equal name was already recorded.
    fn insert(&mut self, name: JStr<'a>) -> Result<(), JsonError> {
        let fp = fingerprint(name);
        let seen = self.stack[..self.len].iter().chain(self.heap.iter());
        for &(other_fp, other) in seen {
            if other_fp == fp && other.eq_jstr(name) {
                return Err(JsonError::Duplicate);
            }
        }
        if self.len + self.heap.len() >= MAX_MEMBERS {
            return Err(JsonError::TooComplex);
        }
        if self.len < STACK_NAMES {
            self.stack[self.len] = (fp, name);
            self.len += 1;
        } else {
            self.heap.push((fp, name));
        }
        Ok(())
    }
}

/// A fingerprint of the decoded name: equal names always collide, and colliding names are then
/// compared in full. Names of up to 8 bytes (most claim names) are packed exactly; longer ones
/// are hashed (FNV-1a), so names crafted to look alike do not make the pairwise scan expensive.
fn fingerprint(name: JStr<'_>) -> u64 {
    let fp = |b: &[u8]| {
        if b.len() <= 8 {
            let mut word = [0u8; 8];
            word[..b.len()].copy_from_slice(b);
            u64::from_le_bytes(word) ^ (b.len() as u64).rotate_right(4)
        } else {
            b.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &x| {
                (h ^ u64::from(x)).wrapping_mul(0x0000_0100_0000_01b3)
            })
        }
    };
    if name.escaped {
        fp(name.to_cow().as_bytes())
    } else {
        fp(name.raw.as_bytes())
    }
}

fn noop_member(_: JStr<'_>, _: Val<'_>) -> Result<(), JsonError> {
    Ok(())
}

fn noop_element(_: Val<'_>) -> Result<(), JsonError> {
    Ok(())
}

impl<'a> Parser<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    /// After `{`: members up to and including `}`. `depth` is this object's depth.
    fn object_body<E: From<JsonError>>(
        &mut self,
        depth: usize,
        f: &mut impl FnMut(JStr<'a>, Val<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut names = Names::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            self.expect(b'"')?;
            let name = self.string_body()?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            let value = self.value(depth)?;
            names.insert(name)?;
            f(name, value)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(JsonError::Syntax.into()),
            }
        }
    }

    /// After `[`: elements up to and including `]`. `depth` is this array's depth.
    fn array_body<E: From<JsonError>>(
        &mut self,
        depth: usize,
        f: &mut impl FnMut(Val<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.ws();
            let value = self.value(depth)?;
            f(value)?;
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(JsonError::Syntax.into()),
            }
        }
    }

    /// One value at nesting `depth` (its container's depth); composites are validated whole.
    fn value(&mut self, depth: usize) -> Result<Val<'a>, JsonError> {
        let start = self.pos;
        match self.peek() {
            Some(b'{') => {
                if depth >= MAX_DEPTH {
                    return Err(JsonError::TooComplex);
                }
                self.pos += 1;
                self.object_body(depth + 1, &mut noop_member)?;
                Ok(Val::Obj(&self.s[start..self.pos]))
            }
            Some(b'[') => {
                if depth >= MAX_DEPTH {
                    return Err(JsonError::TooComplex);
                }
                self.pos += 1;
                self.array_body(depth + 1, &mut noop_element)?;
                Ok(Val::Arr(&self.s[start..self.pos]))
            }
            Some(b'"') => {
                self.pos += 1;
                Ok(Val::Str(self.string_body()?))
            }
            Some(b't') => self.literal(b"true", Val::Bool),
            Some(b'f') => self.literal(b"false", Val::Bool),
            Some(b'n') => self.literal(b"null", Val::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(JsonError::Syntax),
        }
    }

    fn literal(&mut self, word: &[u8], v: Val<'a>) -> Result<Val<'a>, JsonError> {
        if self.b[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Result<Val<'a>, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(JsonError::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        Ok(Val::Num(&self.s[start..self.pos]))
    }

    /// After the opening quote: through the closing quote. Checks escapes (including surrogate
    /// pairing) and refuses raw control characters.
    fn string_body(&mut self) -> Result<JStr<'a>, JsonError> {
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.skip_plain();
            let Some(&c) = self.b.get(self.pos) else {
                return Err(JsonError::Syntax);
            };
            match c {
                b'"' => {
                    let raw = &self.s[start..self.pos];
                    self.pos += 1;
                    return Ok(JStr { raw, escaped });
                }
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            let unit = self.hex4()?;
                            if (0xDC00..0xE000).contains(&unit) {
                                return Err(JsonError::Syntax); // lone low surrogate
                            }
                            if (0xD800..0xDC00).contains(&unit) {
                                if !self.b[self.pos..].starts_with(b"\\u") {
                                    return Err(JsonError::Syntax);
                                }
                                self.pos += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(JsonError::Syntax);
                                }
                            }
                        }
                        _ => return Err(JsonError::Syntax),
                    }
                }
                0x00..=0x1F => return Err(JsonError::Syntax),
                _ => self.pos += 1,
            }
        }
    }

    /// Skips string bytes that need no attention (not `"`, `\\` or a control character),
    /// eight at a time while possible.
    #[inline]
    fn skip_plain(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        while let Some(chunk) = self.b.get(self.pos..self.pos + 8) {
            let v = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
            let special = zero_byte(v ^ (ONES * u64::from(b'"')))
                | zero_byte(v ^ (ONES * u64::from(b'\\')))
                | (v.wrapping_sub(ONES * 0x20) & !v & HIGH);
            if special != 0 {
                break;
            }
            self.pos += 8;
        }
        while let Some(&c) = self.b.get(self.pos) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                break;
            }
            self.pos += 1;
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .b
            .get(self.pos..self.pos + 4)
            .ok_or(JsonError::Syntax)?;
        let mut v = 0u32;
        for &d in digits {
            let n = (d as char).to_digit(16).ok_or(JsonError::Syntax)?;
            v = v * 16 + n;
        }
        self.pos += 4;
        Ok(v)
    }
}

/// Decodes the escapes of a string body the parser already validated.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hi = take_hex4(&mut chars);
                let code = if (0xD800..0xDC00).contains(&hi) {
                    chars.next(); // '\'
                    chars.next(); // 'u'
                    let lo = take_hex4(&mut chars);
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            Some(other) => out.push(other), // '"', '\\', '/'
            None => {}
        }
    }
    out
}

fn take_hex4(chars: &mut std::str::Chars<'_>) -> u32 {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + chars.next().and_then(|c| c.to_digit(16)).unwrap_or(0);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(doc: &str) -> Result<Vec<(String, String)>, JsonError> {
        let mut out = Vec::new();
        for_each_member(doc, |k, v| {
            out.push((k.to_owned_string(), format!("{v:?}")));
            Ok::<(), JsonError>(())
        })?;
        Ok(out)
    }

    #[test]
    fn accepts_rfc8259_documents() {
        for doc in [
            r#"{}"#,
            r#" { "a" : 1 , "b" : [ true, false, null, -0, 1.5e+3, 2E-2, "x" ] } "#,
            r#"{"a":{"b":{"c":[[],{}]}}}"#,
            r#"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#,
            "{\"utf8\":\"h\u{e9}llo \u{1F600}\"}",
        ] {
            assert!(members(doc).is_ok(), "{doc}");
        }
    }

    #[test]
    fn refuses_non_json() {
        for doc in [
            "",
            "[]",
            "{",
            r#"{"a":1,}"#,
            r#"{"a":1}x"#,
            r#"{'a':1}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":+1}"#,
            r#"{"a":NaN}"#,
            r#"{"a":tru}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00"}"#,
            r#"{"a":"\ud800\u0041"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":[1 2]}"#,
        ] {
            assert_eq!(members(doc).unwrap_err(), JsonError::Syntax, "{doc:?}");
        }
    }

    #[test]
    fn refuses_duplicates_everywhere() {
        for doc in [
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"x":{"b":1,"b":1}}"#,
            r#"{"x":[{"b":1,"c":2,"b":3}]}"#,
            r#"{"\ud83d\ude00":1,"😀":2}"#,
            // Names over 8 bytes are hashed, shorter ones packed: both must still collide.
            r#"{"delegationDepth":1,"\u0064elegationDepth":2}"#,
            r#"{"abcdefgh":1,"abcdefg\u0068":2}"#,
            r#"{"abcdefghi":1,"x":0,"abcdefgh\u0069":2}"#,
            r#"{"":1,"":2}"#,
        ] {
            assert_eq!(members(doc).unwrap_err(), JsonError::Duplicate, "{doc}");
        }
        // Many members spill past the stack table and are still checked.
        let mut doc = String::from("{");
        for i in 0..100 {
            doc.push_str(&format!("\"k{i}\":{i},"));
        }
        doc.push_str("\"k42\":0}");
        assert_eq!(members(&doc).unwrap_err(), JsonError::Duplicate);
    }

    #[test]
    fn bounds_depth_and_members() {
        let ok = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(validate(&ok).is_ok());
        let deep = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(validate(&deep).unwrap_err(), JsonError::TooComplex);
        let obj_deep = format!(
            "{{\"a\":{}1{}}}",
            "[".repeat(MAX_DEPTH),
            "]".repeat(MAX_DEPTH)
        );
        assert_eq!(members(&obj_deep).unwrap_err(), JsonError::TooComplex);
        let mut wide = String::from("{");
        for i in 0..=MAX_MEMBERS {
            wide.push_str(&format!("\"k{i}\":0,"));
        }
        wide.pop();
        wide.push('}');
        assert_eq!(members(&wide).unwrap_err(), JsonError::TooComplex);
        // A long flat array is fine: only members are bounded.
        let long = format!("{{\"a\":[{}0]}}", "0,".repeat(5000));
        assert!(members(&long).is_ok());
    }

    /// The eight-bytes-at-a-time string scan must find quotes, backslashes and control
    /// characters at every offset; serde_json is the reference for what is JSON.
    #[test]
    fn string_scan_agrees_with_serde_json_at_every_offset() {
        let specials = [
            "\"", "\\\"", "\\\\", "\\u00e9", "\u{1}", "\u{1f}", "\t", "\n", " ", "\u{7f}", "é",
            "😀", "\\x",
        ];
        let mut checked = 0;
        for prefix in 0..20 {
            for special in specials {
                for suffix in [0, 1, 7, 8, 9] {
                    let doc = format!(
                        "{{\"k\":\"{}{special}{}\"}}",
                        "a".repeat(prefix),
                        "b".repeat(suffix)
                    );
                    let ours = validate(&doc).is_ok();
                    let reference = serde_json::from_str::<serde_json::Value>(&doc).is_ok();
                    assert_eq!(ours, reference, "{doc:?}");
                    if ours {
                        let mut value = String::new();
                        for_each_member(&doc, |_, v| {
                            if let Val::Str(s) = v {
                                value = s.to_owned_string();
                            }
                            Ok::<(), JsonError>(())
                        })
                        .unwrap();
                        let want: serde_json::Value = serde_json::from_str(&doc).unwrap();
                        assert_eq!(value, want["k"].as_str().unwrap(), "{doc:?}");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 20 * specials.len() * 5);
    }

    #[test]
    fn unescapes_names_and_values() {
        let m = members(r#"{"\u0073ub":"a\nb","k":"\ud83d\ude00"}"#).unwrap();
        assert_eq!(m[0].0, "sub");
        let mut seen = Vec::new();
        for_each_member(r#"{"v":"x\"y\u00e9"}"#, |_, v| {
            if let Val::Str(s) = v {
                seen.push(s.to_owned_string());
                assert!(s.eq_str("x\"yé"));
            }
            Ok::<(), JsonError>(())
        })
        .unwrap();
        assert_eq!(seen, vec!["x\"yé".to_string()]);
    }

    #[test]
    fn walks_arrays_and_spans() {
        let mut spans = Vec::new();
        for_each_member(r#"{"a":[1,"x",{"y":null}],"o":{"k":[]}}"#, |_, v| {
            spans.push(match v {
                Val::Arr(s) | Val::Obj(s) => s.to_string(),
                _ => String::new(),
            });
            Ok::<(), JsonError>(())
        })
        .unwrap();
        assert_eq!(spans, vec![r#"[1,"x",{"y":null}]"#, r#"{"k":[]}"#]);
        let mut n = 0;
        for_each_element(&spans[0], |_| {
            n += 1;
            Ok::<(), JsonError>(())
        })
        .unwrap();
        assert_eq!(n, 3);
    }
}
