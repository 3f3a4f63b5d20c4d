//! The remote JWKS cache against local HTTP servers: TTL, single-flight unknown-kid refetch with
//! its 30 s cooldown (requests counted), fetch bounds, and that `verify_cached` never fetches.

use crate::error::TokenErrorCode;
use crate::jwks::{
    JwksCache, DEFAULT_STALE_IF_ERROR, FETCH_FAILURE_BACKOFF, JWKS_TTL, KID_REFETCH_COOLDOWN,
    MAX_STALE_IF_ERROR,
};
use crate::sign::RsaSigner;
use crate::verify::VerifyOptions;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const ISSUER: &str = "https://grantex.example";
const NOW: i64 = 1_767_225_600;

fn signer(name: &str) -> RsaSigner {
    let keys: serde_json::Value =
        serde_json::from_str(include_str!("../../../vectors/keys.json")).unwrap();
    let entry = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap();
    let der = STANDARD.decode(entry["pkcs8"].as_str().unwrap()).unwrap();
    RsaSigner::from_pkcs8_der(entry["kid"].as_str().unwrap(), &der).unwrap()
}

/// The key `name` published under another kid (a rebuilt issuer reusing a kid).
fn signer_as(name: &str, kid: &str) -> RsaSigner {
    let keys: serde_json::Value =
        serde_json::from_str(include_str!("../../../vectors/keys.json")).unwrap();
    let entry = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap();
    let der = STANDARD.decode(entry["pkcs8"].as_str().unwrap()).unwrap();
    RsaSigner::from_pkcs8_der(kid, &der).unwrap()
}

fn token(s: &RsaSigner) -> String {
    s.sign_claims(&serde_json::json!({
        "iss": ISSUER, "sub": "usr_1", "agt": "did:grantex:ag_1", "dev": "dev_1",
        "scp": ["calendar:read"], "jti": "tok_1", "iat": NOW - 10, "exp": NOW + 3600,
    }))
    .unwrap()
}

fn set_of(signers: &[&RsaSigner]) -> String {
    let keys: Vec<_> = signers.iter().map(|s| s.public_jwk()).collect();
    serde_json::json!({ "keys": keys }).to_string()
}

fn opts() -> VerifyOptions {
    VerifyOptions {
        issuer: Some(ISSUER.into()),
        now: Some(NOW),
        ..Default::default()
    }
}

fn code(r: crate::Result<impl std::fmt::Debug>) -> TokenErrorCode {
    match r {
        Ok(v) => panic!("expected a token error, got {v:?}"),
        Err(e) => {
            e.as_token()
                .unwrap_or_else(|| panic!("not a token error: {e}"))
                .code
        }
    }
}

/// Serves a switchable key set and counts the requests.
#[derive(Clone)]
struct KeySetServer {
    body: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
    delay: Duration,
}

impl KeySetServer {
    fn new(body: String, delay: Duration) -> Self {
        KeySetServer {
            body: Arc::new(Mutex::new(body)),
            hits: Arc::new(AtomicUsize::new(0)),
            delay,
        }
    }
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
    fn serve(&self, body: String) {
        *self.body.lock().unwrap() = body;
    }
}

impl Respond for KeySetServer {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.hits.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200)
            .set_delay(self.delay)
            .set_body_raw(self.body.lock().unwrap().clone(), "application/json")
    }
}

async fn serve(responder: impl Respond + 'static) -> (MockServer, String) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(responder)
        .mount(&server)
        .await;
    let uri = format!("{}/.well-known/jwks.json", server.uri());
    (server, uri)
}

async fn fetch_code(template: ResponseTemplate) -> TokenErrorCode {
    let (_server, uri) = serve(template).await;
    let cache = JwksCache::remote(&uri).unwrap();
    code(cache.refresh().await)
}

