//! Signed checkpoints of a developer's audit chain (`POST /v1/audit/checkpoints`).
//!
//! A checkpoint records the chain head at one moment — last entry id, its hash, its timestamp
//! and how many entries the chain holds — and signs that statement with the server's active
//! RS256 key as a compact JWS (header `{"alg":"RS256","kid":…,"typ":"grantex-audit-checkpoint+jwt"}`),
//! verifiable offline against `/.well-known/jwks.json`. Whoever keeps a checkpoint can later
//! prove that the chain they are shown still extends that head: truncating or rewriting the
//! entries it covers no longer goes unnoticed.
//!
//! The server signs only a chain it has verified. Each checkpoint re-walks the entries appended
//! since the developer's furthest earlier checkpoint (the first checkpoint walks the whole chain):
//! the earlier head must still be there with the same hash, every entry's hash must match its
//! content ([`compute_hash`]) and link to its predecessor, and the chain must start with a
//! `prevHash` of null. A break refuses the checkpoint (500 `AUDIT_CHAIN_BROKEN`) instead of
//! vouching for tampered data.

use crate::error::{ApiError, ApiResult};
use crate::keys::KeyRing;
use crate::store::Db;
use crate::store::{self, audit::CheckpointRow};
use crate::{ids, time};
use axum::http::StatusCode;
use grantex::audit_chain::{compute_hash, BreakReason};
use grantex::types::AuditEntry;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// JWS `typ` of a signed checkpoint.
pub const JWS_TYP: &str = "grantex-audit-checkpoint+jwt";

/// `purpose` claim of a signed checkpoint (principal session tokens say `principal_dashboard`).
pub const PURPOSE: &str = "audit_checkpoint";

/// This server has no external witness (transparency log, co-signer): a checkpoint is final as
/// soon as the server signed it.
pub const WITNESS_REQUIRED: bool = false;

/// The API shape of a checkpoint (201 on create, 200 on read).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditCheckpoint {
    pub checkpoint_id: String,
    pub head_entry_id: String,
    pub head_hash: String,
    pub head_timestamp: String,
    pub entry_count: i64,
    pub signed_checkpoint: String,
    pub witness_required: bool,
    pub created_at: String,
}

impl From<CheckpointRow> for AuditCheckpoint {
    fn from(r: CheckpointRow) -> Self {
        AuditCheckpoint {
            checkpoint_id: r.id,
            head_entry_id: r.head_entry_id,
            head_hash: r.head_hash,
            head_timestamp: r.head_timestamp,
            entry_count: r.entry_count,
            signed_checkpoint: r.signed,
            witness_required: WITNESS_REQUIRED,
            created_at: time::iso(r.created_at),
        }
    }
}

/// The verified chain head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub entry_id: String,
    pub hash: String,
    pub timestamp: String,
    /// Entries from the start of the chain up to and including the head.
    pub count: i64,
}

/// Where verification resumes: the furthest earlier checkpoint's head.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub seq: i64,
    pub entry_id: String,
    pub hash: String,
    pub count: i64,
}

/// Verifies a chain entry by entry, fed in chain order from [`ChainWalk::start_seq`]: from the
/// anchor's head entry when there is an anchor, else from the start of the chain.
/// [`ChainWalk::finish`] gives the verified head (`None` for an empty chain).
#[derive(Debug)]
pub struct ChainWalk {
    anchor: Option<Anchor>,
    head: Option<Head>,
}

/// The chain fails verification at `entry_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub entry_id: String,
    pub reason: BreakReason,
    pub detail: &'static str,
}

impl ChainWalk {
    pub fn new(anchor: Option<Anchor>) -> ChainWalk {
        ChainWalk { anchor, head: None }
    }

    /// The `seq` the walk must start at.
    pub fn start_seq(&self) -> i64 {
        self.anchor.as_ref().map_or(0, |a| a.seq)
    }

    /// Feeds the next entry in chain order.
    pub fn push(&mut self, seq: i64, e: AuditEntry) -> Result<(), Broken> {
        let broken = |reason, detail| Broken {
            entry_id: e.entry_id.clone(),
            reason,
            detail,
        };
        if compute_hash(&e) != e.hash {
            return Err(broken(
                BreakReason::Content,
                "its hash does not match its content",
            ));
        }
        let count = match (&self.head, &self.anchor) {
            (Some(prev), _) => {
                if e.prev_hash.as_deref() != Some(prev.hash.as_str()) {
                    return Err(broken(
                        BreakReason::Link,
                        "its prevHash is not the previous entry's hash",
                    ));
                }
                prev.count + 1
            }
            (None, Some(a)) => {
                if seq != a.seq || e.entry_id != a.entry_id || e.hash != a.hash {
                    return Err(broken(
                        BreakReason::Link,
                        "the head of the previous checkpoint is missing or changed",
                    ));
                }
                a.count
            }
            (None, None) => {
                if e.prev_hash.is_some() {
                    return Err(broken(
                        BreakReason::Link,
                        "the first entry of the chain has a prevHash",
                    ));
                }
                1
            }
        };
        self.head = Some(Head {
            seq,
            entry_id: e.entry_id,
            hash: e.hash,
            timestamp: e.timestamp,
            count,
        });
        Ok(())
    }

