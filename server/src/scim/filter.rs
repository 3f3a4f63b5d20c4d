//! The SCIM filter language (RFC 7644 §3.4.2.2) and attribute paths (§3.5.2): parsed against a
//! resource type's attribute definitions (unknown attributes are `invalidFilter`), evaluated on
//! a resource's JSON representation. Attribute names and operators are case-insensitive;
//! strings compare case-insensitively unless the attribute is `caseExact`; precedence is
//! `not` > `and` > `or`, with parentheses and `attr[filter]` value paths.

use super::schema::{find, Attr, Kind, Returned, Type};
use super::{ScimError, ScimResult};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Longest filter accepted (characters).
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of parentheses, `not` and value paths.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

/// What a comparison reads: an attribute (canonical name), maybe one of its sub-attributes,
/// and the type and case rule of the value compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub attr: String,
    pub sub: Option<String>,
    pub ty: Type,
    pub case_exact: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Present(Target),
    Cmp(Target, Op, Lit),
    /// `attr[filter]`: some value of multi-valued (or complex) `attr` matches the inner filter,
    /// whose names are `attr`'s sub-attributes.
    Any(String, Box<Filter>),
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidFilter", detail)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBrack,
    RBrack,
    Word(String),
    Str(String),
}

fn lex(s: &str) -> ScimResult<Vec<Tok>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            b')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            b'[' => {
                out.push(Tok::LBrack);
                i += 1;
            }
            b']' => {
                out.push(Tok::RBrack);
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                let mut escaped = false;
                loop {
                    let Some(&d) = b.get(i) else {
                        return Err(invalid("Unterminated string in filter"));
                    };
                    i += 1;
                    if escaped {
                        escaped = false;
                    } else if d == b'\\' {
                        escaped = true;
                    } else if d == b'"' {
                        break;
                    }
                }
                let lit: String = serde_json::from_str(&s[start..i])
                    .map_err(|e| invalid(format!("Invalid string in filter: {e}")))?;
                out.push(Tok::Str(lit));
            }
            _ => {
                let start = i;
                while i < b.len()
                    && !matches!(
                        b[i],
                        b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b'[' | b']' | b'"'
                    )
                {
                    i += 1;
                }
                out.push(Tok::Word(s[start..i].to_string()));
            }
        }
    }
    Ok(out)
}

/// The names a filter may use: a resource type's attributes (URN prefix allowed) or, inside a
/// value path, one attribute's sub-attributes.
#[derive(Clone, Copy)]
struct Scope<'a> {
    attrs: &'a [Attr],
    kind: Option<&'a Kind>,
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

fn is_name(s: &str) -> bool {
    s == "$ref"
        || (s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
}

/// Resolves `word` (`attr`, `attr.sub`, `urn:…:attr[.sub]`) in `scope`: the attribute and the
/// sub-attribute named, if any.
fn resolve<'a>(word: &str, scope: Scope<'a>) -> ScimResult<(&'a Attr, Option<&'a Attr>)> {
    let name = match scope.kind {
        Some(k) => k
            .strip_urn(word)
            .ok_or_else(|| invalid(format!("Unsupported schema in attribute path {word:?}")))?,
        None => word,
    };
    let (a, s) = match name.split_once('.') {
        Some((a, s)) => (a, Some(s)),
        None => (name, None),
    };
    if !is_name(a) || s.is_some_and(|s| !is_name(s)) {
        return Err(invalid(format!("Invalid attribute path {word:?}")));
    }
    let attr = find(scope.attrs, a).ok_or_else(|| invalid(format!("Unknown attribute {a:?}")))?;
    let sub = match s {
        None => None,
        Some(s) => Some(
            attr.sub(s)
                .ok_or_else(|| invalid(format!("Unknown attribute {word:?}")))?,
        ),
    };
    Ok((attr, sub))
}

