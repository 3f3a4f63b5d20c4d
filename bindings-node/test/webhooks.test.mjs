// Webhook signatures and PKCE, checked against Node's own crypto (independent of the core).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { verifyWebhook, verifyWebhookSignature, generatePkce } from '@grantex/sdk';

const secret = 'whsec_test_secret';
const body = JSON.stringify({ type: 'grant.revoked', data: { grantId: 'grnt_1' } });

function sign(payload, ts) {
  return 'sha256=' + createHmac('sha256', secret).update(`${ts}.${payload}`).digest('hex');
}

test('verifyWebhook: V2 signature over "<timestamp>.<body>" within the tolerance', () => {
  const now = 1_800_000_000;
  const ts = String(now - 10);
  const signature = sign(body, ts);
  assert.equal(verifyWebhook({ payload: body, signature, timestamp: ts, secret, now }), true);
  assert.equal(verifyWebhook({ payload: Buffer.from(body), signature, timestamp: ts, secret, now }), true);
  assert.equal(verifyWebhook({ payload: new TextEncoder().encode(body), signature, timestamp: ts, secret, now }), true);
  // Tampered body, wrong secret, wrong timestamp.
  assert.equal(verifyWebhook({ payload: body + ' ', signature, timestamp: ts, secret, now }), false);
  assert.equal(verifyWebhook({ payload: body, signature, timestamp: ts, secret: 'other', now }), false);
  assert.equal(verifyWebhook({ payload: body, signature, timestamp: String(now - 11), secret, now }), false);
  // Replay window, both directions, and a custom tolerance.
  const old = String(now - 301);
  assert.equal(verifyWebhook({ payload: body, signature: sign(body, old), timestamp: old, secret, now }), false);
  assert.equal(
    verifyWebhook({ payload: body, signature: sign(body, old), timestamp: old, secret, now, toleranceSeconds: 600 }),
    true,
  );
  const future = String(now + 301);
  assert.equal(verifyWebhook({ payload: body, signature: sign(body, future), timestamp: future, secret, now }), false);
  // With the real clock.
  const live = String(Math.floor(Date.now() / 1000));
  assert.equal(verifyWebhook({ payload: body, signature: sign(body, live), timestamp: live, secret }), true);
});

test('verifyWebhook: missing or malformed signature/timestamp headers are false, never an exception', () => {
  const ts = String(Math.floor(Date.now() / 1000));
  const good = { payload: body, signature: sign(body, ts), timestamp: ts, secret };
  assert.equal(verifyWebhook(good), true);
  for (const bad of [
    { ...good, signature: undefined },
    { ...good, signature: '' },
    { ...good, signature: 'sha256=zz' },
    { ...good, signature: 42 },
    { ...good, signature: [good.signature, good.signature] },
    { ...good, timestamp: undefined },
    { ...good, timestamp: '' },
    { ...good, timestamp: '12a' },
    { ...good, timestamp: '1'.repeat(16) },
    { ...good, timestamp: -1 },
  ]) {
    assert.equal(verifyWebhook(bad), false, JSON.stringify(bad));
  }
});

test("verifyWebhook: the caller's own mistakes throw a TypeError naming the argument", () => {
  const ts = String(Math.floor(Date.now() / 1000));
  const good = { payload: body, signature: sign(body, ts), timestamp: ts, secret };
  for (const [bad, name] of [
    [undefined, /options must be an object/],
    [null, /options must be an object/],
    ['x', /options must be an object/],
    [{ ...good, payload: 123 }, /options\.payload must be/],
    [{ ...good, secret: undefined }, /options\.secret must be a string/],
    [{ ...good, toleranceSeconds: 'many' }, /options\.toleranceSeconds must be/],
    [{ ...good, toleranceSeconds: -5 }, /options\.toleranceSeconds must be a non-negative number/],
  ]) {
    assert.throws(
      () => verifyWebhook(bad),
      (e) => e instanceof TypeError && e.code === 'invalid_argument' && name.test(e.message),
      String(name),
    );
  }
});

test('verifyWebhookSignature (deprecated v1): HMAC of the raw body', () => {
  const sig = 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
  assert.equal(verifyWebhookSignature(body, sig, secret), true);
  assert.equal(verifyWebhookSignature(Buffer.from(body), sig, secret), true);
  assert.equal(verifyWebhookSignature(body, sig, 'wrong'), false);
  assert.equal(verifyWebhookSignature(body, sig.slice(0, -2), secret), false);
  assert.equal(verifyWebhookSignature(body, undefined, secret), false);
  const isArgError = (e) => e instanceof TypeError && e.code === 'invalid_argument';
  assert.throws(() => verifyWebhookSignature(null, sig, secret), (e) => isArgError(e) && /payload/.test(e.message));
  assert.throws(() => verifyWebhookSignature(body, sig, undefined), (e) => isArgError(e) && /secret/.test(e.message));
});

test('generatePkce: 43-char verifier, S256 challenge, fresh every time', () => {
  const seen = new Set();
  for (let i = 0; i < 50; i++) {
    const p = generatePkce();
    assert.match(p.codeVerifier, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(p.codeChallenge, createHash('sha256').update(p.codeVerifier).digest('base64url'));
    assert.equal(p.codeChallengeMethod, 'S256');
    assert.deepEqual(Object.keys(p).sort(), ['codeChallenge', 'codeChallengeMethod', 'codeVerifier']);
    seen.add(p.codeVerifier);
  }
  assert.equal(seen.size, 50);
});
