//! SCIM 2.0 provisioning. `/v1/scim/tokens` (API key): the developer's SCIM bearer tokens.
//! `/scim/v2` (a SCIM token, `auth::authenticate_scim`): discovery (public), Users and Groups
//! (create, get, list with filter and pagination, `.search`, PUT, PATCH, DELETE, ETags).
//! A user's `id` is the principal id of its grants: deactivating or deleting the user revokes
//! them in the same transaction (`store::scim::deprovision`).

use crate::auth::{Developer, ScimCaller};
use crate::error::{ApiError, ApiResult};
use crate::extract::{path_id, read_body, JsonBody, QueryMap};
use crate::ids;
use crate::scim::filter::{self, Filter};
use crate::scim::patch;
use crate::scim::resource::{self, etag, Meta, Projection};
use crate::scim::schema::{self, Kind, MAX_RESULTS};
use crate::scim::{ScimError, ScimResult, CONTENT_TYPE};
use crate::state::AppState;
use crate::store;
use crate::store::scim::{Lookup, ResourceRow, Table, TokenRow};
use crate::store::Conn;
use crate::time::{iso, now_ms};
use axum::extract::{Path, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use grantex::types::{ListScimTokensResponse, ScimToken, ScimTokenWithSecret};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

// ------------------------------------------------------------------ tokens (API key)

/// Most SCIM tokens per developer.
const MAX_TOKENS: usize = 100;

#[derive(Debug, Deserialize)]
pub struct CreateTokenBody {
    label: String,
}

fn token_wire(t: &TokenRow) -> ScimToken {
    ScimToken {
        id: t.id.clone(),
        label: t.label.clone(),
        created_at: iso(t.created_at),
        last_used_at: t.last_used_at.map(iso),
    }
}

pub async fn create_token(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    JsonBody(p): JsonBody<CreateTokenBody>,
) -> ApiResult<(StatusCode, Json<ScimTokenWithSecret>)> {
    crate::validate::text("label", &p.label, 200)?;
    let secret = ids::new_secret("scim");
    let row = TokenRow {
        id: ids::new_id("scimtok"),
        developer_id: dev.id.clone(),
        label: p.label.trim().to_string(),
        created_at: now_ms(),
        last_used_at: None,
    };
    let (r, hash) = (row.clone(), ids::sha256_hex(secret.as_bytes()));
    st.db
        .write(move |tx| {
            if store::scim::list_tokens(tx, &r.developer_id)?.len() >= MAX_TOKENS {
                return Err(ApiError::unprocessable(format!(
                    "at most {MAX_TOKENS} SCIM tokens per developer"
                )));
            }
            store::scim::insert_token(tx, &r, &hash)
        })
        .await?;
    let t = token_wire(&row);
    Ok((
        StatusCode::CREATED,
        Json(ScimTokenWithSecret {
            id: t.id,
            label: t.label,
            created_at: t.created_at,
            last_used_at: None,
            token: secret,
        }),
    ))
}

pub async fn list_tokens(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
) -> ApiResult<Json<ListScimTokensResponse>> {
    let rows = st
        .db
        .read(move |c| store::scim::list_tokens(c, &dev.id))
        .await?;
    Ok(Json(ListScimTokensResponse {
        tokens: rows.iter().map(token_wire).collect(),
    }))
}

pub async fn revoke_token(
    State(st): State<AppState>,
    Extension(dev): Extension<Developer>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    path_id(&id)?;
    st.db
        .write(
            move |tx| match store::scim::delete_token(tx, &dev.id, &id)? {
                true => Ok(StatusCode::NO_CONTENT),
                false => Err(ApiError::not_found("SCIM token not found")),
            },
        )
        .await
}

// ------------------------------------------------------------------ answers

fn base(st: &AppState) -> String {
    format!("{}/scim/v2", st.settings.public_url)
}

fn scim_json(status: StatusCode, body: Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    resp
}

/// A resource answer with its `ETag`, and `Location` when given (a 201): built from the id,
/// not read from the body, which `attributes` / `excludedAttributes` may have trimmed.
fn resource_response(
    status: StatusCode,
    body: Map<String, Value>,
    version: i64,
    location: Option<&str>,
) -> Response {
    let mut resp = scim_json(status, Value::Object(body));
    if let Ok(v) = HeaderValue::from_str(&etag(version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    if let Some(l) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        resp.headers_mut().insert(header::LOCATION, l);
    }
    resp
}

fn list_response(total: u64, start: u64, resources: Vec<Value>) -> Response {
    scim_json(
        StatusCode::OK,
        json!({
            "schemas": [schema::LIST_URN],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}

/// 405 for a method `/scim/v2` does not serve on a path it knows.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        format!("Method {method} is not allowed on {}", uri.path()),
    )
}

/// 404 for any other path under `/scim/v2`; 501 for the RFC 7644 endpoints this server does
/// not implement (`/Me`, `/Bulk`; ServiceProviderConfig says `bulk` is not supported).
pub async fn unknown(uri: Uri) -> ScimError {
    let rest = uri.path().trim_start_matches("/scim/v2");
    let first = rest.trim_start_matches('/').split('/').next().unwrap_or("");
    if first == "Me" || first == "Bulk" {
        return ScimError::new(
            StatusCode::NOT_IMPLEMENTED,
            None,
            format!("/{first} is not implemented by this server"),
        );
    }
    ScimError::not_found(format!("No SCIM endpoint at {}", uri.path()))
}

/// The JSON object body of a SCIM request (`application/scim+json` or `application/json`).
async fn body_object(req: Request) -> ScimResult<Map<String, Value>> {
    let (ct, bytes) = read_body(req, &()).await?;
    crate::extract::parse_object::<Map<String, Value>>(ct.as_deref(), &bytes).map_err(|e| {
        let mut s = ScimError::from(e);
        if s.status == StatusCode::BAD_REQUEST {
            s.scim_type = Some("invalidSyntax");
        }
        s
    })
}

// ------------------------------------------------------------------ discovery (public)

pub async fn service_provider_config(State(st): State<AppState>) -> Response {
    scim_json(StatusCode::OK, schema::service_provider_config(&base(&st)))
}

pub async fn resource_types(State(st): State<AppState>) -> Response {
    let b = base(&st);
    let all: Vec<Value> = schema::kinds()
        .iter()
        .map(|k| k.resource_type(&b))
        .collect();
    list_response(all.len() as u64, 1, all)
}

pub async fn resource_type(State(st): State<AppState>, Path(name): Path<String>) -> Response {
    match schema::kinds()
        .into_iter()
        .find(|k| k.name.eq_ignore_ascii_case(&name))
    {
        Some(k) => scim_json(StatusCode::OK, k.resource_type(&base(&st))),
        None => ScimError::not_found(format!("No resource type {name:?}")).into_response(),
    }
}

pub async fn schemas(State(st): State<AppState>) -> Response {
    let b = base(&st);
    let all: Vec<Value> = schema::kinds()
        .iter()
        .map(|k| k.schema_resource(&b))
        .collect();
    list_response(all.len() as u64, 1, all)
}

pub async fn schema_by_id(State(st): State<AppState>, Path(id): Path<String>) -> Response {
    match schema::kinds()
        .into_iter()
        .find(|k| k.urn.eq_ignore_ascii_case(&id))
    {
        Some(k) => scim_json(StatusCode::OK, k.schema_resource(&base(&st))),
        None => ScimError::not_found(format!("No schema {id:?}")).into_response(),
    }
}

// ------------------------------------------------------------------ Users and Groups

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    User,
    Group,
}

impl Which {
    fn kind(self) -> &'static Kind {
        match self {
            Which::User => schema::user(),
            Which::Group => schema::group(),
        }
    }
    fn not_found(self, id: &str) -> ScimError {
        ScimError::not_found(format!("{} {id} not found", self.kind().name))
    }
    fn find(self, c: &Conn, dev: &str, id: &str) -> ApiResult<Option<ResourceRow>> {
        match self {
            Which::User => store::scim::find_user(c, dev, id),
            Which::Group => store::scim::find_group(c, dev, id),
        }
    }
    fn table(self) -> Table {
        match self {
            Which::User => Table::Users,
            Which::Group => Table::Groups,
        }
    }
    fn location(self, base: &str, id: &str) -> String {
        format!("{base}{}/{id}", self.kind().endpoint)
    }
}

/// Renders a stored resource: a user gets its `groups` (from the group memberships).
fn render(c: &Conn, which: Which, base: &str, row: &ResourceRow) -> ApiResult<Map<String, Value>> {
    let extra = match which {
        Which::User => Some((
            "groups",
            groups_value(
                base,
                store::scim::memberships(c, &row.developer_id, &row.id)?,
            ),
        )),
        Which::Group => None,
    };
    Ok(render_with(which, base, row, extra))
}

fn render_with(
    which: Which,
    base: &str,
    row: &ResourceRow,
    extra: Option<(&str, Value)>,
) -> Map<String, Value> {
    // A group's members get their `$ref` from their `value` and `type` (not stored).
    let with_refs;
    let doc = match (which, row.doc.get("members")) {
        (Which::Group, Some(Value::Array(_))) => {
            let mut d = row.doc.clone();
            if let Some(Value::Array(members)) = d.get_mut("members") {
                for m in members.iter_mut().filter_map(Value::as_object_mut) {
                    let id = m.get("value").and_then(Value::as_str).unwrap_or_default();
                    let kind = m.get("type").and_then(Value::as_str).unwrap_or("User");
                    let r = member_ref(base, kind, id);
                    m.insert("$ref".into(), r.into());
                }
            }
            with_refs = d;
            &with_refs
        }
        _ => &row.doc,
    };
    resource::render(
        which.kind(),
        base,
        &row.id,
        doc,
        extra,
        &Meta {
            created: row.created_at,
            last_modified: row.updated_at,
            version: row.version,
        },
    )
}

fn groups_value(base: &str, groups: Vec<(String, String)>) -> Value {
    Value::Array(
        groups
            .into_iter()
            .map(|(id, name)| {
                json!({"value": id, "$ref": format!("{base}/Groups/{id}"), "display": name, "type": "direct"})
            })
            .collect(),
    )
}

/// `If-Match` (RFC 7644 §3.14): `*` or a list of ETags, compared weakly.
fn check_if_match(headers: &HeaderMap, version: i64) -> ScimResult<()> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let v = v
        .to_str()
        .map_err(|_| ScimError::bad("invalidSyntax", "Invalid If-Match header"))?;
    if etag_listed(v, version) {
        Ok(())
    } else {
        Err(ScimError::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            format!("The resource's version is {}, not {v}", etag(version)),
        ))
    }
}

