//! Offline grant-token verification against a core `JwksCache`.
//!
//! `NativeJwks.verify` polls the core's `JwksCache::verify` future once on the calling thread:
//! with a warm cache it finishes there and the grant is returned synchronously (the hot path,
//! no promise and no thread hop); when it must fetch (cold, expired or unknown kid) the same
//! future continues on the core runtime and a promise is returned. TTL, refetch and cooldown
//! rules therefore stay entirely in the core.

use crate::convert;
use crate::errors::{invalid, to_napi};
use crate::promise::{self, FirstPoll};
use grantex::{JwksCache, VerifiedGrant, VerifyOptions};
use napi::bindgen_prelude::{Either, FnArgs, Function, Object, ToNapiValue, Unknown};
use napi::{Env, Result};
use napi_derive::napi;

/// A non-negative JS number up to `max`, truncated (the core counts whole seconds and hops).
pub(crate) fn whole(what: &str, v: Option<f64>, max: f64) -> Result<Option<f64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 && x <= max => Ok(Some(x.floor())),
        Some(x) => Err(invalid(format!(
            "{what} must be a non-negative number no larger than {max}, got {x}"
        ))),
    }
}

/// The core options from the JS options, passed positionally (primitives cross N-API far more
/// cheaply than an object read property by property). The JS layer has already turned
/// `currentDate` into `now`; out-of-range numbers are `invalid_argument`.
#[allow(clippy::too_many_arguments)] // the JS options object, flattened for speed
pub fn core_options(
    issuer: Option<String>,
    audience: Option<String>,
    required_scopes: Option<Vec<String>>,
    clock_tolerance: Option<f64>,
    max_delegation_depth: Option<f64>,
    expected_developer_id: Option<String>,
    now: Option<f64>,
    allow_sandbox: Option<bool>,
    identity: Identity,
    reference_json: Option<String>,
) -> Result<VerifyOptions> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    let now = match now {
        None => None,
        Some(x) if x.is_finite() && x.abs() <= MAX_SAFE => Some(x.floor() as i64),
        Some(x) => {
            return Err(invalid(format!(
                "now must be a finite number of seconds, got {x}"
            )))
        }
    };
    let mut opts = VerifyOptions {
        issuer,
        audience,
        required_scopes: required_scopes.unwrap_or_default(),
        clock_tolerance: whole("clockTolerance", clock_tolerance, MAX_SAFE)?
            .map_or(0, |x| x as u64),
        max_delegation_depth: whole(
            "maxDelegationDepth",
            max_delegation_depth,
            f64::from(u32::MAX),
        )?
        .map(|x| x as u32),
        expected_developer_id,
        now,
        allow_sandbox,
        expected_principal_id: identity.0,
        expected_agent_did: identity.1,
        current_authority: identity.2.unwrap_or(false),
        ..Default::default()
    };
    if let Some(text) = reference_json {
        apply_reference_options(&mut opts, &text)?;
    }
    Ok(opts)
}

/// The reference options the JS layer found set (`issuerDid`, `proofJkt`, `legacyClaims`, ...),
/// as one JSON object by name, applied by the core's rule.
fn apply_reference_options(opts: &mut VerifyOptions, text: &str) -> Result<()> {
    let set: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| invalid(format!("the reference options are not a JSON object: {e}")))?;
    for (name, value) in &set {
        grantex::verify::apply_reference_option(opts, name, value).map_err(to_napi)?;
    }
    Ok(())
}

/// The process-wide key-set cache of a `did:web` issuer (the `issuerDid` option without a
/// `jwksUri` or `jwks`).
#[napi]
pub fn jwks_for_issuer_did(did: String) -> Result<NativeJwks> {
    let opts = VerifyOptions {
        issuer_did: Some(did),
        ..Default::default()
    };
    Ok(NativeJwks {
        cache: JwksCache::for_options(None, &opts).map_err(to_napi)?,
    })
}

/// `expectedPrincipalId`, `expectedAgentDid`, and whether a `currentAuthority` callback will be
/// checked (the JS layer calls it and hands its answer to [`check_current_authority`]).
pub type Identity = (Option<String>, Option<String>, Option<bool>);

/// The arguments of the JS grant factory (`makeGrant` in lib/verify.cjs), in `VerifiedGrant`
/// field order; the rarely present raw claims (`clientId`, `authorizationDetails`, `act`,
/// `cnf`, `audience`, `webauthnEvidence`) travel as one JSON text, `null` when all are absent.
type GrantArgs = FnArgs<(
    Text,
    Text,
    Text,
    Text,
    Text,
    Vec<Text>,
    i64,
    i64,
    Option<Text>,
    Option<Text>,
    Option<u32>,
    Option<String>,
    Vec<Text>,
    Text,
    Option<f64>,
)>;

