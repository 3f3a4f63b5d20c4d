//! The product-page flow, end to end, against a Grantex server, in the eight steps every
//! language's quickstart prints:
//!
//! 1 register agents · 2 authorize · 3 consent · 4 exchange · 5 verify offline · 6 delegate ·
//! 7 revoke (cascades to the sub-agent) · 8 a tampered token is refused offline.
//!
//! Reads `GRANTEX_BASE_URL` and `GRANTEX_API_KEY` (as written by `grantex-server` to
//! `server.json`). With the live key authorize waits for consent, which step 3 gives through the
//! endpoint the consent page's Approve button calls; with the sandbox key authorize returns the
//! code at once. Run: `cargo run -p grantex-example-quickstart`.

use grantex::types::{AuthorizeParams, DelegateParams, ExchangeTokenParams, RegisterAgentParams};
use grantex::{Client, ClientConfig, JwksCache, TokenErrorCode, VerifyOptions};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("[rust] quickstart failed: {e} [{}]", e.code());
        std::process::exit(1);
    }
}

fn fail(message: &str) -> ! {
    eprintln!("[rust] FAILED: {message}");
    std::process::exit(1);
}

async fn run() -> grantex::Result<()> {
    // API key and base URL come from GRANTEX_API_KEY / GRANTEX_BASE_URL.
    let client = Client::new(ClientConfig::default())?;
    println!("[rust] server: {}", client.base_url());

    // 1. Register the agent and the sub-agent it will delegate to.
    let agent = client
        .agents()
        .register(&RegisterAgentParams {
            name: "travel-assistant".into(),
            description: "Books trips and sends confirmations".into(),
            scopes: vec!["calendar:read".into(), "email:send".into()],
            ..Default::default()
        })
        .await?;
    let sub_agent = client
        .agents()
        .register(&RegisterAgentParams {
            name: "calendar-reader".into(),
            description: "Reads the calendar for the travel assistant".into(),
            scopes: vec!["calendar:read".into()],
            ..Default::default()
        })
        .await?;
    println!(
        "[rust] 1. register: agents {} (travel-assistant) and {} (calendar-reader)",
        agent.agent_id, sub_agent.agent_id
    );

    // 2. Ask the user for a grant: the human sees the consent URL.
    let auth = client
        .authorize(&AuthorizeParams {
            agent_id: agent.agent_id.clone(),
            user_id: "usr_alice".into(),
            scopes: vec!["calendar:read".into(), "email:send".into()],
            ..Default::default()
        })
        .await?;
    println!("[rust] 2. authorize: consent URL {}", auth.consent_url);

    // 3. The human approves (here through the endpoint the consent page's Approve button calls);
    //    a sandbox key gets the code straight away.
    let sandbox = auth.code.is_some();
    let code = match auth.code {
        Some(code) => code, // sandbox key
        None => client.consent().approve(&auth.auth_request_id).await?.code, // live key: "Approve"
    };
    if sandbox {
        println!("[rust] 3. consent: sandbox key, authorize returned the code (no consent step)");
    } else {
        println!("[rust] 3. consent: approved; authorization code received");
    }

    // 4. Exchange the code for a grant token.
    let token = client
        .tokens()
        .exchange(&ExchangeTokenParams {
            code,
            agent_id: agent.agent_id.clone(),
            ..Default::default()
        })
        .await?;
    println!(
        "[rust] 4. exchange: grant token for {}, scopes {}",
        token.grant_id,
        token.scopes.join(", ")
    );

    // 5. Any service verifies it offline against the published JWKS. A sandbox key's tokens
    //    (approved without a human) are accepted only when asked for.
    let jwks = JwksCache::remote(&client.jwks_uri())?;
    let options = VerifyOptions {
        required_scopes: vec!["calendar:read".into()],
        allow_sandbox: Some(sandbox),
        ..Default::default()
    };
    let grant = jwks.verify(&token.grant_token, &options).await?;
    println!(
        "[rust] 5. verify offline: principal {}, agent {}, scopes {}",
        grant.principal_id,
        grant.agent_did,
        grant.scopes.join(", ")
    );

    // 6. Delegate a subset to the sub-agent.
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
        .verify(
            &child.grant_token,
            &VerifyOptions {
                allow_sandbox: Some(sandbox),
                ..Default::default()
            },
        )
        .await?;
    println!(
        "[rust] 6. delegate: grant {} to {} (depth {}, scopes {})",
        child.grant_id,
        child_grant.agent_did,
        child_grant.depth(),
        child_grant.scopes.join(", ")
    );

    // 7. Revoke the root grant: the cascade reaches the sub-agent at once.
    client.grants().revoke(&token.grant_id).await?;
    let parent_status = client.tokens().verify(&token.grant_token).await?;
    let child_status = client.tokens().verify(&child.grant_token).await?;
    println!(
        "[rust] 7. revoke: grant {}; online verify: grant valid={}, delegated grant valid={}",
        token.grant_id, parent_status.valid, child_status.valid
    );
    if parent_status.valid || child_status.valid {
        fail("a revoked grant still verifies online");
    }

    // 8. Offline verification cannot see revocation (use short lifetimes or the online check),
    //    but it still checks the signature: a tampered token is refused.
    let (rest, signature) = token
        .grant_token
        .rsplit_once('.')
        .unwrap_or_else(|| fail("the grant token has no signature"));
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{rest}.{flipped}{}", &signature[1..]);
    match jwks.verify(&tampered, &VerifyOptions::default()).await {
        Ok(_) => fail("a tampered token verified offline"),
        Err(e) => match e.as_token().map(|t| t.code) {
            Some(TokenErrorCode::BadSignature) => {
                println!("[rust] 8. tamper: the offline verifier refuses a forged signature: bad_signature")
            }
            _ => fail(&format!(
                "a tampered token failed with {e}, expected bad_signature"
            )),
        },
    }
    println!("[rust] done");
    Ok(())
}
