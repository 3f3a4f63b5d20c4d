//! Writes the seed corpus `fuzz/corpus/<target>/seed-*` from `vectors/` (and a few hand-made
//! request bodies and audit chains). Deterministic: the same vectors give the same files.
//! Files not named `seed-*` (inputs kept from fuzzing, e.g. `regress-*`) are left alone.
//!
//! Run from fuzz/: `cargo run --example gen_corpus` (stable is enough).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use grantex::audit_chain::compute_hash;
use grantex::types::AuditEntry;
use grantex_fuzz::fixtures::{JWKS_JSON, JWKS_VECTORS_JSON, TOKEN_VECTORS_JSON};
use grantex_fuzz::token_verify::{DEFAULT_HEADER, SEPARATOR};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// target → file name → content.
type Corpus = BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>;

fn add(c: &mut Corpus, target: &'static str, name: &str, data: impl Into<Vec<u8>>) {
    let name: String = name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    c.entry(target)
        .or_default()
        .insert(format!("seed-{name}"), data.into());
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut c = Corpus::new();
    tokens(&mut c);
    key_sets(&mut c);
    json_snippets(&mut c);
    audit_chains(&mut c);
    request_bodies(&mut c);

    let mut total = 0;
    for (target, files) in &c {
        let dir = root.join("corpus").join(target);
        std::fs::create_dir_all(&dir).expect("create corpus dir");
        for entry in std::fs::read_dir(&dir).expect("read corpus dir") {
            let path = entry.expect("dir entry").path();
            let stale = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("seed-") && !files.contains_key(n));
            if stale {
                std::fs::remove_file(&path).expect("remove stale seed");
            }
        }
        for (name, data) in files {
            std::fs::write(dir.join(name), data).expect("write seed");
            total += data.len();
        }
        println!("{target}: {} seeds", files.len());
    }
    println!("{total} bytes in all");
}

fn token_cases() -> Vec<Value> {
    let v: Value = serde_json::from_str(TOKEN_VECTORS_JSON).expect("token-vectors.json");
    v["cases"].as_array().expect("cases").clone()
}

/// Token target: every vector token as is (mode 0), and for every token whose header and
/// claims decode, those bytes to be re-signed (mode 1: `header 0xFF claims`, and claims alone
/// under the default header), with the options byte the case asks for where it maps to one.
fn tokens(c: &mut Corpus) {
    for case in token_cases() {
        let name = case["name"].as_str().expect("name");
        let token = case["token"].as_str().expect("token");
        let opts = &case["options"];
        let mut mode = 0u8;
        match opts["clockTolerance"].as_u64() {
            Some(60) => mode |= 2,
            Some(3600) => mode |= 4,
            _ => {}
        }
        if opts.get("audience").is_some() {
            mode |= 8;
        }
        if opts.get("maxDelegationDepth").is_some() {
            mode |= 16;
        }
        if opts.get("requiredScopes").is_some() {
            mode |= 32;
        }
        let mut raw = vec![mode];
        raw.extend_from_slice(token.as_bytes());
        add(c, "token_verify", &format!("raw-{name}"), raw);

        let mut parts = token.trim().split('.');
        let (Some(h), Some(p)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(header), Ok(claims)) = (URL_SAFE_NO_PAD.decode(h), URL_SAFE_NO_PAD.decode(p))
        else {
            continue;
        };
        if header.contains(&SEPARATOR) || claims.len() > 4000 {
            continue;
        }
        if header == DEFAULT_HEADER.as_bytes() {
            let mut signed = vec![mode | 1];
            signed.extend_from_slice(&claims);
            add(c, "token_verify", &format!("signed-{name}"), signed);
        } else {
            let mut signed = vec![mode | 1];
            signed.extend_from_slice(&header);
            signed.push(SEPARATOR);
            signed.extend_from_slice(&claims);
            add(c, "token_verify", &format!("signed-{name}"), signed);
        }
    }
}

/// Key-set target: the good set, every jwks-vectors.json set, and token-vectors.json's sets.
fn key_sets(c: &mut Corpus) {
    add(c, "jwks_parse", "jwks", JWKS_JSON);
    let v: Value = serde_json::from_str(JWKS_VECTORS_JSON).expect("jwks-vectors.json");
    for case in v["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let text = case["jwks"].as_str().expect("jwks text");
        if text.len() <= 64 * 1024 {
            add(c, "jwks_parse", &format!("case-{name}"), text);
        }
    }
    let t: Value = serde_json::from_str(TOKEN_VECTORS_JSON).expect("token-vectors.json");
    for (name, set) in t["jwksSets"].as_object().expect("jwksSets") {
        add(c, "jwks_parse", &format!("set-{name}"), set.to_string());
    }
}