#[tokio::test]
async fn fetches_when_cold_then_serves_from_memory_until_the_ttl() {
    let primary = signer("primary");
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::ZERO);
    let (_server, uri) = serve(keys.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    assert_eq!(cache.jwks_uri(), Some(uri.as_str()));
    let t = token(&primary);
    for _ in 0..5 {
        assert_eq!(cache.verify(&t, &opts()).await.unwrap().token_id, "tok_1");
    }
    assert_eq!(keys.hits(), 1);
    cache.advance_clock(JWKS_TTL - Duration::from_secs(1));
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 1, "still inside the TTL");
    cache.advance_clock(Duration::from_secs(2));
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 2, "TTL expired: one refetch");
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 2);
}

#[tokio::test]
async fn a_failing_endpoint_is_not_fetched_per_verification() {
    let primary = signer("primary");
    let keys = KeySetServer::new("{}".into(), Duration::ZERO);
    let (_server, uri) = serve(keys.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    let t = token(&primary);
    for _ in 0..50 {
        assert_eq!(
            code(cache.verify(&t, &opts()).await),
            TokenErrorCode::InvalidJwks
        );
    }
    assert_eq!(keys.hits(), 1, "a failure is kept for the back-off");
    keys.serve(set_of(&[&primary]));
    assert_eq!(
        code(cache.verify(&t, &opts()).await),
        TokenErrorCode::InvalidJwks
    );
    assert_eq!(keys.hits(), 1);
    cache.advance_clock(FETCH_FAILURE_BACKOFF);
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(
        keys.hits(),
        2,
        "after the back-off the set is fetched again"
    );

    // The set expires while the endpoint fails (stale-if-error off here): one attempt per
    // back-off, not per token.
    cache.set_stale_if_error(Duration::ZERO).unwrap();
    keys.serve("{}".into());
    cache.advance_clock(JWKS_TTL);
    for _ in 0..20 {
        assert_eq!(
            code(cache.verify(&t, &opts()).await),
            TokenErrorCode::InvalidJwks
        );
    }
    assert_eq!(keys.hits(), 3);
    // A host-driven refresh is not held back.
    keys.serve(set_of(&[&primary]));
    cache.refresh().await.unwrap();
    assert_eq!(keys.hits(), 4);
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 4);
}

#[tokio::test]
async fn verify_cached_never_fetches() {
    let primary = signer("primary");
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::ZERO);
    let (_server, uri) = serve(keys.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    let t = token(&primary);
    assert_eq!(
        code(cache.verify_cached(&t, &opts())),
        TokenErrorCode::JwksFetch
    );
    assert_eq!(keys.hits(), 0);
    cache.refresh().await.unwrap();
    assert_eq!(keys.hits(), 1);
    cache.verify_cached(&t, &opts()).unwrap();
    let stranger = token(&signer("rotated"));
    assert_eq!(
        code(cache.verify_cached(&stranger, &opts())),
        TokenErrorCode::UnknownKid
    );
    cache.advance_clock(JWKS_TTL * 2);
    cache.verify_cached(&t, &opts()).unwrap();
    assert_eq!(keys.hits(), 1, "verify_cached fetched");
}

