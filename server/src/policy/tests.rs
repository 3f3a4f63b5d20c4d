use super::*;
use crate::time::parse_iso;

fn policy(id: &str, effect: &str, priority: i64) -> Policy {
    Policy {
        id: id.into(),
        name: format!("{id} name"),
        effect: effect.into(),
        priority,
        agent_id: None,
        principal_id: None,
        scopes: None,
        time_of_day_start: None,
        time_of_day_end: None,
        created_at: String::new(),
        updated_at: String::new(),
        cedar: None,
        version: 1,
    }
}

fn cedar(id: &str, effect: &str, text: &str) -> Policy {
    Policy {
        cedar: Some(text.into()),
        ..policy(id, effect, 0)
    }
}

fn scopes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn run(
    policies: &[Policy],
    scopes: &[String],
    at: &str,
    action: Action,
    depth: u32,
) -> PolicyDecision {
    decide(
        policies,
        &Request {
            developer_id: "dev_1",
            agent_id: "ag_1",
            principal_id: "alice",
            scopes,
            action,
            delegation_depth: depth,
            at_ms: parse_iso(at).unwrap(),
        },
    )
}

const NOON: &str = "2026-12-04T12:00:00Z";

#[test]
fn deny_wins_over_allow_whatever_the_priority() {
    let allow = policy("pol_a", "allow", 100);
    let deny = policy("pol_d", "deny", -5);
    let d = run(
        &[allow, deny],
        &scopes(&["read"]),
        NOON,
        Action::Authorize,
        0,
    );
    assert_eq!(d.decision, "deny");
    assert_eq!(d.policy_id.as_deref(), Some("pol_d"));
    assert_eq!(d.matched.len(), 2);
    assert!(d.reason.contains("deny wins"), "{}", d.reason);
}

#[test]
fn the_first_matching_policy_of_the_deciding_effect_is_reported() {
    let mut other_agent = policy("pol_x", "allow", 50);
    other_agent.agent_id = Some("ag_other".into());
    let high = policy("pol_hi", "allow", 10);
    let low = policy("pol_lo", "allow", 1);
    let d = run(
        &[other_agent, high, low],
        &scopes(&["read"]),
        NOON,
        Action::Authorize,
        0,
    );
    assert_eq!(
        (d.decision.as_str(), d.policy_id.as_deref()),
        ("allow", Some("pol_hi"))
    );
    assert_eq!(d.evaluated, 3);
    assert_eq!(d.matched.len(), 2);
}

#[test]
fn no_policy_matching_leaves_the_decision_to_the_human() {
    let mut p = policy("pol_1", "allow", 0);
    p.principal_id = Some("bob".into());
    let d = run(&[p], &scopes(&["read"]), NOON, Action::Authorize, 0);
    assert_eq!(d.decision, "none");
    assert_eq!(d.policy_id, None);
    assert!(d.reason.contains("principal decides"), "{}", d.reason);
}

#[test]
fn allow_needs_every_scope_listed_deny_any() {
    let mut allow = policy("pol_a", "allow", 0);
    allow.scopes = Some(scopes(&["read", "write"]));
    assert_eq!(
        run(
            &[allow.clone()],
            &scopes(&["read"]),
            NOON,
            Action::Authorize,
            0
        )
        .decision,
        "allow"
    );
    assert_eq!(
        run(
            &[allow],
            &scopes(&["read", "pay"]),
            NOON,
            Action::Authorize,
            0
        )
        .decision,
        "none"
    );
    let mut deny = policy("pol_d", "deny", 0);
    deny.scopes = Some(scopes(&["pay"]));
    assert_eq!(
        run(
            &[deny.clone()],
            &scopes(&["read", "pay"]),
            NOON,
            Action::Authorize,
            0
        )
        .decision,
        "deny"
    );
    assert_eq!(
        run(&[deny], &scopes(&["read"]), NOON, Action::Authorize, 0).decision,
        "none"
    );
}

