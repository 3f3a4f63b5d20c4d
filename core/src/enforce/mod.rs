//! Tool-call enforcement: before an agent's tool runs, its grant token is checked against what
//! the tool needs. A [`ToolManifest`] declares each tool's permission (and constraints); the
//! [`Enforcer`] verifies the token offline, asks about revocation as configured, reads the
//! grant's scopes and `authorization_details`, and answers an [`EnforceResult`] with a stable
//! `reason_code` and `sub_reason` (the reference SDKs' denial taxonomy). Every binding's
//! `enforce` / `wrap_tool` is this one function.

pub mod denial;
mod details;
pub mod feed;
mod manifest;
pub mod names;
mod permission;
pub mod prebuilt;
mod scopes;
#[cfg(test)]
mod tests;

pub use details::{DecisionEntry, Details, ToolsEntry};
pub use manifest::{
    parse_tool_declaration, LoadedManifest, ToolCaps, ToolManifest, ToolSpec, MANIFEST_SCHEMA_ID,
    MAX_COUNT, MAX_DECISION_FIELDS, RESERVED_TOOL_NAME, RISK_TIERS,
};
pub use permission::{covers, Permission};

use crate::types::{RevocationStatus, RevocationStatusParams};
use crate::verify::{VerifiedGrant, VerifyOptions};
use crate::{Client, Error, JwksCache, Result};
use denial::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// How `enforce` learns about revocations: `offline` never (a revoked grant's token passes
/// until it expires), `online` asks the server on every call (`GET /v1/revocations/status`)
/// and denies when it cannot. Ordered by strictness: a per-call mode may only tighten the
/// configured one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationCheck {
    Offline,
    Feed,
    Online,
}

/// Client-wide enforcement settings: the reference clients' constructor options, in the
/// Python reference's order (Python keyword arguments and TypeScript options come from this
/// declaration). Strings are checked when the enforcer is built, so a typo fails at start-up,
/// not per call.
#[derive(Clone, Debug, Serialize, Deserialize, grantex_derive::Wire)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct EnforceConfig {
    /// `strict` (default) or `permissive` (a denial becomes `allowed` with its reason kept
    /// and a warning logged; audience and data-region denials stay denials).
    #[wire(py_default = "\"strict\"")]
    pub enforce_mode: String,
    /// A caps meter; this SDK has none, so anything but `null` is refused (a binding passes
    /// an object it cannot convert as `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default = "None")]
    pub caps_meter: Option<Value>,
    /// `true` (default): both claim layouts are read. `false`: standard claims only (the
    /// token's `typ` must be `at+jwt`; see `VerifyOptions::standard_claims_only`).
    #[wire(py_default = "True")]
    pub legacy_claims: bool,
    /// `enforce` (default), `warn` (a cap denial is reported in `would_deny`, the call
    /// allowed) or `off`.
    #[wire(py_default = "\"enforce\"")]
    pub caps_mode: String,
    /// `offline` (the TypeScript reference's default), `online` (the Python reference's) or
    /// `feed`; see [`RevocationCheck`].
    #[wire(py_default = "\"online\"")]
    pub revocation_check: String,
    #[wire(py_default = "5.0")]
    pub revocation_feed_stale_after: f64,
    #[wire(py_default = "\"stream\"")]
    pub revocation_feed_transport: String,
    /// `enforce` (default) or `warn`.
    #[wire(py_default = "\"enforce\"")]
    pub decisions_mode: String,
    /// A decision consumer; refused like `caps_meter` (decision grants are not verified here).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default = "None")]
    pub decision_consumer: Option<Value>,
    #[wire(py_default = "(\"RS256\", \"ES256\")")]
    pub decision_algorithms: Vec<String>,
    /// The audience this relying party expects in `aud`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default = "None")]
    pub audience: Option<String>,
    /// `on` (default) or `off`.
    #[wire(py_default = "\"on\"")]
    pub audience_check: String,
    /// The data region this relying party processes data in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_default = "None")]
    pub data_region: Option<String>,
    /// `on` or `off` (default).
    #[wire(py_default = "\"off\"")]
    pub data_region_check: String,
    /// Honour the tool segment of `tool:<connector>:<permission>:<tool>` scopes.
    #[wire(py_default = "False")]
    pub tool_qualified_scopes: bool,
    /// JWKS of the issuer; default `{base_url}/.well-known/jwks.json` (TypeScript option).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_skip)]
    pub jwks_uri: Option<String>,
    /// Expected `iss`; default derived from the JWKS URI (TypeScript option).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_skip)]
    pub issuer: Option<String>,
    /// A static key set (a JWKS document) instead of fetching `jwks_uri`; needs `issuer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_skip)]
    pub jwks: Option<Value>,
    /// A fixed clock in Unix seconds, for the shared vectors; unset reads the system clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[wire(py_skip)]
    pub now: Option<i64>,
}

