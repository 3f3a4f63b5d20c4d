//! Observability against the real server: `GET /metrics` (404 unless a metrics token is
//! configured, 401 without it, the Prometheus text format, counters moving with a known sequence
//! of calls) and request logs (`--log-format json`: one JSON object per line with route, status
//! and request id; text by default).

mod common;

use common::*;
use grantex::types::{DelegateParams, Mode, PrincipalSessionParams};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

const TOKEN: &str = "metrics-Secret-0123456789";

/// One sample: metric name and its labels (sorted).
type Key = (String, BTreeMap<String, String>);

/// A strict parser of the Prometheus text exposition format 0.0.4, as much as the server emits:
/// `# HELP` / `# TYPE` lines, samples `name{l="v",...} value`, every sample of a declared
/// family (TYPE before its samples, `_bucket`/`_sum`/`_count` for histograms), no duplicates.
fn parse(text: &str) -> (HashMap<Key, f64>, HashMap<String, String>) {
    let mut samples = HashMap::new();
    let mut types: HashMap<String, String> = HashMap::new();
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    assert!(text.ends_with('\n'), "exposition ends with a newline");
    for (n, line) in text.lines().enumerate() {
        let at = || format!("line {}: {line:?}", n + 1);
        assert!(!line.is_empty(), "no empty lines: {}", at());
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name, val) = (parts.next().unwrap(), parts.next().unwrap(), parts.next());
            assert!(name_ok(name), "metric name {}", at());
            match kind {
                "HELP" => assert!(val.is_some_and(|h| !h.is_empty()), "help text {}", at()),
                "TYPE" => {
                    let t = val.unwrap();
                    assert!(
                        ["counter", "gauge", "histogram", "summary", "untyped"].contains(&t),
                        "{}",
                        at()
                    );
                    assert!(
                        types.insert(name.to_string(), t.to_string()).is_none(),
                        "one TYPE per family {}",
                        at()
                    );
                }
                _ => panic!("unknown comment {}", at()),
            }
            continue;
        }
        // name, optional {labels}, value.
        let (name, rest) = match line.find(['{', ' ']) {
            Some(i) => line.split_at(i),
            None => panic!("no value {}", at()),
        };
        assert!(name_ok(name), "sample name {}", at());
        let mut labels = BTreeMap::new();
        let rest = if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices().peekable();
            let end;
            loop {
                // label name
                let start = chars.peek().expect("label").0;
                let mut lname_end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if c == '=' {
                        lname_end = i;
                        break;
                    }
                    assert!(
                        c.is_ascii_alphanumeric() || c == '_',
                        "label name char {}",
                        at()
                    );
                    chars.next();
                }
                let lname = &body[start..lname_end];
                assert!(!lname.is_empty(), "label name {}", at());
                assert_eq!(chars.next().map(|x| x.1), Some('='), "{}", at());
                assert_eq!(
                    chars.next().map(|x| x.1),
                    Some('"'),
                    "quoted value {}",
                    at()
                );
                let mut v = String::new();
                loop {
                    match chars.next().expect("unterminated label value").1 {
                        '\\' => match chars.next().expect("escape").1 {
                            'n' => v.push('\n'),
                            '\\' => v.push('\\'),
                            '"' => v.push('"'),
                            c => panic!("bad escape \\{c} {}", at()),
                        },
                        '"' => break,
                        '\n' => panic!("raw newline {}", at()),
                        c => v.push(c),
                    }
                }
                assert!(
                    labels.insert(lname.to_string(), v).is_none(),
                    "duplicate label {}",
                    at()
                );
                match chars.next().expect("',' or '}'") {
                    (_, ',') => continue,
                    (i, '}') => {
                        end = i;
                        break;
                    }
                    (_, c) => panic!("unexpected {c:?} {}", at()),
                }
            }
            &body[end + 1..]
        } else {
            rest
        };
        let value = rest
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("one space before the value {}", at()));
        assert!(!value.contains(' '), "no timestamps {}", at());
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("number {}", at())),
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).map(String::as_str) == Some("histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "TYPE before samples {}", at());
        if types[family] == "counter" {
            assert!(
                value >= 0.0 && value.fract() == 0.0,
                "counter value {}",
                at()
            );
        }
        assert!(
            samples.insert((name.to_string(), labels), value).is_none(),
            "duplicate sample {}",
            at()
        );
    }
    (samples, types)
}

