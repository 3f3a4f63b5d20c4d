// Budgets and usage against a real grantex-server (issue 16 items 2 and 4): the `budgets` and
// `usage` namespaces with the reference SDK's names, exact balances, concurrent debits,
// idempotency keys, threshold webhooks, the `bdg` claim our verifier reads, children bounded
// by their parents, usage counts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Grantex, GrantexApiError, verifyGrantToken } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

async function fresh() {
  const account = await Grantex.signup({ name: 'budgets', mode: 'live' }, { baseUrl: server.baseUrl });
  return new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
}

async function token(gx, scopes, userId = 'alice') {
  const agent = await gx.agents.register({ name: 'spender', description: 'node test', scopes });
  const auth = await gx.authorize({ agentId: agent.agentId, userId, scopes });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return { agent, tok: await gx.tokens.exchange({ code, agentId: agent.agentId }) };
}

const rejectsWith = (status, code) => (e) => e instanceof GrantexApiError && e.statusCode === status && e.code === code;

test('allocate, debit, balance, transactions, allocations and their errors', async () => {
  const gx = await fresh();
  const { tok } = await token(gx, ['pay']);
  const b = await gx.budgets.allocate({ grantId: tok.grantId, initialBudget: 100 });
  assert.deepEqual([b.initialBudget, b.remainingBudget, b.currency], ['100.0000', '100.0000', 'USD']);
  await gx.budgets.debit({ grantId: tok.grantId, amount: 0.1 });
  const d2 = await gx.budgets.debit({ grantId: tok.grantId, amount: 0.2, description: 'tea', metadata: { cup: 2 } });
  assert.equal(d2.remaining, '99.7000', 'exact, not 99.69999');
  assert.equal(d2.grantId, tok.grantId);
  assert.equal((await gx.budgets.balance(tok.grantId)).remainingBudget, '99.7000');
  const txs = await gx.budgets.transactions(tok.grantId, { page: 1, pageSize: 1 });
  assert.equal(txs.total, 2);
  assert.deepEqual(txs.transactions.map((t) => [t.id, t.amount, t.description, t.metadata]), [
    [d2.transactionId, '0.2000', 'tea', { cup: 2 }],
  ]);
  assert.deepEqual((await gx.budgets.listAllocations()).allocations.map((a) => a.grantId), [tok.grantId]);
  await assert.rejects(gx.budgets.debit({ grantId: tok.grantId, amount: 1000 }), rejectsWith(402, 'INSUFFICIENT_BUDGET'));
  await assert.rejects(gx.budgets.allocate({ grantId: tok.grantId, initialBudget: 5 }), rejectsWith(409, 'CONFLICT'));
  await assert.rejects(gx.budgets.debit({ grantId: tok.grantId, amount: 1.23456 }), (e) => e.statusCode === 400);
  const other = await fresh();
  await assert.rejects(other.budgets.balance(tok.grantId), (e) => e.statusCode === 404);
});

test('fifty concurrent debits against a budget of thirty: exactly thirty succeed', async () => {
  const gx = await fresh();
  const { tok } = await token(gx, ['pay']);
  await gx.budgets.allocate({ grantId: tok.grantId, initialBudget: 30 });
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, () => gx.budgets.debit({ grantId: tok.grantId, amount: 1 })),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  assert.equal(ok, 30);
  for (const r of results.filter((r) => r.status === 'rejected')) {
    assert.equal(r.reason.code, 'INSUFFICIENT_BUDGET');
  }
  assert.equal((await gx.budgets.balance(tok.grantId)).remainingBudget, '0.0000');
  assert.equal((await gx.budgets.transactions(tok.grantId)).total, 30);
});

test('a repeated idempotency key debits once', async () => {
  const gx = await fresh();
  const { tok } = await token(gx, ['pay']);
  await gx.budgets.allocate({ grantId: tok.grantId, initialBudget: 10 });
  const first = await gx.budgets.debit({ grantId: tok.grantId, amount: 4, idempotencyKey: 'order-7' });
  assert.deepEqual(await gx.budgets.debit({ grantId: tok.grantId, amount: 4, idempotencyKey: 'order-7' }), first);
  assert.equal((await gx.budgets.balance(tok.grantId)).remainingBudget, '6.0000');
  await assert.rejects(
    gx.budgets.debit({ grantId: tok.grantId, amount: 5, idempotencyKey: 'order-7' }),
    rejectsWith(409, 'IDEMPOTENCY_KEY_REUSED'),
  );
});

test('refreshed and delegated tokens carry bdg; a child budget is bounded by its parent', async () => {
  const gx = await fresh();
  const { agent, tok } = await token(gx, ['pay', 'read']);
  const sub = await gx.agents.register({ name: 'sub', description: 'node test', scopes: ['pay'] });
  await gx.budgets.allocate({ grantId: tok.grantId, initialBudget: 10 });
  await gx.budgets.debit({ grantId: tok.grantId, amount: 3 });
  const refreshed = await gx.tokens.refresh({ refreshToken: tok.refreshToken, agentId: agent.agentId });
  assert.equal((await verifyGrantToken(refreshed.grantToken, { jwksUri: server.jwksUri })).budget, 7);
  const child = await gx.grants.delegate({ parentGrantToken: refreshed.grantToken, subAgentId: sub.agentId, scopes: ['pay'] });
  assert.equal((await verifyGrantToken(child.grantToken, { jwksUri: server.jwksUri })).budget, 7);
  await assert.rejects(gx.budgets.allocate({ grantId: child.grantId, initialBudget: 8 }), rejectsWith(422, 'BUDGET_EXCEEDS_PARENT'));
  await gx.budgets.allocate({ grantId: child.grantId, initialBudget: 5 });
  await gx.budgets.debit({ grantId: child.grantId, amount: 4 });
  assert.equal((await gx.budgets.balance(tok.grantId)).remainingBudget, '3.0000');
});

test('threshold events arrive once each through the webhook', async () => {
  const events = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      events.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  try {
    const gx = await fresh();
    await gx.webhooks.create({ url: `http://127.0.0.1:${hook.address().port}/hook`, events: ['budget.threshold', 'budget.exhausted'] });
    const { tok } = await token(gx, ['pay']);
    await gx.budgets.allocate({ grantId: tok.grantId, initialBudget: 10 });
    for (const amount of [5, 1, 2.5, 1.5]) await gx.budgets.debit({ grantId: tok.grantId, amount });
    const deadline = Date.now() + 20_000;
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(events.map((e) => [e.type, e.data.pct]).sort((a, b) => a[1] - b[1]), [
      ['budget.threshold', 50],
      ['budget.threshold', 80],
      ['budget.exhausted', 100],
    ]);
  } finally {
    hook.close();
  }
});

test('usage counts the metered requests of the day', async () => {
  const gx = await fresh();
  const { tok } = await token(gx, ['read']);
  await gx.tokens.verify(tok.grantToken);
  const u = await gx.usage.current();
  assert.deepEqual([u.authorizations, u.tokenExchanges, u.verifications, u.totalRequests], [1, 1, 1, 3]);
  const h = await gx.usage.history({ days: 3 });
  assert.equal(h.days, 3);
  assert.deepEqual(h.entries.map((e) => [e.date, e.totalRequests]), [[u.period, 3]]);
  await assert.rejects(gx.usage.history({ days: 0 }), (e) => e.statusCode === 400);
});
