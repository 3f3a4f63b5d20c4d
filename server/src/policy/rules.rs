//! What a policy may say: the body rules of `POST`/`PATCH /v1/policies`. Every refusal is a 422
//! `VALIDATION_ERROR` naming the field. Unknown members are refused too: a misspelt condition
//! (`agentID`) silently ignored would widen the policy to every agent.

use super::native;
use crate::error::{ApiError, ApiResult};
use crate::validate;
use grantex::types::Policy;
use serde_json::{Map, Value};

const FIELDS: [&str; 9] = [
    "name",
    "effect",
    "priority",
    "agentId",
    "principalId",
    "scopes",
    "timeOfDayStart",
    "timeOfDayEnd",
    "cedar",
];

/// Priorities are kept within what every SDK's number type holds exactly.
const MAX_PRIORITY: i64 = 1_000_000_000;
/// The longest Cedar text accepted.
const MAX_CEDAR: usize = 16 * 1024;
/// Most policies a developer may hold (each is weighed at every authorization).
pub const MAX_POLICIES: u64 = 1_000;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::unprocessable(message)
}

/// The validation helpers answer 400; here the same words are a 422.
fn as_422(e: ApiError) -> ApiError {
    invalid(e.message)
}

fn string(body: &Map<String, Value>, key: &str) -> ApiResult<Option<Option<String>>> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(invalid(format!("{key} must be a string or null"))),
    }
}

fn scopes(body: &Map<String, Value>) -> ApiResult<Option<Option<Vec<String>>>> {
    match body.get("scopes") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| invalid("scopes must be an array of strings"))
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(|v| Some(Some(v))),
        Some(_) => Err(invalid("scopes must be an array of strings or null")),
    }
}

fn check_members(body: &Map<String, Value>) -> ApiResult<()> {
    match body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        Some(k) => Err(invalid(format!(
            "unknown member {k:?} (a policy has: {})",
            FIELDS.join(", ")
        ))),
        None => Ok(()),
    }
}

/// Applies the members of `body` to `p` (absent: unchanged; `null`: cleared, for the optional
/// conditions). `name` and `effect` cannot be cleared.
pub fn apply(p: &mut Policy, body: &Map<String, Value>) -> ApiResult<()> {
    check_members(body)?;
    match string(body, "name")? {
        Some(Some(n)) => p.name = n,
        Some(None) => return Err(invalid("name must be a non-empty string")),
        None => {}
    }
    match string(body, "effect")? {
        Some(Some(e)) => p.effect = e,
        Some(None) => return Err(invalid("effect must be \"allow\" or \"deny\"")),
        None => {}
    }
    match body.get("priority") {
        None => {}
        Some(v) => {
            p.priority = v
                .as_i64()
                .filter(|n| (-MAX_PRIORITY..=MAX_PRIORITY).contains(n))
                .ok_or_else(|| {
                    invalid(format!(
                        "priority must be an integer between -{MAX_PRIORITY} and {MAX_PRIORITY}"
                    ))
                })?
        }
    }
    if let Some(v) = string(body, "agentId")? {
        p.agent_id = v;
    }
    if let Some(v) = string(body, "principalId")? {
        p.principal_id = v;
    }
    if let Some(v) = scopes(body)? {
        p.scopes = v;
    }
    if let Some(v) = string(body, "timeOfDayStart")? {
        p.time_of_day_start = v;
    }
    if let Some(v) = string(body, "timeOfDayEnd")? {
        p.time_of_day_end = v;
    }
    if let Some(v) = string(body, "cedar")? {
        p.cedar = v;
    }
    Ok(())
}

/// The rules a whole policy (new, or updated) must satisfy.
pub fn check(p: &Policy) -> ApiResult<()> {
    validate::text("name", &p.name, 256).map_err(as_422)?;
    if p.effect != "allow" && p.effect != "deny" {
        return Err(invalid(format!(
            "effect must be \"allow\" or \"deny\" (got {:?})",
            p.effect
        )));
    }
    if let Some(a) = &p.agent_id {
        validate::text("agentId", a, 256).map_err(as_422)?;
    }
    if let Some(pr) = &p.principal_id {
        validate::text("principalId", pr, 256).map_err(as_422)?;
    }
    if let Some(s) = &p.scopes {
        validate::scopes("scopes", s, true).map_err(|e| {
            invalid(format!(
                "{} (omit scopes, or set it to null, to match any scopes)",
                e.message
            ))
        })?;
    }
    match (&p.time_of_day_start, &p.time_of_day_end) {
        (None, None) => {}
        (Some(s), Some(e)) => match (native::minutes(s), native::minutes(e)) {
            (Some(a), Some(b)) if a == b => {
                return Err(invalid(
                    "timeOfDayStart and timeOfDayEnd must differ (the window is [start, end))",
                ))
            }
            (Some(_), Some(_)) => {}
            _ => {
                return Err(invalid(
                    "timeOfDayStart and timeOfDayEnd must be HH:MM (24-hour, UTC)",
                ))
            }
        },
        _ => {
            return Err(invalid(
                "timeOfDayStart and timeOfDayEnd must be given together",
            ))
        }
    }
    if let Some(text) = &p.cedar {
        if text.len() > MAX_CEDAR {
            return Err(invalid(format!("cedar must be at most {MAX_CEDAR} bytes")));
        }
        let has_conditions = p.agent_id.is_some()
            || p.principal_id.is_some()
            || p.scopes.is_some()
            || p.time_of_day_start.is_some();
        if has_conditions {
            return Err(invalid(
                "a Cedar policy states its conditions in Cedar: agentId, principalId, scopes and the time window must be absent (or null)",
            ));
        }
        let effect = super::cedar::parse(text).map_err(invalid)?;
        if effect != p.effect {
            return Err(invalid(format!(
                "effect {:?} disagrees with the Cedar policy, which is a {} (effect {effect:?})",
                p.effect,
                if effect == "allow" {
                    "permit"
                } else {
                    "forbid"
                }
            )));
        }
    }
    Ok(())
}