fn get(samples: &HashMap<Key, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let key = (
        name.to_string(),
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    samples.get(&key).copied().unwrap_or(0.0)
}

/// Every histogram series: cumulative buckets, `+Inf` = `_count` = the requests counter.
fn check_histograms(samples: &HashMap<Key, f64>) -> usize {
    let mut series = 0;
    for ((name, labels), count) in samples {
        if name != "grantex_http_request_duration_seconds_count" {
            continue;
        }
        series += 1;
        let mut buckets: Vec<(f64, f64)> = samples
            .iter()
            .filter(|((n, l), _)| {
                n == "grantex_http_request_duration_seconds_bucket"
                    && l.iter().filter(|(k, _)| *k != "le").eq(labels.iter())
            })
            .map(|((_, l), v)| {
                let le = &l["le"];
                (
                    if le == "+Inf" {
                        f64::INFINITY
                    } else {
                        le.parse().unwrap()
                    },
                    *v,
                )
            })
            .collect();
        buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        assert!(buckets.len() > 1, "buckets for {labels:?}");
        assert!(
            buckets.windows(2).all(|w| w[0].1 <= w[1].1),
            "cumulative: {buckets:?}"
        );
        assert_eq!(
            buckets.last().unwrap(),
            &(f64::INFINITY, *count),
            "{labels:?}"
        );
        let key = ("grantex_http_requests_total".to_string(), labels.clone());
        assert_eq!(
            samples.get(&key),
            Some(count),
            "requests_total = histogram count for {labels:?}"
        );
        let sum_key = (
            "grantex_http_request_duration_seconds_sum".to_string(),
            labels.clone(),
        );
        assert!(samples[&sum_key] >= 0.0);
    }
    series
}

async fn scrape(api: &Api) -> HashMap<Key, f64> {
    let r = api.get("/metrics").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let (samples, types) = parse(&r.text);
    assert_eq!(types["grantex_http_requests_total"], "counter");
    assert_eq!(types["grantex_http_request_duration_seconds"], "histogram");
    assert_eq!(types["grantex_tokens_issued_total"], "counter");
    assert_eq!(types["grantex_db_connections_in_use"], "gauge");
    check_histograms(&samples);
    samples
}

async fn server_with(metrics_token: Option<&str>) -> (grantex_server::RunningServer, TempDir) {
    let dir = TempDir::new("observability");
    let server = grantex_server::start(grantex_server::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: database_url_for(dir.path()),
        metrics_token: metrics_token.map(str::to_string),
        ..Default::default()
    })
    .await
    .expect("server starts");
    (server, dir)
}

fn server_ref(s: &grantex_server::RunningServer) -> ServerRef {
    let i = &s.info;
    ServerRef {
        base_url: i.base_url.clone(),
        api_key: i.api_key.clone(),
        sandbox_api_key: i.sandbox_api_key.clone(),
        jwks_uri: i.jwks_uri.clone(),
        issuer: i.issuer.clone(),
    }
}

#[tokio::test]
async fn metrics_are_not_exposed_without_a_token() {
    let (server, _dir) = server_with(None).await;
    let base = &server.info.base_url;
    for key in [None, Some(TOKEN), Some(server.info.api_key.as_str())] {
        let r = Api::new(base, key).get("/metrics").await;
        assert_envelope(&r, 404, "NOT_FOUND");
        assert_eq!(r.body["message"], "Route GET:/metrics not found");
    }
}