fn etag_listed(list: &str, version: i64) -> bool {
    let want = format!("\"{version}\"");
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == want)
}

/// The `attributes` / `excludedAttributes` query parameters.
fn projection(q: &QueryMap) -> ScimResult<Projection> {
    Projection::parse(q.get("attributes"), q.get("excludedAttributes"))
}

fn new_id(which: Which) -> String {
    match which {
        Which::User => ids::new_id("scimuser"),
        Which::Group => ids::new_id("scimgrp"),
    }
}

fn member_ref(base: &str, kind: &str, id: &str) -> String {
    let endpoint = if kind == "Group" { "Groups" } else { "Users" };
    format!("{base}/{endpoint}/{id}")
}

/// Checks a group's members and sets what the server derives: each member once (a repeated
/// `value` is merged into the first), never the group itself, each one of the developer's
/// users or groups; `type` from what the id is (the one stored for a member already there,
/// looked up for a new one, never the client's), no `$ref` stored (rendered from them).
fn check_members(
    c: &Conn,
    dev: &str,
    group_id: &str,
    doc: &mut Map<String, Value>,
    old: Option<&Map<String, Value>>,
) -> ApiResult<Result<(), ScimError>> {
    let Some(Value::Array(members)) = doc.get_mut("members") else {
        return Ok(Ok(()));
    };
    // The types stored for the members already there (set by this function before).
    let known: HashMap<&str, &str> = old
        .and_then(|o| o.get("members"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let id = m.get("value")?.as_str()?;
            let t = m
                .get("type")?
                .as_str()
                .filter(|t| *t == "User" || *t == "Group")?;
            Some((id, t))
        })
        .collect();
    let mut at: HashMap<String, usize> = HashMap::with_capacity(members.len());
    let mut out: Vec<Map<String, Value>> = Vec::with_capacity(members.len());
    for m in members.drain(..) {
        let Value::Object(mut o) = m else {
            return Ok(Err(ScimError::bad(
                "invalidValue",
                "Every member must be an object",
            )));
        };
        let Some(id) = o.get("value").and_then(Value::as_str).map(str::to_string) else {
            return Ok(Err(ScimError::bad(
                "invalidValue",
                "Every member needs a value",
            )));
        };
        if id == group_id {
            return Ok(Err(ScimError::bad(
                "invalidValue",
                "A group cannot be its own member",
            )));
        }
        o.remove("$ref");
        o.remove("type");
        match at.get(&id) {
            Some(&i) => out[i].extend(o),
            None => {
                at.insert(id, out.len());
                out.push(o);
            }
        }
    }
    let new: Vec<&str> = at
        .keys()
        .map(String::as_str)
        .filter(|id| !known.contains_key(id))
        .collect();
    let found = store::scim::member_types(c, dev, &new)?;
    for o in &mut out {
        let id = o.get("value").and_then(Value::as_str).unwrap_or_default();
        let Some(kind) = known.get(id).copied().or_else(|| found.get(id).copied()) else {
            return Ok(Err(ScimError::bad(
                "invalidValue",
                format!("Member {id} is not a user or group of this tenant"),
            )));
        };
        o.insert("type".into(), kind.into());
    }
    *members = out.into_iter().map(Value::Object).collect();
    Ok(Ok(()))
}

