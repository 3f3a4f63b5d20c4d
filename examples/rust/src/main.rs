//! The product-page flow, end to end, against a Grantex server:
//! register agents → authorize → the human approves → exchange → verify offline → delegate →
//! revoke → verification fails.
//!
//! Reads `GRANTEX_BASE_URL` and `GRANTEX_API_KEY` (as printed by `grantex-server`).

use grantex::types::{AuthorizeParams, DelegateParams, ExchangeTokenParams, RegisterAgentParams};
use grantex::{Client, ClientConfig, JwksCache, VerifyOptions};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("quickstart failed: {e} [{}]", e.code());
        std::process::exit(1);
    }
}

async fn run() -> grantex::Result<()> {
    // API key and base URL come from GRANTEX_API_KEY / GRANTEX_BASE_URL.
    let client = Client::new(ClientConfig::default())?;
    println!("[rust] server: {}", client.base_url());

    let agent = client
        .agents()
        .register(&RegisterAgentParams {
            name: "travel-assistant".into(),
            description: "Books trips and sends confirmations".into(),
            scopes: vec!["calendar:read".into(), "email:send".into()],
        })
        .await?;
    let sub_agent = client
        .agents()
        .register(&RegisterAgentParams {
            name: "calendar-reader".into(),
            description: "Reads the calendar for the travel assistant".into(),
            scopes: vec!["calendar:read".into()],
        })
        .await?;
    println!(
        "[rust] 0. registered agents {} and {}",
        agent.agent_id, sub_agent.agent_id
    );

    // 1. Request a grant.
    let auth = client
        .authorize(&AuthorizeParams {
            agent_id: agent.agent_id.clone(),
            user_id: "usr_alice".into(),
            scopes: vec!["calendar:read".into(), "email:send".into()],
            ..Default::default()
        })
        .await?;
    println!("[rust] 1. consent URL: {}", auth.consent_url);

    // 2. The human approves (here through the consent endpoint the page's Approve button calls).
    let code = match auth.code {
        Some(code) => code,
        None => client.consent().approve(&auth.auth_request_id).await?.code,
    };
    println!("[rust] 2. approved; authorization code received");

    // 3. Exchange the code for a grant token.
    let token = client
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: agent.agent_id.clone(),
            code_verifier: None,
        })
        .await?;
    println!(
        "[rust] 3. grant token for {} with scopes {:?}",
        token.grant_id, token.scopes
    );

    // 4. Any service verifies offline against the JWKS.
    let jwks = JwksCache::remote(&client.jwks_uri())?;
    let options = VerifyOptions {
        required_scopes: vec!["calendar:read".into()],
        ..Default::default()
    };
    let grant = jwks.verify(&token.grant_token, &options).await?;
    println!(
        "[rust] 4. verified offline: principal {} agent {} scopes {:?}",
        grant.principal_id, grant.agent_did, grant.scopes
    );

    // 5. Delegate a subset to a sub-agent.
    let child = client
        .grants()
        .delegate(&DelegateParams {
            parent_grant_token: token.grant_token.clone(),
            sub_agent_id: sub_agent.agent_id.clone(),
            scopes: vec!["calendar:read".into()],
            expires_in: Some("1h".into()),
        })
        .await?;
    let child_grant = jwks
        .verify(&child.grant_token, &VerifyOptions::default())
        .await?;
    println!(
        "[rust] 5. delegated {} to {} (depth {})",
        child.grant_id, child_grant.agent_did, child_grant.delegation_depth
    );

    // 6. Revoke the root grant: the cascade reaches the sub-agent at once.
    client.grants().revoke(&token.grant_id).await?;
    let parent_status = client.tokens().verify(&token.grant_token).await?;
    let child_status = client.tokens().verify(&child.grant_token).await?;
    println!(
        "[rust] 6. revoked; online verify: parent valid={} child valid={}",
        parent_status.valid, child_status.valid
    );
    if parent_status.valid || child_status.valid {
        eprintln!("[rust] revocation did not take effect");
        std::process::exit(1);
    }
    println!("[rust] done");
    Ok(())
}