#[tokio::test]
async fn unknown_kid_refetches_once_for_concurrent_callers_then_cools_down() {
    let primary = signer("primary");
    let rotated = signer("rotated");
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::from_millis(200));
    let (_server, uri) = serve(keys.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    cache.verify(&token(&primary), &opts()).await.unwrap();
    assert_eq!(keys.hits(), 1);

    // The server rotates in a new key; ten callers present tokens signed by it at once.
    keys.serve(set_of(&[&primary, &rotated]));
    let rotated_token = token(&rotated);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (cache, t) = (cache.clone(), rotated_token.clone());
        tasks.spawn(async move { cache.verify(&t, &opts()).await });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap().unwrap().token_id, "tok_1");
    }
    assert_eq!(
        keys.hits(),
        2,
        "one single-flight refetch for all ten callers"
    );

    // Inside the cooldown an unknown kid gets no refetch, however many callers ask.
    let stranger = token(&signer("attacker"));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let (cache, t) = (cache.clone(), stranger.clone());
        tasks.spawn(async move { cache.verify(&t, &opts()).await });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(code(r.unwrap()), TokenErrorCode::UnknownKid);
    }
    assert_eq!(keys.hits(), 2);

    // After the cooldown: exactly one more refetch, and still unknown.
    cache.advance_clock(KID_REFETCH_COOLDOWN - Duration::from_secs(1));
    assert_eq!(
        code(cache.verify(&stranger, &opts()).await),
        TokenErrorCode::UnknownKid
    );
    assert_eq!(keys.hits(), 2);
    cache.advance_clock(Duration::from_secs(1));
    assert_eq!(
        code(cache.verify(&stranger, &opts()).await),
        TokenErrorCode::UnknownKid
    );
    assert_eq!(keys.hits(), 3);
    assert_eq!(
        code(cache.verify(&stranger, &opts()).await),
        TokenErrorCode::UnknownKid
    );
    assert_eq!(keys.hits(), 3);
    // Known kids keep verifying throughout.
    cache.verify(&rotated_token, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 3);
}

#[tokio::test]
async fn concurrent_cold_callers_share_one_fetch() {
    let primary = signer("primary");
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::from_millis(200));
    let (_server, uri) = serve(keys.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    let t = token(&primary);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (cache, t) = (cache.clone(), t.clone());
        tasks.spawn(async move { cache.verify(&t, &opts()).await });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap().unwrap();
    }
    assert_eq!(keys.hits(), 1);
}

#[tokio::test]
async fn malformed_tokens_do_not_trigger_a_fetch() {
    let keys = KeySetServer::new(set_of(&[&signer("primary")]), Duration::ZERO);
    let (_server, uri) = serve(keys.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    assert_eq!(
        code(cache.verify("not.a.token", &opts()).await),
        TokenErrorCode::Malformed
    );
    assert_eq!(
        code(cache.verify(&"x".repeat(20_000), &opts()).await),
        TokenErrorCode::TooLarge
    );
    let none = format!(
        "{}.e30.",
        STANDARD.encode(r#"{"alg":"none"}"#).trim_end_matches('=')
    );
    assert_eq!(
        code(cache.verify(&none, &opts()).await),
        TokenErrorCode::UnsupportedAlg
    );
    assert_eq!(keys.hits(), 0);
}

#[tokio::test]
async fn bounded_fetch_refuses_bad_responses() {
    let good = set_of(&[&signer("primary")]);
    let json =
        |status: u16| ResponseTemplate::new(status).set_body_raw(good.clone(), "application/json");
    assert_eq!(fetch_code(json(404)).await, TokenErrorCode::JwksFetch);
    assert_eq!(fetch_code(json(500)).await, TokenErrorCode::JwksFetch);
    assert_eq!(fetch_code(json(204)).await, TokenErrorCode::JwksFetch);
    let typed = |ct: &str| ResponseTemplate::new(200).set_body_raw(good.clone(), ct);
    assert_eq!(
        fetch_code(typed("text/html")).await,
        TokenErrorCode::JwksFetch
    );
    assert_eq!(
        fetch_code(typed("text/plain")).await,
        TokenErrorCode::JwksFetch
    );
    let gzip = json(200).insert_header("content-encoding", "gzip");
    assert_eq!(fetch_code(gzip).await, TokenErrorCode::JwksFetch);

    // Both JSON media types are accepted, parameters ignored.
    for ct in [
        "application/jwk-set+json",
        "application/json; charset=utf-8",
        "Application/JSON",
    ] {
        let (_server, uri) = serve(typed(ct)).await;
        JwksCache::remote(&uri).unwrap().refresh().await.unwrap();
    }

    // Over 64 KiB is refused even though it is valid JSON.
    let big = format!(
        r#"{{"keys":{},"pad":"{}"}}"#,
        &good[8..good.len() - 1],
        "x".repeat(70 * 1024)
    );
    assert!(serde_json::from_str::<serde_json::Value>(&big).is_ok());
    assert_eq!(
        fetch_code(ResponseTemplate::new(200).set_body_raw(big, "application/json")).await,
        TokenErrorCode::JwksFetch
    );

    // 129 keys (under 64 KiB) is an invalid set.
    let rotated = signer("rotated");
    let many: Vec<_> = (0..129)
        .map(|i| {
            let mut j = rotated.public_jwk();
            j.kid = Some(format!("k{i}"));
            j
        })
        .collect();
    let many = serde_json::json!({ "keys": many }).to_string();
    assert!(many.len() < 64 * 1024, "{}", many.len());
    assert_eq!(
        fetch_code(ResponseTemplate::new(200).set_body_raw(many, "application/json")).await,
        TokenErrorCode::InvalidJwks
    );

    // Not JSON at all.
    assert_eq!(
        fetch_code(typed("application/json").set_body_raw("<html>", "application/json")).await,
        TokenErrorCode::InvalidJwks
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = MockServer::start().await;
    let target = KeySetServer::new(set_of(&[&signer("primary")]), Duration::ZERO);
    Mock::given(method("GET"))
        .and(path("/real/jwks.json"))
        .respond_with(target.clone())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/.well-known/jwks.json"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/real/jwks.json", server.uri())),
        )
        .mount(&server)
        .await;
    let cache = JwksCache::remote(&format!("{}/.well-known/jwks.json", server.uri())).unwrap();
    assert_eq!(code(cache.refresh().await), TokenErrorCode::JwksFetch);
    assert_eq!(target.hits(), 0);
}