fn target(attr: &Attr, sub: Option<&Attr>, for_compare: bool) -> ScimResult<Target> {
    // A comparison on a complex attribute compares its `value` sub-attribute (`emails co "x"`).
    let sub = match sub {
        None if for_compare && attr.kind == Type::Complex => Some(
            attr.sub("value")
                .ok_or_else(|| invalid(format!("{} cannot be compared", attr.name)))?,
        ),
        s => s,
    };
    let leaf = sub.unwrap_or(attr);
    if leaf.returned == Returned::Never || attr.returned == Returned::Never {
        return Err(invalid(format!("{} cannot be filtered on", leaf.name)));
    }
    Ok(Target {
        attr: attr.name.clone(),
        sub: sub.map(|s| s.name.clone()),
        ty: leaf.kind,
        case_exact: leaf.case_exact,
    })
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn keyword(&mut self, kw: &str) -> bool {
        match self.peek() {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }
    fn expect(&mut self, t: Tok, what: &str) -> ScimResult<()> {
        if self.next() == Some(t) {
            Ok(())
        } else {
            Err(invalid(format!("Expected {what} in filter")))
        }
    }

    fn or(&mut self, scope: Scope<'_>) -> ScimResult<Filter> {
        let mut left = self.and(scope)?;
        while self.keyword("or") {
            let right = self.and(scope)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self, scope: Scope<'_>) -> ScimResult<Filter> {
        let mut left = self.unary(scope)?;
        while self.keyword("and") {
            let right = self.unary(scope)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn nested(&mut self, scope: Scope<'_>, close: Tok, what: &str) -> ScimResult<Filter> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid(format!(
                "Filter nests deeper than {MAX_DEPTH} levels"
            )));
        }
        let f = self.or(scope)?;
        self.expect(close, what)?;
        self.depth -= 1;
        Ok(f)
    }

    fn unary(&mut self, scope: Scope<'_>) -> ScimResult<Filter> {
        match self.next() {
            Some(Tok::LParen) => self.nested(scope, Tok::RParen, "')'"),
            Some(Tok::Word(w))
                if w.eq_ignore_ascii_case("not") && self.peek() == Some(&Tok::LParen) =>
            {
                self.pos += 1;
                Ok(Filter::Not(Box::new(self.nested(
                    scope,
                    Tok::RParen,
                    "')'",
                )?)))
            }
            Some(Tok::Word(w)) => {
                if self.peek() == Some(&Tok::LBrack) {
                    self.pos += 1;
                    let (attr, sub) = resolve(&w, scope)?;
                    if sub.is_some() || attr.kind != Type::Complex {
                        return Err(invalid(format!(
                            "{w:?} is not a complex attribute: no value filter applies"
                        )));
                    }
                    let inner = Scope {
                        attrs: &attr.sub,
                        kind: None,
                    };
                    let f = self.nested(inner, Tok::RBrack, "']'")?;
                    return Ok(Filter::Any(attr.name.clone(), Box::new(f)));
                }
                let (attr, sub) = resolve(&w, scope)?;
                let op = match self.next() {
                    Some(Tok::Word(op)) => op.to_ascii_lowercase(),
                    _ => return Err(invalid(format!("Expected an operator after {w:?}"))),
                };
                if op == "pr" {
                    return Ok(Filter::Present(target(attr, sub, false)?));
                }
                let op = match op.as_str() {
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "co" => Op::Co,
                    "sw" => Op::Sw,
                    "ew" => Op::Ew,
                    "gt" => Op::Gt,
                    "ge" => Op::Ge,
                    "lt" => Op::Lt,
                    "le" => Op::Le,
                    other => return Err(invalid(format!("Unknown operator {other:?}"))),
                };
                let lit = match self.next() {
                    Some(Tok::Str(s)) => Lit::Str(s),
                    Some(Tok::Word(v)) if v == "true" => Lit::Bool(true),
                    Some(Tok::Word(v)) if v == "false" => Lit::Bool(false),
                    Some(Tok::Word(v)) if v == "null" => Lit::Null,
                    Some(Tok::Word(v)) => match v.parse::<f64>() {
                        Ok(n)
                            if n.is_finite()
                                && v.starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
                        {
                            Lit::Num(n)
                        }
                        _ => return Err(invalid(format!("Invalid comparison value {v:?}"))),
                    },
                    _ => return Err(invalid(format!("Expected a value after {w} {op:?}"))),
                };
                let t = target(attr, sub, true)?;
                let lit = check_literal(&t, op, lit)?;
                Ok(Filter::Cmp(t, op, lit))
            }
            _ => Err(invalid("Expected an attribute expression in filter")),
        }
    }
}

