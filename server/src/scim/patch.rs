//! SCIM PATCH (RFC 7644 §3.5.2) on a stored resource document: `add`, `replace` and `remove`
//! (any case), with or without a path; paths `attr`, `attr.sub`, `attr[filter]` and
//! `attr[filter].sub`. Identity-provider habits accepted: Azure AD's `"True"`/`"False"`
//! strings for booleans, dotted attribute names as keys of a path-less value, `remove` on
//! `members` with a list of the members to remove; a `replace`/`add` through a value filter
//! made of `eq` terms that matches nothing creates that value (`emails[type eq "work"].value`).

use super::filter::{eq_members, matches, parse_path, Path};
use super::resource::{check, value};
use super::schema::{Attr, Kind, Mutability, Type};
use super::{ScimError, ScimResult};
use serde_json::{Map, Value};

/// Most operations one PATCH request may carry.
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Replace,
    Remove,
}

/// One checked operation.
#[derive(Debug, Clone)]
pub struct Operation {
    pub op: OpKind,
    pub path: Option<Path>,
    pub value: Option<Value>,
}

fn invalid_syntax(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidSyntax", detail)
}

/// The `Operations` of a PatchOp body, checked.
pub fn parse(kind: &Kind, body: &Map<String, Value>) -> ScimResult<Vec<Operation>> {
    let ops = super::filter::get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid_syntax("A PatchOp body needs an Operations list"))?;
    if ops.is_empty() {
        return Err(invalid_syntax("Operations is empty"));
    }
    if ops.len() > MAX_OPERATIONS {
        return Err(invalid_syntax(format!(
            "At most {MAX_OPERATIONS} operations per request"
        )));
    }
    ops.iter()
        .map(|o| {
            let o = o
                .as_object()
                .ok_or_else(|| invalid_syntax("Each operation must be an object"))?;
            let op = match super::filter::get_ci(o, "op").and_then(Value::as_str) {
                Some(s) if s.eq_ignore_ascii_case("add") => OpKind::Add,
                Some(s) if s.eq_ignore_ascii_case("replace") => OpKind::Replace,
                Some(s) if s.eq_ignore_ascii_case("remove") => OpKind::Remove,
                _ => return Err(invalid_syntax("op must be add, replace or remove")),
            };
            let path = match super::filter::get_ci(o, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) => Some(parse_path(p, kind)?),
                Some(_) => return Err(invalid_syntax("path must be a string")),
            };
            let value = super::filter::get_ci(o, "value").cloned();
            match (op, &path, &value) {
                (OpKind::Remove, None, _) => Err(ScimError::bad(
                    "noTarget",
                    "A remove operation needs a path",
                )),
                (OpKind::Add | OpKind::Replace, None, v)
                    if !v.as_ref().is_some_and(Value::is_object) =>
                {
                    Err(invalid_syntax(
                        "Without a path, the value must be an object of attributes",
                    ))
                }
                (OpKind::Add, Some(_), None) => {
                    Err(invalid_syntax("An add operation needs a value"))
                }
                _ => Ok(Operation { op, path, value }),
            }
        })
        .collect()
}

/// Applies the operations in order to `doc`, then checks the result.
pub fn apply(kind: &Kind, doc: &mut Map<String, Value>, ops: &[Operation]) -> ScimResult<()> {
    for o in ops {
        match &o.path {
            Some(p) => apply_path(kind, doc, o.op, p, o.value.as_ref())?,
            None => {
                let Some(Value::Object(values)) = &o.value else {
                    continue;
                };
                for (k, v) in values {
                    if k.eq_ignore_ascii_case(kind.urn) {
                        // Attributes nested under the core schema's URN.
                        let Value::Object(inner) = v else {
                            return Err(ScimError::bad(
                                "invalidValue",
                                format!("{k} must be an object"),
                            ));
                        };
                        for (ik, iv) in inner {
                            let p = parse_path(ik, kind)?;
                            apply_path(kind, doc, o.op, &p, Some(iv))?;
                        }
                        continue;
                    }
                    if k.eq_ignore_ascii_case("schemas") {
                        continue;
                    }
                    let p = parse_path(k, kind)?;
                    apply_path(kind, doc, o.op, &p, Some(v))?;
                }
            }
        }
    }
    check(kind, doc)
}

fn mutability_error(name: &str) -> ScimError {
    ScimError::bad("mutability", format!("{name} is read-only"))
}

