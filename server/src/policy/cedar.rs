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
    Policy as CedarPolicy, PolicyId, PolicySet, PrincipalConstraint, Request as CedarRequest,
    RestrictedExpression,
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

/// One permit set and one forbid set: a request costs two Cedar calls per scope whatever the
/// number of policies in them.
#[derive(Clone, Default)]
struct Pair {
    permits: PolicySet,
    forbids: PolicySet,
}

impl Pair {
    fn add(&mut self, policy: CedarPolicy, forbid: bool) -> bool {
        if forbid {
            self.forbids.add(policy).is_ok()
        } else {
            self.permits.add(policy).is_ok()
        }
    }

    fn is_empty(&self) -> bool {
        self.permits.is_empty() && self.forbids.is_empty()
    }

    fn policies(&self) -> impl Iterator<Item = &CedarPolicy> {
        self.forbids.policies().chain(self.permits.policies())
    }
}

/// A developer's Cedar policies compiled once (per policy generation), each under its own id.
///
/// Indexed by the agent a policy's scope names (`principal == Agent::"id"`): such a policy can
/// only apply to that agent's requests (Cedar would not even evaluate its conditions for
/// another principal), so a request is weighed against the policies naming its agent plus the
/// ones naming none, and builds no Cedar input at all when there are neither.
pub(crate) struct Sets {
    /// Policies whose scope names no single agent: weighed for every request.
    general: Pair,
    /// Per named agent: its own policies plus the general ones.
    by_agent: HashMap<String, Pair>,
    /// Ids of the policies that name an agent.
    named: Vec<String>,
    /// Stored texts that no longer parse (never accepted on write): `(id, is_forbid)`.
    broken: Vec<(String, bool)>,
}

/// The agent id a policy's principal scope is pinned to, if any.
fn named_agent(p: &CedarPolicy) -> Option<String> {
    match p.principal_constraint() {
        PrincipalConstraint::Eq(uid) if uid.type_name().to_string() == "Agent" => {
            Some(uid.id().unescaped().to_string())
        }
        _ => None,
    }
}

impl Sets {
    /// `None` when none of `policies` is written in Cedar.
    pub(crate) fn new(policies: &[Policy]) -> Option<Sets> {
        let mut sets = Sets {
            general: Pair::default(),
            by_agent: HashMap::new(),
            named: Vec::new(),
            broken: Vec::new(),
        };
        let mut any = false;
        let mut pinned: Vec<(String, CedarPolicy, bool)> = Vec::new();
        for p in policies {
            let Some(text) = &p.cedar else { continue };
            any = true;
            let forbid = p.effect == "deny";
            let parsed = CedarPolicy::parse(Some(PolicyId::new(&p.id)), text)
                .ok()
                .filter(|c| (c.effect() == Effect::Forbid) == forbid);
            let added = parsed.map(|c| match named_agent(&c) {
                Some(agent) => {
                    pinned.push((agent, c, forbid));
                    true
                }
                None => sets.general.add(c, forbid),
            });
            if added != Some(true) {
                sets.broken.push((p.id.clone(), forbid));
            }
        }
        for (agent, c, forbid) in pinned {
            let id = c.id().to_string();
            let pair = sets
                .by_agent
                .entry(agent)
                .or_insert_with(|| sets.general.clone());
            if pair.add(c, forbid) {
                sets.named.push(id);
            } else {
                sets.broken.push((id, forbid));
            }
        }
        any.then_some(sets)
    }

    /// Whether any policy could apply to a request by `agent_id` (if not, the caller need not
    /// build an [`Input`]).
    pub(crate) fn applies_to(&self, agent_id: &str) -> bool {
        !self.broken.is_empty() || !self.general.is_empty() || self.by_agent.contains_key(agent_id)
    }

    /// The verdicts when [`Sets::applies_to`] says no policy applies: every one out of scope.
    pub(crate) fn out_of_scope(&self) -> HashMap<String, Verdict> {
        self.out_of_scope_of(&self.general)
    }

    /// Policies pinned to another agent than the ones in `pair`: neither matched nor erroneous.
    fn out_of_scope_of(&self, pair: &Pair) -> HashMap<String, Verdict> {
        let mut out = HashMap::new();
        for id in &self.named {
            let pid = PolicyId::new(id);
            if pair.forbids.policy(&pid).is_none() && pair.permits.policy(&pid).is_none() {
                out.insert(
                    id.clone(),
                    Verdict {
                        matched: false,
                        why: String::new(),
                    },
                );
            }
        }
        out
    }

    /// The verdict of every Cedar policy for the request, by policy id.
    pub(crate) fn evaluate(&self, agent_id: &str, input: &Input) -> HashMap<String, Verdict> {
        let pair = self.by_agent.get(agent_id).unwrap_or(&self.general);
        let mut out = self.out_of_scope_of(pair);
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
                for p in pair.forbids.policies() {
                    out.insert(
                        p.id().to_string(),
                        Verdict {
                            matched: true,
                            ..error(e)
                        },
                    );
                }
                for p in pair.permits.policies() {
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
                    for p in pair.policies() {
                        errors
                            .entry(p.id().to_string())
                            .or_insert_with(|| e.clone());
                    }
                    continue;
                }
            };
            if !pair.forbids.is_empty() {
                let resp = authorizer.is_authorized(&request, &pair.forbids, &built.entities);
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
            if !pair.permits.is_empty() {
                let resp = authorizer.is_authorized(&request, &pair.permits, &built.entities);
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
                for p in pair.permits.policies() {
                    let id = p.id().to_string();
                    if !satisfied.contains(&id) {
                        permit_miss.entry(id).or_insert(scope);
                    }
                }
            }
        }
        for p in pair.forbids.policies() {
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
        for p in pair.permits.policies() {
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
