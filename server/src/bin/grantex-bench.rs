//! `grantex-bench` — load test of a throwaway local grantex-server (run it via `scripts/bench-server`).
//!
//! Starts `grantex-server` on a free loopback port with a temporary data dir and a very high rate
//! limit, then runs N concurrent clients (the core `grantex::Client`) for a bounded time per phase:
//!   1. authorize → consent approve → token exchange (one "flow" = 3 requests, live developer);
//!   2. online verify (`POST /v1/tokens/verify`) of tokens from phase 1.
//!
//!   3. authorize alone for two developers at once, each client alternating: one without
//!      policies, one with `--policies N` (100) in force — native ones and a tenth in Cedar,
//!      none matching — reporting the p50 overhead of policies (issue 15: target ≤ 10%).
//!      `--policies 0` skips it.
//!
//! Prints throughput and p50/p99 latency per phase. With `--database-url` the servers keep their
//! data in PostgreSQL; `--instances 2` starts two servers on that database (sharing one key ring
//! through a key-encryption key, and rate limits through `--redis-url` if given) and spreads the
//! clients over them. The last line is machine-readable: `RESULT flow_ops_s=… verify_ops_s=…
//! verify_p50_ms=…`.

use grantex::types::{AuthorizeParams, ExchangeTokenParams, RegisterAgentParams};
use grantex::{Client, ClientConfig};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Opts {
    clients: usize,
    duration: Duration,
    server_bin: PathBuf,
    database_url: Option<String>,
    redis_url: Option<String>,
    instances: usize,
    policies: usize,
    idle_subscribers: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: grantex-bench [--clients N (16)] [--duration SECONDS (10)] [--server-bin PATH]\n\
         \x20      [--database-url postgres://… [--instances 1|2] [--redis-url redis://…]]\n\
         \x20      [--policies N (100; 0 skips the policy phase)]\n\
         \x20      [--idle-subscribers N (100; 0 skips the event-stream phase)]\n\
         Starts grantex-server on 127.0.0.1 with a throwaway data dir and benchmarks it."
    );
    std::process::exit(2)
}

fn parse_opts() -> Opts {
    let mut o = Opts {
        clients: 16,
        duration: Duration::from_secs(10),
        server_bin: std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("grantex-server")))
            .unwrap_or_else(|| PathBuf::from("grantex-server")),
        database_url: None,
        redis_url: None,
        instances: 1,
        policies: 100,
        idle_subscribers: 100,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--clients" => {
                o.clients = val()
                    .parse()
                    .ok()
                    .filter(|n| (1..=1024).contains(n))
                    .unwrap_or_else(|| usage())
            }
            "--duration" => {
                let secs: u64 = val()
                    .parse()
                    .ok()
                    .filter(|s| (1..=600).contains(s))
                    .unwrap_or_else(|| usage());
                o.duration = Duration::from_secs(secs);
            }
            "--server-bin" => o.server_bin = PathBuf::from(val()),
            "--database-url" => o.database_url = Some(val()),
            "--redis-url" => o.redis_url = Some(val()),
            "--instances" => {
                o.instances = val()
                    .parse()
                    .ok()
                    .filter(|n| (1..=8).contains(n))
                    .unwrap_or_else(|| usage())
            }
            "--idle-subscribers" => o.idle_subscribers = val().parse().unwrap_or_else(|_| usage()),
            "--policies" => {
                o.policies = val()
                    .parse()
                    .ok()
                    .filter(|n| (0..=1000).contains(n))
                    .unwrap_or_else(|| usage())
            }
            _ => usage(),
        }
    }
    if o.instances > 1 && o.database_url.is_none() {
        eprintln!("grantex-bench: --instances above 1 needs --database-url");
        usage();
    }
    o
}

/// The key-encryption key the benchmark's instances share (a throwaway deployment).
const BENCH_KEK: &str = "62656e63682d6b65792d656e6372797074696f6e2d6b65792d30313233343536";

/// The server child process and its data dir; stopped and removed on drop.
struct Server {
    child: Child,
    dir: PathBuf,
    base_url: String,
    api_key: String,
}