/// Refuses comparisons that mean nothing for the attribute's type; accepts `"true"`/`"false"`
/// strings for booleans (as some identity providers send them).
fn check_literal(t: &Target, op: Op, lit: Lit) -> ScimResult<Lit> {
    let ordering = matches!(op, Op::Gt | Op::Ge | Op::Lt | Op::Le);
    let substring = matches!(op, Op::Co | Op::Sw | Op::Ew);
    if lit == Lit::Null {
        return if matches!(op, Op::Eq | Op::Ne) {
            Ok(lit)
        } else {
            Err(invalid("null compares only with eq and ne"))
        };
    }
    let bad = || {
        invalid(format!(
            "Invalid comparison for {}",
            t.sub.as_deref().unwrap_or(&t.attr)
        ))
    };
    match t.ty {
        Type::Boolean => {
            let b = match lit {
                Lit::Bool(b) => b,
                Lit::Str(s) if s.eq_ignore_ascii_case("true") => true,
                Lit::Str(s) if s.eq_ignore_ascii_case("false") => false,
                _ => return Err(bad()),
            };
            if ordering || substring {
                return Err(bad());
            }
            Ok(Lit::Bool(b))
        }
        Type::Integer | Type::Decimal => match lit {
            Lit::Num(n) if !substring => Ok(Lit::Num(n)),
            _ => Err(bad()),
        },
        Type::DateTime => match lit {
            Lit::Str(s) if !substring && crate::time::parse_iso(&s).is_some() => Ok(Lit::Str(s)),
            _ => Err(bad()),
        },
        Type::Complex => Err(bad()),
        Type::String | Type::Reference | Type::Binary => match lit {
            Lit::Str(s) => Ok(Lit::Str(s)),
            _ => Err(bad()),
        },
    }
}

fn parse_in(s: &str, scope: Scope<'_>) -> ScimResult<Filter> {
    if s.chars().count() > MAX_FILTER_LEN {
        return Err(invalid(format!(
            "Filter longer than {MAX_FILTER_LEN} characters"
        )));
    }
    let mut p = Parser {
        toks: lex(s)?,
        pos: 0,
        depth: 0,
    };
    if p.toks.is_empty() {
        return Err(invalid("Empty filter"));
    }
    let f = p.or(scope)?;
    if p.pos != p.toks.len() {
        return Err(invalid("Unexpected text after the filter expression"));
    }
    Ok(f)
}

/// Parses a filter on resources of `kind`.
pub fn parse(s: &str, kind: &Kind) -> ScimResult<Filter> {
    parse_in(
        s,
        Scope {
            attrs: &kind.attrs,
            kind: Some(kind),
        },
    )
}

/// A PATCH path (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`,
/// names canonical.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub attr: String,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

fn invalid_path(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidPath", detail)
}

/// Parses a PATCH path on resources of `kind`.
pub fn parse_path(s: &str, kind: &Kind) -> ScimResult<Path> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > MAX_FILTER_LEN {
        return Err(invalid_path("Invalid path"));
    }
    let scope = Scope {
        attrs: &kind.attrs,
        kind: Some(kind),
    };
    let Some(open) = s.find('[') else {
        let (attr, sub) = resolve(s, scope).map_err(|e| invalid_path(e.detail))?;
        return Ok(Path {
            attr: attr.name.clone(),
            filter: None,
            sub: sub.map(|s| s.name.clone()),
        });
    };
    let close = s
        .rfind(']')
        .filter(|&c| c > open)
        .ok_or_else(|| invalid_path(format!("Unbalanced brackets in path {s:?}")))?;
    let (attr, sub) = resolve(&s[..open], scope).map_err(|e| invalid_path(e.detail))?;
    if sub.is_some() || attr.kind != Type::Complex {
        return Err(invalid_path(format!(
            "{:?} takes no value filter",
            &s[..open]
        )));
    }
    let inner = Scope {
        attrs: &attr.sub,
        kind: None,
    };
    let filter = parse_in(&s[open + 1..close], inner)?;
    let sub = match &s[close + 1..] {
        "" => None,
        rest => {
            let name = rest
                .strip_prefix('.')
                .ok_or_else(|| invalid_path(format!("Invalid path {s:?}")))?;
            Some(
                attr.sub(name)
                    .ok_or_else(|| invalid_path(format!("Unknown attribute {name:?} in {s:?}")))?
                    .name
                    .clone(),
            )
        }
    };
    Ok(Path {
        attr: attr.name.clone(),
        filter: Some(filter),
        sub,
    })
}

