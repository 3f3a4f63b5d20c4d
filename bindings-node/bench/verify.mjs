// Verification benchmark (not a test; run by scripts/bench-node): verifyGrantToken with a warm
// cache vs the raw RSA floor through the addon vs jose's jwtVerify, on the same token and key.
//
// Method: many short alternating rounds (floor, verifyGrantToken, jose), so machine noise hits
// every contender alike; each round gives paired ratios, and the medians of those are the
// headline numbers (fastest rounds as a cross-check). verifyGrantToken goes through the
// documented `jwksUri` path (the process-wide cache, warmed by one call first) and is awaited
// one call at a time, as jose is.
//
// Tokens: a server-minted grant token (GRANTEX_BASE_URL / GRANTEX_API_KEY, a sandbox or live
// key) and the ~900-byte realistic vector (vectors/token-vectors.json) served from a loopback
// JWKS endpoint.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { Grantex, verifyGrantToken, JwksCache } from '@grantex/sdk';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// The benchmark helpers live only in an addon built with the `bench` feature
// (GRANTEX_NODE_FEATURES=bench, as scripts/bench-node does); they are not part of the SDK's API.
const native = require('../lib/native.cjs');
const { nativeJwks } = require('../lib/verify.cjs');
if (typeof native._RsaFloor !== 'function') {
  throw new Error('bench/verify.mjs needs the addon built with GRANTEX_NODE_FEATURES=bench (scripts/bench-node)');
}
const _RsaFloor = native._RsaFloor;
const _floorLoop = native._floorLoop;
const _coreLoop = (cache, token, options, n) => native._coreLoop(nativeJwks(cache), token, options.issuer, options.now, n);
const jose = await import(require.resolve('jose'));

const N = Number(process.env.BENCH_N ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const fastest = (xs) => Math.min(...xs);

async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / N;
}

function timeSync(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / N;
}

/** Benchmarks one token; `issuer` is passed only when the JWKS URI does not imply it. */
async function bench(label, { token, jwksText, jwksUri, issuer, now }) {
  const options = { jwksUri, issuer, now };
  const warm = await verifyGrantToken(token, options); // fetches the key set once
  const floor = new _RsaFloor(jwksText, token);
  if (!floor.verify()) throw new Error('floor rejected the token');

  const kid = JSON.parse(Buffer.from(token.split('.')[0], 'base64url')).kid;
  const jwk = JSON.parse(jwksText).keys.find((k) => k.kid === kid);
  const joseKey = await jose.importJWK(jwk, 'RS256');
  const joseOptions = { issuer: warm.issuer, algorithms: ['RS256'] };
  if (now !== undefined) joseOptions.currentDate = new Date(now * 1000);
  const { payload } = await jose.jwtVerify(token, joseKey, joseOptions);
  if (payload.jti !== warm.tokenId) throw new Error('jose and grantex disagree');

  const rows = { floor: [], verify: [], jose: [], overFloor: [], vsJose: [] };
  for (let i = 0; i < 5; i++) {
    timeSync(() => floor.verify());
    await timeAsync(() => verifyGrantToken(token, options));
    await timeAsync(() => jose.jwtVerify(token, joseKey, joseOptions));
  }
  for (let r = 0; r < ROUNDS; r++) {
    const f = timeSync(() => floor.verify());
    const v = await timeAsync(() => verifyGrantToken(token, options));
    const j = await timeAsync(() => jose.jwtVerify(token, joseKey, joseOptions));
    rows.floor.push(f);
    rows.verify.push(v);
    rows.jose.push(j);
    rows.overFloor.push(v / f);
    rows.vsJose.push(j / v);
  }

  // Where the time goes: the core alone and the floor alone, in Rust loops (no JS per call).
  const staticSet = JwksCache.fromJson(jwksText);
  const coreOptions = { issuer: warm.issuer, now: now ?? Math.floor(Date.now() / 1000) };
  const rustFloor = [];
  const rustCore = [];
  for (let r = 0; r < 50; r++) {
    rustFloor.push((_floorLoop(floor, N) / N) * 1e6);
    rustCore.push((_coreLoop(staticSet, token, coreOptions, N) / N) * 1e6);
  }

  const overFloor = median(rows.overFloor);
  const vsJose = median(rows.vsJose);
  const fmt = (x) => x.toFixed(2).padStart(7);
  console.log(`\n== ${label}: ${token.length}-byte token, RS256-2048 (${ROUNDS} alternating rounds of ${N} calls) ==`);
  console.log(`floor (raw RSA verify via the addon)   median ${fmt(median(rows.floor))} us   fastest round ${fmt(fastest(rows.floor))} us`);
  console.log(`verifyGrantToken (warm cache, await)   median ${fmt(median(rows.verify))} us   fastest round ${fmt(fastest(rows.verify))} us`);
  console.log(`jose jwtVerify (same key, await)       median ${fmt(median(rows.jose))} us   fastest round ${fmt(fastest(rows.jose))} us`);
  console.log(`  core verify in a Rust loop           median ${fmt(median(rustCore))} us   (floor in a Rust loop ${median(rustFloor).toFixed(2)} us)`);
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  console.log(`verifyGrantToken / floor   median of paired rounds ${overFloor.toFixed(3)}x  (target <= 1.25x: ${verdict(overFloor <= 1.25)}); fastest rounds ${(fastest(rows.verify) / fastest(rows.floor)).toFixed(3)}x`);
  console.log(`jose / verifyGrantToken    median of paired rounds ${vsJose.toFixed(2)}x   (target >= 4x: ${verdict(vsJose >= 4)}); fastest rounds ${(fastest(rows.jose) / fastest(rows.verify)).toFixed(2)}x`);
  return { label, bytes: token.length, floorUs: median(rows.floor), verifyUs: median(rows.verify), joseUs: median(rows.jose), overFloor, vsJose };
}

async function serverToken() {
  const { GRANTEX_BASE_URL: baseUrl, GRANTEX_API_KEY: apiKey } = process.env;
  if (!baseUrl || !apiKey) return null;
  const gx = new Grantex({ baseUrl, apiKey });
  const agent = await gx.agents.register({ name: 'bench-agent', scopes: ['calendar:read', 'email:send'] });
  const auth = await gx.authorize({ agentId: agent.id, userId: 'usr_bench', scopes: ['calendar:read', 'email:send'] });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  const token = await gx.tokens.exchange({ code, agentId: agent.id });
  return { token: token.grantToken, jwksText: JSON.stringify(await gx.jwks()), jwksUri: gx.jwksUri };
}

async function vectorToken() {
  const v = JSON.parse(fs.readFileSync(path.join(here, '..', '..', 'vectors', 'token-vectors.json'), 'utf8'));
  const c = v.cases.find((x) => x.name === 'valid_legacy_realistic');
  const jwksText = JSON.stringify(v.jwks);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(jwksText);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  const jwksUri = `http://127.0.0.1:${server.address().port}/.well-known/jwks.json`;
  return { token: c.token, jwksText, jwksUri, issuer: v.issuer, now: v.now };
}

console.log(`node ${process.version}, jose ${require('jose/package.json').version}`);
const results = [];
const minted = await serverToken();
if (minted) results.push(await bench('server-minted grant token', minted));
else console.log('(GRANTEX_BASE_URL / GRANTEX_API_KEY not set: skipping the server-minted token)');
results.push(await bench('realistic vector token (legacy claims, aud)', await vectorToken()));
console.log(`\n${JSON.stringify(results)}`);
