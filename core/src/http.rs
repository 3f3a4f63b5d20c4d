//! HTTP plumbing shared by every API method: headers, per-attempt timeouts, retries with
//! backoff, rate-limit tracking and the mapping of responses to [`Error`].
//!
//! Kept separate from `client/` so that the resource methods only describe *what* to send
//! (method, path, body, retry policy) and never re-implement *how*.

use crate::error::{ApiError, Error, Result};
use crate::process_local::{http_client_builder, ProcessLocal};
use crate::types::RateLimit;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Used when neither the config nor `GRANTEX_BASE_URL` names a server.
pub(crate) const DEFAULT_BASE_URL: &str = "https://api.grantex.dev";
/// Per-attempt timeout when the config sets none.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Retries after the first attempt when the config sets none.
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 3;
/// `0.5 s` in `min(0.5 s·2^n + rand(0..0.5 s), 10 s)`.
pub(crate) const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Upper bound of the computed backoff.
pub(crate) const BACKOFF_CAP: Duration = Duration::from_secs(10);
/// Larger response bodies are refused ([`Error::Decode`]) instead of filling memory. List
/// endpoints are not paginated, so this is generous: ~100k audit entries fit.
pub(crate) const MAX_BODY_BYTES: usize = 64 << 20;
/// Upper bound of a server-supplied `Retry-After`.
pub(crate) const RETRY_AFTER_CAP: Duration = Duration::from_secs(120);

/// Fixed settings of one client, validated by `ClientConfig` before they get here.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub base_url: String,
    /// `Bearer <key>`, marked sensitive; `None` for unauthenticated calls (signup).
    pub authorization: Option<HeaderValue>,
    pub user_agent: HeaderValue,
    pub timeout: Duration,
    pub max_retries: u32,
    /// Replaces [`BACKOFF_BASE`] (tests only; the formula stays the same).
    pub retry_base: Duration,
}

/// One API connection: settings, the per-process reqwest client and the last rate limit seen.
#[derive(Debug)]
pub(crate) struct Http {
    pub settings: Settings,
    /// Connection pools belong to the threads of the process that opened them.
    client: ProcessLocal<reqwest::Client>,
    last_rate_limit: Mutex<Option<RateLimit>>,
}

/// What one API call sends. Built by the resource methods.
#[derive(Debug)]
pub(crate) struct Request {
    /// The catalog operation (`agents.register`), for the call's tracing span.
    op: &'static str,
    method: Method,
    /// Absolute path below the base URL, already percent-encoded (`/v1/agents/ag%201`).
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    retry: bool,
    idempotency_key: Option<String>,
    /// Sent as `Authorization: Bearer` instead of the client's API key (grant-token calls).
    bearer: Option<HeaderValue>,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            op: "",
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            retry: true,
            idempotency_key: None,
            bearer: None,
        }
    }

    /// Attach a JSON body (and with it `Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid(format!("request body is not serialisable: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Add the non-null members of a flat params struct as query parameters (camelCase names
    /// come from the struct's serde attributes).
    pub fn query<T: Serialize>(mut self, params: &T) -> Result<Self> {
        let value = serde_json::to_value(params)
            .map_err(|e| Error::invalid(format!("query parameters are not serialisable: {e}")))?;
        let Value::Object(map) = value else {
            return Err(Error::invalid("query parameters must be an object"));
        };
        for (name, value) in map {
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s,
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                other => {
                    return Err(Error::invalid(format!(
                        "query parameter `{name}` must be a scalar, got {other}"
                    )))
                }
            };
            self.query.push((name, text));
        }
        Ok(self)
    }

    /// Names the catalog operation this request runs (shown in its tracing span).
    pub fn op(mut self, name: &'static str) -> Self {
        self.op = name;
        self
    }

    /// Never retry this call (single-use authorization codes, account creation).
    pub fn no_retry(mut self) -> Self {
        self.retry = false;
        self
    }

    /// Authenticate this call with `token` (a grant token) instead of the API key.
    pub fn bearer(mut self, token: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "the grant token must be a non-empty token without spaces or control characters",
            )
        };
        if token.is_empty() || token.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad());
        }
        let mut v = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| bad())?;
        v.set_sensitive(true);
        self.bearer = Some(v);
        Ok(self)
    }

    /// Send `Idempotency-Key: <key>` on every attempt of this call.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }
}

