//! Policies as code: one Cedar `permit` (effect `allow`) or `forbid` (effect `deny`) policy per
//! row, evaluated by the `cedar-policy` crate without a schema.
//!
//! Each requested scope is one Cedar request:
//! - `principal`: `Agent::"<agent id>"` (the agent that would hold the grant; at delegation the
//!   sub-agent), a member of `Developer::"<developer id>"`; attribute `id`.
//! - `action`: `Action::"authorize"` or `Action::"delegate"`.
//! - `resource`: `Scope::"<scope>"`; attributes `name` (the scope) and `resource`/`level`
//!   (the parts before and after its first `:`, `level` empty when there is none).
//! - `context`: `principal` (`User::"<principal id>"`, a member of the developer), `principalId`,
//!   `developerId`, `time` (`"HH:MM"` UTC), `hour`, `minute`, `weekday` (0 = Sunday), the
//!   `delegationDepth` of the grant to be, and `scopes` (every requested scope).
//!
//! A `permit` matches when it permits every requested scope; a `forbid` when it forbids any.
//! A policy that errors while evaluating (e.g. reads a missing attribute) does not match when
//! it is a `permit` and matches when it is a `forbid`: errors never approve, and never let a
//! request through a deny.

use super::{utc_hh_mm, Request, Verdict};
use cedar_policy::{
    Authorizer, Context, Effect, Entities, EntityUid, Policy as CedarPolicy, PolicyId, PolicySet,
    Request as CedarRequest,
};
use grantex::types::Policy;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The effect a Cedar text declares, once it is checked to be exactly one static policy.
pub(crate) fn parse(text: &str) -> Result<&'static str, String> {
    let p = CedarPolicy::parse(Some(PolicyId::new("policy")), text).map_err(|e| {
        let detail = format!("{e}");
        format!("cedar is not a single valid Cedar policy: {detail}")
    })?;
    Ok(match p.effect() {
        Effect::Permit => "allow",
        Effect::Forbid => "deny",
    })
}

/// Parsed policy sets by their text: a policy is parsed once, not once per request. Cleared
/// when it grows past a bound.
fn cache() -> &'static Mutex<HashMap<String, Arc<PolicySet>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<PolicySet>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

const CACHE_MAX: usize = 4096;

fn policy_set(text: &str) -> Result<Arc<PolicySet>, String> {
    if let Some(s) = cache().lock().unwrap_or_else(|e| e.into_inner()).get(text) {
        return Ok(s.clone());
    }
    let parsed =
        CedarPolicy::parse(Some(PolicyId::new("policy")), text).map_err(|e| e.to_string())?;
    let mut set = PolicySet::new();
    set.add(parsed).map_err(|e| e.to_string())?;
    let set = Arc::new(set);
    let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
    if c.len() >= CACHE_MAX {
        c.clear();
    }
    c.insert(text.to_string(), set.clone());
    Ok(set)
}

/// The entities and context of one request, built once for all its Cedar policies.
pub(crate) struct Input {
    built: Result<Built, String>,
}

struct Built {
    entities: Entities,
    principal: EntityUid,
    action: EntityUid,
    context: Context,
    resources: Vec<(String, EntityUid)>,
}

fn uid(kind: &str, id: &str) -> Value {
    json!({ "type": kind, "id": id })
}

impl Input {
    pub(crate) fn new(req: &Request<'_>) -> Self {
        Input {
            built: Self::build(req),
        }
    }

    fn build(req: &Request<'_>) -> Result<Built, String> {
        let dev = uid("Developer", req.developer_id);
        let mut entities = vec![
            json!({ "uid": dev, "attrs": {}, "parents": [] }),
            json!({ "uid": uid("Agent", req.agent_id), "attrs": { "id": req.agent_id }, "parents": [dev] }),
            json!({ "uid": uid("User", req.principal_id), "attrs": { "id": req.principal_id }, "parents": [dev] }),
        ];
        let mut seen = std::collections::HashSet::new();
        let mut resources = Vec::new();
        for s in req.scopes {
            if !seen.insert(s.as_str()) {
                continue;
            }
            let (resource, level) = s.split_once(':').unwrap_or((s.as_str(), ""));
            entities.push(json!({
                "uid": uid("Scope", s),
                "attrs": { "name": s, "resource": resource, "level": level },
                "parents": []
            }));
            let r = EntityUid::from_json(uid("Scope", s)).map_err(|e| e.to_string())?;
            resources.push((s.clone(), r));
        }
        let (hour, minute) = utc_hh_mm(req.at_ms);
        // 1970-01-01 was a Thursday (4).
        let weekday = (req.at_ms.div_euclid(86_400_000) + 4).rem_euclid(7);
        let context = Context::from_json_value(
            json!({
                "principal": { "__entity": uid("User", req.principal_id) },
                "principalId": req.principal_id,
                "developerId": req.developer_id,
                "time": format!("{hour:02}:{minute:02}"),
                "hour": hour,
                "minute": minute,
                "weekday": weekday,
                "delegationDepth": req.delegation_depth,
                "scopes": req.scopes,
            }),
            None,
        )
        .map_err(|e| e.to_string())?;
        Ok(Built {
            entities: Entities::from_json_value(Value::Array(entities), None)
                .map_err(|e| e.to_string())?,
            principal: EntityUid::from_json(uid("Agent", req.agent_id))
                .map_err(|e| e.to_string())?,
            action: EntityUid::from_json(uid("Action", req.action.as_str()))
                .map_err(|e| e.to_string())?,
            context,
            resources,
        })
    }
}

pub(crate) fn evaluate(p: &Policy, text: &str, input: &Input) -> Verdict {
    let forbid = p.effect == "deny";
    let error = |why: String| Verdict {
        matched: forbid,
        why: format!("evaluation error ({why}); a forbid fails closed, a permit does not match"),
    };
    let built = match &input.built {
        Ok(b) => b,
        Err(e) => return error(e.clone()),
    };
    let set = match policy_set(text) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let authorizer = Authorizer::new();
    let mut hits = Vec::new();
    for (scope, resource) in &built.resources {
        let request = match CedarRequest::new(
            built.principal.clone(),
            built.action.clone(),
            resource.clone(),
            built.context.clone(),
            None,
        ) {
            Ok(r) => r,
            Err(e) => return error(e.to_string()),
        };
        let resp = authorizer.is_authorized(&request, &set, &built.entities);
        if let Some(e) = resp.diagnostics().errors().next() {
            return error(e.to_string());
        }
        let satisfied = resp.diagnostics().reason().next().is_some();
        match (forbid, satisfied) {
            (true, true) => hits.push(scope.as_str()),
            (false, false) => {
                return Verdict {
                    matched: false,
                    why: format!("the permit does not cover scope {scope:?}"),
                }
            }
            _ => {}
        }
    }
    if forbid {
        if hits.is_empty() {
            Verdict {
                matched: false,
                why: "the forbid applies to no requested scope".into(),
            }
        } else {
            Verdict {
                matched: true,
                why: format!("the forbid applies to scope(s) {}", hits.join(", ")),
            }
        }
    } else {
        Verdict {
            matched: !built.resources.is_empty(),
            why: "the permit covers every requested scope".into(),
        }
    }
}
