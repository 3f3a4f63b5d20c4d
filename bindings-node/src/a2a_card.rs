//! Agent cards (`/.well-known/agent.json`) with the Grantex bearer scheme: built and parsed by
//! the core, handed to JS as plain camelCase objects.

use crate::convert::{self, params};
use crate::errors::{a2a_to_napi, to_napi};
use grantex::a2a::{AgentCard, AgentCardOptions};
use napi::bindgen_prelude::Unknown;
use napi::{Env, Result};
use napi_derive::napi;
use serde_json::Value;

fn card_value(card: &AgentCard) -> Result<Value> {
    convert::to_json(card).map_err(to_napi)
}

/// Builds a card; an empty name, a non-http(s) URL or Grantex settings without both
/// `jwksUri` and `issuer` throw `invalid_argument`.
#[napi(js_name = "a2aBuildAgentCard", ts_return_type = "unknown")]
pub fn a2a_build_agent_card(env: Env, options: Unknown<'_>) -> Result<Value> {
    let o: AgentCardOptions = params(&env, "agent card options", options)?;
    let card = AgentCard::from_options(o).map_err(a2a_to_napi)?;
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
