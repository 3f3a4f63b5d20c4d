//! `cargo bench -p grantex --bench enforce`: `Enforcer::enforce` on a warm key set (offline
//! revocation check, manifests loaded) against `verify_cached` of the same token, in one
//! process: criterion for both, then short alternating rounds whose paired ratio
//! enforce/verify is the headline. Target: ratio ≤ 1.2.

use criterion::Criterion;
use grantex::enforce::{EnforceCall, EnforceConfig, Enforcer, ToolManifest};
use grantex::{Client, ClientConfig, JwksCache, VerifyOptions};
use std::hint::black_box;
use std::time::Instant;

struct Fixture {
    rt: tokio::runtime::Runtime,
    enforcer: Enforcer,
    call: EnforceCall,
    cache: JwksCache,
    opts: VerifyOptions,
}

fn fixture() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/enforce-vectors.json"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("parse");
    let case = v["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == "allowed_exact_level")
        .expect("case");
    let client = Client::new(ClientConfig {
        api_key: Some("gx_bench".into()),
        base_url: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    })
    .expect("client");
    let config: EnforceConfig = serde_json::from_value(v["config"].clone()).expect("config");
    let enforcer = Enforcer::new(client, config).expect("enforcer");
    for m in v["manifests"].as_array().expect("manifests") {
        enforcer.load_manifest(ToolManifest::from_document(m).expect("manifest").manifest);
    }
    let mut call = case["call"].clone();
    call["grantToken"] = case["token"].clone();
    let call: EnforceCall = serde_json::from_value(call).expect("call");
    let cache = JwksCache::from_json(&v["config"]["jwks"].to_string()).expect("set");
    let opts = VerifyOptions {
        issuer: v["config"]["issuer"].as_str().map(String::from),
        now: v["config"]["now"].as_i64(),
        ..Default::default()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let f = Fixture {
        rt,
        enforcer,
        call,
        cache,
        opts,
    };
    assert!(f.enforce(), "the bench call is allowed");
    assert!(f.verify());
    f
}

impl Fixture {
    fn enforce(&self) -> bool {
        self.rt
            .block_on(self.enforcer.enforce(black_box(&self.call)))
            .map(|r| r.allowed)
            .unwrap_or(false)
    }
    fn verify(&self) -> bool {
        self.cache
            .verify_cached(black_box(&self.call.grant_token), &self.opts)
            .is_ok()
    }
}

fn per_call(n: u32, mut op: impl FnMut() -> bool) -> f64 {
    let start = Instant::now();
    let mut ok = 0u32;
    for _ in 0..n {
        ok += u32::from(black_box(op()));
    }
    black_box(ok);
    start.elapsed().as_nanos() as f64 / f64::from(n)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let f = fixture();
    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("enforce");
        g.bench_function("verify_cached", |b| b.iter(|| f.verify()));
        g.bench_function("enforce_offline_warm", |b| b.iter(|| f.enforce()));
        g.finish();
    }
    c.final_summary();
    const ROUNDS: usize = 151;
    const N: u32 = 200;
    let (mut verify, mut enforce, mut paired) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let v = per_call(N, || f.verify());
        let e = per_call(N, || f.enforce());
        verify.push(v);
        enforce.push(e);
        paired.push(e / v);
    }
    let ratio = median(paired);
    println!();
    println!("== grantex enforce vs verify_cached (same process, {ROUNDS} alternating rounds of {N} calls) ==");
    println!(
        "verify_cached:                 median {:>7.2} µs",
        median(verify) / 1000.0
    );
    println!(
        "enforce (offline, warm keys):  median {:>7.2} µs",
        median(enforce) / 1000.0
    );
    println!(
        "ratio enforce/verify, median of paired rounds: {ratio:>6.3}  (target <= 1.2: {})",
        if ratio <= 1.2 { "met" } else { "NOT met" }
    );
}
