//! `/v1/compliance/*` — the summary, exports of grants and of the audit log (JSON or CSV,
//! streamed), and the evidence pack with the audit chain verified by the core's verifier.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::export::{self, Writer};
use crate::extract::QueryMap;
use crate::state::AppState;
use crate::store;
use crate::store::compliance::{GrantFilter, Range};
use crate::time::{iso, now_ms, parse_iso};
use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Json};
use grantex::audit_chain::ChainVerifier;
use grantex::types::{AuditEntry, ChainIntegrity, ComplianceSummary, EvidencePackMeta};
use serde_json::{json, Value};

/// The evidence pack's layout version.
const EVIDENCE_SCHEMA: &str = "1.0";

fn instant(q: &QueryMap, key: &str) -> ApiResult<Option<i64>> {
    q.get(key)
        .map(|v| {
            parse_iso(v).ok_or_else(|| {
                ApiError::bad_request(format!("{key} must be an ISO-8601 date or date-time"))
            })
        })
        .transpose()
}

fn range(q: &QueryMap) -> ApiResult<Range> {
    let (since, until) = (instant(q, "since")?, instant(q, "until")?);
    if let (Some(s), Some(u)) = (since, until) {
        if s > u {
            return Err(ApiError::bad_request("since must not be after until"));
        }
    }
    Ok(Range {
        since_ms: since,
        until_ms: until,
        since_iso: since.map(iso),
        until_iso: until.map(iso),
    })
}

fn summary_of(c: &store::Conn, developer_id: &str, r: &Range) -> ApiResult<ComplianceSummary> {
    let counts = store::compliance::counts(c, developer_id, r, now_ms())?;
    Ok(ComplianceSummary {
        generated_at: iso(now_ms()),
        agents: counts.agents,
        grants: counts.grants,
        audit_entries: counts.audit_entries,
        policies: counts.policies,
        plan: "self-hosted".into(),
        since: r.since_iso.clone(),
        until: r.until_iso.clone(),
    })
}

pub async fn summary(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<ComplianceSummary>> {
    let r = range(&q)?;
    st.db
        .read(move |c| summary_of(c, &dev.id, &r))
        .await
        .map(Json)
}

fn grant_filter(q: &QueryMap) -> ApiResult<GrantFilter> {
    Ok(GrantFilter {
        range: range(q)?,
        status: q.one_of("status", &["active", "revoked", "expired"])?,
        agent_id: q.get("agentId").map(str::to_string),
    })
}

const GRANT_CSV: [&str; 14] = [
    "grantId",
    "agentId",
    "agentDid",
    "principalId",
    "developerId",
    "scopes",
    "status",
    "issuedAt",
    "expiresAt",
    "revokedAt",
    "parentGrantId",
    "delegationDepth",
    "purpose",
    "dataRegion",
];

fn grant_cells(g: &grantex::types::Grant) -> Vec<String> {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        g.grant_id.clone(),
        g.agent_id.clone(),
        g.agent_did.clone(),
        g.principal_id.clone(),
        g.developer_id.clone(),
        g.scopes.join(" "),
        g.status.clone(),
        g.issued_at.clone(),
        g.expires_at.clone(),
        o(&g.revoked_at),
        o(&g.parent_grant_id),
        g.delegation_depth.to_string(),
        o(&g.purpose),
        o(&g.data_region),
    ]
}

