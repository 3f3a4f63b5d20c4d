//! The OAuth 2.1 authorization server for MCP clients (the MCP authorization specification):
//! metadata (RFC 8414), dynamic client registration (RFC 7591), the authorization endpoint
//! (code flow only, S256 PKCE required, exact redirect URIs, RFC 8707 resource required, RFC
//! 9207 `iss` in every answer) and the token endpoint (codes and rotating refresh tokens).
//!
//! The human's answer is the ordinary consent page (`routes::consent`); the principal is the
//! one the developer's login bound (`POST /v1/mcp/authorizations/:id/principal`). Tokens are
//! ordinary Grantex grant tokens whose audience is the MCP server, issued by `crate::issue`
//! under the same single-use and reuse rules as `/v1/token`.

use crate::error::ApiError;
use crate::extract::read_body;
use crate::issue::{self, CodeGrant, RefreshGrant, Tenant};
use crate::oauth_clients::{client_from_metadata, ensure_agent};
use crate::pages;
use crate::state::AppState;
use crate::store;
use crate::store::mcp::ClientRow;
use crate::time::{self, now_ms, now_secs, parse_iso};
use crate::{ids, validate};
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Lifetime of an MCP client's access token (the grant lasts longer; the rotating refresh
/// token gets the next one), so a guard checking offline stops accepting a revoked grant's
/// token within the hour.
const ACCESS_TOKEN_TTL_SECS: i64 = 3600;

fn endpoint(st: &AppState, path: &str) -> String {
    format!("{}{path}", st.settings.public_url)
}

/// `GET /.well-known/oauth-authorization-server`.
pub async fn metadata(State(st): State<AppState>) -> Response {
    let doc = json!({
        "issuer": st.settings.public_url,
        "authorization_endpoint": endpoint(&st, "/oauth/authorize"),
        "token_endpoint": endpoint(&st, "/oauth/token"),
        "registration_endpoint": endpoint(&st, "/oauth/register"),
        "jwks_uri": endpoint(&st, "/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "authorization_response_iss_parameter_supported": true,
    });
    let mut resp = Json(doc).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    resp
}

/// An RFC 6749 §5.2 / RFC 7591 §3.2.2 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut resp = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    no_store(resp.headers_mut());
    // The OAuth error body is the answer, not the Grantex envelope.
    resp.extensions_mut().insert(crate::middleware::KeepBody);
    resp
}

fn no_store(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}

/// Form or query parameters; a repeated name is refused (RFC 6749 §3.1).
fn params(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.to_string(), v.into_owned()).is_some() {
            return Err(format!("parameter {k} is repeated"));
        }
    }
    Ok(out)
}

