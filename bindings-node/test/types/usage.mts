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
  GrantexConfigError,
  type Agent,
  type AuditCheckpoint,
  type Grant,
  type JsonWebKeySet,
  type ListAgentsResponse,
  type ListGrantsParams,
  type LogAuditParams,
  type Me,
  type Mode,
  type UpdateSettingsResponse,
  type VerifiedGrant,
  type AuthorizationRequest,
  type RateLimit,
  type TokenErrorCode,
  type GrantexEvent,
  type StreamOptions,
  type SubscribeOptions,
  type EventHandler,
  type EventSubscription,
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
  const sameReport: boolean = verifyAuditChain({ entries }).valid === report.valid;
  const reason: 'link' | 'content' | null = report.reason;
  await grantex.audit.get(entry.entryId);
  await grantex.principalSessions.create({ principalId: 'usr' });
  // Operations added through the core's catalog alone, and the reference SDK's type names.
  const settings: UpdateSettingsResponse = await grantex.updateSettings({ name: 'Acme', fidoRequired: false });
  const updated: boolean = settings.updated;
  const checkpoint: AuditCheckpoint = await grantex.audit.checkpoint();
  const head: string = checkpoint.headHash + checkpoint.signedCheckpoint;
  const count: number = checkpoint.entryCount;
  const listed: ListAgentsResponse = await grantex.agents.list();
  const filters: ListGrantsParams = { agentId: agent.id, pageSize: 10 };
  const grants: Grant[] = (await grantex.grants.list(filters)).grants;
  const logged: LogAuditParams = { agentId: 'a', agentDid: 'd', grantId: 'g', principalId: 'p', action: 'x' };
  const keys: JsonWebKeySet = await grantex.jwks();
  const me: Me = await grantex.me();
  const modes: Mode[] = [me.mode, 'sandbox'];

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
    } else if (err instanceof GrantexConfigError) {
      const c: 'config_error' = err.code;
    } else if (err instanceof GrantexError) {
      const c: string = err.code;
    }
  }
  void [key, sameId, valid, depth, parent, both, onlineGrant, reason, sameReport, rl, sync, ok, codes];
}

// Error constructors: ours (details objects) and the reference's positional forms.
export const madeErrors: Error[] = [
  new GrantexApiError('m', { statusCode: 500, code: 'INTERNAL' }),
  new GrantexApiError('m', 404, { message: 'nope' }, 'req_1'),
  new GrantexNetworkError('m', { cause: new Error('x') }),
  new GrantexNetworkError('m', new Error('x')),
  new GrantexConfigError('no API key'),
];

// The A2A bridge, through the namespace and the subpath.
import { a2a } from '@grantex/sdk';
import {
  A2AClient as SubpathClient,
  A2AGuard,
  A2AAuthError,
  A2ARpcError,
  createA2AAuthMiddleware,
  buildGrantexAgentCard,
  type A2ATask,
  type A2AAgentCard,
} from '@grantex/sdk/a2a';
import http from 'node:http';
import Fastify from 'fastify';

export async function bridge(): Promise<void> {
  const guard = new A2AGuard({
    jwksUri: 'http://127.0.0.1:8080/.well-known/jwks.json',
    requiredScopes: ['tasks:send'],
    methodScopes: { 'tasks/get': ['tasks:read'] },
    allowDelegation: true,
    maxDelegationDepth: 1,
    revocation: { baseUrl: 'http://127.0.0.1:8080', apiKey: 'k', cacheTtl: 0 },
  });
  const card: A2AAgentCard = buildGrantexAgentCard({ name: 'b', description: 'd', url: 'http://127.0.0.1:9', guard });
  const scopes: string[] | undefined = card.authentication?.schemes[0].grantexConfig?.requiredScopes;
  const mw = guard.middleware({ maxBodyBytes: 65536 });
  http.createServer((req, res) => {
    void mw(req, res, () => res.end());
  });
  // The same middleware is a Fastify preHandler hook, per route or for every route.
  const app = Fastify();
  app.post('/', { preHandler: mw }, async () => ({ ok: true }));
  app.addHook('preHandler', createA2AAuthMiddleware(guard));
  const refMw = createA2AAuthMiddleware({ jwksUri: 'http://x/jwks' });
  const g: VerifiedGrant = await refMw({ headers: { authorization: 'Bearer t' } });
  try {
    await guard.check('Bearer t', 'tasks/send');
  } catch (e) {
    if (e instanceof A2AAuthError) {
      const status: number = e.statusCode;
      const body = e.body(1);
      const code: number = body.error.code;
    }
  }
  const client = new a2a.A2AClient({ agentUrl: card.url, grantToken: 't', requiredScope: 'tasks:send', timeout: 5000 });
  const task: A2ATask = await client.sendTask({ message: a2a.userText('hi'), metadata: { defer: true } });
  const state: string = task.status.state;
  await client.getTask({ id: task.id, historyLength: 1 });
  await client.cancelTask({ id: task.id });
  const same: boolean = SubpathClient === a2a.A2AClient;
  try {
    await client.preflight();
  } catch (e) {
    if (e instanceof a2a.A2AError) {
      const reason: string | undefined = e.reason;
      if (e instanceof A2ARpcError) {
        const rpc: number | undefined = e.rpcCode;
      }
    }
  }
  void [scopes, g, state, same];
}

// The event stream consumer: the reference SDK's `stream`/`subscribe`, plus `seq` and `lastEventId`.
export async function events(grantex: Grantex): Promise<number | undefined> {
  const stream = grantex.events.stream({ types: ['grant.created', 'token.issued'], lastEventId: 3 });
  const asReference: AsyncGenerator<{ id: string; type: string; createdAt: string; data: Record<string, unknown> }> = stream;
  for await (const event of stream) {
    const seq: number = event.seq;
    const type: string = event.type;
    const data: Record<string, unknown> = event.data;
    if (seq > 10 || type === 'grant.revoked' || data.x) break;
  }
  const next: IteratorResult<GrantexEvent, void> = await stream.next();
  const closed: boolean = stream.closed;
  stream.close();
  const options: SubscribeOptions = { types: ['budget.threshold'], onError: (e) => console.error(e) };
  const handler: EventHandler = async (e: GrantexEvent) => {
    await Promise.resolve(e.createdAt);
  };
  const sub: EventSubscription = grantex.events.subscribe(handler, options);
  sub.unsubscribe();
  const plain = grantex.events.subscribe((e) => void e.id);
  plain.unsubscribe();
  const fromOptions: StreamOptions = { lastEventId: stream.lastEventId };
  void [asReference, next, closed, fromOptions];
  return sub.lastEventId;
}
