//! Tool manifests (manifest schema 0.6): what each tool of a connector needs. A tool is a
//! permission string (`"read"`) or an object with constraints (`allowed_purposes`, `caps`,
//! `cost_units`, `requires_decision`, `risk_tier`, `four_eyes_on`, `decision_fields`). Every
//! binding's `ToolManifest` is built here, so one manifest means the same in every language.

use super::names::{is_name, is_unit, is_valid_purpose_pattern};
use super::permission::Permission;
use crate::{Error, Result};
use serde_json::{Map, Value};

/// `$id` of the manifest 0.6 JSON Schema.
pub const MANIFEST_SCHEMA_ID: &str = "https://grantex.dev/spec/manifest-0.6.schema.json";
/// Largest cap or cost-unit value.
pub const MAX_COUNT: u64 = 2_147_483_647;
/// Not a tool name: grant caps use it for the connector's cost-unit budget.
pub const RESERVED_TOOL_NAME: &str = "cost_units";
/// Most `decision_fields` a tool may bind.
pub const MAX_DECISION_FIELDS: usize = 16;
/// Workload risk tiers; `high` needs a decision grant on every call.
pub const RISK_TIERS: &[&str] = &["low", "medium", "high"];

const TOP_LEVEL_KEYS: &[&str] = &["$schema", "connector", "version", "description", "tools"];
const TOOL_KEYS: &[&str] = &[
    "permission",
    "allowed_purposes",
    "caps",
    "cost_units",
    "requires_decision",
    "risk_tier",
    "four_eyes_on",
    "decision_fields",
];
const CAP_KEYS: &[&str] = &["per_hour", "per_day", "per_case"];
/// Fields every decision action binds already; a tool cannot declare them again.
const CORE_DECISION_FIELDS: &[&str] = &[
    "case_id", "action", "decision", "subject", "amount", "extra",
];

/// Call caps of a tool; `None` means no cap of that kind, `0` disables the tool.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ToolCaps {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_hour: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_day: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_case: Option<u64>,
}

/// One tool's whole declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolSpec {
    pub permission: Permission,
    /// Purpose patterns; `None`: no purpose restriction.
    pub allowed_purposes: Option<Vec<String>>,
    pub caps: Option<ToolCaps>,
    /// Cost unit → units per call, in declaration order.
    pub cost_units: Option<Vec<(String, u64)>>,
    pub requires_decision: bool,
    pub risk_tier: Option<String>,
    pub four_eyes_on: Vec<String>,
    pub decision_fields: Vec<String>,
}

impl ToolSpec {
    /// A tool declared by its permission only.
    pub fn of(permission: Permission) -> ToolSpec {
        ToolSpec {
            permission,
            allowed_purposes: None,
            caps: None,
            cost_units: None,
            requires_decision: false,
            risk_tier: None,
            four_eyes_on: Vec::new(),
            decision_fields: Vec::new(),
        }
    }

    /// Whether a call needs a decision grant (declared, or a high-risk tool).
    pub fn needs_decision(&self) -> bool {
        self.requires_decision || self.risk_tier.as_deref() == Some("high")
    }

    /// The manifest 0.6 object form, unset members left out.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("permission".into(), self.permission.as_str().into());
        if let Some(p) = &self.allowed_purposes {
            out.insert("allowed_purposes".into(), p.clone().into());
        }
        if let Some(c) = &self.caps {
            out.insert(
                "caps".into(),
                serde_json::to_value(c).unwrap_or(Value::Null),
            );
        }
        if let Some(units) = &self.cost_units {
            let m: Map<String, Value> = units
                .iter()
                .map(|(k, v)| (k.clone(), (*v).into()))
                .collect();
            out.insert("cost_units".into(), Value::Object(m));
        }
        if self.requires_decision {
            out.insert("requires_decision".into(), true.into());
        }
        if let Some(t) = &self.risk_tier {
            out.insert("risk_tier".into(), t.clone().into());
        }
        if !self.four_eyes_on.is_empty() {
            out.insert("four_eyes_on".into(), self.four_eyes_on.clone().into());
        }
        if !self.decision_fields.is_empty() {
            out.insert(
                "decision_fields".into(),
                self.decision_fields.clone().into(),
            );
        }
        Value::Object(out)
    }

    /// A permission string when nothing else is declared, else the object form.
    pub fn to_declaration(&self) -> Value {
        if *self == ToolSpec::of(self.permission) {
            self.permission.as_str().into()
        } else {
            self.to_json()
        }
    }
}

/// A connector's tools and what each needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolManifest {
    pub connector: String,
    pub version: String,
    pub description: String,
    /// In declaration order.
    pub tools: Vec<(String, ToolSpec)>,
}

