//! Offline verification: the core's JWKS cache and verify options. The option rules are the
//! core's: a key set or a JWKS URI (the key set wins, neither is `config_error`), the clock
//! tolerance limit, and the reference SDKs' options passed by name (`issuerDid`, `proofJkt`,
//! `legacyClaims`, ...) through [`grantex::verify::apply_reference_option`].

use crate::error::FfiError;
use crate::runtime::on_core;
use grantex::{blocking, JwksCache, VerifyOptions};
use serde_json::Value;
use std::sync::Arc;

/// The verified content of a grant token (the core's `VerifiedGrant`).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VerifiedGrant {
    pub token_id: String,
    pub grant_id: String,
    pub principal_id: String,
    pub agent_did: String,
    pub developer_id: String,
    pub scopes: Vec<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub parent_agent_did: Option<String>,
    pub parent_grant_id: Option<String>,
    /// Absent when the token does not say (a root grant).
    pub delegation_depth: Option<i64>,
    /// `aud` as a list (empty when absent); [`VerifiedGrant::audience_is_list`] says whether the
    /// token had a list or a single string.
    pub audience: Vec<String>,
    pub audience_is_list: bool,
    pub issuer: String,
    pub budget: Option<f64>,
    pub client_id: Option<String>,
    pub legacy_claims_used: Vec<String>,
    /// The raw JSON members, as a JSON object in wire names: `cnf`, `act`,
    /// `authorizationDetails`, `webauthnEvidence`. `None` when the token has none of them (the
    /// common case costs nothing).
    pub raw_json: Option<String>,
}

impl VerifiedGrant {
    /// `cnf`, `act`, `authorizationDetails`, `webauthnEvidence` as one JSON object, `None` when
    /// the grant has none of them.
    pub(crate) fn raw_members(g: &grantex::VerifiedGrant) -> Option<String> {
        let mut raw = serde_json::Map::new();
        let mut put = |name: &str, v: Option<Value>| {
            if let Some(v) = v {
                raw.insert(name.to_owned(), v);
            }
        };
        put("cnf", g.cnf.clone());
        put("act", g.act.clone());
        put("authorizationDetails", g.authorization_details.clone());
        put(
            "webauthnEvidence",
            g.webauthn_evidence
                .as_ref()
                .and_then(|w| serde_json::to_value(w).ok()),
        );
        (!raw.is_empty()).then(|| Value::Object(raw).to_string())
    }
}

impl From<grantex::VerifiedGrant> for VerifiedGrant {
    fn from(g: grantex::VerifiedGrant) -> Self {
        let audience = g.audiences().into_iter().map(str::to_owned).collect();
        let audience_is_list = matches!(g.audience, Some(Value::Array(_)));
        let raw_json = VerifiedGrant::raw_members(&g);
        VerifiedGrant {
            token_id: g.token_id,
            grant_id: g.grant_id,
            principal_id: g.principal_id,
            agent_did: g.agent_did,
            developer_id: g.developer_id,
            scopes: g.scopes,
            issued_at: g.issued_at,
            expires_at: g.expires_at,
            parent_agent_did: g.parent_agent_did,
            parent_grant_id: g.parent_grant_id,
            delegation_depth: g.delegation_depth.map(i64::from),
            audience,
            audience_is_list,
            issuer: g.issuer,
            budget: g.budget,
            client_id: g.client_id,
            legacy_claims_used: g.legacy_claims_used,
            raw_json,
        }
    }
}

/// What a token is checked against (the core's `VerifyOptions`).
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct NativeVerifyOptions {
    /// Expected `iss`; `None` derives it from the JWKS URI (required with a static set).
    #[uniffi(default = None)]
    pub issuer: Option<String>,
    /// When set, `aud` must contain it.
    #[uniffi(default = None)]
    pub audience: Option<String>,
    /// Every one must be in the token's scopes, verbatim.
    #[uniffi(default = [])]
    pub required_scopes: Vec<String>,
    /// Seconds of leeway for `exp`, `nbf`, `iat` (0 to 3600).
    #[uniffi(default = 0)]
    pub clock_tolerance: i64,
    /// Refuse tokens delegated more hops than this.
    #[uniffi(default = None)]
    pub max_delegation_depth: Option<i64>,
    /// The developer the grant must be issued for (`wrong_issuer` otherwise).
    #[uniffi(default = None)]
    pub expected_developer_id: Option<String>,
    /// Fixed clock in Unix seconds (tests).
    #[uniffi(default = None)]
    pub now: Option<i64>,
    /// Accept sandbox tokens; `None` reads `GRANTEX_ALLOW_SANDBOX_TOKENS=1`.
    #[uniffi(default = None)]
    pub allow_sandbox: Option<bool>,
    /// The principal (`sub`) the token must belong to (`wrong_principal` otherwise).
    #[uniffi(default = None)]
    pub expected_principal_id: Option<String>,
    /// The agent DID the token must belong to (`wrong_agent` otherwise).
    #[uniffi(default = None)]
    pub expected_agent_did: Option<String>,
    /// The caller will check the grant's current authority after verification
    /// ([`check_current_authority`]); requires `audience`.
    #[uniffi(default = false)]
    pub current_authority: bool,
    /// The reference SDKs' other verify options as a JSON object (`{"issuerDid": null,
    /// "algorithms": ["RS256"]}`), either spelling; each goes through the core's rule.
    #[uniffi(default = None)]
    pub reference_options_json: Option<String>,
}