/// Stores `row` (new when `old` is `None`) after the checks that need the database:
/// `userName` uniqueness, group members. A user left inactive is deprovisioned.
fn save(
    tx: &Conn,
    which: Which,
    row: &mut ResourceRow,
    old: Option<&ResourceRow>,
) -> ApiResult<Result<(), ScimError>> {
    let dev = row.developer_id.clone();
    match which {
        Which::User => {
            let name = resource::text(&row.doc, "userName").unwrap_or_default();
            if store::scim::user_name_taken(tx, &dev, name, Some(&row.id))? {
                return Ok(Err(ScimError::new(
                    StatusCode::CONFLICT,
                    Some("uniqueness"),
                    format!("userName {name:?} is already taken"),
                )));
            }
            match old {
                None => store::scim::insert_user(tx, row)?,
                Some(_) => store::scim::update_user(tx, row)?,
            }
            if !store::scim::is_active(&row.doc) {
                store::scim::deprovision(tx, &dev, &row.id, row.updated_at)?;
            }
        }
        Which::Group => {
            let id = row.id.clone();
            if let Err(e) = check_members(tx, &dev, &id, &mut row.doc, old.map(|o| &o.doc))? {
                return Ok(Err(e));
            }
            // Members' `type` replaced what the client sent: the stored document stays bounded.
            if let Err(e) = resource::check_size(which.kind(), resource::json_size(&row.doc)) {
                return Ok(Err(e));
            }
            match old {
                None => store::scim::insert_group(tx, row)?,
                Some(_) => store::scim::update_group(tx, row)?,
            }
        }
    }
    Ok(Ok(()))
}

