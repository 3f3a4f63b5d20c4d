//! SCIM PATCH (RFC 7644 §3.5.2) on a stored resource document: `add`, `replace` and `remove`
//! (any case), with or without a path; paths `attr`, `attr.sub`, `attr[filter]` and
//! `attr[filter].sub`. Identity-provider habits accepted: Azure AD's `"True"`/`"False"`
//! strings for booleans, dotted attribute names as keys of a path-less value, `remove` on
//! `members` with a list of the members to remove; a `replace`/`add` through a value filter
//! made of `eq` terms that matches nothing creates that value (`emails[type eq "work"].value`).

use super::filter::{eq_members, matches, parse_path, Budget, Path};
use super::resource::{check, check_size, json_size, max_doc, value};
use super::schema::{Attr, Kind, Mutability, Type};
use super::{ScimError, ScimResult};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

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

/// Applies the operations in order to `doc`, then checks the result. The work is bounded:
/// value filters spend from one [`Budget`] for the whole request (400 `tooMany` past it), and
/// the document may not outgrow [`max_doc`] at any step (400 `invalidValue`), so a request
/// cannot make the server hold a document much larger than it stores.
pub fn apply(kind: &Kind, doc: &mut Map<String, Value>, ops: &[Operation]) -> ScimResult<()> {
    let mut budget = Budget::default();
    let cap = max_doc(kind);
    // An upper bound of the document's size, measured again when it passes the cap.
    let mut size = json_size(doc);
    let mut step = |doc: &mut Map<String, Value>,
                    op: OpKind,
                    p: &Path,
                    v: Option<&Value>,
                    budget: &mut Budget|
     -> ScimResult<()> {
        let grow = growth(kind, doc, p, v);
        apply_path(kind, doc, op, p, v, budget)?;
        budget.check()?;
        size = size.saturating_add(grow);
        if size > cap {
            size = json_size(doc);
            budget.charge(size)?;
            check_size(kind, size)?;
        }
        Ok(())
    };
    for o in ops {
        match &o.path {
            Some(p) => step(doc, o.op, p, o.value.as_ref(), &mut budget)?,
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
                            step(doc, o.op, &p, Some(iv), &mut budget)?;
                        }
                        continue;
                    }
                    if k.eq_ignore_ascii_case("schemas") {
                        continue;
                    }
                    let p = parse_path(k, kind)?;
                    step(doc, o.op, &p, Some(v), &mut budget)?;
                }
            }
        }
    }
    check(kind, doc)
}

/// At most how many bytes one operation can add to `doc`: its value (and the value a filter
/// of `eq` terms creates), once per value of the attribute when a filter or a sub-attribute
/// path writes it into each of them.
fn growth(kind: &Kind, doc: &Map<String, Value>, p: &Path, v: Option<&Value>) -> usize {
    let created = p
        .filter
        .as_ref()
        .and_then(eq_members)
        .map_or(0, |m| json_size(&m));
    let one = v.map_or(0, json_size) + created + 64;
    let multi = kind.attr(&p.attr).is_some_and(|a| a.multi);
    if multi && (p.filter.is_some() || p.sub.is_some()) {
        let n = doc
            .get(&p.attr)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        one.saturating_mul(n + 1)
    } else {
        one
    }
}

fn mutability_error(name: &str) -> ScimError {
    ScimError::bad("mutability", format!("{name} is read-only"))
}

