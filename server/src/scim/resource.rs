//! Resources as JSON documents: input checked and normalised against the schema (canonical
//! attribute names, types, `"True"`/`"False"` strings as booleans, read-only attributes
//! ignored, `password` dropped), the stored document rendered with `schemas`, `id` and `meta`,
//! and `attributes` / `excludedAttributes` applied.

use super::filter::get_ci;
use super::schema::{Attr, Kind, Mutability, Returned, Type};
use super::{ScimError, ScimResult};
use serde_json::{Map, Value};

/// Longest string value (characters).
pub const MAX_STRING: usize = 16 * 1024;
/// Most values of one multi-valued attribute (a group's `members`: [`MAX_MEMBERS`]).
pub const MAX_VALUES: usize = 100;
/// Most members of one group.
pub const MAX_MEMBERS: usize = 10_000;
/// Largest stored user document (its attributes as JSON, bytes).
pub const MAX_USER_DOC: usize = 64 * 1024;
/// Largest stored group document: room for [`MAX_MEMBERS`] members (`value` and `type`; the
/// `$ref` is not stored, it is rendered from them).
pub const MAX_GROUP_DOC: usize = 1024 * 1024;

/// The largest stored document of a resource of `kind`.
pub fn max_doc(kind: &Kind) -> usize {
    if kind.name == "Group" {
        MAX_GROUP_DOC
    } else {
        MAX_USER_DOC
    }
}

struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The size of `v` as JSON (bytes), without building the text.
pub fn json_size<T: serde::Serialize + ?Sized>(v: &T) -> usize {
    let mut c = Counter(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// 400 `invalidValue` when a document of `kind` is larger than [`max_doc`].
pub fn check_size(kind: &Kind, size: usize) -> ScimResult<()> {
    if size > max_doc(kind) {
        return Err(invalid(format!(
            "A {} may hold at most {} KiB of attributes",
            kind.name,
            max_doc(kind) / 1024
        )));
    }
    Ok(())
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidValue", detail)
}

fn max_values(attr: &Attr) -> usize {
    if attr.name == "members" {
        MAX_MEMBERS
    } else {
        MAX_VALUES
    }
}

fn scalar(attr: &Attr, v: &Value) -> ScimResult<Value> {
    let bad = |what: &str| invalid(format!("{} must be {what}", attr.name));
    match attr.kind {
        Type::String | Type::Reference | Type::Binary => {
            let s = v.as_str().ok_or_else(|| bad("a string"))?;
            if s.chars().count() > MAX_STRING {
                return Err(bad(&format!("at most {MAX_STRING} characters")));
            }
            Ok(Value::String(s.to_string()))
        }
        Type::DateTime => {
            let s = v.as_str().ok_or_else(|| bad("a dateTime string"))?;
            crate::time::parse_iso(s).ok_or_else(|| bad("an xsd:dateTime"))?;
            Ok(Value::String(s.to_string()))
        }
        Type::Boolean => match v {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            // Azure AD sends "True" / "False".
            Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            _ => Err(bad("a boolean")),
        },
        Type::Integer => match v.as_i64() {
            Some(n) => Ok(Value::from(n)),
            None => Err(bad("an integer")),
        },
        Type::Decimal => match v {
            Value::Number(_) => Ok(v.clone()),
            _ => Err(bad("a number")),
        },
        Type::Complex => {
            let o = v.as_object().ok_or_else(|| bad("an object"))?;
            let mut out = Map::new();
            for (k, sv) in o {
                let sub = attr
                    .sub(k)
                    .ok_or_else(|| invalid(format!("Unknown attribute {}.{k}", attr.name)))?;
                if sv.is_null() {
                    continue;
                }
                out.insert(sub.name.clone(), scalar(sub, sv)?);
            }
            Ok(Value::Object(out))
        }
    }
}

fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A value for `attr`, checked and normalised; `None` when it is null or empty (unassigned).
/// A single value given for a multi-valued attribute counts as a list of one.
pub fn value(attr: &Attr, v: &Value) -> ScimResult<Option<Value>> {
    if !attr.multi {
        let out = if v.is_null() {
            Value::Null
        } else {
            scalar(attr, v)?
        };
        return Ok((!empty(&out)).then_some(out));
    }
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    if items.len() > max_values(attr) {
        return Err(invalid(format!(
            "{} holds at most {} values",
            attr.name,
            max_values(attr)
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        if i.is_null() {
            continue;
        }
        let n = scalar(attr, i)?;
        if !empty(&n) {
            out.push(n);
        }
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

/// Whether `name` stands for a schema extension (`urn:…`) other than the resource's own.
fn is_urn(name: &str) -> bool {
    name.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// A POST or PUT body as the stored document of a resource of `kind`: every attribute known
/// and well-typed (400 `invalidValue` otherwise), names canonical; `schemas`, `id`, `meta` and
/// read-only attributes ignored (RFC 7644 §3.5.1); `password` accepted and dropped (never
/// stored, never returned); required attributes present.
pub fn normalize(kind: &Kind, input: &Map<String, Value>) -> ScimResult<Map<String, Value>> {
    let mut out = Map::new();
    let merge = |k: &str, v: &Value, out: &mut Map<String, Value>| -> ScimResult<()> {
        let attr = kind
            .attr(k)
            .ok_or_else(|| invalid(format!("Unknown attribute {k:?} for a {}", kind.name)))?;
        if attr.mutability == Mutability::ReadOnly {
            return Ok(());
        }
        if let Some(v) = value(attr, v)? {
            if attr.mutability != Mutability::WriteOnly {
                out.insert(attr.name.clone(), v);
            }
        }
        Ok(())
    };
    for (k, v) in input {
        if k.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if is_urn(k) {
            // Attributes of the core schema nested under its URN are the resource's own.
            if k.eq_ignore_ascii_case(kind.urn) {
                let o = v
                    .as_object()
                    .ok_or_else(|| invalid(format!("{k} must be an object")))?;
                for (ik, iv) in o {
                    merge(ik, iv, &mut out)?;
                }
                continue;
            }
            return Err(invalid(format!(
                "Unsupported schema extension {k:?}: this server serves the core {} schema only",
                kind.name
            )));
        }
        merge(k, v, &mut out)?;
    }
    check(kind, &out)?;
    Ok(out)
}

/// Rules a stored document always satisfies: required attributes present, at most one
/// `primary` value per multi-valued attribute, at most [`max_doc`] bytes.
pub fn check(kind: &Kind, doc: &Map<String, Value>) -> ScimResult<()> {
    check_size(kind, json_size(doc))?;
    for attr in &kind.attrs {
        let v = doc.get(&attr.name);
        if attr.required
            && attr.mutability != Mutability::ReadOnly
            && v.is_none_or(|v| empty(v) || v.as_str().is_some_and(|s| s.trim().is_empty()))
        {
            return Err(invalid(format!("{} is required", attr.name)));
        }
        if let (true, Some(Value::Array(items))) = (attr.multi, v) {
            let primaries = items
                .iter()
                .filter(|i| i.get("primary").and_then(Value::as_bool) == Some(true))
                .count();
            if primaries > 1 {
                return Err(invalid(format!(
                    "At most one of {} may be primary",
                    attr.name
                )));
            }
        }
    }
    Ok(())
}

/// `meta` of a stored resource.
#[derive(Debug, Clone)]
pub struct Meta {
    pub created: i64,
    pub last_modified: i64,
    pub version: i64,
}

/// The weak ETag of a resource version.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// A resource's full representation: `schemas`, `id`, its attributes, `extra` (derived
/// attributes such as a user's `groups`), `meta`.
pub fn render(
    kind: &Kind,
    base: &str,
    id: &str,
    doc: &Map<String, Value>,
    extra: Option<(&str, Value)>,
    meta: &Meta,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("schemas".into(), Value::Array(vec![kind.urn.into()]));
    out.insert("id".into(), id.into());
    for (k, v) in doc {
        out.insert(k.clone(), v.clone());
    }
    if let Some((k, v)) = extra {
        if !empty(&v) {
            out.insert(k.into(), v);
        }
    }
    out.insert(
        "meta".into(),
        serde_json::json!({
            "resourceType": kind.name,
            "created": crate::time::iso(meta.created),
            "lastModified": crate::time::iso(meta.last_modified),
            "location": format!("{base}{}/{id}", kind.endpoint),
            "version": etag(meta.version),
        }),
    );
    out
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): attribute paths, `attr` or
/// `attr.sub`, with or without the schema URN; names this resource type does not have are
/// ignored (a root search spans both types).
#[derive(Debug, Clone, Default)]
pub struct Projection {
    pub attributes: Vec<String>,
    pub excluded: Vec<String>,
}

/// Longest `attributes` / `excludedAttributes` list.
pub const MAX_PROJECTION: usize = 100;

impl Projection {
    /// From comma-separated lists (query parameters).
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> ScimResult<Projection> {
        let split = |s: Option<&str>| -> ScimResult<Vec<String>> {
            let v: Vec<String> = s
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            if v.len() > MAX_PROJECTION {
                return Err(invalid(format!("At most {MAX_PROJECTION} attribute names")));
            }
            Ok(v)
        };
        Ok(Projection {
            attributes: split(attributes)?,
            excluded: split(excluded)?,
        })
    }

    /// From JSON string lists (a SearchRequest body).
    pub fn from_lists(
        attributes: Option<&Value>,
        excluded: Option<&Value>,
    ) -> ScimResult<Projection> {
        let list =
            |v: Option<&Value>, name: &str| -> ScimResult<Option<String>> {
                match v {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::Array(a)) => {
                        let mut out = Vec::new();
                        for i in a {
                            out.push(i.as_str().ok_or_else(|| {
                                invalid(format!("{name} must be a list of strings"))
                            })?);
                        }
                        Ok(Some(out.join(",")))
                    }
                    Some(Value::String(s)) => Ok(Some(s.clone())),
                    Some(_) => Err(invalid(format!("{name} must be a list of strings"))),
                }
            };
        Projection::parse(
            list(attributes, "attributes")?.as_deref(),
            list(excluded, "excludedAttributes")?.as_deref(),
        )
    }

    fn resolve<'a>(kind: &'a Kind, names: &[String]) -> Vec<(&'a Attr, Option<&'a Attr>)> {
        names
            .iter()
            .filter_map(|n| {
                let n = kind.strip_urn(n)?;
                let (a, s) = match n.split_once('.') {
                    Some((a, s)) => (a, Some(s)),
                    None => (n, None),
                };
                let attr = kind.attr(a)?;
                match s {
                    None => Some((attr, None)),
                    Some(s) => attr.sub(s).map(|sub| (attr, Some(sub))),
                }
            })
            .collect()
    }

    /// Applies the projection to a full representation.
    pub fn apply(&self, kind: &Kind, full: Map<String, Value>) -> Map<String, Value> {
        let mut out = full;
        if !self.attributes.is_empty() {
            let wanted = Self::resolve(kind, &self.attributes);
            let mut kept = Map::new();
            for (k, v) in out {
                let always = k == "schemas"
                    || kind
                        .attr(&k)
                        .is_some_and(|a| a.returned == Returned::Always);
                let subs: Vec<&str> = wanted
                    .iter()
                    .filter(|(a, _)| a.name == k)
                    .map(|(_, s)| s.map_or("", |s| s.name.as_str()))
                    .collect();
                if always || subs.contains(&"") {
                    kept.insert(k, v);
                } else if !subs.is_empty() {
                    let v = keep_subs(v, &subs);
                    if !empty(&v) {
                        kept.insert(k, v);
                    }
                }
            }
            out = kept;
        }
        for (attr, sub) in Self::resolve(kind, &self.excluded) {
            if attr.returned == Returned::Always {
                continue;
            }
            match sub {
                None => {
                    out.remove(&attr.name);
                }
                Some(sub) => {
                    if let Some(v) = out.remove(&attr.name) {
                        let v = drop_sub(v, &sub.name);
                        if !empty(&v) {
                            out.insert(attr.name.clone(), v);
                        }
                    }
                }
            }
        }
        out
    }
}

fn keep_subs(v: Value, subs: &[&str]) -> Value {
    match v {
        Value::Array(a) => Value::Array(
            a.into_iter()
                .map(|i| keep_subs(i, subs))
                .filter(|i| !empty(i))
                .collect(),
        ),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
                .collect(),
        ),
        other => other,
    }
}

fn drop_sub(v: Value, sub: &str) -> Value {
    match v {
        Value::Array(a) => Value::Array(
            a.into_iter()
                .map(|i| drop_sub(i, sub))
                .filter(|i| !empty(i))
                .collect(),
        ),
        Value::Object(mut o) => {
            o.remove(sub);
            Value::Object(o)
        }
        other => other,
    }
}

/// A required string attribute of a stored document (`userName`, `displayName`).
pub fn text<'a>(doc: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    get_ci(doc, name).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::super::schema::{group, user};
    use super::*;
    use serde_json::json;

    fn o(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn normalize_canonicalises_and_drops_what_is_not_stored() {
        let doc = normalize(
            user(),
            &o(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "ignored", "meta": {"created": "x"}, "groups": [{"value": "g"}],
                "USERNAME": "bob", "Active": "False", "password": "hunter2",
                "name": {"GivenName": "Bob", "familyName": null},
                "emails": {"value": "b@x.example", "primary": "true"},
                "displayName": null, "phoneNumbers": []
            })),
        )
        .unwrap();
        assert_eq!(
            Value::Object(doc),
            json!({"userName": "bob", "active": false, "name": {"givenName": "Bob"},
                   "emails": [{"value": "b@x.example", "primary": true}]})
        );
    }

    #[test]
    fn normalize_refuses_bad_input() {
        for bad in [
            json!({}),
            json!({"userName": "  "}),
            json!({"userName": 5}),
            json!({"userName": "a", "nosuch": 1}),
            json!({"userName": "a", "active": "maybe"}),
            json!({"userName": "a", "emails": [{"value": "x", "nosuch": 1}]}),
            json!({"userName": "a", "emails": [{"value": "x", "primary": true}, {"value": "y", "primary": true}]}),
            json!({"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {}}),
            json!({"userName": "a", "emails": (0..=MAX_VALUES).map(|i| json!({"value": i.to_string()})).collect::<Vec<_>>()}),
        ] {
            let e = normalize(user(), &o(bad.clone())).unwrap_err();
            assert_eq!(e.scim_type, Some("invalidValue"), "{bad}: {}", e.detail);
        }
        assert!(normalize(group(), &o(json!({"displayName": "g"}))).is_ok());
    }

    #[test]
    fn projection() {
        let full = o(
            json!({"schemas": [], "id": "1", "userName": "u", "externalId": "e",
            "name": {"givenName": "g", "familyName": "f"}, "emails": [{"value": "v", "type": "work"}],
            "meta": {}}),
        );
        let p = Projection::parse(Some("externalId,name.givenName,emails.type"), None).unwrap();
        assert_eq!(
            Value::Object(p.apply(user(), full.clone())),
            json!({"schemas": [], "id": "1", "externalId": "e", "name": {"givenName": "g"}, "emails": [{"type": "work"}]})
        );
        let p = Projection::parse(
            None,
            Some("name,id,emails.type,urn:ietf:params:scim:schemas:core:2.0:User:meta"),
        )
        .unwrap();
        assert_eq!(
            Value::Object(p.apply(user(), full)),
            json!({"schemas": [], "id": "1", "userName": "u", "externalId": "e", "emails": [{"value": "v"}]})
        );
    }
}