impl Default for EnforceConfig {
    fn default() -> Self {
        EnforceConfig {
            enforce_mode: "strict".into(),
            caps_meter: None,
            legacy_claims: true,
            caps_mode: "enforce".into(),
            revocation_check: "offline".into(),
            revocation_feed_stale_after: 5.0,
            revocation_feed_transport: "stream".into(),
            decisions_mode: "enforce".into(),
            decision_consumer: None,
            decision_algorithms: vec!["RS256".into(), "ES256".into()],
            audience: None,
            audience_check: "on".into(),
            data_region: None,
            data_region_check: "off".into(),
            tool_qualified_scopes: false,
            jwks_uri: None,
            issuer: None,
            jwks: None,
            now: None,
        }
    }
}

/// One tool call to check.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct EnforceCall {
    pub grant_token: String,
    pub connector: String,
    pub tool: String,
    /// The call's amount, for `capped:<N>` scopes: a number, or any other JSON value the
    /// caller was given (which is denied as `invalid_amount`).
    pub amount: Option<Value>,
    /// Per-call overrides. `revocation_check` may only tighten the configured mode
    /// (offline < feed < online); `caps_mode` and `decisions_mode` replace it for this call, as
    /// in the reference SDKs (the caller owns that choice, e.g. a platform's `warn` rollout).
    pub revocation_check: Option<String>,
    pub caps_mode: Option<String>,
    pub decisions_mode: Option<String>,
    pub audience: Option<String>,
    pub data_region: Option<String>,
    /// Decision grants for a tool that needs one (not verified by this SDK: see
    /// [`denial::DECISION_INVALID`]).
    pub decision_grants: Option<Vec<String>>,
    /// Accepted for the reference signature; used only by caps meters and decisions.
    pub case_id: Option<String>,
    pub cost_components: Option<Vec<String>>,
    pub reserve: Option<bool>,
    pub caps_tenant_id: Option<String>,
    pub decision_action: Option<Value>,
    pub arguments: Option<Value>,
    pub case_version: Option<String>,
}

/// The answer for one tool call. Field order and defaults are the reference Python
/// `EnforceResult`'s; `grant` and `amount_cap` are this SDK's additions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, grantex_derive::Wire)]
#[serde(rename_all = "camelCase")]
pub struct EnforceResult {
    /// Whether the tool call may run.
    pub allowed: bool,
    /// A sentence saying why not (empty when allowed; kept in permissive mode).
    pub reason: String,
    #[wire(py_default)]
    pub grant_id: String,
    #[wire(py_default)]
    pub agent_did: String,
    #[wire(py_default)]
    pub scopes: Vec<String>,
    /// The tool's required permission.
    #[wire(py_default)]
    pub permission: String,
    #[wire(py_default)]
    pub connector: String,
    #[wire(py_default)]
    pub tool: String,
    /// A [`denial`] code; empty when allowed.
    #[wire(py_default)]
    pub reason_code: String,
    #[wire(py_default)]
    pub sub_reason: String,
    /// Structured context of a denial (`allowed_purposes`, `limit`, `token_audience`, ...).
    #[wire(py_default)]
    pub details: HashMap<String, Value>,
    /// The grant's purpose for this connector, when it carries one.
    #[wire(py_default)]
    pub purpose: String,
    /// Caps reserved for the call (caps meters are not part of this SDK: always `None`).
    #[serde(default)]
    #[wire(py_default)]
    pub reservation: Option<Value>,
    #[serde(default)]
    #[wire(py_default)]
    pub cap_limits: Vec<Value>,
    #[serde(default)]
    #[wire(py_default)]
    pub caps_tenant_id: String,
    /// In warn modes, the first denial that was not applied.
    #[serde(default)]
    #[wire(py_default)]
    pub would_deny: Option<Value>,
    #[serde(default)]
    #[wire(py_default)]
    pub would_deny_all: Vec<Value>,
    #[serde(default)]
    #[wire(py_default)]
    pub decision: Option<Value>,
    /// The verified grant, when the token verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub grant: Option<VerifiedGrant>,
    /// The tightest `capped:<N>` on the connector, when one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub amount_cap: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Enforce,
    Warn,
    Off,
}

