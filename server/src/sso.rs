//! Single sign-on for principals, the parts shared by `routes::sso` and the consent page: the
//! outbound OIDC client (discovery, code exchange, userinfo) with its SSRF rules, the ID token
//! check (through `grantex::oidc` and the core's JWKS cache), secrets sealed at rest, what a
//! login gets (domains, group mappings, the principal), the session it opens, and the browser
//! cookie that carries that session.
//!
//! Outbound URLs (issuer, discovery, token, userinfo, JWKS) must be `https` and resolve to
//! public addresses only, unless `--allow-insecure-sso-urls` (development) also accepts `http`
//! and loopback/private addresses. Requests never follow redirects, time out after 10 s, and
//! read at most 256 KiB. (The JWKS itself is fetched by the core's cache, whose own client caps
//! it at 64 KiB and 5 s; its URL passes the same checks first, its resolver is the system's.)

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::state::AppState;
use crate::store;
use crate::store::audit::{record_event, Subject};
use crate::store::sso::{ConnectionRow, LoginRow, SealedSecret, SessionRow};
use crate::time::{iso, now_ms};
use crate::vault;
use crate::webhooks::target::{is_public, PublicOnly};
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use grantex::types::SsoCallbackResult;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long a login may take from `/sso/login` to its callback.
pub const LOGIN_TTL_MS: i64 = 10 * 60 * 1000;
/// Longest SSO session (the IdP's own bound may be shorter).
pub const SESSION_TTL_MS: i64 = 8 * 3600 * 1000;
/// Outbound request deadline.
pub const OUTBOUND_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest outbound response body read.
pub const MAX_RESPONSE: usize = 256 * 1024;
/// The audit action of a completed login.
pub const AUDIT_LOGIN: &str = "grantex.sso.login";
/// The event a completed login emits.
pub const EVENT_LOGIN: &str = "sso.login";

/// A refusal of an SSO step: 502 `SSO_ERROR` (the reference's code for IdP-side failures)
/// with a stable `reason`.
pub fn sso_error(reason: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, "SSO_ERROR", message).with_detail("reason", reason)
}

/// The outbound HTTP client of SSO (no redirects, public addresses only unless insecure
/// URLs are allowed).
#[derive(Debug, Clone)]
pub struct Outbound {
    client: reqwest::Client,
    pub allow_insecure: bool,
}

