//! The PostgreSQL schema: the same tables, columns and rules as the SQLite schema
//! (`schema.rs`), integers as BIGINT, flags as 0/1 BIGINT, append-only audit tables enforced by
//! triggers. Migrations run once each, in order, under an advisory lock, so several instances
//! starting at once on one database migrate it exactly once.

/// Version, description, SQL. Version 1 is the SQLite schema at its version 6.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "initial schema (= SQLite schema 6)",
        r#"
CREATE TABLE developers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT,
    mode          TEXT NOT NULL CHECK (mode IN ('live', 'sandbox')),
    api_key_hash  TEXT NOT NULL UNIQUE,
    fido_rp_name  TEXT,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX developers_email ON developers (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE agents (
    id            TEXT PRIMARY KEY,
    developer_id  TEXT NOT NULL REFERENCES developers (id),
    did           TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    redirect_uris TEXT
);
CREATE INDEX agents_developer ON agents (developer_id, created_at);

CREATE TABLE auth_requests (
    id              TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    principal_id    TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    redirect_uri    TEXT,
    state           TEXT,
    expires_in      TEXT NOT NULL,
    expires_in_secs BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    audience        TEXT,
    code_challenge  TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
    code            TEXT UNIQUE,
    created_at      BIGINT NOT NULL,
    grant_id        TEXT
);
CREATE INDEX auth_requests_agent ON auth_requests (agent_id);
CREATE INDEX auth_requests_expiry ON auth_requests (developer_id, expires_at);

CREATE TABLE grants (
    id               TEXT PRIMARY KEY,
    developer_id     TEXT NOT NULL,
    agent_id         TEXT NOT NULL,
    agent_did        TEXT NOT NULL,
    principal_id     TEXT NOT NULL,
    scopes           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    issued_at        BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,
    revoked_at       BIGINT,
    audience         TEXT,
    parent_grant_id  TEXT,
    parent_agent_did TEXT,
    delegation_depth BIGINT NOT NULL DEFAULT 0,
    source_jti       TEXT
);
CREATE INDEX grants_developer ON grants (developer_id, issued_at);
CREATE INDEX grants_parent ON grants (parent_grant_id);
CREATE INDEX grants_source_jti ON grants (source_jti);
CREATE INDEX grants_agent ON grants (agent_id);
CREATE INDEX grants_principal ON grants (developer_id, principal_id);

CREATE TABLE grant_tokens (
    jti           TEXT PRIMARY KEY,
    grant_id      TEXT NOT NULL,
    developer_id  TEXT NOT NULL,
    kid           TEXT NOT NULL,
    is_revoked    BIGINT NOT NULL DEFAULT 0,
    revoked_at    BIGINT,
    issued_at     BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX grant_tokens_grant ON grant_tokens (grant_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    grant_id    TEXT NOT NULL,
    is_used     BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);

CREATE TABLE refresh_idempotency (
    developer_id   TEXT NOT NULL,
    key            TEXT NOT NULL,
    refresh_token  TEXT NOT NULL,
    response       TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (developer_id, key)
);

CREATE TABLE audit_entries (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    developer_id  TEXT NOT NULL,
    agent_id      TEXT NOT NULL,
    agent_did     TEXT NOT NULL,
    grant_id      TEXT NOT NULL,
    principal_id  TEXT NOT NULL,
    action        TEXT NOT NULL,
    metadata      TEXT NOT NULL,
    hash          TEXT NOT NULL,
    prev_hash     TEXT,
    timestamp     TEXT NOT NULL,
    status        TEXT NOT NULL
);
CREATE INDEX audit_developer ON audit_entries (developer_id, seq);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT,
    max_exp     BIGINT NOT NULL DEFAULT 0,
    purpose     TEXT NOT NULL DEFAULT 'live'
);

CREATE TABLE issuers (
    issuer      TEXT PRIMARY KEY,
    first_used  BIGINT NOT NULL
);

CREATE TABLE audit_checkpoints (
    id              TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL,
    head_seq        BIGINT NOT NULL REFERENCES audit_entries (seq),
    head_entry_id   TEXT NOT NULL,
    head_hash       TEXT NOT NULL,
    head_timestamp  TEXT NOT NULL,
    entry_count     BIGINT NOT NULL CHECK (entry_count > 0),
    kid             TEXT NOT NULL,
    signed          TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX audit_checkpoints_developer ON audit_checkpoints (developer_id, head_seq);

CREATE TABLE health_probe (
    id  BIGINT PRIMARY KEY CHECK (id = 1),
    at  BIGINT NOT NULL
);

CREATE TABLE principal_sessions (
    jti           TEXT PRIMARY KEY,
    developer_id  TEXT NOT NULL,
    principal_id  TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX principal_sessions_principal ON principal_sessions (developer_id, principal_id);

-- Append-only audit tables, enforced below the API too.
CREATE FUNCTION grantex_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION grantex_append_only();
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION grantex_append_only();
"#,
    ),
    (
        2,
        "signing keys stored in the database (= SQLite schema 7)",
        r#"
ALTER TABLE signing_keys ADD COLUMN wrapped_key TEXT;
"#,
    ),
    (
        3,
        "server secrets shared by instances (= SQLite schema 8)",
        r#"
CREATE TABLE server_secrets (
    name     TEXT PRIMARY KEY,
    wrapped  TEXT NOT NULL
);
"#,
    ),
    (
        4,
        "agent key binding, grant purpose and data region (= SQLite schema 9)",
        r#"
-- Agent key binding and status history (reference 0.7.2 agent fields).
ALTER TABLE agents ADD COLUMN resource_servers TEXT;
ALTER TABLE agents ADD COLUMN public_jwk TEXT;
ALTER TABLE agents ADD COLUMN key_thumbprint TEXT;
ALTER TABLE agents ADD COLUMN status_changed_at BIGINT;
ALTER TABLE agents ADD COLUMN status_reason TEXT;
-- What a grant is for and where its data may be processed, from its authorization request.
ALTER TABLE auth_requests ADD COLUMN purpose TEXT;
ALTER TABLE auth_requests ADD COLUMN data_region TEXT;
ALTER TABLE grants ADD COLUMN purpose TEXT;
ALTER TABLE grants ADD COLUMN data_region TEXT;
-- The purpose of the grant an audit entry was recorded under (not part of the hashed content).
ALTER TABLE audit_entries ADD COLUMN purpose TEXT;
"#,
    ),
    (
        5,
        "the revocation feed (= SQLite schema 10)",
        r#"
-- Every revocation, suspension and resumption, in commit order (writes are serialised), for
-- SDKs that follow the feed (GET /v1/revocations) instead of asking about each call.
CREATE TABLE revocation_events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    developer_id TEXT NOT NULL,
    grant_id     TEXT,
    jti          TEXT,
    action       TEXT NOT NULL,
    expires_at   BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX revocation_events_dev_seq ON revocation_events (developer_id, seq);
"#,
    ),
    (
        6,
        "grants bound to an agent key (= SQLite schema 11)",
        r#"
-- The thumbprint of the agent key a grant's tokens are bound to (cnf.jkt, RFC 9449).
ALTER TABLE grants ADD COLUMN key_thumbprint TEXT;
"#,
    ),
    (
        7,
        "policies (= SQLite schema 12)",
        r#"
-- Rules applied at /v1/authorize and delegation (server/src/policy/). Conditions NULL = any;
-- scopes is a JSON array; cedar holds the policy text of a policy written as code.
CREATE TABLE policies (
    id                TEXT PRIMARY KEY,
    developer_id      TEXT NOT NULL,
    name              TEXT NOT NULL,
    effect            TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
    priority          BIGINT NOT NULL DEFAULT 0,
    agent_id          TEXT,
    principal_id      TEXT,
    scopes            TEXT,
    time_of_day_start TEXT,
    time_of_day_end   TEXT,
    cedar             TEXT,
    version           BIGINT NOT NULL DEFAULT 1,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX policies_dev_priority ON policies (developer_id, priority DESC, created_at);
"#,
    ),
    (
        8,
        "events and webhooks (= SQLite schema 13)",
        r#"
-- Every event the server emits (store/events.rs), in commit order: the durable log webhook
-- deliveries are made from. payload is the event JSON exactly as delivered.
CREATE TABLE events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    developer_id TEXT NOT NULL,
    type         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX events_dev_seq ON events (developer_id, seq);
CREATE TABLE webhooks (
    id           TEXT PRIMARY KEY,
    developer_id TEXT NOT NULL,
    url          TEXT NOT NULL,
    events       TEXT NOT NULL,
    secret       TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX webhooks_dev ON webhooks (developer_id, created_at);
-- The outbox: one row per (event, endpoint), written in the transaction that emitted the event;
-- the delivery worker claims due rows with a lease (lease_until) so one instance sends each.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL,
    developer_id    TEXT NOT NULL,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    url             TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, created_at);
"#,
    ),
    (
        9,
        "anomalies (= SQLite schema 14)",
        r#"
-- Findings of the anomaly rules (server/src/anomaly.rs); metadata is a JSON object.
CREATE TABLE anomalies (
    id              TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL,
    type            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    agent_id        TEXT,
    principal_id    TEXT,
    description     TEXT NOT NULL,
    metadata        TEXT NOT NULL,
    detected_at     BIGINT NOT NULL,
    acknowledged_at BIGINT
);
CREATE INDEX anomalies_dev_detected ON anomalies (developer_id, detected_at);
"#,
    ),
    (
        10,
        "alerting (= SQLite schema 15)",
        r#"
-- Anomalies read as alerts (server/src/store/alerts.rs): lifecycle, the rule that fired, notes.
ALTER TABLE anomalies ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE anomalies ADD COLUMN rule_id TEXT;
ALTER TABLE anomalies ADD COLUMN rule_name TEXT;
ALTER TABLE anomalies ADD COLUMN resolved_at BIGINT;
ALTER TABLE anomalies ADD COLUMN resolution_note TEXT;
-- What makes two findings the same one (the rule, and for new_high_risk_scope the scope).
ALTER TABLE anomalies ADD COLUMN fingerprint TEXT;
CREATE INDEX anomalies_dev_fingerprint ON anomalies (developer_id, fingerprint, detected_at);
-- The anomaly rules read recent tokens and audit entries per developer.
CREATE INDEX grant_tokens_dev_issued ON grant_tokens (developer_id, issued_at);
CREATE INDEX audit_dev_timestamp ON audit_entries (developer_id, timestamp);
-- Custom thresholds (condition is a JSON object, alert_channels a JSON array of channel ids).
CREATE TABLE anomaly_rules (
    id             TEXT PRIMARY KEY,
    developer_id   TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT,
    condition      TEXT NOT NULL,
    severity       TEXT NOT NULL,
    alert_channels TEXT NOT NULL,
    enabled        BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL
);
CREATE INDEX anomaly_rules_dev ON anomaly_rules (developer_id, created_at);
CREATE UNIQUE INDEX anomaly_rules_dev_rule ON anomaly_rules (developer_id, rule_id);
-- Where new alerts go: a URL signed with its own secret, through the webhook outbox.
CREATE TABLE anomaly_channels (
    id           TEXT PRIMARY KEY,
    developer_id TEXT NOT NULL,
    type         TEXT NOT NULL,
    name         TEXT NOT NULL,
    config       TEXT NOT NULL,
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,
    severities   TEXT NOT NULL,
    enabled      BIGINT NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL
);
CREATE INDEX anomaly_channels_dev ON anomaly_channels (developer_id, created_at);
"#,
    ),
    (
        11,
        "policy generations (= SQLite schema 16)",
        r#"
-- Bumped by every policy write (store/policies.rs): servers rebuild a developer's compiled
-- policies only when it changed (server/src/policy/mod.rs, decide_stored).
CREATE TABLE policy_generations (
    developer_id TEXT PRIMARY KEY,
    generation   BIGINT NOT NULL
);
-- Every authorization purges its developer's expired requests: without this index that
-- purge read the whole table, making /v1/authorize slower with every pending request.
CREATE INDEX auth_requests_dev_expires ON auth_requests (developer_id, expires_at);
"#,
    ),
    (
        12,
        "budgets and usage (= SQLite schema 17)",
        r#"
-- One budget per grant, in ten-thousandths of the currency unit (exact arithmetic).
-- thresholds_fired: bit 0 = 50%, bit 1 = 80%, bit 2 = 100% (each event is emitted once).
CREATE TABLE budget_allocations (
    id               TEXT PRIMARY KEY,
    developer_id     TEXT NOT NULL,
    grant_id         TEXT NOT NULL,
    initial_units    BIGINT NOT NULL CHECK (initial_units > 0),
    remaining_units  BIGINT NOT NULL CHECK (remaining_units >= 0),
    currency         TEXT NOT NULL,
    thresholds_fired BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX budget_allocations_grant ON budget_allocations (developer_id, grant_id);
CREATE INDEX budget_allocations_dev ON budget_allocations (developer_id, created_at);
CREATE TABLE budget_transactions (
    id            TEXT PRIMARY KEY,
    developer_id  TEXT NOT NULL,
    grant_id      TEXT NOT NULL,
    allocation_id TEXT NOT NULL,
    amount_units  BIGINT NOT NULL,
    description   TEXT,
    metadata      TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX budget_transactions_grant ON budget_transactions (developer_id, grant_id, created_at);
-- A debit's answer by Idempotency-Key, replayed for a retry with the same request.
CREATE TABLE budget_idempotency (
    developer_id TEXT NOT NULL,
    key          TEXT NOT NULL,
    request      TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (developer_id, key)
);
CREATE INDEX budget_idempotency_created ON budget_idempotency (created_at);
-- Metered requests per developer and UTC day (added to by every instance's meter).
CREATE TABLE usage_daily (
    developer_id    TEXT NOT NULL,
    date            TEXT NOT NULL,
    token_exchanges BIGINT NOT NULL DEFAULT 0,
    authorizations  BIGINT NOT NULL DEFAULT 0,
    verifications   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (developer_id, date)
);
"#,
    ),
    (
        13,
        "credential vault (= SQLite schema 18)",
        r#"
-- The vault's key-encryption keys (src/vault.rs), each wrapped by the master key master_id;
-- exactly one is 'current'.
CREATE TABLE vault_keks (
    id         TEXT PRIMARY KEY,
    master_id  TEXT NOT NULL,
    wrapped    TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('current', 'retired')),
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX vault_keks_one_current ON vault_keks (status) WHERE status = 'current';
-- Upstream credentials held for principals, sealed under the row's own data key (wrapped by
-- the vault KEK kek_id); never in plaintext.
CREATE TABLE vault_credentials (
    id               TEXT PRIMARY KEY,
    developer_id     TEXT NOT NULL,
    principal_id     TEXT NOT NULL,
    service          TEXT NOT NULL,
    credential_type  TEXT NOT NULL,
    access_sealed    TEXT NOT NULL,
    refresh_sealed   TEXT,
    wrapped_dek      TEXT NOT NULL,
    kek_id           TEXT NOT NULL,
    token_expires_at BIGINT,
    metadata         TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (developer_id, principal_id, service)
);
CREATE INDEX vault_credentials_dev_created ON vault_credentials (developer_id, created_at);
CREATE INDEX vault_credentials_kek ON vault_credentials (kek_id);
"#,
    ),
    (
        14,
        "event stream retention mark, debit idempotency index",
        r#"
-- The newest event position retention removed: an event stream cannot resume before it.
CREATE TABLE event_retention (
    id             BIGINT PRIMARY KEY CHECK (id = 1),
    pruned_through BIGINT NOT NULL
);
INSERT INTO event_retention (id, pruned_through) VALUES (1, 0);
-- Every keyed debit forgets its developer's answers older than a day: by developer and age.
CREATE INDEX budget_idempotency_dev_created ON budget_idempotency (developer_id, created_at);
"#,
    ),
    (
        15,
        "MCP authorization (= SQLite schema 20)",
        r#"
-- MCP servers a developer protects: each an OAuth resource (RFC 8707) whose URL is the audience
-- of its tokens, unique across the server so a resource names one developer.
CREATE TABLE mcp_servers (
    id           TEXT PRIMARY KEY,
    developer_id TEXT NOT NULL,
    name         TEXT NOT NULL,
    resource_url TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    login_url    TEXT,
    grant_ttl    TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX mcp_servers_dev ON mcp_servers (developer_id, created_at);
-- OAuth clients of /oauth: developer_id is NULL for a client registered openly (RFC 7591
-- without a registration token); it may then ask for any MCP server whose developer allows
-- open registration.
CREATE TABLE oauth_clients (
    client_id     TEXT PRIMARY KEY,
    developer_id  TEXT,
    client_name   TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    auth_method   TEXT NOT NULL,
    secret_hash   TEXT,
    registered_by TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX oauth_clients_dev ON oauth_clients (developer_id, created_at);
-- The agent that stands for a client in one developer's grants.
CREATE TABLE oauth_client_agents (
    developer_id TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    agent_id     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (developer_id, client_id)
);
CREATE INDEX oauth_client_agents_client ON oauth_client_agents (client_id);
CREATE TABLE mcp_settings (
    developer_id            TEXT PRIMARY KEY,
    registration_policy     TEXT NOT NULL,
    registration_token_hash TEXT
);
CREATE INDEX mcp_settings_token ON mcp_settings (registration_token_hash);
-- An MCP authorization request: its client, and the hash of the one-time login secret that
-- binds the principal to one browser.
ALTER TABLE auth_requests ADD COLUMN oauth_client_id TEXT;
ALTER TABLE auth_requests ADD COLUMN login_hash TEXT;
"#,
    ),
    (
        16,
        "SCIM 2.0 tokens, users and groups",
        r#"
-- SCIM 2.0 provisioning: the developer's SCIM bearer tokens (SHA-256 of the secret only),
-- provisioned users (the principals of grants) and groups, each a JSON document of its
-- attributes with the columns lookups need.
CREATE TABLE scim_tokens (
    id           TEXT PRIMARY KEY,
    developer_id TEXT NOT NULL,
    label        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX scim_tokens_dev ON scim_tokens (developer_id, created_at);
CREATE TABLE scim_users (
    id            TEXT PRIMARY KEY,
    developer_id  TEXT NOT NULL,
    user_name     TEXT NOT NULL,
    user_name_key TEXT NOT NULL,
    external_id   TEXT,
    active        BIGINT NOT NULL,
    doc           TEXT NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_users_name ON scim_users (developer_id, user_name_key);
CREATE INDEX scim_users_dev ON scim_users (developer_id, created_at, id);
CREATE INDEX scim_users_external ON scim_users (developer_id, external_id);
-- Every emails.value of a user, lower-cased (login by e-mail).
CREATE TABLE scim_user_emails (
    developer_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    email_key    TEXT NOT NULL
);
CREATE INDEX scim_user_emails_key ON scim_user_emails (developer_id, email_key);
CREATE INDEX scim_user_emails_user ON scim_user_emails (user_id);
CREATE TABLE scim_groups (
    id               TEXT PRIMARY KEY,
    developer_id     TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    display_name_key TEXT NOT NULL,
    external_id      TEXT,
    doc              TEXT NOT NULL,
    version          BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX scim_groups_dev ON scim_groups (developer_id, created_at, id);
CREATE INDEX scim_groups_name ON scim_groups (developer_id, display_name_key);
CREATE INDEX scim_groups_external ON scim_groups (developer_id, external_id);
-- Group membership (also in each group's document): a member is a user or a group.
CREATE TABLE scim_group_members (
    group_id     TEXT NOT NULL,
    developer_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX scim_group_members_member ON scim_group_members (developer_id, member_id);
"#,
    ),
    (
        17,
        "single sign-on: connections, legacy config, logins in flight, sessions, SAML replay (= SQLite schema 22)",
        r#"
-- SSO connections of a developer (OIDC, SAML). The OIDC client secret is sealed like a vault
-- credential (AES-256-GCM under its own data key, wrapped by the vault KEK kek_id; never in
-- plaintext). JSON text columns: domains, group_mappings, default_scopes.
CREATE TABLE sso_connections (
    id               TEXT PRIMARY KEY,
    developer_id     TEXT NOT NULL,
    name             TEXT NOT NULL,
    protocol         TEXT NOT NULL,
    status           TEXT NOT NULL,
    issuer_url       TEXT,
    client_id        TEXT,
    secret_sealed    TEXT,
    wrapped_dek      TEXT,
    kek_id           TEXT,
    idp_entity_id    TEXT,
    idp_sso_url      TEXT,
    idp_certificate  TEXT,
    sp_entity_id     TEXT,
    sp_acs_url       TEXT,
    domains          TEXT NOT NULL,
    jit_provisioning BIGINT NOT NULL,
    enforce          BIGINT NOT NULL,
    group_attribute  TEXT,
    group_mappings   TEXT NOT NULL,
    default_scopes   TEXT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX sso_connections_dev ON sso_connections (developer_id, created_at);
-- The legacy single OIDC configuration of a developer (/v1/sso/config), secret sealed alike.
CREATE TABLE sso_configs (
    developer_id  TEXT PRIMARY KEY,
    issuer_url    TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    wrapped_dek   TEXT NOT NULL,
    kek_id        TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
-- A login in flight: keyed by the SHA-256 of its state (OIDC) or RelayState (SAML), single use,
-- deleted when the callback takes it or when it expires.
CREATE TABLE sso_logins (
    state_hash      TEXT PRIMARY KEY,
    developer_id    TEXT NOT NULL,
    connection_id   TEXT NOT NULL,
    protocol        TEXT NOT NULL,
    nonce           TEXT,
    code_verifier   TEXT,
    redirect_uri    TEXT,
    return_to       TEXT,
    saml_request_id TEXT,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX sso_logins_expiry ON sso_logins (expires_at);
-- Sessions SSO logins opened; principal_jti is the principal session token issued with it.
CREATE TABLE sso_sessions (
    id             TEXT PRIMARY KEY,
    developer_id   TEXT NOT NULL,
    connection_id  TEXT NOT NULL,
    principal_id   TEXT NOT NULL,
    idp_subject    TEXT NOT NULL,
    email          TEXT,
    name           TEXT,
    groups_json    TEXT NOT NULL,
    mapped_scopes  TEXT NOT NULL,
    principal_jti  TEXT NOT NULL,
    expires_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX sso_sessions_dev ON sso_sessions (developer_id, created_at);
CREATE INDEX sso_sessions_conn ON sso_sessions (connection_id);
-- SAML assertion ids already accepted (replay), kept until the assertion expires.
CREATE TABLE sso_assertions (
    assertion_id TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX sso_assertions_expiry ON sso_assertions (expires_at);
"#,
    ),
    (
        18,
        "SCIM: tombstones of deleted users (= SQLite schema 23)",
        r#"
-- A deleted SCIM user's id, kept so the principal stays deprovisioned: no new grant for it
-- (written in the same transaction as the delete).
CREATE TABLE scim_user_tombstones (
    developer_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    deleted_at   BIGINT NOT NULL,
    PRIMARY KEY (developer_id, user_id)
);
"#,
    ),
];

/// Highest migration this binary knows.
pub const SCHEMA_VERSION: i64 = 18;

/// Advisory lock key held while migrating (any constant unique to this use).
const MIGRATION_LOCK: i64 = 0x6772_616e_7465_7801;

/// Applies pending migrations; refuses a database newer than this binary.
pub(super) fn migrate(client: &mut postgres::Client) -> Result<(), String> {
    let fail = |e: postgres::Error| format!("database migration failed: {e}");
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .map_err(fail)?;
    let result = (|| {
        client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version     BIGINT PRIMARY KEY,
                     description TEXT NOT NULL,
                     applied_at  BIGINT NOT NULL
                 )",
            )
            .map_err(fail)?;
        let current: i64 = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .map_err(fail)?
            .get(0);
        if current > SCHEMA_VERSION {
            return Err(format!(
                "database schema version {current} is newer than this server supports ({SCHEMA_VERSION}); upgrade grantex-server"
            ));
        }
        for (version, description, sql) in MIGRATIONS {
            // Each migration not yet recorded (a lower number merged after a higher one runs).
            let applied: bool = client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)",
                    &[version],
                )
                .map_err(fail)?
                .get(0);
            if applied {
                continue;
            }
            let mut tx = client.transaction().map_err(fail)?;
            tx.batch_execute(sql).map_err(fail)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
                &[version, description, &crate::time::now_ms()],
            )
            .map_err(fail)?;
            tx.commit().map_err(fail)?;
        }
        Ok(())
    })();
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .map_err(fail)?;
    result
}
