//! SCIM 2.0 provisioning: a compliance run by the independent checker `scim2-tester` (PyPI,
//! installed by scripts/lib/peer-scim.sh), then focused tests over raw HTTP (filters,
//! pagination, PATCH paths, ETags, uniqueness, tenants, tokens, errors, `password`), the SDK's
//! `scim` namespace, and deprovisioning (a user deactivated or deleted: that principal's grants
//! and their delegated grants are revoked in the same request, audited).

mod common;

use common::*;
use grantex::types::*;
use serde_json::{json, Value};
use std::process::Command;

const SCIM_JSON: &str = "application/scim+json";

/// A fresh developer, its API and a SCIM token's API on `/scim/v2`.
async fn tenant(mode: Mode) -> (grantex::Client, Api, Api, String) {
    let server = shared();
    let (c, signup) = developer(server, mode).await;
    let dev = Api::new(&server.base_url, Some(&signup.api_key));
    let t = dev.post("/v1/scim/tokens", json!({"label": "idp"})).await;
    assert_eq!(t.status, 201, "{}", t.text);
    let token = t.body["token"].as_str().unwrap().to_string();
    let scim = Api::new(&format!("{}/scim/v2", server.base_url), Some(&token));
    (c, dev, scim, token)
}

fn assert_scim_error(r: &Resp, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.header("content-type"), Some(SCIM_JSON), "{}", r.text);
    assert_eq!(
        r.body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
    assert_eq!(r.body["status"], json!(status.to_string()), "{}", r.text);
    assert!(r.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    if let Some(t) = scim_type {
        assert_eq!(r.body["scimType"], t, "{}", r.text);
    }
}

async fn create_user(scim: &Api, body: Value) -> Value {
    let r = scim.post("/Users", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body
}

fn ids(r: &Resp) -> Vec<String> {
    r.body["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("a ListResponse: {}", r.text))
        .iter()
        .map(|u| {
            u["userName"]
                .as_str()
                .or(u["displayName"].as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ------------------------------------------------------------------ the checker

/// Non-success results allowed, each an optional feature ServiceProviderConfig does not
/// advertise. Empty: every check scim2-tester 0.5.2 runs must succeed.
const ALLOWED: &[(&str, &str)] = &[];

#[tokio::test]
async fn scim2_tester_finds_the_server_compliant() {
    let (_, _, _, token) = tenant(Mode::Live).await;
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = Command::new("bash")
        .arg(format!("{root}/scripts/lib/peer-scim.sh"))
        .output()
        .expect("run scripts/lib/peer-scim.sh");
    assert!(
        out.status.success(),
        "peer-scim.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let base = format!("{}/scim/v2", shared().base_url);
    let run = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/peers/scim_check.py"
            ))
            .arg(&base)
            .env("SCIM_TOKEN", &token)
            .output()
            .expect("run the scim2-tester driver")
    })
    .await
    .unwrap();
    assert!(
        run.status.success(),
        "scim2-tester driver failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&run.stdout).expect("JSON results");
    let mut failures = Vec::new();
    let mut tags = std::collections::BTreeSet::new();
    for r in &results {
        let title = r["title"].as_str().unwrap_or_default();
        let status = r["status"].as_str().unwrap_or_default();
        for t in r["tags"].as_array().into_iter().flatten() {
            tags.insert(t.as_str().unwrap_or_default().to_string());
        }
        if status != "SUCCESS" && !ALLOWED.iter().any(|(t, s)| *t == title && *s == status) {
            failures.push(format!(
                "{status} {} {title}: {}",
                r["resourceType"].as_str().unwrap_or("-"),
                r["reason"].as_str().unwrap_or_default()
            ));
        }
    }
    eprintln!("scim2-tester: {} checks", results.len());
    assert!(
        failures.is_empty(),
        "scim2-tester:\n{}",
        failures.join("\n")
    );
    // The run reached every area, PATCH included, for both resource types.
    for t in [
        "service-provider-config",
        "resource-types",
        "schemas",
        "misc",
        "crud:create",
        "crud:read",
        "crud:update",
        "crud:delete",
        "patch:add",
        "patch:replace",
        "patch:remove",
    ] {
        assert!(tags.contains(t), "no {t} check ran: {tags:?}");
    }
    for kind in ["User", "Group"] {
        assert!(
            results.iter().any(|r| r["resourceType"] == kind
                && r["tags"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("patch:remove"))),
            "no PATCH check on {kind}"
        );
    }
    assert!(results.len() >= 100, "only {} checks ran", results.len());
}

// ------------------------------------------------------------------ focused tests

#[tokio::test]
async fn discovery_advertises_what_is_implemented() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    let anon = Api::new(&scim.base, None);
    let spc = anon.get("/ServiceProviderConfig").await;
    assert_eq!(spc.status, 200);
    assert_eq!(spc.header("content-type"), Some(SCIM_JSON));
    assert_eq!(spc.body["patch"]["supported"], true);
    assert_eq!(
        spc.body["filter"],
        json!({"supported": true, "maxResults": 200})
    );
    assert_eq!(spc.body["bulk"]["supported"], false);
    assert_eq!(spc.body["sort"]["supported"], false);
    assert_eq!(spc.body["etag"]["supported"], true);
    assert_eq!(spc.body["changePassword"]["supported"], false);
    let rt = scim.get("/ResourceTypes").await;
    assert_eq!(rt.body["totalResults"], 2);
    assert_eq!(
        scim.get("/ResourceTypes/User").await.body["endpoint"],
        "/Users"
    );
    assert_scim_error(&scim.get("/ResourceTypes/Nope").await, 404, None);
    let s = scim
        .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group")
        .await;
    assert_eq!(s.body["attributes"][1]["name"], "members");
    assert_scim_error(&scim.get("/Schemas/urn:nope").await, 404, None);
    for m in ["POST", "PUT", "PATCH", "DELETE"] {
        let r = scim
            .call(m, "/ServiceProviderConfig", Some(json!({})))
            .await;
        assert_scim_error(&r, 405, None);
        assert_scim_error(&scim.call(m, "/Schemas", Some(json!({}))).await, 405, None);
    }
    assert_scim_error(&scim.call("DELETE", "/Users", None).await, 405, None);
    assert_scim_error(&scim.get("/Nope").await, 404, None);
    assert_scim_error(&scim.get("").await, 404, None);
}

#[tokio::test]
async fn filters_operators_precedence_and_refusals() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    for (name, given, active, email, kind) in [
        ("Alice", "Alice", true, "alice@corp.example", "work"),
        ("bob", "Bob", false, "bob@home.example", "home"),
        ("carol", "Carol", true, "carol@corp.example", "work"),
        ("dave", "Dave", true, "dave@corp.example", "home"),
    ] {
        create_user(
            &scim,
            json!({"userName": name, "active": active, "name": {"givenName": given, "familyName": "Test"},
                   "emails": [{"value": email, "type": kind, "primary": true}], "externalId": format!("ext-{name}")}),
        )
        .await;
    }
    let list = |f: &str| {
        let scim = scim.clone();
        let f = f.to_string();
        async move { scim.get(&format!("/Users?filter={}", q(&f))).await }
    };
    for (f, want) in [
        ("userName eq \"alice\"", vec!["Alice"]),
        ("USERNAME Eq \"ALICE\"", vec!["Alice"]),
        ("userName ne \"alice\"", vec!["bob", "carol", "dave"]),
        ("userName co \"AR\"", vec!["carol"]),
        ("userName sw \"d\"", vec!["dave"]),
        ("userName ew \"b\"", vec!["bob"]),
        ("userName gt \"bob\"", vec!["carol", "dave"]),
        ("userName le \"bob\"", vec!["Alice", "bob"]),
        ("active eq false", vec!["bob"]),
        ("emails.value co \"corp\"", vec!["Alice", "carol", "dave"]),
        (
            "emails[type eq \"home\" and value sw \"dave\"]",
            vec!["dave"],
        ),
        (
            "emails.type eq \"work\" and not (name.givenName eq \"alice\")",
            vec!["carol"],
        ),
        (
            "name.givenName eq \"bob\" or name.givenName eq \"dave\" and active eq false",
            vec!["bob"],
        ),
        (
            "(name.givenName eq \"bob\" or name.givenName eq \"dave\") and active eq true",
            vec!["dave"],
        ),
        ("externalId eq \"ext-carol\"", vec!["carol"]),
        ("externalId eq \"EXT-CAROL\"", vec![]),
        ("title pr", vec![]),
        (
            "meta.created gt \"2000-01-01T00:00:00Z\" and meta.lastModified pr",
            vec!["Alice", "bob", "carol", "dave"],
        ),
    ] {
        let r = list(f).await;
        assert_eq!(r.status, 200, "{f}: {}", r.text);
        assert_eq!(ids(&r), want, "{f}");
        assert_eq!(r.body["totalResults"], want.len(), "{f}");
    }
    for f in [
        "userName eq",
        "nosuch eq \"x\"",
        "active gt true",
        "password eq \"x\"",
        "(userName eq \"a\"",
    ] {
        assert_scim_error(&list(f).await, 400, Some("invalidFilter"));
    }
    assert_scim_error(&list(&"x".repeat(5000)).await, 400, Some("invalidFilter"));
    // POST .search with the same language.
    let r = scim
        .post(
            "/Users/.search",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "emails.type eq \"work\"", "attributes": ["userName"], "count": 1}),
        )
        .await;
    assert_eq!(r.body["totalResults"], 2);
    assert_eq!(
        r.body["Resources"],
        json!([{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": r.body["Resources"][0]["id"], "userName": "Alice"}])
    );
}

#[tokio::test]
async fn pagination() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    for i in 1..=5 {
        create_user(&scim, json!({"userName": format!("u{i}")})).await;
    }
    let r = scim.get("/Users?startIndex=2&count=2").await;
    assert_eq!(
        (
            r.body["totalResults"].clone(),
            r.body["startIndex"].clone(),
            r.body["itemsPerPage"].clone()
        ),
        (json!(5), json!(2), json!(2))
    );
    assert_eq!(ids(&r), ["u2", "u3"]);
    let r = scim.get("/Users?startIndex=5&count=10").await;
    assert_eq!(ids(&r), ["u5"]);
    let r = scim.get("/Users?count=0").await;
    assert_eq!(
        (r.body["totalResults"].clone(), ids(&r).len()),
        (json!(5), 0)
    );
    let r = scim.get("/Users?startIndex=0&count=-3").await;
    assert_eq!((r.body["startIndex"].clone(), ids(&r).len()), (json!(1), 0));
    let r = scim.get("/Users?startIndex=9").await;
    assert_eq!(
        (r.body["totalResults"].clone(), ids(&r).len()),
        (json!(5), 0)
    );
    assert_scim_error(
        &scim.get("/Users?count=many").await,
        400,
        Some("invalidValue"),
    );
    let r = scim.get("/Users?count=100000").await;
    assert_eq!(r.body["itemsPerPage"], 5);
}

#[tokio::test]
async fn patch_path_forms_and_idp_habits() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    let u = create_user(
        &scim,
        json!({"userName": "pat", "emails": [{"value": "pat@work.example", "type": "work", "primary": true}]}),
    )
    .await;
    let id = u["id"].as_str().unwrap();
    let path = format!("/Users/{id}");
    let r = scim
        .call("PATCH", &path, Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "pat2@work.example"},
            {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "pat@home.example"},
            {"op": "add", "path": "name.givenName", "value": "Pat"},
            {"op": "replace", "value": {"displayName": "Pat P", "name.familyName": "P", "title": "Eng"}},
            {"op": "REMOVE", "path": "title"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:nickName", "value": "pp"},
        ]}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got = scim.get(&path).await.body;
    assert_eq!(
        got["emails"],
        json!([{"value": "pat2@work.example", "type": "work", "primary": true},
                                      {"type": "home", "value": "pat@home.example"}])
    );
    assert_eq!(got["name"], json!({"givenName": "Pat", "familyName": "P"}));
    assert_eq!(
        (got["displayName"].clone(), got["nickName"].clone()),
        (json!("Pat P"), json!("pp"))
    );
    assert!(got.get("title").is_none());
    assert_eq!(got["meta"]["version"], "W/\"2\"", "one version per request");
    let r = scim
        .call(
            "PATCH",
            &path,
            Some(json!({"Operations": [
        {"op": "remove", "path": "emails[type eq \"home\"]"},
        {"op": "replace", "path": "active", "value": "False"}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.body["active"].clone(),
            r.body["emails"].as_array().unwrap().len()
        ),
        (json!(false), 1)
    );
    for (ops, t) in [
        (json!([{"op": "remove"}]), "noTarget"),
        (
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            "mutability",
        ),
        (
            json!([{"op": "add", "path": "nosuch", "value": 1}]),
            "invalidPath",
        ),
        (
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            "invalidValue",
        ),
        (
            json!([{"op": "jump", "path": "active", "value": true}]),
            "invalidSyntax",
        ),
    ] {
        let r = scim
            .call("PATCH", &path, Some(json!({"Operations": ops})))
            .await;
        assert_scim_error(&r, 400, Some(t));
    }
    // Groups: members by value filter, and Azure AD's remove-with-value.
    let other = create_user(&scim, json!({"userName": "other"})).await;
    let oid = other["id"].as_str().unwrap();
    let g = scim
        .post(
            "/Groups",
            json!({"displayName": "Eng", "members": [{"value": id}, {"value": oid}]}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    assert_eq!(
        g.body["members"][0]["$ref"],
        format!("{}/Users/{id}", scim.base)
    );
    assert_eq!(g.body["members"][0]["type"], "User");
    let gpath = format!("/Groups/{}", g.body["id"].as_str().unwrap());
    let user = scim.get(&path).await.body;
    assert_eq!(user["groups"][0]["display"], "Eng");
    let r = scim
        .call(
            "PATCH",
            &gpath,
            Some(json!({"Operations": [
        {"op": "remove", "path": format!("members[value eq \"{id}\"]")}]})),
        )
        .await;
    assert_eq!(r.body["members"].as_array().unwrap().len(), 1, "{}", r.text);
    let r = scim
        .call(
            "PATCH",
            &gpath,
            Some(json!({"Operations": [
        {"op": "Remove", "path": "members", "value": [{"value": oid}]}]})),
        )
        .await;
    assert!(r.body.get("members").is_none(), "{}", r.text);
    let r = scim
        .call(
            "PATCH",
            &gpath,
            Some(json!({"Operations": [
        {"op": "add", "path": "members", "value": [{"value": "scimuser_nope"}]}]})),
        )
        .await;
    assert_scim_error(&r, 400, Some("invalidValue"));
    let by_member = scim
        .get(&format!("/Groups?filter={}", q("displayName eq \"eng\"")))
        .await;
    assert_eq!(by_member.body["totalResults"], 1);
}

#[tokio::test]
async fn etags_and_preconditions() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    let u = create_user(&scim, json!({"userName": "etag"})).await;
    let path = format!("/Users/{}", u["id"].as_str().unwrap());
    let g = scim.get(&path).await;
    let tag = g.header("etag").unwrap().to_string();
    assert_eq!(g.body["meta"]["version"], tag.as_str());
    let put = |if_match: String| {
        let scim = scim.clone();
        let path = path.clone();
        async move {
            let rb = scim
                .http
                .put(format!("{}{path}", scim.base))
                .bearer_auth(scim.key.as_ref().unwrap())
                .header("if-match", if_match)
                .header("content-type", SCIM_JSON)
                .body(json!({"userName": "etag", "displayName": "x"}).to_string());
            Api::finish(rb).await
        }
    };
    let r = put(tag.clone()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_ne!(r.header("etag"), Some(tag.as_str()));
    assert_scim_error(&put(tag.clone()).await, 412, None);
    assert_eq!(put("*".into()).await.status, 200);
    let current = scim.get(&path).await.header("etag").unwrap().to_string();
    let rb = scim
        .http
        .get(format!("{}{path}", scim.base))
        .bearer_auth(scim.key.as_ref().unwrap())
        .header("if-none-match", &current);
    assert_eq!(Api::finish(rb).await.status, 304);
    let rb = scim
        .http
        .delete(format!("{}{path}", scim.base))
        .bearer_auth(scim.key.as_ref().unwrap())
        .header("if-match", &tag);
    assert_scim_error(&Api::finish(rb).await, 412, None);
    assert_eq!(scim.call("DELETE", &path, None).await.status, 204);
    assert_scim_error(&scim.get(&path).await, 404, None);
}

#[tokio::test]
async fn user_names_are_unique_per_tenant_and_tenants_are_isolated() {
    let (_, _, a, _) = tenant(Mode::Live).await;
    let (_, _, b, _) = tenant(Mode::Live).await;
    let u = create_user(&a, json!({"userName": "Alice@Example.com"})).await;
    assert_scim_error(
        &a.post("/Users", json!({"userName": "alice@example.COM"}))
            .await,
        409,
        Some("uniqueness"),
    );
    let other = create_user(&a, json!({"userName": "zed"})).await;
    let r = a
        .call(
            "PUT",
            &format!("/Users/{}", other["id"].as_str().unwrap()),
            Some(json!({"userName": "ALICE@example.com"})),
        )
        .await;
    assert_scim_error(&r, 409, Some("uniqueness"));
    // Another tenant may use the name, and sees none of the first tenant's resources.
    create_user(&b, json!({"userName": "alice@example.com"})).await;
    let path = format!("/Users/{}", u["id"].as_str().unwrap());
    assert_scim_error(&b.get(&path).await, 404, None);
    assert_scim_error(
        &b.call(
            "PATCH",
            &path,
            Some(json!({"Operations": [{"op": "replace", "path": "active", "value": false}]})),
        )
        .await,
        404,
        None,
    );
    assert_scim_error(&b.call("DELETE", &path, None).await, 404, None);
    assert_eq!(b.get("/Users").await.body["totalResults"], 1);
    let g = a.post("/Groups", json!({"displayName": "A"})).await;
    assert_scim_error(
        &b.post(
            "/Groups",
            json!({"displayName": "B", "members": [{"value": u["id"]}]}),
        )
        .await,
        400,
        Some("invalidValue"),
    );
    assert_scim_error(
        &b.get(&format!("/Groups/{}", g.body["id"].as_str().unwrap()))
            .await,
        404,
        None,
    );
    assert_eq!(a.get("/Users").await.body["totalResults"], 2);
}

#[tokio::test]
async fn tokens_list_revoke_and_errors_are_scim_shaped() {
    let (_, dev, scim, _) = tenant(Mode::Live).await;
    let (_, other_dev, _, _) = tenant(Mode::Live).await;
    assert_eq!(scim.get("/Users").await.status, 200);
    let second = dev
        .post("/v1/scim/tokens", json!({"label": "second"}))
        .await;
    let list = dev.get("/v1/scim/tokens").await;
    let tokens = list.body["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0]["label"], "second", "newest first");
    assert!(tokens[0]["lastUsedAt"].is_null());
    assert!(tokens[1]["lastUsedAt"].is_string(), "used: {}", list.text);
    assert!(
        !list.text.contains("token\""),
        "no secret in the list: {}",
        list.text
    );
    let first_id = tokens[1]["id"].as_str().unwrap();
    assert_envelope(
        &dev.post("/v1/scim/tokens", json!({"label": ""})).await,
        400,
        "BAD_REQUEST",
    );
    let r = other_dev
        .call("DELETE", &format!("/v1/scim/tokens/{first_id}"), None)
        .await;
    assert_envelope(&r, 404, "NOT_FOUND");
    assert_eq!(
        dev.call("DELETE", &format!("/v1/scim/tokens/{first_id}"), None)
            .await
            .status,
        204
    );
    let r = scim.get("/Users").await;
    assert_scim_error(&r, 401, None);
    // The other token still works; no token, or a developer API key, does not.
    let s2 = Api::new(&scim.base, second.body["token"].as_str());
    assert_eq!(s2.get("/Users").await.status, 200);
    assert_scim_error(&Api::new(&scim.base, None).get("/Users").await, 401, None);
    assert_scim_error(
        &Api::new(&scim.base, dev.key.as_deref()).get("/Users").await,
        401,
        None,
    );
    // Other errors: bad JSON, wrong media type, unknown ids, unknown attributes.
    let rb = s2
        .http
        .post(format!("{}/Users", s2.base))
        .bearer_auth(s2.key.as_ref().unwrap())
        .header("content-type", SCIM_JSON)
        .body("{nope");
    assert_scim_error(&Api::finish(rb).await, 400, Some("invalidSyntax"));
    let rb = s2
        .http
        .post(format!("{}/Users", s2.base))
        .bearer_auth(s2.key.as_ref().unwrap())
        .header("content-type", "text/plain")
        .body("{}");
    assert_scim_error(&Api::finish(rb).await, 415, None);
    assert_scim_error(&s2.get("/Users/scimuser_nope").await, 404, None);
    assert_scim_error(&s2.get("/Groups/nope").await, 404, None);
    assert_scim_error(
        &s2.post("/Users", json!({"userName": "x", "shoeSize": 44}))
            .await,
        400,
        Some("invalidValue"),
    );
    assert_scim_error(
        &s2.post("/Users", json!({"displayName": "no userName"}))
            .await,
        400,
        Some("invalidValue"),
    );
    assert_scim_error(
        &s2.post("/Groups", json!({})).await,
        400,
        Some("invalidValue"),
    );
}

#[tokio::test]
async fn password_is_accepted_never_returned() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    let u = create_user(
        &scim,
        json!({"userName": "pw", "password": "Sup3r-s3cret!"}),
    )
    .await;
    let path = format!("/Users/{}", u["id"].as_str().unwrap());
    for r in [
        scim.get(&path).await,
        scim.get(&format!("{path}?attributes=password,userName"))
            .await,
        scim.get("/Users").await,
        scim.call(
            "PUT",
            &path,
            Some(json!({"userName": "pw", "password": "an0ther"})),
        )
        .await,
        scim.call(
            "PATCH",
            &path,
            Some(json!({"Operations": [{"op": "replace", "path": "password", "value": "x3"}]})),
        )
        .await,
    ] {
        assert!(r.status < 300, "{}", r.text);
        assert!(!r.text.to_lowercase().contains("password"), "{}", r.text);
        assert!(
            !r.text.contains("s3cret") && !r.text.contains("an0ther"),
            "{}",
            r.text
        );
    }
}

#[tokio::test]
async fn sdk_scim_namespace() {
    let (c, _, scim, token) = tenant(Mode::Live).await;
    let created = c
        .scim()
        .create_token(&grantex::types::CreateScimTokenParams {
            label: "sdk".into(),
        })
        .await
        .unwrap();
    assert!(!created.token.is_empty());
    assert!(c
        .scim()
        .list_tokens()
        .await
        .unwrap()
        .tokens
        .iter()
        .any(|t| t.id == created.id));
    let s = client(&shared().base_url, &token);
    let u = s
        .scim()
        .create_user(&CreateScimUserParams {
            user_name: "sdk-user".into(),
            emails: Some(vec![ScimEmail {
                value: "sdk@x.example".into(),
                primary: true,
                kind: Some("work".into()),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((u.active, u.meta.resource_type.as_str()), (true, "User"));
    assert!(u.meta.version.is_some());
    let listed = s
        .scim()
        .list_users(&ListScimUsersParams {
            start_index: Some(1),
            count: Some(10),
        })
        .await
        .unwrap();
    assert_eq!(listed.total_results, 1);
    let off = s
        .scim()
        .update_user(
            &u.id,
            &ScimPatchParams {
                operations: vec![ScimPatchOperation {
                    op: "replace".into(),
                    path: Some("active".into()),
                    value: Some(json!(false)),
                }],
            },
        )
        .await
        .unwrap();
    assert!(!off.active);
    let replaced = s
        .scim()
        .replace_user(
            &u.id,
            &CreateScimUserParams {
                user_name: "sdk-user2".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            replaced.user_name.as_str(),
            replaced.active,
            replaced.emails.len()
        ),
        ("sdk-user2", true, 0)
    );
    s.scim().delete_user(&u.id).await.unwrap();
    assert_eq!(status(&s.scim().get_user(&u.id).await.unwrap_err()), 404);
    c.scim().revoke_token(&created.id).await.unwrap();
    assert_eq!(scim.get("/Users").await.status, 200);
}

// ------------------------------------------------------------------ deprovisioning

async fn verify(dev: &Api, token: &str) -> bool {
    let r = dev.post("/v1/tokens/verify", json!({"token": token})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["valid"].as_bool().unwrap()
}

/// A live grant for `principal` plus a grant delegated from it: both tokens.
async fn grants_of(c: &grantex::Client, principal: &str) -> (String, String) {
    let a = agent(c, "main", &["read", "write"]).await;
    let sub = agent(c, "sub", &["read"]).await;
    let t = grant(c, &a.agent_id, principal, &["read", "write"]).await;
    let d = delegate(c, &t.grant_token, &sub.agent_id, &["read"]).await;
    (t.grant_token, d.grant_token)
}

async fn assert_deprovisioned(dev: &Api, principal: &str, tokens: &[&str]) {
    for t in tokens {
        assert!(
            !verify(dev, t).await,
            "token still active after deprovisioning"
        );
    }
    let r = dev
        .get(&format!(
            "/v1/audit/entries?principalId={principal}&action=grantex.grant.revoked"
        ))
        .await;
    let entries = r.body["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text));
    assert!(
        entries
            .iter()
            .any(|e| e["metadata"]["cause"] == "deprovisioned"
                && e["metadata"]["descendantsRevoked"].as_u64() >= Some(1)),
        "no deprovisioning revocation audited: {}",
        r.text
    );
}

#[tokio::test]
async fn deactivating_a_user_revokes_its_grants_in_the_same_request() {
    let (c, dev, scim, _) = tenant(Mode::Sandbox).await;
    let u = create_user(&scim, json!({"userName": "leaver@corp.example"})).await;
    let id = u["id"].as_str().unwrap();
    let (parent, child) = grants_of(&c, id).await;
    assert!(verify(&dev, &parent).await && verify(&dev, &child).await);
    // Azure AD's form: op in capitals, the boolean as a string.
    let r = scim
        .call(
            "PATCH",
            &format!("/Users/{id}"),
            Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
            ),
        )
        .await;
    assert_eq!(
        (r.status, r.body["active"].clone()),
        (200, json!(false)),
        "{}",
        r.text
    );
    assert_deprovisioned(&dev, id, &[&parent, &child]).await;
    // Okta's form (PUT with active false) on another user.
    let u2 = create_user(&scim, json!({"userName": "leaver2@corp.example"})).await;
    let id2 = u2["id"].as_str().unwrap();
    let (p2, c2) = grants_of(&c, id2).await;
    let r = scim
        .call(
            "PUT",
            &format!("/Users/{id2}"),
            Some(json!({"userName": "leaver2@corp.example", "active": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_deprovisioned(&dev, id2, &[&p2, &c2]).await;
}

#[tokio::test]
async fn deleting_a_user_revokes_its_grants_in_the_same_request() {
    let (c, dev, scim, _) = tenant(Mode::Sandbox).await;
    let u = create_user(&scim, json!({"userName": "gone@corp.example"})).await;
    let id = u["id"].as_str().unwrap();
    let (parent, child) = grants_of(&c, id).await;
    // Another user's grant is untouched.
    let keep = create_user(&scim, json!({"userName": "stays@corp.example"})).await;
    let (kept, _) = grants_of(&c, keep["id"].as_str().unwrap()).await;
    assert!(verify(&dev, &parent).await && verify(&dev, &child).await);
    let r = scim.call("DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_deprovisioned(&dev, id, &[&parent, &child]).await;
    assert!(
        verify(&dev, &kept).await,
        "another principal's grant was revoked"
    );
}

// ------------------------------------------------------------------ review regressions

fn patch_ops(ops: Value) -> Option<Value> {
    Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops}))
}

/// A value filter of 240 `co` terms that match nothing (a path of about 4 080 characters).
fn costly_filter() -> String {
    vec!["value co \"zq\""; 240].join(" or ")
}

/// A user of about 60 KB: four e-mails of 15 000 characters.
fn big_user(name: &str) -> Value {
    let emails: Vec<Value> = (0..4)
        .map(|i| json!({"value": format!("{i}{}@x.example", "a".repeat(15_000)), "type": format!("t{i}")}))
        .collect();
    json!({"userName": name, "emails": emails})
}

#[tokio::test]
async fn filter_work_is_bounded_per_request_and_patch_does_not_hold_the_write_lock() {
    let (_, _, a, _) = tenant(Mode::Live).await;
    let (_, _, b, _) = tenant(Mode::Live).await;
    let u = create_user(&a, big_user("big0")).await;
    let path = format!("/Users/{}", u["id"].as_str().unwrap());
    // 100 removals through that filter: ~1.4 G units of work over the 60 KB of e-mails.
    let ops: Vec<Value> = (0..100)
        .map(|_| json!({"op": "remove", "path": format!("emails[{}]", costly_filter())}))
        .collect();
    let body = patch_ops(Value::Array(ops));
    let t = std::time::Instant::now();
    let patches: Vec<_> = (0..3)
        .map(|_| {
            let (a, path, body) = (a.clone(), path.clone(), body.clone());
            tokio::spawn(async move { a.call("PATCH", &path, body).await })
        })
        .collect();
    // Another tenant's write meanwhile is not held up by them.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let w = std::time::Instant::now();
    let r = b.post("/Users", json!({"userName": "bystander"})).await;
    let waited = w.elapsed();
    assert_eq!(r.status, 201, "{}", r.text);
    for p in patches {
        let r = p.await.unwrap();
        assert_scim_error(&r, 400, Some("tooMany"));
    }
    assert!(
        waited < std::time::Duration::from_secs(2),
        "another tenant's POST waited {waited:?} for the PATCHes"
    );
    eprintln!("3 over-budget PATCHes answered in {:?}", t.elapsed());
    assert_eq!(a.get(&path).await.body["meta"]["version"], "W/\"1\"");
    // The same budget for GET and .search: 6 such users × 240 terms × 60 KB.
    for i in 1..6 {
        create_user(&a, big_user(&format!("big{i}"))).await;
    }
    let f = format!("emails[{}]", costly_filter());
    assert_scim_error(
        &a.get(&format!("/Users?filter={}", q(&f))).await,
        400,
        Some("tooMany"),
    );
    assert_scim_error(
        &a.post("/Users/.search", json!({"filter": f})).await,
        400,
        Some("tooMany"),
    );
    // Cheap filters over the same users still run.
    let r = a
        .get(&format!("/Users?filter={}", q("emails.value co \"zq\"")))
        .await;
    assert_eq!((r.status, r.body["totalResults"].clone()), (200, json!(0)));
}

/// authorize → (approve when live): the code.
async fn code_for(c: &grantex::Client, agent_id: &str, principal: &str) -> String {
    let auth = c
        .authorize(&AuthorizeParams {
            agent_id: agent_id.into(),
            user_id: principal.into(),
            scopes: strings(&["read"]),
            ..Default::default()
        })
        .await
        .expect("authorize");
    match auth.code {
        Some(code) => code,
        None => {
            c.consent()
                .approve(&auth.auth_request_id)
                .await
                .expect("approve")
                .code
        }
    }
}

#[tokio::test]
async fn a_deleted_user_gets_no_new_grant() {
    for mode in [Mode::Sandbox, Mode::Live] {
        let (c, _, scim, _) = tenant(mode).await;
        let u = create_user(&scim, json!({"userName": "deleted@corp.example"})).await;
        let id = u["id"].as_str().unwrap();
        let a = agent(&c, "main", &["read"]).await;
        let auth_code = code_for(&c, &a.agent_id, id).await;
        let r = scim.call("DELETE", &format!("/Users/{id}"), None).await;
        assert_eq!(r.status, 204, "{}", r.text);
        let late = c
            .tokens()
            .exchange(&ExchangeTokenParams {
                code: auth_code,
                agent_id: a.agent_id.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(
            (status(&late), code(&late).as_str()),
            (403, "PRINCIPAL_DEPROVISIONED"),
            "{mode:?}"
        );
        let again = c
            .authorize(&AuthorizeParams {
                agent_id: a.agent_id.clone(),
                user_id: id.into(),
                scopes: strings(&["read"]),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(
            (status(&again), code(&again).as_str()),
            (403, "PRINCIPAL_DEPROVISIONED"),
            "{mode:?}"
        );
        // Another developer's principal of that id is not affected.
        let (c2, _, _, _) = tenant(mode).await;
        let a2 = agent(&c2, "other", &["read"]).await;
        grant(&c2, &a2.agent_id, id, &["read"]).await;
    }
}

#[tokio::test]
async fn adding_an_existing_value_merges_and_remove_takes_a_single_object() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    let u1 = create_user(
        &scim,
        json!({"userName": "m1", "emails": [{"value": "m1@x.example", "type": "work"}]}),
    )
    .await;
    let u2 = create_user(&scim, json!({"userName": "m2"})).await;
    let (id1, id2) = (u1["id"].as_str().unwrap(), u2["id"].as_str().unwrap());
    let g = scim
        .post(
            "/Groups",
            json!({"displayName": "dup", "members": [{"value": id1}, {"value": id1}]}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    assert_eq!(g.body["members"].as_array().unwrap().len(), 1, "{}", g.text);
    let gpath = format!("/Groups/{}", g.body["id"].as_str().unwrap());
    // Re-adding a member (as stored: type and $ref filled in, or bare) adds nothing.
    let stored = g.body["members"][0].clone();
    for again in [
        json!([{"value": id1}]),
        json!([stored]),
        json!({"value": id1, "display": "One"}),
    ] {
        let r = scim
            .call(
                "PATCH",
                &gpath,
                patch_ops(json!([{"op": "add", "path": "members", "value": again}])),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["members"].as_array().unwrap().len(), 1, "{}", r.text);
    }
    assert_eq!(scim.get(&gpath).await.body["members"][0]["display"], "One");
    let r = scim
        .call(
            "PATCH",
            &gpath,
            patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": id2}]}])),
        )
        .await;
    assert_eq!(r.body["members"].as_array().unwrap().len(), 2, "{}", r.text);
    // An e-mail is the same value by value (any case) and type.
    let upath = format!("/Users/{id1}");
    let r = scim
        .call("PATCH", &upath, patch_ops(json!([{"op": "add", "path": "emails", "value": [{"value": "M1@X.example", "type": "work", "primary": true}]}])))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["emails"],
        json!([{"value": "M1@X.example", "type": "work", "primary": true}])
    );
    let r = scim
        .call("PATCH", &upath, patch_ops(json!([{"op": "add", "path": "emails", "value": [{"value": "m1@x.example", "type": "home"}]}])))
        .await;
    assert_eq!(r.body["emails"].as_array().unwrap().len(), 2, "{}", r.text);

    // remove with one object removes that member only; an empty list or a non-object is refused.
    for bad in [
        json!([]),
        json!("x"),
        json!([id2]),
        json!([{"display": "One"}]),
        json!(null),
    ] {
        let r = scim
            .call(
                "PATCH",
                &gpath,
                patch_ops(json!([{"op": "remove", "path": "members", "value": bad}])),
            )
            .await;
        assert_scim_error(&r, 400, Some("invalidValue"));
    }
    assert_eq!(
        scim.get(&gpath).await.body["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let r = scim
        .call(
            "PATCH",
            &gpath,
            patch_ops(json!([{"op": "remove", "path": "members", "value": {"value": id1}}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 1, "{}", r.text);
    assert_eq!(r.body["members"][0]["value"], id2);
    let r = scim
        .call("PATCH", &upath, patch_ops(json!([{"op": "remove", "path": "emails", "value": {"value": "m1@x.EXAMPLE", "type": "home"}}])))
        .await;
    assert_eq!(
        r.body["emails"],
        json!([{"value": "M1@X.example", "type": "work", "primary": true}]),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn member_value_is_immutable_and_type_and_ref_are_the_servers() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    let u1 = create_user(&scim, json!({"userName": "i1"})).await;
    let u2 = create_user(&scim, json!({"userName": "i2"})).await;
    let (id1, id2) = (u1["id"].as_str().unwrap(), u2["id"].as_str().unwrap());
    let other = scim.post("/Groups", json!({"displayName": "other"})).await;
    let oid = other.body["id"].as_str().unwrap();
    let g = scim
        .post(
            "/Groups",
            json!({"displayName": "imm", "members": [
                {"value": id1, "type": "Group", "$ref": "https://evil.example/x"},
                {"value": oid, "type": "User"}]}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let want = |id: &str, kind: &str, ep: &str| json!({"value": id, "type": kind, "$ref": format!("{}/{ep}/{id}", scim.base)});
    assert_eq!(
        g.body["members"],
        json!([want(id1, "User", "Users"), want(oid, "Group", "Groups")])
    );
    let gpath = format!("/Groups/{}", g.body["id"].as_str().unwrap());
    let f = format!("members[value eq \"{id1}\"]");
    for ops in [
        json!([{"op": "replace", "path": format!("{f}.value"), "value": id2}]),
        json!([{"op": "replace", "path": f, "value": {"value": id2}}]),
        json!([{"op": "replace", "path": "members.value", "value": id2}]),
        json!([{"op": "replace", "path": format!("{f}.type"), "value": "Group"}]),
        json!([{"op": "add", "path": "members.$ref", "value": "https://evil.example/y"}]),
        json!([{"op": "replace", "value": {"members.value": id2}}]),
    ] {
        let r = scim.call("PATCH", &gpath, patch_ops(ops.clone())).await;
        assert_scim_error(&r, 400, Some("mutability"));
    }
    // The same value again, or a writable sub-attribute, is fine.
    let r = scim
        .call(
            "PATCH",
            &gpath,
            patch_ops(
                json!([{"op": "replace", "path": f, "value": {"value": id1, "display": "I1"}}]),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = scim
        .call("PATCH", &gpath, patch_ops(json!([{"op": "add", "path": "members", "value": [{"value": id2, "type": "Group", "$ref": "https://evil.example/z"}]}])))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["members"][2], want(id2, "User", "Users"));
    assert_eq!(r.body["members"][0]["display"], "I1");
    let r = scim
        .call("PUT", &gpath, Some(json!({"displayName": "imm", "members": [{"value": oid, "type": "User", "$ref": "x"}]})))
        .await;
    assert_eq!(
        r.body["members"],
        json!([want(oid, "Group", "Groups")]),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn documents_are_capped_and_filtered_listings_read_in_batches() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    let mut five = big_user("toobig");
    five["emails"]
        .as_array_mut()
        .unwrap()
        .push(json!({"value": "b".repeat(15_000)}));
    assert_scim_error(&scim.post("/Users", five).await, 400, Some("invalidValue"));
    let u = create_user(&scim, big_user("big")).await;
    let path = format!("/Users/{}", u["id"].as_str().unwrap());
    for ops in [
        json!([{"op": "add", "path": "emails", "value": [{"value": "c".repeat(15_000)}]}]),
        // One value written into each of the four e-mails.
        json!([{"op": "add", "path": "emails.display", "value": "d".repeat(15_000)}]),
        json!([{"op": "replace", "path": "emails[type pr].display", "value": "d".repeat(15_000)}]),
    ] {
        let r = scim.call("PATCH", &path, patch_ops(ops)).await;
        assert_scim_error(&r, 400, Some("invalidValue"));
    }
    // Growing a user through many operations stops at the cap too.
    let many: Vec<Value> = (0..60)
        .map(|i| json!({"op": "add", "path": format!("emails[type eq \"n{i}\"].value"), "value": "e".repeat(15_000)}))
        .collect();
    assert_scim_error(
        &scim
            .call("PATCH", &path, patch_ops(Value::Array(many)))
            .await,
        400,
        Some("invalidValue"),
    );
    assert_eq!(scim.get(&path).await.body["meta"]["version"], "W/\"1\"");

    // A filter on `groups` over more users than one batch: memberships of each batch.
    let mut ids = Vec::new();
    for i in 0..105 {
        let u = create_user(&scim, json!({"userName": format!("u{i:03}")})).await;
        ids.push(u["id"].as_str().unwrap().to_string());
    }
    let g = scim
        .post(
            "/Groups",
            json!({"displayName": "ops", "members": [{"value": ids[3]}, {"value": ids[104]}]}),
        )
        .await;
    assert_eq!(g.status, 201, "{}", g.text);
    let r = scim
        .get(&format!("/Users?filter={}", q("groups.display eq \"ops\"")))
        .await;
    assert_eq!(ids_of(&r), ["u003", "u104"]);
    assert_eq!(r.body["Resources"][1]["groups"][0]["display"], "ops");
    let r = scim
        .get(&format!(
            "/Users?startIndex=99&count=3&filter={}",
            q("userName sw \"u\"")
        ))
        .await;
    assert_eq!(r.body["totalResults"], 105);
    assert_eq!(ids_of(&r), ["u098", "u099", "u100"]);
    // Without a filter: counted by the index, the page read alone (the big user first).
    let r = scim.get("/Users?startIndex=100&count=3").await;
    assert_eq!(r.body["totalResults"], 106);
    assert_eq!(ids_of(&r), ["u098", "u099", "u100"]);
    assert_eq!(r.body["Resources"][0]["groups"], Value::Null);
    let r = scim
        .post("/.search", json!({"startIndex": 105, "count": 3}))
        .await;
    assert_eq!(r.body["totalResults"], 107);
    assert_eq!(ids_of(&r), ["u103", "u104", "ops"]);
    assert_eq!(r.body["Resources"][1]["groups"][0]["display"], "ops");
}

fn ids_of(r: &Resp) -> Vec<String> {
    ids(r)
}

#[tokio::test]
async fn created_resources_have_a_location_whatever_the_projection() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    for (path, body) in [
        ("/Users?attributes=userName", json!({"userName": "loc1"})),
        (
            "/Users?excludedAttributes=meta",
            json!({"userName": "loc2"}),
        ),
        (
            "/Groups?attributes=displayName",
            json!({"displayName": "loc3"}),
        ),
        (
            "/Groups?excludedAttributes=meta,id",
            json!({"displayName": "loc4"}),
        ),
    ] {
        let r = scim.post(path, body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert!(r.body.get("meta").is_none(), "{}", r.text);
        let id = r.body["id"].as_str().unwrap();
        let ep = if path.starts_with("/Users") {
            "Users"
        } else {
            "Groups"
        };
        assert_eq!(
            r.header("location"),
            Some(format!("{}/{ep}/{id}", scim.base).as_str()),
            "{path}"
        );
        assert!(r.header("etag").is_some());
    }
}

#[tokio::test]
async fn me_and_bulk_are_not_implemented() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    for (m, p) in [
        ("GET", "/Me"),
        ("POST", "/Bulk"),
        ("PATCH", "/Me"),
        ("GET", "/Me/x"),
    ] {
        let r = scim.call(m, p, Some(json!({}))).await;
        assert_scim_error(&r, 501, None);
    }
    assert_scim_error(&scim.get("/Mine").await, 404, None);
}

#[tokio::test]
async fn concurrent_patches_lose_no_update() {
    let (_, _, scim, _) = tenant(Mode::Live).await;
    let g = scim.post("/Groups", json!({"displayName": "race"})).await;
    let gpath = format!("/Groups/{}", g.body["id"].as_str().unwrap());
    let mut ids = Vec::new();
    for i in 0..12 {
        let u = create_user(&scim, json!({"userName": format!("r{i}")})).await;
        ids.push(u["id"].as_str().unwrap().to_string());
    }
    // Each PATCH is computed from the version it read; a write that finds another version
    // computes again, so every 200 is in the result (a 409 only after repeated races).
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (scim, gpath, id) = (scim.clone(), gpath.clone(), id.clone());
            tokio::spawn(async move {
                let r = scim
                    .call(
                        "PATCH",
                        &gpath,
                        patch_ops(
                            json!([{"op": "add", "path": "members", "value": [{"value": id}]}]),
                        ),
                    )
                    .await;
                (id, r)
            })
        })
        .collect();
    let mut added = Vec::new();
    for t in tasks {
        let (id, r) = t.await.unwrap();
        match r.status {
            200 => added.push(id),
            409 => assert_scim_error(&r, 409, None),
            _ => panic!("{}", r.text),
        }
    }
    let got = scim.get(&gpath).await.body;
    let members: Vec<&str> = got["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    for id in &added {
        assert!(
            members.contains(&id.as_str()),
            "lost update: {id} not in {members:?}"
        );
    }
    assert!(
        added.len() >= 4,
        "only {} of 12 PATCHes succeeded",
        added.len()
    );
    assert_eq!(got["meta"]["version"], format!("W/\"{}\"", added.len() + 1));
}
