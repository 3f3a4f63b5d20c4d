//! enforce-vectors.json: manifests × tokens × tool calls → the `enforce` decision, and manifest
//! documents → valid or the validation error. Expectations are written here by hand (never
//! computed by the enforcer), so every binding's `enforce` is checked against the same table.

use crate::keys::Keys;
use crate::model::Obj;
use crate::tokens::{hdr, legacy, standard, ISSUER, NOW};
use serde_json::{json, Map, Value};

/// The manifests every case runs with.
fn manifests() -> Value {
    json!([
        {"connector": "crm", "tools": {
            "get_contact": "read", "create_contact": "write",
            "delete_contact": "delete", "export_contacts": "admin"}},
        {"$schema": "https://grantex.dev/spec/manifest-0.6.schema.json",
         "connector": "kyb", "version": "2.1.0", "tools": {
            "get_case": "read",
            "verify_business": {"permission": "read", "allowed_purposes": ["aml.cdd.*"]},
            "case_decision": {"permission": "write", "requires_decision": true},
            "bulk_screen": {"permission": "read", "caps": {"per_hour": 10}},
            "screen_person": {"permission": "read", "risk_tier": "medium"}}},
        {"connector": "pay", "tools": {"balance": "read", "charge": "write", "refund": "delete"}}
    ])
}

struct B<'k> {
    cases: Vec<Value>,
    keys: &'k Keys,
}

fn token(k: &Keys, claims: &Obj) -> String {
    k.primary.token(&hdr(&k.primary.kid), &claims.text())
}

fn with_scopes(scopes: &[&str]) -> Obj {
    legacy().without("scp").strs("scp", scopes)
}

fn details(v: Value) -> String {
    v.to_string()
}

impl B<'_> {
    fn add(
        &mut self,
        name: &str,
        description: &str,
        tok: String,
        call: Value,
        config: Value,
        expect: Value,
    ) {
        assert!(
            !self.cases.iter().any(|c| c["name"] == name),
            "duplicate case {name}"
        );
        let mut c = Map::new();
        c.insert("name".into(), name.into());
        c.insert("description".into(), description.into());
        c.insert("token".into(), tok.into());
        c.insert("call".into(), call);
        if config != json!({}) {
            c.insert("config".into(), config);
        }
        c.insert("expect".into(), expect);
        self.cases.push(Value::Object(c));
    }

    fn scoped(&self, scopes: &[&str]) -> String {
        token(self.keys, &with_scopes(scopes))
    }
}

fn call(connector: &str, tool: &str) -> Value {
    json!({"connector": connector, "tool": tool})
}

fn allowed(permission: &str) -> Value {
    json!({"allowed": true, "reasonCode": "", "subReason": "", "permission": permission})
}