/// Streams the developer's matching grants into `w` as a JSON array's members (or CSV rows);
/// returns how many.
fn write_grants(
    c: &store::Conn,
    dev: &str,
    f: &GrantFilter,
    csv: bool,
    w: &mut Writer,
) -> ApiResult<u64> {
    let mut n = 0u64;
    let now = now_ms();
    store::compliance::for_each_grant(c, dev, f, now, |g| {
        let g = g.to_api();
        if csv {
            w.csv_row(&grant_cells(&g))?;
        } else {
            if n > 0 {
                w.bytes(b",")?;
            }
            w.json(&g)?;
        }
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

pub async fn export_grants(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Response> {
    let f = grant_filter(&q)?;
    let csv = export::format(q.get("format"))?;
    export::respond(&st.db, csv, "grants", move |c, w| {
        if csv {
            w.csv_row(&GRANT_CSV)?;
            write_grants(c, &dev.id, &f, true, w)?;
            return Ok(());
        }
        w.bytes(format!("{{\"generatedAt\":\"{}\",\"grants\":[", iso(now_ms())).as_bytes())?;
        let n = write_grants(c, &dev.id, &f, false, w)?;
        w.bytes(format!("],\"total\":{n}}}").as_bytes())
    })
    .await
}

/// Which audit entries an export holds.
struct AuditFilter {
    entries: store::audit::EntryFilter,
    status: Option<String>,
}

fn audit_filter(q: &QueryMap) -> ApiResult<AuditFilter> {
    let r = range(q)?;
    Ok(AuditFilter {
        entries: store::audit::EntryFilter {
            agent_id: q.get("agentId").map(str::to_string),
            since: r.since_iso,
            until: r.until_iso,
            ..Default::default()
        },
        status: q.one_of("status", &["success", "failure", "blocked"])?,
    })
}

const AUDIT_CSV: [&str; 11] = [
    "entryId",
    "timestamp",
    "agentId",
    "agentDid",
    "grantId",
    "principalId",
    "action",
    "status",
    "metadata",
    "hash",
    "prevHash",
];

fn audit_cells(e: &AuditEntry) -> Vec<String> {
    vec![
        e.entry_id.clone(),
        e.timestamp.clone(),
        e.agent_id.clone(),
        e.agent_did.clone(),
        e.grant_id.clone(),
        e.principal_id.clone(),
        e.action.clone(),
        e.status.clone(),
        e.metadata.to_string(),
        e.hash.clone(),
        e.prev_hash.clone().unwrap_or_default(),
    ]
}

fn write_audit(
    c: &store::Conn,
    dev: &str,
    f: &AuditFilter,
    csv: bool,
    w: &mut Writer,
) -> ApiResult<u64> {
    let mut n = 0u64;
    store::audit::for_each_entry(c, dev, &f.entries, |e| {
        if f.status.as_deref().is_some_and(|s| s != e.status) {
            return Ok(());
        }
        if csv {
            w.csv_row(&audit_cells(&e))?;
        } else {
            if n > 0 {
                w.bytes(b",")?;
            }
            w.json(&e)?;
        }
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

pub async fn export_audit(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Response> {
    let f = audit_filter(&q)?;
    let csv = export::format(q.get("format"))?;
    export::respond(&st.db, csv, "audit", move |c, w| {
        if csv {
            w.csv_row(&AUDIT_CSV)?;
            write_audit(c, &dev.id, &f, true, w)?;
            return Ok(());
        }
        w.bytes(format!("{{\"generatedAt\":\"{}\",\"entries\":[", iso(now_ms())).as_bytes())?;
        let n = write_audit(c, &dev.id, &f, false, w)?;
        w.bytes(format!("],\"total\":{n}}}").as_bytes())
    })
    .await
}

/// The whole chain (not only the pack's range: a range cannot prove what came before it),
/// verified entry by entry as it is read.
fn chain_integrity(c: &store::Conn, dev: &str) -> ApiResult<ChainIntegrity> {
    let mut v = ChainVerifier::default();
    store::audit::walk_chain(c, dev, i64::MIN, |_, e| {
        v.push(&e);
        Ok(())
    })?;
    let r = v.report();
    Ok(ChainIntegrity {
        valid: r.valid,
        checked_entries: r.checked_entries as u64,
        first_broken_at: r.first_broken_at,
        reason: r.reason.map(|r| r.as_str().to_string()),
    })
}

/// The controls the pack evidences, per framework, and what in the pack evidences each.
fn controls(framework: &str, chain_valid: bool) -> Vec<Value> {
    let soc2 = [
        ("CC6.1", "Logical access is restricted", "grants: scoped, time-limited tokens; policies in force"),
        ("CC6.2", "Access is authorized before it is granted", "grants: each issued after the principal's consent or a recorded policy decision (audit actions grantex.policy.*)"),
        ("CC6.3", "Access is removed when no longer needed", "grants: revoked and expired counts; revocations cascade to delegated grants"),
        ("CC7.2", "Activity is monitored and its record is complete", "auditEntries and chainIntegrity: the hash chain verified end to end"),
    ];
    let gdpr = [
        (
            "Art. 7",
            "Conditions for consent: consent can be demonstrated",
            "grants: the principal, scopes and time of each consent",
        ),
        (
            "Art. 7(3)",
            "Consent can be withdrawn",
            "grants: revocations, effective at once",
        ),
        (
            "Art. 30",
            "Records of processing activities",
            "auditEntries: every recorded action, hash-chained",
        ),
        (
            "Art. 32",
            "Security of processing: integrity of records",
            "chainIntegrity: tampering with any entry breaks the chain",
        ),
    ];
    let mut out = Vec::new();
    for (name, list) in [("soc2", &soc2), ("gdpr", &gdpr)] {
        if framework != "all" && framework != name {
            continue;
        }
        for (id, title, evidence) in list.iter() {
            let integrity = evidence.contains("chainIntegrity");
            out.push(json!({
                "framework": name,
                "control": id,
                "title": title,
                "evidence": evidence,
                // Only the chain check is a pass/fail fact the server can establish itself.
                "chainVerified": if integrity { Value::Bool(chain_valid) } else { Value::Null },
            }));
        }
    }
    out
}

pub async fn evidence_pack(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Response> {
    let r = range(&q)?;
    let framework = q
        .one_of("framework", &["soc2", "gdpr", "all"])?
        .unwrap_or_else(|| "all".into());
    let grants = GrantFilter {
        range: r.clone(),
        ..Default::default()
    };
    let audit = AuditFilter {
        entries: store::audit::EntryFilter {
            since: r.since_iso.clone(),
            until: r.until_iso.clone(),
            ..Default::default()
        },
        status: None,
    };
    export::respond(&st.db, false, "evidence-pack", move |c, w| {
        let integrity = chain_integrity(c, &dev.id)?;
        let s = summary_of(c, &dev.id, &r)?;
        let meta = EvidencePackMeta {
            schema_version: EVIDENCE_SCHEMA.into(),
            generated_at: s.generated_at.clone(),
            framework: framework.clone(),
            since: r.since_iso.clone(),
            until: r.until_iso.clone(),
        };
        let summary = json!({
            "agents": s.agents,
            "grants": s.grants,
            "auditEntries": s.audit_entries,
            "policies": s.policies,
            "plan": s.plan,
            "controls": controls(&framework, integrity.valid),
        });
        w.bytes(b"{\"meta\":")?;
        w.json(&meta)?;
        w.bytes(b",\"summary\":")?;
        w.json(&summary)?;
        w.bytes(b",\"chainIntegrity\":")?;
        w.json(&integrity)?;
        w.bytes(b",\"policies\":")?;
        w.json(&store::policies::list(c, &dev.id)?)?;
        w.bytes(b",\"grants\":[")?;
        write_grants(c, &dev.id, &grants, false, w)?;
        w.bytes(b"],\"auditEntries\":[")?;
        write_audit(c, &dev.id, &audit, false, w)?;
        w.bytes(b"]}")
    })
    .await
}