/// A member of `obj` by name, case-insensitively.
pub fn get_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn values<'a>(obj: &'a Map<String, Value>, t: &Target) -> Vec<&'a Value> {
    let Some(v) = get_ci(obj, &t.attr) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let leaves: Vec<&Value> = match &t.sub {
        None => items,
        Some(s) => items
            .into_iter()
            .filter_map(|i| i.as_object().and_then(|o| get_ci(o, s)))
            .flat_map(|v| match v {
                Value::Array(a) => a.iter().collect::<Vec<_>>(),
                other => vec![other],
            })
            .collect(),
    };
    leaves.into_iter().filter(|v| !v.is_null()).collect()
}

fn present(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn order<T: PartialOrd>(op: Op, a: T, b: T) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Co | Op::Sw | Op::Ew => false,
    }
}

/// Work units one request may spend evaluating filters (GET / `.search` over every resource
/// scanned, PATCH over every value of every operation): a comparison costs 1 plus the bytes it
/// reads, lower-casing a string its length. Beyond it: 400 `tooMany`.
pub const FILTER_BUDGET: u64 = 64_000_000;

/// What is left of a request's [`FILTER_BUDGET`]. Once spent, every evaluation answers `false`
/// and [`Budget::exhausted`] tells the caller to refuse the request.
#[derive(Debug)]
pub struct Budget {
    left: u64,
    exhausted: bool,
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(FILTER_BUDGET)
    }
}

impl Budget {
    pub fn new(units: u64) -> Budget {
        Budget {
            left: units,
            exhausted: false,
        }
    }
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }
    /// Takes `n` units; `false` (and exhausted from then on) when fewer are left.
    fn spend(&mut self, n: usize) -> bool {
        let n = n as u64;
        if self.exhausted || self.left < n {
            self.exhausted = true;
            self.left = 0;
            return false;
        }
        self.left -= n;
        true
    }
    /// Takes `n` units of other work of the request (measuring a document); `Err(400
    /// tooMany)` when fewer are left.
    pub fn charge(&mut self, n: usize) -> ScimResult<()> {
        self.spend(n);
        self.check()
    }
    /// `Err(400 tooMany)` once exhausted.
    pub fn check(&self) -> ScimResult<()> {
        if self.exhausted {
            Err(ScimError::bad(
                "tooMany",
                "The filter needs more work than this server does for one request: narrow it, or send fewer operations",
            ))
        } else {
            Ok(())
        }
    }
}

/// One evaluation of a filter on one object: the budget, and each string lower-cased once
/// (keyed by its address, stable while the object and the filter are borrowed).
struct Eval<'b> {
    budget: &'b mut Budget,
    lower: HashMap<(usize, usize), String>,
}

