//! `budget_allocations`, `budget_transactions` and the debit idempotency memory.
//!
//! Amounts are kept in ten-thousandths of the currency unit (`i64` "units") so that balances
//! are exact; the wire shows them as decimal strings with four fractional digits. Every write
//! runs inside the caller's write transaction, so a debit's check and update are one step: no
//! concurrent debit can overspend.

use super::events;
use super::grants::{self, GrantRow};
use super::sql::{args, Row};
use super::Conn;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::time::iso;
use axum::http::StatusCode;
use grantex::types::{BudgetAllocation, BudgetTransaction};
use serde_json::{json, Value};

/// Units per currency unit.
pub const SCALE: i64 = 10_000;
/// The largest amount accepted (a trillion currency units).
const MAX_UNITS: i64 = 1_000_000_000_000 * SCALE;

/// Threshold events: (bit in `thresholds_fired`, percent used, event type).
const THRESHOLDS: [(i64, i64, &str); 3] = [
    (1, 50, events::BUDGET_THRESHOLD),
    (2, 80, events::BUDGET_THRESHOLD),
    (4, 100, events::BUDGET_EXHAUSTED),
];

/// `amount` (a JSON number) in units: positive, finite, at most four fractional digits.
pub fn to_units(field: &str, amount: f64) -> ApiResult<i64> {
    let bad = || {
        ApiError::bad_request(format!(
            "{field} must be a positive number with at most four fractional digits (at most {})",
            MAX_UNITS / SCALE
        ))
    };
    if !amount.is_finite() || amount <= 0.0 {
        return Err(bad());
    }
    let scaled = amount * SCALE as f64;
    let units = scaled.round();
    // Off by no more than float rounding: 0.1 is 1000 units, 1.23456 is refused.
    let rounding = scaled.abs() * 4.0 * f64::EPSILON;
    if units < 1.0 || units > MAX_UNITS as f64 || (scaled - units).abs() > rounding {
        return Err(bad());
    }
    Ok(units as i64)
}

/// `12.5000` for 125000 units.
pub fn format_units(units: i64) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let u = units.unsigned_abs();
    format!(
        "{sign}{}.{:04}",
        u / SCALE.unsigned_abs(),
        u % SCALE.unsigned_abs()
    )
}

const COLUMNS: &str = "id, grant_id, developer_id, initial_units, remaining_units, currency, \
     created_at, updated_at, thresholds_fired";

struct Allocation {
    wire: BudgetAllocation,
    initial: i64,
    remaining: i64,
    fired: i64,
}

fn from_row(r: &Row<'_>) -> ApiResult<Allocation> {
    let (initial, remaining) = (r.i64(3)?, r.i64(4)?);
    Ok(Allocation {
        wire: BudgetAllocation {
            id: r.str(0)?,
            grant_id: r.str(1)?,
            developer_id: r.str(2)?,
            initial_budget: format_units(initial),
            remaining_budget: format_units(remaining),
            currency: r.str(5)?,
            created_at: iso(r.i64(6)?),
            updated_at: iso(r.i64(7)?),
        },
        initial,
        remaining,
        fired: r.i64(8)?,
    })
}

fn find(c: &Conn, developer_id: &str, grant_id: &str) -> ApiResult<Option<Allocation>> {
    c.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM budget_allocations WHERE developer_id = ?1 AND grant_id = ?2"
        ),
        args![developer_id, grant_id],
        from_row,
    )
}

/// The grant's budget.
pub fn balance(
    c: &Conn,
    developer_id: &str,
    grant_id: &str,
) -> ApiResult<Option<BudgetAllocation>> {
    Ok(find(c, developer_id, grant_id)?.map(|a| a.wire))
}

/// Every budget of the developer, newest first.
pub fn list(c: &Conn, developer_id: &str) -> ApiResult<Vec<BudgetAllocation>> {
    c.query_all(
        &format!(
            "SELECT {COLUMNS} FROM budget_allocations WHERE developer_id = ?1
             ORDER BY created_at DESC, id DESC"
        ),
        args![developer_id],
        |r| from_row(r).map(|a| a.wire),
    )
}

/// The grant's parents, nearest first.
fn ancestors(c: &Conn, developer_id: &str, grant: &GrantRow) -> ApiResult<Vec<GrantRow>> {
    let mut out: Vec<GrantRow> = Vec::new();
    let mut next = grant.parent_grant_id.clone();
    while let Some(id) = next {
        // Lineage is acyclic by construction; the bound only guards a corrupt database.
        if out.len() > 64 {
            return Err(ApiError::internal("grant lineage deeper than 64"));
        }
        let Some(g) = grants::find(c, developer_id, &id)? else {
            break;
        };
        next = g.parent_grant_id.clone();
        out.push(g);
    }
    Ok(out)
}