fn mode(name: &str, value: &str, allowed: &[(&str, Mode)]) -> Result<Mode> {
    allowed
        .iter()
        .find(|(n, _)| *n == value)
        .map(|(_, m)| *m)
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
            Error::config(format!(
                "{name} must be one of {}, not {value:?}",
                names.join(", ")
            ))
        })
}

fn caps_mode(v: &str) -> Result<Mode> {
    mode(
        "caps_mode",
        v,
        &[
            ("enforce", Mode::Enforce),
            ("warn", Mode::Warn),
            ("off", Mode::Off),
        ],
    )
}

fn decisions_mode(v: &str) -> Result<Mode> {
    mode(
        "decisions_mode",
        v,
        &[("enforce", Mode::Enforce), ("warn", Mode::Warn)],
    )
}

fn on_off(name: &str, v: &str) -> Result<bool> {
    mode(name, v, &[("on", Mode::Enforce), ("off", Mode::Off)]).map(|m| m == Mode::Enforce)
}

fn revocation_check(v: &str) -> Result<RevocationCheck> {
    serde_json::from_value(Value::String(v.into())).map_err(|_| {
        Error::config(format!(
            "revocation_check must be one of offline, online, feed, not {v:?}"
        ))
    })
}

fn expected(
    name: &str,
    value: Option<&str>,
    check: bool,
    check_name: &str,
) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Err(Error::config(format!(
            "{name} must be a non-empty string, not {v:?}"
        ))),
        // The check is off, so the value would be ignored: refuse the contradiction.
        Some(_) if !check => Err(Error::config(format!(
            "{name} cannot be set with {check_name}='off'"
        ))),
        Some(v) => Ok(Some(v.to_string())),
    }
}

fn region(v: &str) -> String {
    v.trim().to_lowercase()
}

/// Checked settings.
#[derive(Debug)]
struct Settings {
    permissive: bool,
    caps: Mode,
    revocation: RevocationCheck,
    decisions: Mode,
    audience: Option<String>,
    audience_check: bool,
    data_region: Option<String>,
    data_region_check: bool,
    tool_qualified: bool,
    keys: JwksCache,
    verify: VerifyOptions,
}

/// Manifests plus settings: what `Grantex.enforce` consults. Cheap to share (`Arc`); manifests
/// can be loaded at any time.
#[derive(Debug)]
pub struct Enforcer {
    client: Client,
    feed: std::sync::OnceLock<feed::RevocationFeed>,
    feed_stale_after: std::time::Duration,
    feed_transport: feed::Transport,
    settings: Settings,
    manifests: RwLock<HashMap<String, Arc<ToolManifest>>>,
}