async fn create(
    st: AppState,
    caller: ScimCaller,
    which: Which,
    q: QueryMap,
    req: Request,
) -> ScimResult<Response> {
    let proj = projection(&q)?;
    let body = body_object(req).await?;
    let doc = resource::normalize(which.kind(), &body)?;
    let now = now_ms();
    let mut row = ResourceRow {
        id: new_id(which),
        developer_id: caller.developer_id,
        doc,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let b = base(&st);
    let location = which.location(&b, &row.id);
    let (out, version) = st
        .db
        .write(move |tx| {
            if let Err(e) = save(tx, which, &mut row, None)? {
                return Ok(Err(e));
            }
            Ok(Ok((render(tx, which, &b, &row)?, row.version)))
        })
        .await??;
    Ok(resource_response(
        StatusCode::CREATED,
        proj.apply(which.kind(), out),
        version,
        Some(&location),
    ))
}

async fn get_one(
    st: AppState,
    caller: ScimCaller,
    which: Which,
    id: String,
    headers: HeaderMap,
    q: QueryMap,
) -> ScimResult<Response> {
    let proj = projection(&q)?;
    if path_id(&id).is_err() {
        return Err(which.not_found(&id));
    }
    let b = base(&st);
    let (dev, i) = (caller.developer_id, id.clone());
    let found = st
        .db
        .read(move |c| match which.find(c, &dev, &i)? {
            Some(row) => Ok(Some((render(c, which, &b, &row)?, row.version))),
            None => Ok(None),
        })
        .await?;
    let (out, version) = found.ok_or_else(|| which.not_found(&id))?;
    if let Some(v) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        if etag_listed(v, version) {
            let mut resp = StatusCode::NOT_MODIFIED.into_response();
            if let Ok(t) = HeaderValue::from_str(&etag(version)) {
                resp.headers_mut().insert(header::ETAG, t);
            }
            return Ok(resp);
        }
    }
    Ok(resource_response(
        StatusCode::OK,
        proj.apply(which.kind(), out),
        version,
        None,
    ))
}

