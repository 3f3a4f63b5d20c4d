//! Agent cards (`/.well-known/agent.json`) with the Grantex bearer scheme: built and parsed by
//! the core, handed to JS as plain camelCase objects.

use crate::convert::{self, params};
use crate::errors::{a2a_to_napi, to_napi};
use grantex::a2a::{A2AError, AgentCapabilities, AgentCard, AgentProvider, AgentSkill};
use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;

/// What `buildGrantexAgentCard` takes (the reference option names).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CardOptions {
    name: String,
    #[serde(default)]
    description: String,
    url: String,
    jwks_uri: Option<String>,
    issuer: Option<String>,
    required_scopes: Option<Vec<String>>,
    delegation_allowed: Option<bool>,
    version: Option<String>,
    provider: Option<AgentProvider>,
    capabilities: Option<AgentCapabilities>,
    skills: Option<Vec<AgentSkill>>,
    default_input_modes: Option<Vec<String>>,
    default_output_modes: Option<Vec<String>>,
}

fn build(o: CardOptions) -> std::result::Result<AgentCard, A2AError> {
    let mut b = AgentCard::builder(o.name, o.description, o.url);
    if o.jwks_uri.is_some() || o.issuer.is_some() {
        b = b.grantex(o.jwks_uri.unwrap_or_default(), o.issuer.unwrap_or_default());
    }
    if let Some(scopes) = o.required_scopes {
        b = b.required_scopes(scopes);
    }
    if let Some(allowed) = o.delegation_allowed {
        b = b.delegation_allowed(allowed);
    }
    if let Some(v) = o.version {
        b = b.version(v);
    }
    if let Some(p) = o.provider {
        b = b.provider(p);
    }
    if let Some(c) = o.capabilities {
        b = b.capabilities(c);
    }
    for skill in o.skills.into_iter().flatten() {
        b = b.skill(skill);
    }
    if o.default_input_modes.is_some() || o.default_output_modes.is_some() {
        let plain = || vec!["text/plain".to_owned()];
        b = b.modes(
            o.default_input_modes.unwrap_or_else(plain),
            o.default_output_modes.unwrap_or_else(plain),
        );
    }
    b.build()
}

fn card_value(card: &AgentCard) -> Result<Value> {
    convert::to_json(card).map_err(to_napi)
}

/// Builds a card; an empty name, a non-http(s) URL or Grantex settings without both
/// `jwksUri` and `issuer` throw `invalid_argument`.
#[napi(js_name = "a2aBuildAgentCard", ts_return_type = "unknown")]
pub fn a2a_build_agent_card(env: Env, options: Unknown<'_>) -> Result<Value> {
    let o: CardOptions = params(&env, "agent card options", options)?;
    let card = build(o).map_err(a2a_to_napi)?;
    card_value(&card)
}

/// Parses and validates card JSON (at most 1 MiB); anything else throws `a2a_card_error`.
#[napi(js_name = "a2aParseAgentCard", ts_return_type = "unknown")]
pub fn a2a_parse_agent_card(card_json: String) -> Result<Value> {
    let card = AgentCard::from_json(&card_json).map_err(a2a_to_napi)?;
    card_value(&card)
}

/// The Grantex settings of a card's first bearer scheme carrying them (`null` when none), as
/// the core finds them (scheme names match case-insensitively).
#[napi(js_name = "a2aCardGrantexConfig", ts_return_type = "unknown")]
pub fn a2a_card_grantex_config(card_json: String) -> Result<Value> {
    let card = AgentCard::from_json(&card_json).map_err(a2a_to_napi)?;
    match card.grantex_config() {
        Some(cfg) => convert::to_json(cfg).map_err(to_napi),
        None => Ok(Value::Null),
    }
}

/// Where an agent serves its card, relative to its URL (a function: napi registers no string
/// constants).
#[napi(js_name = "a2aAgentCardPath")]
pub fn agent_card_path() -> &'static str {
    grantex::a2a::AGENT_CARD_PATH
}