impl Outbound {
    pub fn new(allow_insecure: bool) -> Result<Outbound, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(OUTBOUND_TIMEOUT)
            .connect_timeout(OUTBOUND_TIMEOUT)
            .user_agent(concat!("Grantex-SSO/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PublicOnly {
                allow_private: allow_insecure,
            }))
            .build()
            .map_err(|e| format!("SSO client: {e}"))?;
        Ok(Outbound {
            client,
            allow_insecure,
        })
    }

    /// The rules of an outbound URL; the error names `field`.
    pub fn check_url(&self, field: &str, raw: &str) -> Result<url::Url, String> {
        check_url(field, raw, self.allow_insecure)
    }

    async fn send(&self, rb: reqwest::RequestBuilder, what: &str) -> Result<(u16, Value), String> {
        let mut resp = rb
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("{what}: request failed: {e}"))?;
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{what}: reading the answer failed: {e}"))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE {
                return Err(format!("{what}: the answer is larger than 256 KiB"));
            }
            body.extend_from_slice(&chunk);
        }
        let v = serde_json::from_slice(&body)
            .map_err(|_| format!("{what}: the answer (HTTP {status}) is not JSON"))?;
        Ok((status, v))
    }

    async fn get_json(
        &self,
        url: &url::Url,
        bearer: Option<&str>,
        what: &str,
    ) -> Result<Value, String> {
        let mut rb = self.client.get(url.clone());
        if let Some(t) = bearer {
            rb = rb.bearer_auth(t);
        }
        let (status, v) = self.send(rb, what).await?;
        if status != 200 {
            return Err(format!("{what}: HTTP {status}"));
        }
        Ok(v)
    }

    /// OIDC discovery (`<issuer>/.well-known/openid-configuration`, OIDC Discovery §4); the
    /// document's `issuer` must equal `issuer` exactly and every endpoint pass the URL rules.
    pub async fn discover(&self, issuer: &str) -> Result<Discovery, String> {
        self.check_url("issuerUrl", issuer)?;
        let at = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let url = self.check_url("discovery URL", &at)?;
        check_resolves(&url, self.allow_insecure).await?;
        let doc = self.get_json(&url, None, "OIDC discovery").await?;
        let s = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
        let list = |k: &str| -> Vec<String> {
            doc.get(k)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let found = s("issuer").ok_or("OIDC discovery: the document has no issuer")?;
        if found != issuer {
            return Err(format!(
                "OIDC discovery: the document's issuer {found:?} is not the configured issuer {issuer:?} (compared exactly)"
            ));
        }
        let need = |k: &str| -> Result<String, String> {
            let v = s(k).ok_or_else(|| format!("OIDC discovery: the document has no {k}"))?;
            self.check_url(k, &v)?;
            Ok(v)
        };
        let userinfo = match s("userinfo_endpoint") {
            Some(u) => {
                self.check_url("userinfo_endpoint", &u)?;
                Some(u)
            }
            None => None,
        };
        Ok(Discovery {
            issuer: found,
            authorization_endpoint: need("authorization_endpoint")?,
            token_endpoint: need("token_endpoint")?,
            jwks_uri: need("jwks_uri")?,
            userinfo_endpoint: userinfo,
            token_auth_methods: list("token_endpoint_auth_methods_supported"),
            pkce_methods: list("code_challenge_methods_supported"),
            iss_parameter_supported: doc
                .get("authorization_response_iss_parameter_supported")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// The authorization-code exchange (RFC 6749 §4.1.3) with PKCE; `client_secret_basic`
    /// unless the provider supports only `client_secret_post`.
    pub async fn exchange_code(
        &self,
        d: &Discovery,
        client_id: &str,
        secret: &str,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<TokenAnswer, ApiError> {
        let url = self
            .check_url("token_endpoint", &d.token_endpoint)
            .map_err(|e| sso_error("token_exchange", e))?;
        check_resolves(&url, self.allow_insecure)
            .await
            .map_err(|e| sso_error("token_exchange", e))?;
        let basic = d.token_auth_methods.is_empty()
            || d.token_auth_methods
                .iter()
                .any(|m| m == "client_secret_basic");
        let post = d
            .token_auth_methods
            .iter()
            .any(|m| m == "client_secret_post");
        if !basic && !post {
            return Err(sso_error(
                "token_exchange",
                "the provider supports neither client_secret_basic nor client_secret_post",
            ));
        }
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let mut rb = self.client.post(url);
        if basic {
            // RFC 6749 §2.3.1: both parts form-urlencoded before Basic.
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let cred = STANDARD.encode(format!("{}:{}", enc(client_id), enc(secret)));
            rb = rb.header(reqwest::header::AUTHORIZATION, format!("Basic {cred}"));
        } else {
            form.push(("client_id", client_id));
            form.push(("client_secret", secret));
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&form)
            .finish();
        let rb = rb
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        let (status, v) = self
            .send(rb, "token exchange")
            .await
            .map_err(|e| sso_error("token_exchange", e))?;
        if status != 200 {
            let err = v.get("error").and_then(Value::as_str).unwrap_or("unknown");
            return Err(sso_error(
                "token_exchange",
                format!(
                    "Token exchange failed: HTTP {status}, error {:?}",
                    err.chars().take(64).collect::<String>()
                ),
            ));
        }
        let id_token = v
            .get("id_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| sso_error("token_exchange", "The token response has no id_token"))?;
        Ok(TokenAnswer {
            id_token: id_token.to_string(),
            access_token: v
                .get("access_token")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// The userinfo claims (OIDC Core §5.3) for `access_token`.
    pub async fn userinfo(
        &self,
        endpoint: &str,
        access_token: &str,
    ) -> Result<Map<String, Value>, String> {
        let url = self.check_url("userinfo_endpoint", endpoint)?;
        check_resolves(&url, self.allow_insecure).await?;
        match self.get_json(&url, Some(access_token), "userinfo").await? {
            Value::Object(m) => Ok(m),
            _ => Err("userinfo: the answer is not a JSON object".into()),
        }
    }

    /// Verifies an ID token against the provider's key set, fetched for this login through
    /// this client (public addresses only, no proxy, size and time limits) and checked by the
    /// core's ID token verifier.
    pub async fn verify_id_token(
        &self,
        d: &Discovery,
        client_id: &str,
        nonce: &str,
        id_token: &str,
    ) -> Result<grantex::oidc::IdTokenClaims, ApiError> {
        let url = self
            .check_url("jwks_uri", &d.jwks_uri)
            .map_err(|e| sso_error("jwks", e))?;
        check_resolves(&url, self.allow_insecure)
            .await
            .map_err(|e| sso_error("jwks", e))?;
        let keys = self
            .get_json(&url, None, "JWKS")
            .await
            .map_err(|e| sso_error("jwks", e))?;
        let cache = grantex::JwksCache::from_json(&keys.to_string())
            .map_err(|e| sso_error("jwks", e.to_string()))?;
        let check = grantex::oidc::IdTokenCheck {
            issuer: &d.issuer,
            client_id,
            nonce,
            now: None,
            leeway: grantex::oidc::DEFAULT_LEEWAY,
        };
        grantex::oidc::verify_id_token(&cache, id_token, &check)
            .await
            .map_err(|e| sso_error(e.code(), format!("ID token verification failed: {e}")))
    }
}

/// What discovery says about a provider.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub userinfo_endpoint: Option<String>,
    pub token_auth_methods: Vec<String>,
    pub pkce_methods: Vec<String>,
    /// RFC 9207: the provider adds `iss` to its authorization responses.
    pub iss_parameter_supported: bool,
}

/// The token endpoint's answer.
#[derive(Debug, Clone)]
pub struct TokenAnswer {
    pub id_token: String,
    pub access_token: Option<String>,
}

/// The rules of an outbound SSO URL (issuer, IdP endpoints): absolute `https` (or `http` with
/// insecure URLs allowed), a host, no credentials, no fragment, at most 2048 characters, and an
/// IP-literal host public unless insecure URLs are allowed.
pub fn check_url(field: &str, raw: &str, allow_insecure: bool) -> Result<url::Url, String> {
    if raw.len() > 2048 {
        return Err(format!("{field} must be at most 2048 characters"));
    }
    let u = url::Url::parse(raw).map_err(|e| format!("{field} is not an absolute URL: {e}"))?;
    match u.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        "http" => {
            return Err(format!(
                "{field} must use https (http only with --allow-insecure-sso-urls)"
            ))
        }
        other => return Err(format!("{field} must use https (got {other:?})")),
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!("{field} must not carry credentials"));
    }
    if u.fragment().is_some() {
        return Err(format!("{field} must not have a fragment"));
    }
    let literal = match u.host() {
        None => return Err(format!("{field} must name a host")),
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
    };
    if let Some(ip) = literal {
        if !allow_insecure && !is_public(ip) {
            return Err(format!(
                "{field} points at a non-public address ({ip}); allowed only with --allow-insecure-sso-urls"
            ));
        }
    }
    Ok(u)
}

/// Every address the host resolves to must be public (unless insecure URLs are allowed).
async fn check_resolves(u: &url::Url, allow_insecure: bool) -> Result<(), String> {
    if allow_insecure {
        return Ok(());
    }
    let Some(url::Host::Domain(name)) = u.host() else {
        return Ok(());
    };
    let port = u.port_or_known_default().unwrap_or(443);
    let lookup = tokio::time::timeout(OUTBOUND_TIMEOUT, tokio::net::lookup_host((name, port)))
        .await
        .map_err(|_| format!("{name} did not resolve in time"))?
        .map_err(|e| format!("{name} does not resolve: {e}"))?;
    let addrs: Vec<_> = lookup.collect();
    if addrs.is_empty() || addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(format!("{name} resolves to a non-public address"));
    }
    Ok(())
}

/// A redirect URI a caller may bind to a login: absolute http(s), no fragment, no
/// credentials (http only for loopback unless insecure URLs are allowed).
pub fn check_redirect_uri(raw: &str, allow_insecure: bool) -> ApiResult<()> {
    if allow_insecure {
        let u = check_url("redirect_uri", raw, true).map_err(ApiError::bad_request)?;
        if u.fragment().is_some() {
            return Err(ApiError::bad_request(
                "redirect_uri must not have a fragment",
            ));
        }
        return Ok(());
    }
    crate::validate::http_url("redirect_uri", raw)
}

/// `return_to`: only a same-origin relative path (`/consent?req=…`), never `//host` or a
/// scheme; at most 1024 characters.
pub fn check_return_to(raw: &str) -> ApiResult<()> {
    let bad = || {
        ApiError::bad_request(
            "return_to must be a relative path on this server (like /consent?req=…)",
        )
    };
    if raw.len() > 1024
        || !raw.starts_with('/')
        || raw.starts_with("//")
        || raw.starts_with("/\\")
        || raw
            .chars()
            .any(|c| c.is_control() || c == '\\' || c.is_whitespace())
    {
        return Err(bad());
    }
    // Parsed against a dummy origin it must stay on that origin, and not lead into another
    // sign-in (`/sso/start` redirects to a developer-configured provider: an open redirect).
    let base = url::Url::parse("https://origin.invalid/").map_err(|_| bad())?;
    match base.join(raw) {
        Ok(u) if u.origin() == base.origin() && !u.path().starts_with("/sso/") => Ok(()),
        _ => Err(bad()),
    }
}

/// 32 random bytes, base64url.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(ids::random_bytes::<32>())
}

/// The binding of a sealed SSO secret: kind (`connection` or `config`), developer and owner id.
fn binding<'a>(developer_id: &'a str, service: &'a str, owner_id: &'a str) -> vault::Binding<'a> {
    vault::Binding {
        developer_id,
        principal_id: "",
        service,
        credential_id: owner_id,
    }
}

/// Seals `secret` under the vault's current KEK, bound to its owner.
pub fn seal_secret(
    tx: &store::Conn,
    masters: &vault::Masters,
    developer_id: &str,
    kind: &str,
    owner_id: &str,
    secret: &str,
) -> ApiResult<SealedSecret> {
    let kek = vault::current_kek(tx, masters)?;
    let service = format!("sso:{kind}");
    let s = vault::seal_credential(
        &kek,
        &binding(developer_id, &service, owner_id),
        secret,
        None,
    )
    .map_err(|e| e.to_api())?;
    Ok(SealedSecret {
        sealed: s.access,
        wrapped_dek: s.wrapped_dek,
        kek_id: s.kek_id,
    })
}

/// Opens a secret sealed by [`seal_secret`].
pub fn open_secret(
    c: &store::Conn,
    masters: &vault::Masters,
    developer_id: &str,
    kind: &str,
    owner_id: &str,
    s: &SealedSecret,
) -> ApiResult<String> {
    let service = format!("sso:{kind}");
    let kek = vault::kek_by_id(c, masters, &s.kek_id)?.map_err(|e| e.to_api())?;
    vault::open_access(
        &kek,
        &binding(developer_id, &service, owner_id),
        &s.wrapped_dek,
        &s.sealed,
    )
    .map_err(|e| e.to_api())
}

/// The reference's mapping: the union of the scopes of every mapped group; the default scopes
/// when no group matched.
pub fn map_scopes(
    groups: &[String],
    mappings: &BTreeMap<String, Vec<String>>,
    defaults: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in groups {
        for s in mappings.get(g).into_iter().flatten() {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    if out.is_empty() {
        for s in defaults {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}

/// Groups from a claim or attribute value: a string or an array of strings (at most 256, each
/// at most 256 characters).
pub fn groups_from(v: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Some(Value::String(s)) => out.push(s.clone()),
        Some(Value::Array(a)) => {
            out.extend(a.iter().filter_map(|x| x.as_str().map(str::to_string)))
        }
        _ => {}
    }
    out.retain(|g| !g.is_empty() && g.len() <= 256);
    out.truncate(256);
    out
}

/// What an IdP said about who signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: String,
    pub email: Option<String>,
    /// The IdP vouches for the address (OIDC `email_verified: true`; a signed SAML assertion).
    /// Only a verified address, on a connection that lists its domains, names the principal.
    pub email_verified: bool,
    pub name: Option<String>,
    pub groups: Vec<String>,
    /// The IdP's own bound on the session (ms), if shorter than [`SESSION_TTL_MS`].
    pub expires_at: Option<i64>,
    /// A SAML assertion (id, expiry ms) to accept only once.
    pub assertion: Option<(String, i64)>,
}

/// What a login is for: the connection's rules (the legacy config has no domains or mappings).
#[derive(Debug, Clone)]
pub struct Target {
    pub developer_id: String,
    pub connection_id: String,
    pub protocol: String,
    pub domains: Vec<String>,
    pub group_mappings: BTreeMap<String, Vec<String>>,
    pub default_scopes: Vec<String>,
}

impl Target {
    pub fn of(c: &ConnectionRow) -> Target {
        Target {
            developer_id: c.developer_id.clone(),
            connection_id: c.id.clone(),
            protocol: c.protocol.clone(),
            domains: c.domains.clone(),
            group_mappings: c.group_mappings.clone(),
            default_scopes: c.default_scopes.clone(),
        }
    }
}

/// A login opened: the SDK's answer, the principal session token and its lifetime.
#[derive(Debug, Clone)]
pub struct Opened {
    pub result: SsoCallbackResult,
    pub token: String,
    pub max_age_secs: i64,
}

/// The e-mail's domain must be one of the connection's (when it lists any).
pub fn check_domain(t: &Target, email: Option<&str>) -> ApiResult<()> {
    if t.domains.is_empty() {
        return Ok(());
    }
    let refuse = |why: &str| {
        ApiError::forbidden("SSO_DOMAIN_NOT_ALLOWED", why.to_string())
            .with_detail("reason", "domain_not_allowed")
    };
    let Some(email) = email else {
        return Err(refuse(
            "The identity provider gave no e-mail address, and this connection only signs in listed domains",
        ));
    };
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    if domain.is_empty() || !t.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        return Err(refuse(
            "This e-mail domain is not allowed by the SSO connection",
        ));
    }
    Ok(())
}

/// Completes a login: the domain rule, the principal ([`store::sso::principal_for_login`]),
/// the SSO session and the principal session token carrying it (`sso` claim), the audit entry
/// and the `sso.login` event — and, for SAML, the assertion id recorded as used — in one
/// transaction.
pub async fn open_session(st: &AppState, t: Target, id: Identity) -> ApiResult<Opened> {
    check_domain(&t, id.email.as_deref())?;
    let mapped = map_scopes(&id.groups, &t.group_mappings, &t.default_scopes);
    let keys = st.keys.clone();
    st.db
        .run(move |db| {
            let now = now_ms();
            let expires_at = id
                .expires_at
                .map_or(now + SESSION_TTL_MS, |e| e.min(now + SESSION_TTL_MS));
            if expires_at <= now + 1000 {
                return Err(sso_error(
                    "expired",
                    "The identity provider's session has already ended",
                ));
            }
            let (iat, exp) = (now / 1000, expires_at / 1000);
            let session_id = ids::new_id("ssosess");
            let jti = ids::new_id("psess");
            let principal = db.read_sync(|c| {
                store::sso::principal_for_login(
                    c,
                    &t.developer_id,
                    &t.connection_id,
                    !t.domains.is_empty(),
                    id.email.as_deref().filter(|_| id.email_verified),
                    &id.subject,
                )
            })?;
            let claims = json!({
                "iss": keys.issuer(), "sub": principal, "dev": t.developer_id,
                "purpose": crate::routes::principal::SESSION_PURPOSE, "jti": jti,
                "iat": iat, "exp": exp, "sso": session_id,
            });
            let token = keys.sign(&claims)?;
            let row = SessionRow {
                id: session_id.clone(),
                developer_id: t.developer_id.clone(),
                connection_id: t.connection_id.clone(),
                principal_id: principal.clone(),
                idp_subject: id.subject.clone(),
                email: id.email.clone(),
                name: id.name.clone(),
                groups: id.groups.clone(),
                mapped_scopes: mapped.clone(),
                principal_jti: jti.clone(),
                expires_at,
                created_at: now,
            };
            db.write_sync(|tx| {
                // Deprovisioned since the read above: no session outlives a deactivation that
                // commits first.
                if store::scim::principal_deactivated(tx, &t.developer_id, &principal)? {
                    return Err(ApiError::principal_deprovisioned());
                }
                if let Some((aid, aexp)) = &id.assertion {
                    if !store::sso::use_assertion(tx, &t.connection_id, aid, *aexp, now)? {
                        return Err(sso_error(
                            "replayed",
                            "This SAML assertion was already used",
                        ));
                    }
                }
                store::sessions::insert(tx, &jti, &t.developer_id, &principal, exp * 1000, now)?;
                keys.record_token_exp(tx, &token, exp)?;
                store::sso::insert_session(tx, &row, now)?;
                let data = json!({
                    "connectionId": t.connection_id, "protocol": t.protocol,
                    "sessionId": session_id, "email": id.email, "principalId": principal,
                });
                record_event(
                    tx,
                    &t.developer_id,
                    AUDIT_LOGIN,
                    Subject {
                        principal_id: &principal,
                        ..Default::default()
                    },
                    false,
                    data.clone(),
                )?;
                store::events::emit(tx, &t.developer_id, EVENT_LOGIN, data)?;
                Ok(())
            })?;
            Ok(Opened {
                result: SsoCallbackResult {
                    session_id,
                    groups: id.groups,
                    mapped_scopes: mapped,
                    developer_id: t.developer_id,
                    expires_at: iso(expires_at),
                    session_token: Some(token.clone()),
                    email: id.email,
                    name: id.name,
                    sub: Some(id.subject),
                    principal_id: Some(principal),
                },
                token,
                max_age_secs: exp - iat,
            })
        })
        .await
}

/// Takes the login `state` names (single use); 400 when it is unknown, used or expired.
pub async fn take_login(st: &AppState, state: &str) -> ApiResult<LoginRow> {
    if state.is_empty() || state.len() > 512 {
        return Err(
            ApiError::bad_request("Invalid state parameter").with_detail("reason", "invalid_state")
        );
    }
    let hash = ids::sha256_hex(state.as_bytes());
    st.db
        .write(move |tx| store::sso::take_login(tx, &hash, now_ms()))
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                "SSO login request has expired or already been used; start the login again",
            )
            .with_detail("reason", "invalid_state")
        })
}