/// A manifest read from a document, with the top-level keys it ignored (a manifest of
/// permission strings only keeps its pre-0.6 leniency: unknown top-level keys are ignored,
/// and the binding warns about each).
#[derive(Clone, Debug)]
pub struct LoadedManifest {
    pub manifest: ToolManifest,
    pub ignored_keys: Vec<String>,
}

fn fail(message: impl AsRef<str>) -> Error {
    Error::Manifest {
        message: format!("ToolManifest: {}", message.as_ref()),
    }
}

/// A value quoted as JSON, for messages.
fn q(v: impl serde::Serialize) -> String {
    serde_json::to_string(&v).unwrap_or_else(|_| "?".into())
}

fn invalid_permission(value: &Value, tool: &str) -> Error {
    fail(format!(
        "invalid permission {} for tool {}. Must be one of: read, write, delete, admin",
        q(value),
        q(tool)
    ))
}

fn count(value: &Value, path: &str) -> Result<u64> {
    let bad = || {
        fail(format!(
            "{path}: must be an integer between 0 and {MAX_COUNT}"
        ))
    };
    let n = match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        _ => None,
    }
    .ok_or_else(bad)?;
    if n > MAX_COUNT {
        return Err(bad());
    }
    Ok(n)
}

fn unique(list: &[String]) -> bool {
    let mut seen = std::collections::HashSet::new();
    list.iter().all(|s| seen.insert(s.as_str()))
}

/// A non-empty array of unique strings each passing `ok`; `message` for the array, `item`
/// names one bad entry.
fn string_list(
    value: &Value,
    path: &str,
    message: &str,
    max: Option<usize>,
    item: &str,
    ok: impl Fn(&str) -> bool,
) -> Result<Vec<String>> {
    let arr = value
        .as_array()
        .filter(|a| !a.is_empty() && max.is_none_or(|m| a.len() <= m))
        .ok_or_else(|| fail(format!("{path}: {message}")))?;
    let mut out = Vec::with_capacity(arr.len());
    for (i, v) in arr.iter().enumerate() {
        match v.as_str() {
            Some(s) if ok(s) => out.push(s.to_string()),
            _ => return Err(fail(format!("{path}[{i}]: invalid {item} {}", q(v)))),
        }
    }
    if !unique(&out) {
        return Err(fail(format!("{path}: {message}")));
    }
    Ok(out)
}