impl Eval<'_> {
    fn fold(&mut self, s: &str) -> Option<()> {
        let key = (s.as_ptr() as usize, s.len());
        if !self.lower.contains_key(&key) {
            if !self.budget.spend(s.len()) {
                return None;
            }
            self.lower.insert(key, s.to_lowercase());
        }
        Some(())
    }
    fn folded<'s>(&'s self, s: &'s str) -> &'s str {
        self.lower
            .get(&(s.as_ptr() as usize, s.len()))
            .map_or(s, String::as_str)
    }

    fn compare(&mut self, v: &Value, op: Op, lit: &Lit, t: &Target) -> bool {
        match lit {
            Lit::Bool(b) => v.as_bool().is_some_and(|a| order(op, a, *b)),
            Lit::Num(n) => v.as_f64().is_some_and(|a| order(op, a, *n)),
            Lit::Null => false,
            Lit::Str(s) if t.ty == Type::DateTime => {
                if !self.budget.spend(s.len() + v.as_str().map_or(0, str::len)) {
                    return false;
                }
                match (
                    v.as_str().and_then(crate::time::parse_iso),
                    crate::time::parse_iso(s),
                ) {
                    (Some(a), Some(b)) => order(op, a, b),
                    _ => false,
                }
            }
            Lit::Str(s) => {
                let Some(a) = v.as_str() else {
                    return false;
                };
                if !t.case_exact && (self.fold(a).is_none() || self.fold(s).is_none()) {
                    return false;
                }
                let (la, lb) = if t.case_exact {
                    (a.len(), s.len())
                } else {
                    (self.folded(a).len(), self.folded(s).len())
                };
                let cost = match op {
                    Op::Co => la + lb,
                    Op::Sw | Op::Ew => lb,
                    _ => la.min(lb),
                };
                if !self.budget.spend(cost) {
                    return false;
                }
                let (a, b) = if t.case_exact {
                    (a, s.as_str())
                } else {
                    (self.folded(a), self.folded(s))
                };
                match op {
                    Op::Co => a.contains(b),
                    Op::Sw => a.starts_with(b),
                    Op::Ew => a.ends_with(b),
                    _ => order(op, a, b),
                }
            }
        }
    }

    fn matches(&mut self, f: &Filter, obj: &Map<String, Value>) -> bool {
        if !self.budget.spend(1) {
            return false;
        }
        match f {
            Filter::And(a, b) => self.matches(a, obj) && self.matches(b, obj),
            Filter::Or(a, b) => self.matches(a, obj) || self.matches(b, obj),
            Filter::Not(a) => {
                let m = self.matches(a, obj);
                !m && !self.budget.exhausted()
            }
            Filter::Present(t) => values(obj, t).into_iter().any(present),
            Filter::Cmp(t, op, lit) => {
                let vs = values(obj, t);
                match (op, lit) {
                    (Op::Eq, Lit::Null) => vs.is_empty(),
                    (Op::Ne, Lit::Null) => !vs.is_empty(),
                    // `ne`: no value equals (so a resource without the attribute matches).
                    (Op::Ne, _) => {
                        let eq = vs.iter().any(|v| self.compare(v, Op::Eq, lit, t));
                        !eq && !self.budget.exhausted()
                    }
                    _ => vs.iter().any(|v| self.compare(v, *op, lit, t)),
                }
            }
            Filter::Any(attr, inner) => match get_ci(obj, attr) {
                Some(Value::Array(a)) => a
                    .iter()
                    .any(|v| v.as_object().is_some_and(|o| self.matches(inner, o))),
                Some(Value::Object(o)) => self.matches(inner, o),
                _ => false,
            },
        }
    }
}

/// Whether the resource (or value, inside a value path) `obj` matches `f`, spending from
/// `budget` (each string of `obj` lower-cased at most once). `false` once the budget is
/// exhausted: the caller checks [`Budget::check`].
pub fn matches(f: &Filter, obj: &Map<String, Value>, budget: &mut Budget) -> bool {
    Eval {
        budget,
        lower: HashMap::new(),
    }
    .matches(f, obj)
}

/// `attr eq "value"` terms (simple attributes, top level or joined by `and`) every match must
/// satisfy: the store narrows its scan with them.
pub fn required_eq(f: &Filter) -> Vec<(&str, &str)> {
    match f {
        Filter::Cmp(t, Op::Eq, Lit::Str(s)) if t.sub.is_none() => {
            vec![(t.attr.as_str(), s.as_str())]
        }
        Filter::And(a, b) => {
            let mut v = required_eq(a);
            v.extend(required_eq(b));
            v
        }
        _ => Vec::new(),
    }
}

/// Whether `f` reads attribute `attr` (canonical name).
pub fn mentions(f: &Filter, attr: &str) -> bool {
    match f {
        Filter::And(a, b) | Filter::Or(a, b) => mentions(a, attr) || mentions(b, attr),
        Filter::Not(a) => mentions(a, attr),
        Filter::Present(t) | Filter::Cmp(t, _, _) => t.attr == attr,
        Filter::Any(a, _) => a == attr,
    }
}

