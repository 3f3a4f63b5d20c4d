//! `grantex-server` — run the server, or manage its signing keys.

use clap::{Args, Parser, Subcommand};
use grantex_server::{Config, DEPTH_RANGE};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "grantex-server",
    version,
    about = "Self-hostable Grantex authorization server (embedded SQLite)"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Manage the RS256 signing keys.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Manage the credential vault's keys.
    Vault {
        #[command(subcommand)]
        action: VaultAction,
    },
}

#[derive(Subcommand, Debug)]
enum VaultAction {
    /// Make a new vault key-encryption key current and re-wrap every stored credential's data
    /// key under it (safe while the server runs); retired keys no credential uses are deleted.
    RotateKek {
        #[arg(long, default_value = "./.grantex")]
        data_dir: PathBuf,
        /// The server's PostgreSQL database, when it uses one.
        #[arg(long, env = "GRANTEX_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// The server's key-encryption key file, when it uses one (env
        /// GRANTEX_KEY_ENCRYPTION_KEY otherwise): the vault's master key.
        #[arg(long)]
        key_encryption_key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum KeysAction {
    /// Add a new active signing key; older keys stay published until their tokens expire.
    Rotate {
        #[arg(long, default_value = "./.grantex")]
        data_dir: PathBuf,
        /// The server's PostgreSQL database, when it uses one.
        #[arg(long, env = "GRANTEX_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
        /// Rotate the key that signs sandbox developers' tokens instead of the live key.
        #[arg(long)]
        sandbox: bool,
    },
    /// List signing keys and their status.
    List {
        #[arg(long, default_value = "./.grantex")]
        data_dir: PathBuf,
        /// The server's PostgreSQL database, when it uses one.
        #[arg(long, env = "GRANTEX_DATABASE_URL", hide_env_values = true)]
        database_url: Option<String>,
    },
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the database, keys and server.json.
    #[arg(long, default_value = "./.grantex")]
    data_dir: PathBuf,
    /// Keep the data in PostgreSQL instead of the data dir's SQLite file
    /// (`postgres://user:password@host:port/database`). Keys, bootstrap.json and server.json
    /// stay in the data dir.
    #[arg(long, env = "GRANTEX_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// File holding the key-encryption key (64 hex characters; env GRANTEX_KEY_ENCRYPTION_KEY
    /// otherwise). With one, signing keys are stored wrapped in the database, so every
    /// instance on that database signs and verifies with the same keys.
    #[arg(long)]
    key_encryption_key_file: Option<PathBuf>,
    /// Share the rate-limit counters of every instance through this Redis
    /// (`redis://host:port/db`), and cache online-verify and API-key answers, kept current
    /// across instances by a generation counter there; without it each instance counts on its
    /// own and every answer reads the database.
    #[arg(long, env = "GRANTEX_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// JWT `iss` (default: the public URL).
    #[arg(long)]
    issuer: Option<String>,
    /// Public base URL used in consent and dashboard links (default: http://<bound address>).
    #[arg(long)]
    public_url: Option<String>,
    /// Maximum delegation depth, 1..=10.
    #[arg(long, default_value_t = 3, value_parser = parse_depth)]
    max_delegation_depth: u32,
    /// Requests per minute per developer per route.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..))]
    rate_limit: u64,
    /// Requests per minute per developer on POST /v1/authorize.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    authorize_rate_limit: u64,
    /// Seconds a pending authorization request and an unexchanged code live (at most 600).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=600))]
    code_ttl_secs: u64,
    /// Agents one developer may hold.
    #[arg(long, default_value_t = grantex_server::DEFAULT_MAX_AGENTS, value_parser = clap::value_parser!(u64).range(1..))]
    max_agents_per_developer: u64,
    /// Active grants one developer may hold.
    #[arg(long, default_value_t = grantex_server::DEFAULT_MAX_ACTIVE_GRANTS, value_parser = clap::value_parser!(u64).range(1..))]
    max_active_grants_per_developer: u64,
    /// Seconds a client has to send a complete request head (also the keep-alive idle limit).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout_secs: u64,
    /// Seconds a client has to send a complete request body.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout_secs: u64,
    /// Seconds without any byte moving on a connection before it is closed.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    idle_timeout_secs: u64,
    /// Open connections allowed from one IP address.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections_per_ip: u64,
    /// Open connections allowed in total.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Require a principal session (Authorization: Bearer <session token>) for the request's
    /// principal on POST /v1/consent/:id/approve|deny; by default the request id suffices.
    #[arg(long)]
    strict_consent: bool,
    /// Refuse `/v1/authorize` with a `redirectUri` unless the agent registered redirect URIs
    /// (an agent that registered some is always held to exactly those).
    #[arg(long)]
    require_registered_redirects: bool,
    /// Serve Prometheus metrics on `GET /metrics` to callers presenting this bearer token
    /// (without one, `/metrics` is not exposed).
    #[arg(long, env = "GRANTEX_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Grant tokens carry the legacy claim aliases (`agt`, `dev`, `scp`, `grnt`, `parentAgt`,
    /// `parentGrnt`, `delegationDepth`) next to the standard claims, for verifiers older than
    /// the standard layout; `false` issues the standard claims only.
    #[arg(long, env = "GRANTEX_GRANT_TOKEN_LEGACY_CLAIMS", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    grant_token_legacy_claims: bool,
    /// Development mode for webhooks: accept `http` endpoint URLs and loopback or private
    /// addresses (refused otherwise, against SSRF). Never on a server reachable by others.
    #[arg(long, env = "GRANTEX_ALLOW_PRIVATE_WEBHOOKS")]
    allow_private_webhooks: bool,
    /// Development mode for SSO: accept `http` issuer and IdP URLs and loopback or private
    /// addresses (refused otherwise, against SSRF). Never on a server reachable by others.
    #[arg(long, env = "GRANTEX_ALLOW_INSECURE_SSO_URLS")]
    allow_insecure_sso_urls: bool,
    /// Wait before the first webhook retry, in milliseconds; doubles at each further attempt.
    #[arg(long, default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    webhook_retry_base_ms: u64,
    /// How long one webhook attempt may take, in milliseconds.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(100..=60_000))]
    webhook_timeout_ms: u64,
    /// Run the anomaly rules for every developer this often, in seconds (0: only on
    /// `POST /v1/anomalies/detect`).
    #[arg(long, default_value_t = 300)]
    anomaly_interval_secs: u64,
    /// Log line format on stderr: `text` or `json` (one JSON object per line).
    #[arg(long, value_enum, default_value_t = LogFormatArg::Text)]
    log_format: LogFormatArg,
    /// Log filter (`info`, `debug`, `grantex_server=debug,warn`, …); default: env `RUST_LOG`,
    /// else `info`.
    #[arg(long)]
    log_level: Option<String>,
    /// Export the request spans as OpenTelemetry traces over OTLP/HTTP protobuf to this
    /// collector (`http://127.0.0.1:4318`; `/v1/traces` is appended unless the URL ends with
    /// it). Service name `grantex-server`; batched in the background, flushed on shutdown.
    #[arg(long, env = "GRANTEX_OTLP_ENDPOINT", value_name = "URL")]
    otlp_endpoint: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum LogFormatArg {
    Text,
    Json,
}

fn parse_depth(s: &str) -> Result<u32, String> {
    let n: u32 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    if !DEPTH_RANGE.contains(&n) {
        return Err(format!(
            "the maximum delegation depth must be between 1 and 10 (got {n})"
        ));
    }
    Ok(n)
}

/// `gx_live_…Ab3x`: the key's prefix and last four characters, enough to tell keys apart.
fn mask(key: &str) -> String {
    let prefix: String = key.chars().take(8).collect();
    let n = key.chars().count();
    let last: String = key.chars().skip(n.saturating_sub(4).max(8)).collect();
    format!("{prefix}…{last}")
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let cfg = Config {
        listen: args.listen,
        data_dir: args.data_dir,
        database_url: args.database_url,
        key_encryption_key_file: args.key_encryption_key_file,
        redis_url: args.redis_url,
        issuer: args.issuer,
        public_url: args.public_url,
        max_delegation_depth: args.max_delegation_depth,
        rate_limit: args.rate_limit,
        authorize_rate_limit: args.authorize_rate_limit,
        seed_api_key: env_nonempty("GRANTEX_SEED_API_KEY"),
        seed_sandbox_key: env_nonempty("GRANTEX_SEED_SANDBOX_KEY"),
        code_ttl: Duration::from_secs(args.code_ttl_secs),
        max_agents_per_developer: args.max_agents_per_developer,
        max_active_grants_per_developer: args.max_active_grants_per_developer,
        limits: grantex_server::Limits {
            header_read_timeout: Duration::from_secs(args.header_timeout_secs),
            body_timeout: Duration::from_secs(args.body_timeout_secs),
            idle_timeout: Duration::from_secs(args.idle_timeout_secs),
            max_connections_per_ip: args.max_connections_per_ip as usize,
            max_connections: args.max_connections as usize,
        },
        strict_consent: args.strict_consent,
        require_registered_redirects: args.require_registered_redirects,
        metrics_token: args.metrics_token.filter(|t| !t.is_empty()),
        grant_token_legacy_claims: args.grant_token_legacy_claims,
        webhooks: grantex_server::WebhookSettings {
            retry_base: Duration::from_millis(args.webhook_retry_base_ms),
            timeout: Duration::from_millis(args.webhook_timeout_ms),
            allow_private: args.allow_private_webhooks,
        },
        allow_insecure_sso_urls: args.allow_insecure_sso_urls,
        anomaly_interval: (args.anomaly_interval_secs > 0)
            .then(|| Duration::from_secs(args.anomaly_interval_secs)),
    };
    let filter = args
        .log_level
        .or_else(|| env_nonempty("RUST_LOG"))
        .unwrap_or_else(|| "info".into());
    let format = match args.log_format {
        LogFormatArg::Text => grantex_server::LogFormat::Text,
        LogFormatArg::Json => grantex_server::LogFormat::Json,
    };
    let otlp = args.otlp_endpoint.filter(|u| !u.is_empty());
    let telemetry = grantex_server::init_telemetry(format, &filter, otlp.as_deref())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = rt.block_on(async move {
        let server = grantex_server::start(cfg.clone()).await?;
        {
            let mut out = std::io::stdout().lock();
            let info = &server.info;
            let _ = writeln!(
                out,
                "grantex-server {} (pid {})",
                env!("CARGO_PKG_VERSION"),
                info.pid
            );
            let _ = writeln!(out, "base URL:        {}", info.base_url);
            let _ = writeln!(out, "issuer:          {}", info.issuer);
            let _ = writeln!(out, "JWKS:            {}", info.jwks_uri);
            // Keys are never printed whole: server.json (mode 0600) holds them.
            let json = cfg.data_dir.join("server.json");
            let _ = writeln!(
                out,
                "live API key:    {} (full key in {})",
                mask(&info.api_key),
                json.display()
            );
            let _ = writeln!(
                out,
                "sandbox API key: {} (full key in {})",
                mask(&info.sandbox_api_key),
                json.display()
            );
            let _ = writeln!(out, "data dir:        {}", cfg.data_dir.display());
            let _ = writeln!(out, "listening on http://{}", server.addr);
            let _ = out.flush();
        }
        wait_for_signal().await;
        eprintln!("grantex-server: shutting down");
        server.shutdown().await.map_err(|e| e.to_string())
    });
    drop(rt);
    // The spans of the last requests: flushed after the server stopped, bounded in time.
    if let Err(e) = telemetry.shutdown(Duration::from_secs(5)) {
        eprintln!("grantex-server: {e}");
    }
    result
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Keys { action: KeysAction::Rotate { data_dir, database_url, sandbox } }) => {
            grantex_server::rotate_signing_key(&data_dir, database_url.as_deref(), sandbox).map(|kid| {
                println!("added signing key {kid}; restart the server to sign with it (older keys stay published until their tokens expire)");
            })
        }
        Some(Command::Vault { action: VaultAction::RotateKek { data_dir, database_url, key_encryption_key_file } }) => {
            grantex_server::rotate_vault_kek(&data_dir, database_url.as_deref(), key_encryption_key_file.as_deref()).and_then(|r| {
                println!("vault key-encryption key {} is current; re-wrapped {} data keys", r.kek_id, r.rewrapped);
                for id in &r.deleted_keks {
                    println!("deleted retired key-encryption key {id}");
                }
                for (id, e) in &r.failed {
                    eprintln!("credential {id} could not be re-wrapped: {e}");
                }
                if r.failed.is_empty() {
                    Ok(())
                } else {
                    Err(format!("{} credentials could not be re-wrapped (left under their previous key)", r.failed.len()))
                }
            })
        }
        Some(Command::Keys { action: KeysAction::List { data_dir, database_url } }) => {
            grantex_server::list_signing_keys(&data_dir, database_url.as_deref()).map(|keys| {
                for k in keys {
                    let last = if k.max_exp > 0 { grantex_server::time::iso_secs(k.max_exp) } else { "-".into() };
                    println!("{}\t{}\t{}\tlast token expiry {last}", k.kid, k.status, k.purpose);
                }
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grantex-server: {e}");
            ExitCode::FAILURE
        }
    }
}