    /// The verified head. With an anchor, the walk must at least have seen the anchor's entry.
    pub fn finish(self) -> Result<Option<Head>, Broken> {
        match (self.head, self.anchor) {
            (None, Some(a)) => Err(Broken {
                entry_id: a.entry_id,
                reason: BreakReason::Link,
                detail: "the head of the previous checkpoint is missing",
            }),
            (head, _) => Ok(head),
        }
    }
}

fn chain_broken(developer_id: &str, b: &Broken) -> ApiError {
    eprintln!(
        "grantex-server: audit chain of {developer_id} fails verification at {} ({}: {}); checkpoint refused",
        b.entry_id,
        b.reason.as_str(),
        b.detail
    );
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "AUDIT_CHAIN_BROKEN",
        format!(
            "The audit chain fails verification at entry {} ({}): {}. No checkpoint was signed",
            b.entry_id,
            b.reason.as_str(),
            b.detail
        ),
    )
}

/// The claims of a checkpoint's JWS. No `exp`: a checkpoint states a fact about one moment.
pub fn claims(issuer: &str, r: &CheckpointRow) -> Value {
    json!({
        "iss": issuer,
        "sub": r.developer_id,
        "dev": r.developer_id,
        "purpose": PURPOSE,
        "checkpointId": r.id,
        "headEntryId": r.head_entry_id,
        "headHash": r.head_hash,
        "headTimestamp": r.head_timestamp,
        "entryCount": r.entry_count,
        "iat": r.created_at.div_euclid(1000),
    })
}

/// Verifies the developer's chain up to its current head, signs a checkpoint of that head and
/// stores it. 409 `AUDIT_CHAIN_EMPTY` when the developer has no entries.
pub async fn create(db: &Db, keys: Arc<KeyRing>, developer_id: String) -> ApiResult<CheckpointRow> {
    db.run(move |db| {
        let head = db.read_sync(|c| {
            let anchor = store::audit::furthest_checkpoint(c, &developer_id)?.map(|p| Anchor {
                seq: p.head_seq,
                entry_id: p.head_entry_id,
                hash: p.head_hash,
                count: p.entry_count,
            });
            let mut walk = ChainWalk::new(anchor);
            let from_seq = walk.start_seq();
            store::audit::walk_chain(c, &developer_id, from_seq, |seq, e| {
                walk.push(seq, e)
                    .map_err(|b| chain_broken(&developer_id, &b))
            })?;
            walk.finish().map_err(|b| chain_broken(&developer_id, &b))
        })?;
        let head = head.ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "AUDIT_CHAIN_EMPTY",
                "The audit chain is empty: log an entry (POST /v1/audit/log) before taking a checkpoint",
            )
        })?;
        let mut row = CheckpointRow {
            id: ids::new_id("ckpt"),
            developer_id: developer_id.clone(),
            head_seq: head.seq,
            head_entry_id: head.entry_id,
            head_hash: head.hash,
            head_timestamp: head.timestamp,
            entry_count: head.count,
            kid: String::new(),
            signed: String::new(),
            created_at: time::now_ms(),
        };
        // Signed outside the write transaction (RSA is ~1 ms); the head it names is immutable.
        row.signed = keys.sign_typed(JWS_TYP, &claims(keys.issuer(), &row))?;
        row.kid = keys.kid_of(&row.signed)?;
        db.write_sync(|tx| store::audit::insert_checkpoint(tx, &row))?;
        Ok(row)
    })
    .await
}

