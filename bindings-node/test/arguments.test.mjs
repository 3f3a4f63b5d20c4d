// Every exported verification and helper function rejects a missing or wrongly typed argument
// with a TypeError (code `invalid_argument`) whose message names the argument and the expected
// JS type — never a Rust or napi type name. No server: every check happens before any I/O.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  JwksCache,
  verifyGrantToken,
  verifyWebhook,
  verifyWebhookSignature,
  verifyAuditChain,
  deriveIssuer,
  generatePkce,
} from '@grantex/sdk';
import { packageDir } from './helpers/server.mjs';

// Words that only a Rust or napi message would contain.
const RUST_CASE_SENSITIVE = /\b(String|Option|Vec|Either|Unknown|Array<|Object<)\b|&str|\b[iuf](8|16|32|64|128|size)\b|\bstruct\b|::/;
const RUST_ANY_CASE = /napi|rust|sequence|unit value/i;

function assertNoRustism(message) {
  assert.doesNotMatch(message, RUST_CASE_SENSITIVE, message);
  assert.doesNotMatch(message, RUST_ANY_CASE, message);
}

/** `e` is the SDK's argument error, names `argument` and the expected type, and no Rust type. */
function argumentError(argument, expected) {
  return (e) => {
    assert.ok(e instanceof TypeError, `${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.code, 'invalid_argument', e.message);
    assert.ok(e.message.includes(argument), `"${e.message}" does not name ${argument}`);
    assert.match(e.message, expected);
    assertNoRustism(e.message);
    return true;
  };
}

const jwksUri = 'http://127.0.0.1:9/.well-known/jwks.json';
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const cache = JwksCache.fromJson({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] });

test('verifyGrantToken: token and each option are checked by name', async () => {
  const cases = [
    [[undefined, { jwksUri }], 'token', /must be a string.*got undefined/],
    [[42, { jwksUri }], 'token', /must be a string.*got a number \(42\)/],
    [[{ token: 't' }, { jwksUri }], 'token', /must be a string.*got an object/],
    [['t'], 'options', /must be an object.*got undefined/],
    [['t', jwksUri], 'options', /must be an object.*got a string/],
    [['t', null], 'options', /got null/],
    [['t', {}], 'options.jwksUri', /must be a string.*got undefined/],
    [['t', { jwksUri: 5 }], 'options.jwksUri', /must be a string.*got a number/],
    [['t', { jwks: { keys: [] } }], 'options.jwks', /must be a JwksCache.*got an object/],
    [['t', { jwksUri, audience: 5 }], 'options.audience', /must be a string, got a number \(5\)/],
    [['t', { jwksUri, issuer: ['i'] }], 'options.issuer', /must be a string, got an array/],
    [['t', { jwksUri, expectedDeveloperId: 1 }], 'options.expectedDeveloperId', /must be a string/],
    [['t', { jwksUri, requiredScopes: 'read' }], 'options.requiredScopes', /must be an array of strings, got a string/],
    [['t', { jwksUri, requiredScopes: ['read', 5] }], 'options.requiredScopes[1]', /must be a string, got a number \(5\)/],
    [['t', { jwksUri, clockTolerance: '5' }], 'options.clockTolerance', /must be a number, got a string/],
    [['t', { jwksUri, maxDelegationDepth: true }], 'options.maxDelegationDepth', /must be a number, got a boolean/],
    [['t', { jwksUri, now: '1700000000' }], 'options.now', /must be a number of Unix seconds or a Date, got a string/],
    [['t', { jwksUri, currentDate: 1700000000 }], 'options.currentDate', /must be a Date, got a number/],
    [['t', { jwksUri, currentDate: new Date(NaN) }], 'options.currentDate', /invalid Date/],
  ];
  for (const [args, argument, expected] of cases) {
    await assert.rejects(verifyGrantToken(...args), argumentError(argument, expected), `${argument}: ${expected}`);
  }
});

test('JwksCache: factories and verify/verifyCached name their arguments', async () => {
  for (const bad of [undefined, null, 5, ['k']]) {
    assert.throws(() => JwksCache.fromJson(bad), argumentError('jwks', /must be JWKS JSON text \(a string\) or a JWKS object/));
  }
  assert.throws(() => JwksCache.remote(), argumentError('jwksUri', /must be a string \(the JWKS URL\), got undefined/));
  assert.throws(() => JwksCache.shared(5), argumentError('jwksUri', /must be a string \(the JWKS URL\), got a number/));
  await assert.rejects(cache.verify(undefined), argumentError('token', /must be a string.*got undefined/));
  await assert.rejects(cache.verify('t', 'issuer'), argumentError('options', /must be an object, got a string/));
  assert.throws(() => cache.verifyCached(7), argumentError('token', /got a number \(7\)/));
  assert.throws(() => cache.verifyCached('t', { issuer: 'i', audience: 5 }), argumentError('options.audience', /must be a string/));
  assert.throws(() => cache.verifyCached('t', { issuer: 'i', requiredScopes: [null] }), argumentError('options.requiredScopes[0]', /got null/));
  assert.throws(() => new JwksCache({}), argumentError('JwksCache.fromJson', /JwksCache\.remote/));
});

test('verifyWebhook and verifyWebhookSignature name the argument the caller got wrong', () => {
  const good = { payload: 'body', signature: 'sha256=00', timestamp: '1', secret: 'whsec' };
  assert.throws(() => verifyWebhook(), argumentError('options', /must be an object.*got undefined/));
  assert.throws(() => verifyWebhook('body', 'sig', 'secret'), argumentError('options', /got a string/));
  assert.throws(() => verifyWebhook(Buffer.from('body')), argumentError('options', /got a Buffer/));
  assert.throws(() => verifyWebhook({ ...good, payload: undefined }), argumentError('options.payload', /must be a string, Buffer or Uint8Array/));
  assert.throws(() => verifyWebhook({ ...good, payload: { a: 1 } }), argumentError('options.payload', /got an object/));
  assert.throws(() => verifyWebhook({ ...good, secret: undefined }), argumentError('options.secret', /must be a string.*got undefined/));
  assert.throws(() => verifyWebhook({ ...good, secret: Buffer.from('k') }), argumentError('options.secret', /got a Buffer/));
  assert.throws(() => verifyWebhook({ ...good, toleranceSeconds: '300' }), argumentError('options.toleranceSeconds', /must be a number/));
  assert.throws(() => verifyWebhook({ ...good, toleranceSeconds: NaN }), argumentError('options.toleranceSeconds', /non-negative/));
  assert.throws(() => verifyWebhook({ ...good, now: '1' }), argumentError('options.now', /must be a finite number/));
  // Request headers are data, not arguments: absent means "not signed", so false.
  assert.equal(verifyWebhook({ ...good, signature: undefined }), false);
  assert.equal(verifyWebhook({ ...good, timestamp: undefined }), false);

  assert.throws(() => verifyWebhookSignature(), argumentError('payload', /got undefined/));
  assert.throws(() => verifyWebhookSignature(42, 'sig', 'k'), argumentError('payload', /got a number \(42\)/));
  assert.throws(() => verifyWebhookSignature('body', 'sig'), argumentError('secret', /must be a string.*got undefined/));
  assert.equal(verifyWebhookSignature('body', undefined, 'k'), false);
});

test('verifyAuditChain names the entry that is wrong', () => {
  const entry = {
    entryId: 'aud_1',
    agentId: 'ag_1',
    agentDid: 'did:grantex:ag_1',
    grantId: 'grnt_1',
    principalId: 'usr_1',
    action: 'a',
    metadata: {},
    hash: '0'.repeat(64),
    prevHash: null,
    timestamp: '2026-01-01T00:00:00.000Z',
    status: 'success',
  };
  assert.equal(verifyAuditChain([entry]).checkedEntries, 1);
  assert.equal(verifyAuditChain({ entries: [entry] }).checkedEntries, 1, 'audit.list() result');
  for (const bad of [undefined, 'entries', 5, {}]) {
    assert.throws(() => verifyAuditChain(bad), argumentError('entries', /must be an array of audit entries/));
  }
  assert.throws(() => verifyAuditChain([entry, 'x']), argumentError('entries[1]', /must be an audit entry object, got a string/));
  assert.throws(() => verifyAuditChain([entry, null]), argumentError('entries[1]', /got null/));
  assert.throws(() => verifyAuditChain([{ ...entry, hash: undefined }]), argumentError('entries[0]', /missing field `hash`/));
  assert.throws(() => verifyAuditChain([entry, { ...entry, entryId: 5 }]), argumentError('entries[1]', /expected a string/));
});

test('deriveIssuer and generatePkce', () => {
  assert.throws(() => deriveIssuer(), argumentError('jwksUri', /must be a string \(the JWKS URL\), got undefined/));
  assert.throws(() => deriveIssuer(new URL(jwksUri)), argumentError('jwksUri', /got a URL/));
  assert.equal(deriveIssuer(jwksUri), 'http://127.0.0.1:9');
  // generatePkce takes no arguments; the pair it returns does not depend on them.
  assert.match(generatePkce().codeVerifier, /^[A-Za-z0-9_-]{43}$/);
});

test("the addon's own conversion failures are reworded in JS terms", () => {
  // Any path that reaches the addon unchecked still reports JS types, never Rust ones.
  const require = createRequire(path.join(packageDir, 'package.json'));
  const native = require('./lib/native.cjs');
  const { fromNative } = require('./lib/errors.cjs');
  const cases = [
    [() => native.deriveIssuer(undefined), /expected a string, got undefined/],
    [() => native.NativeJwks.remote(42), /expected a string, got a number \(42\)/],
    [() => native.verifyWebhookSignature(5, 's', 'k'), /expected a string or a Buffer or Uint8Array/],
    [() => native.verifyWebhook(Buffer.from('b'), 's', 't', 'k', 'x'), /expected a number, got a string/],
  ];
  for (const [call, expected] of cases) {
    let raw;
    try {
      call();
    } catch (e) {
      raw = e;
    }
    assert.ok(raw instanceof Error, `${expected}: the addon accepted it`);
    const mapped = fromNative(raw);
    assert.ok(mapped instanceof TypeError, mapped.message);
    assert.equal(mapped.code, 'invalid_argument');
    assert.match(mapped.message, expected);
    assertNoRustism(mapped.message);
  }
});