#[tokio::test]
async fn a_slow_server_hits_the_five_second_deadline() {
    let slow = ResponseTemplate::new(200)
        .set_delay(Duration::from_secs(8))
        .set_body_raw(set_of(&[&signer("primary")]), "application/json");
    let started = std::time::Instant::now();
    assert_eq!(fetch_code(slow).await, TokenErrorCode::JwksFetch);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(4900) && took < Duration::from_secs(7),
        "{took:?}"
    );
}

/// A chunked body with no Content-Length: the reader must stop once 64 KiB is exceeded.
#[tokio::test]
async fn streamed_oversized_body_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        sock.write_all(head.as_bytes()).await.unwrap();
        let chunk = vec![b' '; 8192];
        let mut sent = 0usize;
        // Up to 4 MiB; stops early when the client hangs up.
        while sent < 4 << 20 {
            let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if sock.write_all(&frame).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    let cache = JwksCache::remote(&format!("http://{addr}/.well-known/jwks.json")).unwrap();
    assert_eq!(code(cache.refresh().await), TokenErrorCode::JwksFetch);
    drop(cache);
    let sent = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap();
    assert!(sent < 4 << 20, "the client read the whole 4 MiB body");
}

#[tokio::test]
async fn shared_registry_reuses_and_bounds_caches() {
    let primary = signer("primary");
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::ZERO);
    let (_server, uri) = serve(keys.clone()).await;
    let t = token(&primary);
    crate::verify_grant_token(&t, &uri, &opts()).await.unwrap();
    crate::verify_grant_token(&t, &uri, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 1, "the second call used the shared cache");
    JwksCache::shared(&uri)
        .unwrap()
        .verify_cached(&t, &opts())
        .unwrap();

    // Filling the registry past its capacity drops the oldest entries.
    for i in 0..crate::jwks::SHARED_CAPACITY {
        JwksCache::shared(&format!(
            "http://127.0.0.1:9/evict-{i}/.well-known/jwks.json"
        ))
        .unwrap();
    }
    let fresh = JwksCache::shared(&uri).unwrap();
    assert_eq!(
        code(fresh.verify_cached(&t, &opts())),
        TokenErrorCode::JwksFetch
    );
}