/// One list query: filter (per resource type), 1-based `startIndex`, `count`, projection.
struct Search {
    filters: Vec<(Which, Option<Filter>)>,
    start: u64,
    count: u64,
    projection: Projection,
}

/// Parses the filter for each of `whiches`; at the root, a type whose schema lacks a filter
/// attribute is left out (it can match nothing), and only a filter no type accepts fails.
fn search_filters(
    whiches: &[Which],
    filter: Option<&str>,
) -> ScimResult<Vec<(Which, Option<Filter>)>> {
    let Some(f) = filter else {
        return Ok(whiches.iter().map(|w| (*w, None)).collect());
    };
    let mut out = Vec::new();
    let mut first_err = None;
    for w in whiches {
        match filter::parse(f, w.kind()) {
            Ok(p) => out.push((*w, Some(p))),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match (out.is_empty(), first_err) {
        (true, Some(e)) => Err(e),
        _ => Ok(out),
    }
}

fn index(name: &str, what: &Value) -> ScimResult<i64> {
    match what {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| ScimError::bad("invalidValue", format!("{name} must be an integer"))),
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| ScimError::bad("invalidValue", format!("{name} must be an integer"))),
        _ => Err(ScimError::bad(
            "invalidValue",
            format!("{name} must be an integer"),
        )),
    }
}

fn paging(start: Option<&Value>, count: Option<&Value>) -> ScimResult<(u64, u64)> {
    // RFC 7644 §3.4.2.4: a startIndex below 1 means 1, a negative count means 0.
    let start = match start {
        None | Some(Value::Null) => 1,
        Some(v) => index("startIndex", v)?.max(1) as u64,
    };
    let count = match count {
        None | Some(Value::Null) => 100,
        Some(v) => index("count", v)?.clamp(0, MAX_RESULTS as i64) as u64,
    };
    Ok((start, count))
}

/// The lookup an index answers for a filter's top-level `eq` terms.
fn lookup(which: Which, f: Option<&Filter>) -> Option<Lookup> {
    let terms = filter::required_eq(f?);
    let name_attr = match which {
        Which::User => "userName",
        Which::Group => "displayName",
    };
    let pick = |attr: &str| {
        terms
            .iter()
            .find(|(a, _)| *a == attr)
            .map(|(_, v)| v.to_string())
    };
    pick("id")
        .map(Lookup::Id)
        .or_else(|| pick(name_attr).map(Lookup::Name))
        .or_else(|| pick("externalId").map(Lookup::ExternalId))
}

/// Rows a filtered listing reads per query (its memory: this many documents, and the
/// memberships of this many users when the filter reads `groups`).
const SCAN_BATCH: u64 = 100;