fn get<'a>(p: &'a HashMap<String, String>, k: &str) -> Option<&'a str> {
    p.get(k).map(String::as_str).filter(|v| !v.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Registration

/// `POST /oauth/register` (RFC 7591). Without a bearer token the client is registered openly
/// (usable with developers whose policy is `open`); with a developer's registration token it
/// is that developer's.
pub async fn register(State(st): State<AppState>, req: Request) -> Response {
    let token = crate::auth::bearer(req.headers()).map(str::to_string);
    let has_auth_header = req.headers().contains_key(header::AUTHORIZATION);
    let (ct, body) = match read_body(req, &()).await {
        Ok(b) => b,
        Err(e) => return oauth_error(e.status, "invalid_client_metadata", &e.message),
    };
    if !ct.as_deref().is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
    }) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            "the registration request must be application/json",
        );
    }
    let meta: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => m,
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client_metadata",
                "the registration request must be a JSON object",
            )
        }
    };
    let client = match client_from_metadata(&meta) {
        Ok(c) => c,
        Err((error, why)) => return oauth_error(StatusCode::BAD_REQUEST, error, &why),
    };
    let (mut row, secret) = client;
    let max_agents = st.settings.max_agents;
    let scope = meta
        .get("scope")
        .and_then(Value::as_str)
        .map(str::to_string);
    let result = st
        .db
        .write(move |tx| {
            let developer = match &token {
                Some(t) => {
                    let hash = ids::sha256_hex(t.as_bytes());
                    match store::mcp::developer_by_registration_token(tx, &hash)? {
                        Some(d) => Some(d),
                        None => return Ok(Err("invalid_token")),
                    }
                }
                None if has_auth_header => return Ok(Err("invalid_token")),
                None => None,
            };
            row.developer_id = developer.clone();
            store::mcp::insert_client(tx, &row)?;
            if let Some(dev) = &developer {
                ensure_agent(tx, dev, &row, max_agents)?;
            }
            Ok(Ok(row))
        })
        .await;
    let row = match result {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => {
            let mut r = oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the registration token is not valid",
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            return r;
        }
        Err(e) => return e.into_response(),
    };
    let mut answer = json!({
        "client_id": row.client_id,
        "client_id_issued_at": row.created_at / 1000,
        "client_name": row.client_name,
        "redirect_uris": row.redirect_uris,
        "token_endpoint_auth_method": row.auth_method,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    if let Some(s) = secret {
        answer["client_secret"] = json!(s);
        answer["client_secret_expires_at"] = json!(0);
    }
    if let Some(s) = scope {
        answer["scope"] = json!(s);
    }
    let mut resp = (StatusCode::CREATED, Json(answer)).into_response();
    no_store(resp.headers_mut());
    resp
}

// ---------------------------------------------------------------------------------------------
// Authorization endpoint

/// An error sent back to the client's redirect URI (RFC 6749 §4.1.2.1, with RFC 9207 `iss`).
fn redirect_error(
    st: &AppState,
    redirect: &str,
    state: Option<&str>,
    error: &str,
    why: &str,
) -> Response {
    let mut p = vec![("error", error), ("error_description", why)];
    if let Some(s) = state {
        p.push(("state", s));
    }
    p.push(("iss", st.settings.public_url.as_str()));
    see_other(&with_query(redirect, &p))
}

/// `uri` with `params` appended to its query.
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut u) => {
            u.query_pairs_mut().extend_pairs(params);
            u.into()
        }
        Err(_) => uri.to_string(),
    }
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => ApiError::internal("redirect location is not a header value").into_response(),
    }
}

/// What the authorization endpoint refuses before it may redirect (unknown client, bad
/// redirect URI): shown to the human, never sent to an unverified URI.
fn refuse_page(title: &str, why: &str) -> Response {
    pages::message_page(StatusCode::BAD_REQUEST, title, why)
}

