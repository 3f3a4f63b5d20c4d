//! SCIM 2.0 provisioning (RFC 7643 / 7644): the developer's SCIM bearer tokens
//! (`/v1/scim/tokens`, API-key auth) and the provisioned users (`/scim/v2/Users`, authenticated
//! by a SCIM token: build the client with that token as its key). A provisioned user is the
//! principal of grants: its `id` is the `principalId`.

use grantex_derive::Wire;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn yes() -> bool {
    true
}

/// A SCIM bearer token (never its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ScimToken {
    pub id: String,
    pub label: String,
    pub created_at: String,
    #[serde(default)]
    #[wire(py_default)]
    pub last_used_at: Option<String>,
}

/// `POST /v1/scim/tokens` response: the secret is shown here once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ScimTokenWithSecret {
    pub id: String,
    pub label: String,
    pub created_at: String,
    #[serde(default)]
    #[wire(py_default)]
    pub last_used_at: Option<String>,
    /// The bearer secret for `/scim/v2`; only its hash is kept.
    #[serde(default)]
    #[wire(py_default = "\"\"")]
    pub token: String,
}

/// `POST /v1/scim/tokens` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct CreateScimTokenParams {
    /// What the token is for (shown in the list).
    pub label: String,
}

/// `GET /v1/scim/tokens` response, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListScimTokensResponse {
    pub tokens: Vec<ScimToken>,
}

/// One e-mail address of a SCIM user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ScimEmail {
    pub value: String,
    #[serde(default)]
    #[wire(py_default = "False")]
    pub primary: bool,
    /// `work`, `home`, `other`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[wire(py = "type", py_default)]
    pub kind: Option<String>,
}

/// A SCIM resource's `meta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ScimUserMeta {
    pub resource_type: String,
    pub created: String,
    pub last_modified: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub location: Option<String>,
    /// The ETag (`W/"…"`); send it back in `If-Match` to update only that version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub version: Option<String>,
}

/// A provisioned user (the principal of grants: `id` is the `principalId`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ScimUser {
    pub id: String,
    pub user_name: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub emails: Vec<ScimEmail>,
    pub meta: ScimUserMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default)]
    pub display_name: Option<String>,
}

/// `GET /scim/v2/Users` response (a SCIM ListResponse).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ScimListResponse {
    pub total_results: u64,
    pub start_index: u64,
    pub items_per_page: u64,
    #[serde(rename = "Resources", default)]
    pub resources: Vec<ScimUser>,
}

/// `GET /scim/v2/Users` query: 1-based `startIndex`, page size `count` (at most 200).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ListScimUsersParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// `POST /scim/v2/Users` and `PUT /scim/v2/Users/{id}` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct CreateScimUserParams {
    pub user_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<ScimEmail>>,
    /// Left out: active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[wire(py_default = "True")]
    pub active: Option<bool>,
}

/// One SCIM PATCH operation (RFC 7644 §3.5.2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
#[serde(rename_all = "camelCase")]
pub struct ScimPatchOperation {
    /// `add`, `replace` or `remove` (any case).
    pub op: String,
    /// An attribute path (`active`, `emails[type eq "work"].value`); none means the value is
    /// an object of attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// `PATCH /scim/v2/Users/{id}` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Wire)]
pub struct ScimPatchParams {
    #[serde(rename = "Operations")]
    pub operations: Vec<ScimPatchOperation>,
}
