//! Budgets and usage against the real server (issue 16 items 2 and 4): allocation rules,
//! atomic debits under concurrency, idempotency, threshold events through the webhook outbox,
//! the `bdg` claim of refreshed and delegated tokens, lineage bounds, usage counts.

mod common;

use axum::body::Bytes;
use common::*;
use grantex::types::*;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn allocate(grant_id: &str, amount: f64) -> AllocateBudgetParams {
    AllocateBudgetParams {
        grant_id: grant_id.into(),
        initial_budget: amount,
        currency: None,
    }
}

fn debit(grant_id: &str, amount: f64, key: Option<&str>) -> DebitBudgetParams {
    DebitBudgetParams {
        grant_id: grant_id.into(),
        amount,
        description: Some("test spend".into()),
        metadata: None,
        idempotency_key: key.map(str::to_string),
    }
}

#[tokio::test]
async fn allocation_balance_transactions_and_errors() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let (other, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "spender", &["pay"]).await;
    let t = grant(&c, &a.agent_id, "alice", &["pay"]).await;

    let b = c
        .budgets()
        .allocate(&allocate(&t.grant_id, 100.0))
        .await
        .unwrap();
    assert_eq!(
        (
            b.initial_budget.as_str(),
            b.remaining_budget.as_str(),
            b.currency.as_str()
        ),
        ("100.0000", "100.0000", "USD")
    );
    assert!(b.id.starts_with("bdg_"), "{}", b.id);
    let e = c
        .budgets()
        .allocate(&allocate(&t.grant_id, 5.0))
        .await
        .unwrap_err();
    assert_eq!((status(&e), code(&e).as_str()), (409, "CONFLICT"));
    let e = c
        .budgets()
        .allocate(&allocate("grnt_nope", 5.0))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);
    for bad in [0.0, -3.0, 1.23456] {
        let e = c
            .budgets()
            .debit(&debit(&t.grant_id, bad, None))
            .await
            .unwrap_err();
        assert_eq!(status(&e), 400, "{bad}");
    }
    // Another developer sees nothing.
    let e = other.budgets().balance(&t.grant_id).await.unwrap_err();
    assert_eq!(status(&e), 404);
    let e = other
        .budgets()
        .debit(&debit(&t.grant_id, 1.0, None))
        .await
        .unwrap_err();
    assert_eq!(status(&e), 404);

    let d = c
        .budgets()
        .debit(&debit(&t.grant_id, 0.1, None))
        .await
        .unwrap();
    let d2 = c
        .budgets()
        .debit(&debit(&t.grant_id, 0.2, None))
        .await
        .unwrap();
    assert_eq!(
        (d.remaining.as_str(), d2.remaining.as_str()),
        ("99.9000", "99.7000")
    );
    let e = c
        .budgets()
        .debit(&debit(&t.grant_id, 99.7001, None))
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), code(&e).as_str()),
        (402, "INSUFFICIENT_BUDGET")
    );
    let bal = c.budgets().balance(&t.grant_id).await.unwrap();
    assert_eq!(bal.remaining_budget, "99.7000");
    let txs = c
        .budgets()
        .transactions(
            &t.grant_id,
            &BudgetTransactionsParams {
                page: Some(1),
                page_size: Some(1),
            },
        )
        .await
        .unwrap();
    assert_eq!((txs.total, txs.transactions.len()), (2, 1));
    assert_eq!(txs.transactions[0].id, d2.transaction_id, "newest first");
    assert_eq!(txs.transactions[0].amount, "0.2000");
    let all = c.budgets().list_allocations().await.unwrap();
    assert_eq!(all.allocations.len(), 1);
    // Revoked: no more debits.
    c.grants().revoke(&t.grant_id).await.unwrap();
    let e = c
        .budgets()
        .debit(&debit(&t.grant_id, 1.0, None))
        .await
        .unwrap_err();
    assert_eq!((status(&e), code(&e).as_str()), (409, "GRANT_INACTIVE"));
}

