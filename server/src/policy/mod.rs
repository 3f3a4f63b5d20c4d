//! The policy engine: which of a developer's policies decides an authorization or delegation
//! request, and why.
//!
//! Rules (the same for native and Cedar policies):
//! - A policy *matches* a request when all its conditions hold (`native.rs`, `cedar.rs`).
//! - A matching `deny` wins over any matching `allow`, whatever the priorities; among matching
//!   policies of the deciding effect, the first in evaluation order (highest `priority`, then
//!   oldest) is the one reported.
//! - At `/v1/authorize`, `allow` approves without asking the human and `deny` refuses. At
//!   delegation only `deny` changes anything (a delegation needs no consent).
//! - No match: the request goes on as if there were no policies.

mod cedar;
mod native;
pub mod rules;

use crate::error::{ApiError, ApiResult};
use crate::store;
use crate::store::audit::{actions, Subject};
use crate::time::iso;
use grantex::types::{Policy, PolicyDecision, PolicyMatch};
use serde_json::json;
use std::sync::Arc;

/// What is being asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Authorize,
    Delegate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Authorize => "authorize",
            Action::Delegate => "delegate",
        }
    }
}

/// A request, as policies see it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub developer_id: &'a str,
    /// The agent that would hold the grant (at delegation: the sub-agent).
    pub agent_id: &'a str,
    pub principal_id: &'a str,
    pub scopes: &'a [String],
    pub action: Action,
    /// Depth of the grant the request would create (0 at `/v1/authorize`).
    pub delegation_depth: u32,
    /// Evaluation instant, Unix milliseconds.
    pub at_ms: i64,
}

/// Whether one policy matched, and the words that say why (or why not).
pub(crate) struct Verdict {
    pub matched: bool,
    pub why: String,
}

fn kind(p: &Policy) -> &'static str {
    if p.cedar.is_some() {
        "cedar"
    } else {
        "native"
    }
}

/// A developer's policies ready to weigh requests: in evaluation order, the Cedar ones
/// compiled into two sets. Built once per policy generation (see [`decide_stored`]).
pub struct Compiled {
    policies: Vec<Policy>,
    cedar: Option<cedar::Sets>,
}

impl Compiled {
    pub fn new(policies: Vec<Policy>) -> Compiled {
        let cedar = cedar::Sets::new(&policies);
        Compiled { policies, cedar }
    }

    /// Decides `req` (see the module documentation).
    pub fn decide(&self, req: &Request<'_>) -> PolicyDecision {
        let mut cedar_verdicts = self
            .cedar
            .as_ref()
            .map(|sets| {
                if sets.applies_to(req.agent_id) {
                    sets.evaluate(req.agent_id, &cedar::Input::new(req))
                } else {
                    sets.out_of_scope()
                }
            })
            .unwrap_or_default();
        let mut matched: Vec<(&Policy, String)> = Vec::new();
        for p in &self.policies {
            let v = match &p.cedar {
                Some(_) => cedar_verdicts.remove(&p.id).unwrap_or(Verdict {
                    matched: p.effect == "deny",
                    why: "not evaluated; a forbid fails closed".into(),
                }),
                None => native::evaluate(p, req),
            };
            if v.matched {
                matched.push((p, v.why));
            }
        }
        conclude(&self.policies, &matched, req)
    }
}

/// Decides `req` against `policies`, given in evaluation order (as `store::policies::list`
/// returns them).
pub fn decide(policies: &[Policy], req: &Request<'_>) -> PolicyDecision {
    Compiled::new(policies.to_vec()).decide(req)
}

fn conclude(
    policies: &[Policy],
    matched: &[(&Policy, String)],
    req: &Request<'_>,
) -> PolicyDecision {
    let deciding = matched
        .iter()
        .find(|(p, _)| p.effect == "deny")
        .or_else(|| matched.iter().find(|(p, _)| p.effect == "allow"));
    let (decision, policy_id, policy_name, reason) = match deciding {
        Some((p, why)) => {
            let outranked = matched.iter().any(|(o, _)| o.effect == "allow") && p.effect == "deny";
            let mut reason = format!(
                "{} policy {:?} ({}, priority {}) matched: {why}",
                kind(p),
                p.name,
                p.id,
                p.priority
            );
            if outranked {
                reason.push_str("; a matching deny wins over any matching allow");
            }
            (
                p.effect.clone(),
                Some(p.id.clone()),
                Some(p.name.clone()),
                reason,
            )
        }
        None => (
            "none".to_string(),
            None,
            None,
            match req.action {
                Action::Authorize => format!(
                    "none of the {} policies matched: the principal decides on the consent page",
                    policies.len()
                ),
                Action::Delegate => format!(
                    "none of the {} policies matched: the delegation follows the usual rules",
                    policies.len()
                ),
            },
        ),
    };
    PolicyDecision {
        decision,
        policy_id,
        policy_name,
        reason,
        matched: matched
            .iter()
            .map(|(p, _)| PolicyMatch {
                policy_id: p.id.clone(),
                name: p.name.clone(),
                effect: p.effect.clone(),
                priority: p.priority,
                kind: kind(p).to_string(),
            })
            .collect(),
        evaluated: policies.len() as u64,
        evaluated_at: iso(req.at_ms),
    }
}