/// `GET /oauth/authorize`.
pub async fn authorize(State(st): State<AppState>, uri: Uri) -> Response {
    let q = match params(uri.query().unwrap_or("").as_bytes()) {
        Ok(q) => q,
        Err(why) => return refuse_page("Invalid authorization request", &why),
    };
    let Some(client_id) = get(&q, "client_id").map(str::to_string) else {
        return refuse_page("Invalid authorization request", "client_id is missing.");
    };
    let cid = client_id.clone();
    let client = match st.db.read(move |c| store::mcp::client_by_id(c, &cid)).await {
        Ok(Some(c)) => c,
        Ok(None) => {
            return refuse_page(
                "Unknown application",
                "This application is not registered with this authorization server.",
            )
        }
        Err(e) => return e.into_response(),
    };
    // Exact match against a registered URI (RFC 9700 §4.1.3); required, so the answer can
    // only ever go where the client said at registration.
    let Some(redirect) = get(&q, "redirect_uri").map(str::to_string) else {
        return refuse_page("Invalid authorization request", "redirect_uri is missing.");
    };
    if !client.redirect_uris.contains(&redirect) {
        return refuse_page(
            "Invalid authorization request",
            "redirect_uri is not one of this application's registered redirect URIs.",
        );
    }
    let state = get(&q, "state").map(str::to_string);
    let fail =
        |error: &str, why: &str| redirect_error(&st, &redirect, state.as_deref(), error, why);
    if state.as_ref().is_some_and(|s| s.len() > 1024) {
        return fail("invalid_request", "state is longer than 1024 characters");
    }
    match get(&q, "response_type") {
        Some("code") => {}
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "only response_type=code is supported",
            )
        }
        None => return fail("invalid_request", "response_type is missing"),
    }
    let challenge = match (get(&q, "code_challenge"), get(&q, "code_challenge_method")) {
        (Some(c), Some("S256")) => c.to_string(),
        (Some(_), Some(_)) => {
            return fail(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not allowed)",
            )
        }
        (Some(_), None) => {
            return fail(
                "invalid_request",
                "code_challenge_method is missing (it must be S256; plain is not allowed)",
            )
        }
        (None, _) => {
            return fail(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            )
        }
    };
    if validate::code_challenge(&challenge).is_err() {
        return fail(
            "invalid_request",
            "code_challenge must be 43 base64url characters (S256)",
        );
    }
    let Some(resource) = get(&q, "resource").map(str::to_string) else {
        return fail(
            "invalid_target",
            "resource is required: the URL of the MCP server (RFC 8707)",
        );
    };
    let asked: Option<Vec<String>> = get(&q, "scope").map(|s| {
        s.split(' ')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect()
    });
    let code_ttl = st.settings.code_ttl_ms;
    let (redirect_row, state_row) = (redirect.clone(), state.clone());
    let outcome = st
        .db
        .write(move |tx| {
            let Some(server) = store::mcp::resource(tx, &resource)? else {
                return Ok(Err((
                    "invalid_target",
                    "resource is not an MCP server registered here".to_string(),
                )));
            };
            let dev = server.developer_id.clone();
            match &client.developer_id {
                Some(d) if *d != dev => {
                    return Ok(Err((
                        "unauthorized_client",
                        "this application is not registered for this MCP server".into(),
                    )))
                }
                None if store::mcp::settings(tx, &dev)?.0 != "open" => {
                    return Ok(Err((
                        "unauthorized_client",
                        "this MCP server does not accept dynamically registered applications"
                            .into(),
                    )))
                }
                _ => {}
            }
            let scopes = match asked {
                None => server.scopes.clone(),
                Some(s) if s.is_empty() => server.scopes.clone(),
                Some(s) => {
                    if let Some(x) = s.iter().find(|x| !server.scopes.contains(x)) {
                        return Ok(Err((
                            "invalid_scope",
                            format!("scope {x:?} is not offered by this MCP server"),
                        )));
                    }
                    let mut seen = std::collections::HashSet::new();
                    s.into_iter().filter(|x| seen.insert(x.clone())).collect()
                }
            };
            // A client new to this developer gets its agent at the login binding, when the
            // developer's own login vouches for a human: anonymous requests create nothing
            // lasting (they expire with the code TTL).
            let agent_id =
                store::mcp::client_agent(tx, &dev, &client.client_id)?.unwrap_or_default();
            if !agent_id.is_empty() && store::agents::find_active(tx, &dev, &agent_id)?.is_none() {
                return Ok(Err((
                    "access_denied",
                    "this application has been suspended".into(),
                )));
            }
            let secs = time::parse_duration(&server.grant_ttl).map_err(ApiError::internal)?;
            let now = now_ms();
            store::auth_requests::purge_expired(tx, &dev, now)?;
            let row = store::auth_requests::AuthRequestRow {
                id: ids::new_id("areq"),
                developer_id: dev,
                agent_id,
                principal_id: String::new(),
                scopes,
                redirect_uri: Some(redirect_row),
                state: state_row,
                expires_in: server.grant_ttl.clone(),
                expires_in_secs: secs,
                expires_at: now + code_ttl,
                audience: Some(server.resource_url.clone()),
                code_challenge: Some(challenge),
                status: "pending".into(),
                code: None,
                created_at: now,
                purpose: None,
                data_region: None,
                oauth_client_id: Some(client.client_id.clone()),
            };
            store::auth_requests::insert(tx, &row)?;
            Ok(Ok(row.id))
        })
        .await;
    match outcome {
        Ok(Ok(id)) => see_other(&format!("{}/consent?req={id}", st.settings.public_url)),
        Ok(Err((error, why))) => fail(error, &why),
        Err(e) => e.into_response(),
    }
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

