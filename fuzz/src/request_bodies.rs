//! The core wire types the server deserialises request bodies into (`grantex::types::*`),
//! read the two ways bodies arrive: `serde_json::from_slice::<T>` directly, and the server's
//! own path (server/src/extract.rs: a `serde_json::Value`, which must be an object, then
//! `from_value::<T>`).
//!
//! Never panics. Whatever is accepted serialises, and its serialisation is accepted again and
//! reads back as the same value (as a `Value` and as text).

use grantex::types::{
    AuditLogParams, AuthorizeParams, DelegateParams, ExchangeTokenParams, PrincipalSessionParams,
    RefreshTokenParams, RegisterAgentParams, SignupParams, UpdateAgentParams, UpdateSettingsParams,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Debug;

/// The target's entry point: the input is tried as the body of every request type.
pub fn check(data: &[u8]) {
    let server_view = serde_json::from_slice::<Value>(data)
        .ok()
        .filter(Value::is_object);
    one::<SignupParams>(data, server_view.as_ref());
    one::<UpdateSettingsParams>(data, server_view.as_ref());
    one::<RegisterAgentParams>(data, server_view.as_ref());
    one::<UpdateAgentParams>(data, server_view.as_ref());
    one::<AuthorizeParams>(data, server_view.as_ref());
    one::<ExchangeTokenParams>(data, server_view.as_ref());
    one::<RefreshTokenParams>(data, server_view.as_ref());
    one::<DelegateParams>(data, server_view.as_ref());
    one::<AuditLogParams>(data, server_view.as_ref());
    one::<PrincipalSessionParams>(data, server_view.as_ref());
}

fn one<T>(data: &[u8], server_view: Option<&Value>)
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    if let Ok(body) = serde_json::from_slice::<T>(data) {
        round_trip(&body);
    }
    if let Some(value) = server_view {
        if let Ok(body) = serde_json::from_value::<T>(value.clone()) {
            round_trip(&body);
        }
    }
}

fn round_trip<T>(body: &T)
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let name = std::any::type_name::<T>();
    let value = serde_json::to_value(body)
        .unwrap_or_else(|e| panic!("an accepted {name} does not serialise: {e}: {body:?}"));
    let again: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("a serialised {name} is refused: {e}: {value}"));
    assert_eq!(&again, body, "{name} changed through a Value round trip");
    let text = serde_json::to_vec(body).expect("serialises");
    let again: T = serde_json::from_slice(&text).unwrap_or_else(|e| {
        panic!(
            "a serialised {name} is refused as text: {e}: {}",
            String::from_utf8_lossy(&text)
        )
    });
    // Text goes through float parsing, which may move a metadata number by one ulp; the
    // Value comparison above is exact, so here compare everything but numbers.
    assert_eq!(
        strip_numbers(serde_json::to_value(&again).expect("serialises")),
        strip_numbers(value),
        "{name} changed through a text round trip"
    );
}

fn strip_numbers(v: Value) -> Value {
    match v {
        Value::Number(_) => Value::Null,
        Value::Array(items) => Value::Array(items.into_iter().map(strip_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, strip_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}
