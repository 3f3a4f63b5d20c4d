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
    Authorizer, Context, Effect, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    Policy as CedarPolicy, PolicyId, PolicySet, Request as CedarRequest, RestrictedExpression,
};
use grantex::types::Policy;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;

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

fn euid(kind: &str, id: &str) -> Result<EntityUid, String> {
    let t = EntityTypeName::from_str(kind).map_err(|e| e.to_string())?;
    Ok(EntityUid::from_type_name_and_id(t, EntityId::new(id)))
}

impl Input {
    pub(crate) fn new(req: &Request<'_>) -> Self {
        Input {
            built: Self::build(req),
        }
    }

    fn build(req: &Request<'_>) -> Result<Built, String> {
        // Built directly (not from JSON): this runs for every request a Cedar policy weighs.
        let e = |x: &dyn std::fmt::Display| x.to_string();
        let dev = euid("Developer", req.developer_id)?;
        let agent = euid("Agent", req.agent_id)?;
        let user = euid("User", req.principal_id)?;
        let str_attr = |k: &str, v: &str| {
            (
                k.to_string(),
                RestrictedExpression::new_string(v.to_string()),
            )
        };
        let parents: HashSet<EntityUid> = [dev.clone()].into();
        let mut entities = vec![
            Entity::new_no_attrs(dev.clone(), HashSet::new()),
            Entity::new(
                agent.clone(),
                [str_attr("id", req.agent_id)].into(),
                parents.clone(),
            )
            .map_err(|x| e(&x))?,
            Entity::new(
                user.clone(),
                [str_attr("id", req.principal_id)].into(),
                parents,
            )
            .map_err(|x| e(&x))?,
        ];
        let mut resources = Vec::new();
        for s in req.scopes {
            if resources
                .iter()
                .any(|(seen, _): &(String, EntityUid)| seen == s)
            {
                continue;
            }
            let (resource, level) = s.split_once(':').unwrap_or((s.as_str(), ""));
            let r = euid("Scope", s)?;
            entities.push(
                Entity::new(
                    r.clone(),
                    [
                        str_attr("name", s),
                        str_attr("resource", resource),
                        str_attr("level", level),
                    ]
                    .into(),
                    HashSet::new(),
                )
                .map_err(|x| e(&x))?,
            );
            resources.push((s.clone(), r));
        }
        let (hour, minute) = utc_hh_mm(req.at_ms);
        // 1970-01-01 was a Thursday (4).
        let weekday = (req.at_ms.div_euclid(86_400_000) + 4).rem_euclid(7);
        let long = |n: i64| RestrictedExpression::new_long(n);
        let context = Context::from_pairs([
            (
                "principal".to_string(),
                RestrictedExpression::new_entity_uid(user),
            ),
            str_attr("principalId", req.principal_id),
            str_attr("developerId", req.developer_id),
            str_attr("time", &format!("{hour:02}:{minute:02}")),
            ("hour".to_string(), long(i64::from(hour))),
            ("minute".to_string(), long(i64::from(minute))),
            ("weekday".to_string(), long(weekday)),
            (
                "delegationDepth".to_string(),
                long(i64::from(req.delegation_depth)),
            ),
            (
                "scopes".to_string(),
                RestrictedExpression::new_set(
                    req.scopes
                        .iter()
                        .map(|s| RestrictedExpression::new_string(s.clone())),
                ),
            ),
        ])
        .map_err(|x| e(&x))?;
        Ok(Built {
            entities: Entities::from_entities(entities, None).map_err(|x| e(&x))?,
            principal: agent,
            action: euid("Action", req.action.as_str())?,
            context,
            resources,
        })
    }
}

/// A developer's Cedar policies compiled once (per policy generation): the permits in one set
/// and the forbids in another, each policy under its own id, so a request costs two Cedar calls
/// per scope whatever the number of policies.
pub(crate) struct Sets {
    permits: PolicySet,
    forbids: PolicySet,
    /// Stored texts that no longer parse (never accepted on write): `(id, is_forbid)`.
    broken: Vec<(String, bool)>,
}

