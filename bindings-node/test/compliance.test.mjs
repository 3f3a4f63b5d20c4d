// Compliance and anomalies against a real grantex-server (issue 15 items 3 and 4), with the
// reference SDK's names: exports whose counts match the data, the evidence pack's chain check,
// anomaly rules triggered by scripted traffic.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Grantex, GrantexApiError, verifyAuditChain } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

async function fresh() {
  const account = await Grantex.signup({ name: 'node compliance', mode: 'sandbox' }, { baseUrl: server.baseUrl });
  return new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
}

async function grant(gx, agentId, userId, scopes) {
  const auth = await gx.authorize({ agentId, userId, scopes });
  return gx.tokens.exchange({ code: auth.code, agentId });
}

test('summary, exports and the evidence pack', async () => {
  const gx = await fresh();
  const a = await gx.agents.register({ name: 'reporter', scopes: ['read'] });
  const toks = [];
  for (let i = 0; i < 3; i++) toks.push(await grant(gx, a.agentId, `u${i}`, ['read']));
  await gx.grants.revoke(toks[0].grantId);
  const s = await gx.compliance.getSummary();
  assert.equal(s.grants.total, 3);
  assert.equal(s.grants.revoked, 1);
  const g = await gx.compliance.exportGrants({ status: 'active' });
  assert.equal(g.total, 2);
  assert.equal(g.grants.length, 2);
  const audit = await gx.compliance.exportAudit();
  assert.equal(audit.total, s.auditEntries.total);
  assert.equal(verifyAuditChain(audit.entries).valid, true);
  const pack = await gx.compliance.evidencePack({ framework: 'soc2' });
  assert.equal(pack.chainIntegrity.valid, true);
  assert.equal(pack.chainIntegrity.checkedEntries, audit.total);
  assert.equal(pack.grants.length, 3);
  await assert.rejects(gx.compliance.exportGrants({ status: 'lost' }), (e) => e instanceof GrantexApiError && e.statusCode === 400);
});

test('anomalies: a new high-risk scope, detected once, acknowledged', async () => {
  const gx = await fresh();
  const a = await gx.agents.register({ name: 'payer', scopes: ['read', 'payments:initiate'] });
  await grant(gx, a.agentId, 'alice', ['read']);
  assert.equal((await gx.anomalies.detect()).total, 0);
  await grant(gx, a.agentId, 'alice', ['payments:initiate']);
  const found = await gx.anomalies.detect();
  assert.deepEqual(found.anomalies.map((x) => x.type), ['new_high_risk_scope']);
  assert.equal(found.anomalies[0].metadata.scope, 'payments:initiate');
  assert.equal((await gx.anomalies.detect()).total, 0);
  const [open] = (await gx.anomalies.list({ unacknowledged: true })).anomalies;
  assert.deepEqual(await gx.anomalies.get(open.id), open);
  const acked = await gx.anomalies.acknowledge(open.id);
  assert.ok(acked.acknowledgedAt);
  assert.equal((await gx.anomalies.list({ unacknowledged: true })).total, 0);
});