/// Validates one tool value (string or object form).
pub fn parse_tool_declaration(tool: &str, value: &Value) -> Result<ToolSpec> {
    if tool == RESERVED_TOOL_NAME {
        return Err(fail(format!(
            "tool name {} is reserved: it names the cost-unit budget in grant caps",
            q(tool)
        )));
    }
    let obj = match value {
        Value::String(s) => {
            return Permission::parse(s)
                .map(ToolSpec::of)
                .ok_or_else(|| invalid_permission(value, tool))
        }
        Value::Object(o) => o,
        _ => {
            return Err(fail(format!(
                "tools.{tool}: must be a permission string or an object"
            )))
        }
    };
    let path = format!("tools.{tool}");
    if let Some(k) = obj.keys().find(|k| !TOOL_KEYS.contains(&k.as_str())) {
        return Err(fail(format!(
            "{path}: unknown key {} (allowed: {})",
            q(k),
            TOOL_KEYS.join(", ")
        )));
    }
    let raw_permission = obj
        .get("permission")
        .ok_or_else(|| fail(format!("{path}: missing required key \"permission\"")))?;
    let permission = raw_permission
        .as_str()
        .and_then(Permission::parse)
        .ok_or_else(|| invalid_permission(raw_permission, tool))?;
    let mut spec = ToolSpec::of(permission);

    if let Some(v) = obj.get("allowed_purposes") {
        spec.allowed_purposes = Some(string_list(
            v,
            &format!("{path}.allowed_purposes"),
            "must be a non-empty array of unique purpose patterns",
            None,
            "purpose pattern",
            is_valid_purpose_pattern,
        )?);
    }
    if let Some(v) = obj.get("caps") {
        let cp = format!("{path}.caps");
        let caps = v
            .as_object()
            .ok_or_else(|| fail(format!("{cp}: must be an object")))?;
        if let Some(k) = caps.keys().find(|k| !CAP_KEYS.contains(&k.as_str())) {
            return Err(fail(format!(
                "{cp}: unknown key {} (allowed: {})",
                q(k),
                CAP_KEYS.join(", ")
            )));
        }
        if caps.is_empty() {
            return Err(fail(format!(
                "{cp}: must declare at least one of {}",
                CAP_KEYS.join(", ")
            )));
        }
        let get = |k: &str| -> Result<Option<u64>> {
            caps.get(k)
                .map(|v| count(v, &format!("{cp}.{k}")))
                .transpose()
        };
        spec.caps = Some(ToolCaps {
            per_hour: get("per_hour")?,
            per_day: get("per_day")?,
            per_case: get("per_case")?,
        });
    }
    if let Some(v) = obj.get("cost_units") {
        let up = format!("{path}.cost_units");
        let units = v
            .as_object()
            .filter(|m| !m.is_empty())
            .ok_or_else(|| fail(format!("{up}: must be a non-empty object")))?;
        let mut out = Vec::with_capacity(units.len());
        for (unit, amount) in units {
            if !is_unit(unit) {
                return Err(fail(format!("{up}: invalid cost unit name {}", q(unit))));
            }
            out.push((unit.clone(), count(amount, &format!("{up}.{unit}"))?));
        }
        spec.cost_units = Some(out);
    }
    if let Some(v) = obj.get("requires_decision") {
        spec.requires_decision = v
            .as_bool()
            .ok_or_else(|| fail(format!("{path}.requires_decision: must be a boolean")))?;
    }
    if let Some(v) = obj.get("risk_tier") {
        match v.as_str() {
            Some(t) if RISK_TIERS.contains(&t) => spec.risk_tier = Some(t.to_string()),
            _ => {
                return Err(fail(format!(
                    "{path}.risk_tier: must be one of {}",
                    RISK_TIERS.join(", ")
                )))
            }
        }
    }
    if let Some(v) = obj.get("four_eyes_on") {
        spec.four_eyes_on = string_list(
            v,
            &format!("{path}.four_eyes_on"),
            "must be a non-empty array of unique decision names",
            None,
            "decision name",
            is_unit,
        )?;
    }
    if let Some(v) = obj.get("decision_fields") {
        spec.decision_fields = string_list(
            v,
            &format!("{path}.decision_fields"),
            &format!(
                "must be a non-empty array of at most {MAX_DECISION_FIELDS} unique field names"
            ),
            Some(MAX_DECISION_FIELDS),
            "field name",
            |s| is_unit(s) && !CORE_DECISION_FIELDS.contains(&s),
        )?;
    }
    let read = permission == Permission::Read;
    if spec.requires_decision && read {
        return Err(fail(format!(
            "{path}: requires_decision is not allowed on a tool with read permission"
        )));
    }
    if spec.risk_tier.as_deref() == Some("high") && read {
        return Err(fail(format!(
            "{path}: risk_tier high is not allowed on a tool with read permission"
        )));
    }
    if !spec.four_eyes_on.is_empty() && !spec.requires_decision {
        return Err(fail(format!(
            "{path}.four_eyes_on: requires requires_decision: true"
        )));
    }
    if !spec.decision_fields.is_empty() && !spec.requires_decision {
        return Err(fail(format!(
            "{path}.decision_fields: requires requires_decision: true"
        )));
    }
    Ok(spec)
}

fn check_names(connector: &str, tools: &Map<String, Value>) -> Result<()> {
    if !is_name(connector) {
        return Err(fail(format!("invalid connector name {}", q(connector))));
    }
    if let Some(t) = tools.keys().find(|t| !is_name(t)) {
        return Err(fail(format!("invalid tool name {}", q(t))));
    }
    Ok(())
}

fn as_tools(tools: &Value) -> Result<&Map<String, Value>> {
    tools
        .as_object()
        .ok_or_else(|| fail("tools: must be an object mapping tool names to declarations"))
}