#[tokio::test]
async fn issuer_is_derived_from_the_uri() {
    let primary = signer("primary");
    let (server, uri) = serve(KeySetServer::new(set_of(&[&primary]), Duration::ZERO)).await;
    let cache = JwksCache::remote(&uri).unwrap();
    let mine = primary
        .sign_claims(&serde_json::json!({
            "iss": server.uri(), "sub": "u", "agt": "a", "dev": "d", "scp": [], "jti": "j",
            "iat": NOW, "exp": NOW + 60,
        }))
        .unwrap();
    let no_issuer = VerifyOptions {
        now: Some(NOW),
        ..Default::default()
    };
    assert_eq!(
        cache.verify(&mine, &no_issuer).await.unwrap().issuer,
        server.uri()
    );
    assert_eq!(
        code(cache.verify(&token(&primary), &no_issuer).await),
        TokenErrorCode::WrongIssuer
    );
}

#[test]
fn remote_needs_an_http_url() {
    for bad in [
        "",
        "not a url",
        "ftp://example.com/jwks.json",
        "file:///etc/jwks.json",
        "mailto:x@y",
    ] {
        assert_eq!(
            JwksCache::remote(bad).unwrap_err().code(),
            "config_error",
            "{bad}"
        );
        assert_eq!(
            JwksCache::shared(bad).unwrap_err().code(),
            "config_error",
            "{bad}"
        );
    }
}

#[tokio::test]
async fn static_sets_do_not_fetch() {
    let primary = signer("primary");
    let cache = JwksCache::from_json(&set_of(&[&primary])).unwrap();
    cache.refresh().await.unwrap();
    assert_eq!(
        cache
            .verify(&token(&primary), &opts())
            .await
            .unwrap()
            .principal_id,
        "usr_1"
    );
    assert_eq!(
        code(cache.verify(&token(&signer("rotated")), &opts()).await),
        TokenErrorCode::UnknownKid
    );
    assert!(format!("{cache:?}").contains("JwksCache"));
}

/// Serves a switchable key set, or fails with 503 while `down` is set.
#[derive(Clone)]
struct FlakyServer {
    keys: KeySetServer,
    down: Arc<std::sync::atomic::AtomicBool>,
}

impl Respond for FlakyServer {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        if self.down.load(Ordering::SeqCst) {
            self.keys.hits.fetch_add(1, Ordering::SeqCst);
            return ResponseTemplate::new(503);
        }
        self.keys.respond(r)
    }
}

#[tokio::test]
async fn an_expired_set_keeps_verifying_while_the_endpoint_is_down_then_fails_closed() {
    let primary = signer("primary");
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::ZERO);
    let flaky = FlakyServer {
        keys: keys.clone(),
        down: Arc::new(std::sync::atomic::AtomicBool::new(false)),
    };
    let (_server, uri) = serve(flaky.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    assert_eq!(cache.stale_if_error(), DEFAULT_STALE_IF_ERROR);
    let t = token(&primary);
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 1);

    flaky.down.store(true, Ordering::SeqCst);
    cache.advance_clock(JWKS_TTL);
    for _ in 0..10 {
        assert_eq!(cache.verify(&t, &opts()).await.unwrap().token_id, "tok_1");
    }
    assert_eq!(keys.hits(), 2, "one refetch attempt, kept for the back-off");
    // Still inside the grace an hour later (one more attempt per back-off).
    cache.advance_clock(DEFAULT_STALE_IF_ERROR - Duration::from_secs(10));
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 3);
    // Past TTL + grace: fails closed with the fetch error.
    cache.advance_clock(Duration::from_secs(10));
    assert_eq!(
        code(cache.verify(&t, &opts()).await),
        TokenErrorCode::JwksFetch
    );
    // verify_cached (no network) is not stretched by the grace either way: it uses what it has.
    cache.verify_cached(&t, &opts()).unwrap();
    // The endpoint comes back: a fresh set, and the clock of the grace restarts.
    flaky.down.store(false, Ordering::SeqCst);
    cache.advance_clock(FETCH_FAILURE_BACKOFF);
    cache.verify(&t, &opts()).await.unwrap();
}

