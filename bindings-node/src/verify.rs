//! Offline grant-token verification against a core `JwksCache`.
//!
//! `NativeJwks.verify` polls the core's `JwksCache::verify` future once on the calling thread:
//! with a warm cache it finishes there and the grant is returned synchronously (the hot path,
//! no promise and no thread hop); when it must fetch (cold, expired or unknown kid) the same
//! future continues on the core runtime and a promise is returned. TTL, refetch and cooldown
//! rules therefore stay entirely in the core.

use crate::convert::{self, JsVerifiedGrant};
use crate::errors::{invalid, to_napi};
use crate::promise::{self, FirstPoll};
use grantex::{JwksCache, VerifyOptions};
use napi::bindgen_prelude::{Either, Object};
use napi::{Env, Result};
use napi_derive::napi;

/// Verification options (the JS layer has already turned `currentDate` into `now`).
#[napi(object)]
pub struct NativeVerifyOptions {
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub required_scopes: Option<Vec<String>>,
    /// Seconds; fractions are dropped.
    pub clock_tolerance: Option<f64>,
    pub max_delegation_depth: Option<f64>,
    /// Fixed clock in Unix seconds (tests and vectors).
    pub now: Option<f64>,
}

fn whole(what: &str, v: Option<f64>, max: f64) -> Result<Option<f64>> {
    match v {
        None => Ok(None),
        Some(x) if x.is_finite() && x >= 0.0 && x <= max => Ok(Some(x.floor())),
        Some(x) => Err(invalid(format!(
            "{what} must be a non-negative number no larger than {max}, got {x}"
        ))),
    }
}

impl NativeVerifyOptions {
    /// The core options; out-of-range numbers are `invalid_argument`.
    pub fn into_core(self) -> Result<VerifyOptions> {
        const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
        let now = match self.now {
            None => None,
            Some(x) if x.is_finite() && x.abs() <= MAX_SAFE => Some(x.floor() as i64),
            Some(x) => return Err(invalid(format!("now must be a finite number of seconds, got {x}"))),
        };
        Ok(VerifyOptions {
            issuer: self.issuer,
            audience: self.audience,
            required_scopes: self.required_scopes.unwrap_or_default(),
            clock_tolerance: whole("clockTolerance", self.clock_tolerance, MAX_SAFE)?
                .map_or(0, |x| x as u64),
            max_delegation_depth: whole(
                "maxDelegationDepth",
                self.max_delegation_depth,
                f64::from(u32::MAX),
            )?
            .map(|x| x as u32),
            now,
        })
    }
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

    /// Fetch the key set now; resolves with `undefined`.
    #[napi]
    pub fn refresh<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        let cache = self.cache.clone();
        promise::spawn(env, async move { cache.refresh().await }, convert::unit)
    }

    /// Verify `token`: the grant itself when the cache can answer now, else a promise of it.
    #[napi]
    pub fn verify<'env>(
        &self,
        env: &'env Env,
        token: String,
        options: NativeVerifyOptions,
    ) -> Result<Either<JsVerifiedGrant, Object<'env>>> {
        let opts = options.into_core()?;
        let cache = self.cache.clone();
        let fut = async move { cache.verify(&token, &opts).await };
        match promise::poll_once(fut) {
            FirstPoll::Ready(Ok(grant)) => Ok(Either::A(grant.into())),
            FirstPoll::Ready(Err(err)) => Err(to_napi(err)),
            FirstPoll::Pending(fut) => {
                promise::spawn(env, fut, convert::verified_grant).map(Either::B)
            }
        }
    }

    /// Verify against the keys already loaded, never touching the network (a cold cache is
    /// token code `jwks_fetch`).
    #[napi]
    pub fn verify_cached(
        &self,
        token: String,
        options: NativeVerifyOptions,
    ) -> Result<JsVerifiedGrant> {
        let opts = options.into_core()?;
        self.cache
            .verify_cached(&token, &opts)
            .map(Into::into)
            .map_err(to_napi)
    }
}
