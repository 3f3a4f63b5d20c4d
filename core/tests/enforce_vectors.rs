//! The shared enforce vectors (vectors/enforce-vectors.json) against the core's `Enforcer`
//! and manifest validation; every binding runs the same file.

use grantex::enforce::{EnforceCall, EnforceConfig, Enforcer, ToolManifest};
use grantex::{Client, ClientConfig, Error};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/enforce-vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn merged(base: &Value, over: Option<&Value>) -> Value {
    let mut out = base.clone();
    if let Some(Value::Object(o)) = over {
        for (k, v) in o {
            out[k] = v.clone();
        }
    }
    out
}

/// Compares the members `expect` names with the result's.
pub fn check(name: &str, result: &Value, expect: &Value) {
    for (key, want) in expect.as_object().unwrap() {
        let got = if key == "wouldDeny" {
            result["wouldDeny"]["reason_code"].clone()
        } else {
            result[key].clone()
        };
        assert_eq!(&got, want, "{name}: {key} (result {result})");
    }
}

#[tokio::test]
async fn every_enforce_vector() {
    let v = vectors();
    let client = Client::new(ClientConfig {
        api_key: Some("gx_test_vectors".into()),
        base_url: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    })
    .unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 50, "{}", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let config: EnforceConfig =
            serde_json::from_value(merged(&v["config"], case.get("config"))).unwrap();
        let e = Enforcer::new(client.clone(), config).unwrap();
        for m in v["manifests"].as_array().unwrap() {
            e.load_manifest(ToolManifest::from_document(m).unwrap().manifest);
        }
        let mut call = case["call"].clone();
        call["grantToken"] = case["token"].clone();
        let call: EnforceCall = serde_json::from_value(call).unwrap();
        let result = serde_json::to_value(e.enforce(&call).await.unwrap()).unwrap();
        check(name, &result, &case["expect"]);
    }
}

#[test]
fn every_manifest_vector() {
    let v = vectors();
    for case in v["manifestCases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let loaded = match case.get("text") {
            Some(t) => ToolManifest::from_json_text(t.as_str().unwrap()),
            None => ToolManifest::from_document(&case["document"]),
        };
        match (case["expect"].as_str().unwrap(), loaded) {
            ("valid", Ok(m)) => {
                if let Some(keys) = case.get("ignoredKeys") {
                    assert_eq!(
                        &serde_json::to_value(&m.ignored_keys).unwrap(),
                        keys,
                        "{name}"
                    );
                }
            }
            ("valid", Err(e)) => panic!("{name}: {e}"),
            (want, Err(Error::Manifest { message })) => {
                assert!(message.contains(want), "{name}: {message}")
            }
            (want, other) => panic!("{name}: expected an error containing {want:?}, got {other:?}"),
        }
    }
}