/// A received response, before it is turned into a value or an error.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    pub request_id: Option<String>,
    pub rate_limit: Option<RateLimit>,
    /// `Retry-After` as a delay, already clamped to `[0, 120 s]`.
    pub retry_after: Option<Duration>,
}

impl Response {
    /// A response from its status, headers and body (the headers' request id, rate limit and
    /// `Retry-After` read here).
    fn read(status: u16, headers: &HeaderMap, body: Vec<u8>) -> Response {
        Response {
            status,
            body,
            request_id: header_str(headers, "x-request-id").map(str::to_owned),
            rate_limit: parse_rate_limit(headers),
            retry_after: header_str(headers, "retry-after")
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
        }
    }
}

impl Http {
    pub fn new(settings: Settings) -> Result<Self> {
        let client = build_reqwest(&settings)?;
        Ok(Http {
            settings,
            client: ProcessLocal::with_value(client),
            last_rate_limit: Mutex::new(None),
        })
    }

    /// The rate limit of the most recent response (`None` if it carried no complete set).
    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        *self
            .last_rate_limit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The reqwest client for this process; rebuilt after `fork()`.
    fn reqwest(&self) -> Result<reqwest::Client> {
        self.client
            .get(|| build_reqwest(&self.settings), reqwest::Client::clone)
    }