fn required_value(v: Option<&Value>) -> ScimResult<&Value> {
    v.ok_or_else(|| invalid_syntax("The operation needs a value"))
}

/// After values with `primary: true` were written at `touched`, the others stop being primary
/// (RFC 7644 §3.5.2).
fn one_primary(items: &mut [Value], touched: &[usize]) {
    let newly = touched.iter().rev().find(|&&i| {
        items
            .get(i)
            .and_then(|v| v.get("primary"))
            .and_then(Value::as_bool)
            == Some(true)
    });
    if let Some(&keep) = newly {
        for (i, v) in items.iter_mut().enumerate() {
            if i != keep {
                if let Some(o) = v.as_object_mut() {
                    if o.get("primary").and_then(Value::as_bool) == Some(true) {
                        o.insert("primary".into(), Value::Bool(false));
                    }
                }
            }
        }
    }
}

fn apply_path(
    kind: &Kind,
    doc: &mut Map<String, Value>,
    op: OpKind,
    path: &Path,
    v: Option<&Value>,
) -> ScimResult<()> {
    let attr = kind
        .attr(&path.attr)
        .ok_or_else(|| ScimError::bad("invalidPath", format!("Unknown attribute {}", path.attr)))?;
    let sub = match &path.sub {
        Some(s) => Some(attr.sub(s).ok_or_else(|| {
            ScimError::bad(
                "invalidPath",
                format!("Unknown attribute {}.{s}", attr.name),
            )
        })?),
        None => None,
    };
    if attr.mutability == Mutability::ReadOnly
        || sub.is_some_and(|s| s.mutability == Mutability::ReadOnly)
    {
        return Err(mutability_error(&path.attr));
    }
    if attr.mutability == Mutability::WriteOnly {
        // `password`: accepted, never stored.
        if let Some(v) = v {
            value(attr, v)?;
        }
        return Ok(());
    }
    if attr.multi {
        multi(doc, attr, op, path, sub, v)
    } else {
        single(doc, attr, op, sub, v)
    }
}