/// What is left for `grant` to spend: the least remaining budget along its lineage (its own
/// and its parents'), as a number for the `bdg` claim; `None` when none of them has a budget.
pub fn effective_remaining(
    c: &Conn,
    developer_id: &str,
    grant: &GrantRow,
) -> ApiResult<Option<f64>> {
    let mut least: Option<i64> = None;
    let own = std::iter::once(grant.id.clone());
    let chain: Vec<String> = own
        .chain(ancestors(c, developer_id, grant)?.into_iter().map(|g| g.id))
        .collect();
    for id in chain {
        if let Some(a) = find(c, developer_id, &id)? {
            least = Some(least.map_or(a.remaining, |l| l.min(a.remaining)));
        }
    }
    Ok(least.map(|u| u as f64 / SCALE as f64))
}

fn active_grant(c: &Conn, developer_id: &str, grant_id: &str, now_ms: i64) -> ApiResult<GrantRow> {
    let g = grants::find(c, developer_id, grant_id)?
        .ok_or_else(|| ApiError::not_found("Grant not found"))?;
    if g.status != "active" || g.expires_at <= now_ms {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "GRANT_INACTIVE",
            format!("Grant {grant_id} is not active (revoked or expired)"),
        ));
    }
    Ok(g)
}

/// Gives an active grant a budget of `units`; a delegated grant's may not exceed what any of
/// its parents has left.
pub fn allocate(
    tx: &Conn,
    developer_id: &str,
    grant_id: &str,
    units: i64,
    currency: &str,
    now_ms: i64,
) -> ApiResult<BudgetAllocation> {
    let grant = active_grant(tx, developer_id, grant_id, now_ms)?;
    if find(tx, developer_id, grant_id)?.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "CONFLICT",
            "Budget allocation already exists for this grant",
        ));
    }
    for parent in ancestors(tx, developer_id, &grant)? {
        if let Some(a) = find(tx, developer_id, &parent.id)? {
            if units > a.remaining {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "BUDGET_EXCEEDS_PARENT",
                    format!(
                        "A delegated grant's budget cannot exceed its parent's: grant {} has {} left",
                        parent.id,
                        format_units(a.remaining)
                    ),
                )
                .with_detail("parentGrantId", parent.id.clone())
                .with_detail("parentRemaining", format_units(a.remaining)));
            }
        }
    }
    let id = ids::new_id("bdg");
    tx.exec(
        "INSERT INTO budget_allocations (id, developer_id, grant_id, initial_units, remaining_units,
             currency, thresholds_fired, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, 0, ?6, ?6)",
        args![&id, developer_id, grant_id, units, currency, now_ms],
    )?;
    find(tx, developer_id, grant_id)?
        .map(|a| a.wire)
        .ok_or_else(|| ApiError::internal("budget allocation vanished after insert"))
}

/// A debit's outcome.
pub struct Debited {
    pub remaining: String,
    pub transaction_id: String,
}

/// Takes `units` from the grant's budget and from every parent budget along its lineage, all
/// or nothing: 402 `INSUFFICIENT_BUDGET` when any has less left. Emits the threshold events
/// (50%, 80%, exhausted at 100%) each allocation crosses, once each.
pub fn debit(
    tx: &Conn,
    developer_id: &str,
    grant_id: &str,
    units: i64,
    description: Option<&str>,
    metadata: &Value,
    now_ms: i64,
) -> ApiResult<Debited> {
    let grant = active_grant(tx, developer_id, grant_id, now_ms)?;
    let own = find(tx, developer_id, grant_id)?
        .ok_or_else(|| ApiError::not_found("No budget allocation found for this grant"))?;
    let mut chain = vec![(grant.id.clone(), own)];
    for parent in ancestors(tx, developer_id, &grant)? {
        if let Some(a) = find(tx, developer_id, &parent.id)? {
            chain.push((parent.id, a));
        }
    }
    if let Some((short, a)) = chain.iter().find(|(_, a)| a.remaining < units) {
        let whose = if short == grant_id {
            format!("grant {grant_id}")
        } else {
            format!("its parent grant {short}")
        };
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "INSUFFICIENT_BUDGET",
            format!(
                "Insufficient budget for grant {grant_id}: {whose} has {} left, {} asked",
                format_units(a.remaining),
                format_units(units)
            ),
        ));
    }
    let transaction_id = ids::new_id("btx");
    let mut remaining = String::new();
    for (i, (gid, a)) in chain.iter().enumerate() {
        let left = a.remaining - units;
        let used = a.initial - left;
        let mut fired = a.fired;
        for (bit, pct, event) in THRESHOLDS {
            // used/initial >= pct/100, in integers.
            if fired & bit == 0 && used.saturating_mul(100) >= a.initial.saturating_mul(pct) {
                fired |= bit;
                events::emit(
                    tx,
                    developer_id,
                    event,
                    json!({
                        "grantId": gid,
                        "allocationId": a.wire.id,
                        "pct": pct,
                        "remaining": format_units(left),
                        "initialBudget": a.wire.initial_budget,
                        "currency": a.wire.currency,
                    }),
                )?;
            }
        }
        let changed = tx.exec(
            "UPDATE budget_allocations SET remaining_units = ?1, thresholds_fired = ?2, updated_at = ?3
             WHERE id = ?4 AND remaining_units = ?5",
            args![left, fired, now_ms, &a.wire.id, a.remaining],
        )?;
        if changed != 1 {
            // The write lock makes this unreachable; refuse rather than overspend.
            return Err(ApiError::internal("budget changed during a debit"));
        }
        let (id, meta) = if i == 0 {
            (transaction_id.clone(), metadata.clone())
        } else {
            (
                ids::new_id("btx"),
                json!({ "viaGrantId": grant_id, "viaTransactionId": transaction_id }),
            )
        };
        tx.exec(
            "INSERT INTO budget_transactions (id, developer_id, grant_id, allocation_id, amount_units,
                 description, metadata, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            args![
                &id,
                developer_id,
                gid,
                &a.wire.id,
                units,
                description,
                &meta.to_string(),
                now_ms
            ],
        )?;
        if i == 0 {
            remaining = format_units(left);
        }
    }
    Ok(Debited {
        remaining,
        transaction_id,
    })
}

