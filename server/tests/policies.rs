//! Policies against the real server (issue 15 item 1): CRUD and its errors, decisions at
//! `/v1/authorize` and at delegation (native and Cedar), the dry run, the audit trail.

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};

fn create(name: &str, effect: &str) -> CreatePolicyParams {
    CreatePolicyParams {
        name: name.into(),
        effect: effect.into(),
        ..Default::default()
    }
}

async fn authorize(
    c: &grantex::Client,
    agent: &str,
    principal: &str,
    scopes: &[&str],
) -> Result<AuthorizationRequest, grantex::Error> {
    c.authorize(&AuthorizeParams {
        agent_id: agent.into(),
        user_id: principal.into(),
        scopes: strings(scopes),
        ..Default::default()
    })
    .await
}

fn api_body(e: &grantex::Error) -> Value {
    e.as_api().expect("an API error").body.clone()
}

#[tokio::test]
async fn crud_round_trip_with_versions_and_errors() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let (other, _) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));

    let p = c
        .policies()
        .create(&CreatePolicyParams {
            priority: 5,
            agent_id: Some("ag_x".into()),
            scopes: Some(strings(&["read"])),
            time_of_day_start: Some("09:00".into()),
            time_of_day_end: Some("17:00".into()),
            ..create("office hours", "allow")
        })
        .await
        .unwrap();
    assert!(p.id.starts_with("pol_"), "{}", p.id);
    assert_eq!(
        (p.version, p.priority, p.principal_id.as_deref()),
        (1, 5, None)
    );
    // The reference's wire shape: unset conditions are null, not absent.
    let raw = api.get(&format!("/v1/policies/{}", p.id)).await;
    assert_eq!(raw.status, 200);
    assert!(raw.body.as_object().unwrap().contains_key("principalId"));
    assert_eq!(raw.body["principalId"], Value::Null);

    let low = c
        .policies()
        .create(&create("catch-all", "deny"))
        .await
        .unwrap();
    let list = c.policies().list().await.unwrap();
    assert_eq!(list.total, 2);
    assert_eq!(
        list.policies
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        vec![p.id.as_str(), low.id.as_str()],
        "highest priority first"
    );

    let u = c
        .policies()
        .update(
            &p.id,
            &UpdatePolicyParams {
                name: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((u.name.as_str(), u.version, u.priority), ("renamed", 2, 5));
    assert_eq!(u.scopes, Some(strings(&["read"])), "other fields unchanged");
    // PATCH with null clears a condition (the reference TypeScript SDK's way).
    let r = api
        .call(
            "PATCH",
            &format!("/v1/policies/{}", p.id),
            Some(json!({ "agentId": null })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (r.body["agentId"].clone(), r.body["version"].clone()),
        (Value::Null, json!(3))
    );

    // Another developer's policy is a 404 everywhere.
    for e in [
        other.policies().get(&p.id).await.unwrap_err(),
        other
            .policies()
            .update(&p.id, &UpdatePolicyParams::default())
            .await
            .unwrap_err(),
        other.policies().delete(&p.id).await.unwrap_err(),
    ] {
        assert_eq!(status(&e), 404, "{e}");
    }
    // Bad fields: 422 with the field named.
    for (body, needle) in [
        (json!({ "name": "x", "effect": "maybe" }), "effect"),
        (json!({ "name": "x" }), "effect"),
        (json!({ "effect": "allow" }), "name"),
        (
            json!({ "name": "x", "effect": "allow", "agentID": "ag" }),
            "agentID",
        ),
        (
            json!({ "name": "x", "effect": "allow", "timeOfDayStart": "9am", "timeOfDayEnd": "17:00" }),
            "HH:MM",
        ),
        (
            json!({ "name": "x", "effect": "allow", "timeOfDayStart": "09:00" }),
            "together",
        ),
        (
            json!({ "name": "x", "effect": "allow", "scopes": [] }),
            "scopes",
        ),
        (
            json!({ "name": "x", "effect": "allow", "priority": 1.5 }),
            "priority",
        ),
        (
            json!({ "name": "x", "effect": "allow", "cedar": "permit(" }),
            "Cedar",
        ),
        (
            json!({ "name": "x", "effect": "deny", "cedar": "permit(principal, action, resource);" }),
            "disagrees",
        ),
    ] {
        let r = api.post("/v1/policies", body.clone()).await;
        assert_envelope(&r, 422, "VALIDATION_ERROR");
        assert!(
            r.body["message"].as_str().unwrap().contains(needle),
            "{body}: {}",
            r.text
        );
    }
    let r = api
        .call(
            "PATCH",
            &format!("/v1/policies/{}", p.id),
            Some(json!({ "effect": "sometimes" })),
        )
        .await;
    assert_envelope(&r, 422, "VALIDATION_ERROR");
    assert_eq!(
        c.policies().get(&p.id).await.unwrap().version,
        3,
        "a refused update changes nothing"
    );

    c.policies().delete(&p.id).await.unwrap();
    assert_eq!(status(&c.policies().get(&p.id).await.unwrap_err()), 404);
    assert_eq!(status(&c.policies().delete(&p.id).await.unwrap_err()), 404);

    // Every change is in the audit chain.
    let actions: Vec<String> = c
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("grantex.policy."))
        .collect();
    assert_eq!(
        actions,
        vec![
            "grantex.policy.created",
            "grantex.policy.created",
            "grantex.policy.updated",
            "grantex.policy.updated",
            "grantex.policy.deleted"
        ]
    );
}

#[tokio::test]
async fn authorize_is_decided_by_policies_deny_first() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "assistant", &["calendar:read", "payments:transfer"]).await;

    // No policy: the human decides.
    let r = authorize(&c, &a.agent_id, "alice", &["calendar:read"])
        .await
        .unwrap();
    assert_eq!(
        (r.status.as_str(), r.code.is_none(), r.policy_enforced),
        ("pending", true, None)
    );

    // An allow for alice's calendar reads: approved at once, and the code works.
    let allow = c
        .policies()
        .create(&CreatePolicyParams {
            principal_id: Some("alice".into()),
            scopes: Some(strings(&["calendar:read"])),
            priority: 10,
            ..create("alice reads calendars", "allow")
        })
        .await
        .unwrap();
    let r = authorize(&c, &a.agent_id, "alice", &["calendar:read"])
        .await
        .unwrap();
    assert_eq!(
        (r.status.as_str(), r.policy_enforced, r.effect.as_deref()),
        ("approved", Some(true), Some("allow"))
    );
    let tok = c
        .tokens()
        .exchange(&ExchangeTokenParams {
            code: r.code.clone().unwrap(),
            agent_id: a.agent_id.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(tok.scopes, strings(&["calendar:read"]));
    // Outside the allow (another principal, or a scope it does not list): the human decides.
    assert_eq!(
        authorize(&c, &a.agent_id, "bob", &["calendar:read"])
            .await
            .unwrap()
            .status,
        "pending"
    );
    assert_eq!(
        authorize(
            &c,
            &a.agent_id,
            "alice",
            &["calendar:read", "payments:transfer"]
        )
        .await
        .unwrap()
        .status,
        "pending"
    );

    // A low-priority deny on payments beats the allow whenever it matches.
    let deny = c
        .policies()
        .create(&CreatePolicyParams {
            scopes: Some(strings(&["payments:transfer"])),
            priority: -100,
            ..create("no payments", "deny")
        })
        .await
        .unwrap();
    let e = authorize(
        &c,
        &a.agent_id,
        "alice",
        &["calendar:read", "payments:transfer"],
    )
    .await
    .unwrap_err();
    assert_eq!(
        (status(&e), code(&e)),
        (403, "POLICY_DENIED".to_string()),
        "{e}"
    );
    let body = api_body(&e);
    assert_eq!(body["policyId"], deny.id.as_str());
    assert_eq!(body["policyName"], "no payments");
    assert!(e.to_string().contains(&deny.id), "{e}");
    // The allow still decides the requests the deny does not match.
    assert_eq!(
        authorize(&c, &a.agent_id, "alice", &["calendar:read"])
            .await
            .unwrap()
            .status,
        "approved"
    );

    // The refusal is audited with the policy that decided.
    let entries = c
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries;
    let denied: Vec<&AuditEntry> = entries
        .iter()
        .filter(|e| e.action == "grantex.policy.denied")
        .collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].status, "failure");
    assert_eq!(denied[0].metadata["policyId"], deny.id.as_str());
    assert_eq!(denied[0].agent_id, a.agent_id);
    assert_eq!(denied[0].principal_id, "alice");
    let approved = entries
        .iter()
        .filter(|e| e.action == "grantex.policy.approved")
        .count();
    assert_eq!(approved, 2);
    // The chain still verifies with the server's entries in it.
    let chain = grantex::audit_chain::verify_chain(&entries);
    assert!(chain.valid, "{chain:?}");

    // The dry run names the deciding policy and every match, without creating anything.
    let d = c
        .policies()
        .evaluate(&EvaluatePolicyParams {
            agent_id: a.agent_id.clone(),
            principal_id: "alice".into(),
            scopes: strings(&["calendar:read", "payments:transfer"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (d.decision.as_str(), d.policy_id.as_deref()),
        ("deny", Some(deny.id.as_str()))
    );
    assert_eq!(d.evaluated, 2);
    assert_eq!(
        d.matched.len(),
        1,
        "the allow does not cover payments: {d:?}"
    );
    let d = c
        .policies()
        .evaluate(&EvaluatePolicyParams {
            agent_id: a.agent_id.clone(),
            principal_id: "alice".into(),
            scopes: strings(&["calendar:read"]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        (d.decision.as_str(), d.policy_id.as_deref()),
        ("allow", Some(allow.id.as_str()))
    );
    assert!(d.reason.contains("alice reads calendars"), "{}", d.reason);
    let after = c
        .audit()
        .list(&ListAuditParams::default())
        .await
        .unwrap()
        .entries
        .len();
    assert_eq!(after, entries.len(), "a dry run records nothing");

    // A change takes effect at the next request (the compiled policies follow their generation).
    c.policies()
        .update(
            &deny.id,
            &UpdatePolicyParams {
                scopes: Some(strings(&["admin"])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let r = authorize(
        &c,
        &a.agent_id,
        "alice",
        &["calendar:read", "payments:transfer"],
    )
    .await
    .unwrap();
    assert_eq!(
        r.status, "pending",
        "the deny no longer matches; the allow does not cover payments"
    );
    c.policies().delete(&allow.id).await.unwrap();
    let r = authorize(&c, &a.agent_id, "alice", &["calendar:read"])
        .await
        .unwrap();
    assert_eq!(r.status, "pending", "the deleted allow approves nothing");
}

#[tokio::test]
async fn time_windows_and_cedar_through_the_dry_run() {
    let s = shared();
    let (c, dev) = developer(s, Mode::Live).await;
    let api = Api::new(&s.base_url, Some(&dev.api_key));
    c.policies()
        .create(&CreatePolicyParams {
            time_of_day_start: Some("22:00".into()),
            time_of_day_end: Some("06:00".into()),
            ..create("no night work", "deny")
        })
        .await
        .unwrap();
    let eval = |at: &str| EvaluatePolicyParams {
        agent_id: "ag_1".into(),
        principal_id: "alice".into(),
        scopes: strings(&["read"]),
        at: Some(at.into()),
        ..Default::default()
    };
    assert_eq!(
        c.policies()
            .evaluate(&eval("2026-12-04T23:15:00Z"))
            .await
            .unwrap()
            .decision,
        "deny"
    );
    assert_eq!(
        c.policies()
            .evaluate(&eval("2026-12-04T12:00:00Z"))
            .await
            .unwrap()
            .decision,
        "none"
    );
    let cedar = c
        .policies()
        .create(&CreatePolicyParams {
            cedar: Some(
                r#"permit(principal == Agent::"ag_1", action == Action::"authorize", resource)
                   when { context.principal == User::"alice" && resource.name == "read" };"#
                    .into(),
            ),
            ..create("ag_1 reads for alice", "allow")
        })
        .await
        .unwrap();
    assert_eq!(
        cedar.cedar.as_deref().map(|t| t.contains("permit")),
        Some(true)
    );
    let d = c
        .policies()
        .evaluate(&eval("2026-12-04T12:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        (d.decision.as_str(), d.policy_id.as_deref()),
        ("allow", Some(cedar.id.as_str()))
    );
    assert_eq!(d.matched[0].kind, "cedar");
    // A bad dry-run request is a clear error.
    let r = api
        .post(
            "/v1/policies/evaluate",
            json!({ "agentId": "a", "principalId": "p", "scopes": ["x"], "action": "fly" }),
        )
        .await;
    assert_envelope(&r, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn delegation_is_refused_by_a_deny_native_or_cedar() {
    let s = shared();
    let (c, _) = developer(s, Mode::Sandbox).await;
    let parent = agent(&c, "parent", &["read", "write"]).await;
    let sub = agent(&c, "sub", &["read", "write"]).await;
    let t = grant(&c, &parent.agent_id, "alice", &["read", "write"]).await;
    let delegate = |scopes: &[&str]| DelegateParams {
        parent_grant_token: t.grant_token.clone(),
        sub_agent_id: sub.agent_id.clone(),
        scopes: strings(scopes),
        expires_in: None,
    };
    // An allow changes nothing at delegation; it works before any deny exists.
    c.grants().delegate(&delegate(&["read"])).await.unwrap();
    let native = c
        .policies()
        .create(&CreatePolicyParams {
            agent_id: Some(sub.agent_id.clone()),
            scopes: Some(strings(&["write"])),
            ..create("sub never writes", "deny")
        })
        .await
        .unwrap();
    let e = c
        .grants()
        .delegate(&delegate(&["read", "write"]))
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), api_body(&e)["policyId"].clone()),
        (403, json!(native.id))
    );
    c.grants().delegate(&delegate(&["read"])).await.unwrap();
    let cedar = c
        .policies()
        .create(&CreatePolicyParams {
            cedar: Some(
                r#"forbid(principal, action == Action::"delegate", resource) when { context.delegationDepth >= 1 && context.principalId == "alice" };"#.into(),
            ),
            ..create("alice's grants stay with their agent", "deny")
        })
        .await
        .unwrap();
    let e = c.grants().delegate(&delegate(&["read"])).await.unwrap_err();
    assert_eq!((status(&e), code(&e)), (403, "POLICY_DENIED".to_string()));
    assert_eq!(api_body(&e)["policyId"], cedar.id.as_str());
    // The refused delegations left no grant behind: only the two that succeeded exist.
    let grants = c
        .grants()
        .list(&ListGrantsParams::default())
        .await
        .unwrap()
        .grants;
    assert_eq!(
        grants.iter().filter(|g| g.agent_id == sub.agent_id).count(),
        2
    );
    // A deny on the authorize action does not touch delegation, and vice versa.
    c.policies().delete(&cedar.id).await.unwrap();
    c.policies().delete(&native.id).await.unwrap();
    c.grants()
        .delegate(&delegate(&["read", "write"]))
        .await
        .unwrap();
}