/// The session cookie's name (`__Host-` prefixed on an https server).
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-gx_sso"
    } else {
        "gx_sso"
    }
}

/// The `Set-Cookie` value carrying a principal session token from an SSO login.
pub fn set_cookie(token: &str, max_age: i64, secure: bool) -> String {
    let flag = if secure { "; Secure" } else { "" };
    format!(
        "{}={token}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{flag}",
        cookie_name(secure),
        max_age.max(1)
    )
}

/// The token in the browser's SSO cookie, if any.
pub fn cookie_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    let name = cookie_name(secure);
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty() && v.len() <= 8192)
        .map(|(_, v)| v.to_string())
}

/// The browser's SSO session (a live principal session opened by an SSO login), if any.
pub async fn browser_session(st: &AppState, headers: &HeaderMap) -> Option<Principal> {
    let secure = st.settings.public_url.starts_with("https://");
    let token = cookie_token(headers, secure)?;
    crate::auth::principal_from_token(st, &token)
        .await
        .ok()
        .filter(|p| p.sso_session_id.is_some())
}

/// Whether the developer has an active SSO connection, and whether SSO is enforced.
pub async fn developer_sso(st: &AppState, developer_id: &str) -> ApiResult<(bool, bool)> {
    let dev = developer_id.to_string();
    st.db.read(move |c| store::sso::sso_state(c, &dev)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_stays_on_this_server() {
        for ok in ["/consent?req=areq_1", "/permissions", "/"] {
            check_return_to(ok).unwrap();
        }
        for bad in [
            "//evil.example/x",
            "https://evil.example/",
            "/\\evil.example",
            "consent",
            "/a b",
            "javascript:alert(1)",
            "",
        ] {
            assert!(check_return_to(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn outbound_urls_need_https_and_public_hosts() {
        assert!(check_url("x", "https://idp.example/", false).is_ok());
        assert!(check_url("x", "http://idp.example/", false).is_err());
        assert!(check_url("x", "https://127.0.0.1/", false).is_err());
        assert!(check_url("x", "https://169.254.169.254/", false).is_err());
        assert!(check_url("x", "https://u:p@idp.example/", false).is_err());
        assert!(check_url("x", "http://127.0.0.1:9/", true).is_ok());
        assert!(check_url("x", "ftp://idp.example/", true).is_err());
    }

    #[test]
    fn scopes_map_from_groups_else_defaults() {
        let m: BTreeMap<String, Vec<String>> =
            [("eng".to_string(), vec!["a".to_string(), "b".to_string()])].into();
        let d = vec!["d".to_string()];
        assert_eq!(map_scopes(&["eng".into()], &m, &d), vec!["a", "b"]);
        assert_eq!(map_scopes(&["ops".into()], &m, &d), vec!["d"]);
    }
}
