//! `ClientConfig`: what a user may set, the environment fallbacks, and the validation that
//! turns it into fixed [`Settings`].

use crate::error::{Error, Result};
use crate::http::{Settings, BACKOFF_BASE, DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT};
use reqwest::header::HeaderValue;
use std::fmt;
use std::time::Duration;

/// Environment variable read when [`ClientConfig::api_key`] is `None`.
pub const API_KEY_ENV: &str = "GRANTEX_API_KEY";
/// Environment variable read when [`ClientConfig::base_url`] is `None`.
pub const BASE_URL_ENV: &str = "GRANTEX_BASE_URL";

/// Options for [`crate::Client::new`]. Every field is optional; see each for its default.
#[derive(Clone, Default)]
pub struct ClientConfig {
    /// Developer API key. `None` reads `GRANTEX_API_KEY`. Surrounding whitespace is trimmed;
    /// absent or empty is a [`Error::Config`].
    pub api_key: Option<String>,
    /// API origin, optionally with a path prefix. `None` reads `GRANTEX_BASE_URL`, else
    /// `https://api.grantex.dev`. Trailing `/` are stripped; must be an http(s) URL without
    /// query or fragment.
    pub base_url: Option<String>,
    /// Timeout of each attempt (connect, send, read the whole body). Default 30 s.
    pub timeout: Option<Duration>,
    /// Retries after the first attempt for 429/502/503/504, connection errors and timeouts.
    /// Default 3; `Some(0)` disables retries.
    pub max_retries: Option<u32>,
    /// `User-Agent` header. Default `grantex-rust/<VERSION>`.
    pub user_agent: Option<String>,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl ClientConfig {
    /// Resolve defaults and validate. `authenticated: false` skips the API key (signup).
    pub(crate) fn resolve(&self, authenticated: bool) -> Result<Settings> {
        let authorization = if authenticated {
            Some(authorization(self.api_key.clone())?)
        } else {
            None
        };
        let base_url = match &self.base_url {
            Some(url) => normalize_base_url(url)?,
            None => resolve_base_url(None)?,
        };
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(Error::config("timeout must be greater than zero"));
        }
        let user_agent = match &self.user_agent {
            Some(ua) => HeaderValue::from_str(ua).map_err(|_| {
                Error::config("user_agent contains characters not allowed in an HTTP header")
            })?,
            None => HeaderValue::from_str(&default_user_agent())
                .map_err(|_| Error::config("invalid crate version in the default user agent"))?,
        };
        Ok(Settings {
            base_url,
            authorization,
            user_agent,
            timeout,
            max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            retry_base: BACKOFF_BASE,
        })
    }
}

/// Longest per-attempt timeout a binding may ask for (a day): anything longer is a units mistake.
const MAX_TIMEOUT: Duration = Duration::from_secs(86_400);
/// Most retries a binding may ask for.
pub const MAX_RETRIES_LIMIT: u32 = 100;

impl ClientConfig {
    /// A timeout given in seconds (Python). One rule in every language: finite, greater than
    /// zero and at most a day, else [`Error::InvalidArgument`] naming the unit. "Not given" is
    /// `None` in [`ClientConfig::timeout`], never a special number.
    pub fn timeout_from_secs(seconds: f64) -> Result<Duration> {
        timeout_checked(seconds, 1.0, "seconds")
    }

    /// A timeout given in milliseconds (Node, C); same rule as [`Self::timeout_from_secs`].
    pub fn timeout_from_millis(millis: f64) -> Result<Duration> {
        timeout_checked(millis, 1000.0, "milliseconds")
    }

    /// Retries given as a number (Node, C, Python): an integer from 0 to
    /// `MAX_RETRIES_LIMIT` (100), else [`Error::InvalidArgument`].
    pub fn max_retries_from(n: f64) -> Result<u32> {
        if n.is_finite() && n.fract() == 0.0 && (0.0..=f64::from(MAX_RETRIES_LIMIT)).contains(&n) {
            Ok(n as u32)
        } else {
            Err(Error::invalid(format!(
                "max retries must be an integer from 0 to {MAX_RETRIES_LIMIT}, got {n}"
            )))
        }
    }
}

fn timeout_checked(value: f64, per_second: f64, unit: &str) -> Result<Duration> {
    let limit = MAX_TIMEOUT.as_secs_f64() * per_second;
    if value.is_finite() && value > 0.0 && value <= limit {
        Ok(Duration::from_secs_f64(value / per_second))
    } else {
        Err(Error::invalid(format!(
            "timeout must be a positive number of {unit} up to {limit}, got {value}"
        )))
    }
}

/// `grantex-rust/<crate version>`.
pub fn default_user_agent() -> String {
    format!("grantex-rust/{}", crate::VERSION)
}

fn authorization(configured: Option<String>) -> Result<HeaderValue> {
    let key = match configured {
        Some(key) => key,
        None => std::env::var(API_KEY_ENV).unwrap_or_default(),
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::config(format!(
            "no API key: pass an API key to the client or set the {API_KEY_ENV} environment variable"
        )));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
        Error::config("the API key contains characters not allowed in an HTTP header")
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The base URL from an explicit value, else `GRANTEX_BASE_URL`, else the default, normalised.
pub(crate) fn resolve_base_url(explicit: Option<&str>) -> Result<String> {
    match explicit {
        Some(url) => normalize_base_url(url),
        None => match std::env::var(BASE_URL_ENV) {
            Ok(url) if !url.trim().is_empty() => normalize_base_url(&url),
            _ => Ok(DEFAULT_BASE_URL.to_string()),
        },
    }
}

/// Strip trailing `/` and check it is an absolute http(s) URL with a host and no query or
/// fragment (a query would end up between the prefix and the API path).
pub(crate) fn normalize_base_url(raw: &str) -> Result<String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let bad = |why: &str| Error::config(format!("invalid base URL {raw:?}: {why}"));
    if trimmed.is_empty() {
        return Err(bad("it is empty"));
    }
    let url = url::Url::parse(trimmed).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if url.query().is_some() {
        return Err(bad("it must not have a query string"));
    }
    if url.fragment().is_some() {
        return Err(bad("it must not have a fragment"));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_base_url(" https://h.example/api// ").unwrap(),
            "https://h.example/api"
        );
        for bad in [
            "",
            "/",
            "ftp://h",
            "h.example",
            "http://h?x=1",
            "http://h#f",
            "http://",
            "mailto:a@b",
        ] {
            assert!(
                matches!(normalize_base_url(bad), Err(Error::Config { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_redacts_the_key() {
        let cfg = ClientConfig {
            api_key: Some("gx_secret_value".into()),
            ..Default::default()
        };
        let text = format!("{cfg:?}");
        assert!(!text.contains("gx_secret_value"), "{text}");
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn keys_are_trimmed_and_validated() {
        let cfg = |k: &str| ClientConfig {
            api_key: Some(k.into()),
            base_url: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        };
        let s = cfg("  key-123 \n").resolve(true).unwrap();
        assert_eq!(s.authorization.unwrap().to_str().unwrap(), "Bearer key-123");
        assert!(matches!(
            cfg("  \t").resolve(true),
            Err(Error::Config { .. })
        ));
        assert!(matches!(
            cfg("a\u{7}b").resolve(true),
            Err(Error::Config { .. })
        ));
        assert!(cfg("").resolve(false).is_ok(), "signup needs no key");
    }
}