impl NativeVerifyOptions {
    /// The core options, after the reference options' and the numbers' checks.
    fn core(self) -> Result<VerifyOptions, FfiError> {
        let mut reference = serde_json::Map::new();
        if let Some(json) = self.reference_options_json.as_deref() {
            let value: Value = serde_json::from_str(json).map_err(|e| {
                FfiError::invalid(format!("reference options are not valid JSON: {e}"))
            })?;
            let Value::Object(map) = value else {
                return Err(FfiError::invalid(
                    "reference options must be a JSON object of option names to values",
                ));
            };
            reference = map;
        }
        let clock_tolerance = u64::try_from(self.clock_tolerance).map_err(|_| {
            FfiError::invalid(format!(
                "clockTolerance must be >= 0, got {}",
                self.clock_tolerance
            ))
        })?;
        let max_delegation_depth = self
            .max_delegation_depth
            .map(|d| {
                u32::try_from(d).map_err(|_| {
                    FfiError::invalid(format!(
                        "maxDelegationDepth must be between 0 and {}, got {d}",
                        u32::MAX
                    ))
                })
            })
            .transpose()?;
        let mut opts = VerifyOptions {
            issuer: self.issuer,
            audience: self.audience,
            required_scopes: self.required_scopes,
            clock_tolerance,
            max_delegation_depth,
            expected_developer_id: self.expected_developer_id,
            now: self.now,
            allow_sandbox: self.allow_sandbox,
            expected_principal_id: self.expected_principal_id,
            expected_agent_did: self.expected_agent_did,
            current_authority: self.current_authority,
            ..Default::default()
        };
        for (name, value) in &reference {
            grantex::verify::apply_reference_option(&mut opts, name, value)?;
        }
        Ok(opts)
    }
}

