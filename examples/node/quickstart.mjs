// Grantex quickstart (Node): the product-page flow against a Grantex server.
//
//   register agents → authorize → the human approves → exchange → verify offline →
//   delegate to a sub-agent → revoke → online verification fails (offline still checks signatures)
//
// Reads GRANTEX_BASE_URL and GRANTEX_API_KEY (as printed by `grantex-server`).
// Run: npm install && GRANTEX_BASE_URL=... GRANTEX_API_KEY=... node quickstart.mjs
import { Grantex, verifyGrantToken, GrantexError, GrantexTokenError } from '@grantex/sdk';

async function main() {
  // apiKey and baseUrl come from GRANTEX_API_KEY / GRANTEX_BASE_URL.
  const grantex = new Grantex();
  console.log(`[node] server: ${grantex.baseUrl}`);

  const agent = await grantex.agents.register({
    name: 'travel-assistant',
    description: 'Books trips and sends confirmations',
    scopes: ['calendar:read', 'email:send'],
  });
  const subAgent = await grantex.agents.register({
    name: 'calendar-reader',
    description: 'Reads the calendar for the travel assistant',
    scopes: ['calendar:read'],
  });
  console.log(`[node] 0. registered agents ${agent.id} and ${subAgent.id}`);

  // 1. Ask the user for a grant.
  const auth = await grantex.authorize({
    agentId: agent.id,
    userId: 'usr_alice',
    scopes: ['calendar:read', 'email:send'],
  });
  console.log(`[node] 1. consent URL: ${auth.consentUrl}`);

  // 2. The human approves (here through the consent endpoint the page's Approve button calls;
  //    a sandbox key returns the code straight away).
  const code = auth.code ?? (await grantex.consent.approve(auth.authRequestId)).code;
  console.log('[node] 2. approved; authorization code received');

  // 3. Exchange the code for a grant token.
  const token = await grantex.tokens.exchange({ code, agentId: agent.id });
  console.log(`[node] 3. grant token for ${token.grantId} with scopes ${token.scopes.join(', ')}`);

  // 4. Any service verifies it offline against the published JWKS.
  const grant = await verifyGrantToken(token.grantToken, {
    jwksUri: grantex.jwksUri,
    requiredScopes: ['calendar:read'],
  });
  console.log(`[node] 4. verified offline: principal ${grant.principalId} agent ${grant.agentDid} scopes ${grant.scopes.join(', ')}`);

  // 5. Delegate a subset to a sub-agent.
  const child = await grantex.grants.delegate({
    parentGrantToken: token.grantToken,
    subAgentId: subAgent.id,
    scopes: ['calendar:read'],
    expiresIn: '1h',
  });
  const childGrant = await verifyGrantToken(child.grantToken, { jwksUri: grantex.jwksUri });
  console.log(`[node] 5. delegated ${child.grantId} to ${childGrant.agentDid} (depth ${childGrant.delegationDepth})`);

  // 6. Revoke the root grant: the cascade reaches the sub-agent at once.
  await grantex.grants.revoke(token.grantId);
  const parentStatus = await grantex.tokens.verify(token.grantToken);
  const childStatus = await grantex.tokens.verify(child.grantToken);
  console.log(`[node] 6. revoked; online verify: parent valid=${parentStatus.valid} child valid=${childStatus.valid}`);
  if (parentStatus.valid || childStatus.valid) throw new Error('revocation did not take effect');
  try {
    await grantex.grants.verify(child.grantToken);
    throw new Error('online grant verification accepted a revoked grant');
  } catch (err) {
    if (!(err instanceof GrantexTokenError)) throw err;
    console.log(`[node]    grants.verify refuses the sub-agent's token: ${err.code}`);
  }

  // 7. Offline verification cannot see revocation (use short lifetimes or the online check),
  //    but it still checks the signature: a tampered token is refused.
  const [header, payload, signature] = token.grantToken.split('.');
  const tampered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
  try {
    await verifyGrantToken(tampered, { jwksUri: grantex.jwksUri });
    throw new Error('a tampered token verified');
  } catch (err) {
    if (!(err instanceof GrantexTokenError)) throw err;
    console.log(`[node] 7. offline verifier refuses a tampered token: ${err.code}`);
  }
  console.log('[node] done');
}

main().catch((err) => {
  const code = err instanceof GrantexError ? ` [${err.code}]` : '';
  console.error(`[node] quickstart failed: ${err.message}${code}`);
  process.exitCode = 1;
});
