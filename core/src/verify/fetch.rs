//! Bounded JWKS fetch: one 5 s deadline for the whole exchange, HTTP 200 only, no redirects,
//! a JSON content type, no content encoding, at most 64 KiB read (streamed, stopped early).

use crate::error::{TokenError, TokenErrorCode};
use crate::process_local::{http_client_builder, ProcessLocal};
use std::time::Duration;

/// Deadline for connect + request + full body.
pub(crate) const FETCH_DEADLINE: Duration = Duration::from_secs(5);
/// Largest body accepted.
pub(crate) const MAX_BODY: usize = 64 * 1024;

fn fetch_error(msg: impl Into<String>) -> TokenError {
    TokenError::new(TokenErrorCode::JwksFetch, msg)
}

/// The HTTP client for key-set fetches, separate from the API client (no redirects, no retries).
///
/// Fetches are rare (TTL 10 min, refetch cooldown 30 s), so idle connections are not pooled: a
/// pooled connection belongs to the tokio runtime that opened it, and callers come from several
/// runtimes (the blocking facade, napi, `#[tokio::test]`). The client is rebuilt after `fork()`.
static CLIENT: ProcessLocal<reqwest::Client> = ProcessLocal::new();

/// Drops the fetch client and its connections (see [`crate::blocking::shutdown`]).
pub(crate) fn clear_client() {
    CLIENT.take();
}

fn client() -> Result<reqwest::Client, TokenError> {
    CLIENT.get(
        || {
            http_client_builder()
                .timeout(FETCH_DEADLINE)
                .pool_max_idle_per_host(0)
                .user_agent(crate::client::default_user_agent())
                .build()
                .map_err(|e| fetch_error(format!("cannot build the JWKS HTTP client: {e}")))
        },
        reqwest::Client::clone,
    )
}

/// Fetches the key-set document at `uri` within the bounds above.
pub(crate) async fn fetch(uri: &str) -> Result<String, TokenError> {
    match tokio::time::timeout(FETCH_DEADLINE, fetch_inner(uri)).await {
        Ok(r) => r,
        Err(_) => Err(fetch_error(format!(
            "fetching the JWKS from {uri} took longer than 5 s"
        ))),
    }
}

async fn fetch_inner(uri: &str) -> Result<String, TokenError> {
    let mut resp = client()?
        .get(uri)
        .header(
            reqwest::header::ACCEPT,
            "application/jwk-set+json, application/json",
        )
        .send()
        .await
        .map_err(|e| fetch_error(format!("fetching the JWKS from {uri} failed: {e}")))?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(fetch_error(format!(
            "JWKS endpoint {uri} answered HTTP {status}"
        )));
    }
    let headers = resp.headers();
    let ctype = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !matches!(
        ctype.as_deref(),
        Some("application/json" | "application/jwk-set+json")
    ) {
        return Err(fetch_error(format!(
            "JWKS endpoint {uri} did not answer with a JSON content type"
        )));
    }
    if let Some(enc) = headers.get(reqwest::header::CONTENT_ENCODING) {
        if !enc.as_bytes().eq_ignore_ascii_case(b"identity") {
            return Err(fetch_error(format!(
                "JWKS endpoint {uri} answered with a content encoding"
            )));
        }
    }
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(fetch_error(format!(
            "JWKS from {uri} is larger than 64 KiB"
        )));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| fetch_error(format!("reading the JWKS from {uri} failed: {e}")))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(fetch_error(format!(
                "JWKS from {uri} is larger than 64 KiB"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body)
        .map_err(|_| TokenError::new(TokenErrorCode::InvalidJwks, "JWKS is not UTF-8"))
}
