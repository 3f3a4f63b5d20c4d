// Type-checked (tsc --noEmit) against the shipped declarations: reference-style usage, ESM.
import {
  Grantex,
  verifyGrantToken,
  verifyWebhook,
  verifyWebhookSignature,
  generatePkce,
  verifyAuditChain,
  JwksCache,
  TOKEN_ERROR_CODES,
  GrantexError,
  GrantexApiError,
  GrantexAuthError,
  GrantexTokenError,
  GrantexNetworkError,
  GrantexTimeoutError,
  type Agent,
  type VerifiedGrant,
  type AuthorizationRequest,
  type RateLimit,
  type TokenErrorCode,
} from '@grantex/sdk';

export async function flow(): Promise<void> {
  const grantex = new Grantex({ apiKey: 'gx_test', baseUrl: 'http://127.0.0.1:8080', timeout: 5000, maxRetries: 2 });
  const account = await Grantex.signup({ name: 'Acme', mode: 'sandbox' }, { baseUrl: grantex.baseUrl });
  const key: string = account.apiKey;

  const agent: Agent = await grantex.agents.register({ name: 'bot', description: 'd', scopes: ['a:b'] });
  const sameId: boolean = agent.id === agent.agentId;
  await grantex.agents.update(agent.id, { scopes: ['a:b', 'c:d'] });
  const { agents } = await grantex.agents.list();
  await grantex.agents.delete(agents[0].id);

  const auth: AuthorizationRequest = await grantex.authorize({ agentId: agent.id, userId: 'usr', scopes: ['a:b'] });
  const code = auth.code ?? (await grantex.consent.approve(auth.authRequestId)).code;
  const pkce = generatePkce();
  const token = await grantex.tokens.exchange({ code, agentId: agent.id, codeVerifier: pkce.codeVerifier });
  const refreshed = await grantex.tokens.refresh({ refreshToken: token.refreshToken, agentId: agent.id });
  const online = await grantex.tokens.verify(refreshed.grantToken);
  const valid: boolean = online.valid;
  await grantex.tokens.revoke('tok_1');

  const grant: VerifiedGrant = await verifyGrantToken(token.grantToken, {
    jwksUri: grantex.jwksUri,
    audience: 'https://api.example',
    requiredScopes: ['a:b'],
    clockTolerance: 5,
    currentDate: new Date(),
  });
  const depth: number | undefined = grant.delegationDepth;
  const parent: string | undefined = grant.parentAgentDid;

  const child = await grantex.grants.delegate({ parentGrantToken: token.grantToken, subAgentId: 'ag_2', scopes: ['a:b'] });
  const g = await grantex.grants.get(child.grantId);
  const both: string = g.id + g.grantId;
  await grantex.grants.list({ agentId: agent.id, status: 'active' });
  await grantex.grants.revoke(g.id);
  const onlineGrant: VerifiedGrant = await grantex.grants.verify(child.grantToken);

  const entry = await grantex.audit.log({
    agentId: agent.id,
    agentDid: agent.did,
    grantId: g.id,
    principalId: 'usr',
    action: 'x',
    metadata: { n: 1 },
    status: 'failure',
  });
  const { entries } = await grantex.audit.list({ grantId: g.id });
  const report = verifyAuditChain(entries);
  const reason: 'link' | 'content' | null = report.reason;
  await grantex.audit.get(entry.entryId);
  await grantex.principalSessions.create({ principalId: 'usr' });

  const rl: RateLimit | undefined = grantex.lastRateLimit;
  const cache = JwksCache.fromJson({ keys: [] });
  const sync: VerifiedGrant = cache.verifyCached('t', { issuer: 'https://i', now: 1 });

  const ok: boolean =
    verifyWebhook({ payload: 'b', signature: 's', timestamp: '1', secret: 'k' }) &&
    verifyWebhookSignature(new Uint8Array(1), 's', 'k');
  const codes: readonly TokenErrorCode[] = TOKEN_ERROR_CODES;

  try {
    await grantex.agents.get('x');
  } catch (err) {
    if (err instanceof GrantexAuthError) {
      const s: number = err.statusCode;
    } else if (err instanceof GrantexApiError) {
      const r: string | undefined = err.requestId;
      const limit: RateLimit | undefined = err.rateLimit;
      const body: unknown = err.body;
    } else if (err instanceof GrantexTokenError) {
      const c: TokenErrorCode | 'token_invalid' = err.code;
    } else if (err instanceof GrantexTimeoutError) {
      const c: 'timeout' = err.code;
    } else if (err instanceof GrantexNetworkError) {
      const cause: unknown = err.cause;
    } else if (err instanceof GrantexError) {
      const c: string = err.code;
    }
  }
  void [key, sameId, valid, depth, parent, both, onlineGrant, reason, rl, sync, ok, codes];
}