/// A string for JS, created as Latin-1 when it is ASCII (a plain copy in V8, no UTF-8 decoding;
/// claim values almost always are).
pub struct Text(String);

impl ToNapiValue for Text {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        if !val.0.is_ascii() {
            // SAFETY: forwarded unchanged from our caller's contract.
            return unsafe { String::to_napi_value(env, val.0) };
        }
        let mut out = std::ptr::null_mut();
        // SAFETY: `env` is the live environment napi handed to this conversion; the pointer and
        // length describe `val.0`'s bytes, which outlive the call.
        let status = unsafe {
            napi::sys::napi_create_string_latin1(
                env,
                val.0.as_ptr().cast(),
                val.0.len() as isize,
                &mut out,
            )
        };
        if status != napi::sys::Status::napi_ok {
            return Err(napi::Error::new(
                napi::Status::from(status),
                "cannot create a string",
            ));
        }
        Ok(out)
    }
}

/// The JS function that builds a grant object from its fields.
type GrantFactory<'env> = Function<'env, GrantArgs, Unknown<'env>>;

/// Builds the JS grant on the calling thread: the fields go over as call arguments and a JS
/// object literal makes the object, which is cheaper than N-API setting each property or
/// `JSON.parse` (measured ~0.7 µs less per grant than JSON).
fn build_grant<'env>(make: &GrantFactory<'env>, g: VerifiedGrant) -> Result<Unknown<'env>> {
    let texts = |v: Vec<String>| v.into_iter().map(Text).collect::<Vec<_>>();
    let extra = crate::convert::rare_claims_text(&g)
        .map_err(|e| napi::Error::from_reason(e.to_string()))?;
    make.call(
        (
            Text(g.token_id),
            Text(g.grant_id),
            Text(g.principal_id),
            Text(g.agent_did),
            Text(g.developer_id),
            texts(g.scopes),
            g.issued_at,
            g.expires_at,
            g.parent_agent_did.map(Text),
            g.parent_grant_id.map(Text),
            g.delegation_depth,
            extra,
            texts(g.legacy_claims_used),
            Text(g.issuer),
            g.budget,
        )
            .into(),
    )
}

/// A JWKS cache: the process-wide one for a URI, a private remote one, or a static set.
#[napi]
pub struct NativeJwks {
    cache: JwksCache,
}

impl NativeJwks {
    pub fn cache(&self) -> &JwksCache {
        &self.cache
    }
}

#[napi]
impl NativeJwks {
    /// A static key set from JSON text: verification never touches the network. An unusable
    /// set throws token code `invalid_jwks`.
    #[napi(factory)]
    pub fn from_json(jwks_json: String) -> Result<Self> {
        JwksCache::from_json(&jwks_json)
            .map(|cache| NativeJwks { cache })
            .map_err(to_napi)
    }

    /// A private cache for the key set at `jwksUri` (fetched on first use).
    #[napi(factory)]
    pub fn remote(jwks_uri: String) -> Result<Self> {
        JwksCache::remote(&jwks_uri)
            .map(|cache| NativeJwks { cache })
            .map_err(to_napi)
    }

    /// The process-wide cache for `jwksUri` (shared with every other caller in the process,
    /// worker threads included).
    #[napi(factory)]
    pub fn shared(jwks_uri: String) -> Result<Self> {
        JwksCache::shared(&jwks_uri)
            .map(|cache| NativeJwks { cache })
            .map_err(to_napi)
    }

    #[napi(getter)]
    pub fn jwks_uri(&self) -> Option<String> {
        self.cache.jwks_uri().map(str::to_owned)
    }

    /// Seconds a fetched set is used before it is fetched again (default 600).
    #[napi(getter)]
    pub fn max_age(&self) -> f64 {
        self.cache.max_age().as_secs_f64()
    }

    /// Sets the max age: whole seconds from 1 to 86 400 (config error otherwise).
    #[napi]
    pub fn set_max_age(&self, seconds: f64) -> Result<()> {
        self.cache.set_max_age_secs(seconds).map_err(to_napi)
    }

    /// Seconds past the max age an expired set keeps verifying while the JWKS endpoint fails
    /// (default 3600; 0 disables it).
    #[napi(getter)]
    pub fn stale_if_error(&self) -> f64 {
        self.cache.stale_if_error().as_secs_f64()
    }

    /// Sets the stale-if-error grace: 0 to 86 400 seconds (config error otherwise).
    #[napi]
    pub fn set_stale_if_error(&self, seconds: f64) -> Result<()> {
        self.cache.set_stale_if_error_secs(seconds).map_err(to_napi)
    }

