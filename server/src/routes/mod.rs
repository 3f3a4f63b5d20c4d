//! The route table.

pub mod agents;
pub mod alerts;
pub mod anomalies;
pub mod audit;
pub mod authorize;
pub mod budgets;
pub mod compliance;
pub mod consent;
pub mod developers;
pub mod events;
pub mod grants;
pub mod health;
pub mod mcp;
pub mod oauth;
pub mod policies;
pub mod principal;
pub mod revocations;
pub mod scim;
pub mod sso;
pub mod tokens;
pub mod usage;
pub mod vault;
pub mod webhooks;

use crate::extract::BODY_LIMIT;
use crate::middleware;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::Router;

/// Every endpoint, the auth/rate-limit guard on matched routes, and the outer common layer.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health::health))
        .route("/metrics", get(crate::observability::metrics))
        .route("/.well-known/jwks.json", get(health::jwks))
        .route("/consent", get(consent::page))
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        .route("/oauth/authorize", get(oauth::authorize))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/register", post(oauth::register))
        .route(
            "/v1/mcp/servers",
            post(mcp::register_server).get(mcp::list_servers),
        )
        .route(
            "/v1/mcp/servers/{id}",
            get(mcp::get_server).delete(mcp::delete_server),
        )
        .route(
            "/v1/mcp/clients",
            post(mcp::register_client).get(mcp::list_clients),
        )
        .route(
            "/v1/mcp/clients/{id}",
            get(mcp::get_client).delete(mcp::delete_client),
        )
        .route(
            "/v1/mcp/settings",
            get(mcp::get_settings).put(mcp::update_settings),
        )
        .route(
            "/v1/mcp/authorizations/{id}/principal",
            post(mcp::bind_principal),
        )
        .route("/consent/{id}/approve", post(consent::form_approve))
        .route("/consent/{id}/deny", post(consent::form_deny))
        .route("/permissions", get(principal::permissions_page))
        .route("/v1/signup", post(developers::signup))
        .route("/v1/me", get(developers::me).patch(developers::update_me))
        .route("/v1/keys/rotate", post(developers::rotate_key))
        .route("/v1/agents", post(agents::create).get(agents::list))
        .route(
            "/v1/agents/{id}",
            get(agents::get)
                .patch(agents::update)
                // The reference Python SDK 0.7.2 sends updates as POST.
                .post(agents::update)
                .delete(agents::delete),
        )
        .route("/v1/authorize", post(authorize::authorize))
        .route(
            "/v1/authorize/{id}/approve",
            post(authorize::sandbox_approve),
        )
        .route("/v1/authorize/{id}/deny", post(authorize::sandbox_deny))
        .route("/v1/consent/{id}", get(consent::get))
        .route("/v1/consent/{id}/approve", post(consent::approve))
        .route("/v1/consent/{id}/deny", post(consent::deny))
        .route("/v1/token", post(tokens::exchange))
        .route("/v1/token/refresh", post(tokens::refresh))
        .route("/v1/tokens/verify", post(tokens::verify))
        .route("/v1/tokens/revoke", post(tokens::revoke))
        .route("/v1/revocations", get(revocations::feed))
        .route("/v1/revocations/status", get(revocations::status))
        .route("/v1/revocations/stream", get(revocations::stream))
        .route("/v1/grants", get(grants::list))
        .route("/v1/grants/delegate", post(grants::delegate))
        .route("/v1/grants/verify", post(grants::verify))
        .route("/v1/grants/{id}", get(grants::get).delete(grants::revoke))
        .route("/v1/audit/log", post(audit::log))
        .route("/v1/audit/entries", get(audit::list))
        // Static segments win over `{id}` in axum's router, whatever the registration order:
        // `/v1/audit/checkpoints` never reaches the entry routes below.
        .route("/v1/audit/checkpoints", post(audit::create_checkpoint))
        .route(
            "/v1/audit/checkpoints/{id}",
            get(audit::get_checkpoint)
                .put(audit::immutable_checkpoint)
                .patch(audit::immutable_checkpoint)
                .delete(audit::immutable_checkpoint),
        )
        .route(
            "/v1/audit/{id}",
            get(audit::get)
                .put(audit::immutable)
                .patch(audit::immutable)
                .delete(audit::immutable),
        )
        .route("/v1/policies", post(policies::create).get(policies::list))
        // Static segments win over `{id}`: `/v1/policies/evaluate` never reaches the CRUD routes.
        .route("/v1/policies/evaluate", post(policies::evaluate))
        .route(
            "/v1/policies/{id}",
            get(policies::get)
                .patch(policies::update)
                .delete(policies::delete),
        )
        .route("/v1/budget/allocate", post(budgets::allocate))
        .route("/v1/budget/debit", post(budgets::debit))
        .route("/v1/budget/balance/{id}", get(budgets::balance))
        .route("/v1/budget/transactions/{id}", get(budgets::transactions))
        .route("/v1/budget/allocations", get(budgets::allocations))
        .route("/v1/events/stream", get(events::stream))
        .route("/v1/events/ws", get(events::ws))
        .route("/v1/usage", get(usage::current))
        .route("/v1/usage/history", get(usage::history))
        .route("/v1/vault/credentials", post(vault::store).get(vault::list))
        // Static segments win over `{id}`: the exchange never reaches the CRUD routes. Public
        // for the guard (IP rate limit): it authenticates the grant token itself.
        .route("/v1/vault/credentials/exchange", post(vault::exchange))
        .route(
            "/v1/vault/credentials/{id}",
            get(vault::get).delete(vault::delete),
        )
        .route("/v1/webhooks", post(webhooks::create).get(webhooks::list))
        .route("/v1/webhooks/{id}", axum::routing::delete(webhooks::delete))
        .route("/v1/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/v1/anomalies", get(anomalies::list))
        .route("/v1/anomalies/detect", post(anomalies::detect))
        .route("/v1/anomalies/{id}", get(anomalies::get))
        .route(
            "/v1/anomalies/{id}/acknowledge",
            axum::routing::patch(anomalies::acknowledge),
        )
        .route("/v1/anomaly/alerts", get(alerts::list_alerts))
        .route("/v1/anomaly/alerts/{id}", get(alerts::get_alert))
        .route(
            "/v1/anomaly/alerts/{id}/acknowledge",
            post(alerts::acknowledge_alert),
        )
        .route(
            "/v1/anomaly/alerts/{id}/resolve",
            post(alerts::resolve_alert),
        )
        .route("/v1/anomaly/metrics", get(alerts::metrics))
        .route(
            "/v1/anomaly/rules",
            post(alerts::create_rule).get(alerts::list_rules),
        )
        .route(
            "/v1/anomaly/rules/{id}",
            axum::routing::patch(alerts::update_rule).delete(alerts::delete_rule),
        )
        .route(
            "/v1/anomaly/channels",
            post(alerts::create_channel).get(alerts::list_channels),
        )
        .route(
            "/v1/anomaly/channels/{id}",
            axum::routing::delete(alerts::delete_channel),
        )
        .route("/v1/compliance/summary", get(compliance::summary))
        .route(
            "/v1/compliance/export/grants",
            get(compliance::export_grants),
        )
        .route("/v1/compliance/export/audit", get(compliance::export_audit))
        .route(
            "/v1/compliance/evidence-pack",
            get(compliance::evidence_pack),
        )
        .route("/v1/principal-sessions", post(principal::create_session))
        .route(
            "/v1/principal-sessions/{principal_id}",
            axum::routing::delete(principal::revoke_sessions),
        )
        .route(
            "/v1/principal/session",
            axum::routing::delete(principal::end_session),
        )
        .route("/v1/principal/grants", get(principal::grants))
        .route(
            "/v1/principal/grants/{id}",
            axum::routing::delete(principal::revoke),
        )
        .route("/v1/principal/audit", get(principal::audit))
        .route(
            "/v1/scim/tokens",
            post(scim::create_token).get(scim::list_tokens),
        )
        .route(
            "/v1/scim/tokens/{id}",
            axum::routing::delete(scim::revoke_token),
        )
        // SCIM 2.0: every answer under /scim/v2 is a SCIM one (405 and 404 included).
        .route(
            "/scim/v2/ServiceProviderConfig",
            get(scim::service_provider_config).fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/ResourceTypes",
            get(scim::resource_types).fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/ResourceTypes/{name}",
            get(scim::resource_type).fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/Schemas",
            get(scim::schemas).fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/Schemas/{id}",
            get(scim::schema_by_id).fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/Users",
            get(scim::list_users)
                .post(scim::create_user)
                .fallback(scim::method_not_allowed),
        )
        // Static segments win over `{id}`.
        .route(
            "/scim/v2/Users/.search",
            post(scim::search_users).fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/Users/{id}",
            get(scim::get_user)
                .put(scim::update_user)
                .patch(scim::update_user)
                .delete(scim::delete_user)
                .fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/Groups",
            get(scim::list_groups)
                .post(scim::create_group)
                .fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/Groups/.search",
            post(scim::search_groups).fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/Groups/{id}",
            get(scim::get_group)
                .put(scim::update_group)
                .patch(scim::update_group)
                .delete(scim::delete_group)
                .fallback(scim::method_not_allowed),
        )
        .route(
            "/scim/v2/.search",
            post(scim::search_all).fallback(scim::method_not_allowed),
        )
        .route("/scim/v2", any(scim::unknown))
        .route("/scim/v2/{*rest}", any(scim::unknown))
        .route(
            "/v1/sso/connections",
            post(sso::create_connection).get(sso::list_connections),
        )
        .route(
            "/v1/sso/connections/{id}",
            get(sso::get_connection)
                .patch(sso::update_connection)
                .delete(sso::delete_connection),
        )
        .route("/v1/sso/connections/{id}/test", post(sso::test_connection))
        .route("/v1/sso/enforce", post(sso::set_enforcement))
        .route("/v1/sso/sessions", get(sso::list_sessions))
        .route(
            "/v1/sso/sessions/{id}",
            axum::routing::delete(sso::revoke_session),
        )
        .route(
            "/v1/sso/config",
            post(sso::create_config)
                .get(sso::get_config)
                .delete(sso::delete_config),
        )
        .route("/sso/login", get(sso::login))
        .route("/sso/start", get(sso::start))
        .route(
            "/sso/callback/oidc",
            post(sso::oidc_callback).get(sso::oidc_callback_browser),
        )
        .route(
            "/sso/callback/oidc/{connection_id}",
            get(sso::oidc_callback_browser_for),
        )
        .route("/sso/callback/saml", post(sso::saml_callback))
        .route("/sso/callback/ldap", post(sso::ldap_callback))
        .route("/sso/callback", get(sso::legacy_callback))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::guard,
        ))
        .fallback(middleware::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::common,
        ))
        .with_state(state)
}
