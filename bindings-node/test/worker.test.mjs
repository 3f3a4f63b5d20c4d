// worker_threads can load the addon, verify, call the API concurrently, and be terminated with
// a call in flight without taking the process down.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import path from 'node:path';
import { Grantex, JwksCache, verifyGrantToken, GrantexTokenError } from '@grantex/sdk';
import { repoRoot, startServer } from './helpers/server.mjs';
import { fakeHttp } from './helpers/fake-http.mjs';

const workerFile = new URL('./helpers/worker.mjs', import.meta.url);
let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

async function runWorker(data) {
  const worker = new Worker(workerFile, { workerData: data });
  const messages = [];
  worker.on('message', (m) => messages.push(m));
  const [code] = await once(worker, 'exit');
  assert.equal(code, 0, `worker exited with ${code}`);
  const last = messages.at(-1);
  assert.ok(last && !last.error, `worker failed: ${last && last.error}`);
  return last.result;
}

test('a worker verifies the vector corpus with the same outcomes as the main thread', async () => {
  const file = path.join(repoRoot, 'vectors', 'token-vectors.json');
  const inWorker = await runWorker({ task: 'vectors', file });
  assert.ok(inWorker.length > 100);
  const v = (await import('node:fs')).readFileSync(file, 'utf8');
  const parsed = JSON.parse(v);
  const jwks = JwksCache.fromJson(parsed.jwks);
  for (const [name, outcome] of inWorker) {
    const c = parsed.cases.find((x) => x.name === name);
    assert.equal(outcome, c.expect, name);
    const o = c.options ?? {};
    const here = await verifyGrantToken(c.token, {
      ...o,
      ...Object.fromEntries((o.referenceOptions ?? []).map((r) => [r.jsName, r.value])),
      jwks,
      issuer: o.issuer ?? parsed.issuer,
      now: parsed.now,
      allowSandbox: o.allowSandbox ?? false,
    }).then(
      () => 'valid',
      (e) => (e instanceof GrantexTokenError ? e.code : e.message),
    );
    assert.equal(here, outcome, name);
  }
});

test('several workers call the API and verify concurrently with the main thread', async () => {
  const common = { task: 'flow', baseUrl: server.baseUrl, apiKey: server.sandboxApiKey, jwksUri: server.jwksUri };
  const main = new Grantex({ apiKey: server.sandboxApiKey, baseUrl: server.baseUrl });
  const results = await Promise.all([
    runWorker({ ...common, name: 'w1' }),
    runWorker({ ...common, name: 'w2' }),
    runWorker({ ...common, name: 'w3' }),
    main.agents.list().then((l) => l.agents.length >= 0 && 'main'),
  ]);
  assert.deepEqual(results, ['usr_w1', 'usr_w2', 'usr_w3', 'main']);
});

test('terminating a worker with a request in flight is safe', async () => {
  const silent = await fakeHttp(() => {
    /* never answers */
  });
  try {
    for (let i = 0; i < 3; i++) {
      const worker = new Worker(workerFile, { workerData: { task: 'hang', baseUrl: silent.baseUrl } });
      const [msg] = await once(worker, 'message');
      assert.deepEqual(msg, { started: true });
      await new Promise((r) => setTimeout(r, 50));
      const code = await worker.terminate();
      assert.equal(code, 1, 'terminated');
    }
    // The process and the addon are still fine.
    const gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl });
    assert.equal((await gx.health()).status, 'healthy');
  } finally {
    await silent.close();
  }
});