    /// Fetch the key set now; resolves with `undefined`.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn refresh<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let cache = self.cache.clone();
        promise::spawn(env, async move { cache.refresh().await }, convert::unit)
    }

    /// Verify `token`: the grant (built by `make`) when the cache can answer now, else a
    /// promise of the grant as JSON text. Options are positional (see [`core_options`]).
    #[napi(ts_return_type = "unknown | Promise<string>")]
    #[allow(clippy::too_many_arguments)] // the JS options object, flattened for speed
    pub fn verify<'env>(
        &self,
        env: &'env Env,
        token: String,
        issuer: Option<String>,
        audience: Option<String>,
        required_scopes: Option<Vec<String>>,
        clock_tolerance: Option<f64>,
        max_delegation_depth: Option<f64>,
        expected_developer_id: Option<String>,
        now: Option<f64>,
        allow_sandbox: Option<bool>,
        expected_principal_id: Option<String>,
        expected_agent_did: Option<String>,
        current_authority: Option<bool>,
        reference_json: Option<String>,
        make: GrantFactory<'env>,
    ) -> Result<Either<Unknown<'env>, Object<'env>>> {
        let opts = core_options(
            issuer,
            audience,
            required_scopes,
            clock_tolerance,
            max_delegation_depth,
            expected_developer_id,
            now,
            allow_sandbox,
            (expected_principal_id, expected_agent_did, current_authority),
            reference_json,
        )?;
        let cache = self.cache.clone();
        let fut = async move { cache.verify(&token, &opts).await };
        match promise::poll_once(fut) {
            FirstPoll::Ready(Ok(grant)) => build_grant(&make, grant).map(Either::A),
            FirstPoll::Ready(Err(err)) => Err(to_napi(err)),
            FirstPoll::Pending(fut) => {
                promise::spawn(env, fut, convert::verified_grant_text).map(Either::B)
            }
        }
    }

    /// Verify against the keys already loaded, never touching the network (a cold cache is
    /// token code `jwks_fetch`); returns the grant built by `make`.
    #[napi(ts_return_type = "unknown")]
    #[allow(clippy::too_many_arguments)] // the JS options object, flattened for speed
    pub fn verify_cached<'env>(
        &self,
        token: String,
        issuer: Option<String>,
        audience: Option<String>,
        required_scopes: Option<Vec<String>>,
        clock_tolerance: Option<f64>,
        max_delegation_depth: Option<f64>,
        expected_developer_id: Option<String>,
        now: Option<f64>,
        allow_sandbox: Option<bool>,
        expected_principal_id: Option<String>,
        expected_agent_did: Option<String>,
        current_authority: Option<bool>,
        reference_json: Option<String>,
        make: GrantFactory<'env>,
    ) -> Result<Unknown<'env>> {
        let opts = core_options(
            issuer,
            audience,
            required_scopes,
            clock_tolerance,
            max_delegation_depth,
            expected_developer_id,
            now,
            allow_sandbox,
            (expected_principal_id, expected_agent_did, current_authority),
            reference_json,
        )?;
        let grant = self.cache.verify_cached(&token, &opts).map_err(to_napi)?;
        build_grant(&make, grant)
    }
}

/// The reference's other verify options (`issuerDid`, `algorithms`, ...), camelCase, in the
/// core's order: `grantex::verify::REFERENCE_OPTIONS`.
#[napi]
pub fn reference_verify_options() -> Vec<&'static str> {
    grantex::verify::REFERENCE_OPTIONS
        .iter()
        .map(|o| o.js_name)
        .collect()
}

/// The core's current-authority check: `grant_json` is the verified grant (as `verify`
/// returned it, serialised), `answer_json` the `currentAuthority` callback's answer serialised,
/// or `error` why the callback failed. Throws `GrantexTokenError` (`authority_mismatch`).
#[napi]
pub fn check_current_authority(
    grant_json: String,
    answer_json: Option<String>,
    error: Option<String>,
) -> Result<()> {
    let want: serde_json::Value = serde_json::from_str(&grant_json)
        .map_err(|e| invalid(format!("the verified grant is not JSON: {e}")))?;
    let answer = match (error, answer_json) {
        (Some(why), _) => Err(why),
        (None, Some(text)) => Ok(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)),
        (None, None) => Ok(serde_json::Value::Null),
    };
    grantex::verify::check_current_authority_json(&want, answer)
        .map_err(|e| to_napi(grantex::Error::Token(e)))
}

/// How many URIs the core's process-wide key-set cache keeps (`grantex::jwks::SHARED_CAPACITY`).
#[napi]
pub fn shared_jwks_capacity() -> u32 {
    grantex::jwks::SHARED_CAPACITY as u32
}
