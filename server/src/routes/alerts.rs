//! `/v1/anomaly/*` — alerts (list, get, acknowledge, resolve with a note), metrics, detection
//! rules (built-in and custom thresholds) and alert channels. Detection is `crate::anomaly`'s.

use crate::anomaly;
use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, JsonBody, OptionalJsonBody, QueryMap};
use crate::state::AppState;
use crate::store;
use crate::time::{iso, now_ms};
use crate::webhooks::target;
use crate::{ids, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use grantex::types::{
    Alert, AlertChannel, AlertChannelList, AlertList, AlertNoteParams, AnomalyMetrics, AnomalyRule,
    AnomalyRuleList, CreateAlertChannelParams, CreateAnomalyRuleParams, UpdateAnomalyRuleParams,
};

const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];
const STATUSES: [&str; 3] = ["open", "acknowledged", "resolved"];
/// Custom rules and channels one developer may hold.
const MAX_RULES: usize = 100;
const MAX_CHANNELS: u64 = 20;

pub async fn list_alerts(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<AlertList>> {
    let f = store::alerts::AlertFilter {
        status: q.one_of("status", &STATUSES)?,
        severity: q.one_of("severity", &SEVERITIES)?,
        agent_id: q.get("agentId").map(str::to_string),
        limit: q.positive("limit", 1000)?.unwrap_or(100),
    };
    let data = st
        .db
        .read(move |c| store::alerts::list(c, &dev.id, &f))
        .await?;
    Ok(Json(AlertList { data }))
}

fn alert_not_found() -> ApiError {
    ApiError::not_found("Alert not found")
}

pub async fn get_alert(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<Alert>> {
    path_id(&id)?;
    st.db
        .read(move |c| store::alerts::find(c, &dev.id, &id)?.ok_or_else(alert_not_found))
        .await
        .map(Json)
}

async fn transition(
    st: AppState,
    dev: Developer,
    id: String,
    note: Option<String>,
    resolve: bool,
) -> ApiResult<Json<Alert>> {
    path_id(&id)?;
    if let Some(n) = &note {
        validate::free_text("note", n, 2000)?;
    }
    st.db
        .write(move |tx| {
            if !store::alerts::transition(tx, &dev.id, &id, resolve, note.as_deref(), now_ms())? {
                return Err(alert_not_found());
            }
            store::alerts::find(tx, &dev.id, &id)?.ok_or_else(alert_not_found)
        })
        .await
        .map(Json)
}

/// The note body is optional: none, or `{"note": …}`.
pub async fn acknowledge_alert(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<AlertNoteParams>,
) -> ApiResult<Json<Alert>> {
    transition(st, dev, id, body.and_then(|b| b.note), false).await
}

pub async fn resolve_alert(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<AlertNoteParams>,
) -> ApiResult<Json<Alert>> {
    transition(st, dev, id, body.and_then(|b| b.note), true).await
}

pub async fn metrics(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<AnomalyMetrics>> {
    let window = q
        .one_of("window", &["1h", "6h", "24h"])?
        .unwrap_or_else(|| "24h".into());
    let hours: i64 = window.trim_end_matches('h').parse().unwrap_or(24);
    let since = now_ms() - hours * 3_600_000;
    let agent = q.get("agentId").map(str::to_string);
    let (total, by_status, by_severity) = st
        .db
        .read(move |c| store::alerts::metrics(c, &dev.id, since, agent.as_deref()))
        .await?;
    Ok(Json(AnomalyMetrics {
        window,
        total,
        by_status,
        by_severity,
    }))
}

pub async fn list_rules(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<AnomalyRuleList>> {
    let custom = st
        .db
        .read(move |c| store::alerts::rules(c, &dev.id, false))
        .await?;
    let mut rules = anomaly::builtin_rules();
    rules.extend(custom);
    Ok(Json(AnomalyRuleList { rules }))
}

pub async fn create_rule(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<CreateAnomalyRuleParams>,
) -> ApiResult<(StatusCode, Json<AnomalyRule>)> {
    let bad = ApiError::unprocessable;
    validate::text("ruleId", &p.rule_id, 128).map_err(|e| bad(e.message))?;
    validate::text("name", &p.name, 256).map_err(|e| bad(e.message))?;
    if let Some(d) = &p.description {
        validate::free_text("description", d, 2000).map_err(|e| bad(e.message))?;
    }
    let severity = p.severity.clone().unwrap_or_else(|| "medium".into());
    if !SEVERITIES.contains(&severity.as_str()) {
        return Err(bad(format!(
            "severity must be one of {} (got {severity:?})",
            SEVERITIES.join(", ")
        )));
    }
    if p.rule_id.to_ascii_uppercase().starts_with("GX-") {
        return Err(bad(
            "ruleId must not start with GX- (the built-in rules' prefix)".into(),
        ));
    }
    anomaly::check_condition(&p.condition).map_err(bad)?;
    let channels = p.alert_channels.clone().unwrap_or_default();
    let now = now_ms();
    let rule = AnomalyRule {
        id: Some(ids::new_id("arule")),
        rule_id: p.rule_id,
        name: p.name,
        description: p.description,
        condition: Some(p.condition),
        severity,
        alert_channels: channels,
        enabled: true,
        built_in: false,
        created_at: Some(iso(now)),
    };
    let r = rule.clone();
    st.db
        .write(move |tx| {
            let existing = store::alerts::rules(tx, &dev.id, false)?;
            if existing.iter().any(|e| e.rule_id == r.rule_id) {
                return Err(ApiError::conflict(format!(
                    "a rule with ruleId {:?} exists already",
                    r.rule_id
                )));
            }
            if existing.len() >= MAX_RULES {
                return Err(ApiError::forbidden(
                    "QUOTA_EXCEEDED",
                    format!(
                        "Quota exceeded: a developer may hold at most {MAX_RULES} custom rules"
                    ),
                ));
            }
            let known: Vec<String> = store::alerts::channels(tx, &dev.id)?
                .into_iter()
                .map(|c| c.id)
                .collect();
            if let Some(unknown) = r.alert_channels.iter().find(|c| !known.contains(c)) {
                return Err(ApiError::unprocessable(format!(
                    "alertChannels names an unknown channel {unknown:?}"
                )));
            }
            store::alerts::insert_rule(tx, &dev.id, &r, now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

fn rule_not_found() -> ApiError {
    ApiError::not_found("Rule not found (built-in rules cannot be changed)")
}

pub async fn update_rule(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    JsonBody(p): JsonBody<UpdateAnomalyRuleParams>,
) -> ApiResult<Json<AnomalyRule>> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            if !store::alerts::set_rule_enabled(tx, &dev.id, &id, p.enabled)? {
                return Err(rule_not_found());
            }
            store::alerts::find_rule(tx, &dev.id, &id)?.ok_or_else(rule_not_found)
        })
        .await
        .map(Json)
}

pub async fn delete_rule(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            if store::alerts::delete_rule(tx, &dev.id, &id)? {
                Ok(StatusCode::NO_CONTENT)
            } else {
                Err(rule_not_found())
            }
        })
        .await
}

pub async fn list_channels(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<AlertChannelList>> {
    let channels = st
        .db
        .read(move |c| store::alerts::channels(c, &dev.id))
        .await?;
    Ok(Json(AlertChannelList { channels }))
}

pub async fn create_channel(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<CreateAlertChannelParams>,
) -> ApiResult<(StatusCode, Json<AlertChannel>)> {
    let bad = ApiError::unprocessable;
    match p.kind.as_str() {
        "webhook" => {}
        "slack" | "email" => {
            return Err(bad(format!(
                "type {:?} is not delivered by this server; use a webhook channel (a Slack incoming webhook or a mail relay can take its JSON)",
                p.kind
            )))
        }
        other => return Err(bad(format!("type must be \"webhook\" (got {other:?})"))),
    }
    validate::text("name", &p.name, 256).map_err(|e| bad(e.message))?;
    let Some(url) = p.config.get("url").and_then(|u| u.as_str()) else {
        return Err(bad(
            "config.url is required (the https URL alerts are posted to)".into(),
        ));
    };
    let allow_private = st.settings.webhooks.allow_private;
    let parsed = target::check_url(url, allow_private).map_err(bad)?;
    target::check_resolves_public(&parsed, allow_private)
        .await
        .map_err(bad)?;
    let severities = p
        .severities
        .clone()
        .unwrap_or_else(|| vec!["critical".into(), "high".into()]);
    if severities.is_empty() || severities.iter().any(|s| !SEVERITIES.contains(&s.as_str())) {
        return Err(bad(format!(
            "severities must be a non-empty list of {}",
            SEVERITIES.join(", ")
        )));
    }
    let secret: String = ids::random_bytes::<32>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let secret = format!("whsec_{secret}");
    let now = now_ms();
    let ch = AlertChannel {
        id: ids::new_id("ach"),
        kind: p.kind,
        name: p.name,
        config: serde_json::json!({ "url": url }),
        severities,
        enabled: true,
        created_at: Some(iso(now)),
        secret: None,
    };
    let (c, u, s) = (ch.clone(), url.to_string(), secret.clone());
    st.db
        .write(move |tx| {
            if store::alerts::count_channels(tx, &dev.id)? >= MAX_CHANNELS {
                return Err(ApiError::forbidden(
                    "QUOTA_EXCEEDED",
                    format!("Quota exceeded: a developer may hold at most {MAX_CHANNELS} alert channels"),
                ));
            }
            store::alerts::insert_channel(tx, &dev.id, &c, &u, &s, now)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AlertChannel {
            secret: Some(secret),
            ..ch
        }),
    ))
}

pub async fn delete_channel(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            if store::alerts::delete_channel(tx, &dev.id, &id)? {
                Ok(StatusCode::NO_CONTENT)
            } else {
                Err(ApiError::not_found("Channel not found"))
            }
        })
        .await
}