fn immutable_error(attr: &str, sub: &str) -> ScimError {
    ScimError::bad(
        "mutability",
        format!("{attr}.{sub} is immutable: it cannot change once the value exists"),
    )
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
    budget: &mut Budget,
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
    // `members.value` (and the `type` and `$ref` the server derives from it) is immutable:
    // a member is added or removed, never rewritten.
    if let Some(s) = sub.filter(|s| s.mutability == Mutability::Immutable) {
        return Err(immutable_error(&attr.name, &s.name));
    }
    if attr.mutability == Mutability::WriteOnly {
        // `password`: accepted, never stored.
        if let Some(v) = v {
            value(attr, v)?;
        }
        return Ok(());
    }
    if attr.multi {
        multi(doc, attr, op, path, sub, v, budget)
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
    budget: &mut Budget,
) -> ScimResult<()> {
    let mut items = match doc.remove(&attr.name) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    let result = multi_items(&mut items, attr, op, path, sub, v, budget);
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

/// A string sub-attribute of a value, as compared: folded unless `caseExact`.
fn sub_key(attr: &Attr, item: &Value, name: &str) -> Option<String> {
    let v = item.as_object()?.get(name)?;
    let exact = attr.sub(name).is_none_or(|s| s.case_exact);
    Some(match v.as_str() {
        Some(s) if !exact => s.to_lowercase(),
        Some(s) => s.to_string(),
        None => v.to_string(),
    })
}

/// What makes two values of multi-valued `attr` the same value: a member's `value`; for other
/// attributes with a `value`, `value` and `type`; otherwise the whole value.
fn identity(attr: &Attr, item: &Value) -> String {
    match sub_key(attr, item, "value") {
        Some(v) if attr.name == "members" => v,
        Some(v) => {
            let t = sub_key(attr, item, "type").unwrap_or_default();
            format!("{v}\u{0}{t}")
        }
        None => item.to_string(),
    }
}

/// Keeps the items whose index is not in `gone` (one pass).
fn drop_indices(items: &mut Vec<Value>, gone: &[usize]) {
    let gone: HashSet<usize> = gone.iter().copied().collect();
    let mut n = 0;
    items.retain(|_| {
        let keep = !gone.contains(&n);
        n += 1;
        keep
    });
}

/// `remove` on a whole multi-valued attribute with a `value`: the values it names (a single
/// object is a list of one). Each named value needs a `value` (and matches on `type` too when
/// it gives one); an empty list or anything else is 400 `invalidValue`.
fn remove_listed(items: &mut Vec<Value>, attr: &Attr, v: &Value) -> ScimResult<()> {
    let bad = |detail: &str| ScimError::bad("invalidValue", format!("{}: {detail}", attr.name));
    let listed: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![v],
        _ => {
            return Err(bad(
                "remove takes the values to remove, as objects with a value",
            ))
        }
    };
    if listed.is_empty() {
        return Err(bad("remove with an empty list of values"));
    }
    // Canonical names and types, as stored.
    let mut by_value: HashMap<String, Vec<Option<String>>> = HashMap::new();
    for l in listed {
        if !l.is_object() || attr.kind != Type::Complex {
            return Err(bad(
                "remove takes the values to remove, as objects with a value",
            ));
        }
        let Some(Value::Array(mut one)) = value(attr, l)? else {
            return Err(bad("each value to remove needs a value"));
        };
        let n = one.remove(0);
        let key =
            sub_key(attr, &n, "value").ok_or_else(|| bad("each value to remove needs a value"))?;
        by_value
            .entry(key)
            .or_default()
            .push(sub_key(attr, &n, "type"));
    }
    items.retain(|i| {
        let Some(key) = sub_key(attr, i, "value") else {
            return true;
        };
        let Some(specs) = by_value.get(&key) else {
            return true;
        };
        let t = sub_key(attr, i, "type");
        !specs.iter().any(|s| s.is_none() || *s == t)
    });
    Ok(())
}

fn multi_items(
    items: &mut Vec<Value>,
    attr: &Attr,
    op: OpKind,
    path: &Path,
    sub: Option<&Attr>,
    v: Option<&Value>,
    budget: &mut Budget,
) -> ScimResult<()> {
    let selected: Vec<usize> = match &path.filter {
        None => (0..items.len()).collect(),
        Some(f) => items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.as_object().is_some_and(|o| matches(f, o, budget)))
            .map(|(n, _)| n)
            .collect(),
    };
    budget.check()?;
    match (op, &path.filter, sub) {
        (OpKind::Remove, None, None) => match v {
            // Azure AD removes members by naming them in `value`.
            Some(v) => remove_listed(items, attr, v)?,
            None => items.clear(),
        },
        (OpKind::Remove, Some(_), None) => drop_indices(items, &selected),
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
            // A value already there (same identity) is merged into, not added again.
            let mut at: HashMap<String, usize> = HashMap::with_capacity(items.len());
            for (n, i) in items.iter().enumerate() {
                at.entry(identity(attr, i)).or_insert(n);
            }
            let mut touched = Vec::new();
            for n in new {
                match at.get(&identity(attr, &n)) {
                    Some(&p) => {
                        match (items[p].as_object_mut(), n) {
                            (Some(o), Value::Object(new)) => o.extend(new),
                            (_, n) => items[p] = n,
                        }
                        touched.push(p);
                    }
                    None => {
                        at.insert(identity(attr, &n), items.len());
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
            let immutable: Vec<&str> = attr
                .sub
                .iter()
                .filter(|s| s.mutability == Mutability::Immutable)
                .map(|s| s.name.as_str())
                .collect();
            for &i in &selected {
                let mut n = n.clone();
                if let (Some(old), Value::Object(new)) = (items[i].as_object(), &mut n) {
                    // An immutable sub-attribute keeps its value (given again, it must match).
                    for name in &immutable {
                        match (old.get(*name), new.get(*name)) {
                            (Some(o), Some(w)) if o != w => {
                                return Err(immutable_error(&attr.name, name))
                            }
                            (Some(o), None) => {
                                new.insert((*name).to_string(), o.clone());
                            }
                            _ => {}
                        }
                    }
                }
                match (op, items[i].as_object_mut(), n) {
                    (OpKind::Add, Some(o), Value::Object(new)) => o.extend(new),
                    (_, _, n) => items[i] = n,
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