/// For a value filter made only of `sub eq "value"` terms joined by `and`: those members, to
/// build the value a PATCH creates when nothing matches (`emails[type eq "work"].value`).
pub fn eq_members(f: &Filter) -> Option<Map<String, Value>> {
    match f {
        Filter::Cmp(t, Op::Eq, lit) if t.sub.is_none() => {
            let v = match lit {
                Lit::Str(s) => Value::String(s.clone()),
                Lit::Bool(b) => Value::Bool(*b),
                Lit::Num(n) => serde_json::Number::from_f64(*n).map(Value::Number)?,
                Lit::Null => return None,
            };
            let mut m = Map::new();
            m.insert(t.attr.clone(), v);
            Some(m)
        }
        Filter::And(a, b) => {
            let mut m = eq_members(a)?;
            m.extend(eq_members(b)?);
            Some(m)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{group, user};
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn m(f: &str, v: &Value) -> bool {
        matches(
            &parse(f, user()).unwrap(),
            v.as_object().unwrap(),
            &mut Budget::default(),
        )
    }

    #[test]
    fn operators_and_case_rules() {
        let u = json!({
            "id": "u1", "userName": "Alice@Example.com", "active": true, "externalId": "X-1",
            "name": {"givenName": "Alice", "familyName": "Smith"},
            "emails": [{"value": "alice@work.example", "type": "work"}, {"value": "a@home.example", "type": "home"}],
            "meta": {"created": "2026-01-02T00:00:00.000Z", "lastModified": "2026-01-03T00:00:00.000Z"}
        });
        assert!(m("userName eq \"alice@example.com\"", &u));
        assert!(m("USERNAME EQ \"ALICE@EXAMPLE.COM\"", &u));
        assert!(!m("externalId eq \"x-1\"", &u), "externalId is caseExact");
        assert!(m("externalId eq \"X-1\"", &u));
        assert!(m(
            "userName sw \"ali\" and userName ew \".COM\" and userName co \"@ex\"",
            &u
        ));
        assert!(m("emails.value co \"work\"", &u));
        assert!(m("emails co \"home.example\"", &u));
        assert!(m(
            "emails[type eq \"work\" and value ew \"work.example\"]",
            &u
        ));
        assert!(!m(
            "emails[type eq \"work\" and value ew \"home.example\"]",
            &u
        ));
        assert!(m("name.familyName eq \"smith\"", &u));
        assert!(
            m("active eq true", &u) && m("active eq \"True\"", &u) && !m("active eq false", &u)
        );
        assert!(m("title pr", &json!({"title": "x"})) && !m("title pr", &u));
        assert!(m("title ne \"x\"", &u), "ne matches a missing attribute");
        assert!(m("meta.created lt \"2026-01-02T00:00:01Z\"", &u));
        assert!(m("meta.lastModified gt \"2026-01-02T00:00:00Z\"", &u));
        assert!(!m("meta.lastModified ge \"2026-02-01\"", &u));
        assert!(m(
            "userName gt \"alice\" and userName le \"alice@example.com\"",
            &u
        ));
        assert!(m(
            "urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"alice@example.com\"",
            &u
        ));
        assert!(m("displayName eq null", &u));
    }

    #[test]
    fn precedence_and_grouping() {
        let u = json!({"userName": "a", "displayName": "b"});
        // not > and > or: `x or y and z` is `x or (y and z)`.
        assert!(m(
            "userName eq \"a\" or userName eq \"z\" and displayName eq \"nope\"",
            &u
        ));
        assert!(!m(
            "(userName eq \"a\" or userName eq \"z\") and displayName eq \"nope\"",
            &u
        ));
        assert!(m("not (userName eq \"z\") and displayName eq \"b\"", &u));
        assert!(!m("not(userName eq \"a\" or displayName eq \"q\")", &u));
        assert!(m("((((userName eq \"a\"))))", &u));
    }

    #[test]
    fn refusals_are_invalid_filter() {
        for f in [
            "",
            "userName",
            "userName eq",
            "userName xx \"a\"",
            "nosuch eq \"a\"",
            "name.nosuch eq \"a\"",
            "password eq \"p\"",
            "active gt true",
            "active co \"t\"",
            "userName eq 1",
            "userName eq \"a\" and",
            "(userName eq \"a\"",
            "userName eq \"a\")",
            "userName eq \"a",
            "meta.created gt \"yesterday\"",
            "urn:other:thing:userName eq \"a\"",
            "userName[value eq \"a\"]",
        ] {
            let e = parse(f, user()).unwrap_err();
            assert_eq!(e.scim_type, Some("invalidFilter"), "{f}: {}", e.detail);
        }
        let deep = format!("{}userName eq \"a\"{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep, user()).is_err());
        assert!(parse(&"a".repeat(MAX_FILTER_LEN + 1), user()).is_err());
    }

    #[test]
    fn group_members_and_pushdown() {
        let g = obj(json!({"displayName": "Ops", "members": [{"value": "u1"}, {"value": "u2"}]}));
        let f = parse("members.value eq \"u2\"", group()).unwrap();
        assert!(matches(&f, &g, &mut Budget::default()));
        let f = parse("members[value eq \"U2\"]", group()).unwrap();
        assert!(
            !matches(&f, &g, &mut Budget::default()),
            "members.value is caseExact"
        );
        let f = parse(
            "displayName eq \"ops\" and (externalId eq \"e\" or id pr)",
            group(),
        )
        .unwrap();
        assert_eq!(required_eq(&f), vec![("displayName", "ops")]);
        assert!(mentions(&f, "externalId"));
    }

    #[test]
    fn patch_paths() {
        let p = parse_path("emails[type eq \"work\"].value", user()).unwrap();
        assert_eq!(
            (p.attr.as_str(), p.sub.as_deref()),
            ("emails", Some("value"))
        );
        assert_eq!(
            eq_members(p.filter.as_ref().unwrap()).unwrap(),
            obj(json!({"type": "work"}))
        );
        let p = parse_path("NAME.GIVENNAME", user()).unwrap();
        assert_eq!(
            (p.attr.as_str(), p.sub.as_deref()),
            ("name", Some("givenName"))
        );
        let p = parse_path("urn:ietf:params:scim:schemas:core:2.0:User:active", user()).unwrap();
        assert_eq!(p.attr, "active");
        let p = parse_path("members[value eq \"x\"]", group()).unwrap();
        assert!(p.filter.is_some() && p.sub.is_none());
        for bad in [
            "",
            "nosuch",
            "emails[type eq \"work\"",
            "emails[type eq \"w\"]value",
            "active[value eq \"x\"]",
        ] {
            assert!(parse_path(bad, user()).is_err(), "{bad}");
        }
    }

    #[test]
    fn evaluation_is_budgeted_and_lowercases_each_string_once() {
        // 100 values of 16 000 characters, a filter of ~240 `co` terms: about 400 M units of
        // work, far over the budget: refused instead of run.
        let big = "A".repeat(16_000);
        let emails: Vec<Value> = (0..100).map(|_| json!({"value": big})).collect();
        let u = obj(json!({"userName": "u", "emails": emails}));
        let terms = vec!["value co \"zq\""; 240].join(" or ");
        let f = parse(&format!("emails[{terms}]"), user()).unwrap();
        let mut b = Budget::default();
        let t = std::time::Instant::now();
        assert!(!matches(&f, &u, &mut b));
        assert!(b.exhausted(), "the budget stops the evaluation");
        assert_eq!(b.check().unwrap_err().scim_type, Some("tooMany"));
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
        // Within the budget such a filter is evaluated, each value lower-cased once: the
        // cost is the comparisons (240 × 100 × 16 000) plus one lower-casing per value.
        let terms = vec!["value co \"zq\""; 24].join(" or ");
        let f = parse(&format!("emails[{terms}]"), user()).unwrap();
        let mut b = Budget::new(u64::MAX);
        assert!(!matches(&f, &u, &mut b));
        let spent = u64::MAX - b.left;
        assert!(spent < 24 * 100 * 16_010 + 100 * 16_010 + 10_000, "{spent}");
        let f = parse("emails[value co \"aaa\"]", user()).unwrap();
        assert!(matches(&f, &u, &mut Budget::default()));
    }
}