#[tokio::test]
async fn fifty_concurrent_debits_against_thirty_exactly_thirty_succeed() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "racer", &["pay"]).await;
    let t = grant(&c, &a.agent_id, "bob", &["pay"]).await;
    c.budgets()
        .allocate(&allocate(&t.grant_id, 30.0))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (c, g) = (c.clone(), t.grant_id.clone());
        tasks.push(tokio::spawn(async move {
            c.budgets()
                .debit(&debit(&g, 1.0, Some(&format!("race-{i}"))))
                .await
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => {
                assert_eq!(code(&e), "INSUFFICIENT_BUDGET", "{e}");
                refused += 1;
            }
        }
    }
    assert_eq!((ok, refused), (30, 20));
    let bal = c.budgets().balance(&t.grant_id).await.unwrap();
    assert_eq!(bal.remaining_budget, "0.0000");
    let txs = c
        .budgets()
        .transactions(&t.grant_id, &BudgetTransactionsParams::default())
        .await
        .unwrap();
    assert_eq!(txs.total, 30);
}

#[tokio::test]
async fn a_repeated_idempotency_key_debits_once() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "retrier", &["pay"]).await;
    let t = grant(&c, &a.agent_id, "carol", &["pay"]).await;
    c.budgets()
        .allocate(&allocate(&t.grant_id, 10.0))
        .await
        .unwrap();
    let first = c
        .budgets()
        .debit(&debit(&t.grant_id, 4.0, Some("once")))
        .await
        .unwrap();
    let again = c
        .budgets()
        .debit(&debit(&t.grant_id, 4.0, Some("once")))
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(first.remaining, "6.0000");
    assert_eq!(
        c.budgets()
            .balance(&t.grant_id)
            .await
            .unwrap()
            .remaining_budget,
        "6.0000"
    );
    let e = c
        .budgets()
        .debit(&debit(&t.grant_id, 5.0, Some("once")))
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), code(&e).as_str()),
        (409, "IDEMPOTENCY_KEY_REUSED")
    );
}

#[tokio::test]
async fn refreshed_and_delegated_tokens_carry_the_budget_and_children_are_bounded() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let parent = agent(&c, "parent", &["pay", "read"]).await;
    let child = agent(&c, "child", &["pay"]).await;
    let t = grant(&c, &parent.agent_id, "dave", &["pay", "read"]).await;
    assert!(claims(&t.grant_token).get("bdg").is_none(), "no budget yet");
    c.budgets()
        .allocate(&allocate(&t.grant_id, 10.0))
        .await
        .unwrap();
    c.budgets()
        .debit(&debit(&t.grant_id, 3.0, None))
        .await
        .unwrap();
    let r = c
        .tokens()
        .refresh(&RefreshTokenParams {
            refresh_token: t.refresh_token.clone(),
            agent_id: parent.agent_id.clone(),
            idempotency_key: None,
        })
        .await
        .unwrap();
    let v = grantex::verify_grant_token(&r.grant_token, &s.jwks_uri, &Default::default())
        .await
        .unwrap();
    assert_eq!(v.budget, Some(7.0));

    let d = delegate(&c, &r.grant_token, &child.agent_id, &["pay"]).await;
    assert_eq!(
        claims(&d.grant_token)["bdg"],
        7.0,
        "bounded by the parent from the start"
    );
    let e = c
        .budgets()
        .allocate(&allocate(&d.grant_id, 7.5))
        .await
        .unwrap_err();
    assert_eq!(
        (status(&e), code(&e).as_str()),
        (422, "BUDGET_EXCEEDS_PARENT")
    );
    c.budgets()
        .allocate(&allocate(&d.grant_id, 5.0))
        .await
        .unwrap();
    // The child's spending is the parent's too.
    c.budgets()
        .debit(&debit(&d.grant_id, 4.0, None))
        .await
        .unwrap();
    assert_eq!(
        c.budgets()
            .balance(&t.grant_id)
            .await
            .unwrap()
            .remaining_budget,
        "3.0000"
    );
    assert_eq!(
        c.budgets()
            .balance(&d.grant_id)
            .await
            .unwrap()
            .remaining_budget,
        "1.0000"
    );
    // The parent spends; now the child's 1.0 is more than the parent has left.
    c.budgets()
        .debit(&debit(&t.grant_id, 2.5, None))
        .await
        .unwrap();
    let e = c
        .budgets()
        .debit(&debit(&d.grant_id, 1.0, None))
        .await
        .unwrap_err();
    assert_eq!(code(&e), "INSUFFICIENT_BUDGET");
    assert!(e.to_string().contains("parent"), "{e}");
    let ok = c
        .budgets()
        .debit(&debit(&d.grant_id, 0.5, None))
        .await
        .unwrap();
    assert_eq!(ok.remaining, "0.5000");
    assert_eq!(
        c.budgets()
            .balance(&t.grant_id)
            .await
            .unwrap()
            .remaining_budget,
        "0.0000"
    );
}

