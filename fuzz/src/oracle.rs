//! A JSON tree built two independent ways: by serde_json through a visitor that refuses
//! duplicate member names ([`strict`]), and by walking the core's hand-written reader
//! ([`ours`]). The targets compare the two.

use grantex::verify::json::{self, JsonError, Val};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;
use std::collections::HashSet;
use std::fmt;

/// A JSON value with object members in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    /// The core's reader validates `true`/`false` but does not keep which one it was.
    AnyBool,
    Num(Number),
    /// A number the JSON grammar allows but an f64 cannot hold (`1e400`): serde_json refuses
    /// the document, the core's reader keeps the text.
    NumOutOfRange(String),
    Str(String),
    Arr(Vec<Node>),
    Obj(Vec<(String, Node)>),
}

impl Node {
    /// Nesting depth of arrays and objects (a scalar is 0, `[]` is 1).
    pub fn depth(&self) -> usize {
        match self {
            Node::Arr(items) => 1 + items.iter().map(Node::depth).max().unwrap_or(0),
            Node::Obj(members) => 1 + members.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// The largest member count of any object in the tree.
    pub fn max_members(&self) -> usize {
        match self {
            Node::Arr(items) => items.iter().map(Node::max_members).max().unwrap_or(0),
            Node::Obj(members) => members
                .iter()
                .map(|(_, v)| v.max_members())
                .max()
                .unwrap_or(0)
                .max(members.len()),
            _ => 0,
        }
    }

    /// Whether the tree holds a number out of f64 range.
    pub fn has_out_of_range(&self) -> bool {
        match self {
            Node::NumOutOfRange(_) => true,
            Node::Arr(items) => items.iter().any(Node::has_out_of_range),
            Node::Obj(members) => members.iter().any(|(_, v)| v.has_out_of_range()),
            _ => false,
        }
    }

    /// Equality where [`Node::AnyBool`] matches either boolean.
    pub fn matches(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::AnyBool, Node::Bool(_) | Node::AnyBool) | (Node::Bool(_), Node::AnyBool) => true,
            (Node::Arr(a), Node::Arr(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.matches(y))
            }
            (Node::Obj(a), Node::Obj(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka == kb && va.matches(vb))
            }
            (a, b) => a == b,
        }
    }
}

/// The serde_json error message of a duplicate member, as the strict visitor raises it.
pub const DUPLICATE: &str = "duplicate member name";

/// How serde_json with the duplicate-refusing visitor judged a document.
#[derive(Debug)]
pub enum Strict {
    Ok(Node),
    Duplicate,
    /// serde_json refused a number the grammar allows (beyond f64 range).
    OutOfRange,
    /// Any other refusal (grammar, recursion limit, ...).
    Invalid(String),
}

/// serde_json's verdict on `doc`, refusing duplicate member names (compared after unescaping).
pub fn strict(doc: &str) -> Strict {
    match serde_json::from_str::<StrictNode>(doc) {
        Ok(StrictNode(n)) => Strict::Ok(n),
        Err(e) => {
            let msg = e.to_string();
            if msg.starts_with(DUPLICATE) {
                Strict::Duplicate
            } else if msg.starts_with("number out of range") {
                Strict::OutOfRange
            } else {
                Strict::Invalid(msg)
            }
        }
    }
}

struct StrictNode(Node);

impl<'de> Deserialize<'de> for StrictNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor).map(StrictNode)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Num(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Num(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Number::from_f64(v)
            .map(Node::Num)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictNode(n)) = seq.next_element()? {
            items.push(n);
        }
        Ok(Node::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut seen = HashSet::new();
        let mut members = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(de::Error::custom(DUPLICATE));
            }
            let StrictNode(v) = map.next_value()?;
            members.push((name, v));
        }
        Ok(Node::Obj(members))
    }
}

/// The tree the core's reader sees in `doc` (any JSON value at the root), or its refusal.
/// Also checks that `JStr`'s accessors agree with each other on every string and name.
pub fn ours(doc: &str) -> Result<Node, JsonError> {
    json::validate(doc)?;
    let root = doc.trim_start_matches([' ', '\t', '\n', '\r']);
    Ok(match root.as_bytes().first() {
        Some(b'{') => object(doc),
        Some(b'[') => array(doc),
        _ => {
            // A scalar root has no `Val` of its own: read it as the only element of an array.
            let wrapped = format!("[{doc}]");
            let Node::Arr(mut items) = array(&wrapped) else {
                unreachable!("array() gives an array")
            };
            assert_eq!(items.len(), 1, "a scalar root is one value: {doc:?}");
            items.remove(0)
        }
    })
}

fn object(span: &str) -> Node {
    let mut members = Vec::new();
    json::for_each_member(span, |name, v| {
        members.push((string(name), value(v)));
        Ok::<(), JsonError>(())
    })
    .unwrap_or_else(|e| panic!("a span the reader validated fails again ({e:?}): {span:?}"));
    Node::Obj(members)
}

fn array(span: &str) -> Node {
    let mut items = Vec::new();
    json::for_each_element(span, |v| {
        items.push(value(v));
        Ok::<(), JsonError>(())
    })
    .unwrap_or_else(|e| panic!("a span the reader validated fails again ({e:?}): {span:?}"));
    Node::Arr(items)
}

fn value(v: Val<'_>) -> Node {
    match v {
        Val::Null => Node::Null,
        Val::Bool => Node::AnyBool,
        Val::Num(text) => match serde_json::from_str::<Number>(text) {
            Ok(n) => Node::Num(n),
            Err(_) => Node::NumOutOfRange(text.to_owned()),
        },
        Val::Str(s) => Node::Str(string(s)),
        Val::Arr(span) => array(span),
        Val::Obj(span) => object(span),
    }
}

fn string(s: json::JStr<'_>) -> String {
    let owned = s.to_owned_string();
    assert_eq!(s.to_cow(), owned, "to_cow and to_owned_string disagree");
    assert!(
        s.eq_str(&owned),
        "eq_str is false for its own text: {owned:?}"
    );
    assert!(s.eq_jstr(s), "eq_jstr is false for itself: {owned:?}");
    assert_eq!(
        s.has_control(),
        owned.chars().any(char::is_control),
        "has_control is wrong for {owned:?}"
    );
    owned
}