    fn url(&self, request: &Request) -> Result<url::Url> {
        let text = format!("{}{}", self.settings.base_url, request.path);
        let mut url = url::Url::parse(&text)
            .map_err(|e| Error::invalid(format!("invalid request URL {text:?}: {e}")))?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.iter());
        }
        Ok(url)
    }

    /// The retry loop. Returns the first 2xx response, or the error of the last attempt.
    ///
    /// Traced as one `grantex.call` span per call (operation, method, path; the final status,
    /// request id and attempt count recorded on it) with a `debug` event when it ends and an
    /// `info` event per retry; the API key and bodies are never recorded.
    pub async fn send(&self, request: &Request) -> Result<Response> {
        use tracing::Instrument as _;
        let span = tracing::debug_span!(
            "grantex.call",
            op = request.op,
            method = %request.method,
            path = %request.path,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let outcome = self
            .send_traced(request, &span)
            .instrument(span.clone())
            .await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let _entered = span.enter();
        match &outcome {
            Ok(r) => {
                span.record("status", r.status);
                if let Some(id) = &r.request_id {
                    span.record("request_id", id.as_str());
                }
                tracing::debug!(status = r.status, elapsed_ms, "grantex call succeeded");
            }
            Err(e) => {
                if let Some(api) = e.as_api() {
                    span.record("status", api.status);
                    if let Some(id) = &api.request_id {
                        span.record("request_id", id.as_str());
                    }
                }
                tracing::debug!(error = e.code(), elapsed_ms, "grantex call failed");
            }
        }
        outcome
    }

    async fn send_traced(&self, request: &Request, span: &tracing::Span) -> Result<Response> {
        let url = self.url(request)?;
        let mut attempt: u32 = 0;
        loop {
            span.record("attempts", attempt + 1);
            let may_retry = request.retry && attempt < self.settings.max_retries;
            let delay = match self.attempt(&url, request).await {
                Ok(response) => {
                    *self
                        .last_rate_limit
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = response.rate_limit;
                    if (200..300).contains(&response.status) {
                        return Ok(response);
                    }
                    if !(may_retry && is_retryable_status(response.status)) {
                        return Err(api_error(response).into());
                    }
                    let delay = response
                        .retry_after
                        .unwrap_or_else(|| self.backoff(attempt));
                    tracing::info!(
                        attempt = attempt + 1,
                        status = response.status,
                        request_id = response.request_id.as_deref().unwrap_or(""),
                        delay_ms = delay.as_millis() as u64,
                        "grantex call retrying after a transient status"
                    );
                    delay
                }
                Err(e @ (Error::Network { .. } | Error::Timeout { .. })) if may_retry => {
                    let delay = self.backoff(attempt);
                    tracing::info!(
                        attempt = attempt + 1,
                        error = e.code(),
                        delay_ms = delay.as_millis() as u64,
                        "grantex call retrying after a transport failure"
                    );
                    delay
                }
                Err(e) => return Err(e),
            };
            // Dropping the future during this sleep cancels the call; nothing else is pending.
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Opens a streamed `GET` (Server-Sent Events): one attempt, the response head within the
    /// timeout; the caller reads the body with its own idle bound. A non-2xx answer is its API
    /// error (its body read up to 64 KiB).
    pub(crate) async fn open_stream(&self, request: &Request) -> Result<reqwest::Response> {
        let url = self.url(request)?;
        let client = self.reqwest()?;
        let mut builder = client
            .get(url.clone())
            .header(USER_AGENT, self.settings.user_agent.clone())
            .header(ACCEPT, HeaderValue::from_static("text/event-stream"));
        if let Some(auth) = &self.settings.authorization {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        let timeout = self.settings.timeout;
        let timed_out = || Error::Timeout {
            message: format!(
                "GET {} did not answer within {} ms",
                url.path(),
                timeout.as_millis()
            ),
        };
        let mut response = tokio::time::timeout(timeout, builder.send())
            .await
            .map_err(|_| timed_out())?
            .map_err(map_reqwest_error)?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(response);
        }
        let headers = response.headers().clone();
        let mut body = Vec::new();
        let read = async {
            while let Ok(Some(chunk)) = response.chunk().await {
                body.extend_from_slice(&chunk);
                if body.len() > 64 * 1024 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(timeout, read).await;
        Err(api_error(Response::read(status, &headers, body)).into())
    }

    fn backoff(&self, attempt: u32) -> Duration {
        backoff_delay(attempt, self.settings.retry_base, random_unit())
    }

    /// One attempt: send, read the whole body, all within the per-attempt timeout.
    async fn attempt(&self, url: &url::Url, request: &Request) -> Result<Response> {
        let client = self.reqwest()?;
        let mut builder = client
            .request(request.method.clone(), url.clone())
            .header(USER_AGENT, self.settings.user_agent.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(auth) = request
            .bearer
            .as_ref()
            .or(self.settings.authorization.as_ref())
        {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        if let Some(key) = &request.idempotency_key {
            builder = builder.header("Idempotency-Key", key.as_str());
        }
        if let Some(body) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone());
        }
        let exchange = async {
            let mut response = builder.send().await.map_err(map_reqwest_error)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(map_reqwest_error)? {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(Error::Decode {
                        message: format!("response body exceeds {} MiB", MAX_BODY_BYTES >> 20),
                        status,
                        request_id: header_str(&headers, "x-request-id").map(str::to_owned),
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, headers, body))
        };
        let timeout = self.settings.timeout;
        let (status, headers, body) = match tokio::time::timeout(timeout, exchange).await {
            Err(_) => {
                return Err(Error::Timeout {
                    message: format!(
                        "{} {} did not complete within {} ms",
                        request.method,
                        url.path(),
                        timeout.as_millis()
                    ),
                })
            }
            Ok(result) => result?,
        };
        Ok(Response::read(status, &headers, body))
    }
}

fn build_reqwest(settings: &Settings) -> Result<reqwest::Client> {
    http_client_builder()
        .connect_timeout(settings.timeout)
        .build()
        .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// 429 and the gateway-style 5xx are transient; a 500 is a server bug and is not retried.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// `min(base·2^attempt + jitter·base, 10 s)` with `jitter` in `[0, 1)`; `base` is 0.5 s in
/// production, so this is the documented `min(0.5 s·2^n + rand(0..0.5 s), 10 s)`.
pub(crate) fn backoff_delay(attempt: u32, base: Duration, jitter: f64) -> Duration {
    let exponential = base.saturating_mul(2u32.saturating_pow(attempt));
    let jitter = base.mul_f64(jitter.clamp(0.0, 1.0));
    exponential.saturating_add(jitter).min(BACKOFF_CAP)
}

/// A uniform random number in `[0, 1)` from the system CSPRNG (53 random mantissa bits).
fn random_unit() -> f64 {
    let mut bytes = [0u8; 8];
    // AWS-LC aborts rather than fail here; should it ever return an error, no jitter is used.
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        return 0.0;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` as delta-seconds or an HTTP-date, clamped to `[0, 120 s]`; `None` if it is
/// neither (the computed backoff is used then).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let delay = if let Ok(seconds) = value.parse::<i64>() {
        Duration::from_secs(seconds.max(0).unsigned_abs())
    } else if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        // More digits than fit in an i64: certainly above the cap.
        RETRY_AFTER_CAP
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(delay.min(RETRY_AFTER_CAP))
}

/// `X-RateLimit-Limit/Remaining/Reset` (+ optional integer `Retry-After`), only when all three
/// are present and parse as integers.
pub(crate) fn parse_rate_limit(headers: &HeaderMap) -> Option<RateLimit> {
    let int = |name: &str| header_str(headers, name).and_then(|v| v.parse::<u64>().ok());
    Some(RateLimit {
        limit: int("x-ratelimit-limit")?,
        remaining: int("x-ratelimit-remaining")?,
        reset: int("x-ratelimit-reset")?,
        retry_after: int("retry-after"),
    })
}

/// reqwest failures: timeouts stay timeouts, everything else is a network error whose message
/// carries the whole cause chain (reqwest's own message omits it).
fn map_reqwest_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        return Error::Timeout {
            message: error_chain(&e),
        };
    }
    Error::Network {
        message: error_chain(&e),
        source: Some(Box::new(e)),
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Map a non-2xx response to an [`ApiError`] (see the field docs for the precedence rules).
pub(crate) fn api_error(response: Response) -> ApiError {
    let status = response.status;
    let body = body_value(&response.body);
    let str_at = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let nested = body.get("error");
    let message = str_at(&body, "message")
        .or_else(|| nested.and_then(|e| str_at(e, "message")))
        .or_else(|| nested.and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {status}"));
    let code = str_at(&body, "code").or_else(|| nested.and_then(|e| str_at(e, "code")));
    let request_id = response.request_id.or_else(|| str_at(&body, "requestId"));
    ApiError {
        status,
        code,
        message,
        request_id,
        rate_limit: response.rate_limit,
        body,
    }
}

/// Parsed JSON, else the text as a JSON string, else `Null` for an empty body.
fn body_value(body: &[u8]) -> Value {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// Decode a 2xx body; anything that does not fit `T` is an [`Error::Decode`].
pub(crate) fn decode<T: DeserializeOwned>(response: Response) -> Result<T> {
    let decode_error = |message: String| Error::Decode {
        message,
        status: response.status,
        request_id: response.request_id.clone(),
    };
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Err(decode_error(format!(
            "expected a JSON body, got an empty HTTP {} response",
            response.status
        )));
    }
    serde_json::from_slice(&response.body).map_err(|e| decode_error(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_documented_formula() {
        let ms = Duration::from_millis;
        assert_eq!(backoff_delay(0, BACKOFF_BASE, 0.0), ms(500));
        assert_eq!(backoff_delay(1, BACKOFF_BASE, 0.0), ms(1000));
        assert_eq!(backoff_delay(2, BACKOFF_BASE, 0.0), ms(2000));
        assert_eq!(backoff_delay(3, BACKOFF_BASE, 0.0), ms(4000));
        assert_eq!(backoff_delay(0, BACKOFF_BASE, 0.5), ms(750));
        assert_eq!(
            backoff_delay(2, BACKOFF_BASE, 0.999),
            ms(2000) + ms(500).mul_f64(0.999)
        );
        // 0.5 s·2^5 = 16 s: capped.
        assert_eq!(backoff_delay(5, BACKOFF_BASE, 0.0), BACKOFF_CAP);
        assert_eq!(
            backoff_delay(4, BACKOFF_BASE, 0.9),
            BACKOFF_CAP.min(ms(8450))
        );
        assert_eq!(backoff_delay(u32::MAX, BACKOFF_BASE, 0.9), BACKOFF_CAP);
        // Out-of-range jitter is clamped rather than trusted.
        assert_eq!(backoff_delay(0, BACKOFF_BASE, 7.0), ms(1000));
    }

    #[test]
    fn random_jitter_stays_in_range() {
        for _ in 0..1000 {
            let x = random_unit();
            assert!((0.0..1.0).contains(&x), "{x}");
            let d = backoff_delay(1, BACKOFF_BASE, x);
            assert!(d >= Duration::from_millis(1000) && d < Duration::from_millis(1500));
        }
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-4", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("500", now), Some(RETRY_AFTER_CAP));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(RETRY_AFTER_CAP)
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(7)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        let far = httpdate::fmt_http_date(now + Duration::from_secs(3600));
        assert_eq!(parse_retry_after(&far, now), Some(RETRY_AFTER_CAP));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [400, 401, 404, 409, 500, 501, 505] {
            assert!(!is_retryable_status(s));
        }
    }

    fn response(status: u16, body: &str, request_id: Option<&str>) -> Response {
        Response {
            status,
            body: body.as_bytes().to_vec(),
            request_id: request_id.map(str::to_owned),
            rate_limit: None,
            retry_after: None,
        }
    }

    #[test]
    fn error_body_precedence() {
        let e = api_error(response(
            400,
            r#"{"message":"m","code":"C","requestId":"r1"}"#,
            None,
        ));
        assert_eq!((e.message.as_str(), e.code.as_deref()), ("m", Some("C")));
        assert_eq!(e.request_id.as_deref(), Some("r1"));
        let e = api_error(response(
            400,
            r#"{"message":"m","requestId":"r1"}"#,
            Some("hdr"),
        ));
        assert_eq!(e.request_id.as_deref(), Some("hdr"));
        let e = api_error(response(
            422,
            r#"{"error":{"message":"n","code":"N"}}"#,
            None,
        ));
        assert_eq!((e.message.as_str(), e.code.as_deref()), ("n", Some("N")));
        let e = api_error(response(
            404,
            r#"{"error":"Not Found","statusCode":404}"#,
            None,
        ));
        assert_eq!((e.message.as_str(), e.code), ("Not Found", None));
        let e = api_error(response(400, r#"{"message":5,"code":7}"#, None));
        assert_eq!((e.message.as_str(), e.code), ("HTTP 400", None));
        let e = api_error(response(502, "bad gateway", None));
        assert_eq!(e.message, "HTTP 502");
        assert_eq!(e.body, Value::String("bad gateway".into()));
        let e = api_error(response(500, "", None));
        assert_eq!(e.body, Value::Null);
        let e = api_error(response(500, "[1,2]", None));
        assert_eq!(
            (e.message.as_str(), e.body.clone()),
            ("HTTP 500", serde_json::json!([1, 2]))
        );
    }

    #[test]
    fn decode_failures_are_typed() {
        let r: Result<crate::types::Health> = decode(response(200, "<html>", Some("q")));
        match r {
            Err(Error::Decode {
                status: 200,
                request_id: Some(id),
                ..
            }) => assert_eq!(id, "q"),
            other => panic!("unexpected {other:?}"),
        }
        let r: Result<crate::types::Health> = decode(response(200, "  ", None));
        assert!(matches!(r, Err(Error::Decode { .. })));
        let r: Result<crate::types::Health> = decode(response(200, r#"{"status":"ok"}"#, None));
        assert_eq!(r.unwrap().status, "ok");
    }

    #[test]
    fn query_skips_nulls_and_rejects_nested_values() {
        let params = crate::types::ListGrantsParams {
            agent_id: Some("ag 1".into()),
            page: Some(2),
            ..Default::default()
        };
        let r = Request::new(Method::GET, "/v1/grants")
            .query(&params)
            .unwrap();
        assert_eq!(
            r.query,
            vec![
                ("agentId".to_string(), "ag 1".to_string()),
                ("page".into(), "2".into())
            ]
        );
        let bad = Request::new(Method::GET, "/x").query(&serde_json::json!({"a": [1]}));
        assert!(matches!(bad, Err(Error::InvalidArgument { .. })));
        let bad = Request::new(Method::GET, "/x").query(&5);
        assert!(matches!(bad, Err(Error::InvalidArgument { .. })));
    }
}