impl Enforcer {
    /// Checks `config` and builds an enforcer that asks `client`'s server about revocations.
    pub fn new(client: Client, config: EnforceConfig) -> Result<Enforcer> {
        let permissive = match config.enforce_mode.as_str() {
            "strict" => false,
            "permissive" => true,
            other => {
                return Err(Error::config(format!(
                    "enforce_mode must be one of strict, permissive, not {other:?}"
                )))
            }
        };
        if config.caps_meter.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(Error::config(
                "caps_meter: call caps and cost units are not metered by this SDK; leave it unset (tools that declare caps are then denied with meter_unavailable unless caps_mode is 'off')",
            ));
        }
        if config
            .decision_consumer
            .as_ref()
            .is_some_and(|v| !v.is_null())
        {
            return Err(Error::config(
                "decision_consumer: decision grants are not verified or consumed by this SDK; leave it unset",
            ));
        }
        let revocation = revocation_check(&config.revocation_check)?;
        if !(config.revocation_feed_stale_after.is_finite()
            && config.revocation_feed_stale_after > 0.0
            && config.revocation_feed_stale_after <= 3600.0)
        {
            return Err(Error::config(
                "revocation_feed_stale_after must be a number of seconds above 0 and at most 3600",
            ));
        }
        let feed_transport =
            feed::Transport::parse(&config.revocation_feed_transport).ok_or_else(|| {
                Error::config(format!(
                    "revocation_feed_transport must be one of stream, poll, not {:?}",
                    config.revocation_feed_transport
                ))
            })?;
        if config.decision_algorithms.is_empty()
            || config
                .decision_algorithms
                .iter()
                .any(|a| a != "RS256" && a != "ES256")
        {
            return Err(Error::config(
                "decision_algorithms must be a non-empty subset of RS256, ES256",
            ));
        }
        let audience_check = on_off("audience_check", &config.audience_check)?;
        let data_region_check = on_off("data_region_check", &config.data_region_check)?;
        let keys = match &config.jwks {
            Some(doc) => {
                if config.issuer.is_none() {
                    return Err(Error::config(
                        "issuer is required with a static key set (jwks)",
                    ));
                }
                JwksCache::from_json(&doc.to_string())?
            }
            None => {
                JwksCache::shared(&config.jwks_uri.clone().unwrap_or_else(|| client.jwks_uri()))?
            }
        };
        let feed_stale_after =
            std::time::Duration::from_secs_f64(config.revocation_feed_stale_after);
        let enforcer = Enforcer {
            feed: std::sync::OnceLock::new(),
            feed_stale_after,
            feed_transport,
            settings: Settings {
                permissive,
                caps: caps_mode(&config.caps_mode)?,
                revocation,
                decisions: decisions_mode(&config.decisions_mode)?,
                audience: expected(
                    "audience",
                    config.audience.as_deref(),
                    audience_check,
                    "audience_check",
                )?,
                audience_check,
                data_region: expected(
                    "data_region",
                    config.data_region.as_deref(),
                    data_region_check,
                    "data_region_check",
                )?
                .map(|r| region(&r)),
                data_region_check,
                tool_qualified: config.tool_qualified_scopes,
                keys,
                verify: VerifyOptions {
                    issuer: config.issuer.clone(),
                    now: config.now,
                    standard_claims_only: !config.legacy_claims,
                    ..Default::default()
                },
            },
            client,
            manifests: RwLock::new(HashMap::new()),
        };
        if revocation == RevocationCheck::Feed {
            enforcer.revocation_feed();
        }
        Ok(enforcer)
    }

    /// The revocation feed `feed` mode follows, created and started on first use.
    pub fn revocation_feed(&self) -> &feed::RevocationFeed {
        let f = self.feed.get_or_init(|| {
            feed::RevocationFeed::with_transport(
                self.client.clone(),
                self.feed_stale_after,
                self.feed_transport,
            )
        });
        f.start();
        f
    }

    /// What the revocation feed knows, when one was started.
    pub fn revocation_feed_state(&self) -> Option<feed::FeedState> {
        self.feed.get().map(feed::RevocationFeed::state)
    }

    /// Stops following the revocation feed (a later `feed` call starts it again).
    pub fn stop_revocation_feed(&self) {
        if let Some(f) = self.feed.get() {
            f.stop();
        }
    }

    /// Loads (or replaces) the manifest of its connector.
    pub fn load_manifest(&self, manifest: ToolManifest) {
        let mut map = self.manifests.write().unwrap_or_else(|p| p.into_inner());
        map.insert(manifest.connector.clone(), Arc::new(manifest));
    }

    /// The loaded manifest of `connector`.
    pub fn manifest(&self, connector: &str) -> Option<Arc<ToolManifest>> {
        let map = self.manifests.read().unwrap_or_else(|p| p.into_inner());
        map.get(connector).cloned()
    }

    /// Checks one tool call. Never an error for anything about the token or the grant (those
    /// are denials); `Err` only for a per-call option that is malformed or would loosen the
    /// configured settings, before anything is checked.
    pub async fn enforce(&self, call: &EnforceCall) -> Result<EnforceResult> {
        let s = &self.settings;
        let revocation = match call.revocation_check.as_deref() {
            None => s.revocation,
            Some(v) => {
                let m = revocation_check(v)?;
                if m < s.revocation {
                    return Err(Error::config(format!(
                        "revocation_check={v:?} cannot loosen this client's revocation_check={:?}; a per-call value may only be as strict or stricter (offline < feed < online)",
                        json!(s.revocation).as_str().unwrap_or("")
                    )));
                }
                m
            }
        };
        let caps = call
            .caps_mode
            .as_deref()
            .map(caps_mode)
            .transpose()?
            .unwrap_or(s.caps);
        let decisions = call
            .decisions_mode
            .as_deref()
            .map(decisions_mode)
            .transpose()?
            .unwrap_or(s.decisions);
        let audience = match &call.audience {
            None => s.audience.clone(),
            Some(a) => expected("audience", Some(a), s.audience_check, "audience_check")?,
        };
        let data_region = match &call.data_region {
            None => s.data_region.clone(),
            Some(r) => expected(
                "data_region",
                Some(r),
                s.data_region_check,
                "data_region_check",
            )?
            .map(|r| region(&r)),
        };

        let mut out = EnforceResult {
            connector: call.connector.clone(),
            tool: call.tool.clone(),
            ..Default::default()
        };

        // 1. The token, offline.
        let grant = match s.keys.verify(&call.grant_token, &s.verify).await {
            Ok(g) => g,
            Err(e) => {
                return Ok(self.deny(
                    out,
                    format!("Token verification failed: {e}"),
                    TOKEN_INVALID,
                    "",
                    None,
                ))
            }
        };
        out.grant_id = grant.grant_id.clone();
        out.agent_did = grant.agent_did.clone();
        out.scopes = grant.scopes.clone();

        // 1a. Audience, before any request about the grant; never relaxed by permissive mode.
        if s.audience_check {
            let token_aud: Vec<&str> = grant.audiences();
            let denial = match (&audience, grant.audience.is_some()) {
                (None, false) => None,
                (None, true) => Some((
                    "The grant token is for a specific audience and this client has no expected audience; set audience (or audience_check='off').".to_string(),
                    AUDIENCE_UNCONFIGURED,
                    json!({"token_audience": token_aud}),
                )),
                (Some(a), _) if token_aud.contains(&a.as_str()) => None,
                (Some(a), _) => Some((
                    format!("The grant token's audience does not include {a:?}."),
                    AUDIENCE_MISMATCH,
                    json!({"expected_audience": a, "token_audience": token_aud}),
                )),
            };
            if let Some((reason, sub, details)) = denial {
                out.grant = Some(grant);
                return Ok(strict_denial(out, reason, TOKEN_INVALID, sub, details));
            }
        }

        // 1b. Revocation: the token verifies whether or not the grant still stands.
        let denial = match revocation {
            RevocationCheck::Offline => None,
            RevocationCheck::Online => self.revocation_denial(&grant).await,
            RevocationCheck::Feed => self.feed_denial(&grant).await,
        };
        {
            if let Some((reason, sub)) = denial {
                out.grant = Some(grant);
                return Ok(self.deny(out, reason, GRANT_REVOKED, sub, None));
            }
        }
        let out = self.check_grant(out, grant, call, caps, decisions, data_region.as_deref());
        Ok(out)
    }

    /// Steps 2–11: everything that needs no network.
    fn check_grant(
        &self,
        mut out: EnforceResult,
        grant: VerifiedGrant,
        call: &EnforceCall,
        caps: Mode,
        decisions: Mode,
        data_region: Option<&str>,
    ) -> EnforceResult {
        let (connector, tool) = (call.connector.as_str(), call.tool.as_str());
        let scopes = grant.scopes.clone();
        out.grant = Some(grant);
        let grant = out.grant.as_ref().expect("set above");

        // 2. The grant's tools authorization for this connector.
        let parsed = match details::parse(grant.authorization_details.as_ref()) {
            Ok(d) => d,
            Err(e) => {
                return self.deny(
                    out,
                    format!("Grant token authorization_details cannot be used: {e}."),
                    TOKEN_INVALID,
                    MALFORMED_AUTHORIZATION_DETAILS,
                    None,
                )
            }
        };
        let entry = parsed.tools.get(connector);
        let purpose = entry.and_then(|e| e.purpose.clone());
        out.purpose = purpose.clone().unwrap_or_default();

        // 2b. Data region: never relaxed by permissive mode.
        if self.settings.data_region_check {
            if let Some(token_region) = entry.and_then(|e| e.data_region.as_deref()) {
                let token_region = region(token_region);
                let denial = match data_region {
                    None => Some((
                        "The grant is bound to a data region and this client has no expected region; set data_region (or data_region_check='off').".to_string(),
                        REGION_UNCONFIGURED,
                        json!({"token_data_region": token_region}),
                    )),
                    Some(r) if r == token_region => None,
                    Some(r) => Some((
                        format!("The grant's data region {token_region:?} is not {r:?}."),
                        denial::REGION_MISMATCH_SUB,
                        json!({"expected_data_region": r, "token_data_region": token_region}),
                    )),
                };
                if let Some((reason, sub, details)) = denial {
                    return strict_denial(out, reason, REGION_MISMATCH, sub, details);
                }
            }
        }

        // 3–4. The manifest and the tool's declaration.
        let Some(manifest) = self.manifest(connector) else {
            return self.deny(
                out,
                format!("No manifest loaded for connector '{connector}'. Load a manifest first."),
                MANIFEST_UNKNOWN_TOOL,
                UNKNOWN_CONNECTOR,
                None,
            );
        };
        let Some(spec) = manifest.tool(tool) else {
            return self.deny(
                out,
                format!(
                    "Unknown tool '{tool}' on connector '{connector}'. Tool not found in manifest."
                ),
                MANIFEST_UNKNOWN_TOOL,
                UNKNOWN_TOOL,
                None,
            );
        };
        let required = spec.permission;
        out.permission = required.as_str().to_string();

        // 5. The best scope for this connector (and tool, when scopes name tools).
        let granted = if self.settings.tool_qualified {
            match scopes::granted_for_tool(&scopes, connector, tool) {
                scopes::Qualified::OtherTools(named) => {
                    return self.deny(
                        out,
                        format!(
                        "Grant scopes on connector '{connector}' name other tools, not '{tool}'."
                    ),
                        TOOL_NOT_GRANTED,
                        TOOL_SCOPE_MISSING,
                        Some(json!({"tool_scopes": named})),
                    )
                }
                scopes::Qualified::Granted(p) => Some(p),
                scopes::Qualified::None => None,
            }
        } else {
            scopes::granted(&scopes, connector)
        };
        let Some(granted) = granted else {
            return self.deny(
                out,
                format!("No scope grants access to connector '{connector}'."),
                TOOL_NOT_GRANTED,
                "",
                None,
            );
        };

        // 6. The permission hierarchy.
        if !granted.covers(required) {
            return self.deny(
                out,
                format!("{granted} scope does not permit {required} operations on {connector}."),
                PERMISSION_INSUFFICIENT,
                "",
                None,
            );
        }

        // 7. The grant's tool list, when it has one.
        if entry.is_some_and(|e| !e.allows_tool(tool)) {
            return self.deny(
                out,
                format!("Grant does not list tool '{tool}' on connector '{connector}'."),
                TOOL_NOT_GRANTED,
                NOT_IN_AUTHORIZATION_DETAILS,
                None,
            );
        }

        // 8. Purpose.
        if let Some(allowed) = &spec.allowed_purposes {
            let list = allowed.join(", ");
            let denial = match purpose.as_deref() {
                None => Some((
                    format!("Tool '{tool}' on {connector} is restricted to purposes {list}; the grant carries no purpose."),
                    PURPOSE_MISSING,
                    json!({"allowed_purposes": allowed}),
                )),
                Some(p) if !names::is_known_purpose(p) => Some((
                    format!("Grant purpose {} is not in the purpose vocabulary.", json!(p)),
                    PURPOSE_UNKNOWN,
                    json!({"allowed_purposes": allowed, "purpose": p}),
                )),
                Some(p) if names::match_purpose(allowed, p).is_none() => Some((
                    format!("Grant purpose '{p}' is not allowed for tool '{tool}' on {connector}; allowed purposes: {list}."),
                    PURPOSE_NOT_MATCHED,
                    json!({"allowed_purposes": allowed, "purpose": p}),
                )),
                Some(_) => None,
            };
            if let Some((reason, sub, details)) = denial {
                return self.deny(out, reason, PURPOSE_NOT_ALLOWED, sub, Some(details));
            }
        }

        let mut would_deny: Vec<Value> = Vec::new();

        // 9. Decisions: a tool that needs one, by the manifest or the grant.
        let by_grant = parsed
            .decisions
            .get(connector)
            .is_some_and(|d| d.tools.iter().any(|t| t == tool));
        if spec.needs_decision() || by_grant {
            let requirement = json!({"decision_required": format!("{connector}:{tool}")});
            let (reason, code, sub) = match call.decision_grants.as_deref() {
                None | Some([]) => (
                    format!("Tool '{tool}' on {connector} requires a decision grant."),
                    DECISION_REQUIRED,
                    "",
                ),
                Some(_) => (
                    format!("The decision grant for tool '{tool}' on {connector} is not valid: this SDK does not verify or consume decision grants, so it cannot authorise a call that needs one."),
                    DECISION_INVALID,
                    CONSUME_UNAVAILABLE,
                ),
            };
            if decisions != Mode::Warn {
                return self.deny(out, reason, code, sub, Some(requirement));
            }
            would_deny.push(would(code, sub, &reason, requirement));
        }

        // 10. Amount caps (`capped:<N>` scopes), connector-wide.
        // A number as given (its text for messages), or a value that is not a finite number.
        let amount: Option<(f64, String)> = match &call.amount {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_f64().is_some_and(f64::is_finite) => {
                Some((n.as_f64().unwrap_or(f64::NAN), n.to_string()))
            }
            Some(_) => {
                return self.deny(
                    out,
                    format!(
                        "Amount must be a finite number to enforce a budget cap on {connector}."
                    ),
                    CAP_EXCEEDED,
                    INVALID_AMOUNT,
                    None,
                )
            }
        };
        let cap = match scopes::amount_cap(&scopes, connector) {
            Ok(c) => c,
            Err(_) => {
                let subject = amount
                    .as_ref()
                    .map_or("the call".to_string(), |(_, t)| format!("amount {t}"));
                let reason = format!("A capped scope on {connector} carries a malformed cap; refusing to authorize {subject}.");
                if amount.is_some() || caps == Mode::Enforce {
                    return self.deny(out, reason, CAP_EXCEEDED, MALFORMED_CAP, None);
                }
                if caps == Mode::Warn {
                    would_deny.push(would(CAP_EXCEEDED, MALFORMED_CAP, &reason, json!({})));
                }
                None
            }
        };
        out.amount_cap = cap;
        if let Some(limit) = cap {
            match amount {
                None if caps != Mode::Off => {
                    let reason = format!("A capped scope on {connector} limits the amount to {} and the call gave no amount; pass amount to enforce() or an amount extractor to the wrapper.", num(limit));
                    let details = json!({"limit": limit});
                    if caps == Mode::Enforce {
                        return self.deny(out, reason, CAP_EXCEEDED, AMOUNT_MISSING, Some(details));
                    }
                    would_deny.push(would(CAP_EXCEEDED, AMOUNT_MISSING, &reason, details));
                }
                Some((a, text)) if a > limit => {
                    return self.deny(
                        out,
                        format!(
                            "Amount {text} exceeds budget cap of {} on {connector}.",
                            num(limit)
                        ),
                        CAP_EXCEEDED,
                        AMOUNT_CAP,
                        Some(json!({"limit": limit, "amount": a})),
                    )
                }
                _ => {}
            }
        }

        // 11. Call caps and cost units need a caps meter, which this SDK does not have: a
        //     tool (or grant) that declares them is denied unless caps are off.
        let grant_caps = entry.is_some_and(|e| e.caps_apply(tool, spec.cost_units.is_some()));
        if (spec.caps.is_some() || spec.cost_units.is_some() || grant_caps) && caps != Mode::Off {
            let reason = format!("Tool '{tool}' on {connector} declares caps or cost units and no caps meter is configured.");
            if caps == Mode::Enforce {
                return self.deny(
                    out,
                    reason,
                    CAP_EXCEEDED,
                    METER_UNAVAILABLE,
                    Some(json!({})),
                );
            }
            would_deny.push(would(CAP_EXCEEDED, METER_UNAVAILABLE, &reason, json!({})));
        }

        out.allowed = true;
        out.would_deny = would_deny.first().cloned();
        out.would_deny_all = would_deny;
        out
    }

    /// What the revocation feed says about the grant, its token and its parent; a feed that is
    /// not fresh (or never synced) is a denial.
    async fn feed_denial(&self, grant: &VerifiedGrant) -> Option<(String, &'static str)> {
        let f = self.revocation_feed();
        // The first call waits for the first snapshot; later ones only check freshness.
        let wait = if f.state().synced {
            std::time::Duration::ZERO
        } else {
            f.stale_after()
        };
        if !f.ready(wait).await {
            let state = f.state();
            return Some(match state.unavailable.as_deref() {
                Some(why) => (
                    format!("The revocation feed is not usable ({why}); denying rather than authorising without a way to learn about revocations."),
                    FEED_UNAVAILABLE,
                ),
                None => (
                    format!("The revocation feed has not been reachable for more than {} s, so revocations may not be known; denying rather than authorising on stale information.", f.stale_after().as_secs_f64()),
                    FEED_STALE,
                ),
            });
        }
        let m = f.matches(
            Some(grant.grant_id.as_str()).filter(|g| !g.is_empty()),
            Some(grant.token_id.as_str()).filter(|t| !t.is_empty()),
            grant.parent_grant_id.as_deref(),
        )?;
        let sub = match (&m.kind, m.suspended) {
            (feed::MatchKind::ParentGrant, _) => PARENT_REVOKED,
            (_, true) => SUSPENDED,
            _ => REVOKED,
        };
        let state = if m.suspended { "suspended" } else { "revoked" };
        // The reference's sentence, whichever credential matched.
        Some((format!("Grant {} is {state}.", m.id), sub))
    }

    /// `GET /v1/revocations/status` for the grant and token: `None` when live. Any failure to
    /// ask, or an answer that cannot be read, is a denial.
    async fn revocation_denial(&self, grant: &VerifiedGrant) -> Option<(String, &'static str)> {
        let params = RevocationStatusParams {
            grant_id: Some(grant.grant_id.clone()).filter(|g| !g.is_empty()),
            jti: Some(grant.token_id.clone()).filter(|t| !t.is_empty()),
        };
        let status: RevocationStatus = match self.client.revocations().status(&params).await {
            Ok(s) => s,
            Err(e) => {
                return Some((
                    format!("The revocation status of this grant could not be checked ({e}); denying rather than authorising without it."),
                    STATUS_UNAVAILABLE,
                ))
            }
        };
        if !status.revoked {
            return (status.status != "active").then(|| {
                (
                    "The revocation status endpoint returned something this client cannot read; denying rather than assuming the grant is live.".to_string(),
                    STATUS_UNAVAILABLE,
                )
            });
        }
        Some(match status.status.as_str() {
            "suspended" => ("This grant is suspended.".to_string(), SUSPENDED),
            "unknown" => (
                "The auth service does not recognise this grant; denying rather than assuming it is live.".to_string(),
                STATUS_UNAVAILABLE,
            ),
            other => (format!("This grant is {other}."), REVOKED),
        })
    }

    /// A denial, which permissive mode turns into an allowed call with the reason kept.
    fn deny(
        &self,
        mut out: EnforceResult,
        reason: String,
        code: &str,
        sub: &str,
        details: Option<Value>,
    ) -> EnforceResult {
        out.reason = reason;
        out.reason_code = code.to_string();
        out.sub_reason = sub.to_string();
        out.details = to_map(details);
        if self.settings.permissive {
            tracing::warn!(
                connector = %out.connector,
                tool = %out.tool,
                reason = %out.reason,
                "grantex permissive mode: would deny"
            );
            out.allowed = true;
        }
        out
    }
}

impl Drop for Enforcer {
    fn drop(&mut self) {
        self.stop_revocation_feed();
    }
}

/// A denial that permissive mode does not relax (audience, data region).
fn strict_denial(
    mut out: EnforceResult,
    reason: String,
    code: &str,
    sub: &str,
    details: Value,
) -> EnforceResult {
    out.allowed = false;
    out.reason = reason;
    out.reason_code = code.to_string();
    out.sub_reason = sub.to_string();
    out.details = to_map(Some(details));
    out
}

fn to_map(details: Option<Value>) -> HashMap<String, Value> {
    match details {
        Some(Value::Object(m)) => m.into_iter().collect(),
        _ => HashMap::new(),
    }
}

fn would(code: &str, sub: &str, reason: &str, details: Value) -> Value {
    let mut m = Map::new();
    m.insert("reason_code".into(), code.into());
    m.insert("sub_reason".into(), sub.into());
    m.insert("reason".into(), reason.into());
    m.insert("details".into(), details);
    Value::Object(m)
}

/// A number as Python prints it in these messages: integers without a fraction.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}