fn single(
    doc: &mut Map<String, Value>,
    attr: &Attr,
    op: OpKind,
    sub: Option<&Attr>,
    v: Option<&Value>,
) -> ScimResult<()> {
    match (op, sub) {
        (OpKind::Remove, None) => {
            doc.remove(&attr.name);
        }
        (OpKind::Remove, Some(sub)) => {
            if let Some(Value::Object(o)) = doc.get_mut(&attr.name) {
                o.remove(&sub.name);
                if o.is_empty() {
                    doc.remove(&attr.name);
                }
            }
        }
        (_, None) => {
            let v = required_value(v)?;
            match value(attr, v)? {
                None => {
                    doc.remove(&attr.name);
                }
                // A complex attribute: the sub-attributes given replace theirs, the others stay.
                Some(Value::Object(new)) if attr.kind == Type::Complex => {
                    let entry = doc
                        .entry(attr.name.clone())
                        .or_insert_with(|| Value::Object(Map::new()));
                    match entry.as_object_mut() {
                        Some(o) => o.extend(new),
                        None => *entry = Value::Object(new),
                    }
                }
                Some(n) => {
                    doc.insert(attr.name.clone(), n);
                }
            }
        }
        (_, Some(sub)) => {
            let v = required_value(v)?;
            let n = value(sub, v)?;
            let entry = doc
                .entry(attr.name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(o) = entry.as_object_mut() {
                match n {
                    Some(n) => {
                        o.insert(sub.name.clone(), n);
                    }
                    None => {
                        o.remove(&sub.name);
                    }
                }
                if o.is_empty() {
                    doc.remove(&attr.name);
                }
            }
        }
    }
    Ok(())
}

fn multi(
    doc: &mut Map<String, Value>,
    attr: &Attr,
    op: OpKind,
    path: &Path,
    sub: Option<&Attr>,
    v: Option<&Value>,
) -> ScimResult<()> {
    let mut items = match doc.remove(&attr.name) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let result = multi_items(&mut items, attr, op, path, sub, v);
    if items.len() > super::resource::MAX_MEMBERS
        || (attr.name != "members" && items.len() > super::resource::MAX_VALUES)
    {
        return Err(ScimError::bad(
            "invalidValue",
            format!("{} holds too many values", attr.name),
        ));
    }
    if !items.is_empty() {
        doc.insert(attr.name.clone(), Value::Array(items));
    }
    result
}

fn multi_items(
    items: &mut Vec<Value>,
    attr: &Attr,
    op: OpKind,
    path: &Path,
    sub: Option<&Attr>,
    v: Option<&Value>,
) -> ScimResult<()> {
    let selected: Vec<usize> = match &path.filter {
        None => (0..items.len()).collect(),
        Some(f) => items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.as_object().is_some_and(|o| matches(f, o)))
            .map(|(n, _)| n)
            .collect(),
    };
    match (op, &path.filter, sub) {
        (OpKind::Remove, None, None) => {
            // Azure AD removes members by naming them in `value`.
            match v.and_then(Value::as_array) {
                Some(list) if attr.kind == Type::Complex && !list.is_empty() => {
                    let gone: Vec<&Value> = list.iter().filter_map(|x| x.get("value")).collect();
                    items.retain(|i| !i.get("value").is_some_and(|iv| gone.contains(&iv)));
                }
                _ => items.clear(),
            }
        }
        (OpKind::Remove, Some(_), None) => {
            let mut n = 0;
            items.retain(|_| {
                let keep = !selected.contains(&n);
                n += 1;
                keep
            });
        }
        (OpKind::Remove, _, Some(sub)) => {
            for &i in &selected {
                if let Some(o) = items[i].as_object_mut() {
                    o.remove(&sub.name);
                }
            }
            items.retain(|i| !i.as_object().is_some_and(Map::is_empty));
        }
        (OpKind::Add, None, None) => {
            let Some(Value::Array(new)) = value(attr, required_value(v)?)? else {
                return Ok(());
            };
            let mut touched = Vec::new();
            for n in new {
                match items.iter().position(|i| *i == n) {
                    Some(p) => touched.push(p),
                    None => {
                        items.push(n);
                        touched.push(items.len() - 1);
                    }
                }
            }
            one_primary(items, &touched);
        }
        (OpKind::Replace, None, None) => {
            items.clear();
            if let Some(Value::Array(new)) = value(attr, required_value(v)?)? {
                *items = new;
            }
        }
        (_, Some(filter), None) => {
            // Replace (or, for add, merge into) every value the filter selects.
            let v = required_value(v)?;
            let n = match value(attr, v)? {
                Some(Value::Array(mut a)) if a.len() == 1 => a.remove(0),
                None => {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "The operation needs a value",
                    ))
                }
                Some(_) => {
                    return Err(ScimError::bad(
                        "invalidValue",
                        "A value filter path takes one value",
                    ))
                }
            };
            if selected.is_empty() {
                let created = eq_members(filter).filter(|_| attr.kind == Type::Complex);
                let Some(mut created) = created else {
                    return Err(ScimError::bad(
                        "noTarget",
                        "No value matches the path's filter",
                    ));
                };
                if let Value::Object(o) = n {
                    created.extend(o);
                }
                items.push(Value::Object(created));
                let last = items.len() - 1;
                one_primary(items, &[last]);
                return Ok(());
            }
            for &i in &selected {
                match (op, items[i].as_object_mut(), &n) {
                    (OpKind::Add, Some(o), Value::Object(new)) => o.extend(new.clone()),
                    _ => items[i] = n.clone(),
                }
            }
            one_primary(items, &selected);
        }
        (_, filter, Some(sub)) => {
            let v = required_value(v)?;
            let n = value(sub, v)?;
            if selected.is_empty() {
                let created = match filter {
                    None => Some(Map::new()),
                    Some(f) => eq_members(f),
                };
                let Some(mut created) = created else {
                    return Err(ScimError::bad(
                        "noTarget",
                        "No value matches the path's filter",
                    ));
                };
                if let Some(n) = n {
                    created.insert(sub.name.clone(), n);
                    items.push(Value::Object(created));
                    let last = items.len() - 1;
                    one_primary(items, &[last]);
                }
                return Ok(());
            }
            for &i in &selected {
                if let Some(o) = items[i].as_object_mut() {
                    match &n {
                        Some(n) => {
                            o.insert(sub.name.clone(), n.clone());
                        }
                        None => {
                            o.remove(&sub.name);
                        }
                    }
                }
            }
            items.retain(|i| !i.as_object().is_some_and(Map::is_empty));
            if sub.name == "primary" {
                one_primary(items, &selected);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::schema::{group, user};
    use super::*;
    use serde_json::json;

    fn run(kind: &Kind, doc: Value, ops: Value) -> ScimResult<Value> {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let ops = parse(kind, body.as_object().unwrap())?;
        let mut d = doc.as_object().unwrap().clone();
        apply(kind, &mut d, &ops)?;
        Ok(Value::Object(d))
    }

    #[test]
    fn path_forms() {
        let u =
            json!({"userName": "a", "emails": [{"value": "w@x", "type": "work", "primary": true}]});
        let r = run(user(), u.clone(), json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w2@x"},
            {"op": "ADD", "path": "emails[type eq \"home\"].value", "value": "h@x"},
            {"op": "add", "path": "name.givenName", "value": "G"},
            {"op": "replace", "value": {"displayName": "D", "name.familyName": "F", "active": "False"}},
        ])).unwrap();
        assert_eq!(
            r,
            json!({"userName": "a",
            "emails": [{"value": "w2@x", "type": "work", "primary": true}, {"type": "home", "value": "h@x"}],
            "name": {"givenName": "G", "familyName": "F"}, "displayName": "D", "active": false})
        );
        let r = run(
            user(),
            r,
            json!([
                {"op": "remove", "path": "emails[type eq \"work\"]"},
                {"op": "remove", "path": "name.givenName"},
                {"op": "remove", "path": "displayName"},
                {"op": "add", "path": "emails", "value": [{"value": "n@x", "primary": true}]},
            ]),
        )
        .unwrap();
        assert_eq!(
            r,
            json!({"userName": "a", "emails": [{"type": "home", "value": "h@x"}, {"value": "n@x", "primary": true}],
            "name": {"familyName": "F"}, "active": false})
        );
        // A new primary value takes `primary` from the others.
        let r = run(
            user(),
            r,
            json!([{"op": "add", "path": "emails", "value": {"value": "p@x", "primary": true}}]),
        )
        .unwrap();
        assert_eq!(r["emails"][1]["primary"], json!(false));
        assert_eq!(r["emails"][2]["primary"], json!(true));
    }

    #[test]
    fn members() {
        let g = json!({"displayName": "g", "members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}]});
        let r = run(
            group(),
            g.clone(),
            json!([{"op": "remove", "path": "members[value eq \"u2\"]"}]),
        )
        .unwrap();
        assert_eq!(r["members"], json!([{"value": "u1"}, {"value": "u3"}]));
        let r = run(group(), g.clone(), json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u3"}]}])).unwrap();
        assert_eq!(r["members"], json!([{"value": "u2"}]));
        let r = run(
            group(),
            g.clone(),
            json!([{"op": "add", "path": "members", "value": [{"value": "u3"}, {"value": "u4"}]}]),
        )
        .unwrap();
        assert_eq!(r["members"].as_array().unwrap().len(), 4);
        let r = run(group(), g, json!([{"op": "remove", "path": "members"}])).unwrap();
        assert_eq!(r, json!({"displayName": "g"}));
    }

    #[test]
    fn refusals() {
        let u = json!({"userName": "a"});
        for (ops, scim_type) in [
            (json!([]), "invalidSyntax"),
            (
                json!([{"op": "move", "path": "userName", "value": "b"}]),
                "invalidSyntax",
            ),
            (json!([{"op": "remove"}]), "noTarget"),
            (json!([{"op": "add", "value": "x"}]), "invalidSyntax"),
            (
                json!([{"op": "add", "path": "nosuch", "value": "x"}]),
                "invalidPath",
            ),
            (
                json!([{"op": "replace", "path": "id", "value": "x"}]),
                "mutability",
            ),
            (
                json!([{"op": "replace", "path": "meta.created", "value": "x"}]),
                "mutability",
            ),
            (
                json!([{"op": "remove", "path": "userName"}]),
                "invalidValue",
            ),
            (
                json!([{"op": "replace", "path": "active", "value": "perhaps"}]),
                "invalidValue",
            ),
            (
                json!([{"op": "replace", "path": "emails[type co \"w\"].value", "value": "x"}]),
                "noTarget",
            ),
        ] {
            let e = run(user(), u.clone(), ops.clone()).unwrap_err();
            assert_eq!(e.scim_type, Some(scim_type), "{ops}: {}", e.detail);
        }
        let many: Vec<Value> = (0..=MAX_OPERATIONS)
            .map(|_| json!({"op": "add", "path": "title", "value": "t"}))
            .collect();
        assert!(run(user(), u, Value::Array(many)).is_err());
    }
}