#[tokio::test]
async fn a_zero_grace_fails_closed_at_the_ttl_and_the_grace_is_bounded() {
    let primary = signer("primary");
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::ZERO);
    let flaky = FlakyServer {
        keys: keys.clone(),
        down: Arc::new(std::sync::atomic::AtomicBool::new(false)),
    };
    let (_server, uri) = serve(flaky.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    cache.set_stale_if_error(Duration::ZERO).unwrap();
    let t = token(&primary);
    cache.verify(&t, &opts()).await.unwrap();
    flaky.down.store(true, Ordering::SeqCst);
    cache.advance_clock(JWKS_TTL);
    assert_eq!(
        code(cache.verify(&t, &opts()).await),
        TokenErrorCode::JwksFetch
    );
    let err = cache
        .set_stale_if_error(MAX_STALE_IF_ERROR + Duration::from_secs(1))
        .unwrap_err();
    assert_eq!(err.code(), "config_error");
    cache.set_stale_if_error(MAX_STALE_IF_ERROR).unwrap();
    assert_eq!(cache.stale_if_error(), MAX_STALE_IF_ERROR);
}

#[tokio::test]
async fn a_bad_signature_under_a_known_kid_refetches_once_per_cooldown() {
    let primary = signer("primary");
    let kid = primary.kid().to_owned();
    let replacement = signer_as("rotated", &kid);
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::ZERO);
    let (_server, uri) = serve(keys.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    cache.verify(&token(&primary), &opts()).await.unwrap();
    assert_eq!(keys.hits(), 1);

    // The issuer was rebuilt: a new key behind the same kid. The first token signed with it
    // fails against the cached key, the cache refetches once and the token verifies.
    keys.serve(set_of(&[&replacement]));
    let fresh = token(&replacement);
    assert_eq!(
        cache.verify(&fresh, &opts()).await.unwrap().token_id,
        "tok_1"
    );
    assert_eq!(keys.hits(), 2);

    // Forgeries under the known kid: bad_signature, and no refetch inside the cooldown.
    let forged = token(&signer_as("attacker", &kid));
    for _ in 0..20 {
        assert_eq!(
            code(cache.verify(&forged, &opts()).await),
            TokenErrorCode::BadSignature
        );
    }
    assert_eq!(keys.hits(), 2);
    // After the cooldown one refetch, which changes nothing: still bad_signature.
    cache.advance_clock(KID_REFETCH_COOLDOWN);
    assert_eq!(
        code(cache.verify(&forged, &opts()).await),
        TokenErrorCode::BadSignature
    );
    assert_eq!(keys.hits(), 3);
}

#[tokio::test]
async fn the_max_age_is_configurable_and_bounded() {
    let primary = signer("primary");
    let keys = KeySetServer::new(set_of(&[&primary]), Duration::ZERO);
    let (_server, uri) = serve(keys.clone()).await;
    let cache = JwksCache::remote(&uri).unwrap();
    assert_eq!(cache.max_age(), JWKS_TTL);
    cache.set_max_age(Duration::from_secs(60)).unwrap();
    let t = token(&primary);
    cache.verify(&t, &opts()).await.unwrap();
    cache.advance_clock(Duration::from_secs(59));
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 1);
    cache.advance_clock(Duration::from_secs(1));
    cache.verify(&t, &opts()).await.unwrap();
    assert_eq!(keys.hits(), 2);
    for bad in [
        Duration::ZERO,
        Duration::from_millis(999),
        Duration::from_secs(86_401),
    ] {
        assert_eq!(cache.set_max_age(bad).unwrap_err().code(), "config_error");
    }
}
