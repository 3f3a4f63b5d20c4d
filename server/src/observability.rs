//! Logs and metrics.
//!
//! Logs: `tracing`, one `request` span per HTTP request (see `middleware::common`) and a
//! `request completed` event with its latency; text or JSON lines on stderr ([`init_logging`],
//! installed by the binary only — the library never sets a global subscriber). With
//! `--otlp-endpoint` ([`init_telemetry`]) the same spans are also exported as OpenTelemetry
//! traces over OTLP/HTTP protobuf: batched on the SDK's own thread (a request never waits for
//! the exporter), flushed by [`Telemetry::shutdown`].
//!
//! Metrics: per-server counters kept in [`AppState`](crate::state::AppState) (several servers in
//! one process, as in the tests, each report their own numbers), rendered on `GET /metrics` in
//! the Prometheus text exposition format 0.0.4. Business counters are bumped by the routes after
//! their transaction committed, so a rolled-back or retried transaction is never counted.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The OpenTelemetry service name of the exported spans.
pub const OTLP_SERVICE_NAME: &str = "grantex-server";

/// Whether an OTLP exporter is installed (the request middleware adds the OpenTelemetry HTTP
/// attributes only then).
static OTLP_ON: AtomicBool = AtomicBool::new(false);

/// What [`init_telemetry`] installed; [`Telemetry::shutdown`] flushes the exporter.
#[derive(Debug, Default)]
pub struct Telemetry {
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Telemetry {
    /// Exports the spans still queued (at most `timeout`) and stops the exporter's thread.
    /// Call it outside the async runtime (it blocks).
    pub fn shutdown(self, timeout: Duration) -> Result<(), String> {
        match self.provider {
            None => Ok(()),
            Some(p) => {
                OTLP_ON.store(false, Relaxed);
                p.shutdown_with_timeout(timeout)
                    .map_err(|e| format!("OTLP export shutdown: {e}"))
            }
        }
    }
}

/// The OTLP/HTTP traces URL for `--otlp-endpoint`: a collector's base URL
/// (`http://collector:4318`) gets `/v1/traces` appended, as `OTEL_EXPORTER_OTLP_ENDPOINT` does; a
/// URL already ending in `/v1/traces` is used as it is.
pub fn otlp_traces_url(endpoint: &str) -> Result<String, String> {
    let url =
        url::Url::parse(endpoint).map_err(|e| format!("--otlp-endpoint {endpoint:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("--otlp-endpoint {endpoint:?}: not an http(s) URL"));
    }
    let base = endpoint.trim_end_matches('/');
    Ok(if base.ends_with("/v1/traces") {
        base.to_string()
    } else {
        format!("{base}/v1/traces")
    })
}

/// Adds the OpenTelemetry HTTP server attributes to a request span once its answer is known
/// (a no-op unless an OTLP exporter is installed; the log lines keep their own fields).
pub(crate) fn otel_request_attributes(
    span: &tracing::Span,
    method: &Method,
    route: &str,
    status: u16,
) {
    if !OTLP_ON.load(Relaxed) {
        return;
    }
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    span.set_attribute("http.request.method", method.as_str().to_string());
    span.set_attribute("http.route", route.to_string());
    span.set_attribute("http.response.status_code", i64::from(status));
    if status >= 500 {
        span.set_status(opentelemetry::trace::Status::error(format!(
            "HTTP {status}"
        )));
    }
}

/// Installs the process-wide log subscriber ([`init_logging`]) and, with `otlp_endpoint`, an
/// OpenTelemetry layer exporting every `info` span (one `request` span per HTTP request, its
/// events as span events) over OTLP/HTTP protobuf to `<endpoint>/v1/traces`, service name
/// `grantex-server`. The log `filter` applies to the log lines only.
pub fn init_telemetry(
    format: LogFormat,
    filter: &str,
    otlp_endpoint: Option<&str>,
) -> Result<Telemetry, String> {
    let Some(endpoint) = otlp_endpoint else {
        init_logging(format, filter)?;
        return Ok(Telemetry::default());
    };
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::WithExportConfig as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{filter::LevelFilter, EnvFilter, Layer as _};

    let url = otlp_traces_url(endpoint)?;
    let env_filter =
        EnvFilter::try_new(filter).map_err(|e| format!("--log-level {filter:?}: {e}"))?;
    // Built outside any async runtime (the blocking client owns one of its own).
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(url)
        .with_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("--otlp-endpoint: {e}"))?;
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(OTLP_SERVICE_NAME)
                .build(),
        )
        .build();
    let tracer = provider.tracer(OTLP_SERVICE_NAME);
    let otel = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_location(false)
        .with_filter(LevelFilter::INFO);
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(true);
    type Boxed = Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync>;
    let fmt: Boxed = match format {
        LogFormat::Text => Box::new(fmt.with_ansi(false)),
        LogFormat::Json => Box::new(
            fmt.json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false),
        ),
    };
    tracing_subscriber::registry()
        .with(fmt.with_filter(env_filter))
        .with(otel)
        .try_init()
        .map_err(|e| format!("logging: {e}"))?;
    OTLP_ON.store(true, Relaxed);
    Ok(Telemetry {
        provider: Some(provider),
    })
}

