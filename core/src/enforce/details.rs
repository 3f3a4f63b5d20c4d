//! The grant's `authorization_details` (RFC 9396) as `enforce` reads it: one
//! `urn:grantex:tools:v1` entry per connector (purpose, data region, tool list, caps) and
//! `urn:grantex:decision:v1` entries (tools that need a decision grant). Entries of other types
//! are other authorizations and are skipped; anything ambiguous is an error, and `enforce`
//! denies every call of such a grant.

use super::manifest::MAX_COUNT;
use super::names::{is_name, is_tool_pattern, is_unit};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const TOOLS_DETAIL_TYPE: &str = "urn:grantex:tools:v1";
pub const DECISION_DETAIL_TYPE: &str = "urn:grantex:decision:v1";
/// Key of the connector's cost-unit budget in `caps`.
pub const COST_UNITS_KEY: &str = "cost_units";

const TOOLS_KEYS: &[&str] = &[
    "type",
    "connector",
    "purpose",
    "data_region",
    "tools",
    "caps",
];
const DECISION_KEYS: &[&str] = &["type", "connector", "tools", "four_eyes_on"];
const CAP_WINDOWS: &[&str] = &["per_hour", "per_day", "per_case"];

/// A tools entry's caps: tool (or `cost_units`) → window → count, in claim order.
pub type GrantCaps = Vec<(String, Vec<(String, u64)>)>;

/// One `urn:grantex:tools:v1` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolsEntry {
    /// As issued (not validated against the vocabulary: `enforce` does that).
    pub purpose: Option<String>,
    pub data_region: Option<String>,
    /// Tool names or prefixes ending in `*`; `None`: every tool.
    pub tools: Option<Vec<String>>,
    /// Tool (or `cost_units`) → window → count.
    pub caps: Option<GrantCaps>,
}

impl ToolsEntry {
    /// Whether the entry's tool list (when it has one) names `tool`.
    pub fn allows_tool(&self, tool: &str) -> bool {
        self.tools.as_ref().is_none_or(|list| {
            list.iter().any(|e| match e.strip_suffix('*') {
                Some(prefix) => tool.starts_with(prefix),
                None => e == tool,
            })
        })
    }

    /// Whether the grant caps this tool (or, for a tool with cost units, the budget).
    pub fn caps_apply(&self, tool: &str, tool_has_cost_units: bool) -> bool {
        self.caps.as_ref().is_some_and(|caps| {
            caps.iter()
                .any(|(k, _)| k == tool || (tool_has_cost_units && k == COST_UNITS_KEY))
        })
    }
}

/// One `urn:grantex:decision:v1` entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecisionEntry {
    pub tools: Vec<String>,
    pub four_eyes_on: HashMap<String, Vec<String>>,
}

/// The entries of one grant, by connector.
#[derive(Clone, Debug, Default)]
pub struct Details {
    pub tools: HashMap<String, ToolsEntry>,
    pub decisions: HashMap<String, DecisionEntry>,
}

fn entry_type<'v>(raw: &'v Value, at: &str) -> Result<(&'v Map<String, Value>, &'v str), String> {
    let obj = raw
        .as_object()
        .ok_or_else(|| format!("{at} must be an object"))?;
    match obj.get("type").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => Ok((obj, t)),
        _ => Err(format!("{at}.type must be a non-empty string")),
    }
}

fn connector_of(obj: &Map<String, Value>, at: &str, keys: &[&str]) -> Result<String, String> {
    let mut unknown: Vec<&String> = obj.keys().filter(|k| !keys.contains(&k.as_str())).collect();
    unknown.sort();
    if let Some(k) = unknown.first() {
        return Err(format!("{at} has unknown key {k:?}"));
    }
    match obj.get("connector").and_then(Value::as_str) {
        Some(c) if is_name(c) => Ok(c.to_string()),
        _ => Err(format!("{at}.connector must be a connector name")),
    }
}