impl Server {
    fn start(bin: &PathBuf, o: &Opts, n: usize) -> Result<Server, String> {
        let dir = std::env::temp_dir().join(format!("grantex-bench-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let mut cmd = Command::new(bin);
        if let Some(url) = &o.database_url {
            cmd.args(["--database-url", url, "--issuer", "http://grantex.bench"])
                .env("GRANTEX_KEY_ENCRYPTION_KEY", BENCH_KEK);
        }
        if let Some(url) = &o.redis_url {
            cmd.args(["--redis-url", url]);
        }
        let child = cmd
            .args([
                "--listen",
                "127.0.0.1:0",
                "--rate-limit",
                "1000000000",
                "--authorize-rate-limit",
                "1000000000",
                // Every client and event stream of the bench comes from 127.0.0.1.
                "--max-connections-per-ip",
                "1000",
            ])
            // Per-request log lines would measure the terminal, not the server.
            .args(["--log-level", "warn"])
            .arg("--data-dir")
            .arg(&dir)
            .env_remove("GRANTEX_SEED_API_KEY")
            .env_remove("GRANTEX_SEED_SANDBOX_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut server = Server {
            child,
            dir,
            base_url: String::new(),
            api_key: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(bytes) = std::fs::read(server.dir.join("server.json")) {
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                    server.base_url = v["baseUrl"].as_str().unwrap_or_default().to_string();
                    server.api_key = v["apiKey"].as_str().unwrap_or_default().to_string();
                    return Ok(server);
                }
            }
            if let Ok(Some(st)) = server.child.try_wait() {
                return Err(format!("grantex-server exited during start-up ({st})"));
            }
            if Instant::now() > deadline {
                return Err("grantex-server did not start within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

struct PhaseResult {
    ops: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u64>,
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

fn report(name: &str, requests_per_op: usize, r: &mut PhaseResult) {
    r.latencies_us.sort_unstable();
    let secs = r.elapsed.as_secs_f64();
    println!(
        "{name:<36} {:>9.1} ops/s {:>9.1} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} ops, {} errors, {:.1} s)",
        r.ops as f64 / secs,
        (r.ops * requests_per_op) as f64 / secs,
        percentile(&r.latencies_us, 0.50),
        percentile(&r.latencies_us, 0.99),
        r.ops,
        r.errors,
        secs
    );
}

/// Runs `op` in `clients` concurrent loops for `duration`; each loop records per-op latency.
async fn phase<F, Fut>(clients: usize, duration: Duration, op: F) -> PhaseResult
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let errors = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let stop = start + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|w| {
            let (op, errors) = (op.clone(), errors.clone());
            tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut i = 0;
                while Instant::now() < stop {
                    let t = Instant::now();
                    if op(w, i).await {
                        lat.push(t.elapsed().as_micros() as u64);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                    i += 1;
                }
                lat
            })
        })
        .collect();
    let mut latencies_us = Vec::new();
    for t in tasks {
        latencies_us.extend(t.await.unwrap_or_default());
    }
    PhaseResult {
        ops: latencies_us.len(),
        errors: errors.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
        latencies_us,
    }
}

async fn run(o: Opts) -> Result<(), String> {
    // Instances start one after the other (the first creates the schema and the key ring).
    let mut servers = Vec::new();
    for n in 0..o.instances {
        servers.push(Server::start(&o.server_bin, &o, n)?);
    }
    // One developer (the first instance's bootstrap one) for every client, on every instance.
    let api_key = servers[0].api_key.clone();
    let clients = servers
        .iter()
        .map(|s| {
            Client::new(ClientConfig {
                api_key: Some(api_key.clone()),
                base_url: Some(s.base_url.clone()),
                max_retries: Some(0),
                ..Default::default()
            })
            .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let clients = Arc::new(clients);
    let client = clients[0].clone();
    let agent = client
        .agents()
        .register(&RegisterAgentParams {
            name: "bench".into(),
            description: String::new(),
            scopes: vec!["read".into()],
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "grantex-bench: {} instance(s) ({}{}) at {}, {} clients, {} s per phase, loopback only",
        servers.len(),
        if o.database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        if o.redis_url.is_some() {
            " + Redis"
        } else {
            ""
        },
        servers
            .iter()
            .map(|s| s.base_url.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        o.clients,
        o.duration.as_secs()
    );

    let tokens: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let (cs, agent_id, sink) = (clients.clone(), agent.agent_id.clone(), tokens.clone());
    let mut flow = phase(o.clients, o.duration, move |w, i| {
        let (c, agent_id, sink) = (cs[w % cs.len()].clone(), agent_id.clone(), sink.clone());
        async move {
            let r: grantex::Result<String> = async {
                let auth = c
                    .authorize(&AuthorizeParams {
                        agent_id: agent_id.clone(),
                        user_id: format!("user-{w}-{i}"),
                        scopes: vec!["read".into()],
                        ..Default::default()
                    })
                    .await?;
                let code = c.consent().approve(&auth.auth_request_id).await?.code;
                let t = c
                    .tokens()
                    .exchange(&ExchangeTokenParams {
                        code,
                        agent_id,
                        ..Default::default()
                    })
                    .await?;
                Ok(t.grant_token)
            }
            .await;
            match r {
                Ok(token) => {
                    let mut s = sink.lock().unwrap_or_else(|p| p.into_inner());
                    if s.len() < 4096 {
                        s.push(token);
                    }
                    true
                }
                Err(e) => {
                    eprintln!("flow error: {e}");
                    false
                }
            }
        }
    })
    .await;
    report("authorize+approve+exchange (flow)", 3, &mut flow);

    let tokens = Arc::new(tokens.lock().unwrap_or_else(|p| p.into_inner()).clone());
    if tokens.is_empty() {
        return Err("no tokens were issued; cannot benchmark verify".into());
    }
    let cs = clients.clone();
    let verify_tokens = tokens.clone();
    let mut verify = phase(o.clients, o.duration, move |w, i| {
        let (c, tokens) = (cs[w % cs.len()].clone(), tokens.clone());
        async move {
            let t = &tokens[(w * 7919 + i) % tokens.len()];
            matches!(c.tokens().verify(t).await, Ok(v) if v.valid)
        }
    })
    .await;
    report("online verify (POST /v1/tokens/verify)", 1, &mut verify);
    let subscribers_ratio = if o.idle_subscribers > 0 {
        Some(idle_subscribers_phase(&o, &clients, &api_key, verify_tokens).await?)
    } else {
        None
    };
    let policy_ratio = if o.policies > 0 {
        Some(policy_phase(&o, &clients, &agent.agent_id).await?)
    } else {
        None
    };
    println!(
        "RESULT flow_ops_s={:.1} verify_ops_s={:.1} verify_p50_ms={:.3}{}",
        flow.ops as f64 / flow.elapsed.as_secs_f64(),
        verify.ops as f64 / verify.elapsed.as_secs_f64(),
        percentile(&verify.latencies_us, 0.50),
        policy_ratio.map_or(String::new(), |r| format!(
            " policy_authorize_p50_ratio={r:.3}"
        )) + &subscribers_ratio.map_or(String::new(), |r| format!(
            " idle_subscribers_verify_p50_ratio={r:.3}"
        ))
    );
    drop(servers);
    Ok(())
}

/// Online verify with and without `o.idle_subscribers` open event streams (Server-Sent Events
/// of the bench developer, receiving nothing: verification emits no event), in eight rounds
/// ABBA BAAB so drift falls on both sides. Returns the p50 ratio with/without (issue 16:
/// target <= 1.10).
async fn idle_subscribers_phase(
    o: &Opts,
    clients: &Arc<Vec<Client>>,
    api_key: &str,
    tokens: Arc<Vec<String>>,
) -> Result<f64, String> {
    let round = (o.duration / 4).max(Duration::from_secs(1));
    let http = reqwest::Client::new();
    let url = format!("{}/v1/events/stream", clients[0].base_url());
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for subscribed in [false, true, true, false, true, false, false, true] {
        let mut streams = Vec::new();
        if subscribed {
            for _ in 0..o.idle_subscribers {
                let r = http
                    .get(&url)
                    .bearer_auth(api_key)
                    .send()
                    .await
                    .map_err(|e| format!("opening event stream {}: {e:?}", streams.len() + 1))?;
                if r.status() != 200 {
                    return Err(format!("event stream refused: {}", r.status()));
                }
                streams.push(r);
            }
        }
        let (cs, tokens) = (clients.clone(), tokens.clone());
        let r = phase(o.clients, round, move |w, i| {
            let (c, tokens) = (cs[w % cs.len()].clone(), tokens.clone());
            async move {
                let t = &tokens[(w * 7919 + i) % tokens.len()];
                matches!(c.tokens().verify(t).await, Ok(v) if v.valid)
            }
        })
        .await;
        if subscribed { &mut with } else { &mut without }.extend(r.latencies_us);
        drop(streams);
    }
    with.sort_unstable();
    without.sort_unstable();
    let (p0, p1) = (percentile(&without, 0.5), percentile(&with, 0.5));
    let ratio = if p0 > 0.0 { p1 / p0 } else { 0.0 };
    println!("online verify, no event streams       p50 {p0:>7.2} ms");
    println!(
        "online verify, {:>4} idle event streams p50 {p1:>7.2} ms   p50 ratio {ratio:.3} (target <= 1.10)",
        o.idle_subscribers
    );
    Ok(ratio)
}

/// One of the benchmark's policies: a tenth Cedar forbids (half pinned to another agent, half
/// for every agent with a condition that does not hold, so Cedar runs on every request), the
/// rest native; none matches the benchmark's agent.
fn bench_policy(n: usize) -> grantex::types::CreatePolicyParams {
    if n % 10 == 9 {
        let cedar = if n % 20 == 9 {
            format!(
                r#"forbid(principal == Agent::"other-{n}", action, resource) when {{ context.hour < 24 }};"#
            )
        } else {
            format!(
                r#"forbid(principal, action, resource) when {{ context.principalId == "blocked-{n}" }};"#
            )
        };
        grantex::types::CreatePolicyParams {
            name: format!("bench cedar {n}"),
            effect: "deny".into(),
            cedar: Some(cedar),
            ..Default::default()
        }
    } else {
        grantex::types::CreatePolicyParams {
            name: format!("bench native {n}"),
            effect: if n.is_multiple_of(2) { "allow" } else { "deny" }.into(),
            priority: n as i64,
            agent_id: Some(format!("other-{n}")),
            scopes: Some(vec!["read".into(), format!("extra:{n}")]),
            time_of_day_start: Some("00:00".into()),
            time_of_day_end: Some("23:59".into()),
            ..Default::default()
        }
    }
}

/// Authorize alone, for two developers at once: the bench's own (no policies) and a second one
/// with `o.policies` policies in force. Every client alternates between them, so both sides
/// share the same moments of a noisy machine and the same database. Returns the p50 ratio
/// with/without.
async fn policy_phase(o: &Opts, clients: &Arc<Vec<Client>>, agent_id: &str) -> Result<f64, String> {
    let c = &clients[0];
    let second = Client::signup(
        Some(c.base_url()),
        &grantex::types::SignupParams {
            name: "bench with policies".into(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let base_urls: Vec<String> = clients.iter().map(|c| c.base_url().to_string()).collect();
    let with_clients = base_urls
        .iter()
        .map(|u| {
            Client::new(ClientConfig {
                api_key: Some(second.api_key.clone()),
                base_url: Some(u.clone()),
                max_retries: Some(0),
                ..Default::default()
            })
            .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let with_agent = with_clients[0]
        .agents()
        .register(&RegisterAgentParams {
            name: "bench with policies".into(),
            description: String::new(),
            scopes: vec!["read".into()],
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?
        .agent_id;
    for n in 0..o.policies {
        with_clients[0]
            .policies()
            .create(&bench_policy(n))
            .await
            .map_err(|e| e.to_string())?;
    }
    let sides = Arc::new([
        (clients.clone(), agent_id.to_string()),
        (Arc::new(with_clients), with_agent),
    ]);
    let latencies: Arc<[std::sync::Mutex<Vec<u64>>; 2]> = Arc::default();
    let (s, lat) = (sides.clone(), latencies.clone());
    let r = phase(o.clients, o.duration, move |w, i| {
        // Half the clients start with each side, then each alternates.
        let side = (w + i) % 2;
        let (cs, agent_id) = &s[side];
        let (c, agent_id, lat) = (cs[w % cs.len()].clone(), agent_id.clone(), lat.clone());
        async move {
            let t = Instant::now();
            let r = c
                .authorize(&AuthorizeParams {
                    agent_id,
                    user_id: format!("policy-user-{w}-{i}"),
                    scopes: vec!["read".into()],
                    ..Default::default()
                })
                .await;
            // No policy matches: every request goes to the consent page.
            let ok = matches!(r, Ok(a) if a.status == "pending");
            if ok {
                lat[side]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(t.elapsed().as_micros() as u64);
            }
            ok
        }
    })
    .await;
    if r.errors > 0 {
        return Err(format!("{} authorize requests failed", r.errors));
    }
    let take = |n: usize| {
        let mut v = std::mem::take(&mut *latencies[n].lock().unwrap_or_else(|e| e.into_inner()));
        v.sort_unstable();
        v
    };
    let (without, with) = (take(0), take(1));
    let secs = r.elapsed.as_secs_f64();
    let (p0, p1) = (percentile(&without, 0.5), percentile(&with, 0.5));
    let ratio = if p0 > 0.0 { p1 / p0 } else { 0.0 };
    println!(
        "authorize, no policies               {:>9.1} ops/s   p50 {:>7.2} ms",
        without.len() as f64 / secs,
        p0
    );
    println!(
        "authorize, {:>4} policies in force    {:>9.1} ops/s   p50 {:>7.2} ms   p50 ratio {ratio:.3} (target <= 1.10)",
        o.policies,
        with.len() as f64 / secs,
        p1
    );
    Ok(ratio)
}

fn main() {
    let o = parse_opts();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run(o)) {
        eprintln!("grantex-bench: {e}");
        std::process::exit(1);
    }
}