#[tokio::test]
async fn threshold_events_arrive_once_each() {
    let dir = TempDir::new("budget-events");
    let srv = ChildServer::start(
        dir.path(),
        &["--allow-private-webhooks", "--webhook-retry-base-ms", "200"],
        &[],
    );
    let c = client(&srv.info.base_url, &srv.info.api_key);
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    c.webhooks()
        .create(&CreateWebhookParams {
            url,
            events: strings(&["budget.threshold", "budget.exhausted"]),
        })
        .await
        .unwrap();
    let a = agent(&c, "thresholds", &["pay"]).await;
    let t = grant(&c, &a.agent_id, "erin", &["pay"]).await;
    c.budgets()
        .allocate(&allocate(&t.grant_id, 10.0))
        .await
        .unwrap();
    // 50% at the first debit; 60% crosses nothing; 85% crosses 80%; 100% exhausts.
    for amount in [5.0, 1.0, 2.5, 1.5] {
        c.budgets()
            .debit(&debit(&t.grant_id, amount, None))
            .await
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.lock().unwrap().len() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give a duplicate the chance to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut got: Vec<(String, i64)> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["data"]["pct"].as_i64().unwrap(),
            )
        })
        .collect();
    got.sort_by_key(|(_, p)| *p);
    assert_eq!(
        got,
        vec![
            ("budget.threshold".to_string(), 50),
            ("budget.threshold".to_string(), 80),
            ("budget.exhausted".to_string(), 100)
        ]
    );
}

#[tokio::test]
async fn usage_counts_metered_requests_per_day() {
    let s = shared();
    let (c, _) = developer(s, Mode::Live).await;
    let a = agent(&c, "metered", &["read"]).await;
    let t1 = grant(&c, &a.agent_id, "fay", &["read"]).await;
    let _t2 = grant(&c, &a.agent_id, "gus", &["read"]).await;
    for _ in 0..3 {
        c.tokens().verify(&t1.grant_token).await.unwrap();
    }
    // A refused authorization is not metered.
    let _ = c
        .authorize(&AuthorizeParams {
            agent_id: "ag_missing".into(),
            user_id: "x".into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let u = c.usage().current().await.unwrap();
    assert_eq!(
        (
            u.authorizations,
            u.token_exchanges,
            u.verifications,
            u.total_requests
        ),
        (2, 2, 3, 7)
    );
    assert_eq!(u.period.len(), 10);
    let h = c
        .usage()
        .history(&UsageHistoryParams { days: Some(7) })
        .await
        .unwrap();
    assert_eq!(h.days, 7);
    assert_eq!(h.entries.len(), 1);
    assert_eq!(
        (h.entries[0].date.as_str(), h.entries[0].total_requests),
        (u.period.as_str(), 7)
    );
    let e = c
        .usage()
        .history(&UsageHistoryParams { days: Some(91) })
        .await
        .unwrap_err();
    assert_eq!(status(&e), 400);
}
