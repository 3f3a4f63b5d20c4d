// Grantex quickstart (Node): the product-page flow, end to end, against a Grantex server, in
// the eight steps every language's quickstart prints:
//
//   1 register agents · 2 authorize · 3 consent · 4 exchange · 5 verify offline · 6 delegate ·
//   7 revoke (cascades to the sub-agent) · 8 a tampered token is refused offline
//
// Reads GRANTEX_BASE_URL and GRANTEX_API_KEY (as written by grantex-server to server.json). With
// the live key authorize waits for consent, which step 3 gives through the endpoint the consent
// page's Approve button calls; with the sandbox key authorize returns the code at once.
// An ES module (.mjs: `import`, top-level `await`). Run: npm install && node quickstart.mjs
import { Grantex, verifyGrantToken, GrantexError, GrantexTokenError } from '@grantex/sdk';

function fail(message) {
  throw new Error(message);
}

async function main() {
  // apiKey and baseUrl come from GRANTEX_API_KEY / GRANTEX_BASE_URL.
  const grantex = new Grantex();
  console.log(`[node] server: ${grantex.baseUrl}`);

  // 1. Register the agent and the sub-agent it will delegate to.
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
  console.log(`[node] 1. register: agents ${agent.id} (travel-assistant) and ${subAgent.id} (calendar-reader)`);

  // 2. Ask the user for a grant: the human sees the consent URL.
  const auth = await grantex.authorize({
    agentId: agent.id,
    userId: 'usr_alice',
    scopes: ['calendar:read', 'email:send'],
  });
  console.log(`[node] 2. authorize: consent URL ${auth.consentUrl}`);

  // 3. The human approves (here through the endpoint the consent page's Approve button calls);
  //    a sandbox key gets the code straight away.
  let code;
  if (auth.code) {
    code = auth.code;
    console.log('[node] 3. consent: sandbox key, authorize returned the code (no consent step)');
  } else {
    ({ code } = await grantex.consent.approve(auth.authRequestId));
    console.log('[node] 3. consent: approved; authorization code received');
  }

  // 4. Exchange the code for a grant token.
  const token = await grantex.tokens.exchange({ code, agentId: agent.id });
  console.log(`[node] 4. exchange: grant token for ${token.grantId}, scopes ${token.scopes.join(', ')}`);

  // 5. Any service verifies it offline against the published JWKS. A sandbox key's tokens
  //    (approved without a human) are accepted only when asked for.
  const sandbox = Boolean(auth.code);
  const grant = await verifyGrantToken(token.grantToken, {
    jwksUri: grantex.jwksUri,
    requiredScopes: ['calendar:read'],
    allowSandbox: sandbox,
  });
  console.log(
    `[node] 5. verify offline: principal ${grant.principalId}, agent ${grant.agentDid}, scopes ${grant.scopes.join(', ')}`,
  );

  // 6. Delegate a subset to the sub-agent.
  const child = await grantex.grants.delegate({
    parentGrantToken: token.grantToken,
    subAgentId: subAgent.id,
    scopes: ['calendar:read'],
    expiresIn: '1h',
  });
  const childGrant = await verifyGrantToken(child.grantToken, { jwksUri: grantex.jwksUri, allowSandbox: sandbox });
  console.log(
    `[node] 6. delegate: grant ${child.grantId} to ${childGrant.agentDid} (depth ${childGrant.delegationDepth}, scopes ${childGrant.scopes.join(', ')})`,
  );

  // 7. Revoke the root grant: the cascade reaches the sub-agent at once.
  await grantex.grants.revoke(token.grantId);
  const parentStatus = await grantex.tokens.verify(token.grantToken);
  const childStatus = await grantex.tokens.verify(child.grantToken);
  console.log(
    `[node] 7. revoke: grant ${token.grantId}; online verify: grant valid=${parentStatus.valid}, delegated grant valid=${childStatus.valid}`,
  );
  if (parentStatus.valid || childStatus.valid) fail('a revoked grant still verifies online');
  let refused = null;
  try {
    await grantex.grants.verify(child.grantToken);
  } catch (err) {
    if (!(err instanceof GrantexTokenError)) throw err;
    refused = err.code;
  }
  if (refused === null) fail('grants.verify accepted a revoked delegated grant');
  console.log(`[node]    grants.verify refuses the sub-agent's token: ${refused}`);

  // 8. Offline verification cannot see revocation (use short lifetimes or the online check),
  //    but it still checks the signature: a tampered token is refused.
  const dot = token.grantToken.lastIndexOf('.');
  const signature = token.grantToken.slice(dot + 1);
  const tampered = `${token.grantToken.slice(0, dot)}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
  let tamperCode = null;
  try {
    await verifyGrantToken(tampered, { jwksUri: grantex.jwksUri });
  } catch (err) {
    if (!(err instanceof GrantexTokenError)) throw err;
    tamperCode = err.code;
  }
  if (tamperCode !== 'bad_signature') {
    fail(tamperCode === null ? 'a tampered token verified offline' : `a tampered token failed with ${tamperCode}, expected bad_signature`);
  }
  console.log(`[node] 8. tamper: the offline verifier refuses a forged signature: ${tamperCode}`);
  console.log('[node] done');
}

main().catch((err) => {
  const code = err instanceof GrantexError ? ` [${err.code}]` : '';
  console.error(`[node] quickstart failed: ${err.message}${code}`);
  process.exitCode = 1;
});
