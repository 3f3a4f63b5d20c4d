// Worker body for worker.test.mjs: loads the addon in a worker thread and runs what it is told.
import { parentPort, workerData } from 'node:worker_threads';
import fs from 'node:fs';
import { Grantex, JwksCache, verifyGrantToken, GrantexTokenError } from '@grantex/sdk';

async function vectors({ file }) {
  const v = JSON.parse(fs.readFileSync(file, 'utf8'));
  const jwks = JwksCache.fromJson(v.jwks);
  const outcomes = [];
  for (const c of v.cases) {
    if (c.options?.jwks) continue;
    const o = c.options ?? {};
    try {
      // allowSandbox explicit either way, as in vectors.test.mjs: the environment never decides.
      // Reference options the case sets by name (proofJkt, legacyClaims, ...) as JS options.
      const named = Object.fromEntries((o.referenceOptions ?? []).map((r) => [r.jsName, r.value]));
      await verifyGrantToken(c.token, { ...o, ...named, jwks, issuer: o.issuer ?? v.issuer, now: v.now, allowSandbox: o.allowSandbox ?? false });
      outcomes.push([c.name, 'valid']);
    } catch (e) {
      outcomes.push([c.name, e instanceof GrantexTokenError ? e.code : `other: ${e.message}`]);
    }
  }
  return outcomes;
}

async function flow({ baseUrl, apiKey, jwksUri, name }) {
  const gx = new Grantex({ apiKey, baseUrl });
  const agent = await gx.agents.register({ name, scopes: ['files:read'] });
  const auth = await gx.authorize({ agentId: agent.id, userId: `usr_${name}`, scopes: ['files:read'] });
  const token = await gx.tokens.exchange({ code: auth.code, agentId: agent.id });
  const grant = await verifyGrantToken(token.grantToken, { jwksUri });
  return grant.principalId;
}

async function hang({ baseUrl }) {
  const gx = new Grantex({ apiKey: 'k', baseUrl, timeout: 60_000, maxRetries: 0 });
  parentPort.postMessage({ started: true });
  await gx.me();
  return 'unreachable';
}

const tasks = { vectors, flow, hang };
tasks[workerData.task](workerData)
  .then((result) => parentPort.postMessage({ result }))
  .catch((e) => parentPort.postMessage({ error: `${e.name}: ${e.message}` }));
