//! `grantex-a2a-agent`: run the echo A2A agent behind the Grantex guard. Prints the bound URL
//! on the first line of stdout, then serves until SIGINT/SIGTERM.

use clap::{Parser, ValueEnum};
use grantex::a2a::{A2APolicy, JwksSource};
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Revocation {
    /// Offline verification only.
    Off,
    /// Ask the Grantex server (`POST /v1/tokens/verify`).
    Online,
}

#[derive(Parser, Debug)]
#[command(
    name = "grantex-a2a-agent",
    version,
    about = "Minimal A2A echo agent that accepts only valid Grantex grant tokens"
)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Agent name shown in the card.
    #[arg(long, default_value = "Grantex echo agent")]
    name: String,
    /// URL put in the card (default: http://<bound address>).
    #[arg(long)]
    public_url: Option<String>,
    /// JWKS of the Grantex issuer whose tokens are accepted.
    #[arg(long)]
    jwks_uri: String,
    /// Expected token issuer (default: derived from --jwks-uri).
    #[arg(long)]
    issuer: Option<String>,
    /// Audience the token's `aud` must contain.
    #[arg(long)]
    audience: Option<String>,
    /// Scope every request needs (repeatable); methods listed in --method-scope use theirs instead.
    #[arg(long = "required-scope", value_name = "SCOPE")]
    required_scopes: Vec<String>,
    /// Scope one method needs, as METHOD=SCOPE (repeatable), e.g. tasks/get=tasks:read.
    #[arg(long = "method-scope", value_name = "METHOD=SCOPE", value_parser = parse_method_scope)]
    method_scopes: Vec<(String, String)>,
    /// Accept tokens delegated to a sub-agent.
    #[arg(long)]
    allow_delegation: bool,
    /// With --allow-delegation: refuse tokens delegated more hops than this.
    #[arg(long, requires = "allow_delegation")]
    max_depth: Option<u32>,
    /// Seconds of clock leeway on exp/nbf/iat.
    #[arg(long, default_value_t = 0)]
    clock_tolerance: u64,
    /// Check revocation with the Grantex server.
    #[arg(long, value_enum, default_value = "off")]
    revocation_check: Revocation,
    /// Grantex server base URL (with --revocation-check online).
    #[arg(long)]
    grantex_url: Option<String>,
    /// API key of the developer that owns the tokens (with --revocation-check online).
    #[arg(long, env = "GRANTEX_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Seconds an "active" revocation answer is reused, 0-300.
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=300))]
    revocation_cache_ttl: u64,
}

fn parse_method_scope(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((m, scope)) if !m.is_empty() && !scope.is_empty() => Ok((m.into(), scope.into())),
        _ => Err(format!("expected METHOD=SCOPE, got {s:?}")),
    }
}

fn policy(cli: &Cli) -> Result<A2APolicy, String> {
    let mut p = A2APolicy::new(JwksSource::Uri(cli.jwks_uri.clone()));
    p.issuer = cli.issuer.clone();
    p.audience = cli.audience.clone();
    p.required_scopes = cli.required_scopes.clone();
    for (method, scope) in &cli.method_scopes {
        p.method_scopes
            .entry(method.clone())
            .or_default()
            .push(scope.clone());
    }
    if cli.allow_delegation {
        p = p.allow_delegation(cli.max_depth);
    }
    p.clock_tolerance = cli.clock_tolerance;
    if cli.revocation_check == Revocation::Online {
        let url = cli
            .grantex_url
            .clone()
            .ok_or("--revocation-check online needs --grantex-url")?;
        let key = cli
            .api_key
            .clone()
            .filter(|k| !k.trim().is_empty())
            .ok_or("--revocation-check online needs --api-key or GRANTEX_API_KEY")?;
        p = p.revocation_online(url, key, Duration::from_secs(cli.revocation_cache_ttl));
    }
    Ok(p)
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

async fn run(cli: Cli) -> Result<(), String> {
    let policy = policy(&cli)?;
    let running =
        grantex_a2a_agent::start(cli.listen, &cli.name, cli.public_url.as_deref(), policy)
            .await
            .map_err(|e| e.to_string())?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", running.url)
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(out);
    wait_for_signal().await;
    running.stop().await;
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("grantex-a2a-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("grantex-a2a-agent: {e}");
            ExitCode::from(2)
        }
    }
}
