//! Single sign-on (`/v1/sso/*` with the developer's API key; `/sso/*` public): connections,
//! the legacy single OIDC config, enforcement, sessions, and the login steps. The protocol
//! work (discovery, code exchange, ID token check, sessions, cookie) is `crate::sso`'s.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, read_body, JsonBody, QueryMap};
use crate::middleware::KeepBody;
use crate::pages;
use crate::sso::{self, sso_error, Identity, Opened, Target};
use crate::state::AppState;
use crate::store;
use crate::store::sso::{ConfigRow, ConnectionRow, LoginRow, LEGACY_CONNECTION};
use crate::time::{iso, now_ms};
use crate::{ids, validate};
use axum::extract::{Path, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use grantex::types::{
    CreateSsoConfigParams, CreateSsoConnectionParams, ListSsoConnectionsResponse,
    ListSsoSessionsResponse, SsoCallbackResponse, SsoCallbackResult, SsoConfig, SsoConnection,
    SsoConnectionTestResult, SsoEnforcementParams, SsoEnforcementResponse, SsoLoginResponse,
    SsoOidcCallbackParams, UpdateSsoConnectionParams,
};
use std::collections::BTreeMap;

const MAX_DOMAINS: usize = 100;
const MAX_MAPPINGS: usize = 200;

fn to_wire(c: &ConnectionRow) -> SsoConnection {
    let oidc = c.protocol == "oidc";
    let saml = c.protocol == "saml";
    SsoConnection {
        id: c.id.clone(),
        developer_id: c.developer_id.clone(),
        name: c.name.clone(),
        protocol: c.protocol.clone(),
        status: c.status.clone(),
        domains: c.domains.clone(),
        jit_provisioning: c.jit_provisioning,
        enforce: c.enforce,
        group_mappings: c.group_mappings.clone(),
        default_scopes: c.default_scopes.clone(),
        created_at: iso(c.created_at),
        updated_at: iso(c.updated_at),
        issuer_url: c.issuer_url.clone().filter(|_| oidc),
        client_id: c.client_id.clone().filter(|_| oidc),
        idp_entity_id: c.idp_entity_id.clone().filter(|_| saml),
        idp_sso_url: c.idp_sso_url.clone().filter(|_| saml),
        sp_entity_id: c.sp_entity_id.clone().filter(|_| saml),
        sp_acs_url: c.sp_acs_url.clone().filter(|_| saml),
        group_attribute: c.group_attribute.clone(),
        ldap_url: None,
        ldap_bind_dn: None,
        ldap_search_base: None,
        ldap_search_filter: None,
        ldap_group_search_base: None,
        ldap_group_search_filter: None,
        ldap_tls_enabled: None,
    }
}

fn opt_text(field: &str, v: &Option<String>, max: usize) -> ApiResult<()> {
    if let Some(v) = v {
        validate::text(field, v, max)?;
    }
    Ok(())
}

fn check_domains(list: &[String]) -> ApiResult<Vec<String>> {
    if list.len() > MAX_DOMAINS {
        return Err(ApiError::bad_request(format!(
            "domains may hold at most {MAX_DOMAINS} entries"
        )));
    }
    list.iter()
        .map(|d| {
            let d = d.trim().to_ascii_lowercase();
            let ok = !d.is_empty()
                && d.len() <= 253
                && d.contains('.')
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if ok {
                Ok(d)
            } else {
                Err(ApiError::bad_request(format!(
                    "domains: {:?} is not a domain name",
                    d.chars().take(64).collect::<String>()
                )))
            }
        })
        .collect()
}

fn check_mappings(m: &BTreeMap<String, Vec<String>>) -> ApiResult<()> {
    if m.len() > MAX_MAPPINGS {
        return Err(ApiError::bad_request(format!(
            "groupMappings may hold at most {MAX_MAPPINGS} groups"
        )));
    }
    for (g, scopes) in m {
        validate::text("groupMappings group", g, 256)?;
        validate::scopes("groupMappings", scopes, false)?;
    }
    Ok(())
}

fn bad_url(e: String) -> ApiError {
    ApiError::bad_request(e)
}

/// Checks a connection's fields (after a create or a merged update).
fn check_connection(st: &AppState, c: &ConnectionRow) -> ApiResult<()> {
    validate::text("name", &c.name, 256)?;
    opt_text("clientId", &c.client_id, 512)?;
    opt_text("idpEntityId", &c.idp_entity_id, 1024)?;
    opt_text("spEntityId", &c.sp_entity_id, 1024)?;
    opt_text("groupAttribute", &c.group_attribute, 256)?;
    validate::scopes("defaultScopes", &c.default_scopes, false)?;
    check_mappings(&c.group_mappings)?;
    if let Some(cert) = &c.idp_certificate {
        if cert.len() > 16 * 1024 {
            return Err(ApiError::bad_request(
                "idpCertificate must be at most 16 KiB",
            ));
        }
    }
    match c.protocol.as_str() {
        "oidc" => {
            let issuer = c.issuer_url.as_deref().unwrap_or_default();
            if issuer.is_empty()
                || c.client_id.as_deref().unwrap_or_default().is_empty()
                || c.secret.is_none()
            {
                return Err(ApiError::bad_request(
                    "OIDC connections require issuerUrl, clientId, and clientSecret",
                ));
            }
            st.settings
                .sso
                .check_url("issuerUrl", issuer)
                .map_err(bad_url)?;
            if url::Url::parse(issuer).is_ok_and(|u| u.query().is_some()) {
                return Err(ApiError::bad_request("issuerUrl must not have a query"));
            }
        }
        "saml" => {
            let missing = [
                &c.idp_entity_id,
                &c.idp_sso_url,
                &c.idp_certificate,
                &c.sp_entity_id,
                &c.sp_acs_url,
            ]
            .iter()
            .any(|v| v.as_deref().unwrap_or_default().is_empty());
            if missing {
                return Err(ApiError::bad_request(
                    "SAML connections require idpEntityId, idpSsoUrl, idpCertificate, spEntityId, and spAcsUrl",
                ));
            }
            st.settings
                .sso
                .check_url("idpSsoUrl", c.idp_sso_url.as_deref().unwrap_or_default())
                .map_err(bad_url)?;
            sso::check_redirect_uri(
                c.sp_acs_url.as_deref().unwrap_or_default(),
                st.settings.sso.allow_insecure,
            )
            .map_err(|e| ApiError::bad_request(format!("spAcsUrl: {}", e.message)))?;
        }
        _ => unreachable_protocol()?,
    }
    Ok(())
}

fn unreachable_protocol() -> ApiResult<()> {
    Err(ApiError::bad_request("protocol must be oidc or saml"))
}

fn ldap_refused() -> ApiError {
    ApiError::bad_request(
        "LDAP connections are not supported by this server (use OIDC or SAML 2.0)",
    )
    .with_detail("reason", "ldap_not_supported")
}

/// `POST /v1/sso/connections`.
pub async fn create_connection(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(b): JsonBody<CreateSsoConnectionParams>,
) -> ApiResult<(StatusCode, Json<SsoConnection>)> {
    if b.name.is_empty() || b.protocol.is_empty() {
        return Err(ApiError::bad_request("name and protocol are required"));
    }
    match b.protocol.as_str() {
        "oidc" | "saml" => {}
        "ldap" => return Err(ldap_refused()),
        _ => {
            return Err(ApiError::bad_request(
                "protocol must be oidc, saml, or ldap",
            ))
        }
    }
    if let Some(s) = &b.client_secret {
        validate::text("clientSecret", s, 1024)?;
    }
    let now = now_ms();
    let mut row = ConnectionRow {
        id: ids::new_id("sso"),
        developer_id: dev.id.clone(),
        name: b.name,
        protocol: b.protocol,
        status: "active".into(),
        issuer_url: b.issuer_url,
        client_id: b.client_id,
        secret: None,
        idp_entity_id: b.idp_entity_id,
        idp_sso_url: b.idp_sso_url,
        idp_certificate: b.idp_certificate,
        sp_entity_id: b.sp_entity_id,
        sp_acs_url: b.sp_acs_url,
        domains: check_domains(&b.domains.unwrap_or_default())?,
        jit_provisioning: b.jit_provisioning.unwrap_or(false),
        enforce: b.enforce.unwrap_or(false),
        group_attribute: b.group_attribute.filter(|g| !g.is_empty()),
        group_mappings: b.group_mappings.unwrap_or_default(),
        default_scopes: b.default_scopes.unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    let secret = b.client_secret.filter(|s| !s.is_empty());
    if row.protocol == "oidc" && secret.is_none() {
        return Err(ApiError::bad_request(
            "OIDC connections require issuerUrl, clientId, and clientSecret",
        ));
    }
    // Checked with a placeholder so the row's rules run before anything is sealed.
    if secret.is_some() {
        row.secret = Some(store::sso::SealedSecret {
            sealed: String::new(),
            wrapped_dek: String::new(),
            kek_id: String::new(),
        });
    }
    check_connection(&st, &row)?;
    let masters = st.vault.clone();
    let out = st
        .db
        .write(move |tx| {
            row.secret = match &secret {
                Some(s) => Some(sso::seal_secret(
                    tx,
                    &masters,
                    &row.developer_id,
                    "connection",
                    &row.id,
                    s,
                )?),
                None => None,
            };
            store::sso::put_connection(tx, &row, true)?;
            store::events::emit(
                tx,
                &row.developer_id,
                "sso.connection.created",
                serde_json::json!({ "connectionId": row.id, "protocol": row.protocol }),
            )?;
            Ok(row)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(to_wire(&out))))
}

/// `GET /v1/sso/connections`.
pub async fn list_connections(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<ListSsoConnectionsResponse>> {
    let rows = st
        .db
        .read(move |c| store::sso::list_connections(c, &dev.id))
        .await?;
    Ok(Json(ListSsoConnectionsResponse {
        connections: rows.iter().map(to_wire).collect(),
    }))
}

fn conn_not_found() -> ApiError {
    ApiError::not_found("SSO connection not found")
}

async fn load(st: &AppState, dev: &str, id: &str) -> ApiResult<ConnectionRow> {
    let (dev, id) = (dev.to_string(), id.to_string());
    st.db
        .read(move |c| store::sso::find_connection(c, &dev, &id))
        .await?
        .ok_or_else(conn_not_found)
}

/// `GET /v1/sso/connections/{id}`.
pub async fn get_connection(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<SsoConnection>> {
    path_id(&id).map_err(|_| conn_not_found())?;
    Ok(Json(to_wire(&load(&st, &dev.id, &id).await?)))
}

/// `PATCH /v1/sso/connections/{id}`: only the given fields change; a new `clientSecret` is
/// sealed, an absent one kept.
pub async fn update_connection(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<UpdateSsoConnectionParams>,
) -> ApiResult<Json<SsoConnection>> {
    path_id(&id).map_err(|_| conn_not_found())?;
    if b == UpdateSsoConnectionParams::default() {
        return Err(ApiError::bad_request("No fields to update"));
    }
    if let Some(s) = &b.status {
        if !["active", "inactive", "testing"].contains(&s.as_str()) {
            return Err(ApiError::bad_request(
                "status must be active, inactive, or testing",
            ));
        }
    }
    if b.ldap_url.is_some() || b.ldap_bind_dn.is_some() || b.ldap_bind_password.is_some() {
        return Err(ldap_refused());
    }
    if let Some(s) = &b.client_secret {
        validate::text("clientSecret", s, 1024)?;
    }
    let cur = load(&st, &dev.id, &id).await?;
    let domains = match &b.domains {
        Some(d) => check_domains(d)?,
        None => cur.domains.clone(),
    };
    let new_secret = b.client_secret.clone().filter(|s| !s.is_empty());
    let mut row = ConnectionRow {
        name: b.name.unwrap_or(cur.name.clone()),
        status: b.status.unwrap_or(cur.status.clone()),
        issuer_url: b.issuer_url.or(cur.issuer_url.clone()),
        client_id: b.client_id.or(cur.client_id.clone()),
        idp_entity_id: b.idp_entity_id.or(cur.idp_entity_id.clone()),
        idp_sso_url: b.idp_sso_url.or(cur.idp_sso_url.clone()),
        idp_certificate: b.idp_certificate.or(cur.idp_certificate.clone()),
        sp_entity_id: b.sp_entity_id.or(cur.sp_entity_id.clone()),
        sp_acs_url: b.sp_acs_url.or(cur.sp_acs_url.clone()),
        domains,
        jit_provisioning: b.jit_provisioning.unwrap_or(cur.jit_provisioning),
        enforce: b.enforce.unwrap_or(cur.enforce),
        group_attribute: b
            .group_attribute
            .or(cur.group_attribute.clone())
            .filter(|g| !g.is_empty()),
        group_mappings: b.group_mappings.unwrap_or(cur.group_mappings.clone()),
        default_scopes: b.default_scopes.unwrap_or(cur.default_scopes.clone()),
        updated_at: now_ms(),
        ..cur.clone()
    };
    check_connection(&st, &row)?;
    // Sessions opened under the old settings end when the connection stops being active or
    // starts trusting another provider, client or set of domains.
    let ends_sessions = (cur.status == "active" && row.status != "active")
        || new_secret.is_some()
        || row.issuer_url != cur.issuer_url
        || row.client_id != cur.client_id
        || row.idp_entity_id != cur.idp_entity_id
        || row.idp_sso_url != cur.idp_sso_url
        || row.idp_certificate != cur.idp_certificate
        || row.domains != cur.domains;
    let deactivates = cur.status == "active" && row.status != "active";
    let masters = st.vault.clone();
    let out = st
        .db
        .write(move |tx| {
            if deactivates {
                last_enforced_guard(tx, &row.developer_id, &row.id)?;
            }
            if ends_sessions {
                store::sso::end_connection_sessions(tx, &row.developer_id, &row.id, now_ms())?;
            }
            if let Some(s) = &new_secret {
                row.secret = Some(sso::seal_secret(
                    tx,
                    &masters,
                    &row.developer_id,
                    "connection",
                    &row.id,
                    s,
                )?);
            }
            if store::sso::find_connection(tx, &row.developer_id, &row.id)?.is_none() {
                return Err(conn_not_found());
            }
            store::sso::put_connection(tx, &row, false)?;
            store::events::emit(
                tx,
                &row.developer_id,
                "sso.connection.updated",
                serde_json::json!({ "connectionId": row.id }),
            )?;
            Ok(row)
        })
        .await?;
    Ok(Json(to_wire(&out)))
}

/// With enforcement on, the last active connection cannot go away silently (enforcement would
/// lapse with it): 409 until enforcement is turned off.
fn last_enforced_guard(tx: &store::Conn, developer_id: &str, id: &str) -> ApiResult<()> {
    let (_, enforced) = store::sso::sso_state(tx, developer_id)?;
    if enforced && store::sso::other_active(tx, developer_id, id)? == 0 {
        return Err(ApiError::conflict(
            "SSO enforcement is on and this is the last active connection: turn enforcement off \
             (POST /v1/sso/enforce) first",
        ));
    }
    Ok(())
}

/// `DELETE /v1/sso/connections/{id}`: its sessions end (their principal tokens stop working).
pub async fn delete_connection(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id).map_err(|_| conn_not_found())?;
    st.db
        .write(move |tx| {
            if store::sso::find_connection(tx, &dev.id, &id)?.is_some_and(|c| c.status == "active")
            {
                last_enforced_guard(tx, &dev.id, &id)?;
            }
            if !store::sso::delete_connection(tx, &dev.id, &id, now_ms())? {
                return Err(conn_not_found());
            }
            store::events::emit(
                tx,
                &dev.id,
                "sso.connection.deleted",
                serde_json::json!({ "connectionId": id }),
            )?;
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}

fn test_answer(ok: bool, r: SsoConnectionTestResult) -> Response {
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut resp = (status, Json(r)).into_response();
    resp.extensions_mut().insert(KeepBody);
    resp
}

/// `POST /v1/sso/connections/{id}/test`: OIDC discovery against the live provider (200 with
/// what it publishes, or 422 `success: false` with the reason, as the reference); SAML: the
/// settings' check.
pub async fn test_connection(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    path_id(&id).map_err(|_| conn_not_found())?;
    let c = load(&st, &dev.id, &id).await?;
    let mut r = SsoConnectionTestResult {
        success: false,
        protocol: c.protocol.clone(),
        issuer: None,
        authorization_endpoint: None,
        token_endpoint: None,
        jwks_uri: None,
        idp_entity_id: None,
        idp_sso_url: None,
        error: None,
    };
    if c.protocol == "oidc" {
        return Ok(
            match st
                .settings
                .sso
                .discover(c.issuer_url.as_deref().unwrap_or_default())
                .await
            {
                Ok(d) => test_answer(
                    true,
                    SsoConnectionTestResult {
                        success: true,
                        issuer: Some(d.issuer),
                        authorization_endpoint: Some(d.authorization_endpoint),
                        token_endpoint: Some(d.token_endpoint),
                        jwks_uri: Some(d.jwks_uri),
                        ..r
                    },
                ),
                Err(e) => {
                    r.error = Some(e);
                    test_answer(false, r)
                }
            },
        );
    }
    r.idp_entity_id = c.idp_entity_id.clone();
    r.idp_sso_url = c.idp_sso_url.clone();
    match saml_settings(&c).and_then(|s| {
        crate::saml::check_settings(&s).map_err(|e| ApiError::bad_request(e.message().to_string()))
    }) {
        Ok(()) => {
            r.success = true;
            Ok(test_answer(true, r))
        }
        Err(e) => {
            r.error = Some(e.message);
            Ok(test_answer(false, r))
        }
    }
}

/// `POST /v1/sso/enforce`.
pub async fn set_enforcement(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(b): JsonBody<SsoEnforcementParams>,
) -> ApiResult<Json<SsoEnforcementResponse>> {
    let id = dev.id.clone();
    st.db
        .write(move |tx| {
            // Enforcement lives on the active connections (as the reference keeps it): with none,
            // saying "on" would enforce nothing.
            if b.enforce && !store::sso::sso_state(tx, &id)?.0 {
                return Err(ApiError::conflict(
                    "There is no active SSO connection to enforce: create one first",
                ));
            }
            store::sso::set_enforce(tx, &id, b.enforce, now_ms())
        })
        .await?;
    Ok(Json(SsoEnforcementResponse {
        enforce: b.enforce,
        developer_id: dev.id,
    }))
}

/// `GET /v1/sso/sessions`: live sessions, newest first.
pub async fn list_sessions(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<ListSsoSessionsResponse>> {
    let rows = st
        .db
        .read(move |c| store::sso::live_sessions(c, &dev.id, now_ms()))
        .await?;
    Ok(Json(ListSsoSessionsResponse {
        sessions: rows.iter().map(|s| s.to_wire()).collect(),
    }))
}

/// `DELETE /v1/sso/sessions/{id}`: the session ends and its principal token stops working.
pub async fn revoke_session(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let nf = || ApiError::not_found("SSO session not found");
    path_id(&id).map_err(|_| nf())?;
    st.db
        .write(move |tx| {
            if store::sso::revoke_session(tx, &dev.id, &id, now_ms())? {
                Ok(StatusCode::NO_CONTENT)
            } else {
                Err(nf())
            }
        })
        .await
}

fn config_wire(c: &ConfigRow) -> SsoConfig {
    SsoConfig {
        issuer_url: c.issuer_url.clone(),
        client_id: c.client_id.clone(),
        redirect_uri: c.redirect_uri.clone(),
        created_at: iso(c.created_at),
        updated_at: iso(c.updated_at),
    }
}

/// `POST /v1/sso/config` (legacy): create or replace.
pub async fn create_config(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(b): JsonBody<CreateSsoConfigParams>,
) -> ApiResult<(StatusCode, Json<SsoConfig>)> {
    if b.issuer_url.is_empty()
        || b.client_id.is_empty()
        || b.client_secret.is_empty()
        || b.redirect_uri.is_empty()
    {
        return Err(ApiError::bad_request(
            "issuerUrl, clientId, clientSecret, and redirectUri are required",
        ));
    }
    validate::text("clientId", &b.client_id, 512)?;
    validate::text("clientSecret", &b.client_secret, 1024)?;
    st.settings
        .sso
        .check_url("issuerUrl", &b.issuer_url)
        .map_err(bad_url)?;
    sso::check_redirect_uri(&b.redirect_uri, st.settings.sso.allow_insecure)?;
    let masters = st.vault.clone();
    let out = st
        .db
        .write(move |tx| {
            let now = now_ms();
            let secret =
                sso::seal_secret(tx, &masters, &dev.id, "config", &dev.id, &b.client_secret)?;
            store::sso::upsert_config(
                tx,
                &ConfigRow {
                    developer_id: dev.id.clone(),
                    issuer_url: b.issuer_url,
                    client_id: b.client_id,
                    secret,
                    redirect_uri: b.redirect_uri,
                    created_at: now,
                    updated_at: now,
                },
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(config_wire(&out))))
}

fn config_not_found() -> ApiError {
    ApiError::not_found("SSO config not found")
}

/// `GET /v1/sso/config` (legacy).
pub async fn get_config(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<SsoConfig>> {
    let c = st
        .db
        .read(move |c| store::sso::find_config(c, &dev.id))
        .await?
        .ok_or_else(config_not_found)?;
    Ok(Json(config_wire(&c)))
}

/// `DELETE /v1/sso/config` (legacy).
pub async fn delete_config(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<StatusCode> {
    st.db
        .write(move |tx| {
            if store::sso::delete_config(tx, &dev.id)? {
                Ok(StatusCode::NO_CONTENT)
            } else {
                Err(config_not_found())
            }
        })
        .await
}

// ── The login steps (public) ────────────────────────────────────────────────────────────

/// What a login uses: a connection or the legacy config.
enum Provider {
    Connection(Box<ConnectionRow>),
    Legacy(Box<ConfigRow>),
}

/// The authorization URL a login starts at, after its state is stored.
async fn start_login(st: &AppState, q: &QueryMap) -> ApiResult<SsoLoginResponse> {
    let org = q
        .get("org")
        .ok_or_else(|| ApiError::bad_request("org query parameter is required"))?
        .to_string();
    validate::text("org", &org, 256)?;
    let domain = q.get("domain").map(|d| d.trim().to_ascii_lowercase());
    if let Some(d) = &domain {
        validate::text("domain", d, 253)?;
    }
    let redirect_uri = q.get("redirect_uri").map(str::to_string);
    if let Some(r) = &redirect_uri {
        sso::check_redirect_uri(r, st.settings.sso.allow_insecure)?;
    }
    let return_to = q.get("return_to").map(str::to_string);
    if let Some(r) = &return_to {
        sso::check_return_to(r)?;
    }
    let org2 = org.clone();
    let provider = st
        .db
        .read(move |c| {
            if let Some(conn) = store::sso::resolve_connection(c, &org2, domain.as_deref())? {
                return Ok(Some(Provider::Connection(Box::new(conn))));
            }
            Ok(store::sso::find_config(c, &org2)?.map(|c| Provider::Legacy(Box::new(c))))
        })
        .await?
        .ok_or_else(|| ApiError::not_found("SSO not configured for this org"))?;
    let state = sso::random_token();
    let state_hash = ids::sha256_hex(state.as_bytes());
    let now = now_ms();
    let mut login = LoginRow {
        state_hash,
        developer_id: org.clone(),
        connection_id: String::new(),
        protocol: String::new(),
        nonce: None,
        code_verifier: None,
        redirect_uri: None,
        return_to,
        saml_request_id: None,
        expires_at: now + sso::LOGIN_TTL_MS,
    };
    let groups_scope = matches!(&provider, Provider::Connection(c) if c.group_attribute.is_some());
    let (issuer, client_id, default_redirect, connection_id) = match &provider {
        Provider::Connection(c) if c.protocol == "saml" => {
            let settings = saml_settings(c)?;
            let req = crate::saml::authn_request(&settings, &state, now)
                .map_err(|e| sso_error("saml", format!("SAML login initialization failed: {e}")))?;
            login.connection_id = c.id.clone();
            login.protocol = "saml".into();
            login.saml_request_id = Some(req.id);
            let l = login.clone();
            st.db
                .write(move |tx| store::sso::insert_login(tx, &l, now))
                .await?;
            return Ok(SsoLoginResponse {
                authorize_url: req.redirect_url,
                protocol: Some("saml".into()),
                connection_id: Some(c.id.clone()),
            });
        }
        Provider::Connection(c) => (
            c.issuer_url.clone().unwrap_or_default(),
            c.client_id.clone().unwrap_or_default(),
            format!("{}/sso/callback/oidc/{}", st.settings.public_url, c.id),
            c.id.clone(),
        ),
        Provider::Legacy(c) => (
            c.issuer_url.clone(),
            c.client_id.clone(),
            c.redirect_uri.clone(),
            LEGACY_CONNECTION.to_string(),
        ),
    };
    let d = st
        .settings
        .sso
        .discover(&issuer)
        .await
        .map_err(|e| sso_error("discovery", e))?;
    if !d.pkce_methods.is_empty() && !d.pkce_methods.iter().any(|m| m == "S256") {
        return Err(sso_error(
            "discovery",
            "The identity provider does not support PKCE S256",
        ));
    }
    let nonce = sso::random_token();
    let verifier = sso::random_token();
    let redirect = redirect_uri.unwrap_or(default_redirect);
    login.connection_id = connection_id.clone();
    login.protocol = "oidc".into();
    login.nonce = Some(nonce.clone());
    login.code_verifier = Some(verifier.clone());
    login.redirect_uri = Some(redirect.clone());
    let mut url = url::Url::parse(&d.authorization_endpoint)
        .map_err(|_| sso_error("discovery", "authorization_endpoint does not parse"))?;
    url.query_pairs_mut()
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", &redirect)
        .append_pair("response_type", "code")
        .append_pair(
            "scope",
            if groups_scope {
                "openid email profile groups"
            } else {
                "openid email profile"
            },
        )
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", &ids::pkce_s256(&verifier))
        .append_pair("code_challenge_method", "S256");
    st.db
        .write(move |tx| store::sso::insert_login(tx, &login, now))
        .await?;
    Ok(SsoLoginResponse {
        authorize_url: url.into(),
        protocol: Some("oidc".into()),
        connection_id: Some(connection_id),
    })
}

/// `GET /sso/login?org=&domain=[&redirect_uri=][&return_to=]`: where to send the browser.
pub async fn login(State(st): State<AppState>, q: QueryMap) -> ApiResult<Json<SsoLoginResponse>> {
    start_login(&st, &q).await.map(Json)
}

fn see_other(location: &str) -> ApiResult<Response> {
    let mut r = StatusCode::SEE_OTHER.into_response();
    r.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(location).map_err(|_| ApiError::internal("redirect location"))?,
    );
    Ok(r)
}

/// `GET /sso/start?org=&domain=&return_to=`: the same login as `/sso/login`, answered with a
/// 303 to the identity provider (a link the consent page can offer).
pub async fn start(State(st): State<AppState>, q: QueryMap) -> Response {
    match start_login(&st, &q)
        .await
        .and_then(|r| see_other(&r.authorize_url))
    {
        Ok(r) => r,
        Err(e) => pages::message_page(e.status, "Single sign-on could not start", &e.message),
    }
}

/// The authorization response's `iss` (RFC 9207), as far as the caller knows it.
#[derive(Debug, Clone, Copy)]
enum Iss<'a> {
    /// The response carried this `iss`.
    Given(&'a str),
    /// The response, seen whole (the browser's redirect), carried none.
    Missing,
    /// Not known: an app forwarding `code` and `state` only (the reference's callback body).
    Unknown,
}

/// The OIDC code → identity steps for a taken login.
async fn oidc_identity(
    st: &AppState,
    login: &LoginRow,
    code: &str,
    redirect_uri: Option<&str>,
    iss: Iss<'_>,
) -> ApiResult<(Target, Identity)> {
    if login.protocol != "oidc" {
        return Err(
            ApiError::bad_request("This state belongs to another protocol's login")
                .with_detail("reason", "invalid_state"),
        );
    }
    if code.is_empty() || code.len() > 2048 {
        return Err(ApiError::bad_request("code must be 1-2048 characters"));
    }
    let bound = login.redirect_uri.clone().unwrap_or_default();
    if let Some(r) = redirect_uri {
        if r != bound {
            return Err(
                ApiError::bad_request("redirect_uri does not match the login's")
                    .with_detail("reason", "redirect_uri_mismatch"),
            );
        }
    }
    let (dev, cid) = (login.developer_id.clone(), login.connection_id.clone());
    let masters = st.vault.clone();
    let (target, issuer, client_id, secret, group_attr) = st
        .db
        .read(move |c| {
            if cid == LEGACY_CONNECTION {
                let cfg = store::sso::find_config(c, &dev)?
                    .ok_or_else(|| ApiError::not_found("SSO not configured for this org"))?;
                let secret = sso::open_secret(c, &masters, &dev, "config", &dev, &cfg.secret)?;
                let t = Target {
                    developer_id: dev.clone(),
                    connection_id: LEGACY_CONNECTION.into(),
                    protocol: "oidc".into(),
                    domains: Vec::new(),
                    group_mappings: BTreeMap::new(),
                    default_scopes: Vec::new(),
                };
                return Ok((t, cfg.issuer_url, cfg.client_id, secret, None));
            }
            let conn = store::sso::find_connection(c, &dev, &cid)?
                .filter(|c| c.protocol == "oidc" && c.status == "active")
                .ok_or_else(conn_not_found)?;
            let sealed = conn
                .secret
                .clone()
                .ok_or_else(|| ApiError::internal("OIDC connection without a secret"))?;
            let secret = sso::open_secret(c, &masters, &dev, "connection", &conn.id, &sealed)?;
            Ok((
                Target::of(&conn),
                conn.issuer_url.clone().unwrap_or_default(),
                conn.client_id.clone().unwrap_or_default(),
                secret,
                conn.group_attribute.clone(),
            ))
        })
        .await?;
    let out = &st.settings.sso;
    let d = out
        .discover(&issuer)
        .await
        .map_err(|e| sso_error("discovery", e))?;
    // RFC 9207 / RFC 9700 §4.4: a response from another provider (a mix-up) is refused before
    // its code goes anywhere.
    match iss {
        Iss::Given(i) if i != d.issuer => {
            return Err(sso_error(
                "issuer_mismatch",
                "The authorization response's iss is not this connection's issuer",
            ))
        }
        Iss::Missing if d.iss_parameter_supported => {
            return Err(sso_error(
                "issuer_missing",
                "The identity provider sends iss in its responses, and this one has none",
            ))
        }
        _ => {}
    }
    let tokens = out
        .exchange_code(
            &d,
            &client_id,
            &secret,
            code,
            &bound,
            login.code_verifier.as_deref().unwrap_or_default(),
        )
        .await?;
    let claims = out
        .verify_id_token(
            &d,
            &client_id,
            login.nonce.as_deref().unwrap_or_default(),
            &tokens.id_token,
        )
        .await?;
    if claims.email_verified == Some(false) {
        return Err(ApiError::forbidden(
            "SSO_EMAIL_UNVERIFIED",
            "The identity provider says this e-mail address is not verified",
        )
        .with_detail("reason", "email_unverified"));
    }
    let mut email = claims.email.clone();
    let mut email_verified = email.is_some() && claims.email_verified == Some(true);
    let mut name = claims.name.clone();
    let mut groups = group_attr
        .as_deref()
        .map(|g| sso::groups_from(claims.claims.get(g)))
        .unwrap_or_default();
    // oidc-provider (and others) put the profile in /userinfo only: read it there, for this
    // subject only.
    let need_info = email.is_none() || (groups.is_empty() && group_attr.is_some());
    if let (true, Some(endpoint), Some(at)) =
        (need_info, &d.userinfo_endpoint, &tokens.access_token)
    {
        let info = out
            .userinfo(endpoint, at)
            .await
            .map_err(|e| sso_error("userinfo", e))?;
        if info.get("sub").and_then(|v| v.as_str()) != Some(claims.sub.as_str()) {
            return Err(sso_error(
                "userinfo",
                "userinfo sub is not the ID token's sub",
            ));
        }
        if email.is_none() {
            if info.get("email_verified").and_then(|v| v.as_bool()) == Some(false) {
                return Err(ApiError::forbidden(
                    "SSO_EMAIL_UNVERIFIED",
                    "The identity provider says this e-mail address is not verified",
                )
                .with_detail("reason", "email_unverified"));
            }
            email = info
                .get("email")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            email_verified = email.is_some()
                && info.get("email_verified").and_then(|v| v.as_bool()) == Some(true);
        }
        if name.is_none() {
            name = info
                .get("name")
                .and_then(|v| v.as_str())
                .map(str::to_string);
        }
        if groups.is_empty() {
            if let Some(g) = &group_attr {
                groups = sso::groups_from(info.get(g));
            }
        }
    }
    let email = email.filter(|e| e.len() <= 320 && e.contains('@'));
    let name = name.map(|n| n.chars().take(256).collect());
    Ok((
        target,
        Identity {
            subject: claims.sub,
            email,
            email_verified,
            name,
            groups,
            expires_at: None,
            assertion: None,
        },
    ))
}

/// `POST /sso/callback/oidc` (JSON, for SDKs and apps).
pub async fn oidc_callback(
    State(st): State<AppState>,
    JsonBody(b): JsonBody<SsoOidcCallbackParams>,
) -> ApiResult<Json<SsoCallbackResult>> {
    if b.code.is_empty() || b.state.is_empty() {
        return Err(ApiError::bad_request("code and state are required"));
    }
    let login = sso::take_login(&st, &b.state).await?;
    if login.connection_id == LEGACY_CONNECTION {
        return Err(ApiError::bad_request(
            "This login belongs to the legacy configuration: finish it at GET /sso/callback",
        )
        .with_detail("reason", "invalid_state"));
    }
    let iss = b.iss.as_deref().map_or(Iss::Unknown, Iss::Given);
    let (t, id) = oidc_identity(&st, &login, &b.code, b.redirect_uri.as_deref(), iss).await?;
    Ok(Json(sso::open_session(&st, t, id).await?.result))
}

/// The browser's landing after a login: the session cookie, then `return_to` or a small page.
fn browser_landing(st: &AppState, opened: &Opened, return_to: Option<&str>) -> Response {
    let secure = st.settings.public_url.starts_with("https://");
    let cookie = sso::set_cookie(&opened.token, opened.max_age_secs, secure);
    let mut resp = match return_to {
        Some(r) if sso::check_return_to(r).is_ok() => {
            match see_other(&format!("{}{r}", st.settings.public_url)) {
                Ok(r) => r,
                Err(e) => return e.into_response(),
            }
        }
        _ => pages::message_page(
            StatusCode::OK,
            "Signed in",
            &format!(
                "You are signed in as {}. You can close this window.",
                opened.result.principal_id.clone().unwrap_or_default()
            ),
        ),
    };
    match HeaderValue::from_str(&cookie) {
        Ok(v) => {
            resp.headers_mut().append(header::SET_COOKIE, v);
            resp
        }
        Err(_) => ApiError::internal("SSO cookie").into_response(),
    }
}

fn browser_refusal(e: ApiError) -> Response {
    let reason = e
        .details
        .as_ref()
        .and_then(|d| d.get("reason"))
        .and_then(|v| v.as_str())
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    pages::message_page(
        e.status,
        "Sign-in refused",
        &format!("{}{reason}", e.message),
    )
}

/// `GET /sso/callback/oidc/{connectionId}?code=&state=[&iss=]` (the browser back from the
/// IdP): completes the login, sets the HttpOnly session cookie and answers 303 to `return_to`
/// (or a "signed in" page). Each connection has its own redirect URI (the default one
/// `/sso/login` sends), so a response can only finish a login of the connection it was sent
/// for (RFC 9700 §4.4.2: distinct redirect URIs against mix-up).
pub async fn oidc_callback_browser_for(
    State(st): State<AppState>,
    Path(connection_id): Path<String>,
    q: QueryMap,
) -> Response {
    let at = format!(
        "{}/sso/callback/oidc/{connection_id}",
        st.settings.public_url
    );
    browser_callback(&st, &q, &at).await
}

/// `GET /sso/callback/oidc?code=&state=`: the same for a login whose caller chose this URL as
/// its `redirect_uri`.
pub async fn oidc_callback_browser(State(st): State<AppState>, q: QueryMap) -> Response {
    let at = format!("{}/sso/callback/oidc", st.settings.public_url);
    browser_callback(&st, &q, &at).await
}

async fn browser_callback(st: &AppState, q: &QueryMap, at: &str) -> Response {
    if let Some(err) = q.get("error") {
        // The IdP refused; the login is spent either way.
        if let Some(s) = q.get("state") {
            let _ = sso::take_login(st, s).await;
        }
        let err: String = err.chars().take(64).collect();
        return pages::message_page(
            StatusCode::BAD_REQUEST,
            "Sign-in refused",
            &format!("The identity provider answered {err:?}."),
        );
    }
    let (Some(code), Some(state)) = (q.get("code"), q.get("state")) else {
        return browser_refusal(ApiError::bad_request("code and state are required"));
    };
    let login = match sso::take_login(st, state).await {
        Ok(l) if l.connection_id != LEGACY_CONNECTION => l,
        Ok(_) => {
            return browser_refusal(ApiError::bad_request(
                "This login belongs to the legacy configuration",
            ))
        }
        Err(e) => return browser_refusal(e),
    };
    if login.redirect_uri.as_deref() != Some(at) {
        return browser_refusal(
            ApiError::bad_request("This login was not started for this redirect URI")
                .with_detail("reason", "redirect_uri_mismatch"),
        );
    }
    let iss = q.get("iss").map_or(Iss::Missing, Iss::Given);
    let opened = match oidc_identity(st, &login, code, None, iss).await {
        Ok((t, id)) => sso::open_session(st, t, id).await,
        Err(e) => Err(e),
    };
    match opened {
        Ok(o) => browser_landing(st, &o, login.return_to.as_deref()),
        Err(e) => browser_refusal(e),
    }
}

/// `GET /sso/callback?code=&state=` (legacy config): who signed in (no session, as the
/// reference).
pub async fn legacy_callback(
    State(st): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<SsoCallbackResponse>> {
    let (Some(code), Some(state)) = (q.get("code"), q.get("state")) else {
        return Err(ApiError::bad_request("code and state are required"));
    };
    let login = sso::take_login(&st, state).await?;
    if login.connection_id != LEGACY_CONNECTION {
        return Err(ApiError::bad_request(
            "This login belongs to an SSO connection: finish it at /sso/callback/oidc",
        )
        .with_detail("reason", "invalid_state"));
    }
    let iss = q.get("iss").map_or(Iss::Unknown, Iss::Given);
    let (t, id) = oidc_identity(&st, &login, code, None, iss).await?;
    Ok(Json(SsoCallbackResponse {
        developer_id: t.developer_id,
        email: id.email,
        name: id.name,
        sub: Some(id.subject),
    }))
}

/// `POST /sso/callback/ldap`: LDAP is not supported by this server.
pub async fn ldap_callback() -> ApiError {
    ldap_refused()
}

// ── SAML ────────────────────────────────────────────────────────────────────────────────

fn need(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

fn saml_settings(c: &ConnectionRow) -> ApiResult<crate::saml::SpSettings<'_>> {
    match (
        need(&c.sp_entity_id),
        need(&c.sp_acs_url),
        need(&c.idp_entity_id),
        need(&c.idp_sso_url),
        need(&c.idp_certificate),
    ) {
        (Some(sp), Some(acs), Some(idp), Some(sso_url), Some(cert)) => {
            Ok(crate::saml::SpSettings {
                sp_entity_id: sp,
                acs_url: acs,
                idp_entity_id: idp,
                idp_sso_url: sso_url,
                idp_certificate_pem: cert,
                group_attribute: c.group_attribute.as_deref(),
            })
        }
        _ => Err(ApiError::bad_request(
            "SSO connection is missing required SAML settings",
        )),
    }
}

/// `POST /sso/callback/saml`: JSON `{SAMLResponse, RelayState}` (SDKs: the JSON result) or
/// the IdP's HTML form post (browsers: cookie and 303, like the OIDC GET callback).
pub async fn saml_callback(State(st): State<AppState>, req: Request) -> Response {
    let (ct, body) = match read_body(req, &()).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let is_form = ct
        .as_deref()
        .and_then(|c| c.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    let (response, relay) = if is_form {
        let mut resp = None;
        let mut relay = None;
        for (k, v) in url::form_urlencoded::parse(&body) {
            match &*k {
                "SAMLResponse" => resp = Some(v.into_owned()),
                "RelayState" => relay = Some(v.into_owned()),
                _ => {}
            }
        }
        (resp.unwrap_or_default(), relay.unwrap_or_default())
    } else {
        match crate::extract::parse_object::<grantex::types::SsoSamlCallbackParams>(
            ct.as_deref(),
            &body,
        ) {
            Ok(p) => (p.saml_response, p.relay_state),
            Err(e) => return e.into_response(),
        }
    };
    let fail = |e: ApiError| {
        if is_form {
            browser_refusal(e)
        } else {
            e.into_response()
        }
    };
    if response.is_empty() || relay.is_empty() {
        return fail(ApiError::bad_request(
            "SAMLResponse and RelayState are required",
        ));
    }
    if response.len() > 512 * 1024 {
        return fail(ApiError::bad_request("SAMLResponse is larger than 512 KiB"));
    }
    let login = match sso::take_login(&st, &relay).await {
        Ok(l) if l.protocol == "saml" => l,
        Ok(_) => {
            return fail(
                ApiError::bad_request("This RelayState belongs to another protocol's login")
                    .with_detail("reason", "invalid_state"),
            )
        }
        Err(e) => return fail(e),
    };
    let (dev, cid) = (login.developer_id.clone(), login.connection_id.clone());
    let conn = match st
        .db
        .read(move |c| store::sso::find_connection(c, &dev, &cid))
        .await
    {
        Ok(Some(c)) if c.protocol == "saml" && c.status == "active" => c,
        Ok(_) => return fail(conn_not_found()),
        Err(e) => return fail(e),
    };
    let settings = match saml_settings(&conn) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let ident = match crate::saml::verify_response(
        &settings,
        &response,
        login.saml_request_id.as_deref().unwrap_or_default(),
        now_ms(),
    ) {
        Ok(i) => i,
        Err(e) => {
            return fail(sso_error(
                e.code(),
                format!("SAML response verification failed: {}", e.message()),
            ))
        }
    };
    let id = Identity {
        subject: ident.name_id,
        email: ident.email.filter(|e| e.len() <= 320 && e.contains('@')),
        // Signed by the IdP's pinned key: as verified as SAML can say.
        email_verified: true,
        name: ident.name.map(|n| n.chars().take(256).collect()),
        groups: ident
            .groups
            .into_iter()
            .filter(|g| !g.is_empty() && g.len() <= 256)
            .take(256)
            .collect(),
        expires_at: Some(ident.expires_at_ms),
        assertion: Some((ident.assertion_id, ident.expires_at_ms)),
    };
    match sso::open_session(&st, Target::of(&conn), id).await {
        Ok(o) if is_form => browser_landing(&st, &o, login.return_to.as_deref()),
        Ok(o) => Json(o.result).into_response(),
        Err(e) => fail(e),
    }
}