#[tokio::test]
async fn metrics_need_their_bearer_token_and_count_what_happens() {
    let (server, _dir) = server_with(Some(TOKEN)).await;
    let sref = server_ref(&server);
    let base = sref.base_url.as_str();

    // Without, with a wrong token, with the developer's API key: 401 in the envelope.
    for key in [
        None,
        Some("wrong"),
        Some(&TOKEN[..TOKEN.len() - 1]),
        Some(sref.api_key.as_str()),
    ] {
        let r = Api::new(base, key).get("/metrics").await;
        assert_envelope(&r, 401, "UNAUTHORIZED");
        assert!(r.header("www-authenticate").is_some());
    }
    let metrics = Api::new(base, Some(TOKEN));
    let before = scrape(&metrics).await;
    assert!(check_histograms(&before) > 0, "the 401s are in a series");
    assert_eq!(
        get(
            &before,
            "grantex_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    // The 401s above are counted under their route template.
    assert_eq!(
        get(
            &before,
            "grantex_http_requests_total",
            &[("method", "GET"), ("route", "/metrics"), ("status", "401")]
        ),
        4.0
    );
    let size = get(&before, "grantex_db_connections", &[]);
    assert!(size >= 1.0, "pool size {size}");
    assert!(get(&before, "grantex_db_connections_in_use", &[]) <= size);

    // A known sequence: 2 exchanges, 1 revoke, a valid and an invalid online token verify,
    // a refresh, an invalid grant verify (400), one unknown route.
    let (c, dev) = developer(&sref, Mode::Sandbox).await;
    let a = agent(&c, "obs", &["files:read"]).await;
    let t1 = grant(&c, &a.agent_id, "user-1", &["files:read"]).await;
    let t2 = grant(&c, &a.agent_id, "user-2", &["files:read"]).await;
    c.tokens().revoke(&jti(&t1.grant_token)).await.unwrap();
    assert!(c.tokens().verify(&t2.grant_token).await.unwrap().valid);
    assert!(!c.tokens().verify(&t1.grant_token).await.unwrap().valid);
    let api = Api::new(base, Some(&dev.api_key));
    let r = api
        .post(
            "/v1/token/refresh",
            json!({"refreshToken": t2.refresh_token, "agentId": a.agent_id}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = api
        .post("/v1/grants/verify", json!({"token": "not.a.token"}))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = api.get("/no/such/route/12345").await;
    assert_eq!(r.status, 404);

    let after = scrape(&metrics).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        get(&after, name, labels) - get(&before, name, labels)
    };
    assert_eq!(
        delta(
            "grantex_tokens_issued_total",
            &[("grant_type", "authorization_code")]
        ),
        2.0
    );
    assert_eq!(
        delta(
            "grantex_tokens_issued_total",
            &[("grant_type", "delegation")]
        ),
        0.0
    );
    assert_eq!(delta("grantex_tokens_refreshed_total", &[]), 1.0);
    assert_eq!(
        delta("grantex_revocations_total", &[("kind", "token")]),
        1.0
    );
    assert_eq!(
        delta("grantex_revocations_total", &[("kind", "grant")]),
        0.0
    );
    assert_eq!(
        delta(
            "grantex_verifications_total",
            &[("endpoint", "token"), ("outcome", "valid")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            "grantex_verifications_total",
            &[("endpoint", "token"), ("outcome", "invalid")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            "grantex_verifications_total",
            &[("endpoint", "grant"), ("outcome", "invalid")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            "grantex_verifications_total",
            &[("endpoint", "grant"), ("outcome", "valid")]
        ),
        0.0
    );
    let req = |m: &str, route: &str, status: &str| {
        delta(
            "grantex_http_requests_total",
            &[("method", m), ("route", route), ("status", status)],
        )
    };
    assert_eq!(req("POST", "/v1/token", "201"), 2.0);
    assert_eq!(req("POST", "/v1/tokens/revoke", "204"), 1.0);
    assert_eq!(req("POST", "/v1/tokens/verify", "200"), 2.0);
    assert_eq!(req("POST", "/v1/token/refresh", "201"), 1.0);
    assert_eq!(req("POST", "/v1/grants/verify", "400"), 1.0);
    assert_eq!(req("GET", "unmatched", "404"), 1.0);
    // The first scrape itself was counted before the second rendered.
    assert_eq!(req("GET", "/metrics", "200"), 1.0);
    // Route templates, never raw paths.
    assert!(after
        .keys()
        .filter_map(|(_, l)| l.get("route"))
        .all(|r| r == "unmatched" || !r.contains("12345")));

    // Revocations by kind, and the delegated grants revoked with them: a grant with a child
    // and a grandchild revoked by the developer (2 cascaded), then one revoked by its end user
    // through a principal session (a child: 1 cascaded).
    let before = scrape(&metrics).await;
    let sub = agent(&c, "obs-sub", &["files:read"]).await;
    let delegate = |token: String| {
        let (c, sub) = (c.clone(), sub.agent_id.clone());
        async move {
            c.grants()
                .delegate(&DelegateParams {
                    parent_grant_token: token,
                    sub_agent_id: sub,
                    scopes: strings(&["files:read"]),
                    expires_in: None,
                })
                .await
                .unwrap()
        }
    };
    let t3 = grant(&c, &a.agent_id, "user-3", &["files:read"]).await;
    let child = delegate(t3.grant_token.clone()).await;
    delegate(child.grant_token.clone()).await;
    c.grants().revoke(&t3.grant_id).await.unwrap();
    let t4 = grant(&c, &a.agent_id, "user-4", &["files:read"]).await;
    delegate(t4.grant_token.clone()).await;
    let session = c
        .principal_sessions()
        .create(&PrincipalSessionParams {
            principal_id: "user-4".into(),
            expires_in: None,
        })
        .await
        .unwrap()
        .session_token;
    let r = Api::new(base, Some(&session))
        .call(
            "DELETE",
            &format!("/v1/principal/grants/{}", t4.grant_id),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let after = scrape(&metrics).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        get(&after, name, labels) - get(&before, name, labels)
    };
    for (kind, n) in [("token", 0.0), ("grant", 1.0), ("principal", 1.0)] {
        assert_eq!(
            delta("grantex_revocations_total", &[("kind", kind)]),
            n,
            "{kind}"
        );
    }
    assert_eq!(delta("grantex_revocations_cascaded_total", &[]), 3.0);
    assert_eq!(
        delta(
            "grantex_tokens_issued_total",
            &[("grant_type", "delegation")]
        ),
        3.0
    );

    // Another server in this process counts for itself.
    let (other, _d2) = server_with(Some(TOKEN)).await;
    let s = scrape(&Api::new(&other.info.base_url, Some(TOKEN))).await;
    assert_eq!(
        get(
            &s,
            "grantex_tokens_issued_total",
            &[("grant_type", "authorization_code")]
        ),
        0.0
    );
}

fn request_lines(out: &str) -> Vec<Value> {
    out.lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .filter(|v| v["message"] == "request completed")
        .collect()
}

#[tokio::test]
async fn json_logs_carry_route_status_request_id_and_developer() {
    let dir = TempDir::new("obs-json");
    // The metrics token from the environment (GRANTEX_METRICS_TOKEN).
    let s = ChildServer::start(
        dir.path(),
        &["--log-format", "json"],
        &[("GRANTEX_METRICS_TOKEN", TOKEN)],
    );
    let scraped = scrape(&Api::new(&s.info.base_url, Some(TOKEN))).await;
    assert!(get(&scraped, "grantex_db_connections", &[]) >= 1.0);
    let api = Api::new(&s.info.base_url, Some(&s.info.api_key));
    let me = api.get("/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    let dev_id = me.body["developerId"]
        .as_str()
        .or(me.body["id"].as_str())
        .unwrap_or_default()
        .to_string();
    let missing = api.get("/v1/agents/ag_doesnotexist").await;
    assert_eq!(missing.status, 404);
    let health = Api::new(&s.info.base_url, None).get("/health").await;

    // The banner stays on stdout as plain lines.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let lines = loop {
        let lines = request_lines(&s.output());
        if lines.len() >= 3 || std::time::Instant::now() > deadline {
            break lines;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let out = s.output();
    assert!(out.contains("listening on http://"), "{out}");
    assert!(!out.contains(TOKEN), "the metrics token is never logged");
    assert!(
        !out.contains(&s.info.api_key),
        "the API key is never logged"
    );
    for l in out.lines().filter(|l| !l.starts_with('{')) {
        assert!(
            !l.contains("request completed"),
            "a request line that is not JSON: {l}"
        );
    }
    let find = |rid: &str| -> &Value {
        lines
            .iter()
            .find(|v| v["request_id"] == rid)
            .unwrap_or_else(|| panic!("no log line for {rid}:\n{out}"))
    };
    let l = find(me.header("x-request-id").unwrap());
    assert_eq!(l["route"], "/v1/me");
    assert_eq!(l["status"], 200);
    assert_eq!(l["method"], "GET");
    assert_eq!(l["level"], "INFO");
    assert!(l["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{l}");
    assert_eq!(l["span"]["name"], "request");
    if !dev_id.is_empty() {
        assert_eq!(l["span"]["developer_id"], dev_id.as_str(), "{l}");
    } else {
        assert!(
            l["span"]["developer_id"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{l}"
        );
    }
    let l = find(missing.header("x-request-id").unwrap());
    assert_eq!(l["route"], "/v1/agents/{id}", "template, not the raw path");
    assert_eq!(l["status"], 404);
    let l = find(health.header("x-request-id").unwrap());
    assert_eq!(l["route"], "/health");
    assert!(
        l["span"].get("developer_id").is_none(),
        "no developer on a public route: {l}"
    );
    drop(s);
}

#[tokio::test]
async fn text_logs_by_default() {
    let dir = TempDir::new("obs-text");
    let s = ChildServer::start(dir.path(), &[], &[]);
    let r = Api::new(&s.info.base_url, None).get("/health").await;
    let rid = r.header("x-request-id").unwrap().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let out = s.output();
        if let Some(line) = out
            .lines()
            .find(|l| l.contains(&rid) && l.contains("request completed"))
        {
            assert!(line.contains("route=/health"), "{line}");
            assert!(line.contains("status=200"), "{line}");
            assert!(!line.starts_with('{'), "{line}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no text request line:\n{out}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