impl ToolManifest {
    /// The constructor form (`ToolManifest(connector, tools, version, description)`): a
    /// manifest that uses the object form for any tool is validated in full, names included.
    pub fn new(connector: &str, tools: &Value, version: &str, description: &str) -> Result<Self> {
        if connector.is_empty() {
            return Err(fail("connector name is required"));
        }
        let map = as_tools(tools)?;
        if map.is_empty() {
            return Err(fail("at least one tool is required"));
        }
        if map.values().any(|v| !v.is_string()) {
            check_names(connector, map)?;
        }
        let tools = map
            .iter()
            .map(|(name, v)| Ok((name.clone(), parse_tool_declaration(name, v)?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(ToolManifest {
            connector: connector.to_string(),
            version: version.to_string(),
            description: description.to_string(),
            tools,
        })
    }

    /// A manifest document (parsed JSON or YAML). One that declares `$schema` or uses the
    /// object form anywhere is strict manifest 0.6 (an unknown key anywhere is an error);
    /// one of permission strings only ignores unknown top-level keys and reports them.
    pub fn from_document(doc: &Value) -> Result<LoadedManifest> {
        let obj = doc
            .as_object()
            .ok_or_else(|| fail("a manifest must be a JSON object"))?;
        let present = |k: &str| match obj.get(k) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => false,
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Object(m)) => !m.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        };
        if !present("connector") || !present("tools") {
            return Err(fail("missing \"connector\" or \"tools\" field"));
        }
        let tools = as_tools(&obj["tools"])?;
        let strict = obj.contains_key("$schema") || tools.values().any(|v| !v.is_string());
        let unknown: Vec<String> = obj
            .keys()
            .filter(|k| !TOP_LEVEL_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        if strict {
            if let Some(k) = unknown.first() {
                return Err(fail(format!(
                    "unknown top-level key {} (allowed: {})",
                    q(k),
                    TOP_LEVEL_KEYS.join(", ")
                )));
            }
            if obj.get("$schema").is_some_and(|s| !s.is_string()) {
                return Err(fail("$schema: must be a string"));
            }
            let connector = obj["connector"]
                .as_str()
                .ok_or_else(|| fail(format!("invalid connector name {}", q(&obj["connector"]))))?;
            check_names(connector, tools)?;
            let version = match obj.get("version") {
                None => "1.0.0",
                Some(Value::String(v)) if !v.is_empty() && v.chars().count() <= 64 => v,
                Some(_) => {
                    return Err(fail(
                        "version: must be a non-empty string of at most 64 characters",
                    ))
                }
            };
            let description = match obj.get("description") {
                None => "",
                Some(Value::String(d)) => d,
                Some(_) => return Err(fail("description: must be a string")),
            };
            let manifest = ToolManifest::new(connector, &obj["tools"], version, description)?;
            return Ok(LoadedManifest {
                manifest,
                ignored_keys: Vec::new(),
            });
        }
        let text = |v: Option<&Value>, default: &str| match v {
            None => default.to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let connector = text(obj.get("connector"), "");
        let manifest = ToolManifest::new(
            &connector,
            &obj["tools"],
            &text(obj.get("version"), "1.0.0"),
            &text(obj.get("description"), ""),
        )?;
        Ok(LoadedManifest {
            manifest,
            ignored_keys: unknown,
        })
    }

    /// Parses manifest JSON text, refusing a repeated key (a JSON reader would silently keep
    /// only the last value of a duplicated tool).
    pub fn from_json_text(text: &str) -> Result<LoadedManifest> {
        use serde::Deserialize;
        let mut de = serde_json::Deserializer::from_str(text);
        if let Err(e) = NoDuplicates::deserialize(&mut de) {
            let m = e.to_string();
            return Err(match m.strip_prefix(DUPLICATE) {
                Some(rest) => {
                    let key = rest.rsplit_once(" at line ").map_or(rest, |(k, _)| k);
                    fail(format!("duplicate key {} in manifest file", q(key)))
                }
                None => fail(format!("not valid JSON: {m}")),
            });
        }
        let doc: Value =
            serde_json::from_str(text).map_err(|e| fail(format!("not valid JSON: {e}")))?;
        ToolManifest::from_document(&doc)
    }

    /// The declaration of `tool`.
    pub fn tool(&self, tool: &str) -> Option<&ToolSpec> {
        self.tools.iter().find(|(n, _)| n == tool).map(|(_, s)| s)
    }

    /// Adds or replaces a tool's whole declaration.
    pub fn add_tool(&mut self, tool: &str, declaration: &Value) -> Result<()> {
        let spec = parse_tool_declaration(tool, declaration)?;
        match self.tools.iter_mut().find(|(n, _)| n == tool) {
            Some(slot) => slot.1 = spec,
            None => self.tools.push((tool.to_string(), spec)),
        }
        Ok(())
    }

    /// The manifest 0.6 document: tools with constraints in object form, others as strings.
    pub fn to_document(&self) -> Value {
        let mut out = Map::new();
        out.insert("connector".into(), self.connector.clone().into());
        out.insert("version".into(), self.version.clone().into());
        if !self.description.is_empty() {
            out.insert("description".into(), self.description.clone().into());
        }
        let tools: Map<String, Value> = self
            .tools
            .iter()
            .map(|(n, s)| (n.clone(), s.to_declaration()))
            .collect();
        out.insert("tools".into(), Value::Object(tools));
        Value::Object(out)
    }
}

const DUPLICATE: &str = "duplicate key: ";

/// Walks any JSON value and fails on the first object with a repeated key.
struct NoDuplicates;

impl<'de> serde::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> serde::de::Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> std::result::Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<NoDuplicates, A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(serde::de::Error::custom(format!("{DUPLICATE}{key}")));
            }
            map.next_value::<NoDuplicates>()?;
        }
        Ok(NoDuplicates)
    }
}