fn denied(code: &str, sub: &str) -> Value {
    json!({"allowed": false, "reasonCode": code, "subReason": sub})
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

pub fn build(k: &Keys) -> Value {
    let mut b = B {
        cases: Vec::new(),
        keys: k,
    };

    // Scopes and permissions.
    let write = b.scoped(&["tool:crm:write"]);
    b.add(
        "allowed_exact_level",
        "A write scope runs a write tool.",
        write.clone(),
        call("crm", "create_contact"),
        json!({}),
        allowed("write"),
    );
    b.add(
        "allowed_lower_level",
        "A write scope runs a read tool.",
        write.clone(),
        call("crm", "get_contact"),
        json!({}),
        allowed("read"),
    );
    b.add(
        "permission_insufficient",
        "A write scope does not run a delete tool.",
        write.clone(),
        call("crm", "delete_contact"),
        json!({}),
        with(
            denied("permission_insufficient", ""),
            "permission",
            "delete".into(),
        ),
    );
    b.add(
        "admin_covers_everything",
        "An admin scope runs a delete tool.",
        b.scoped(&["tool:crm:admin"]),
        call("crm", "delete_contact"),
        json!({}),
        allowed("delete"),
    );
    b.add(
        "best_scope_wins",
        "The best of several scopes on a connector counts.",
        b.scoped(&["tool:crm:read", "tool:crm:delete", "calendar:read"]),
        call("crm", "delete_contact"),
        json!({}),
        allowed("delete"),
    );
    b.add(
        "agenticorg_alias",
        "agenticorg:<connector>:<level> reads like tool:.",
        b.scoped(&["agenticorg:crm:delete"]),
        call("crm", "delete_contact"),
        json!({}),
        allowed("delete"),
    );
    b.add(
        "no_scope_for_connector",
        "Scopes for another connector grant nothing here.",
        b.scoped(&["tool:pay:admin", "crm:write"]),
        call("crm", "get_contact"),
        json!({}),
        denied("tool_not_granted", ""),
    );
    b.add(
        "unknown_level_grants_nothing",
        "A scope with an unknown level grants nothing.",
        b.scoped(&["tool:crm:owner"]),
        call("crm", "get_contact"),
        json!({}),
        denied("tool_not_granted", ""),
    );
    b.add(
        "unknown_connector",
        "No manifest is loaded for the connector.",
        write.clone(),
        call("mail", "send_message"),
        json!({}),
        denied("manifest_unknown_tool", "unknown_connector"),
    );
    b.add(
        "unknown_tool",
        "The manifest does not declare the tool.",
        write.clone(),
        call("crm", "launch_rocket"),
        json!({}),
        denied("manifest_unknown_tool", "unknown_tool"),
    );
    b.add(
        "standard_layout",
        "The standard claim layout reads the same.",
        token(
            k,
            &standard()
                .without("scope")
                .s("scope", "tool:crm:write files:read"),
        ),
        call("crm", "create_contact"),
        json!({}),
        allowed("write"),
    );

    // The token itself.
    b.add(
        "expired_token",
        "An expired token is token_invalid.",
        token(
            k,
            &with_scopes(&["tool:crm:admin"])
                .without("exp")
                .i("exp", NOW - 1),
        ),
        call("crm", "get_contact"),
        json!({}),
        denied("token_invalid", ""),
    );
    let mut tampered = write.clone();
    let last = tampered.pop().unwrap_or('A');
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    b.add(
        "tampered_signature",
        "A token whose signature does not verify is token_invalid.",
        tampered,
        call("crm", "get_contact"),
        json!({}),
        denied("token_invalid", ""),
    );
    b.add(
        "foreign_key",
        "A token signed by a key outside the set is token_invalid.",
        k.attacker.token(
            &hdr(&k.primary.kid),
            &with_scopes(&["tool:crm:admin"]).text(),
        ),
        call("crm", "get_contact"),
        json!({}),
        denied("token_invalid", ""),
    );

    // Audience.
    let aud = token(
        k,
        &with_scopes(&["tool:crm:write"]).s("aud", "https://crm.example"),
    );
    b.add(
        "audience_unconfigured",
        "A token with aud and no expected audience is denied.",
        aud.clone(),
        call("crm", "get_contact"),
        json!({}),
        with(
            denied("token_invalid", "audience_unconfigured"),
            "details",
            json!({"token_audience": ["https://crm.example"]}),
        ),
    );
    b.add(
        "audience_match",
        "The expected audience is in aud.",
        aud.clone(),
        call("crm", "get_contact"),
        json!({"audience": "https://crm.example"}),
        allowed("read"),
    );
    b.add("audience_mismatch", "aud does not contain the expected audience.", aud.clone(),
        call("crm", "get_contact"), json!({"audience": "https://other.example"}),
        with(denied("token_invalid", "audience_mismatch"), "details",
            json!({"expected_audience": "https://other.example", "token_audience": ["https://crm.example"]})));
    b.add(
        "audience_missing_in_token",
        "An expected audience needs aud in the token.",
        write.clone(),
        call("crm", "get_contact"),
        json!({"audience": "https://crm.example"}),
        denied("token_invalid", "audience_mismatch"),
    );
    b.add(
        "audience_check_off",
        "audience_check off ignores aud.",
        aud.clone(),
        call("crm", "get_contact"),
        json!({"audienceCheck": "off"}),
        allowed("read"),
    );
    b.add(
        "audience_per_call",
        "A per-call audience replaces the configured one.",
        aud.clone(),
        with(
            call("crm", "get_contact"),
            "audience",
            "https://crm.example".into(),
        ),
        json!({"audience": "https://other.example"}),
        allowed("read"),
    );

    // Permissive mode.
    b.add(
        "permissive_allows_with_reason",
        "Permissive mode allows a denied call, keeping the reason.",
        write.clone(),
        call("crm", "delete_contact"),
        json!({"enforceMode": "permissive"}),
        json!({"allowed": true, "reasonCode": "permission_insufficient", "subReason": ""}),
    );
    b.add(
        "permissive_keeps_audience_denial",
        "Permissive mode never relaxes an audience denial.",
        aud.clone(),
        call("crm", "get_contact"),
        json!({"enforceMode": "permissive"}),
        denied("token_invalid", "audience_unconfigured"),
    );

    // authorization_details tools entries.
    let ad = |entry: Value| {
        token(
            k,
            &with_scopes(&["tool:crm:write", "tool:kyb:write"])
                .raw("authorization_details", details(json!([entry]))),
        )
    };
    let listed =
        ad(json!({"type": "urn:grantex:tools:v1", "connector": "crm", "tools": ["get_*"]}));
    b.add(
        "tools_list_prefix_allows",
        "A tools list entry ending in * allows by prefix.",
        listed.clone(),
        call("crm", "get_contact"),
        json!({}),
        allowed("read"),
    );
    b.add(
        "tools_list_denies_unlisted",
        "A tool the grant's list does not name is denied.",
        listed,
        call("crm", "create_contact"),
        json!({}),
        denied("tool_not_granted", "not_in_authorization_details"),
    );
    b.add("other_detail_types_ignored", "Entries of other types are other authorizations.",
        ad(json!({"type": "payment_initiation", "instructedAmount": {"currency": "EUR", "amount": "1"}})),
        call("crm", "create_contact"), json!({}), allowed("write"));
    b.add(
        "malformed_tools_entry",
        "A tools entry with an unknown key denies every call.",
        ad(json!({"type": "urn:grantex:tools:v1", "connector": "crm", "scopes": ["x"]})),
        call("crm", "get_contact"),
        json!({}),
        denied("token_invalid", "malformed_authorization_details"),
    );
    b.add(
        "repeated_connector_entry",
        "Two tools entries for one connector are ambiguous.",
        token(
            k,
            &with_scopes(&["tool:crm:write"]).raw(
                "authorization_details",
                details(json!([
            {"type": "urn:grantex:tools:v1", "connector": "crm"},
            {"type": "urn:grantex:tools:v1", "connector": "crm", "tools": ["get_contact"]}])),
            ),
        ),
        call("crm", "get_contact"),
        json!({}),
        denied("token_invalid", "malformed_authorization_details"),
    );

    // Purposes.
    let purpose =
        |p: &str| ad(json!({"type": "urn:grantex:tools:v1", "connector": "kyb", "purpose": p}));
    b.add(
        "purpose_matches_wildcard",
        "aml.cdd.* allows aml.cdd.onboarding.",
        purpose("aml.cdd.onboarding"),
        call("kyb", "verify_business"),
        json!({}),
        with(allowed("read"), "purpose", "aml.cdd.onboarding".into()),
    );
    b.add(
        "purpose_missing",
        "A tool with allowed_purposes needs a grant purpose.",
        b.scoped(&["tool:kyb:read"]),
        call("kyb", "verify_business"),
        json!({}),
        with(
            denied("purpose_not_allowed", "missing"),
            "details",
            json!({"allowed_purposes": ["aml.cdd.*"]}),
        ),
    );
    b.add(
        "purpose_not_matched",
        "A known purpose outside the patterns is denied.",
        purpose("aml.screening"),
        call("kyb", "verify_business"),
        json!({}),
        denied("purpose_not_allowed", "not_matched"),
    );
    b.add(
        "purpose_unknown",
        "A purpose outside the vocabulary is denied.",
        purpose("marketing.campaign"),
        call("kyb", "verify_business"),
        json!({}),
        denied("purpose_not_allowed", "unknown_purpose"),
    );
    b.add(
        "purpose_private_term",
        "x-<org> terms are known; they must still match.",
        purpose("x-acme.kyc"),
        call("kyb", "verify_business"),
        json!({}),
        denied("purpose_not_allowed", "not_matched"),
    );
    b.add(
        "purpose_unrestricted_tool",
        "A tool without allowed_purposes ignores the purpose.",
        purpose("marketing.campaign"),
        call("kyb", "get_case"),
        json!({}),
        allowed("read"),
    );

    // Decisions.
    let kyb = b.scoped(&["tool:kyb:write"]);
    b.add(
        "decision_required",
        "A requires_decision tool without decision grants is denied.",
        kyb.clone(),
        call("kyb", "case_decision"),
        json!({}),
        with(
            denied("decision_required", ""),
            "details",
            json!({"decision_required": "kyb:case_decision"}),
        ),
    );
    b.add(
        "decision_not_verifiable",
        "Decision grants are not verified by this SDK: denied, not allowed.",
        kyb.clone(),
        with(
            call("kyb", "case_decision"),
            "decisionGrants",
            json!(["a.b.c"]),
        ),
        json!({}),
        denied("decision_invalid", "consume_unavailable"),
    );
    b.add(
        "decision_warn_mode",
        "decisions_mode warn allows and reports the denial.",
        kyb.clone(),
        call("kyb", "case_decision"),
        json!({"decisionsMode": "warn"}),
        with(allowed("write"), "wouldDeny", json!("decision_required")),
    );
    b.add("decision_by_grant_reference", "A decision entry of the grant makes a tool need a decision.",
        ad(json!({"type": "urn:grantex:decision:v1", "connector": "crm", "tools": ["create_contact"]})),
        call("crm", "create_contact"), json!({}), denied("decision_required", ""));

    // Call caps need a meter.
    b.add(
        "caps_need_a_meter",
        "A tool with caps is denied without a caps meter.",
        kyb.clone(),
        call("kyb", "bulk_screen"),
        json!({}),
        denied("cap_exceeded", "meter_unavailable"),
    );
    b.add(
        "caps_off",
        "caps_mode off skips call caps.",
        kyb.clone(),
        call("kyb", "bulk_screen"),
        json!({"capsMode": "off"}),
        allowed("read"),
    );
    b.add(
        "caps_warn",
        "caps_mode warn allows and reports.",
        kyb.clone(),
        call("kyb", "bulk_screen"),
        json!({"capsMode": "warn"}),
        with(allowed("read"), "wouldDeny", json!("cap_exceeded")),
    );
    b.add("grant_caps_need_a_meter", "Caps in the grant's tools entry apply to the named tool.",
        ad(json!({"type": "urn:grantex:tools:v1", "connector": "crm", "caps": {"get_contact": {"per_day": 5}}})),
        call("crm", "get_contact"), json!({}), denied("cap_exceeded", "meter_unavailable"));
    b.add("grant_caps_other_tool", "Grant caps on another tool do not apply.",
        ad(json!({"type": "urn:grantex:tools:v1", "connector": "crm", "caps": {"get_contact": {"per_day": 5}}})),
        call("crm", "create_contact"), json!({}), allowed("write"));

    // Amount caps.
    let capped = b.scoped(&["tool:pay:write:capped:100", "tool:pay:read:capped:500"]);
    b.add(
        "amount_within_cap",
        "An amount within the tightest cap is allowed.",
        capped.clone(),
        with(call("pay", "charge"), "amount", json!(50)),
        json!({}),
        allowed("write"),
    );
    b.add(
        "amount_over_cap",
        "The tightest cap on the connector applies to every tool.",
        capped.clone(),
        with(call("pay", "balance"), "amount", json!(150)),
        json!({}),
        with(
            denied("cap_exceeded", "amount_cap"),
            "details",
            json!({"limit": 100.0, "amount": 150.0}),
        ),
    );
    b.add(
        "amount_missing",
        "A capped connector needs an amount.",
        capped.clone(),
        call("pay", "charge"),
        json!({}),
        with(
            denied("cap_exceeded", "amount_missing"),
            "details",
            json!({"limit": 100.0}),
        ),
    );
    b.add(
        "amount_missing_warn",
        "caps_mode warn allows a call without an amount.",
        capped.clone(),
        call("pay", "charge"),
        json!({"capsMode": "warn"}),
        with(allowed("write"), "wouldDeny", json!("cap_exceeded")),
    );
    b.add(
        "amount_not_a_number",
        "An amount that is not a number is denied in every mode.",
        capped.clone(),
        with(call("pay", "charge"), "amount", json!("50")),
        json!({"capsMode": "off"}),
        denied("cap_exceeded", "invalid_amount"),
    );
    b.add(
        "malformed_cap",
        "A malformed cap denies (never silently ignored).",
        b.scoped(&["tool:pay:write:capped:lots"]),
        with(call("pay", "charge"), "amount", json!(1)),
        json!({}),
        denied("cap_exceeded", "malformed_cap"),
    );
    b.add(
        "uncapped_amount_ignored",
        "An amount without a capped scope is allowed.",
        b.scoped(&["tool:pay:write"]),
        with(call("pay", "charge"), "amount", json!(1e9)),
        json!({}),
        allowed("write"),
    );

    // Data region.
    let region =
        |r: &str| ad(json!({"type": "urn:grantex:tools:v1", "connector": "crm", "data_region": r}));
    b.add(
        "region_match",
        "Regions compare trimmed and lowercased.",
        region(" EU "),
        call("crm", "get_contact"),
        json!({"dataRegionCheck": "on", "dataRegion": "eu"}),
        allowed("read"),
    );
    b.add(
        "region_mismatch",
        "A grant bound to another region is denied.",
        region("us"),
        call("crm", "get_contact"),
        json!({"dataRegionCheck": "on", "dataRegion": "eu"}),
        denied("region_mismatch", "region_mismatch"),
    );
    b.add(
        "region_unconfigured",
        "A region-bound grant needs an expected region.",
        region("us"),
        call("crm", "get_contact"),
        json!({"dataRegionCheck": "on", "enforceMode": "permissive"}),
        denied("region_mismatch", "region_unconfigured"),
    );
    b.add(
        "region_check_off",
        "data_region_check off (the default) ignores regions.",
        region("us"),
        call("crm", "get_contact"),
        json!({}),
        allowed("read"),
    );

    // Tool-qualified scopes.
    let named = b.scoped(&["tool:crm:write:create_contact"]);
    b.add(
        "qualified_scope_names_tool",
        "A scope naming the tool covers it.",
        named.clone(),
        call("crm", "create_contact"),
        json!({"toolQualifiedScopes": true}),
        allowed("write"),
    );
    b.add(
        "qualified_scope_other_tool",
        "Scopes naming only other tools do not cover this one.",
        named.clone(),
        call("crm", "get_contact"),
        json!({"toolQualifiedScopes": true}),
        with(
            denied("tool_not_granted", "tool_scope_missing"),
            "details",
            json!({"tool_scopes": ["create_contact"]}),
        ),
    );
    b.add(
        "qualified_scope_off",
        "Without tool_qualified_scopes a named scope is connector-wide.",
        named,
        call("crm", "get_contact"),
        json!({}),
        allowed("read"),
    );

    let manifest_cases = json!([
        {"name": "strings_lenient", "document": {"connector": "crm", "tools": {"a": "read"}, "owner": "x"},
         "expect": "valid", "ignoredKeys": ["owner"]},
        {"name": "strict_unknown_top_level", "document": {"connector": "crm", "tools": {"a": {"permission": "read"}}, "owner": "x"},
         "expect": "unknown top-level key \"owner\""},
        {"name": "schema_makes_strict", "document": {"$schema": "x", "connector": "crm", "tools": {"a": "read"}, "owner": "x"},
         "expect": "unknown top-level key"},
        {"name": "bad_permission", "document": {"connector": "crm", "tools": {"a": "superuser"}},
         "expect": "invalid permission \"superuser\" for tool \"a\""},
        {"name": "read_with_decision", "document": {"connector": "crm", "tools": {"a": {"permission": "read", "requires_decision": true}}},
         "expect": "tools.a: requires_decision is not allowed on a tool with read permission"},
        {"name": "unknown_cap", "document": {"connector": "crm", "tools": {"a": {"permission": "read", "caps": {"per_week": 1}}}},
         "expect": "tools.a.caps: unknown key \"per_week\""},
        {"name": "reserved_tool_name", "document": {"connector": "crm", "tools": {"cost_units": "read"}},
         "expect": "reserved"},
        {"name": "bad_purpose_pattern", "document": {"connector": "crm", "tools": {"a": {"permission": "read", "allowed_purposes": ["Aml.*"]}}},
         "expect": "tools.a.allowed_purposes[0]: invalid purpose pattern \"Aml.*\""},
        {"name": "bad_connector_name", "document": {"connector": "c r m", "tools": {"a": {"permission": "read"}}},
         "expect": "invalid connector name"},
        {"name": "missing_tools", "document": {"connector": "crm"}, "expect": "missing \"connector\" or \"tools\" field"},
        {"name": "duplicate_key_text", "text": "{\"connector\": \"crm\", \"tools\": {\"a\": \"read\", \"a\": \"admin\"}}",
         "expect": "duplicate key \"a\""},
        {"name": "full_object_form", "document": {"connector": "crm", "version": "3", "tools": {
            "a": {"permission": "write", "allowed_purposes": ["aml.cdd.*", "x-acme.*"], "caps": {"per_hour": 1, "per_case": 0},
                  "cost_units": {"api_calls": 2}, "requires_decision": true, "risk_tier": "high",
                  "four_eyes_on": ["decline"], "decision_fields": ["currency"]}}},
         "expect": "valid"}
    ]);

    json!({
        "description": "enforce() vectors. Build an enforcer with `config` (every case: the key set `jwks`, \
            `issuer`, the clock `now`, revocationCheck offline) merged with the case's `config`, load every \
            manifest of `manifests`, and enforce `call` with `token` as its grantToken. `expect` gives \
            allowed, reasonCode, subReason, and where present permission, purpose, details (exact) and \
            wouldDeny (the reasonCode of the first would-deny). `manifestCases`: each `document` (or JSON \
            `text`) is `valid` (with `ignoredKeys` when given) or fails with a ManifestValidationError whose \
            message contains `expect`.",
        "config": {"jwks": {"keys": [k.primary.jwk.clone()]}, "issuer": ISSUER, "now": NOW, "revocationCheck": "offline"},
        "manifests": manifests(),
        "cases": b.cases,
        "manifestCases": manifest_cases,
    })
}
