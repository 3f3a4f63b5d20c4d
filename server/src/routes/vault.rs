//! `/v1/vault/credentials` — the credential vault: a developer stores a principal's upstream
//! credential (sealed at rest, see `crate::vault`), lists, reads (never the secret) and deletes
//! it; an agent exchanges its grant token for the secret at `POST /v1/vault/credentials/exchange`
//! when the token carries exactly `vault:<service>:exchange`.
//!
//! The exchange is authenticated by the grant token itself (not an API key; the route is public
//! for the guard, so it counts in the caller's IP bucket): the token must verify, be active in
//! the database (not revoked, not expired, agents active) and, when key-bound (`cnf.jkt`), come
//! with a DPoP proof of that key for this request. Every refusal a developer can be named for,
//! and every success, is in that developer's audit chain.

use crate::auth::Developer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, read_body, JsonBody, QueryMap};
use crate::state::AppState;
use crate::store;
use crate::store::audit::{actions, Subject};
use crate::store::grants::TokenState;
use crate::store::vault::{CredentialInfo, NewCredential};
use crate::time::{iso, now_ms, now_secs, parse_iso};
use crate::vault::{self, Binding};
use crate::{ids, validate};
use axum::extract::{Path, Request, State};
use axum::http::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use grantex::types::{
    ExchangeCredentialResponse, ListVaultCredentialsResponse, StoreCredentialResponse,
    VaultCredential,
};
use grantex::TokenErrorCode;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// Longest secret accepted (access or refresh token), in characters.
const MAX_SECRET: usize = 16 * 1024;
/// Longest `metadata`, serialised.
const MAX_METADATA: usize = 16 * 1024;

fn not_found() -> ApiError {
    ApiError::not_found("Credential not found")
}

/// `^[a-z0-9][a-z0-9._-]{0,63}$`, case-insensitive (the reference's rule).
fn check_service(service: &str) -> ApiResult<()> {
    let b = service.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "service must be 1-64 characters and contain only letters, numbers, dot, underscore, or dash",
        ))
    }
}