/// What the stored policies made of a request.
#[derive(Debug)]
pub enum Outcome {
    /// No policy decided: go on as usual.
    Undecided,
    /// An `allow` decided (at `/v1/authorize`: approve without asking).
    Allowed,
    /// A `deny` decided: refuse with [`refusal`] once the audit entry is committed.
    Denied(PolicyDecision),
}

/// Compiled policies by developer, each with the policy generation it was built from.
type CompiledCache = std::sync::Mutex<std::collections::HashMap<String, (i64, Arc<Compiled>)>>;

fn compiled_cache() -> &'static CompiledCache {
    static CACHE: std::sync::OnceLock<CompiledCache> = std::sync::OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Developers whose compiled policies are kept at once.
const COMPILED_MAX: usize = 10_000;

/// Weighs `req` against the developer's stored policies, on a read connection (before the
/// caller's write transaction: evaluation never holds the write lock). `None`: no policies.
/// The policies are read and compiled again only when their generation (bumped by every
/// policy write, on any instance) changed.
pub fn decide_stored(c: &store::Conn, req: &Request<'_>) -> ApiResult<Option<PolicyDecision>> {
    let generation = store::policies::generation(c, req.developer_id)?;
    if generation == 0 {
        return Ok(None);
    }
    let cached = compiled_cache()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(req.developer_id)
        .filter(|(g, _)| *g == generation)
        .map(|(_, c)| c.clone());
    let compiled = match cached {
        Some(c) => c,
        None => {
            // Read after the generation: these policies are at least that new, so caching them
            // under it can only cause one extra rebuild, never a stale decision.
            let c = Arc::new(Compiled::new(store::policies::list(c, req.developer_id)?));
            let mut cache = compiled_cache().lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= COMPILED_MAX {
                cache.clear();
            }
            cache.insert(req.developer_id.to_string(), (generation, c.clone()));
            c
        }
    };
    if compiled.policies.is_empty() {
        return Ok(None);
    }
    Ok(Some(compiled.decide(req)))
}

/// Applies a decision of [`decide_stored`] inside the caller's write transaction: records a
/// refusal (and, at `/v1/authorize`, an approval) in the audit chain. A refusal is returned as a
/// value, not an error, so the caller's transaction commits its audit entry.
pub fn apply(
    tx: &store::Conn,
    req: &Request<'_>,
    decision: Option<PolicyDecision>,
    agent_did: &str,
) -> ApiResult<Outcome> {
    let Some(d) = decision else {
        return Ok(Outcome::Undecided);
    };
    let record = |action: &str, failure: bool| {
        store::audit::record_event(
            tx,
            req.developer_id,
            action,
            Subject {
                agent_id: req.agent_id,
                agent_did,
                grant_id: "",
                principal_id: req.principal_id,
            },
            failure,
            json!({
                "policyId": d.policy_id,
                "policyName": d.policy_name,
                "action": req.action.as_str(),
                "scopes": req.scopes,
                "delegationDepth": req.delegation_depth,
                "reason": d.reason,
            }),
        )
    };
    Ok(match d.decision.as_str() {
        "deny" => {
            record(actions::POLICY_DENIED, true)?;
            Outcome::Denied(d)
        }
        "allow" if req.action == Action::Authorize => {
            record(actions::POLICY_APPROVED, false)?;
            Outcome::Allowed
        }
        _ => Outcome::Undecided,
    })
}

/// The 403 `POLICY_DENIED` for a refusal; the envelope carries `policyId`, `policyName` and
/// the `reason`.
pub fn refusal(d: &PolicyDecision, action: Action) -> ApiError {
    let what = match action {
        Action::Authorize => "Authorization",
        Action::Delegate => "Delegation",
    };
    let id = d.policy_id.clone().unwrap_or_default();
    let name = d.policy_name.clone().unwrap_or_default();
    ApiError::forbidden(
        "POLICY_DENIED",
        format!("{what} denied by policy {id} ({name:?})"),
    )
    .with_detail("policyId", id)
    .with_detail("policyName", name)
    .with_detail("reason", d.reason.clone())
}

pub(crate) use crate::time::utc_hour_minute as utc_hh_mm;

#[cfg(test)]
mod tests;