/// Installs the process-wide log subscriber: `filter` is an `EnvFilter` directive
/// (`info`, `grantex_server=debug,warn`, …), output on stderr.
pub fn init_logging(format: LogFormat, filter: &str) -> Result<(), String> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(filter).map_err(|e| format!("--log-level {filter:?}: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true);
    let res = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    res.map_err(|e| format!("logging: {e}"))
}

/// Upper bounds (seconds) of the request latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default)]
struct Latency {
    count: u64,
    sum: f64,
    /// Non-cumulative: `per_bucket[i]` counts observations in `(BUCKETS[i-1], BUCKETS[i]]`.
    per_bucket: [u64; BUCKETS.len()],
}

/// What kind of token was minted.
#[derive(Debug, Clone, Copy)]
pub enum Issued {
    /// `POST /v1/token` (authorization code exchange).
    AuthorizationCode,
    /// `POST /v1/grants/delegate`.
    Delegation,
}

/// What a developer revoked.
#[derive(Debug, Clone, Copy)]
pub enum Revoked {
    /// `POST /v1/tokens/revoke`.
    Token,
    /// `DELETE /v1/grants/{id}`.
    Grant,
    /// `DELETE /v1/principal/grants/{id}` (the end user).
    Principal,
}

/// Which verify endpoint answered.
#[derive(Debug, Clone, Copy)]
pub enum Verify {
    /// `POST /v1/tokens/verify`.
    Token,
    /// `POST /v1/grants/verify`.
    Grant,
}

/// One server's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    http: Mutex<BTreeMap<(&'static str, String, u16), Latency>>,
    issued_code: AtomicU64,
    issued_delegation: AtomicU64,
    refreshed: AtomicU64,
    revoked_token: AtomicU64,
    revoked_grant: AtomicU64,
    revoked_principal: AtomicU64,
    /// Grants revoked with a revoked token or grant (its delegated descendants).
    revoked_cascaded: AtomicU64,
    /// token valid, token invalid, grant valid, grant invalid.
    verifications: [AtomicU64; 4],
}

/// The method as a bounded label (extension methods collapse to `OTHER`).
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn float(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".into()
    } else {
        format!("{v}")
    }
}