/// A JWKS cache: remote (fetched and cached by the core) or a static set (fully offline).
#[derive(Debug, uniffi::Object)]
pub struct NativeJwksCache {
    cache: JwksCache,
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeJwksCache {
    /// A static key set from JSON text; verification never touches the network. An unusable
    /// set is a token error `invalid_jwks`.
    #[uniffi::constructor]
    pub fn from_json(jwks_json: String) -> Result<Arc<Self>, FfiError> {
        Ok(Arc::new(NativeJwksCache {
            cache: JwksCache::from_json(&jwks_json)?,
        }))
    }

    /// A private cache of the key set at `jwks_uri` (fetched on first use).
    #[uniffi::constructor]
    pub fn remote(jwks_uri: String) -> Result<Arc<Self>, FfiError> {
        Ok(Arc::new(NativeJwksCache {
            cache: JwksCache::remote(&jwks_uri)?,
        }))
    }

    /// The process-wide cache for `jwks_uri`.
    #[uniffi::constructor]
    pub fn shared(jwks_uri: String) -> Result<Arc<Self>, FfiError> {
        Ok(Arc::new(NativeJwksCache {
            cache: JwksCache::shared(&jwks_uri)?,
        }))
    }

    pub fn jwks_uri(&self) -> Option<String> {
        self.cache.jwks_uri().map(str::to_owned)
    }

    /// Seconds a fetched set is used before it is fetched again (default 600).
    pub fn max_age_seconds(&self) -> f64 {
        self.cache.max_age().as_secs_f64()
    }

    /// Whole seconds from 1 to 86 400 (`config_error` otherwise).
    pub fn set_max_age_seconds(&self, seconds: f64) -> Result<(), FfiError> {
        Ok(self.cache.set_max_age_secs(seconds)?)
    }

    /// Seconds past the max age an expired set keeps verifying while the endpoint fails.
    pub fn stale_if_error_seconds(&self) -> f64 {
        self.cache.stale_if_error().as_secs_f64()
    }

    /// 0 to 86 400 seconds (`config_error` otherwise).
    pub fn set_stale_if_error_seconds(&self, seconds: f64) -> Result<(), FfiError> {
        Ok(self.cache.set_stale_if_error_secs(seconds)?)
    }

    /// Re-fetch the key set now.
    pub async fn refresh(&self) -> Result<(), FfiError> {
        let cache = self.cache.clone();
        Ok(on_core(async move { cache.refresh().await }).await?)
    }

    /// [`Self::refresh`], blocking.
    pub fn refresh_blocking(&self) -> Result<(), FfiError> {
        let cache = self.cache.clone();
        Ok(blocking::block_on(async move { cache.refresh().await })?)
    }

    /// Verify `token`; fetches the key set when it must.
    pub async fn verify(
        &self,
        token: String,
        options: NativeVerifyOptions,
    ) -> Result<VerifiedGrant, FfiError> {
        let opts = options.core()?;
        verify_on_core(self.cache.clone(), token, opts).await
    }

    /// [`Self::verify`], blocking only when the key set must be fetched.
    pub fn verify_blocking(
        &self,
        token: String,
        options: NativeVerifyOptions,
    ) -> Result<VerifiedGrant, FfiError> {
        let opts = options.core()?;
        verify_now(&self.cache, &token, &opts)
    }

    /// Keys already loaded only; never touches the network.
    pub fn verify_cached(
        &self,
        token: String,
        options: NativeVerifyOptions,
    ) -> Result<VerifiedGrant, FfiError> {
        let opts = options.core()?;
        Ok(self.cache.verify_cached(&token, &opts)?.into())
    }
}

/// A key set bound to options checked once: each verification passes only the token (one
/// argument buffer less per call than [`NativeJwksCache::verify_cached`], and no option
/// conversion), for hot paths.
#[derive(Debug, uniffi::Object)]
pub struct NativeVerifier {
    cache: JwksCache,
    opts: VerifyOptions,
    /// This verifier's id for the JVM's hot path (`crate::fast`), unregistered when freed.
    fast_id: u64,
}

impl Drop for NativeVerifier {
    fn drop(&mut self) {
        crate::fast::unregister(self.fast_id);
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl NativeVerifier {
    /// `cache` with `options` (the reference options and numbers are checked here).
    #[uniffi::constructor]
    pub fn new(
        cache: Arc<NativeJwksCache>,
        options: NativeVerifyOptions,
    ) -> Result<Arc<Self>, FfiError> {
        let cache = cache.cache.clone();
        let opts = options.core()?;
        let fast_id = crate::fast::register(Arc::new(crate::fast::Bound {
            cache: cache.clone(),
            opts: opts.clone(),
        }));
        Ok(Arc::new(NativeVerifier {
            cache,
            opts,
            fast_id,
        }))
    }

    /// The id `grantex_jvm_verify_cached` knows this verifier by (the JVM's hot path).
    pub fn fast_id(&self) -> u64 {
        self.fast_id
    }

    /// Verify `token`; fetches the key set when it must.
    pub async fn verify(&self, token: String) -> Result<VerifiedGrant, FfiError> {
        verify_on_core(self.cache.clone(), token, self.opts.clone()).await
    }

    /// [`Self::verify`], blocking only when the key set must be fetched.
    pub fn verify_blocking(&self, token: String) -> Result<VerifiedGrant, FfiError> {
        verify_now(&self.cache, &token, &self.opts)
    }

    /// Keys already loaded only; never touches the network.
    pub fn verify_cached(&self, token: String) -> Result<VerifiedGrant, FfiError> {
        Ok(self.cache.verify_cached(&token, &self.opts)?.into())
    }
}

/// Blocking verification: a static set (or any set whose keys are loaded) needs no runtime.
fn verify_now(
    cache: &JwksCache,
    token: &str,
    opts: &VerifyOptions,
) -> Result<VerifiedGrant, FfiError> {
    if cache.jwks_uri().is_none() {
        return Ok(cache.verify_cached(token, opts)?.into());
    }
    let cache = cache.clone();
    Ok(blocking::block_on(async move { cache.verify(token, opts).await })?.into())
}

/// The key set to use: `jwks` when given, else the process-wide cache of `jwks_uri`.
fn source(
    jwks: Option<Arc<NativeJwksCache>>,
    jwks_uri: Option<String>,
    opts: &VerifyOptions,
) -> Result<JwksCache, FfiError> {
    match jwks {
        Some(j) => Ok(j.cache.clone()),
        None => Ok(JwksCache::for_options(jwks_uri.as_deref(), opts)?),
    }
}

/// Verify a grant token offline against `jwks` (when given) or the JWKS at `jwks_uri`
/// (through the process-wide cache for that URI).
#[uniffi::export(async_runtime = "tokio")]
pub async fn verify_grant_token(
    token: String,
    jwks: Option<Arc<NativeJwksCache>>,
    jwks_uri: Option<String>,
    options: NativeVerifyOptions,
) -> Result<VerifiedGrant, FfiError> {
    let opts = options.core()?;
    let cache = source(jwks, jwks_uri, &opts)?;
    verify_on_core(cache, token, opts).await
}

/// Async verification: at once when the keys are loaded (no fetch can be needed: the common
/// case costs no task), else on the core's runtime.
async fn verify_on_core(
    cache: JwksCache,
    token: String,
    opts: VerifyOptions,
) -> Result<VerifiedGrant, FfiError> {
    if cache.jwks_uri().is_none() {
        return Ok(cache.verify_cached(&token, &opts)?.into());
    }
    Ok(on_core(async move { cache.verify(&token, &opts).await })
        .await?
        .into())
}

/// [`verify_grant_token`], blocking only when the key set must be fetched.
#[uniffi::export]
pub fn verify_grant_token_blocking(
    token: String,
    jwks: Option<Arc<NativeJwksCache>>,
    jwks_uri: Option<String>,
    options: NativeVerifyOptions,
) -> Result<VerifiedGrant, FfiError> {
    let opts = options.core()?;
    let cache = source(jwks, jwks_uri, &opts)?;
    verify_now(&cache, &token, &opts)
}

/// The core's rule for one reference verify option (`issuerDid`, `algorithms`, ...; either
/// spelling) set to the JSON value `value_json` (`null` = unset): `config_error` when the value
/// cannot be used.
#[uniffi::export]
pub fn check_verify_option(name: String, value_json: String) -> Result<(), FfiError> {
    let value: Value = serde_json::from_str(&value_json)
        .map_err(|e| FfiError::invalid(format!("option value is not valid JSON: {e}")))?;
    Ok(grantex::verify::check_reference_option(&name, &value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_options_and_numbers_follow_the_core_rules() {
        let with = |json: &str| NativeVerifyOptions {
            reference_options_json: Some(json.into()),
            ..Default::default()
        };
        assert!(with(r#"{"issuerDid": null, "algorithms": ["RS256"]}"#)
            .core()
            .is_ok());
        let err = with(r#"{"issuerDid": "did:web:x"}"#).core().unwrap_err();
        assert_eq!(err.code(), "config_error");
        assert!(err.to_string().contains("issuerDid"), "{err}");
        let o = with(r#"{"proofJkt": "abc", "legacyClaims": false}"#)
            .core()
            .unwrap();
        assert!(o.proof_jkt.is_some() && o.standard_claims_only);
        assert_eq!(with("[1]").core().unwrap_err().code(), "invalid_argument");
        let negative = NativeVerifyOptions {
            clock_tolerance: -1,
            ..Default::default()
        };
        assert_eq!(negative.core().unwrap_err().code(), "invalid_argument");
        assert_eq!(
            check_verify_option("algorithms".into(), r#"["ES256"]"#.into())
                .unwrap_err()
                .code(),
            "config_error"
        );
        assert_eq!(
            source(None, None, &VerifyOptions::default())
                .unwrap_err()
                .code(),
            "config_error"
        );
    }
}

/// The reference SDKs' current-authority comparison (the core's one rule): `grant_json` is the
/// verified grant and `answer_json` the callback's answer, both `VerifiedGrant` wire JSON;
/// `error` says why the callback failed instead. `authority_mismatch` unless they describe the
/// same grant.
#[uniffi::export]
pub fn check_current_authority(
    grant_json: String,
    answer_json: Option<String>,
    error: Option<String>,
) -> Result<(), FfiError> {
    let want: Value = serde_json::from_str(&grant_json)
        .map_err(|e| FfiError::invalid(format!("grant_json is not JSON: {e}")))?;
    let current = match (error, answer_json) {
        (Some(why), _) => Err(why),
        (None, None) => Err("the current authority gave no answer".to_owned()),
        (None, Some(a)) => Ok(serde_json::from_str(&a).unwrap_or(Value::Null)),
    };
    Ok(
        grantex::verify::check_current_authority_json(&want, current)
            .map_err(grantex::Error::from)?,
    )
}
