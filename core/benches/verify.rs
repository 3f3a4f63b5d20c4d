//! `cargo bench -p grantex --bench verify`: in one process,
//! - the floor: raw RSA-2048 PKCS#1 v1.5 SHA-256 verification with a pre-parsed key,
//! - `verify_cached` on the realistic ~900-byte vector token with a warm cache,
//! - rejection of a 1 MB token,
//!
//! then an interleaved timed loop of floor vs verify (same process, short alternating rounds, so
//! machine noise hits both alike) that prints the ratio verify/floor and the rejection time.
//! `cargo bench -p grantex --bench verify -- skip` runs only that final report.
//! Targets: ratio ≤ 1.15, 1 MB rejection ≤ 1 µs.

use criterion::Criterion;
use grantex::verify::floor::RsaFloor;
use grantex::{JwksCache, VerifyOptions};
use std::hint::black_box;
use std::time::Instant;

struct Fixture {
    floor: RsaFloor,
    cache: JwksCache,
    token: String,
    big: String,
    opts: VerifyOptions,
}

fn fixture() -> Fixture {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/token-vectors.json");
    let text = std::fs::read_to_string(path).expect("read vectors/token-vectors.json");
    let file: serde_json::Value = serde_json::from_str(&text).expect("vectors parse");
    let case = file["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == "valid_legacy_realistic")
        .expect("realistic vector");
    let token = case["token"].as_str().expect("token").to_string();
    let jwks = file["jwks"].to_string();
    let opts = VerifyOptions {
        issuer: Some(file["issuer"].as_str().expect("issuer").into()),
        now: file["now"].as_i64(),
        ..Default::default()
    };
    let cache = JwksCache::from_json(&jwks).expect("set");
    cache
        .verify_cached(&token, &opts)
        .expect("the realistic token verifies");
    let floor = RsaFloor::from_token(&jwks, &token).expect("floor");
    assert!(floor.verify());
    let mut big = token.clone();
    while big.len() < 1 << 20 {
        big.push_str(&token);
    }
    assert!(cache.verify_cached(&big, &opts).is_err());
    Fixture {
        floor,
        cache,
        token,
        big,
        opts,
    }
}

fn criterion_benches(c: &mut Criterion, f: &Fixture) {
    let mut g = c.benchmark_group("rs256");
    g.bench_function("floor_rsa2048_preparsed", |b| {
        b.iter(|| black_box(f.floor.verify()))
    });
    g.bench_function(format!("verify_cached_{}B", f.token.len()), |b| {
        b.iter(|| black_box(f.cache.verify_cached(black_box(&f.token), &f.opts).is_ok()))
    });
    g.bench_function("reject_1MB", |b| {
        b.iter(|| black_box(f.cache.verify_cached(black_box(&f.big), &f.opts).is_err()))
    });
    g.finish();
}

/// Nanoseconds per call of `op`, over `n` calls.
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

/// Many short alternating rounds of floor and verify. Each round's verify/floor ratio pairs two
/// measurements taken milliseconds apart, so load from other processes mostly cancels out; the
/// median of those paired ratios is the headline number, with the fastest rounds as a cross-check.
fn ratio_report(f: &Fixture) {
    const ROUNDS: usize = 201;
    const N: u32 = 300;
    let (mut floor, mut verify, mut paired, mut reject) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let fl = per_call(N, || f.floor.verify());
        let ve = per_call(N, || f.cache.verify_cached(&f.token, &f.opts).is_ok());
        floor.push(fl);
        verify.push(ve);
        paired.push(ve / fl);
        reject.push(per_call(N * 10, || {
            f.cache.verify_cached(&f.big, &f.opts).is_err()
        }));
    }
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let (floor_min, verify_min) = (min(&floor), min(&verify));
    let (floor, verify, ratio, reject) = (
        median(floor),
        median(verify),
        median(paired),
        median(reject),
    );
    println!();
    println!(
        "== grantex verify vs floor (same process, {ROUNDS} alternating rounds of {N} calls) =="
    );
    println!(
        "floor  (raw RSA-2048 verify, pre-parsed key): median {:>7.2} µs, fastest round {:>7.2} µs",
        floor / 1000.0,
        floor_min / 1000.0
    );
    println!(
        "verify_cached ({} B token, warm cache):      median {:>7.2} µs, fastest round {:>7.2} µs",
        f.token.len(),
        verify / 1000.0,
        verify_min / 1000.0
    );
    println!(
        "ratio verify/floor, median of paired rounds:   {ratio:>7.3}  (target <= 1.15: {})",
        verdict(ratio <= 1.15)
    );
    println!(
        "ratio verify/floor, fastest rounds:            {:>7.3}",
        verify_min / floor_min
    );
    println!(
        "reject 1 MB token:                             {:>7.3} µs (target <= 1 µs: {})",
        reject / 1000.0,
        verdict(reject <= 1000.0)
    );
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn main() {
    let f = fixture();
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c, &f);
    c.final_summary();
    ratio_report(&f);
}