impl Sets {
    /// `None` when none of `policies` is written in Cedar.
    pub(crate) fn new(policies: &[Policy]) -> Option<Sets> {
        let mut sets = Sets {
            permits: PolicySet::new(),
            forbids: PolicySet::new(),
            broken: Vec::new(),
        };
        let mut any = false;
        for p in policies {
            let Some(text) = &p.cedar else { continue };
            any = true;
            let forbid = p.effect == "deny";
            let added = CedarPolicy::parse(Some(PolicyId::new(&p.id)), text)
                .ok()
                .filter(|c| (c.effect() == Effect::Forbid) == forbid)
                .map(|c| {
                    if forbid {
                        sets.forbids.add(c).is_ok()
                    } else {
                        sets.permits.add(c).is_ok()
                    }
                });
            if added != Some(true) {
                sets.broken.push((p.id.clone(), forbid));
            }
        }
        any.then_some(sets)
    }

    /// The verdict of every Cedar policy for the request, by policy id.
    pub(crate) fn evaluate(&self, input: &Input) -> HashMap<String, Verdict> {
        let mut out: HashMap<String, Verdict> = HashMap::new();
        let error = |why: &str| Verdict {
            matched: false,
            why: format!(
                "evaluation error ({why}); a forbid fails closed, a permit does not match"
            ),
        };
        for (id, forbid) in &self.broken {
            out.insert(
                id.clone(),
                Verdict {
                    matched: *forbid,
                    ..error("the stored policy does not parse")
                },
            );
        }
        let built = match &input.built {
            Ok(b) => b,
            Err(e) => {
                for p in self.forbids.policies() {
                    out.insert(
                        p.id().to_string(),
                        Verdict {
                            matched: true,
                            ..error(e)
                        },
                    );
                }
                for p in self.permits.policies() {
                    out.insert(p.id().to_string(), error(e));
                }
                return out;
            }
        };
        let authorizer = Authorizer::new();
        let mut forbid_hits: HashMap<String, Vec<&str>> = HashMap::new();
        let mut permit_miss: HashMap<String, &str> = HashMap::new();
        let mut errors: HashMap<String, String> = HashMap::new();
        for (scope, resource) in &built.resources {
            let request = match CedarRequest::new(
                built.principal.clone(),
                built.action.clone(),
                resource.clone(),
                built.context.clone(),
                None,
            ) {
                Ok(r) => r,
                Err(e) => {
                    let e = e.to_string();
                    for p in self.forbids.policies().chain(self.permits.policies()) {
                        errors
                            .entry(p.id().to_string())
                            .or_insert_with(|| e.clone());
                    }
                    continue;
                }
            };
            if !self.forbids.is_empty() {
                let resp = authorizer.is_authorized(&request, &self.forbids, &built.entities);
                for id in resp.diagnostics().reason() {
                    forbid_hits.entry(id.to_string()).or_default().push(scope);
                }
                for e in resp.diagnostics().errors() {
                    let cedar_policy::AuthorizationError::PolicyEvaluationError(pe) = e;
                    errors
                        .entry(pe.policy_id().to_string())
                        .or_insert_with(|| e.to_string());
                }
            }
            if !self.permits.is_empty() {
                let resp = authorizer.is_authorized(&request, &self.permits, &built.entities);
                let satisfied: std::collections::HashSet<String> = resp
                    .diagnostics()
                    .reason()
                    .map(|id| id.to_string())
                    .collect();
                for e in resp.diagnostics().errors() {
                    let cedar_policy::AuthorizationError::PolicyEvaluationError(pe) = e;
                    errors
                        .entry(pe.policy_id().to_string())
                        .or_insert_with(|| e.to_string());
                }
                for p in self.permits.policies() {
                    let id = p.id().to_string();
                    if !satisfied.contains(&id) {
                        permit_miss.entry(id).or_insert(scope);
                    }
                }
            }
        }
        for p in self.forbids.policies() {
            let id = p.id().to_string();
            let v = if let Some(e) = errors.get(&id) {
                Verdict {
                    matched: true,
                    ..error(e)
                }
            } else if let Some(hits) = forbid_hits.get(&id) {
                Verdict {
                    matched: true,
                    why: format!("the forbid applies to scope(s) {}", hits.join(", ")),
                }
            } else {
                Verdict {
                    matched: false,
                    why: String::new(),
                }
            };
            out.insert(id, v);
        }
        for p in self.permits.policies() {
            let id = p.id().to_string();
            let v = if let Some(e) = errors.get(&id) {
                error(e)
            } else if permit_miss.contains_key(&id) || built.resources.is_empty() {
                Verdict {
                    matched: false,
                    why: String::new(),
                }
            } else {
                Verdict {
                    matched: true,
                    why: "the permit covers every requested scope".into(),
                }
            };
            out.insert(id, v);
        }
        out
    }
}
