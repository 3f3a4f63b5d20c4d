//! MCP authorization records: `mcp_servers` (the resources), `oauth_clients` (the clients of
//! `/oauth`), `oauth_client_agents` (the agent a client is in one developer's grants) and
//! `mcp_settings` (the dynamic registration policy).

use super::sql::{args, Row};
use super::Conn;
use crate::error::ApiResult;
use crate::time::iso;

/// A registered MCP server.
#[derive(Debug, Clone)]
pub struct ServerRow {
    pub id: String,
    pub developer_id: String,
    pub name: String,
    pub resource_url: String,
    pub scopes: Vec<String>,
    pub login_url: Option<String>,
    pub grant_ttl: String,
    pub created_at: i64,
}

impl ServerRow {
    pub fn to_wire(&self, authorization_server: &str) -> grantex::types::McpServer {
        grantex::types::McpServer {
            id: self.id.clone(),
            name: self.name.clone(),
            resource_url: self.resource_url.clone(),
            scopes: self.scopes.clone(),
            login_url: self.login_url.clone(),
            grant_ttl: self.grant_ttl.clone(),
            authorization_server: authorization_server.to_string(),
            created_at: iso(self.created_at),
        }
    }
}

const SERVER: &str =
    "id, developer_id, name, resource_url, scopes, login_url, grant_ttl, created_at";

fn server(r: &Row<'_>) -> ApiResult<ServerRow> {
    Ok(ServerRow {
        id: r.str(0)?,
        developer_id: r.str(1)?,
        name: r.str(2)?,
        resource_url: r.str(3)?,
        scopes: r.json(4)?,
        login_url: r.opt_str(5)?,
        grant_ttl: r.str(6)?,
        created_at: r.i64(7)?,
    })
}

/// Inserts a server; `false` if its resource URL is already registered (by anyone).
pub fn insert_server(tx: &Conn, s: &ServerRow) -> ApiResult<bool> {
    if resource(tx, &s.resource_url)?.is_some() {
        return Ok(false);
    }
    tx.exec(
        &format!("INSERT INTO mcp_servers ({SERVER}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        args![
            &s.id,
            &s.developer_id,
            &s.name,
            &s.resource_url,
            serde_json::to_string(&s.scopes)?,
            &s.login_url,
            &s.grant_ttl,
            s.created_at
        ],
    )?;
    Ok(true)
}

pub fn find_server(c: &Conn, developer_id: &str, id: &str) -> ApiResult<Option<ServerRow>> {
    c.query_opt(
        &format!("SELECT {SERVER} FROM mcp_servers WHERE id = ?1 AND developer_id = ?2"),
        args![id, developer_id],
        server,
    )
}

/// The server whose resource URL is exactly `url`.
pub fn resource(c: &Conn, url: &str) -> ApiResult<Option<ServerRow>> {
    c.query_opt(
        &format!("SELECT {SERVER} FROM mcp_servers WHERE resource_url = ?1"),
        args![url],
        server,
    )
}

pub fn list_servers(c: &Conn, developer_id: &str) -> ApiResult<Vec<ServerRow>> {
    c.query_all(
        &format!("SELECT {SERVER} FROM mcp_servers WHERE developer_id = ?1 ORDER BY created_at DESC, id DESC"),
        args![developer_id],
        server,
    )
}

pub fn delete_server(tx: &Conn, developer_id: &str, id: &str) -> ApiResult<bool> {
    Ok(tx.exec(
        "DELETE FROM mcp_servers WHERE id = ?1 AND developer_id = ?2",
        args![id, developer_id],
    )? == 1)
}

/// An OAuth client.
#[derive(Debug, Clone)]
pub struct ClientRow {
    pub client_id: String,
    /// `None`: registered openly.
    pub developer_id: Option<String>,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    /// `none`, `client_secret_post` or `client_secret_basic`.
    pub auth_method: String,
    /// SHA-256 (hex) of the secret of a confidential client.
    pub secret_hash: Option<String>,
    /// `api` or `dynamic`.
    pub registered_by: String,
    pub created_at: i64,
}

const CLIENT: &str =
    "client_id, developer_id, client_name, redirect_uris, auth_method, secret_hash, registered_by, created_at";

fn client(r: &Row<'_>) -> ApiResult<ClientRow> {
    Ok(ClientRow {
        client_id: r.str(0)?,
        developer_id: r.opt_str(1)?,
        client_name: r.str(2)?,
        redirect_uris: r.json(3)?,
        auth_method: r.str(4)?,
        secret_hash: r.opt_str(5)?,
        registered_by: r.str(6)?,
        created_at: r.i64(7)?,
    })
}

pub fn insert_client(tx: &Conn, cl: &ClientRow) -> ApiResult<()> {
    tx.exec(
        &format!("INSERT INTO oauth_clients ({CLIENT}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        args![
            &cl.client_id,
            &cl.developer_id,
            &cl.client_name,
            serde_json::to_string(&cl.redirect_uris)?,
            &cl.auth_method,
            &cl.secret_hash,
            &cl.registered_by,
            cl.created_at
        ],
    )?;
    Ok(())
}