/// The client a token request authenticates as: `client_secret_basic`, `client_secret_post`,
/// or a public client's bare `client_id`.
async fn authenticate_client(
    st: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<ClientRow, Response> {
    let invalid = |why: &str, basic: bool| {
        let mut r = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", why);
        if basic {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"grantex\""),
            );
        }
        r
    };
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .map(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
                .and_then(|d| String::from_utf8(d).ok())
                .and_then(|s| {
                    let (id, secret) = s.split_once(':')?;
                    // RFC 6749 §2.3.1: both parts are form-encoded.
                    let dec = |x: &str| {
                        url::form_urlencoded::parse(format!("a={x}").as_bytes())
                            .next()
                            .map(|(_, v)| v.into_owned())
                    };
                    Some((dec(id)?, dec(secret)?))
                })
        });
    let (client_id, secret, used_basic) = match basic {
        Some(Some((id, secret))) => (id, Some(secret), true),
        Some(None) => return Err(invalid("the Basic credentials do not parse", true)),
        None => match get(form, "client_id") {
            Some(id) => (
                id.to_string(),
                get(form, "client_secret").map(str::to_string),
                false,
            ),
            None => {
                return Err(invalid(
                    "client authentication is missing (client_id)",
                    false,
                ))
            }
        },
    };
    if used_basic && get(form, "client_id").is_some_and(|f| f != client_id) {
        return Err(invalid(
            "client_id differs from the authenticated client",
            true,
        ));
    }
    let id = client_id.clone();
    let client = match st.db.read(move |c| store::mcp::client_by_id(c, &id)).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(invalid("unknown client", used_basic)),
        Err(e) => return Err(e.into_response()),
    };
    match (&client.secret_hash, secret) {
        (None, None) => Ok(client),
        (None, Some(_)) => Err(invalid(
            "this client is public: it has no secret",
            used_basic,
        )),
        (Some(_), None) => Err(invalid(
            "this client must authenticate with its secret",
            used_basic,
        )),
        (Some(hash), Some(s)) => {
            if ids::ct_eq(ids::sha256_hex(s.as_bytes()).as_bytes(), hash.as_bytes()) {
                Ok(client)
            } else {
                Err(invalid("the client secret is wrong", used_basic))
            }
        }
    }
}

/// The RFC 6749 §5.1 answer for an issued token.
fn token_answer(resp: grantex::types::ExchangeTokenResponse) -> Response {
    let exp = parse_iso(&resp.expires_at).map(|ms| ms / 1000).unwrap_or(0);
    let mut r = Json(json!({
        "access_token": resp.grant_token,
        "token_type": "Bearer",
        "expires_in": (exp - now_secs()).max(0),
        "refresh_token": resp.refresh_token,
        "scope": resp.scopes.join(" "),
    }))
    .into_response();
    no_store(r.headers_mut());
    r
}

/// A refusal of the shared issuing rules, as `invalid_grant` (server faults stay 500).
fn grant_error(e: ApiError) -> Response {
    if e.status.is_server_error() {
        return e.into_response();
    }
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", &e.message)
}

/// `POST /oauth/token` (form-encoded).
pub async fn token(State(st): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let (ct, body) = match read_body(req, &()).await {
        Ok(b) => b,
        Err(e) => return oauth_error(e.status, "invalid_request", &e.message),
    };
    let is_form = ct
        .as_deref()
        .and_then(|c| c.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the token request must be application/x-www-form-urlencoded",
        );
    }
    let form = match params(&body) {
        Ok(f) => f,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &why),
    };
    let client = match authenticate_client(&st, &headers, &form).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    match get(&form, "grant_type") {
        Some("authorization_code") => code_grant(&st, client, &form).await,
        Some("refresh_token") => refresh_grant(&st, client, &form).await,
        Some(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        ),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is missing",
        ),
    }
}