#[test]
fn time_windows_are_half_open_and_may_wrap_midnight() {
    let mut office = policy("pol_o", "allow", 0);
    office.time_of_day_start = Some("09:00".into());
    office.time_of_day_end = Some("17:00".into());
    let at = |t: &str| format!("2026-12-04T{t}:00Z");
    let r = |p: &Policy, t: &str| {
        run(
            std::slice::from_ref(p),
            &scopes(&["read"]),
            &at(t),
            Action::Authorize,
            0,
        )
        .decision
    };
    assert_eq!(r(&office, "09:00"), "allow");
    assert_eq!(r(&office, "16:59"), "allow");
    assert_eq!(r(&office, "17:00"), "none");
    assert_eq!(r(&office, "08:59"), "none");
    let mut night = policy("pol_n", "deny", 0);
    night.time_of_day_start = Some("22:00".into());
    night.time_of_day_end = Some("06:00".into());
    assert_eq!(r(&night, "23:30"), "deny");
    assert_eq!(r(&night, "05:59"), "deny");
    assert_eq!(r(&night, "06:00"), "none");
    assert_eq!(r(&night, "12:00"), "none");
}

#[test]
fn an_allow_at_delegation_changes_nothing_a_deny_refuses() {
    let allow = policy("pol_a", "allow", 0);
    let d = run(&[allow], &scopes(&["read"]), NOON, Action::Delegate, 1);
    assert_eq!(d.decision, "allow");
    let deny = cedar(
        "pol_c",
        "deny",
        r#"forbid(principal, action == Action::"delegate", resource) when { context.delegationDepth >= 2 };"#,
    );
    assert_eq!(
        run(
            std::slice::from_ref(&deny),
            &scopes(&["read"]),
            NOON,
            Action::Delegate,
            1
        )
        .decision,
        "none"
    );
    assert_eq!(
        run(&[deny], &scopes(&["read"]), NOON, Action::Delegate, 2).decision,
        "deny"
    );
}

#[test]
fn cedar_permit_must_cover_every_scope_and_forbid_any() {
    let permit = cedar(
        "pol_p",
        "allow",
        r#"permit(principal == Agent::"ag_1", action == Action::"authorize", resource)
           when { resource.resource == "calendar" && context.principalId == "alice" };"#,
    );
    let r = |p: &Policy, s: &[&str]| {
        run(
            std::slice::from_ref(p),
            &scopes(s),
            NOON,
            Action::Authorize,
            0,
        )
    };
    assert_eq!(
        r(&permit, &["calendar:read", "calendar:write"]).decision,
        "allow"
    );
    let partial = r(&permit, &["calendar:read", "email:send"]);
    assert_eq!(partial.decision, "none");
    let forbid = cedar(
        "pol_f",
        "deny",
        r#"forbid(principal in Developer::"dev_1", action, resource == Scope::"payments:transfer")
           unless { context.hour >= 9 && context.hour < 17 };"#,
    );
    assert_eq!(
        r(&forbid, &["calendar:read", "payments:transfer"]).decision,
        "none"
    );
    let night = run(
        &[forbid],
        &scopes(&["calendar:read", "payments:transfer"]),
        "2026-12-04T23:00:00Z",
        Action::Authorize,
        0,
    );
    assert_eq!(night.decision, "deny");
    assert!(
        night.reason.contains("payments:transfer"),
        "{}",
        night.reason
    );
}

#[test]
fn cedar_errors_fail_closed_for_forbid_and_never_approve() {
    // `context.missing` does not exist: evaluation errors.
    let forbid = cedar(
        "pol_f",
        "deny",
        r#"forbid(principal, action, resource) when { context.missing == 1 };"#,
    );
    let permit = cedar(
        "pol_p",
        "allow",
        r#"permit(principal, action, resource) when { context.missing == 1 };"#,
    );
    let d = run(&[forbid], &scopes(&["read"]), NOON, Action::Authorize, 0);
    assert_eq!(d.decision, "deny");
    assert!(d.reason.contains("evaluation error"), "{}", d.reason);
    assert_eq!(
        run(&[permit], &scopes(&["read"]), NOON, Action::Authorize, 0).decision,
        "none"
    );
}