/// Any client by id (the OAuth endpoints are public).
pub fn client_by_id(c: &Conn, client_id: &str) -> ApiResult<Option<ClientRow>> {
    c.query_opt(
        &format!("SELECT {CLIENT} FROM oauth_clients WHERE client_id = ?1"),
        args![client_id],
        client,
    )
}

/// A client the developer may see: its own, or an open one that has an agent in its grants.
pub fn visible_client(
    c: &Conn,
    developer_id: &str,
    client_id: &str,
) -> ApiResult<Option<ClientRow>> {
    c.query_opt(
        &format!(
            "SELECT {CLIENT} FROM oauth_clients WHERE client_id = ?1 AND (developer_id = ?2 OR
               (developer_id IS NULL AND client_id IN
                  (SELECT client_id FROM oauth_client_agents WHERE developer_id = ?2)))"
        ),
        args![client_id, developer_id],
        client,
    )
}

pub fn list_clients(c: &Conn, developer_id: &str) -> ApiResult<Vec<ClientRow>> {
    c.query_all(
        &format!(
            "SELECT {CLIENT} FROM oauth_clients WHERE developer_id = ?1 OR
               (developer_id IS NULL AND client_id IN
                  (SELECT client_id FROM oauth_client_agents WHERE developer_id = ?1))
             ORDER BY created_at DESC, client_id DESC"
        ),
        args![developer_id],
        client,
    )
}

/// Deletes the developer's own client. An openly registered one is not the developer's to
/// delete: it stays linked to its (suspended) agent, which keeps it refused for this developer.
pub fn delete_client(tx: &Conn, developer_id: &str, client_id: &str) -> ApiResult<()> {
    let own = tx.exec(
        "DELETE FROM oauth_clients WHERE client_id = ?1 AND developer_id = ?2",
        args![client_id, developer_id],
    )? == 1;
    if own {
        tx.exec(
            "DELETE FROM oauth_client_agents WHERE developer_id = ?1 AND client_id = ?2",
            args![developer_id, client_id],
        )?;
    }
    Ok(())
}

/// The agent standing for `client_id` in the developer's grants.
pub fn client_agent(c: &Conn, developer_id: &str, client_id: &str) -> ApiResult<Option<String>> {
    c.query_opt(
        "SELECT agent_id FROM oauth_client_agents WHERE developer_id = ?1 AND client_id = ?2",
        args![developer_id, client_id],
        |r| r.str(0),
    )
}

pub fn link_agent(
    tx: &Conn,
    developer_id: &str,
    client_id: &str,
    agent_id: &str,
    now: i64,
) -> ApiResult<()> {
    tx.exec(
        "INSERT INTO oauth_client_agents (developer_id, client_id, agent_id, created_at) VALUES (?1, ?2, ?3, ?4)",
        args![developer_id, client_id, agent_id, now],
    )?;
    Ok(())
}

/// `(policy, registration token hash)`; a developer that never chose has `open` and no token.
pub fn settings(c: &Conn, developer_id: &str) -> ApiResult<(String, Option<String>)> {
    Ok(c
        .query_opt(
            "SELECT registration_policy, registration_token_hash FROM mcp_settings WHERE developer_id = ?1",
            args![developer_id],
            |r| Ok((r.str(0)?, r.opt_str(1)?)),
        )?
        .unwrap_or_else(|| ("open".into(), None)))
}

pub fn save_settings(
    tx: &Conn,
    developer_id: &str,
    policy: &str,
    token_hash: Option<&str>,
) -> ApiResult<()> {
    tx.exec(
        "DELETE FROM mcp_settings WHERE developer_id = ?1",
        args![developer_id],
    )?;
    tx.exec(
        "INSERT INTO mcp_settings (developer_id, registration_policy, registration_token_hash) VALUES (?1, ?2, ?3)",
        args![developer_id, policy, token_hash],
    )?;
    Ok(())
}

/// The developer whose registration token hashes to `hash` and whose policy is `token`.
pub fn developer_by_registration_token(c: &Conn, hash: &str) -> ApiResult<Option<String>> {
    c.query_opt(
        "SELECT developer_id FROM mcp_settings WHERE registration_token_hash = ?1 AND registration_policy = 'token'",
        args![hash],
        |r| r.str(0),
    )
}

/// `(developer, agent)` of the grant a refresh token belongs to.
pub fn refresh_owner(c: &Conn, refresh_token: &str) -> ApiResult<Option<(String, String)>> {
    c.query_opt(
        "SELECT g.developer_id, g.agent_id FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id WHERE r.id = ?1",
        args![refresh_token],
        |r| Ok((r.str(0)?, r.str(1)?)),
    )
}

/// The developer's active grants whose agent stands for `client_id`.
pub fn client_grant_ids(c: &Conn, developer_id: &str, client_id: &str) -> ApiResult<Vec<String>> {
    c.query_all(
        "SELECT g.id FROM grants g JOIN oauth_client_agents a
           ON a.agent_id = g.agent_id AND a.developer_id = g.developer_id
         WHERE a.developer_id = ?1 AND a.client_id = ?2 AND g.status = 'active'",
        args![developer_id, client_id],
        |r| r.str(0),
    )
}
