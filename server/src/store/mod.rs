//! The storage layer: every SQL statement the server runs lives under this module; route
//! handlers call these functions and never see SQL (see ARCHITECTURE.md, "Storage").
//!
//! Functions take the connection (or the write transaction, which derefs to one) that
//! [`Db::read`] / [`Db::write`] hand to their closure, so a handler's several steps share one
//! transaction. SQLite is the only backend today; a second backend goes behind these same
//! functions (`Conn` becomes an enum over backends) without touching the routes.

pub mod agents;
pub mod alerts;
pub mod anomalies;
pub mod audit;
pub mod auth_requests;
pub mod budgets;
pub mod compliance;
mod db;
pub mod developers;
pub mod events;
pub mod grants;
pub mod keys;
pub mod mcp;
pub mod policies;
pub mod quota;
pub mod revocation;
pub mod revocation_feed;
mod schema;
mod schema_pg;
pub mod scim;
pub mod sessions;
pub(crate) mod sql;
pub mod sso;
pub mod tokens;
pub mod usage;
pub mod vault;
pub mod webhooks;

pub use db::{is_postgres_url, Db};

pub use sql::Conn;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_json_columns_are_errors_not_defaults() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        schema::migrate(&mut c).unwrap();
        developers::insert(
            &c,
            "dev_1",
            "d",
            None,
            grantex::types::Mode::Live,
            "gx_live_test_key",
            0,
        )
        .unwrap();
        c.execute(
            "INSERT INTO agents (id, did, developer_id, name, description, scopes, status, created_at, updated_at)
             VALUES ('ag_1', 'did:grantex:ag_1', 'dev_1', 'a', '', 'not json', 'active', 0, 0)",
            [],
        )
        .unwrap();
        let e = agents::find(&c, "dev_1", "ag_1").unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        c.execute(
            "UPDATE agents SET scopes = '[\"read\"]', redirect_uris = '{}'",
            [],
        )
        .unwrap();
        assert!(
            agents::find(&c, "dev_1", "ag_1").is_err(),
            "redirect_uris must be a list"
        );
        c.execute("UPDATE agents SET redirect_uris = NULL", [])
            .unwrap();
        let a = agents::find(&c, "dev_1", "ag_1").unwrap().unwrap();
        assert_eq!(
            (a.scopes, a.redirect_uris),
            (vec!["read".to_string()], vec![])
        );
    }
}