/// JSON reader target: every decoded header and claims of the token vectors, a few key sets,
/// and snippets for each grammar corner.
fn json_snippets(c: &mut Corpus) {
    let mut seen = std::collections::BTreeSet::new();
    for case in token_cases() {
        let name = case["name"].as_str().expect("name");
        let token = case["token"].as_str().expect("token");
        for (i, seg) in token.trim().split('.').take(2).enumerate() {
            let Ok(bytes) = URL_SAFE_NO_PAD.decode(seg) else {
                continue;
            };
            if bytes.len() > 4000 || !seen.insert(bytes.clone()) {
                continue;
            }
            let part = if i == 0 { "header" } else { "claims" };
            add(c, "json_reader", &format!("{part}-{name}"), bytes);
        }
    }
    add(c, "json_reader", "jwks", JWKS_JSON);
    let snippets: [(&str, &str); 24] = [
        ("empty-object", "{}"),
        (
            "scalars",
            r#" { "a" : 1 , "b" : [ true, false, null, -0, 1.5e+3, 2E-2, "x" ] } "#,
        ),
        ("nested", r#"{"a":{"b":{"c":[[],{}]}}}"#),
        ("escapes", r#"{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}"#),
        ("utf8", "{\"utf8\":\"h\u{e9}llo \u{1F600}\"}"),
        ("dup", r#"{"a":1,"a":2}"#),
        ("dup-escaped", r#"{"a":1,"\u0061":2}"#),
        ("dup-nested", r#"{"x":[{"b":1,"c":2,"b":3}]}"#),
        (
            "dup-long",
            r#"{"delegationDepth":1,"\u0064elegationDepth":2}"#,
        ),
        ("dup-surrogate", r#"{"\ud83d\ude00":1,"😀":2}"#),
        ("lone-high", r#"{"a":"\ud800"}"#),
        ("lone-low", r#"{"a":"\udc00"}"#),
        ("bad-pair", r#"{"a":"\ud800\u0041"}"#),
        (
            "big-numbers",
            r#"[1e400, -1e400, 18446744073709551616, -9223372036854775809, 1e-400]"#,
        ),
        ("leading-zero", r#"{"a":01}"#),
        ("trailing-comma", r#"{"a":[1,]}"#),
        ("control", "{\"a\":\"\u{1}\"}"),
        ("del-c1", "{\"a\":\"\u{7f}\u{85}\"}"),
        ("scalar-root", "\"just a string\""),
        ("array-root", "[1,\"two\",{\"three\":3}]"),
        ("deep-ok", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]"),
        ("deep-too", "[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]"),
        ("whitespace", " \t\r\n{ \"a\" :\n[ ]\t} \n"),
        (
            "act-chain",
            r#"{"act":{"sub":"a","act":{"sub":"b","act":{"sub":"c"}}}}"#,
        ),
    ];
    for (name, doc) in snippets {
        add(c, "json_reader", &format!("snippet-{name}"), doc);
    }
    let mut wide = String::from("{");
    for i in 0..257 {
        wide.push_str(&format!("\"k{i}\":{i},"));
    }
    wide.pop();
    wide.push('}');
    add(c, "json_reader", "snippet-wide-257", wide);
}

fn entry(i: usize, metadata: Value, prev: Option<String>) -> AuditEntry {
    let mut e = AuditEntry {
        entry_id: format!("alog_{i:02}"),
        agent_id: "ag_1".into(),
        agent_did: "did:grantex:ag_1".into(),
        grant_id: "grnt_1".into(),
        principal_id: "user-42".into(),
        developer_id: "dev_1".into(),
        action: "payment.initiated".into(),
        metadata,
        hash: String::new(),
        prev_hash: prev,
        timestamp: format!("2026-03-01T12:00:{i:02}.000Z"),
        status: "success".into(),
        purpose: None,
    };
    e.hash = compute_hash(&e);
    e
}

fn chain(metas: Vec<Value>) -> Vec<AuditEntry> {
    let mut out: Vec<AuditEntry> = Vec::new();
    for (i, m) in metas.into_iter().enumerate() {
        let prev = out.last().map(|e| e.hash.clone());
        out.push(entry(i, m, prev));
    }
    out
}

/// Audit-chain target: valid chains (tricky metadata included), a tampered and a reordered
/// one, the server's `id` alias and missing optional members.
fn audit_chains(c: &mut Corpus) {
    let tricky = json!({
        "z": 1,
        "a": {"y": [3, 1.0, 2.5, {"b": null, "a": true}],
              "x": "é\u{2028}\"\\\n\t\u{1}\u{7f}😀"},
        "\u{E000}": "pua", "😀": "emoji", "A": -0.0,
        "big": 1e21, "tiny": 1.5e-7, "m": 0.000001, "huge": 9007199254740993u64
    });
    let good = chain(vec![
        json!({"amount": 10, "currency": "USD"}),
        tricky.clone(),
        json!({}),
        json!([1, "two", null]),
    ]);
    let dump = |v: &Vec<AuditEntry>| serde_json::to_vec(v).expect("serialise");
    add(c, "audit_chain", "valid-4", dump(&good));
    add(c, "audit_chain", "valid-1", dump(&good[..1].to_vec()));
    add(c, "audit_chain", "empty", "[]");
    let mut tampered = good.clone();
    tampered[2].action = "payment.refunded".into();
    add(c, "audit_chain", "tampered-content", dump(&tampered));
    let mut reordered = good.clone();
    reordered.swap(1, 2);
    add(c, "audit_chain", "reordered", dump(&reordered));
    let mut removed = good.clone();
    removed.remove(1);
    add(c, "audit_chain", "removed", dump(&removed));
    add(
        c,
        "audit_chain",
        "server-shape",
        r#"[{"id":"alog_1","agentId":"a","agentDid":"d","grantId":"g","principalId":"p","action":"x","hash":"00","timestamp":"t","status":"success"}]"#,
    );
}

/// Request-body target: one realistic body per request type, plus the shapes the server must
/// refuse cleanly.
fn request_bodies(c: &mut Corpus) {
    let bodies: [(&str, Value); 14] = [
        (
            "signup",
            json!({"name": "Acme", "email": "ops@acme.example", "mode": "sandbox"}),
        ),
        (
            "update-settings",
            json!({"fidoRequired": false, "fidoRpName": "Acme", "name": "Acme 2"}),
        ),
        (
            "register-agent",
            json!({"name": "travel-bot", "scopes": ["calendar:read"], "description": "books trips"}),
        ),
        (
            "update-agent",
            json!({"name": "bot", "scopes": [], "status": "suspended"}),
        ),
        (
            "authorize",
            json!({"agentId": "ag_1", "principalId": "usr_1", "scopes": ["calendar:read", "email:send"], "expiresIn": "24h", "redirectUri": "https://app.example/cb", "codeChallenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "codeChallengeMethod": "S256", "audience": "https://api.example", "state": "xyz"}),
        ),
        (
            "authorize-user-id-alias",
            json!({"agentId": "ag_1", "userId": "usr_1", "scopes": []}),
        ),
        (
            "exchange",
            json!({"code": "code_1", "agentId": "ag_1", "codeVerifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}),
        ),
        (
            "refresh",
            json!({"refreshToken": "ref_1", "agentId": "ag_1"}),
        ),
        (
            "delegate",
            json!({"parentGrantToken": "eyJ...", "subAgentId": "ag_2", "scopes": ["calendar:read"], "expiresIn": "1h"}),
        ),
        (
            "audit-log",
            json!({"agentId": "ag_1", "agentDid": "did:grantex:ag_1", "grantId": "grnt_1", "principalId": "usr_1", "action": "payment.initiated", "metadata": {"amount": 12.5, "nested": [1, {"k": null}]}, "status": "blocked"}),
        ),
        (
            "principal-session",
            json!({"principalId": "usr_1", "expiresIn": "1é"}),
        ),
        (
            "wrong-types",
            json!({"name": 7, "scopes": "x", "agentId": null, "metadata": 1e300}),
        ),
        ("not-object", json!(["agentId", "ag_1"])),
        ("duplicate", Value::String(String::new())),
    ];
    for (name, body) in bodies {
        let text = if name == "duplicate" {
            r#"{"agentId":"ag_1","agentId":"ag_2","principalId":"p","scopes":[]}"#.to_owned()
        } else {
            body.to_string()
        };
        add(c, "request_bodies", name, text);
    }
}
