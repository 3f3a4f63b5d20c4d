//! Input checks of the generic call: the same rules for every language, from the shapes.
//!
//! A member the operation does not know, a missing required member or a value of the wrong
//! JSON type is an [`Error::InvalidArgument`] naming the operation and the member, before any
//! request is made. serde then has the last word (enum values, integer ranges).

use super::exec::IDEMPOTENCY_MEMBER;
use super::{Input, Kind, Operation, Retry, Ty, TypeShape, Wire};
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// The input object of a generic call: `null` counts as `{}`.
pub(crate) fn object(op: &Operation, input: Value) -> Result<Map<String, Value>> {
    match input {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(Error::invalid(format!(
            "{}: the input must be a JSON object, got {}",
            op.name,
            json_kind(&other)
        ))),
    }
}

/// Take the path parameters out of the input object, in declaration order.
pub(crate) fn take_path_params(
    op: &Operation,
    map: &mut Map<String, Value>,
) -> Result<Vec<String>> {
    op.path_params
        .iter()
        .map(|p| match map.remove(p.wire) {
            Some(Value::String(s)) => Ok(s),
            None | Some(Value::Null) => Err(Error::invalid(format!(
                "{}: `{}` ({}) is required",
                op.name, p.wire, p.label
            ))),
            Some(other) => Err(Error::invalid(format!(
                "{}: `{}` ({}) must be a string, got {}",
                op.name,
                p.wire,
                p.label,
                json_kind(&other)
            ))),
        })
        .collect()
}

/// Operations without a body or query: nothing may be left in the input.
pub(crate) fn validate_none(op: &Operation, input: Value) -> Result<Value> {
    let map = object(op, input)?;
    if let Some(name) = map.keys().next() {
        return Err(Error::invalid(format!(
            "{}: unknown member `{name}` (this operation takes {})",
            op.name,
            takes(op)
        )));
    }
    Ok(Value::Null)
}

/// [`Input::Strings`] operations: exactly those members, each a non-empty string.
pub(crate) fn validate_strings(op: &Operation, input: Value) -> Result<Value> {
    let Input::Strings(params) = op.input else {
        return validate_none(op, input);
    };
    let map = object(op, input)?;
    for name in map.keys() {
        if !params.iter().any(|p| p.wire == name) {
            return Err(Error::invalid(format!(
                "{}: unknown member `{name}` (this operation takes {})",
                op.name,
                takes(op)
            )));
        }
    }
    for p in params {
        match map.get(p.wire) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(Value::String(_)) => {
                return Err(Error::invalid(format!("{} must not be empty", p.label)))
            }
            None | Some(Value::Null) => {
                return Err(Error::invalid(format!(
                    "{}: `{}` ({}) is required",
                    op.name, p.wire, p.label
                )))
            }
            Some(other) => {
                return Err(Error::invalid(format!(
                    "{}: `{}` must be a string, got {}",
                    op.name,
                    p.wire,
                    json_kind(other)
                )))
            }
        }
    }
    Ok(Value::Object(map))
}

/// Body/query operations: check the object against `P`'s shape, then let serde build `P` and
/// send what `P` serialises to (so a generic call sends exactly what the typed method sends).
pub(crate) fn validate_params<P>(op: &Operation, input: Value) -> Result<Value>
where
    P: Wire + DeserializeOwned + Serialize,
{
    let mut map = object(op, input)?;
    // The idempotency key is an input of the operation, not of the body type.
    let key = if op.retry == Retry::WithIdempotencyKey {
        map.remove(IDEMPOTENCY_MEMBER)
    } else {
        None
    };
    check_struct(op, &P::SHAPE, &map, "")?;
    let params: P = serde_json::from_value(Value::Object(map))
        .map_err(|e| Error::invalid(format!("{}: {e}", op.name)))?;
    let mut out = super::exec::to_input(op, &params)?;
    if let (Some(key), Some(obj)) = (key, out.as_object_mut()) {
        obj.insert(IDEMPOTENCY_MEMBER.to_string(), key);
    }
    Ok(out)
}

fn takes(op: &Operation) -> String {
    let mut names: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("`{}`", p.wire))
        .collect();
    match op.input {
        Input::Strings(ps) => names.extend(ps.iter().map(|p| format!("`{}`", p.wire))),
        Input::Body(s) | Input::Query(s) => {
            names.extend(s().fields().iter().map(|f| format!("`{}`", f.wire)))
        }
        Input::None => {}
    }
    if names.is_empty() {
        "no members".into()
    } else {
        names.join(", ")
    }
}

fn check_struct(
    op: &Operation,
    shape: &TypeShape,
    map: &Map<String, Value>,
    prefix: &str,
) -> Result<()> {
    let fields = shape.fields();
    for name in map.keys() {
        let known = fields
            .iter()
            .any(|f| f.wire == name || f.aliases.contains(&name.as_str()));
        if !known {
            let expected: Vec<String> = fields.iter().map(|f| format!("`{}`", f.wire)).collect();
            return Err(Error::invalid(format!(
                "{}: unknown member `{prefix}{name}` (expected {})",
                op.name,
                if expected.is_empty() {
                    "none".to_string()
                } else {
                    expected.join(", ")
                }
            )));
        }
    }
    for f in fields {
        let value = std::iter::once(f.wire)
            .chain(f.aliases.iter().copied())
            .find_map(|n| map.get(n));
        match value {
            None if !f.has_default => {
                return Err(Error::invalid(format!(
                    "{}: `{prefix}{}` is required",
                    op.name, f.wire
                )))
            }
            None => {}
            Some(v) => check_value(op, &f.ty, v, &format!("{prefix}{}", f.wire), f.has_default)?,
        }
    }
    Ok(())
}

fn check_value(op: &Operation, ty: &Ty, value: &Value, path: &str, nullable: bool) -> Result<()> {
    let bad = || {
        Error::invalid(format!(
            "{}: `{path}` must be {}, got {}",
            op.name,
            ty.describe(),
            json_kind(value)
        ))
    };
    match (ty, value) {
        (Ty::Optional(_), Value::Null) => Ok(()),
        (_, Value::Null) if nullable => Ok(()),
        (Ty::Optional(inner), v) => check_value(op, inner, v, path, false),
        (Ty::Json, _) => Ok(()),
        (Ty::String, Value::String(_)) | (Ty::Bool, Value::Bool(_)) => Ok(()),
        (Ty::Int, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
        (Ty::Float, Value::Number(_)) => Ok(()),
        (Ty::Object, Value::Object(_)) => Ok(()),
        (Ty::List(inner), Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_value(op, inner, item, &format!("{path}[{i}]"), false)?;
            }
            Ok(())
        }
        (Ty::Map(inner), Value::Object(map)) => {
            for (k, v) in map {
                check_value(op, inner, v, &format!("{path}.{k}"), false)?;
            }
            Ok(())
        }
        (Ty::Named(shape), v) => match (shape().kind, v) {
            (Kind::StringEnum(values), Value::String(s)) if values.contains(&s.as_str()) => Ok(()),
            (Kind::Struct(_), Value::Object(map)) => {
                check_struct(op, shape(), map, &format!("{path}."))
            }
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// "a string", "an array", ... for messages (never a Rust type name).
pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a non-integer number",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