#[test]
fn cedar_and_native_give_the_same_outcomes() {
    let mut native = policy("pol_n", "deny", 0);
    native.agent_id = Some("ag_1".into());
    native.scopes = Some(scopes(&["pay"]));
    let as_cedar = cedar(
        "pol_c",
        "deny",
        r#"forbid(principal == Agent::"ag_1", action, resource == Scope::"pay");"#,
    );
    for s in [&["pay"][..], &["read", "pay"], &["read"]] {
        let a = run(
            std::slice::from_ref(&native),
            &scopes(s),
            NOON,
            Action::Authorize,
            0,
        );
        let b = run(
            std::slice::from_ref(&as_cedar),
            &scopes(s),
            NOON,
            Action::Authorize,
            0,
        );
        assert_eq!(a.decision, b.decision, "scopes {s:?}");
    }
}

#[test]
fn rules_refuse_bad_policies_with_422() {
    let check = |p: &Policy| rules::check(p).map_err(|e| (e.status.as_u16(), e.message));
    assert!(check(&policy("p", "allow", 0)).is_ok());
    assert_eq!(check(&policy("p", "maybe", 0)).unwrap_err().0, 422);
    let mut w = policy("p", "allow", 0);
    w.time_of_day_start = Some("25:00".into());
    w.time_of_day_end = Some("06:00".into());
    assert_eq!(check(&w).unwrap_err().0, 422);
    w.time_of_day_start = Some("06:00".into());
    assert!(check(&w).unwrap_err().1.contains("differ"));
    w.time_of_day_end = None;
    assert!(check(&w).unwrap_err().1.contains("together"));
    let mut s = policy("p", "allow", 0);
    s.scopes = Some(vec![]);
    assert_eq!(check(&s).unwrap_err().0, 422);
    let c = cedar("p", "deny", "permit(principal, action, resource);");
    assert!(check(&c).unwrap_err().1.contains("disagrees"));
    let c = cedar(
        "p",
        "allow",
        "permit(principal, action, resource); permit(principal, action, resource);",
    );
    assert_eq!(check(&c).unwrap_err().0, 422);
    let c = cedar(
        "p",
        "allow",
        "permit(principal == ?principal, action, resource);",
    );
    assert_eq!(check(&c).unwrap_err().0, 422, "templates are not policies");
    let mut mixed = cedar("p", "allow", "permit(principal, action, resource);");
    mixed.agent_id = Some("ag_1".into());
    assert!(check(&mixed).unwrap_err().1.contains("Cedar"));
}

#[test]
fn cedar_policies_pinned_to_an_agent_weigh_only_its_requests() {
    // `run` asks for agent ag_1.
    let mine_forbid = cedar(
        "pol_mine",
        "deny",
        r#"forbid(principal == Agent::"ag_1", action, resource) when { context.hour >= 0 };"#,
    );
    let other_forbid = cedar(
        "pol_other",
        "deny",
        r#"forbid(principal == Agent::"ag_2", action, resource);"#,
    );
    // Reads a missing attribute: an error, which fails closed only where the policy applies.
    let other_broken = cedar(
        "pol_other_err",
        "deny",
        r#"forbid(principal == Agent::"ag_2", action, resource) when { context.nope == 1 };"#,
    );
    let general_permit = cedar(
        "pol_any",
        "allow",
        r#"permit(principal, action, resource) when { context.hour == 12 };"#,
    );
    let s = scopes(&["read"]);
    // Only policies pinned to other agents: nothing applies, nothing is built.
    let d = run(
        &[other_forbid.clone(), other_broken.clone()],
        &s,
        NOON,
        Action::Authorize,
        0,
    );
    assert_eq!(d.decision, "none", "{}", d.reason);
    assert_eq!(d.evaluated, 2);
    // The general permit applies to ag_1, the other agent's error does not leak in.
    let d = run(
        &[
            other_forbid.clone(),
            other_broken.clone(),
            general_permit.clone(),
        ],
        &s,
        NOON,
        Action::Authorize,
        0,
    );
    assert_eq!(d.decision, "allow", "{}", d.reason);
    assert_eq!(d.policy_id.as_deref(), Some("pol_any"));
    // A policy pinned to ag_1 is weighed along with the general one, and its deny wins.
    let d = run(
        &[other_forbid, other_broken, general_permit, mine_forbid],
        &s,
        NOON,
        Action::Authorize,
        0,
    );
    assert_eq!(d.decision, "deny", "{}", d.reason);
    assert_eq!(d.policy_id.as_deref(), Some("pol_mine"));
    assert_eq!(d.matched.len(), 2, "{:?}", d.matched);
}