async fn code_grant(st: &AppState, client: ClientRow, form: &HashMap<String, String>) -> Response {
    let bad = |why: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why);
    let Some(code) = get(form, "code").map(str::to_string) else {
        return bad("code is missing");
    };
    let Some(verifier) = get(form, "code_verifier").map(str::to_string) else {
        return bad("code_verifier is missing (PKCE is required)");
    };
    if validate::code_verifier(&verifier).is_err() {
        return bad("code_verifier must be 43-128 characters of [A-Za-z0-9-._~]");
    }
    let Some(redirect) = get(form, "redirect_uri").map(str::to_string) else {
        return bad("redirect_uri is missing");
    };
    if code.len() > 512 {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid code");
    }
    let resource = get(form, "resource").map(str::to_string);
    let keys = st.keys.clone();
    let max_grants = st.settings.max_active_grants;
    let result = st
        .db
        .run(move |db| {
            let invalid = || ApiError::bad_request("Invalid code");
            let (req, sandbox) = db.read_sync(|c| {
                let req = store::auth_requests::find_by_code_only(c, &code)?.ok_or_else(invalid)?;
                let sandbox = store::developers::is_sandbox(c, &req.developer_id)?;
                Ok((req, sandbox))
            })?;
            if req.oauth_client_id.as_deref() != Some(client.client_id.as_str()) {
                return Err(invalid());
            }
            if resource.is_some() && resource != req.audience {
                return Err(ApiError::bad_request(
                    "resource differs from the authorization request's",
                ));
            }
            let tenant = Tenant {
                id: req.developer_id.clone(),
                sandbox,
            };
            let grant = CodeGrant {
                code,
                agent_id: req.agent_id.clone(),
                code_verifier: Some(verifier),
                redirect_uri: Some(redirect),
                with_credential: false,
                token_ttl_secs: Some(ACCESS_TOKEN_TTL_SECS),
            };
            issue::exchange_code(db, &keys, max_grants, &tenant, &grant)
        })
        .await;
    match result {
        Ok(resp) => {
            st.metrics
                .issued(crate::observability::Issued::AuthorizationCode);
            token_answer(resp)
        }
        Err(e) => grant_error(e),
    }
}

async fn refresh_grant(
    st: &AppState,
    client: ClientRow,
    form: &HashMap<String, String>,
) -> Response {
    let Some(refresh) = get(form, "refresh_token").map(str::to_string) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token is missing",
        );
    };
    if refresh.len() > 512 {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "Invalid refresh token",
        );
    }
    let keys = st.keys.clone();
    let result = st
        .db
        .run(move |db| {
            let invalid = || ApiError::bad_request("Invalid refresh token");
            let (tenant, agent_id) = db.read_sync(|c| {
                let (dev, agent) = store::mcp::refresh_owner(c, &refresh)?.ok_or_else(invalid)?;
                // Only the client the grant was issued to may refresh it.
                if store::mcp::client_agent(c, &dev, &client.client_id)?.as_deref()
                    != Some(agent.as_str())
                {
                    return Err(invalid());
                }
                let sandbox = store::developers::is_sandbox(c, &dev)?;
                Ok((Tenant { id: dev, sandbox }, agent))
            })?;
            let grant = RefreshGrant {
                refresh_token: refresh,
                agent_id,
                idempotency_key: None,
                token_ttl_secs: Some(ACCESS_TOKEN_TTL_SECS),
            };
            issue::refresh(db, &keys, &tenant, &grant)
        })
        .await;
    match result {
        Ok(resp) => {
            st.metrics.refreshed();
            token_answer(resp)
        }
        Err(e) => grant_error(e),
    }
}
