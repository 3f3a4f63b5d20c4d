// Webhooks against a real grantex-server (issue 15 item 2): the `webhooks` namespace with the
// reference SDK's names, and real deliveries to an HTTP receiver started here that checks each
// one with this SDK's verifyWebhook (and the legacy verifyWebhookSignature).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Grantex, GrantexApiError, verifyWebhook, verifyWebhookSignature } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

let server;
let receiver;
const state = { secret: '', failNext: 0, received: [], refused: 0 };

before(async () => {
  server = await startServer();
  receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (state.failNext > 0) {
        state.failNext -= 1;
        res.writeHead(503).end();
        return;
      }
      const ok =
        verifyWebhook({
          payload: body,
          signature: req.headers['x-grantex-signature-v2'] ?? '',
          timestamp: req.headers['x-grantex-timestamp'] ?? '',
          secret: state.secret,
        }) &&
        verifyWebhookSignature(body, req.headers['x-grantex-signature'] ?? '', state.secret);
      const event = JSON.parse(body.toString('utf8'));
      if (ok && event.id === req.headers['x-grantex-event-id']) {
        state.received.push(event);
        res.writeHead(204).end();
      } else {
        state.refused += 1;
        res.writeHead(401).end();
      }
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await server?.stop();
});

async function waitFor(n) {
  const deadline = Date.now() + 30_000;
  while (state.received.length < n) {
    assert.ok(Date.now() < deadline, `received only ${state.received.map((e) => e.type)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('signed deliveries, retries, the delivery log, CRUD errors', async () => {
  const account = await Grantex.signup({ name: 'node hooks', mode: 'sandbox' }, { baseUrl: server.baseUrl });
  const gx = new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  const w = await gx.webhooks.create({ url, events: ['agent.created', 'grant.created', 'token.issued', 'token.revoked'] });
  assert.match(w.secret, /^whsec_/);
  state.secret = w.secret;
  state.failNext = 2;
  const agent = await gx.agents.register({ name: 'node-hooked', scopes: ['read'] });
  const auth = await gx.authorize({ agentId: agent.agentId, userId: 'alice', scopes: ['read'] });
  const tok = await gx.tokens.exchange({ code: auth.code, agentId: agent.agentId });
  const jti = JSON.parse(Buffer.from(tok.grantToken.split('.')[1], 'base64url')).jti;
  await gx.tokens.revoke(jti);
  await waitFor(4);
  assert.deepEqual(state.received.map((e) => e.type).sort(), ['agent.created', 'grant.created', 'token.issued', 'token.revoked']);
  assert.equal(state.refused, 0);
  assert.equal(state.received.find((e) => e.type === 'token.revoked').data.jti, jti);

  const list = await gx.webhooks.list();
  assert.deepEqual(list.webhooks.map((x) => x.id), [w.id]);
  assert.equal(list.webhooks[0].secret, undefined);
  // An attempt is recorded once the receiver has answered: wait until none is pending.
  let log;
  const until = Date.now() + 20_000;
  do {
    log = await gx.webhooks.deliveries(w.id);
    if (log.deliveries.every((d) => d.status !== 'pending')) break;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < until);
  assert.equal(log.total, 4);
  assert.ok(log.deliveries.every((d) => d.status === 'delivered'));
  assert.ok(log.deliveries.reduce((n, d) => n + d.attempts, 0) >= 6);
  assert.equal((await gx.webhooks.deliveries(w.id, { status: 'failed' })).total, 0);

  await assert.rejects(
    gx.webhooks.create({ url, events: [] }),
    (e) => e instanceof GrantexApiError && e.statusCode === 422,
  );
  await gx.webhooks.delete(w.id);
  await assert.rejects(gx.webhooks.delete(w.id), (e) => e.statusCode === 404);
});