/// A page of the grant's debits (newest first) and how many there are.
pub fn transactions(
    c: &Conn,
    developer_id: &str,
    grant_id: &str,
    page: u32,
    page_size: u32,
) -> ApiResult<(Vec<BudgetTransaction>, u64)> {
    let offset = i64::from(page.saturating_sub(1)) * i64::from(page_size);
    let rows = c.query_all(
        "SELECT id, grant_id, allocation_id, amount_units, description, metadata, created_at
         FROM budget_transactions WHERE developer_id = ?1 AND grant_id = ?2
         ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4",
        args![developer_id, grant_id, i64::from(page_size), offset],
        |r| {
            Ok(BudgetTransaction {
                id: r.str(0)?,
                grant_id: r.str(1)?,
                allocation_id: r.str(2)?,
                amount: format_units(r.i64(3)?),
                description: r.opt_str(4)?,
                metadata: r.json(5)?,
                created_at: iso(r.i64(6)?),
            })
        },
    )?;
    let total = c.query_one(
        "SELECT COUNT(*) FROM budget_transactions WHERE developer_id = ?1 AND grant_id = ?2",
        args![developer_id, grant_id],
        |r| r.i64(0),
    )?;
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// The stored (request fingerprint, response JSON) of an earlier debit under `key`.
pub fn idempotent_answer(
    c: &Conn,
    developer_id: &str,
    key: &str,
    since_ms: i64,
) -> ApiResult<Option<(String, String)>> {
    c.query_opt(
        "SELECT request, response FROM budget_idempotency
         WHERE developer_id = ?1 AND key = ?2 AND created_at >= ?3",
        args![developer_id, key, since_ms],
        |r| Ok((r.str(0)?, r.str(1)?)),
    )
}

/// Remembers a debit's answer under `key` (and forgets answers older than `keep_ms`).
pub fn remember_answer(
    tx: &Conn,
    developer_id: &str,
    key: &str,
    request: &str,
    response: &str,
    now_ms: i64,
    keep_ms: i64,
) -> ApiResult<()> {
    tx.exec(
        "DELETE FROM budget_idempotency WHERE developer_id = ?1 AND created_at < ?2",
        args![developer_id, now_ms - keep_ms],
    )?;
    // An expired answer under the same key is replaced.
    tx.exec(
        "DELETE FROM budget_idempotency WHERE developer_id = ?1 AND key = ?2",
        args![developer_id, key],
    )?;
    tx.exec(
        "INSERT INTO budget_idempotency (developer_id, key, request, response, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        args![developer_id, key, request, response, now_ms],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_in_units() {
        assert_eq!(to_units("a", 0.1).unwrap(), 1000);
        assert_eq!(to_units("a", 12.3456).unwrap(), 123_456);
        assert_eq!(to_units("a", 0.0001).unwrap(), 1);
        assert_eq!(to_units("a", 19.99).unwrap(), 199_900);
        assert_eq!(to_units("a", 123.4567).unwrap(), 1_234_567);
        for bad in [
            0.0,
            -1.0,
            0.00001,
            1.23456,
            123.45678,
            100.00005,
            f64::NAN,
            f64::INFINITY,
            1e13,
        ] {
            assert!(to_units("a", bad).is_err(), "{bad}");
        }
        assert_eq!(format_units(125_000), "12.5000");
        assert_eq!(format_units(1), "0.0001");
        assert_eq!(format_units(0), "0.0000");
        // 0.1 + 0.2 in units is exactly 0.3.
        assert_eq!(
            format_units(to_units("a", 0.1).unwrap() + to_units("a", 0.2).unwrap()),
            "0.3000"
        );
    }
}
