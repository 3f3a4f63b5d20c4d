// A remote key set whose endpoint goes down: the expired set keeps verifying for the
// stale-if-error grace, then verification fails closed (the core's rule, as in Python and C).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyGrantToken, JwksCache, GrantexTokenError, GrantexConfigError } from '@grantex/sdk';
import { repoRoot } from './helpers/server.mjs';

const tokens = JSON.parse(fs.readFileSync(path.join(repoRoot, 'vectors', 'token-vectors.json'), 'utf8'));
const valid = tokens.cases.find((c) => c.expect === 'valid' && Object.keys(c.options ?? {}).length === 0);

async function keySetServer() {
  const state = { down: false, hits: 0 };
  const body = JSON.stringify(tokens.jwks);
  const server = http.createServer((req, res) => {
    state.hits++;
    if (state.down) {
      res.writeHead(503, { 'content-length': '0' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.uri = `http://127.0.0.1:${server.address().port}/.well-known/jwks.json`;
  state.close = () => new Promise((resolve) => server.close(resolve));
  return state;
}

test('an expired key set keeps verifying while the endpoint is down, then fails closed', async () => {
  const ks = await keySetServer();
  try {
    const cache = JwksCache.remote(ks.uri);
    assert.deepEqual([cache.maxAge, cache.staleIfError], [600, 3600]);
    cache.setMaxAge(1);
    const options = { jwks: cache, issuer: tokens.issuer, now: tokens.now };
    assert.ok((await verifyGrantToken(valid.token, options)).tokenId);
    assert.equal(ks.hits, 1);

    ks.down = true;
    await sleep(1200); // past the one-second max age
    assert.ok((await verifyGrantToken(valid.token, options)).tokenId, 'stale set inside the grace');
    assert.equal(ks.hits, 2);
    cache.setStaleIfError(0);
    await assert.rejects(verifyGrantToken(valid.token, options), (e) => e instanceof GrantexTokenError && e.code === 'jwks_fetch');
  } finally {
    await ks.close();
  }
});

test('the key-set cache settings are checked by the core', () => {
  const cache = JwksCache.remote('http://127.0.0.1:9/.well-known/jwks.json');
  for (const bad of [0, 0.5, 86401, Number.NaN, -1]) {
    assert.throws(() => cache.setMaxAge(bad), GrantexConfigError, String(bad));
  }
  for (const bad of [-1, 86401, Infinity]) {
    assert.throws(() => cache.setStaleIfError(bad), GrantexConfigError, String(bad));
  }
  cache.setStaleIfError(86400);
  assert.equal(cache.staleIfError, 86400);
  assert.throws(() => cache.setMaxAge('60'), TypeError);
});