/// Renders a page of rows; the users' `groups` in one query.
fn render_page(
    c: &Conn,
    base: &str,
    dev: &str,
    page: &[(Which, ResourceRow)],
) -> ApiResult<Vec<(Which, Map<String, Value>)>> {
    let users: Vec<&str> = page
        .iter()
        .filter(|(w, _)| *w == Which::User)
        .map(|(_, r)| r.id.as_str())
        .collect();
    let mut groups = store::scim::memberships_of(c, dev, &users)?;
    Ok(page
        .iter()
        .map(|(w, row)| {
            let extra = (*w == Which::User).then(|| {
                (
                    "groups",
                    groups_value(base, groups.remove(&row.id).unwrap_or_default()),
                )
            });
            (*w, render_with(*w, base, row, extra))
        })
        .collect())
}

/// Runs a listing. Without a filter, an index counts the resources and only the page is read.
/// With one, the tenant's resources (narrowed by an indexed equality when the filter has one)
/// are read in batches of [`SCAN_BATCH`] and matched; a user's `groups` are fetched only for
/// the batch at hand, and only when the filter reads them. Filter work is budgeted per request
/// (400 `tooMany` past it).
async fn run_search(st: &AppState, dev: String, s: Search) -> ScimResult<Response> {
    let b = base(st);
    let Search {
        filters,
        start,
        count,
        projection,
    } = s;
    let (total, page) = st
        .db
        .read(move |c| {
            let mut budget = filter::Budget::default();
            let mut total = 0u64;
            let mut page: Vec<(Which, ResourceRow)> = Vec::new();
            for (which, f) in &filters {
                let which = *which;
                let l = lookup(which, f.as_ref());
                let Some(f) = f else {
                    let n = store::scim::count(c, which.table(), &dev, l.as_ref())?;
                    // This type's resources are numbers total+1 ..= total+n of the answer.
                    let first = start.max(total + 1) - (total + 1);
                    let room = count.saturating_sub(page.len() as u64);
                    if room > 0 && first < n {
                        let rows = store::scim::page(
                            c,
                            which.table(),
                            &dev,
                            l.as_ref(),
                            first,
                            room.min(n - first),
                        )?;
                        page.extend(rows.into_iter().map(|r| (which, r)));
                    }
                    total += n;
                    continue;
                };
                let with_groups = which == Which::User && filter::mentions(f, "groups");
                let mut after: Option<(i64, String)> = None;
                loop {
                    let rows = store::scim::batch(
                        c,
                        which.table(),
                        &dev,
                        l.as_ref(),
                        after.as_ref(),
                        SCAN_BATCH,
                    )?;
                    let Some(last) = rows.last() else {
                        break;
                    };
                    after = Some((last.created_at, last.id.clone()));
                    let full = rows.len() as u64 == SCAN_BATCH;
                    let mut groups = if with_groups {
                        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
                        store::scim::memberships_of(c, &dev, &ids)?
                    } else {
                        HashMap::new()
                    };
                    for row in rows {
                        let extra = with_groups.then(|| {
                            (
                                "groups",
                                groups_value(&b, groups.remove(&row.id).unwrap_or_default()),
                            )
                        });
                        let keep =
                            filter::matches(f, &render_with(which, &b, &row, extra), &mut budget);
                        if let Err(e) = budget.check() {
                            return Ok(Err(e));
                        }
                        if keep {
                            total += 1;
                            if total >= start && (page.len() as u64) < count {
                                page.push((which, row));
                            }
                        }
                    }
                    if !full {
                        break;
                    }
                }
            }
            Ok(Ok((total, render_page(c, &b, &dev, &page)?)))
        })
        .await??;
    let resources = page
        .into_iter()
        .map(|(w, r)| Value::Object(projection.apply(w.kind(), r)))
        .collect();
    Ok(list_response(total, start, resources))
}

async fn list(st: AppState, caller: ScimCaller, which: Which, q: QueryMap) -> ScimResult<Response> {
    let (start, count) = paging(
        q.get("startIndex")
            .map(|s| Value::String(s.into()))
            .as_ref(),
        q.get("count").map(|s| Value::String(s.into())).as_ref(),
    )?;
    let s = Search {
        filters: search_filters(&[which], q.get("filter"))?,
        start,
        count,
        projection: projection(&q)?,
    };
    run_search(&st, caller.developer_id, s).await
}