/// The one scope that unlocks the exchange of `service`'s credential.
fn exchange_scope(service: &str) -> String {
    format!("vault:{}:exchange", service.to_ascii_lowercase())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreBody {
    principal_id: Option<String>,
    service: Option<String>,
    credential_type: Option<String>,
    access_token: Option<String>,
    refresh_token: Option<String>,
    token_expires_at: Option<String>,
    metadata: Option<Map<String, Value>>,
}

pub async fn store(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(b): JsonBody<StoreBody>,
) -> ApiResult<(StatusCode, Json<StoreCredentialResponse>)> {
    let (Some(principal_id), Some(service), Some(access_token)) =
        (b.principal_id, b.service, b.access_token)
    else {
        return Err(ApiError::bad_request(
            "principalId, service, and accessToken are required",
        ));
    };
    validate::text("principalId", &principal_id, 256)?;
    check_service(&service)?;
    validate::text("accessToken", &access_token, MAX_SECRET)?;
    if let Some(r) = &b.refresh_token {
        validate::text("refreshToken", r, MAX_SECRET)?;
    }
    let credential_type = b.credential_type.unwrap_or_else(|| "oauth2".into());
    validate::text("credentialType", &credential_type, 64)?;
    let token_expires_at = b
        .token_expires_at
        .as_deref()
        .map(|t| {
            parse_iso(t)
                .ok_or_else(|| ApiError::bad_request("tokenExpiresAt must be an RFC 3339 instant"))
        })
        .transpose()?;
    let metadata = Value::Object(b.metadata.unwrap_or_default());
    if metadata.to_string().len() > MAX_METADATA {
        return Err(ApiError::bad_request(format!(
            "metadata must be at most {MAX_METADATA} bytes of JSON"
        )));
    }
    let masters = st.vault.clone();
    let answer = st
        .db
        .write(move |tx| {
            let now = now_ms();
            // An upsert keeps the row's id, which the sealed values are bound to.
            let id = store::vault::id_for(tx, &dev.id, &principal_id, &service)?
                .unwrap_or_else(|| ids::new_id("vc"));
            let kek = vault::current_kek(tx, &masters)?;
            let binding = Binding {
                developer_id: &dev.id,
                principal_id: &principal_id,
                service: &service,
                credential_id: &id,
            };
            let sealed =
                vault::seal_credential(&kek, &binding, &access_token, b.refresh_token.as_deref())
                    .map_err(|e| e.to_api())?;
            let created_at = store::vault::upsert(
                tx,
                &NewCredential {
                    id: &id,
                    developer_id: &dev.id,
                    principal_id: &principal_id,
                    service: &service,
                    credential_type: &credential_type,
                    sealed: &sealed,
                    token_expires_at,
                    metadata: &metadata,
                },
                now,
            )?;
            let data =
                json!({ "credentialId": id, "principalId": principal_id, "service": service });
            store::events::emit(tx, &dev.id, store::events::VAULT_CREDENTIAL_STORED, data)?;
            store::audit::record_event(
                tx,
                &dev.id,
                actions::VAULT_CREDENTIAL_STORED,
                Subject {
                    principal_id: &principal_id,
                    ..Subject::default()
                },
                false,
                json!({
                    "credentialId": id,
                    "service": service,
                    "credentialType": credential_type,
                    "replaced": created_at != now,
                }),
            )?;
            Ok(StoreCredentialResponse {
                id,
                principal_id,
                service,
                credential_type,
                created_at: iso(created_at),
            })
        })
        .await?;
    Ok((StatusCode::CREATED, Json(answer)))
}

pub async fn list(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    q: QueryMap,
) -> ApiResult<Json<ListVaultCredentialsResponse>> {
    let principal = q.get("principalId").map(str::to_string);
    let service = q.get("service").map(str::to_string);
    let rows = st
        .db
        .read(move |c| store::vault::list(c, &dev.id, principal.as_deref(), service.as_deref()))
        .await?;
    Ok(Json(ListVaultCredentialsResponse {
        credentials: rows.iter().map(CredentialInfo::to_wire).collect(),
    }))
}

pub async fn get(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<Json<VaultCredential>> {
    path_id(&id)?;
    st.db
        .read(move |c| store::vault::find(c, &dev.id, &id)?.ok_or_else(not_found))
        .await
        .map(|r| Json(r.to_wire()))
}

pub async fn delete(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(move |tx| {
            let cred = store::vault::find(tx, &dev.id, &id)?.ok_or_else(not_found)?;
            store::vault::delete(tx, &dev.id, &id)?;
            let data = json!({
                "credentialId": cred.id,
                "principalId": cred.principal_id,
                "service": cred.service,
            });
            store::events::emit(tx, &dev.id, store::events::VAULT_CREDENTIAL_DELETED, data)?;
            store::audit::record_event(
                tx,
                &dev.id,
                actions::VAULT_CREDENTIAL_DELETED,
                Subject {
                    principal_id: &cred.principal_id,
                    ..Subject::default()
                },
                false,
                json!({ "credentialId": cred.id, "service": cred.service }),
            )?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The grant token of `Authorization: Bearer <token>` or `DPoP <token>`.
fn grant_token(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once([' ', '\t'])?;
    if !scheme.eq_ignore_ascii_case("bearer") && !scheme.eq_ignore_ascii_case("dpop") {
        return None;
    }
    let token = rest.trim_start_matches([' ', '\t']);
    (!token.is_empty() && !token.contains(char::is_whitespace)).then_some(token)
}

fn dpop_error(code: &'static str, error: &str, message: String) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, code, message).with_header(
        WWW_AUTHENTICATE,
        HeaderValue::from_str(&format!("DPoP error=\"{error}\""))
            .unwrap_or(HeaderValue::from_static("DPoP")),
    )
}

/// Who an exchange is for, once its token verified.
struct Caller {
    developer_id: String,
    principal_id: String,
    agent_id: String,
    agent_did: String,
    grant_id: String,
    token_id: String,
}

impl Caller {
    fn subject(&self) -> Subject<'_> {
        Subject {
            agent_id: &self.agent_id,
            agent_did: &self.agent_did,
            grant_id: &self.grant_id,
            principal_id: &self.principal_id,
        }
    }
}

/// Records a refused exchange in the developer's chain (committed), then returns `err`.
async fn refuse<T>(
    st: &AppState,
    caller: Caller,
    reason: &'static str,
    service: Option<String>,
    err: ApiError,
) -> ApiResult<T> {
    let code = err.code;
    let action = if code.starts_with("VAULT_") {
        actions::VAULT_DECRYPT_FAILED
    } else {
        actions::VAULT_EXCHANGE_DENIED
    };
    st.db
        .write(move |tx| {
            store::audit::record_event(
                tx,
                &caller.developer_id,
                action,
                caller.subject(),
                true,
                json!({ "reason": reason, "code": code, "service": service, "jti": caller.token_id }),
            )?;
            Ok(())
        })
        .await?;
    Err(err)
}

#[derive(Debug, Deserialize)]
struct ExchangeBody {
    service: Option<String>,
    delivery: Option<String>,
}

/// `POST /v1/vault/credentials/exchange`: the grant token's principal's credential for `service`.
pub async fn exchange(
    State(st): State<AppState>,
    req: Request,
) -> ApiResult<Json<ExchangeCredentialResponse>> {
    let headers = req.headers().clone();
    let (ct, bytes) = read_body(req, &()).await?;
    let Some(token) = grant_token(&headers).map(str::to_string) else {
        return Err(ApiError::unauthorized("Missing grant token"));
    };
    let invalid = || ApiError::unauthorized("Invalid or expired grant token");
    let keys = st.keys.clone();
    let verified = {
        let token = token.clone();
        tokio::task::spawn_blocking(move || match keys.verify_grant(&token) {
            Ok(v) => (Some(v), None),
            // Only a token refused for its expiry is looked at again, leniently, to name its
            // developer for the audit entry.
            Err(e)
                if e.as_token()
                    .is_some_and(|t| t.code == TokenErrorCode::Expired) =>
            {
                (None, keys.verify_expired_grant(&token).ok())
            }
            Err(_) => (None, None),
        })
        .await
        .map_err(ApiError::internal)?
    };
    let v = match verified {
        (Some(v), _) => v,
        (None, Some(expired)) => {
            // Genuine but expired (within the hour): the developer is known, so it is audited.
            let caller = Caller {
                developer_id: expired.developer_id.clone(),
                principal_id: expired.principal_id.clone(),
                agent_id: String::new(),
                agent_did: expired.agent_did.clone(),
                grant_id: expired.grant_id.clone(),
                token_id: expired.token_id.clone(),
            };
            return refuse(&st, caller, "token_expired", None, invalid()).await;
        }
        (None, None) => return Err(invalid()),
    };
    let state = {
        let v = v.clone();
        st.db
            .read(move |c| store::grants::token_state(c, &v.developer_id, &v.token_id, &v.grant_id))
            .await?
    };
    let mut caller = Caller {
        developer_id: v.developer_id.clone(),
        principal_id: v.principal_id.clone(),
        agent_id: String::new(),
        agent_did: v.agent_did.clone(),
        grant_id: v.grant_id.clone(),
        token_id: v.token_id.clone(),
    };
    let reason = match &state {
        TokenState::Active(grant) => {
            caller.agent_id = grant.agent_id.clone();
            None
        }
        TokenState::Revoked => Some("token_revoked"),
        TokenState::Expired => Some("token_expired"),
        TokenState::NotFound => Some("token_unknown"),
        TokenState::AgentInactive => Some("agent_suspended"),
    };
    if let Some(reason) = reason {
        return refuse(&st, caller, reason, None, invalid()).await;
    }

    // A key-bound token (cnf.jkt) must come with a proof of that key for this request.
    let jkt = v
        .cnf
        .as_ref()
        .and_then(|c| c.get("jkt"))
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(jkt) = jkt {
        let proof = headers
            .get("dpop")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let req = grantex::dpop::DpopRequest {
            proof,
            method: "POST".into(),
            url: format!(
                "{}/v1/vault/credentials/exchange",
                st.settings.public_url.trim_end_matches('/')
            ),
        };
        let now = now_secs();
        let checked = grantex::dpop::verify_proof(&req, Some(&token), now).and_then(|p| {
            if ids::ct_eq(p.jkt.as_bytes(), jkt.as_bytes()) {
                grantex::dpop::record_use(&p, now).map(|()| Ok(()))
            } else {
                Ok(Err(()))
            }
        });
        match checked {
            Ok(Ok(())) => {}
            Ok(Err(())) => {
                let err = dpop_error(
                    "DPOP_KEY_MISMATCH",
                    "invalid_token",
                    "The DPoP key does not match the grant token binding".into(),
                );
                return refuse(&st, caller, "dpop_key_mismatch", None, err).await;
            }
            Err(e) => {
                let err = dpop_error(
                    "INVALID_DPOP_PROOF",
                    "invalid_dpop_proof",
                    format!(
                        "Key-bound grant token requires a valid DPoP proof: {}",
                        e.message
                    ),
                );
                return refuse(&st, caller, "dpop_invalid", None, err).await;
            }
        }
    }

    let body: ExchangeBody = crate::extract::parse_object(ct.as_deref(), &bytes)?;
    let Some(service) = body.service else {
        return Err(ApiError::bad_request("service is required"));
    };
    check_service(&service)?;
    let required = exchange_scope(&service);
    if !v.scopes.iter().any(|s| s.to_ascii_lowercase() == required) {
        let err = ApiError::forbidden(
            "FORBIDDEN",
            format!(
                "Grant token is not scoped for {service} credential exchange; the exact scope {required} is required (wildcards and {service}:read do not unlock exchange)"
            ),
        );
        return refuse(&st, caller, "scope_missing", Some(service), err).await;
    }

    match body.delivery.as_deref() {
        None | Some("token") => {}
        Some(_) => return Err(ApiError::bad_request(
            "delivery must be \"token\" (credential references are not supported by this server)",
        )),
    }
    let masters = st.vault.clone();
    let (dev_id, principal, svc) = (
        caller.developer_id.clone(),
        caller.principal_id.clone(),
        service.clone(),
    );
    let found = st
        .db
        .read(move |c| {
            let Some(cred) = store::vault::find_sealed(c, &dev_id, &principal, &svc)? else {
                return Ok(None);
            };
            let binding = Binding {
                developer_id: &dev_id,
                principal_id: &principal,
                service: &svc,
                credential_id: &cred.info.id,
            };
            let secret = vault::kek_by_id(c, &masters, &cred.sealed.kek_id)?.and_then(|kek| {
                vault::open_access(
                    &kek,
                    &binding,
                    &cred.sealed.wrapped_dek,
                    &cred.sealed.access,
                )
            });
            Ok(Some((cred.info, secret)))
        })
        .await?;
    let Some((info, secret)) = found else {
        let err = ApiError::not_found("No credential found for this principal and service");
        return refuse(&st, caller, "credential_not_found", Some(service), err).await;
    };
    let secret = match secret {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(credential_id = %info.id, error = %e, "vault credential does not decrypt");
            return refuse(&st, caller, "decrypt_failed", Some(service), e.to_api()).await;
        }
    };
    let credential_id = info.id.clone();
    st.db
        .write(move |tx| {
            let data = json!({
                "credentialId": credential_id,
                "grantId": caller.grant_id,
                "principalId": caller.principal_id,
                "service": service,
            });
            store::events::emit(
                tx,
                &caller.developer_id,
                store::events::VAULT_CREDENTIAL_EXCHANGED,
                data,
            )?;
            store::audit::record_event(
                tx,
                &caller.developer_id,
                actions::VAULT_CREDENTIAL_EXCHANGED,
                caller.subject(),
                false,
                json!({ "credentialId": credential_id, "service": service, "jti": caller.token_id }),
            )?;
            Ok(())
        })
        .await?;
    Ok(Json(ExchangeCredentialResponse {
        access_token: secret,
        service: info.service,
        credential_type: info.credential_type,
        token_expires_at: info.token_expires_at.map(iso),
        metadata: info.metadata,
    }))
}
