//! `/v1/usage` — metered requests (authorizations, token exchanges, verifications) per UTC
//! day. Reading flushes this instance's pending counts first (`crate::usage`), so the answer
//! includes every request this instance finished.

use crate::auth::Developer;
use crate::error::ApiResult;
use crate::extract::QueryMap;
use crate::state::AppState;
use crate::store;
use crate::time::now_ms;
use crate::usage::day;
use axum::extract::State;
use axum::{Extension, Json};
use grantex::types::{UsageHistoryEntry, UsageHistoryResponse, UsageResponse};

pub async fn current(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<UsageResponse>> {
    st.usage.flush(&st.db).await?;
    let today = day(now_ms());
    st.db
        .read(move |c| {
            let counts = store::usage::since(c, &dev.id, &today)?
                .into_iter()
                .find(|(d, _)| *d == today)
                .map(|(_, c)| c)
                .unwrap_or_default();
            Ok(Json(UsageResponse {
                developer_id: dev.id.clone(),
                period: today,
                token_exchanges: counts.token_exchanges,
                authorizations: counts.authorizations,
                verifications: counts.verifications,
                total_requests: counts.total(),
            }))
        })
        .await
}

pub async fn history(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<UsageHistoryResponse>> {
    let days = q.positive("days", 90)?.unwrap_or(30);
    st.usage.flush(&st.db).await?;
    // Today and the `days - 1` days before it.
    let since = day(now_ms() - (i64::from(days) - 1) * 86_400_000);
    st.db
        .read(move |c| {
            let entries = store::usage::since(c, &dev.id, &since)?
                .into_iter()
                .map(|(date, c)| UsageHistoryEntry {
                    date,
                    token_exchanges: c.token_exchanges,
                    authorizations: c.authorizations,
                    verifications: c.verifications,
                    total_requests: c.total(),
                })
                .collect();
            Ok(Json(UsageHistoryResponse {
                developer_id: dev.id.clone(),
                days,
                entries,
            }))
        })
        .await
}