/// `POST …/.search` (RFC 7644 §3.4.3): the query in a SearchRequest body.
async fn search(
    st: AppState,
    caller: ScimCaller,
    whiches: &[Which],
    req: Request,
) -> ScimResult<Response> {
    let body = body_object(req).await?;
    let get = |k: &str| filter::get_ci(&body, k);
    let filter = match get("filter") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(ScimError::bad("invalidFilter", "filter must be a string")),
    };
    let (start, count) = paging(get("startIndex"), get("count"))?;
    let s = Search {
        filters: search_filters(whiches, filter)?,
        start,
        count,
        projection: Projection::from_lists(get("attributes"), get("excludedAttributes"))?,
    };
    run_search(&st, caller.developer_id, s).await
}

enum Change {
    Replace(Map<String, Value>),
    Patch(Vec<patch::Operation>),
}

/// How often an update is computed again when the resource changed between reading it and
/// writing the result.
const UPDATE_ATTEMPTS: usize = 3;

enum Write {
    Done(Map<String, Value>, i64),
    /// The stored version is no longer the one the new document was computed from.
    Changed,
}

/// PUT and PATCH. The new document is computed on a reader, outside the write transaction (a
/// PATCH's work, bounded as it is, never holds up other writers); the write transaction then
/// only checks that the stored version is still the one read and stores the result. When
/// another write came first, the update is computed again from the new version (with
/// `If-Match`, that answers 412), at most [`UPDATE_ATTEMPTS`] times, then 409.
async fn update(
    st: AppState,
    caller: ScimCaller,
    which: Which,
    id: String,
    q: QueryMap,
    req: Request,
) -> ScimResult<Response> {
    let proj = projection(&q)?;
    if path_id(&id).is_err() {
        return Err(which.not_found(&id));
    }
    let headers = std::sync::Arc::new(req.headers().clone());
    let patching = req.method() == Method::PATCH;
    let body = body_object(req).await?;
    let change = std::sync::Arc::new(if patching {
        Change::Patch(patch::parse(which.kind(), &body)?)
    } else {
        Change::Replace(resource::normalize(which.kind(), &body)?)
    });
    drop(body);
    let b = base(&st);
    let dev = caller.developer_id;
    for _ in 0..UPDATE_ATTEMPTS {
        let (d, i, h, c) = (dev.clone(), id.clone(), headers.clone(), change.clone());
        let (old, doc) = st
            .db
            .read(move |conn| {
                let Some(old) = which.find(conn, &d, &i)? else {
                    return Ok(Err(which.not_found(&i)));
                };
                if let Err(e) = check_if_match(&h, old.version) {
                    return Ok(Err(e));
                }
                let doc = match &*c {
                    Change::Replace(doc) => doc.clone(),
                    Change::Patch(ops) => {
                        let mut doc = old.doc.clone();
                        if let Err(e) = patch::apply(which.kind(), &mut doc, ops) {
                            return Ok(Err(e));
                        }
                        doc
                    }
                };
                Ok(Ok((old, doc)))
            })
            .await??;
        let (d, b2) = (dev.clone(), b.clone());
        let written = st
            .db
            .write(move |tx| {
                if store::scim::version(tx, which.table(), &d, &old.id)? != Some(old.version) {
                    return Ok(Ok(Write::Changed));
                }
                let mut row = old.clone();
                if doc != old.doc {
                    row.doc = doc;
                    row.version = old.version + 1;
                    row.updated_at = now_ms().max(old.updated_at);
                    if let Err(e) = save(tx, which, &mut row, Some(&old))? {
                        return Ok(Err(e));
                    }
                } else if which == Which::User && !store::scim::is_active(&row.doc) {
                    // Unchanged but inactive: grants made since are revoked too.
                    store::scim::deprovision(tx, &d, &row.id, now_ms())?;
                }
                Ok(Ok(Write::Done(render(tx, which, &b2, &row)?, row.version)))
            })
            .await??;
        if let Write::Done(out, version) = written {
            return Ok(resource_response(
                StatusCode::OK,
                proj.apply(which.kind(), out),
                version,
                None,
            ));
        }
    }
    Err(ScimError::new(
        StatusCode::CONFLICT,
        None,
        format!(
            "{} {id} kept changing while this update was applied; send it again",
            which.kind().name
        ),
    ))
}

