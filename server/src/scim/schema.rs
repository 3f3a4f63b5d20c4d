//! The resource types this server serves and their attribute definitions, read from the same
//! embedded RFC 7643 schema documents `/scim/v2/Schemas` answers with.

use serde_json::{json, Value};
use std::sync::OnceLock;

pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const LIST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const SPC_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
pub const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/// Most resources one list answer carries (`count` is capped to it; advertised as
/// `filter.maxResults`).
pub const MAX_RESULTS: u64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// One attribute definition (RFC 7643 §7).
#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub kind: Type,
    pub multi: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub sub: Vec<Attr>,
}

impl Attr {
    /// A sub-attribute by name, case-insensitively.
    pub fn sub(&self, name: &str) -> Option<&Attr> {
        find(&self.sub, name)
    }
    fn simple(name: &str, kind: Type, case_exact: bool, mutability: Mutability) -> Attr {
        Attr {
            name: name.into(),
            kind,
            multi: false,
            required: false,
            case_exact,
            mutability,
            returned: Returned::Default,
            sub: Vec::new(),
        }
    }
}

/// An attribute of `attrs` by name, case-insensitively.
pub fn find<'a>(attrs: &'a [Attr], name: &str) -> Option<&'a Attr> {
    attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// A resource type: its name, endpoint, schema document and attributes (the schema's plus the
/// common `id`, `externalId` and `meta`).
#[derive(Debug)]
pub struct Kind {
    pub name: &'static str,
    pub endpoint: &'static str,
    pub urn: &'static str,
    pub description: &'static str,
    pub document: Value,
    pub attrs: Vec<Attr>,
}

impl Kind {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        find(&self.attrs, name)
    }

    /// `name` without this schema's URN prefix (`urn:…:User:userName` → `userName`); `None` for
    /// another schema's URN.
    pub fn strip_urn<'a>(&self, name: &'a str) -> Option<&'a str> {
        if !name
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        {
            return Some(name);
        }
        let n = self.urn.len();
        match (name.get(..n), name.get(n..)) {
            (Some(prefix), Some(rest)) if prefix.eq_ignore_ascii_case(self.urn) => {
                rest.strip_prefix(':').filter(|r| !r.is_empty())
            }
            _ => None,
        }
    }

    /// The schema document as `/Schemas/{urn}` serves it.
    pub fn schema_resource(&self, base: &str) -> Value {
        let mut v = self.document.clone();
        v["meta"] = json!({
            "resourceType": "Schema",
            "location": format!("{base}/Schemas/{}", self.urn),
        });
        v
    }

    /// The ResourceType resource (RFC 7643 §6).
    pub fn resource_type(&self, base: &str) -> Value {
        json!({
            "schemas": [RESOURCE_TYPE_URN],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.urn,
            "schemaExtensions": [],
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base}/ResourceTypes/{}", self.name),
            },
        })
    }
}

fn parse_attr(v: &Value) -> Attr {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    let b = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    let kind = match s("type") {
        "string" => Type::String,
        "boolean" => Type::Boolean,
        "decimal" => Type::Decimal,
        "integer" => Type::Integer,
        "dateTime" => Type::DateTime,
        "binary" => Type::Binary,
        "reference" => Type::Reference,
        "complex" => Type::Complex,
        other => panic!("embedded SCIM schema: unknown type {other:?}"),
    };
    let mutability = match s("mutability") {
        "readOnly" => Mutability::ReadOnly,
        "immutable" => Mutability::Immutable,
        "writeOnly" => Mutability::WriteOnly,
        _ => Mutability::ReadWrite,
    };
    let returned = match s("returned") {
        "always" => Returned::Always,
        "never" => Returned::Never,
        "request" => Returned::Request,
        _ => Returned::Default,
    };
    Attr {
        name: s("name").to_string(),
        kind,
        multi: b("multiValued"),
        required: b("required"),
        case_exact: b("caseExact"),
        mutability,
        returned,
        sub: v
            .get("subAttributes")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(parse_attr).collect())
            .unwrap_or_default(),
    }
}

fn common_attrs() -> Vec<Attr> {
    let mut id = Attr::simple("id", Type::String, true, Mutability::ReadOnly);
    id.returned = Returned::Always;
    let external = Attr::simple("externalId", Type::String, true, Mutability::ReadWrite);
    let mut meta = Attr::simple("meta", Type::Complex, false, Mutability::ReadOnly);
    meta.sub = vec![
        Attr::simple("resourceType", Type::String, true, Mutability::ReadOnly),
        Attr::simple("created", Type::DateTime, false, Mutability::ReadOnly),
        Attr::simple("lastModified", Type::DateTime, false, Mutability::ReadOnly),
        Attr::simple("location", Type::Reference, true, Mutability::ReadOnly),
        Attr::simple("version", Type::String, true, Mutability::ReadOnly),
    ];
    vec![id, external, meta]
}

fn load(
    name: &'static str,
    endpoint: &'static str,
    urn: &'static str,
    description: &'static str,
    text: &str,
) -> Kind {
    let document: Value = serde_json::from_str(text).expect("embedded SCIM schema is JSON");
    assert_eq!(document["id"], urn, "embedded SCIM schema id");
    let mut attrs: Vec<Attr> = document["attributes"]
        .as_array()
        .expect("embedded SCIM schema has attributes")
        .iter()
        .map(parse_attr)
        .collect();
    attrs.extend(common_attrs());
    Kind {
        name,
        endpoint,
        urn,
        description,
        document,
        attrs,
    }
}

/// The User resource type (RFC 7643 §4.1).
pub fn user() -> &'static Kind {
    static K: OnceLock<Kind> = OnceLock::new();
    K.get_or_init(|| {
        load(
            "User",
            "/Users",
            USER_URN,
            "User Account",
            include_str!("schemas/User.json"),
        )
    })
}

/// The Group resource type (RFC 7643 §4.2).
pub fn group() -> &'static Kind {
    static K: OnceLock<Kind> = OnceLock::new();
    K.get_or_init(|| {
        load(
            "Group",
            "/Groups",
            GROUP_URN,
            "Group",
            include_str!("schemas/Group.json"),
        )
    })
}

/// Both resource types, Users first.
pub fn kinds() -> [&'static Kind; 2] {
    [user(), group()]
}

/// The ServiceProviderConfig (RFC 7643 §5): exactly what this server implements.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [SPC_URN],
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "A SCIM token created with POST /v1/scim/tokens, sent as Authorization: Bearer <token>",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schemas_load() {
        let u = user();
        assert!(u.attr("USERNAME").unwrap().required);
        assert_eq!(
            u.attr("password").unwrap().mutability,
            Mutability::WriteOnly
        );
        assert!(u.attr("emails").unwrap().multi);
        assert!(u.attr("name").unwrap().sub("givenname").is_some());
        assert_eq!(u.attr("groups").unwrap().mutability, Mutability::ReadOnly);
        let g = group();
        assert!(g.attr("members").unwrap().sub("$ref").is_some());
        assert_eq!(
            g.strip_urn("urn:ietf:params:scim:schemas:core:2.0:Group:displayName"),
            Some("displayName")
        );
        assert_eq!(g.strip_urn(&format!("{USER_URN}:userName")), None);
        assert_eq!(g.strip_urn("members"), Some("members"));
    }
}
