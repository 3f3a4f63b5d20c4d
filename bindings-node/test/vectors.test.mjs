// The shared vector corpus (vectors/*.json) through verifyGrantToken: the same outcome and the
// same error code string as the Rust core test (core/tests/vectors.rs) and the Python binding,
// with the clock fixed at the file's `now` and a static key set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  verifyGrantToken,
  JwksCache,
  deriveIssuer,
  GrantexTokenError,
  GrantexConfigError,
  TOKEN_ERROR_CODES,
} from '@grantex/sdk';
import { repoRoot } from './helpers/server.mjs';

function load(name) {
  return JSON.parse(fs.readFileSync(path.join(repoRoot, 'vectors', name), 'utf8'));
}

function outcomeOf(result) {
  if (result.ok) return 'valid';
  const e = result.error;
  if (e instanceof GrantexTokenError) return e.code;
  return `non-token error: ${e && e.name}: ${e && e.message}`;
}

async function settle(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function syncSettle(fn) {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Expected claims use null for absent optionals; JS results leave them out. */
function sameClaims(want, have) {
  const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
  for (const k of keys) {
    const w = want[k] === null ? undefined : want[k];
    assert.deepEqual(have[k], w, `claim ${k}`);
  }
}

test('token vectors: identical outcome, code and claims', async () => {
  const file = load('token-vectors.json');
  assert.ok(file.cases.length >= 150, `expected the full corpus, found ${file.cases.length}`);
  const sets = new Map();
  const cacheFor = (name) => {
    const key = name ?? '';
    if (!sets.has(key)) {
      const set = name === undefined ? file.jwks : file.jwksSets[name];
      assert.ok(set, `key set ${name} missing`);
      sets.set(key, JwksCache.fromJson(set));
    }
    return sets.get(key);
  };

  const failures = [];
  const seen = new Set();
  for (const c of file.cases) {
    const o = c.options ?? {};
    const options = {
      jwks: cacheFor(o.jwks),
      issuer: o.issuer ?? file.issuer,
      audience: o.audience,
      requiredScopes: o.requiredScopes,
      clockTolerance: o.clockTolerance,
      maxDelegationDepth: o.maxDelegationDepth,
      expectedPrincipalId: o.expectedPrincipalId,
      expectedAgentDid: o.expectedAgentDid,
      // The reference options the case sets by name (proofJkt, legacyClaims, ...).
      ...Object.fromEntries((o.referenceOptions ?? []).map((r) => [r.jsName, r.value])),
      // Explicit either way, so GRANTEX_ALLOW_SANDBOX_TOKENS never decides a vector.
      allowSandbox: o.allowSandbox ?? false,
      now: file.now,
    };
    const asyncResult = await settle(verifyGrantToken(c.token, options));
    const got = outcomeOf(asyncResult);
    seen.add(got);
    if (got !== c.expect) {
      failures.push(`${c.name}: expected ${c.expect}, got ${got}`);
      continue;
    }
    // The synchronous cached path and the Date clock give the same answer.
    const syncResult = syncSettle(() =>
      options.jwks.verifyCached(c.token, { ...options, now: undefined, currentDate: new Date(file.now * 1000) }),
    );
    if (outcomeOf(syncResult) !== c.expect) {
      failures.push(`${c.name}: verifyCached gave ${outcomeOf(syncResult)}`);
      continue;
    }
    if (asyncResult.ok) {
      try {
        sameClaims(c.claims, asyncResult.value);
        assert.deepEqual(syncResult.value, asyncResult.value);
      } catch (e) {
        failures.push(`${c.name}: ${e.message}`);
      }
    } else {
      const message = asyncResult.error.message;
      for (const seg of c.token.split('.')) {
        if (seg.length >= 16 && message.includes(seg)) failures.push(`${c.name}: message echoes the token`);
      }
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${file.cases.length} token vectors failed`);

  // Every code the offline verifier can produce from a token is exercised.
  for (const code of TOKEN_ERROR_CODES) {
    if (['invalid_jwks', 'jwks_fetch', 'revoked', 'inactive', 'authority_mismatch'].includes(code)) continue;
    assert.ok(seen.has(code), `no token vector produces ${code}`);
  }
});

test('key-set vectors: the same sets load or fail, and tokens get the same outcome', async () => {
  const file = load('jwks-vectors.json');
  const failures = [];
  for (const c of file.cases) {
    let cache;
    try {
      cache = JwksCache.fromJson(c.jwks);
    } catch (e) {
      const got = e instanceof GrantexTokenError ? e.code : `${e.name}: ${e.message}`;
      if (c.expect !== 'invalid_jwks' || got !== 'invalid_jwks') failures.push(`${c.name}: expected ${c.expect}, load gave ${got}`);
      continue;
    }
    if (c.expect !== 'ok') {
      failures.push(`${c.name}: expected ${c.expect}, loaded`);
      continue;
    }
    const got = outcomeOf(await settle(verifyGrantToken(c.token, { jwks: cache, issuer: file.issuer, now: file.now })));
    if (got !== c.tokenExpect) failures.push(`${c.name}: token expected ${c.tokenExpect}, got ${got}`);
  }
  assert.deepEqual(failures, []);
  assert.ok(file.cases.length >= 40);
});

test('issuer vectors: derived issuers match', () => {
  const file = load('issuer-vectors.json');
  for (const c of file.cases) assert.equal(deriveIssuer(c.jwksUri), c.issuer, c.jwksUri);
  assert.ok(file.cases.length >= 5);
});

test('the published set equals the token vectors set', () => {
  assert.deepEqual(load('jwks.json'), load('token-vectors.json').jwks);
});

test("verify-option vectors: the reference's other options are honoured or refused as the core rules", async () => {
  const file = load('verify-option-vectors.json');
  const tokens = load('token-vectors.json');
  const valid = tokens.cases.find((c) => c.expect === 'valid' && Object.keys(c.options ?? {}).length === 0);
  const jwks = JwksCache.fromJson(JSON.stringify(tokens.jwks));
  const failures = [];
  for (const c of file.cases) {
    const options = { jwks, issuer: tokens.issuer, now: tokens.now, [c.jsName]: c.value };
    const got = await settle(verifyGrantToken(valid.token, options));
    const label = `${c.jsName} = ${JSON.stringify(c.value)}`;
    if (c.accepted) {
      const outcome = got.ok ? 'valid' : got.error instanceof GrantexConfigError ? 'config_error' : got.error.code;
      if (outcome !== c.verify) failures.push(`${label}: ${outcome}, expected ${c.verify}: ${got.error?.message}`);
    }
    if (!c.accepted) {
      if (got.ok) failures.push(`${label}: accepted`);
      else if (!(got.error instanceof GrantexConfigError) || !got.error.message.includes(c.jsName)) {
        failures.push(`${label}: ${got.error.name}: ${got.error.message}`);
      }
    }
  }
  // A function given to a reference option counts as set (JSON cannot hold it).
  const fn = await settle(verifyGrantToken(valid.token, { jwks, issuer: tokens.issuer, now: tokens.now, proofJkt: () => 'x' }));
  if (fn.ok || !(fn.error instanceof GrantexConfigError)) failures.push('proofJkt: a function was not refused');
  assert.deepEqual(failures, []);
  assert.ok(file.cases.length >= 9);
});