async fn delete(
    st: AppState,
    caller: ScimCaller,
    which: Which,
    id: String,
    headers: HeaderMap,
) -> ScimResult<Response> {
    if path_id(&id).is_err() {
        return Err(which.not_found(&id));
    }
    let dev = caller.developer_id;
    st.db
        .write(move |tx| {
            let Some(old) = which.find(tx, &dev, &id)? else {
                return Ok(Err(which.not_found(&id)));
            };
            if let Err(e) = check_if_match(&headers, old.version) {
                return Ok(Err(e));
            }
            let now = now_ms();
            // The groups listing it lose that member (a new version each).
            for mut g in store::scim::groups_with_member(tx, &dev, &id)? {
                if let Some(Value::Array(members)) = g.doc.get_mut("members") {
                    members.retain(|m| m.get("value").and_then(Value::as_str) != Some(id.as_str()));
                    if members.is_empty() {
                        g.doc.remove("members");
                    }
                }
                g.version += 1;
                g.updated_at = now.max(g.updated_at);
                store::scim::update_group(tx, &g)?;
            }
            match which {
                Which::User => {
                    store::scim::delete_user(tx, &dev, &id, now)?;
                    store::scim::deprovision(tx, &dev, &id, now)?;
                }
                Which::Group => {
                    store::scim::delete_group(tx, &dev, &id)?;
                }
            }
            Ok(Ok(()))
        })
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ------------------------------------------------------------------ handlers

macro_rules! resource_handlers {
    ($which:expr, $create:ident, $list:ident, $search:ident, $get:ident, $update:ident, $delete:ident) => {
        pub async fn $create(
            State(st): State<AppState>,
            Extension(c): Extension<ScimCaller>,
            q: QueryMap,
            req: Request,
        ) -> ScimResult<Response> {
            create(st, c, $which, q, req).await
        }
        pub async fn $list(
            State(st): State<AppState>,
            Extension(c): Extension<ScimCaller>,
            q: QueryMap,
        ) -> ScimResult<Response> {
            list(st, c, $which, q).await
        }
        pub async fn $search(
            State(st): State<AppState>,
            Extension(c): Extension<ScimCaller>,
            req: Request,
        ) -> ScimResult<Response> {
            search(st, c, &[$which], req).await
        }
        pub async fn $get(
            State(st): State<AppState>,
            Extension(c): Extension<ScimCaller>,
            Path(id): Path<String>,
            headers: HeaderMap,
            q: QueryMap,
        ) -> ScimResult<Response> {
            get_one(st, c, $which, id, headers, q).await
        }
        pub async fn $update(
            State(st): State<AppState>,
            Extension(c): Extension<ScimCaller>,
            Path(id): Path<String>,
            q: QueryMap,
            req: Request,
        ) -> ScimResult<Response> {
            update(st, c, $which, id, q, req).await
        }
        pub async fn $delete(
            State(st): State<AppState>,
            Extension(c): Extension<ScimCaller>,
            Path(id): Path<String>,
            headers: HeaderMap,
        ) -> ScimResult<Response> {
            delete(st, c, $which, id, headers).await
        }
    };
}

resource_handlers!(
    Which::User,
    create_user,
    list_users,
    search_users,
    get_user,
    update_user,
    delete_user
);
resource_handlers!(
    Which::Group,
    create_group,
    list_groups,
    search_groups,
    get_group,
    update_group,
    delete_group
);

/// `POST /scim/v2/.search`: Users and Groups at once.
pub async fn search_all(
    State(st): State<AppState>,
    Extension(c): Extension<ScimCaller>,
    req: Request,
) -> ScimResult<Response> {
    search(st, c, &[Which::User, Which::Group], req).await
}