fn caps(raw: &Value, at: &str) -> Result<GrantCaps, String> {
    let obj = raw
        .as_object()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| format!("{at} must be a non-empty object"))?;
    let mut out = Vec::with_capacity(obj.len());
    for (name, windows) in obj {
        if !(name == COST_UNITS_KEY || is_name(name)) || name.contains('*') {
            return Err(format!(
                "{at} key {name:?} must be an exact tool name or cost_units; wildcards are not allowed"
            ));
        }
        let w = windows
            .as_object()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| format!("{at}.{name} must be a non-empty object"))?;
        let mut counts = Vec::with_capacity(w.len());
        for (window, v) in w {
            if !CAP_WINDOWS.contains(&window.as_str()) {
                return Err(format!("{at}.{name} has unknown window {window:?}"));
            }
            let n = v
                .as_u64()
                .or_else(|| {
                    v.as_f64()
                        .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                        .map(|f| f as u64)
                })
                .filter(|n| *n <= MAX_COUNT)
                .ok_or_else(|| {
                    format!("{at}.{name}.{window} must be an integer between 0 and {MAX_COUNT}")
                })?;
            counts.push((window.clone(), n));
        }
        out.push((name.clone(), counts));
    }
    Ok(out)
}

fn optional_string(
    obj: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{at}.{key} must be a string")),
    }
}

/// Reads the claim (`None`: no claim, no entries). The error says what is ambiguous.
pub fn parse(claim: Option<&Value>) -> Result<Details, String> {
    let mut out = Details::default();
    let Some(claim) = claim else {
        return Ok(out);
    };
    let list = claim
        .as_array()
        .ok_or_else(|| "authorization_details must be an array".to_string())?;
    for (i, raw) in list.iter().enumerate() {
        let at = format!("authorization_details[{i}]");
        let (obj, kind) = entry_type(raw, &at)?;
        if kind == TOOLS_DETAIL_TYPE {
            let connector = connector_of(obj, &at, TOOLS_KEYS)?;
            if out.tools.contains_key(&connector) {
                return Err(format!(
                    "{at} repeats connector {connector:?}; a grant carries one tools entry per connector"
                ));
            }
            let tools = match obj.get("tools") {
                None => None,
                Some(v) => Some(
                    v.as_array()
                        .and_then(|a| {
                            a.iter()
                                .map(|t| t.as_str().filter(|s| is_tool_pattern(s)).map(String::from))
                                .collect::<Option<Vec<_>>>()
                        })
                        .ok_or_else(|| {
                            format!("{at}.tools must be an array of tool names or name prefixes ending in *")
                        })?,
                ),
            };
            let entry = ToolsEntry {
                purpose: optional_string(obj, "purpose", &at)?,
                data_region: optional_string(obj, "data_region", &at)?,
                tools,
                caps: obj
                    .get("caps")
                    .map(|c| caps(c, &format!("{at}.caps")))
                    .transpose()?,
            };
            out.tools.insert(connector, entry);
        } else if kind == DECISION_DETAIL_TYPE {
            let connector = connector_of(obj, &at, DECISION_KEYS)?;
            if out.decisions.contains_key(&connector) {
                return Err(format!(
                    "{at} repeats connector {connector:?}; a grant carries one decision entry per connector"
                ));
            }
            let tools = obj
                .get("tools")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
                .and_then(|a| {
                    a.iter()
                        .map(|t| t.as_str().filter(|s| is_name(s)).map(String::from))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| format!("{at}.tools must be a non-empty array of tool names"))?;
            let mut four_eyes_on = HashMap::new();
            if let Some(raw) = obj.get("four_eyes_on") {
                let m = raw
                    .as_object()
                    .ok_or_else(|| format!("{at}.four_eyes_on must be an object"))?;
                for (tool, decisions) in m {
                    if !tools.contains(tool) {
                        return Err(format!(
                            "{at}.four_eyes_on names {tool:?}, which is not in tools"
                        ));
                    }
                    let list = decisions
                        .as_array()
                        .filter(|a| !a.is_empty())
                        .and_then(|a| {
                            a.iter()
                                .map(|d| d.as_str().filter(|s| is_unit(s)).map(String::from))
                                .collect::<Option<Vec<_>>>()
                        })
                        .ok_or_else(|| {
                            format!(
                                "{at}.four_eyes_on.{tool} must be a non-empty array of decisions"
                            )
                        })?;
                    four_eyes_on.insert(tool.clone(), list);
                }
            }
            out.decisions.insert(
                connector,
                DecisionEntry {
                    tools,
                    four_eyes_on,
                },
            );
        }
    }
    Ok(out)
}
