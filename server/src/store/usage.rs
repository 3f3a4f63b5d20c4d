//! `usage_daily`: metered requests per developer and UTC day. Each instance counts in memory
//! (`crate::usage::Meter`) and adds its counts here every few seconds.

use super::sql::args;
use super::Conn;
use crate::error::ApiResult;

/// One day's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub token_exchanges: u64,
    pub authorizations: u64,
    pub verifications: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.token_exchanges + self.authorizations + self.verifications
    }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Adds `c` to the developer's counts of `date` (`YYYY-MM-DD`).
pub fn add(tx: &Conn, developer_id: &str, date: &str, c: Counts) -> ApiResult<()> {
    tx.exec(
        "INSERT INTO usage_daily (developer_id, date, token_exchanges, authorizations, verifications)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (developer_id, date) DO UPDATE SET
             token_exchanges = usage_daily.token_exchanges + excluded.token_exchanges,
             authorizations = usage_daily.authorizations + excluded.authorizations,
             verifications = usage_daily.verifications + excluded.verifications",
        args![
            developer_id,
            date,
            signed(c.token_exchanges),
            signed(c.authorizations),
            signed(c.verifications)
        ],
    )?;
    Ok(())
}

/// The developer's days from `since` (inclusive, `YYYY-MM-DD`), newest first.
pub fn since(c: &Conn, developer_id: &str, since: &str) -> ApiResult<Vec<(String, Counts)>> {
    c.query_all(
        "SELECT date, token_exchanges, authorizations, verifications FROM usage_daily
         WHERE developer_id = ?1 AND date >= ?2 ORDER BY date DESC",
        args![developer_id, since],
        |r| {
            Ok((
                r.str(0)?,
                Counts {
                    token_exchanges: unsigned(r.i64(1)?),
                    authorizations: unsigned(r.i64(2)?),
                    verifications: unsigned(r.i64(3)?),
                },
            ))
        },
    )
}
