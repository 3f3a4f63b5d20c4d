//! `/v1/budget/*` — per-grant spending limits: allocate, debit (atomic, idempotent by
//! `Idempotency-Key`), balance, transactions, allocations. The arithmetic and the lineage
//! rules live in `store::budgets`.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{idempotency_key, path_id, JsonBody, QueryMap};
use crate::state::AppState;
use crate::store;
use crate::store::audit::{actions, Subject};
use crate::time::now_ms;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use grantex::types::{
    AllocateBudgetParams, BudgetAllocation, BudgetAllocationList, BudgetTransactionsResponse,
    DebitBudgetParams, DebitBudgetResponse,
};
use serde_json::{json, Value};

/// How long a debit's answer is replayed for a retry under the same `Idempotency-Key`.
const IDEMPOTENCY_KEEP_MS: i64 = 24 * 3600 * 1000;

fn grant_id(id: &str) -> ApiResult<&str> {
    if id.is_empty() || id.len() > 256 {
        return Err(ApiError::bad_request("grantId is required"));
    }
    Ok(id)
}

fn audit(
    tx: &store::Conn,
    developer_id: &str,
    action: &str,
    grant: &store::grants::GrantRow,
    failure: bool,
    metadata: Value,
) -> ApiResult<()> {
    store::audit::record_event(
        tx,
        developer_id,
        action,
        Subject {
            agent_id: &grant.agent_id,
            agent_did: &grant.agent_did,
            grant_id: &grant.id,
            principal_id: &grant.principal_id,
        },
        failure,
        metadata,
    )?;
    Ok(())
}

pub async fn allocate(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<AllocateBudgetParams>,
) -> ApiResult<(StatusCode, Json<BudgetAllocation>)> {
    grant_id(&p.grant_id)?;
    let units = store::budgets::to_units("initialBudget", p.initial_budget)?;
    let currency = p.currency.unwrap_or_else(|| "USD".into());
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(ApiError::bad_request(
            "currency must be a three-letter ISO 4217 code in capitals (e.g. USD)",
        ));
    }
    let a = st
        .db
        .write(move |tx| {
            let now = now_ms();
            let a = store::budgets::allocate(tx, &dev.id, &p.grant_id, units, &currency, now)?;
            if let Some(g) = store::grants::find(tx, &dev.id, &p.grant_id)? {
                audit(
                    tx,
                    &dev.id,
                    actions::BUDGET_ALLOCATED,
                    &g,
                    false,
                    json!({
                        "allocationId": a.id,
                        "initialBudget": a.initial_budget,
                        "currency": a.currency,
                    }),
                )?;
            }
            Ok(a)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

pub async fn debit(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    headers: HeaderMap,
    JsonBody(p): JsonBody<DebitBudgetParams>,
) -> ApiResult<Json<DebitBudgetResponse>> {
    grant_id(&p.grant_id)?;
    let units = store::budgets::to_units("amount", p.amount)?;
    if p.description.as_ref().is_some_and(|d| d.len() > 1000) {
        return Err(ApiError::bad_request(
            "description is limited to 1000 bytes",
        ));
    }
    let metadata = match p.metadata {
        None | Some(Value::Null) => json!({}),
        Some(m @ Value::Object(_)) => m,
        Some(_) => return Err(ApiError::bad_request("metadata must be an object")),
    };
    if metadata.to_string().len() > 16 * 1024 {
        return Err(ApiError::bad_request("metadata is limited to 16 KiB"));
    }
    let key = idempotency_key(&headers)?;
    // What a retry must repeat exactly to get the first answer back.
    let fingerprint = json!({
        "grantId": p.grant_id,
        "units": units,
        "description": p.description,
        "metadata": metadata,
    })
    .to_string();
    let r = st
        .db
        .write(move |tx| {
            if let Some(k) = &key {
                if let Some((request, response)) = store::budgets::idempotent_answer(
                    tx,
                    &dev.id,
                    k,
                    now_ms() - IDEMPOTENCY_KEEP_MS,
                )? {
                    if request != fingerprint {
                        return Err(ApiError::new(
                            StatusCode::CONFLICT,
                            "IDEMPOTENCY_KEY_REUSED",
                            "Idempotency-Key was already used with a different debit",
                        ));
                    }
                    return Ok(Ok(serde_json::from_str::<DebitBudgetResponse>(&response)?));
                }
            }
            let now = now_ms();
            let grant = store::grants::find(tx, &dev.id, &p.grant_id)?;
            match store::budgets::debit(
                tx,
                &dev.id,
                &p.grant_id,
                units,
                p.description.as_deref(),
                &metadata,
                now,
            ) {
                Ok(d) => {
                    let resp = DebitBudgetResponse {
                        remaining: d.remaining,
                        transaction_id: d.transaction_id,
                        grant_id: Some(p.grant_id.clone()),
                    };
                    if let Some(g) = &grant {
                        audit(
                            tx,
                            &dev.id,
                            actions::BUDGET_DEBITED,
                            g,
                            false,
                            json!({
                                "transactionId": resp.transaction_id,
                                "amount": store::budgets::format_units(units),
                                "remaining": resp.remaining,
                            }),
                        )?;
                    }
                    if let Some(k) = &key {
                        store::budgets::remember_answer(
                            tx,
                            &dev.id,
                            k,
                            &fingerprint,
                            &serde_json::to_string(&resp)?,
                            now,
                            IDEMPOTENCY_KEEP_MS,
                        )?;
                    }
                    Ok(Ok(resp))
                }
                // A refused debit is audited; the refusal commits with its audit entry.
                Err(e) if e.code == "INSUFFICIENT_BUDGET" => {
                    if let Some(g) = &grant {
                        audit(
                            tx,
                            &dev.id,
                            actions::BUDGET_DEBIT_REFUSED,
                            g,
                            true,
                            json!({
                                "amount": store::budgets::format_units(units),
                                "reason": e.message,
                            }),
                        )?;
                    }
                    Ok(Err(e))
                }
                Err(e) => Err(e),
            }
        })
        .await??;
    Ok(Json(r))
}

pub async fn balance(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<BudgetAllocation>> {
    path_id(&id)?;
    st.db
        .read(move |c| {
            store::budgets::balance(c, &dev.id, &id)?
                .map(Json)
                .ok_or_else(|| ApiError::not_found("No budget allocation found for this grant"))
        })
        .await
}

pub async fn transactions(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    q: QueryMap,
) -> ApiResult<Json<BudgetTransactionsResponse>> {
    path_id(&id)?;
    let page = q.positive("page", 1_000_000)?.unwrap_or(1);
    let page_size = q.positive("pageSize", 200)?.unwrap_or(50);
    st.db
        .read(move |c| {
            let (transactions, total) =
                store::budgets::transactions(c, &dev.id, &id, page, page_size)?;
            Ok(Json(BudgetTransactionsResponse {
                transactions,
                total,
            }))
        })
        .await
}

pub async fn allocations(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<BudgetAllocationList>> {
    st.db
        .read(move |c| {
            Ok(Json(BudgetAllocationList {
                allocations: store::budgets::list(c, &dev.id)?,
            }))
        })
        .await
}
