//! The public consent step: `GET /consent?req=…` (HTML), `POST /consent/:id/approve|deny` (the
//! page's forms, CSRF-checked), `GET /v1/consent/:id`, `POST /v1/consent/:id/approve|deny`
//! (JSON, reference compatible).
//!
//! By default knowing the `areq_…` id is the capability for the JSON routes. With
//! `--strict-consent` they also need `Authorization: Bearer <principal session token>` of the
//! request's developer and principal. The form routes need the cookie the page set and the
//! token embedded in it (`csrf.rs`), in both modes.

use crate::auth::{self, Principal};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, read_body, QueryMap};
use crate::pages;
use crate::scopes::describe;
use crate::state::AppState;
use crate::store;
use crate::time::{iso, now_ms};
use crate::{consent_login, csrf, ids, oauth_clients, sso};
use axum::extract::{Path, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use grantex::types::{Agent, ConsentApproval, ConsentDenial, ConsentRequest};

/// Request + agent + developer name, or the reason there is nothing to consent to.
enum Lookup {
    Pending(Box<(store::auth_requests::AuthRequestRow, Agent, String)>),
    Unknown,
    Finished(&'static str),
}

async fn lookup(st: &AppState, id: String) -> ApiResult<Lookup> {
    st.db
        .read(move |c| {
            let Some(r) = store::auth_requests::find(c, &id)? else {
                return Ok(Lookup::Unknown);
            };
            if r.expires_at <= now_ms() {
                return Ok(Lookup::Finished("This authorization request has expired."));
            }
            if r.status != "pending" {
                return Ok(Lookup::Finished(
                    "This authorization request has already been answered.",
                ));
            }
            let agent = match store::agents::find(c, &r.developer_id, &r.agent_id)? {
                Some(a) => a,
                // An MCP client new to the developer: its agent comes with the login binding.
                None if r.agent_id.is_empty() && r.oauth_client_id.is_some() => {
                    let client_id = r.oauth_client_id.clone().unwrap_or_default();
                    match store::mcp::client_by_id(c, &client_id)? {
                        Some(cl) => oauth_clients::agent_for(&r.developer_id, &cl, "", now_ms()),
                        None => return Ok(Lookup::Unknown),
                    }
                }
                None => return Ok(Lookup::Unknown),
            };
            let dev_name = store::developers::name(c, &r.developer_id)?;
            Ok(Lookup::Pending(Box::new((r, agent, dev_name))))
        })
        .await
}

/// `GET /v1/consent/:id`: 404 unknown, 410 expired or not pending.
pub async fn get(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ConsentRequest>> {
    path_id(&id)?;
    match lookup(&st, id).await? {
        Lookup::Unknown => Err(ApiError::not_found("Authorization request not found")),
        Lookup::Finished(why) => Err(ApiError::gone(why)),
        Lookup::Pending(b) => {
            let (r, agent, _) = *b;
            Ok(Json(ConsentRequest {
                id: r.id,
                agent_name: agent.name,
                agent_did: agent.did,
                agent_description: Some(agent.description).filter(|d| !d.is_empty()),
                scope_descriptions: r.scopes.iter().map(|s| describe(s)).collect(),
                scopes: r.scopes,
                expires_at: iso(r.expires_at),
                status: r.status,
                fido_required: false,
                purpose: r.purpose,
                data_region: r.data_region,
            }))
        }
    }
}

/// The request's developer and principal, if the request exists.
async fn request_owner(st: &AppState, id: &str) -> ApiResult<Option<(String, String)>> {
    let id = id.to_string();
    st.db
        .read(move |c| {
            Ok(store::auth_requests::find(c, &id)?.map(|r| (r.developer_id, r.principal_id)))
        })
        .await
}

/// The consent page's SSO line for request `r` and this browser.
async fn sso_block(
    st: &AppState,
    r: &store::auth_requests::AuthRequestRow,
    headers: &HeaderMap,
) -> ApiResult<pages::consent::SsoBlock> {
    let (offered, required) = sso::developer_sso(st, &r.developer_id).await?;
    if !offered {
        return Ok(pages::consent::SsoBlock::default());
    }
    let session = sso::browser_session(st, headers)
        .await
        .filter(|p| p.developer_id == r.developer_id);
    let return_to = format!("/consent?req={}", r.id);
    let mut href = url::Url::parse(&format!("{}/sso/start", st.settings.public_url))
        .map_err(|_| ApiError::internal("public URL"))?;
    href.query_pairs_mut()
        .append_pair("org", &r.developer_id)
        .append_pair("return_to", &return_to);
    Ok(pages::consent::SsoBlock {
        offered,
        required,
        signed_in_as: session.map(|p| p.principal_id),
        login_href: href.into(),
    })
}

/// The consent forms under SSO: with this browser signed in by SSO (for the request's
/// developer), its principal must be the request's (403 `SSO_PRINCIPAL_MISMATCH`); with SSO
/// enforced, such a session is required (403 `SSO_REQUIRED`).
async fn sso_gate(st: &AppState, id: &str, headers: &HeaderMap) -> ApiResult<()> {
    let Some((developer_id, principal_id)) = request_owner(st, id).await? else {
        return Ok(());
    };
    let (_, enforced) = sso::developer_sso(st, &developer_id).await?;
    let session = sso::browser_session(st, headers)
        .await
        .filter(|p| p.developer_id == developer_id);
    match session {
        Some(p) if p.principal_id != principal_id => Err(ApiError::forbidden(
            "SSO_PRINCIPAL_MISMATCH",
            "You are signed in with SSO as another user than this request's",
        )),
        Some(_) => Ok(()),
        None if enforced => Err(ApiError::forbidden(
            "SSO_REQUIRED",
            "This organization requires single sign-on: sign in with SSO as this request's user first",
        )),
        None => Ok(()),
    }
}

/// With `--strict-consent`, for an MCP client's request (the client must not answer for the
/// human), or when the developer enforces SSO (then the session must come from an SSO login),
/// the principal session the JSON routes need (401 without a valid one).
async fn strict_principal(
    st: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> ApiResult<Option<Principal>> {
    let enforced = match request_owner(st, id).await? {
        Some((dev, _)) => sso::developer_sso(st, &dev).await?.1,
        None => false,
    };
    if enforced {
        if auth::bearer(headers).is_none() {
            return Err(ApiError::forbidden(
                "SSO_REQUIRED",
                "This organization requires single sign-on: answer with Authorization: Bearer \
                 <principal session token from an SSO login> for the request's principal",
            ));
        }
        let p = auth::authenticate_principal(st, headers).await?;
        if p.sso_session_id.is_none() {
            return Err(ApiError::forbidden(
                "SSO_REQUIRED",
                "This organization requires single sign-on: this principal session did not come from an SSO login",
            ));
        }
        return Ok(Some(p));
    }
    if !st.settings.strict_consent && !is_mcp_request(st, id).await? {
        return Ok(None);
    }
    if auth::bearer(headers).is_none() {
        return Err(ApiError::unauthorized(
            "This server runs with --strict-consent: approving or denying through the API needs \
             Authorization: Bearer <principal session token> for the request's principal \
             (or answer on the consent page)",
        ));
    }
    auth::authenticate_principal(st, headers).await.map(Some)
}

/// Whether request `id` is an MCP client's (`/oauth/authorize`).
async fn is_mcp_request(st: &AppState, id: &str) -> ApiResult<bool> {
    let id = id.to_string();
    st.db
        .read(move |c| {
            Ok(store::auth_requests::find(c, &id)?.is_some_and(|r| r.oauth_client_id.is_some()))
        })
        .await
}

/// For an MCP client's request, the browser must hold the login cookie the developer's login
/// bound (`consent_login`); `Ok(true)` for such a request, `Ok(false)` for any other.
async fn login_gate(st: &AppState, id: &str, headers: &HeaderMap) -> ApiResult<bool> {
    let rid = id.to_string();
    let (mcp, hash) = st
        .db
        .read(move |c| {
            let mcp =
                store::auth_requests::find(c, &rid)?.is_some_and(|r| r.oauth_client_id.is_some());
            Ok((mcp, store::auth_requests::login_hash(c, &rid)?))
        })
        .await?;
    if !mcp {
        return Ok(false);
    }
    let secure = st.settings.public_url.starts_with("https://");
    match hash {
        Some(h) if consent_login::cookie_matches(headers, id, &h, secure) => Ok(true),
        _ => Err(ApiError::forbidden(
            "LOGIN_REQUIRED",
            "Sign in first: this request can only be answered from the browser that signed in",
        )),
    }
}

/// 403 unless the request `id` (if it exists) belongs to the session's developer and principal.
fn check_principal(tx: &store::Conn, id: &str, p: Option<&Principal>) -> ApiResult<()> {
    let Some(p) = p else { return Ok(()) };
    match store::auth_requests::find(tx, id)? {
        Some(r) if r.developer_id != p.developer_id || r.principal_id != p.principal_id => {
            Err(ApiError::forbidden(
                "FORBIDDEN",
                "This principal session is not for this authorization request's principal",
            ))
        }
        _ => Ok(()),
    }
}

/// Approves a pending request: mints the code. 410 if unknown, expired or already answered.
async fn approve_request(
    st: &AppState,
    id: String,
    principal: Option<Principal>,
) -> ApiResult<ConsentApproval> {
    let ttl = st.settings.code_ttl_ms;
    st.db
        .write(move |tx| {
            check_principal(tx, &id, principal.as_ref())?;
            if store::auth_requests::find(tx, &id)?.is_some_and(|r| r.principal_id.is_empty()) {
                return Err(ApiError::forbidden(
                    "LOGIN_REQUIRED",
                    "Nobody has signed in for this request yet",
                ));
            }
            let code = ids::new_id("");
            if !store::auth_requests::approve(tx, &id, &code, now_ms(), ttl)? {
                return Err(ApiError::gone(
                    "Authorization request not found, expired or already answered",
                ));
            }
            let r = store::auth_requests::find(tx, &id)?
                .ok_or_else(|| ApiError::internal("approved request vanished"))?;
            Ok(ConsentApproval {
                code,
                redirect_uri: r.redirect_uri,
                state: r.state,
            })
        })
        .await
}

/// Denies a pending request. 404 if unknown or not pending.
async fn deny_request(
    st: &AppState,
    id: String,
    principal: Option<Principal>,
) -> ApiResult<ConsentDenial> {
    st.db
        .write(move |tx| {
            check_principal(tx, &id, principal.as_ref())?;
            if !store::auth_requests::deny_pending(tx, &id, now_ms())? {
                return Err(ApiError::not_found(
                    "Authorization request not found or no longer pending",
                ));
            }
            let r = store::auth_requests::find(tx, &id)?
                .ok_or_else(|| ApiError::internal("denied request vanished"))?;
            Ok(ConsentDenial {
                redirect_uri: r.redirect_uri,
                state: r.state,
            })
        })
        .await
}

/// `POST /v1/consent/:id/approve`: mints the code. 410 if unknown, expired or already answered.
pub async fn approve(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<ConsentApproval>> {
    path_id(&id)
        .map_err(|_| ApiError::gone("Authorization request not found or no longer pending"))?;
    let principal = strict_principal(&st, &id, &headers).await?;
    approve_request(&st, id, principal).await.map(Json)
}

/// `POST /v1/consent/:id/deny`: 404 if unknown or not pending.
pub async fn deny(
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<ConsentDenial>> {
    path_id(&id)?;
    let principal = strict_principal(&st, &id, &headers).await?;
    deny_request(&st, id, principal).await.map(Json)
}

/// A browser navigation (`Accept: text/html…`) gets error pages, anything else the envelope.
fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn refuse(err: ApiError, html: bool) -> Response {
    if !html {
        return err.into_response();
    }
    let title = match err.status {
        StatusCode::FORBIDDEN => "This answer was refused",
        StatusCode::NOT_FOUND | StatusCode::GONE => "Nothing to answer",
        _ => "Something went wrong",
    };
    pages::message_page(err.status, title, &err.message)
}

/// `redirect_uri` with `params` set (replacing earlier values of those names, keeping the rest).
fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Option<String> {
    let mut url = url::Url::parse(redirect_uri).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !params.iter().any(|(n, _)| n == k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .extend_pairs(params);
    Some(url.into())
}

/// `POST /consent/:id/approve` and `…/deny` (form-encoded `csrf=<token>` plus the page's cookie):
/// 303 to the redirect URI, or a result page; 403 `CSRF_CHECK_FAILED` without a valid pair
/// (the request stays pending). Errors are HTML for browsers, the envelope otherwise.
async fn form_answer(st: AppState, id: String, req: Request, approve: bool) -> Response {
    let headers = req.headers().clone();
    let html = wants_html(&headers);
    if path_id(&id).is_err() {
        return refuse(ApiError::not_found("Authorization request not found"), html);
    }
    let (ct, body) = match read_body(req, &()).await {
        Ok(b) => b,
        Err(e) => return refuse(e, html),
    };
    let is_form = ct
        .as_deref()
        .and_then(|c| c.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    let token = is_form
        .then(|| {
            url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == csrf::FIELD)
                .map(|(_, v)| v.into_owned())
        })
        .flatten();
    let csrf = &st.settings.consent_csrf;
    if let Err(why) = csrf.check(&id, &headers, token.as_deref()) {
        return refuse(ApiError::forbidden("CSRF_CHECK_FAILED", why), html);
    }
    let mcp = match login_gate(&st, &id, &headers).await {
        Ok(m) => m,
        Err(e) => return refuse(e, html),
    };
    if let Err(e) = sso_gate(&st, &id, &headers).await {
        return refuse(e, html);
    }
    let (redirect, params): (Option<String>, Vec<(&str, String)>) = if approve {
        match approve_request(&st, id.clone(), None).await {
            Ok(a) => (a.redirect_uri, {
                let mut p = vec![("code", a.code)];
                p.extend(a.state.map(|s| ("state", s)));
                p
            }),
            Err(e) => return refuse(e, html),
        }
    } else {
        match deny_request(&st, id.clone(), None).await {
            Ok(d) => (d.redirect_uri, {
                let mut p = vec![("error", "access_denied".to_string())];
                p.extend(d.state.map(|s| ("state", s)));
                p
            }),
            Err(e) => return refuse(e, html),
        }
    };
    // RFC 9207: an MCP client learns which server answered.
    let mut params = params;
    if mcp {
        params.push(("iss", st.settings.public_url.clone()));
    }
    let mut resp = match redirect {
        Some(uri) => {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match redirect_with(&uri, &params).and_then(|l| HeaderValue::from_str(&l).ok()) {
                Some(location) => {
                    let mut r = StatusCode::SEE_OTHER.into_response();
                    r.headers_mut().insert(header::LOCATION, location);
                    r
                }
                None => {
                    return ApiError::internal("stored redirect URI does not parse").into_response()
                }
            }
        }
        None => pages::consent::answered(approve),
    };
    if let Ok(v) = HeaderValue::from_str(&csrf.clear(&id)) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `POST /consent/:id/approve`: the consent page's Approve form.
pub async fn form_approve(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    form_answer(st, id, req, true).await
}

/// `POST /consent/:id/deny`: the consent page's Deny form.
pub async fn form_deny(
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    form_answer(st, id, req, false).await
}

/// The login step before an MCP client's request is shown: `None` when this browser holds the
/// bound principal's login cookie, else the answer to send (trade the URL's login secret for
/// the cookie, send the browser to the developer's login, or refuse).
async fn mcp_login_step(
    st: &AppState,
    r: &store::auth_requests::AuthRequestRow,
    q: &QueryMap,
    headers: &HeaderMap,
) -> Option<Response> {
    let secure = st.settings.public_url.starts_with("https://");
    let (id, resource) = (r.id.clone(), r.audience.clone().unwrap_or_default());
    let found = st
        .db
        .read(move |c| {
            let hash = store::auth_requests::login_hash(c, &id)?;
            let login = store::mcp::resource(c, &resource)?.and_then(|s| s.login_url);
            Ok((hash, login))
        })
        .await;
    let (hash, login_url) = match found {
        Ok(f) => f,
        Err(e) => return Some(e.into_response()),
    };
    let refused = |why: &str| {
        Some(pages::message_page(
            StatusCode::FORBIDDEN,
            "Sign-in needed",
            why,
        ))
    };
    if let Some(secret) = q.get(consent_login::PARAM) {
        return match &hash {
            Some(h) if consent_login::matches(secret, h) => {
                // One use: the link's secret is replaced by the cookie's own, so a copy of the
                // link (history, logs) opens nothing in another browser.
                let cookie_secret = ids::new_secret("login");
                let (id, old, new) = (
                    r.id.clone(),
                    h.clone(),
                    ids::sha256_hex(cookie_secret.as_bytes()),
                );
                match st
                    .db
                    .write(move |tx| store::auth_requests::rotate_login_hash(tx, &id, &old, &new))
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => return refused("This sign-in link was already used. Return to the application and start again."),
                    Err(e) => return Some(e.into_response()),
                }
                let max_age = ((r.expires_at - now_ms() + 999) / 1000).min(600);
                let cookie = consent_login::set_cookie(&r.id, &cookie_secret, max_age, secure);
                let location = format!("{}/consent?req={}", st.settings.public_url, r.id);
                let mut resp = StatusCode::SEE_OTHER.into_response();
                match (HeaderValue::from_str(&location), HeaderValue::from_str(&cookie)) {
                    (Ok(l), Ok(c)) => {
                        resp.headers_mut().insert(header::LOCATION, l);
                        resp.headers_mut().append(header::SET_COOKIE, c);
                        Some(resp)
                    }
                    _ => Some(ApiError::internal("login redirect").into_response()),
                }
            }
            _ => refused("This sign-in link is not valid for this request. Return to the application and start again."),
        };
    }
    match hash {
        None => match login_url {
            Some(u) => {
                let mut url = match url::Url::parse(&u) {
                    Ok(u) => u,
                    Err(_) => return Some(ApiError::internal("stored login URL").into_response()),
                };
                url.query_pairs_mut().append_pair("grantex_request", &r.id);
                let mut resp = StatusCode::SEE_OTHER.into_response();
                match HeaderValue::from_str(url.as_str()) {
                    Ok(l) => {
                        resp.headers_mut().insert(header::LOCATION, l);
                        Some(resp)
                    }
                    Err(_) => Some(ApiError::internal("login URL header").into_response()),
                }
            }
            None => refused("Sign in with the service first: this MCP server has no login page configured, so its developer must bind your account to this request."),
        },
        Some(h) if consent_login::cookie_matches(headers, &r.id, &h, secure) => None,
        Some(_) => refused("This request was signed in from another browser. Return to the application and start again."),
    }
}

/// `GET /consent?req=…`: the HTML consent page.
pub async fn page(State(st): State<AppState>, q: QueryMap, headers: HeaderMap) -> Response {
    let Some(id) = q.get("req").filter(|r| r.len() <= 256).map(str::to_string) else {
        return pages::message_page(
            StatusCode::BAD_REQUEST,
            "Missing authorization request",
            "This link is incomplete: it has no req parameter.",
        );
    };
    match lookup(&st, id).await {
        Ok(Lookup::Pending(b)) => {
            let (r, agent, dev_name) = *b;
            if r.oauth_client_id.is_some() {
                if let Some(resp) = mcp_login_step(&st, &r, &q, &headers).await {
                    return resp;
                }
            }
            // The cookie lives as long as the request can still be answered (≤ the code TTL).
            let max_age = ((r.expires_at - now_ms() + 999) / 1000).min(600);
            let Some(issued) = st.settings.consent_csrf.issue(&r.id, max_age) else {
                return ApiError::internal("authorization request id unfit for a cookie name")
                    .into_response();
            };
            let sso_block = match sso_block(&st, &r, &headers).await {
                Ok(b) => b,
                Err(e) => return e.into_response(),
            };
            let mut resp = pages::consent::render(&r, &agent, &dev_name, &issued.token, &sso_block);
            match HeaderValue::from_str(&issued.set_cookie) {
                Ok(v) => {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                    resp
                }
                Err(e) => ApiError::internal(format!("consent cookie: {e}")).into_response(),
            }
        }
        Ok(Lookup::Unknown) => pages::message_page(
            StatusCode::NOT_FOUND,
            "Authorization request not found",
            "This authorization request does not exist. Ask the application to start again.",
        ),
        Ok(Lookup::Finished(why)) => {
            pages::message_page(StatusCode::GONE, "Nothing to approve", why)
        }
        Err(e) => e.into_response(),
    }
}