/// A stored checkpoint of `developer_id`; `None` when unknown or another developer's.
pub async fn find(db: &Db, developer_id: String, id: String) -> ApiResult<Option<CheckpointRow>> {
    db.read(move |c| store::audit::find_checkpoint(c, &developer_id, &id))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(id: &str, prev: Option<&str>) -> AuditEntry {
        let mut e = AuditEntry {
            entry_id: id.into(),
            agent_id: "ag".into(),
            agent_did: "did:grantex:ag".into(),
            grant_id: "grnt".into(),
            principal_id: "p".into(),
            developer_id: "dev".into(),
            action: "act".into(),
            metadata: json!({"n": id}),
            hash: String::new(),
            prev_hash: prev.map(str::to_string),
            timestamp: "2026-01-01T00:00:00.000Z".into(),
            status: "success".into(),
            purpose: None,
        };
        e.hash = compute_hash(&e);
        e
    }

    /// A valid chain of `n` entries, seq 1..=n.
    fn chain(n: usize) -> Vec<(i64, AuditEntry)> {
        let mut out: Vec<(i64, AuditEntry)> = Vec::new();
        for i in 0..n {
            let prev = out.last().map(|(_, e)| e.hash.clone());
            out.push((i as i64 + 1, entry(&format!("alog_{i}"), prev.as_deref())));
        }
        out
    }

    fn walk(anchor: Option<Anchor>, entries: &[(i64, AuditEntry)]) -> Result<Option<Head>, Broken> {
        let mut w = ChainWalk::new(anchor);
        for (seq, e) in entries {
            if *seq >= w.start_seq() {
                w.push(*seq, e.clone())?;
            }
        }
        w.finish()
    }

    fn anchor_at(entries: &[(i64, AuditEntry)], i: usize) -> Anchor {
        Anchor {
            seq: entries[i].0,
            entry_id: entries[i].1.entry_id.clone(),
            hash: entries[i].1.hash.clone(),
            count: i as i64 + 1,
        }
    }

    #[test]
    fn empty_chain_has_no_head() {
        assert_eq!(walk(None, &[]).unwrap(), None);
    }

    #[test]
    fn full_walk_counts_and_returns_the_last_entry() {
        let c = chain(5);
        let head = walk(None, &c).unwrap().unwrap();
        assert_eq!(head.count, 5);
        assert_eq!(head.entry_id, "alog_4");
        assert_eq!(head.hash, c[4].1.hash);
        assert_eq!(head.seq, 5);
    }

    #[test]
    fn resumed_walk_counts_from_the_anchor() {
        let c = chain(7);
        let head = walk(Some(anchor_at(&c, 2)), &c).unwrap().unwrap();
        assert_eq!((head.count, head.entry_id.as_str()), (7, "alog_6"));
        // Nothing new since the anchor: the same head again.
        let head = walk(Some(anchor_at(&c, 6)), &c).unwrap().unwrap();
        assert_eq!((head.count, head.entry_id.as_str()), (7, "alog_6"));
    }

    #[test]
    fn altered_content_is_refused() {
        let mut c = chain(4);
        c[2].1.action = "changed".into();
        let b = walk(None, &c).unwrap_err();
        assert_eq!(
            (b.entry_id.as_str(), b.reason),
            ("alog_2", BreakReason::Content)
        );
    }

    #[test]
    fn a_removed_entry_breaks_the_link() {
        let mut c = chain(4);
        c.remove(1);
        let b = walk(None, &c).unwrap_err();
        assert_eq!(
            (b.entry_id.as_str(), b.reason),
            ("alog_2", BreakReason::Link)
        );
    }

    #[test]
    fn the_chain_must_start_at_null() {
        let c = chain(4);
        let b = walk(None, &c[1..]).unwrap_err();
        assert_eq!(
            (b.entry_id.as_str(), b.reason),
            ("alog_1", BreakReason::Link)
        );
    }

    #[test]
    fn a_changed_or_missing_anchor_is_refused() {
        let c = chain(4);
        let mut a = anchor_at(&c, 1);
        a.hash = "0".repeat(64);
        assert_eq!(walk(Some(a), &c).unwrap_err().entry_id, "alog_1");
        // The anchor's seq now holds another entry.
        let mut a = anchor_at(&c, 1);
        a.entry_id = "alog_other".into();
        assert_eq!(walk(Some(a), &c).unwrap_err().entry_id, "alog_1");
        // Nothing at or after the anchor.
        let a = anchor_at(&c, 3);
        assert_eq!(walk(Some(a), &c[..3]).unwrap_err().entry_id, "alog_3");
    }

    #[test]
    fn claims_name_the_head() {
        let row = CheckpointRow {
            id: "ckpt_1".into(),
            developer_id: "dev_1".into(),
            head_seq: 9,
            head_entry_id: "alog_9".into(),
            head_hash: "ab".repeat(32),
            head_timestamp: "2026-01-01T00:00:00.000Z".into(),
            entry_count: 9,
            kid: "k".into(),
            signed: String::new(),
            created_at: 1_767_225_600_999,
        };
        let c = claims("http://issuer", &row);
        assert_eq!(c["iss"], "http://issuer");
        assert_eq!(c["sub"], "dev_1");
        assert_eq!(c["dev"], "dev_1");
        assert_eq!(c["purpose"], PURPOSE);
        assert_eq!(c["checkpointId"], "ckpt_1");
        assert_eq!(c["headEntryId"], "alog_9");
        assert_eq!(c["headHash"], "ab".repeat(32));
        assert_eq!(c["entryCount"], 9);
        assert_eq!(c["iat"], 1_767_225_600);
        assert!(c.get("exp").is_none());
    }
}
