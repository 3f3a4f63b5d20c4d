//! Output shapes of the vector files, plus an ordered JSON object builder for token contents.
//!
//! Signed bytes are built as text by [`Obj`], never through `serde_json::Value`, so member order
//! (and so every token) does not depend on serde_json features enabled elsewhere in the build.

use grantex::types::Jwk;
use grantex::VerifiedGrant;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

#[derive(Serialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct CaseOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_tolerance: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delegation_depth: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_sandbox: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_agent_did: Option<String>,
    /// Reference options set by name (`grantex::verify::REFERENCE_OPTIONS`): each
    /// `{"name", "jsName", "value"}`, applied the way each binding applies them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reference_options: Vec<serde_json::Value>,
}

#[derive(Serialize)]
pub struct TokenCase {
    pub name: String,
    pub description: String,
    pub token: String,
    pub options: CaseOptions,
    pub expect: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "claims_with_nulls"
    )]
    pub claims: Option<VerifiedGrant>,
}

/// The vectors spell every claim out, absent optional ones as `null` (the core's serialisation
/// leaves them out, as the reference SDKs' results do).
const OPTIONAL_CLAIMS: [&str; 10] = [
    "clientId",
    "parentAgentDid",
    "parentGrantId",
    "delegationDepth",
    "authorizationDetails",
    "act",
    "cnf",
    "audience",
    "webauthnEvidence",
    "budget",
];

fn claims_with_nulls<S: serde::Serializer>(
    claims: &Option<VerifiedGrant>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut value = serde_json::to_value(claims).map_err(serde::ser::Error::custom)?;
    if let Some(map) = value.as_object_mut() {
        for key in OPTIONAL_CLAIMS {
            map.entry(key).or_insert(serde_json::Value::Null);
        }
    }
    serde::Serialize::serialize(&value, s)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenVectors {
    pub description: &'static str,
    pub now: i64,
    pub issuer: String,
    pub jwks: JwkSet,
    pub jwks_sets: BTreeMap<String, JwkSet>,
    pub cases: Vec<TokenCase>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JwksCase {
    pub name: String,
    pub description: String,
    /// The key-set document as text (some are deliberately not valid JSON).
    pub jwks: String,
    /// `ok` or `invalid_jwks`.
    pub expect: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_expect: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JwksVectors {
    pub description: &'static str,
    pub now: i64,
    pub issuer: String,
    pub cases: Vec<JwksCase>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerCase {
    pub jwks_uri: String,
    pub issuer: String,
}

#[derive(Serialize)]
pub struct IssuerVectors {
    pub description: &'static str,
    pub cases: Vec<IssuerCase>,
}

/// A JSON object as ordered (raw name, raw value) text pairs.
#[derive(Clone, Default)]
pub struct Obj(Vec<(String, String)>);

pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("string serialises")
}

impl Obj {
    pub fn new() -> Obj {
        Obj(Vec::new())
    }

    /// Sets `name` (JSON-escaped for you) to the raw JSON `value`, replacing an earlier value.
    pub fn raw(mut self, name: &str, value: impl Into<String>) -> Obj {
        let key = json_str(name);
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
        self
    }

    /// Appends a member whose name is given as raw JSON text (escapes, duplicates allowed).
    pub fn push_raw_name(mut self, raw_name: &str, value: impl Into<String>) -> Obj {
        self.0.push((format!("\"{raw_name}\""), value.into()));
        self
    }

    pub fn s(self, name: &str, value: &str) -> Obj {
        self.raw(name, json_str(value))
    }

    pub fn i(self, name: &str, value: i64) -> Obj {
        self.raw(name, value.to_string())
    }

    pub fn strs(self, name: &str, values: &[&str]) -> Obj {
        let items: Vec<String> = values.iter().map(|v| json_str(v)).collect();
        self.raw(name, format!("[{}]", items.join(",")))
    }

    pub fn obj(self, name: &str, value: &Obj) -> Obj {
        self.raw(name, value.text())
    }

    pub fn without(mut self, name: &str) -> Obj {
        let key = json_str(name);
        self.0.retain(|(k, _)| *k != key);
        self
    }

    pub fn text(&self) -> String {
        let members: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        format!("{{{}}}", members.join(","))
    }
}
