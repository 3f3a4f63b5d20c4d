//! THE declaration of every API operation (see `macros.rs` for the grammar). Adding an
//! operation here adds it to Rust (async and blocking), to the generic call every binding uses,
//! and — after `cargo run -p grantex-codegen -- generate` — to the Python, Node and C surfaces.

use super::macros::operations;
use crate::types::*;
use crate::verify::VerifiedGrant;

operations! {
    unauthenticated {
        /// Create a developer account (no API key). Never retried: a retry could create a
        /// second account.
        signup => "signup": POST "/v1/signup", path(), body(SignupParams),
            -> (SignupResponse), 201, never, py(params);
    }

    root {
        /// The calling developer account.
        me => "me": GET "/v1/me", path(), none(), -> (Me), 200, safe, py(positional);
        /// Change developer settings (`fidoRequired`, `fidoRpName`, `name`); only the given
        /// fields change.
        update_settings => "update_settings": PATCH "/v1/me", path(), body(UpdateSettingsParams),
            -> (UpdateSettingsResponse), 200, safe, py(params);
        /// Replace the API key. The old key stops working at once, so build a new client with
        /// the returned key. Never retried: a retry after a lost answer would fail with the
        /// old key and lose the new one.
        rotate_key => "rotate_key": POST "/v1/keys/rotate", path(), none(),
            -> (RotateKeyResponse), 200, never, py(positional);
        /// Start an authorization request. In sandbox mode the answer carries `code` at once;
        /// in live mode the human's consent yields it.
        authorize => "authorize": POST "/v1/authorize", path(), body(AuthorizeParams),
            -> (AuthorizationRequest), 201, safe, py(params_or_keywords);
        /// The server's public signing keys.
        jwks => "jwks": GET "/.well-known/jwks.json", path(), none(), -> (JwkSet), 200, safe,
            py(positional);
        /// Liveness. A degraded server answers 503, which is an error here.
        health => "health": GET "/health", path(), none(), -> (Health), 200, safe,
            py(positional);
    }

    /// Agent registration and management.
    group Agents agents "agents" {
        /// Register an agent.
        register => "agents.register": POST "/v1/agents", path(), body(RegisterAgentParams),
            -> (Agent), 201, safe, py(keywords);
        /// One agent.
        get => "agents.get": GET "/v1/agents/{agentId}", path(agent_id: "agentId" "agent id"),
            none(), -> (Agent), 200, safe, py(positional);
        /// Every agent of the developer, newest first (not paginated).
        list => "agents.list": GET "/v1/agents", path(), none(), -> (AgentList), 200, safe,
            py(positional);
        /// Change the given fields only.
        update => "agents.update": PATCH "/v1/agents/{agentId}",
            path(agent_id: "agentId" "agent id"), body(UpdateAgentParams), -> (Agent), 200, safe,
            py(keywords);
        /// Delete an agent; cascades to its grants and tokens.
        delete => "agents.delete": DELETE "/v1/agents/{agentId}",
            path(agent_id: "agentId" "agent id"), none(), -> (), 204, safe, py(positional);
    }

    /// Code exchange, refresh, online verification and revocation of grant tokens.
    group Tokens tokens "tokens" {
        /// Trade an authorization code for a grant token. Never retried: codes are single-use,
        /// so a retry after a lost answer would only fail and hide the real outcome.
        exchange => "tokens.exchange": POST "/v1/token", path(), body(ExchangeTokenParams),
            -> (ExchangeTokenResponse), 201, never, py(params);
        /// Rotate a refresh token. Every attempt of one call carries the same
        /// `Idempotency-Key` (`idempotency_key`, else a fresh UUID), so a retry cannot consume
        /// the single-use refresh token twice.
        refresh => "tokens.refresh": POST "/v1/token/refresh", path(), body(RefreshTokenParams),
            -> (ExchangeTokenResponse), 201, idempotency_key, py(params);
        /// Online check; also sees revocation. Always 200: an invalid token is `valid: false`.
        verify => "tokens.verify": POST "/v1/tokens/verify", path(),
            strings(token: "token" "token"), -> (VerifyTokenResponse), 200, safe,
            py(positional);
        /// Revoke one token (by its `jti`) only.
        revoke => "tokens.revoke": POST "/v1/tokens/revoke", path(),
            strings(token_id: "jti" "token id (jti)"), -> (), 204, safe, py(positional);
    }

    /// Grants: inspect, revoke (cascading to sub-agents), delegate, verify online.
    group Grants grants "grants" {
        /// One grant.
        get => "grants.get": GET "/v1/grants/{grantId}", path(grant_id: "grantId" "grant id"),
            none(), -> (Grant), 200, safe, py(positional);
        /// Grants, filtered.
        list => "grants.list": GET "/v1/grants", path(), query(ListGrantsParams),
            -> (GrantList), 200, safe, py(optional_params);
        /// Revoke a grant and, at once, every grant delegated from it.
        revoke => "grants.revoke": DELETE "/v1/grants/{grantId}",
            path(grant_id: "grantId" "grant id"), none(), -> (), 204, safe, py(positional);
        /// Give a sub-agent a subset of a grant.
        delegate => "grants.delegate": POST "/v1/grants/delegate", path(), body(DelegateParams),
            -> (DelegateResponse), 201, safe, py(params_or_keywords);
        /// Online verification: an inactive (e.g. revoked) grant is a token error `inactive`.
        verify => "grants.verify": POST "/v1/grants/verify", path(),
            strings(token: "token" "token"), -> (GrantVerifyResponse => VerifiedGrant), 200, safe,
            py(positional);
    }

    /// The hash-chained audit log.
    group Audit audit "audit" {
        /// Append an entry to the developer's chain.
        log => "audit.log": POST "/v1/audit/log", path(), body(AuditLogParams),
            -> (AuditEntry), 201, safe, py(keywords);
        /// Entries, oldest first, filtered.
        list => "audit.list": GET "/v1/audit/entries", path(), query(ListAuditParams),
            -> (AuditList), 200, safe, py(optional_params);
        /// One entry.
        get => "audit.get": GET "/v1/audit/{entryId}", path(entry_id: "entryId" "audit entry id"),
            none(), -> (AuditEntry), 200, safe, py(positional);
        /// A checkpoint of the chain's head, signed by the server (verifiable offline against
        /// its JWKS).
        checkpoint => "audit.checkpoint": POST "/v1/audit/checkpoints", path(), none(),
            -> (AuditCheckpoint), 201, safe, py(positional);
    }

    /// The public consent routes the consent page uses (the local flow's "human approves").
    group Consent consent "consent" {
        /// What the consent page shows the human.
        get => "consent.get": GET "/v1/consent/{authRequestId}",
            path(request_id: "authRequestId" "auth request id"), none(), -> (ConsentRequest), 200,
            safe, py(positional);
        /// Approve: the answer's `code` goes to `tokens.exchange`.
        approve => "consent.approve": POST "/v1/consent/{authRequestId}/approve",
            path(request_id: "authRequestId" "auth request id"), none(), -> (ConsentApproval),
            200, safe, py(positional);
        /// Deny.
        deny => "consent.deny": POST "/v1/consent/{authRequestId}/deny",
            path(request_id: "authRequestId" "auth request id"), none(), -> (ConsentDenial), 200,
            safe, py(positional);
    }

    /// End-user dashboard sessions.
    group PrincipalSessions principal_sessions "principal_sessions" {
        /// A session for a principal's dashboard.
        create => "principal_sessions.create": POST "/v1/principal-sessions", path(),
            body(PrincipalSessionParams), -> (PrincipalSession), 201, safe, py(params);
        /// End every unexpired session of a principal at once (e.g. when they sign out of your
        /// app); their dashboard links stop working. Succeeds when there was none.
        revoke => "principal_sessions.revoke": DELETE "/v1/principal-sessions/{principalId}",
            path(principal_id: "principalId" "principal id"), none(), -> (), 204, safe,
            py(positional);
    }

    /// Whether a grant or token is still live (what `enforce` asks in `online` mode).
    group Revocations revocations "revocations" {
        /// The status of one grant (`grantId`) or token (`jti`): `active`, `revoked`,
        /// `suspended`, `expired` or `unknown` (not this developer's); `revoked` is true for
        /// every status but `active`.
        status => "revocations.status": GET "/v1/revocations/status", path(),
            query(RevocationStatusParams), -> (RevocationStatus), 200, safe, py(keywords);
        /// The revocation feed: a snapshot of everything revoked or suspended (no `since`), or
        /// the events after the cursor `since` (long-polling up to `wait` seconds, at most 25).
        feed => "revocations.feed": GET "/v1/revocations", path(), query(RevocationFeedParams),
            -> (RevocationFeedPage), 200, safe, py(keywords);
    }

    /// Policies the server applies at authorization and delegation: `allow` approves without
    /// asking the human, `deny` refuses; a matching deny always wins.
    group Policies policies "policies" {
        /// Create a policy (native conditions, or one Cedar `permit`/`forbid`).
        create => "policies.create": POST "/v1/policies", path(), body(CreatePolicyParams),
            -> (Policy), 201, safe, py(params);
        /// Every policy of the developer, highest priority first.
        list => "policies.list": GET "/v1/policies", path(), none(), -> (PolicyList), 200, safe,
            py(positional);
        /// One policy.
        get => "policies.get": GET "/v1/policies/{policyId}",
            path(policy_id: "policyId" "policy id"), none(), -> (Policy), 200, safe,
            py(positional);
        /// Change the given fields only; the policy's `version` goes up by one.
        update => "policies.update": PATCH "/v1/policies/{policyId}",
            path(policy_id: "policyId" "policy id"), body(UpdatePolicyParams), -> (Policy), 200,
            safe, py(params);
        /// Delete a policy.
        delete => "policies.delete": DELETE "/v1/policies/{policyId}",
            path(policy_id: "policyId" "policy id"), none(), -> (), 204, safe, py(positional);
        /// Dry run: which policy would decide a request, and why (nothing is created).
        evaluate => "policies.evaluate": POST "/v1/policies/evaluate", path(),
            body(EvaluatePolicyParams), -> (PolicyDecision), 200, safe, py(params);
    }

    /// Webhook endpoints: signed deliveries of the server's events, retried until received.
    group Webhooks webhooks "webhooks" {
        /// Register an endpoint; the answer carries the signing secret, shown only here.
        create => "webhooks.create": POST "/v1/webhooks", path(), body(CreateWebhookParams),
            -> (WebhookEndpointWithSecret), 201, never, py(keywords);
        /// Every endpoint of the developer, newest first.
        list => "webhooks.list": GET "/v1/webhooks", path(), none(), -> (WebhookList), 200,
            safe, py(positional);
        /// Delete an endpoint; its pending deliveries are dropped.
        delete => "webhooks.delete": DELETE "/v1/webhooks/{webhookId}",
            path(webhook_id: "webhookId" "webhook id"), none(), -> (), 204, safe,
            py(positional);
        /// The endpoint's delivery log, newest first.
        deliveries => "webhooks.deliveries": GET "/v1/webhooks/{webhookId}/deliveries",
            path(webhook_id: "webhookId" "webhook id"), query(ListDeliveriesParams),
            -> (WebhookDeliveryList), 200, safe, py(optional_params);
    }

    /// Findings of the server's anomaly rules (token bursts, off-hours grants, new high-risk
    /// scopes, failure spikes, revocation storms); each new one is also a webhook event.
    group Anomalies anomalies "anomalies" {
        /// Run every rule now; the answer lists the new findings.
        detect => "anomalies.detect": POST "/v1/anomalies/detect", path(), none(),
            -> (DetectAnomaliesResponse), 200, never, py(positional);
        /// Recorded anomalies, newest first (`unacknowledged`: only open ones).
        list => "anomalies.list": GET "/v1/anomalies", path(), query(ListAnomaliesParams),
            -> (AnomalyList), 200, safe, py(keywords);
        /// One anomaly.
        get => "anomalies.get": GET "/v1/anomalies/{anomalyId}",
            path(anomaly_id: "anomalyId" "anomaly id"), none(), -> (Anomaly), 200, safe,
            py(positional);
        /// Mark an anomaly as seen (the first acknowledgement's time is kept).
        acknowledge => "anomalies.acknowledge": PATCH "/v1/anomalies/{anomalyId}/acknowledge",
            path(anomaly_id: "anomalyId" "anomaly id"), none(), -> (Anomaly), 200, safe,
            py(positional);
        /// Anomalies as alerts (open, acknowledged, resolved), newest first, filtered.
        list_alerts => "anomalies.list_alerts": GET "/v1/anomaly/alerts", path(),
            query(ListAlertsParams), -> (AlertList), 200, safe, py(optional_params);
        /// One alert.
        get_alert => "anomalies.get_alert": GET "/v1/anomaly/alerts/{alertId}",
            path(alert_id: "alertId" "alert id"), none(), -> (Alert), 200, safe, py(positional);
        /// Acknowledge an open alert, with an optional note.
        acknowledge_alert => "anomalies.acknowledge_alert":
            POST "/v1/anomaly/alerts/{alertId}/acknowledge", path(alert_id: "alertId" "alert id"),
            body(AlertNoteParams), -> (Alert), 200, safe, py(keywords);
        /// Resolve an alert, with an optional note.
        resolve_alert => "anomalies.resolve_alert": POST "/v1/anomaly/alerts/{alertId}/resolve",
            path(alert_id: "alertId" "alert id"), body(AlertNoteParams), -> (Alert), 200, safe,
            py(keywords);
        /// Alerts detected within a window (`1h`, `6h`, `24h`) by status and severity.
        metrics => "anomalies.metrics": GET "/v1/anomaly/metrics", path(),
            query(AnomalyMetricsParams), -> (AnomalyMetrics), 200, safe, py(keywords);
        /// The built-in detection rules and the developer's custom thresholds.
        list_rules => "anomalies.list_rules": GET "/v1/anomaly/rules", path(), none(),
            -> (AnomalyRuleList), 200, safe, py(positional);
        /// Add a custom threshold rule.
        create_rule => "anomalies.create_rule": POST "/v1/anomaly/rules", path(),
            body(CreateAnomalyRuleParams), -> (AnomalyRule), 201, never, py(params);
        /// Enable or disable a custom rule (by its `id`).
        update_rule => "anomalies.update_rule": PATCH "/v1/anomaly/rules/{ruleId}",
            path(rule_id: "ruleId" "rule id"), body(UpdateAnomalyRuleParams), -> (AnomalyRule),
            200, safe, py(keywords);
        /// Delete a custom rule.
        delete_rule => "anomalies.delete_rule": DELETE "/v1/anomaly/rules/{ruleId}",
            path(rule_id: "ruleId" "rule id"), none(), -> (), 204, safe, py(positional);
        /// The developer's alert channels.
        list_channels => "anomalies.list_channels": GET "/v1/anomaly/channels", path(), none(),
            -> (AlertChannelList), 200, safe, py(positional);
        /// Add an alert channel (a webhook URL; the answer carries its signing secret, once).
        create_channel => "anomalies.create_channel": POST "/v1/anomaly/channels", path(),
            body(CreateAlertChannelParams), -> (AlertChannel), 201, never, py(params);
        /// Delete an alert channel.
        delete_channel => "anomalies.delete_channel": DELETE "/v1/anomaly/channels/{channelId}",
            path(channel_id: "channelId" "channel id"), none(), -> (), 204, safe,
            py(positional);
    }

    /// Compliance: counts, exports of grants and of the audit log, the evidence pack.
    group Compliance compliance "compliance" {
        /// Counts of agents, grants, audit entries and policies by status.
        get_summary => "compliance.get_summary": GET "/v1/compliance/summary", path(),
            query(ComplianceSummaryParams), -> (ComplianceSummary), 200, safe, py(keywords);
        /// Every matching grant, oldest first (streamed by the server).
        export_grants => "compliance.export_grants": GET "/v1/compliance/export/grants",
            path(), query(ComplianceExportGrantsParams), -> (ComplianceGrantsExport), 200, safe,
            py(optional_params);
        /// Every matching audit entry, in chain order (streamed by the server).
        export_audit => "compliance.export_audit": GET "/v1/compliance/export/audit", path(),
            query(ComplianceExportAuditParams), -> (ComplianceAuditExport), 200, safe,
            py(optional_params);
        /// SOC 2 / GDPR evidence: counts, controls, policies in force, grants and audit entries
        /// of the range, and the whole audit chain's verification.
        evidence_pack => "compliance.evidence_pack": GET "/v1/compliance/evidence-pack", path(),
            query(EvidencePackParams), -> (EvidencePack), 200, safe, py(optional_params);
    }

    /// Spending limits per grant, debited atomically; tokens carry what is left (`bdg`).
    group Budgets budgets "budgets" {
        /// Give a grant a budget (one per grant; a delegated grant's is bounded by its
        /// parents' remaining budgets).
        allocate => "budgets.allocate": POST "/v1/budget/allocate", path(),
            body(AllocateBudgetParams), -> (BudgetAllocation), 201, never, py(params);
        /// Take an amount from a grant's budget (and its parents'): refused with 402
        /// `INSUFFICIENT_BUDGET` when any has less left. Retried under one `Idempotency-Key`,
        /// so a retry never debits twice.
        debit => "budgets.debit": POST "/v1/budget/debit", path(), body(DebitBudgetParams),
            -> (DebitBudgetResponse), 200, idempotency_key, py(params);
        /// A grant's budget and what is left of it.
        balance => "budgets.balance": GET "/v1/budget/balance/{grantId}",
            path(grant_id: "grantId" "grant id"), none(), -> (BudgetAllocation), 200, safe,
            py(positional);
        /// A grant's debits, newest first.
        transactions => "budgets.transactions": GET "/v1/budget/transactions/{grantId}",
            path(grant_id: "grantId" "grant id"), query(BudgetTransactionsParams),
            -> (BudgetTransactionsResponse), 200, safe, py(arguments);
        /// Every budget of the developer, newest first.
        list_allocations => "budgets.list_allocations": GET "/v1/budget/allocations", path(),
            none(), -> (BudgetAllocationList), 200, safe, py(positional);
    }

    /// Metered requests per UTC day.
    group Usage usage "usage" {
        /// Today's counts.
        current => "usage.current": GET "/v1/usage", path(), none(), -> (UsageResponse), 200,
            safe, py(positional);
        /// The last `days` days (30 by default, at most 90) that had any usage.
        history => "usage.history": GET "/v1/usage/history", path(), query(UsageHistoryParams),
            -> (UsageHistoryResponse), 200, safe, py(arguments);
    }

    /// The credential vault: upstream credentials held for principals, encrypted at rest;
    /// an agent exchanges its grant token for its principal's credential.
    group Vault vault "vault" {
        /// Store (or replace) a principal's credential for a service.
        store => "vault.store": POST "/v1/vault/credentials", path(),
            body(StoreCredentialParams), -> (StoreCredentialResponse), 201, safe, py(params);
        /// The developer's credentials, newest first (metadata only, never a secret).
        list => "vault.list": GET "/v1/vault/credentials", path(),
            query(ListVaultCredentialsParams), -> (ListVaultCredentialsResponse), 200, safe,
            py(optional_params);
        /// One credential's metadata (never the secret).
        get => "vault.get": GET "/v1/vault/credentials/{credentialId}",
            path(credential_id: "credentialId" "credential id"), none(), -> (VaultCredential),
            200, safe, py(positional);
        /// Delete a credential.
        delete => "vault.delete": DELETE "/v1/vault/credentials/{credentialId}",
            path(credential_id: "credentialId" "credential id"), none(), -> (), 204, safe,
            py(positional);
        /// Exchange an agent's grant token (carrying the scope `vault:<service>:exchange`) for
        /// its principal's credential. Authenticated by the grant token, not the API key; a
        /// key-bound token also needs a DPoP proof, which this call does not make.
        exchange => "vault.exchange": POST "/v1/vault/credentials/exchange",
            path(grant_token: "grantToken" "grant token"), body(ExchangeCredentialParams),
            -> (ExchangeCredentialResponse), 200, safe + grant_token, py(params);
    }

    /// MCP authorization: the MCP servers the developer protects (OAuth resources), their
    /// clients, the dynamic registration policy, and the login step of the consent page.
    group Mcp mcp "mcp" {
        /// Register an MCP server (its URL is the audience of its tokens).
        register_server => "mcp.register_server": POST "/v1/mcp/servers", path(),
            body(RegisterMcpServerParams), -> (McpServer), 201, never, py(params);
        /// The developer's MCP servers, newest first.
        list_servers => "mcp.list_servers": GET "/v1/mcp/servers", path(), none(),
            -> (McpServerList), 200, safe, py(positional);
        /// One MCP server.
        get_server => "mcp.get_server": GET "/v1/mcp/servers/{serverId}",
            path(server_id: "serverId" "server id"), none(), -> (McpServer), 200, safe,
            py(positional);
        /// Delete an MCP server: no new authorization names it (grants already issued stay
        /// until revoked or expired).
        delete_server => "mcp.delete_server": DELETE "/v1/mcp/servers/{serverId}",
            path(server_id: "serverId" "server id"), none(), -> (), 204, safe, py(positional);
        /// Register an MCP client (the secret of a confidential one is shown once).
        register_client => "mcp.register_client": POST "/v1/mcp/clients", path(),
            body(RegisterOAuthClientParams), -> (OAuthClient), 201, never, py(params);
        /// The developer's MCP clients, newest first.
        list_clients => "mcp.list_clients": GET "/v1/mcp/clients", path(), none(),
            -> (OAuthClientList), 200, safe, py(positional);
        /// One MCP client.
        get_client => "mcp.get_client": GET "/v1/mcp/clients/{clientId}",
            path(client_id: "clientId" "client id"), none(), -> (OAuthClient), 200, safe,
            py(positional);
        /// Delete an MCP client: its grants under this developer are revoked (cascade).
        delete_client => "mcp.delete_client": DELETE "/v1/mcp/clients/{clientId}",
            path(client_id: "clientId" "client id"), none(), -> (), 204, safe, py(positional);
        /// The dynamic registration policy.
        get_settings => "mcp.get_settings": GET "/v1/mcp/settings", path(), none(),
            -> (McpSettings), 200, safe, py(positional);
        /// Change the dynamic registration policy (and issue a registration token).
        update_settings => "mcp.update_settings": PUT "/v1/mcp/settings", path(),
            body(UpdateMcpSettingsParams), -> (McpSettings), 200, never, py(params);
        /// Say who the human at a pending MCP consent is (after the developer's own login);
        /// returns the consent URL to send that browser to.
        bind_principal => "mcp.bind_principal":
            POST "/v1/mcp/authorizations/{authRequestId}/principal",
            path(auth_request_id: "authRequestId" "authorization request id"),
            body(BindMcpPrincipalParams), -> (McpPrincipalBinding), 200, never, py(params);
    }

    /// SCIM 2.0 provisioning: the developer's SCIM bearer tokens (API key), and the
    /// provisioned users under `/scim/v2` (authenticated by a SCIM token: build the client
    /// with that token as its key). A user's `id` is the principal id of its grants;
    /// deactivating or deleting the user revokes them.
    group Scim scim "scim" {
        /// Create a SCIM bearer token; its secret is in this answer only.
        create_token => "scim.create_token": POST "/v1/scim/tokens", path(),
            body(CreateScimTokenParams), -> (ScimTokenWithSecret), 201, never, py(arguments);
        /// The developer's SCIM tokens, newest first (never a secret).
        list_tokens => "scim.list_tokens": GET "/v1/scim/tokens", path(), none(),
            -> (ListScimTokensResponse), 200, safe, py(positional);
        /// Revoke a SCIM token: it stops working at once.
        revoke_token => "scim.revoke_token": DELETE "/v1/scim/tokens/{tokenId}",
            path(token_id: "tokenId" "SCIM token id"), none(), -> (), 204, safe,
            py(positional);
        /// Provisioned users, oldest first, one page (`startIndex` is 1-based).
        list_users => "scim.list_users": GET "/scim/v2/Users", path(),
            query(ListScimUsersParams), -> (ScimListResponse), 200, safe, py(arguments);
        /// One provisioned user.
        get_user => "scim.get_user": GET "/scim/v2/Users/{userId}",
            path(user_id: "userId" "user id"), none(), -> (ScimUser), 200, safe,
            py(positional);
        /// Provision a user (`userName` unique per developer).
        create_user => "scim.create_user": POST "/scim/v2/Users", path(),
            body(CreateScimUserParams), -> (ScimUser), 201, never, py(params);
        /// Replace a user (PUT): attributes not given are cleared.
        replace_user => "scim.replace_user": PUT "/scim/v2/Users/{userId}",
            path(user_id: "userId" "user id"), body(CreateScimUserParams), -> (ScimUser), 200,
            safe, py(params);
        /// Change a user with SCIM PATCH operations (`add`, `replace`, `remove`).
        update_user => "scim.update_user": PATCH "/scim/v2/Users/{userId}",
            path(user_id: "userId" "user id"), body(ScimPatchParams), -> (ScimUser), 200,
            never, py(fields);
        /// Deprovision a user: its grants are revoked in the same request.
        delete_user => "scim.delete_user": DELETE "/scim/v2/Users/{userId}",
            path(user_id: "userId" "user id"), none(), -> (), 204, safe, py(positional);
    }

    /// Single sign-on for principals through the developer's identity providers (OIDC,
    /// SAML 2.0): connections, enforcement, the sessions logins open, and the login steps.
    group Sso sso "sso" {
        /// Create an SSO connection (OIDC or SAML).
        create_connection => "sso.create_connection": POST "/v1/sso/connections", path(),
            body(CreateSsoConnectionParams), -> (SsoConnection), 201, never, py(params);
        /// The developer's SSO connections, oldest first.
        list_connections => "sso.list_connections": GET "/v1/sso/connections", path(), none(),
            -> (ListSsoConnectionsResponse), 200, safe, py(positional);
        /// One SSO connection (never its secret).
        get_connection => "sso.get_connection": GET "/v1/sso/connections/{id}",
            path(id: "id" "SSO connection id"), none(), -> (SsoConnection), 200, safe,
            py(positional);
        /// Change the given fields only.
        update_connection => "sso.update_connection": PATCH "/v1/sso/connections/{id}",
            path(id: "id" "SSO connection id"), body(UpdateSsoConnectionParams),
            -> (SsoConnection), 200, safe, py(params);
        /// Delete an SSO connection and its sessions.
        delete_connection => "sso.delete_connection": DELETE "/v1/sso/connections/{id}",
            path(id: "id" "SSO connection id"), none(), -> (), 204, safe, py(positional);
        /// Check the IdP: OIDC discovery, or the SAML settings.
        test_connection => "sso.test_connection": POST "/v1/sso/connections/{id}/test",
            path(id: "id" "SSO connection id"), none(), -> (SsoConnectionTestResult), 200, safe,
            py(positional);
        /// Turn org-wide SSO enforcement on or off.
        set_enforcement => "sso.set_enforcement": POST "/v1/sso/enforce", path(),
            body(SsoEnforcementParams), -> (SsoEnforcementResponse), 200, safe, py(params);
        /// Live SSO sessions, newest first.
        list_sessions => "sso.list_sessions": GET "/v1/sso/sessions", path(), none(),
            -> (ListSsoSessionsResponse), 200, safe, py(positional);
        /// End an SSO session (its principal session token stops working).
        revoke_session => "sso.revoke_session": DELETE "/v1/sso/sessions/{id}",
            path(id: "id" "SSO session id"), none(), -> (), 204, safe, py(positional);
        /// Where to send a user's browser to sign in (`org` is the developer id; `domain`
        /// picks the connection by e-mail domain).
        get_login_url => "sso.get_login_url": GET "/sso/login", path(),
            query(SsoLoginParams), -> (SsoLoginResponse), 200, safe, py(fields);
        /// Finish an OIDC login: the code is exchanged and the ID token verified.
        handle_oidc_callback => "sso.handle_oidc_callback": POST "/sso/callback/oidc", path(),
            body(SsoOidcCallbackParams), -> (SsoCallbackResult), 200, never,
            py(params);
        /// Finish a SAML login: the signed response is verified.
        handle_saml_callback => "sso.handle_saml_callback": POST "/sso/callback/saml", path(),
            body(SsoSamlCallbackParams), -> (SsoCallbackResult), 200, never,
            py(params);
        /// Finish an LDAP login (username and password bind).
        handle_ldap_callback => "sso.handle_ldap_callback": POST "/sso/callback/ldap", path(),
            body(SsoLdapCallbackParams), -> (SsoCallbackResult), 200, never,
            py(params);
        /// Legacy: create or replace the single OIDC configuration.
        create_config => "sso.create_config": POST "/v1/sso/config", path(),
            body(CreateSsoConfigParams), -> (SsoConfig), 201, safe, py(params);
        /// Legacy: the single OIDC configuration (never its secret).
        get_config => "sso.get_config": GET "/v1/sso/config", path(), none(), -> (SsoConfig),
            200, safe, py(positional);
        /// Legacy: remove the single OIDC configuration.
        delete_config => "sso.delete_config": DELETE "/v1/sso/config", path(), none(), -> (),
            204, safe, py(positional);
        /// Legacy: finish a login of the single OIDC configuration.
        handle_callback => "sso.handle_callback": GET "/sso/callback", path(),
            query(SsoCallbackParams), -> (SsoCallbackResponse), 200, never,
            py(fields);
    }
}
