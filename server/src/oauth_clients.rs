//! OAuth clients of the MCP authorization server: what a registration (RFC 7591, or the
//! developer's `POST /v1/mcp/clients`) may say, and the agent a client becomes in a developer's
//! grants. Shared by `routes::oauth` and `routes::mcp`.

use crate::error::ApiResult;
use crate::store;
use crate::store::mcp::ClientRow;
use crate::time::{iso, now_ms};
use crate::{ids, validate};
use grantex::types::Agent;
use serde_json::{Map, Value};

/// Registration limits: redirect URIs per client, name length.
const MAX_REDIRECTS: usize = validate::MAX_REDIRECT_URIS;
const MAX_CLIENT_NAME: usize = 200;

pub type MetaError = (&'static str, String);

/// The client a registration describes (RFC 7591 §2), and its secret if confidential.
pub fn client_from_metadata(
    meta: &Map<String, Value>,
) -> Result<(ClientRow, Option<String>), MetaError> {
    let bad = |why: String| ("invalid_client_metadata", why);
    let uris: Vec<String> = match meta.get("redirect_uris") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|u| u.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                (
                    "invalid_redirect_uri",
                    "redirect_uris must be strings".into(),
                )
            })?,
        _ => {
            return Err((
                "invalid_redirect_uri",
                "redirect_uris is required: a non-empty array of exact redirect URIs".into(),
            ))
        }
    };
    if uris.len() > MAX_REDIRECTS {
        return Err((
            "invalid_redirect_uri",
            format!("at most {MAX_REDIRECTS} redirect_uris"),
        ));
    }
    validate::redirect_uris(&uris).map_err(|e| ("invalid_redirect_uri", e.message))?;
    let name = match meta.get("client_name") {
        None | Some(Value::Null) => "MCP client".to_string(),
        Some(Value::String(s)) => {
            validate::text("client_name", s, MAX_CLIENT_NAME).map_err(|e| bad(e.message))?;
            s.trim().to_string()
        }
        Some(_) => return Err(bad("client_name must be a string".into())),
    };
    let method = match meta.get("token_endpoint_auth_method") {
        None | Some(Value::Null) => "client_secret_basic",
        Some(Value::String(s)) => match s.as_str() {
            "none" => "none",
            "client_secret_post" => "client_secret_post",
            "client_secret_basic" => "client_secret_basic",
            other => {
                return Err(bad(format!(
                    "token_endpoint_auth_method {other:?} is not supported (none, client_secret_post, client_secret_basic)"
                )))
            }
        },
        Some(_) => return Err(bad("token_endpoint_auth_method must be a string".into())),
    };
    check_list(
        meta,
        "grant_types",
        &["authorization_code", "refresh_token"],
    )?;
    check_list(meta, "response_types", &["code"])?;
    let secret = (method != "none").then(|| ids::new_secret("mcs"));
    Ok((
        ClientRow {
            client_id: ids::new_id("mcc"),
            developer_id: None,
            client_name: name,
            redirect_uris: uris,
            auth_method: method.into(),
            secret_hash: secret.as_deref().map(|s| ids::sha256_hex(s.as_bytes())),
            registered_by: "dynamic".into(),
            created_at: now_ms(),
        },
        secret,
    ))
}

/// An optional list field whose members must all be in `allowed`.
fn check_list(meta: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<(), MetaError> {
    let bad = |why: String| ("invalid_client_metadata", why);
    match meta.get(field) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(a)) => {
            for v in a {
                match v.as_str() {
                    Some(s) if allowed.contains(&s) => {}
                    _ => {
                        return Err(bad(format!(
                            "{field} may only hold {} (got {v})",
                            allowed.join(", ")
                        )))
                    }
                }
            }
            Ok(())
        }
        Some(_) => Err(bad(format!("{field} must be an array"))),
    }
}

/// The agent that stands (or will stand) for `client` in `developer_id`'s grants; `id` empty
/// for the preview the consent page shows before the login binding creates it.
pub fn agent_for(developer_id: &str, client: &ClientRow, id: &str, now: i64) -> Agent {
    Agent {
        did: if id.is_empty() {
            String::new()
        } else {
            format!("did:grantex:{id}")
        },
        agent_id: id.to_string(),
        developer_id: developer_id.to_string(),
        name: client.client_name.clone(),
        description: format!("MCP client {}", client.client_id),
        scopes: Vec::new(),
        status: "active".into(),
        created_at: iso(now),
        updated_at: iso(now),
        redirect_uris: client.redirect_uris.clone(),
        resource_servers: Vec::new(),
        key_binding_configured: false,
        public_jwk: None,
        key_thumbprint: None,
        status_changed_at: None,
        status_reason: None,
        retired_at: None,
    }
}

/// The agent standing for `client` in `developer_id`'s grants, created on first use within
/// the developer's agent quota (`max_agents`).
pub fn ensure_agent(
    tx: &store::Conn,
    developer_id: &str,
    client: &ClientRow,
    max_agents: u64,
) -> ApiResult<String> {
    if let Some(a) = store::mcp::client_agent(tx, developer_id, &client.client_id)? {
        return Ok(a);
    }
    store::quota::check_agents(tx, developer_id, max_agents)?;
    let id = ids::new_id("ag");
    let now = now_ms();
    let agent = agent_for(developer_id, client, &id, now);
    store::agents::insert(tx, &agent, now)?;
    store::mcp::link_agent(tx, developer_id, &client.client_id, &id, now)?;
    Ok(id)
}