impl Metrics {
    /// Counts a finished request. `route` is the route template (`/v1/grants/{id}`) or
    /// `unmatched`, never the raw path, so the label set stays bounded.
    pub fn observe_request(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut http = self.http.lock().unwrap_or_else(|e| e.into_inner());
        let l = http
            .entry((method_label(method), route.to_string(), status))
            .or_default();
        l.count += 1;
        l.sum += secs;
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            l.per_bucket[i] += 1;
        }
    }

    pub fn issued(&self, kind: Issued) {
        match kind {
            Issued::AuthorizationCode => &self.issued_code,
            Issued::Delegation => &self.issued_delegation,
        }
        .fetch_add(1, Relaxed);
    }

    pub fn refreshed(&self) {
        self.refreshed.fetch_add(1, Relaxed);
    }

    /// Counts one revocation and the `cascaded` delegated grants revoked with it.
    pub fn revoked(&self, kind: Revoked, cascaded: usize) {
        match kind {
            Revoked::Token => &self.revoked_token,
            Revoked::Grant => &self.revoked_grant,
            Revoked::Principal => &self.revoked_principal,
        }
        .fetch_add(1, Relaxed);
        self.revoked_cascaded.fetch_add(cascaded as u64, Relaxed);
    }

    pub fn verification(&self, endpoint: Verify, valid: bool) {
        let i = match endpoint {
            Verify::Token => 0,
            Verify::Grant => 2,
        } + usize::from(!valid);
        self.verifications[i].fetch_add(1, Relaxed);
    }

    /// The Prometheus text exposition (format 0.0.4). `db` is (connections in use, pool size).
    pub fn render(&self, db: Option<(usize, usize)>) -> String {
        let mut o = String::new();
        let c = |v: &AtomicU64| v.load(Relaxed);
        let _ = writeln!(
            o,
            "# HELP grantex_build_info The running grantex-server version.\n\
             # TYPE grantex_build_info gauge\n\
             grantex_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        {
            let http = self.http.lock().unwrap_or_else(|e| e.into_inner());
            o.push_str(
                "# HELP grantex_http_requests_total HTTP requests answered, by method, route template and status.\n\
                 # TYPE grantex_http_requests_total counter\n",
            );
            for ((m, route, status), l) in http.iter() {
                let _ = writeln!(
                    o,
                    "grantex_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{status}\"}} {}",
                    escape(route),
                    l.count
                );
            }
            o.push_str(
                "# HELP grantex_http_request_duration_seconds Time from the request head to the response head.\n\
                 # TYPE grantex_http_request_duration_seconds histogram\n",
            );
            for ((m, route, status), l) in http.iter() {
                let labels = format!(
                    "method=\"{m}\",route=\"{}\",status=\"{status}\"",
                    escape(route)
                );
                let mut cum = 0;
                for (i, b) in BUCKETS.iter().enumerate() {
                    cum += l.per_bucket[i];
                    let _ = writeln!(
                        o,
                        "grantex_http_request_duration_seconds_bucket{{{labels},le=\"{}\"}} {cum}",
                        float(*b)
                    );
                }
                let _ = writeln!(
                    o,
                    "grantex_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n\
                     grantex_http_request_duration_seconds_sum{{{labels}}} {}\n\
                     grantex_http_request_duration_seconds_count{{{labels}}} {}",
                    l.count,
                    float(l.sum),
                    l.count
                );
            }
        }
        let _ = writeln!(
            o,
            "# HELP grantex_tokens_issued_total Grant tokens issued, by how.\n\
             # TYPE grantex_tokens_issued_total counter\n\
             grantex_tokens_issued_total{{grant_type=\"authorization_code\"}} {}\n\
             grantex_tokens_issued_total{{grant_type=\"delegation\"}} {}\n\
             # HELP grantex_tokens_refreshed_total Grant tokens issued by a refresh.\n\
             # TYPE grantex_tokens_refreshed_total counter\n\
             grantex_tokens_refreshed_total {}\n\
             # HELP grantex_revocations_total Revocations a developer or an end user asked for (a revoked grant's descendants not counted).\n\
             # TYPE grantex_revocations_total counter\n\
             grantex_revocations_total{{kind=\"token\"}} {}\n\
             grantex_revocations_total{{kind=\"grant\"}} {}\n\
             grantex_revocations_total{{kind=\"principal\"}} {}\n\
             # HELP grantex_revocations_cascaded_total Delegated grants revoked with a revoked token or grant.\n\
             # TYPE grantex_revocations_cascaded_total counter\n\
             grantex_revocations_cascaded_total {}\n\
             # HELP grantex_verifications_total Online verifications, by endpoint and outcome.\n\
             # TYPE grantex_verifications_total counter\n\
             grantex_verifications_total{{endpoint=\"token\",outcome=\"valid\"}} {}\n\
             grantex_verifications_total{{endpoint=\"token\",outcome=\"invalid\"}} {}\n\
             grantex_verifications_total{{endpoint=\"grant\",outcome=\"valid\"}} {}\n\
             grantex_verifications_total{{endpoint=\"grant\",outcome=\"invalid\"}} {}",
            c(&self.issued_code),
            c(&self.issued_delegation),
            c(&self.refreshed),
            c(&self.revoked_token),
            c(&self.revoked_grant),
            c(&self.revoked_principal),
            c(&self.revoked_cascaded),
            c(&self.verifications[0]),
            c(&self.verifications[1]),
            c(&self.verifications[2]),
            c(&self.verifications[3]),
        );
        if let Some((in_use, size)) = db {
            let _ = writeln!(
                o,
                "# HELP grantex_db_connections_in_use Database connections busy at scrape time.\n\
                 # TYPE grantex_db_connections_in_use gauge\n\
                 grantex_db_connections_in_use {in_use}\n\
                 # HELP grantex_db_connections Database connections in the pool.\n\
                 # TYPE grantex_db_connections gauge\n\
                 grantex_db_connections {size}"
            );
        }
        o
    }
}

/// Constant-time comparison of the presented bearer token with the configured one.
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let Some(got) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return false;
    };
    let (a, b) = (got.trim().as_bytes(), expected.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, x) in b.iter().enumerate() {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ x);
    }
    diff == 0
}

/// `GET /metrics`: 404 unless `--metrics-token` is set; then 401 without that bearer token.
pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.settings.metrics_token.as_deref() else {
        return ApiError::not_found("Route GET:/metrics not found").into_response();
    };
    if !bearer_matches(&headers, token) {
        return ApiError::unauthorized("A valid metrics bearer token is required")
            .with_header(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"metrics\""),
            )
            .into_response();
    }
    let body = state.metrics.render(state.db.connections_in_use());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}
