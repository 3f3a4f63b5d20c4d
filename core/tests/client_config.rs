//! Client construction: API key and base URL resolution (explicit, environment, default) and
//! the validation errors. Everything that touches the environment is in ONE test so that no
//! two threads of this binary read and write it at the same time.

use grantex::{Client, ClientConfig, Error};
use std::time::Duration;

fn config(key: Option<&str>, base: Option<&str>) -> ClientConfig {
    ClientConfig {
        api_key: key.map(str::to_owned),
        base_url: base.map(str::to_owned),
        ..Default::default()
    }
}

fn config_error(result: grantex::Result<Client>) -> String {
    match result {
        Err(Error::Config { message }) => message,
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn bad_base_urls_are_config_errors() {
    for bad in [
        "",
        "   ",
        "api.grantex.dev",
        "ftp://api.grantex.dev",
        "file:///etc/passwd",
        "http://",
        "http://host:99999",
        "https://host/api?v=1",
        "https://host/#frag",
        "javascript:alert(1)",
    ] {
        let message = config_error(Client::new(config(Some("k-0123456789abcdef"), Some(bad))));
        assert!(message.contains("base URL"), "{bad}: {message}");
    }
}

#[test]
fn base_url_is_normalised() {
    let c = Client::new(config(
        Some("k-0123456789abcdef"),
        Some("http://127.0.0.1:3001///"),
    ))
    .unwrap();
    assert_eq!(c.base_url(), "http://127.0.0.1:3001");
    assert_eq!(c.jwks_uri(), "http://127.0.0.1:3001/.well-known/jwks.json");
}

#[test]
fn blank_or_unusable_api_keys_are_config_errors() {
    for bad in ["", "   ", "\t\n"] {
        let message = config_error(Client::new(config(Some(bad), Some("http://127.0.0.1:1"))));
        assert!(message.contains("API key"), "{message}");
    }
    let message = config_error(Client::new(config(
        Some("bad\nkey"),
        Some("http://127.0.0.1:1"),
    )));
    assert!(message.contains("API key"), "{message}");
    // The key is never echoed back.
    assert!(!message.contains("bad\nkey"));
}

#[test]
fn other_settings_are_validated() {
    let mut c = config(Some("k-0123456789abcdef"), Some("http://127.0.0.1:1"));
    c.timeout = Some(Duration::ZERO);
    assert!(config_error(Client::new(c.clone())).contains("timeout"));
    c.timeout = None;
    c.user_agent = Some("bad\r\nagent".into());
    assert!(config_error(Client::new(c)).contains("user_agent"));
}

#[test]
fn debug_output_never_shows_the_key() {
    let cfg = config(Some("gx_live_SECRET_VALUE_123"), Some("http://127.0.0.1:1"));
    assert!(!format!("{cfg:?}").contains("SECRET"));
    let client = Client::new(cfg).unwrap();
    let text = format!("{client:?}");
    assert!(!text.contains("SECRET"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<grantex::blocking::Client>();
}

/// The only test that reads or writes GRANTEX_API_KEY / GRANTEX_BASE_URL.
#[test]
fn environment_fallbacks() {
    std::env::remove_var("GRANTEX_API_KEY");
    std::env::remove_var("GRANTEX_BASE_URL");

    let message = config_error(Client::new(ClientConfig::default()));
    assert!(message.contains("GRANTEX_API_KEY"), "{message}");

    std::env::set_var("GRANTEX_API_KEY", "   ");
    config_error(Client::new(ClientConfig::default()));

    std::env::set_var("GRANTEX_API_KEY", "  env-key-0123456789 \n");
    let c = Client::new(ClientConfig::default()).unwrap();
    assert_eq!(
        c.base_url(),
        "https://api.grantex.dev",
        "the default base URL"
    );

    std::env::set_var("GRANTEX_BASE_URL", "http://localhost:3001/");
    let c = Client::new(ClientConfig::default()).unwrap();
    assert_eq!(c.base_url(), "http://localhost:3001");

    // An explicit value beats the environment.
    let c = Client::new(config(None, Some("https://other.example"))).unwrap();
    assert_eq!(c.base_url(), "https://other.example");

    std::env::set_var("GRANTEX_BASE_URL", "not a url");
    config_error(Client::new(ClientConfig::default()));

    // An explicit blank key is an error even when the environment has one.
    std::env::set_var("GRANTEX_BASE_URL", "http://localhost:3001");
    config_error(Client::new(config(Some(""), None)));

    std::env::remove_var("GRANTEX_API_KEY");
    std::env::remove_var("GRANTEX_BASE_URL");
}
