// Every error class, mapped from the core in lib/errors.cjs, against a real server and
// loopback fakes for the failures a real server does not produce on demand.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Grantex,
  JwksCache,
  verifyGrantToken,
  TOKEN_ERROR_CODES,
  GrantexError,
  GrantexApiError,
  GrantexAuthError,
  GrantexTokenError,
  GrantexNetworkError,
  GrantexTimeoutError,
  GrantexDecodeError,
  GrantexConfigError,
} from '@grantex/sdk';
import fs from 'node:fs';
import path from 'node:path';
import { packageDir, startServer } from './helpers/server.mjs';
import { closedPort, fakeHttp } from './helpers/fake-http.mjs';

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.stop();
});

function withEnv(vars, fn) {
  const saved = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('a missing API key is a GrantexConfigError (still an Error, as in the reference SDK)', () => {
  withEnv({ GRANTEX_API_KEY: undefined }, () => {
    for (const options of [undefined, {}, { apiKey: '' }, { apiKey: '   ' }]) {
      assert.throws(
        () => new Grantex(options),
        (e) =>
          e instanceof GrantexConfigError &&
          e instanceof GrantexError &&
          e instanceof Error &&
          e.constructor === GrantexConfigError &&
          e.name === 'GrantexConfigError' &&
          e.code === 'config_error' &&
          /API key/.test(e.message) &&
          /GRANTEX_API_KEY/.test(e.message),
      );
    }
  });
});

test('every configuration error is the one GrantexConfigError class', async () => {
  const isConfig = (e) => e instanceof GrantexConfigError && e.code === 'config_error';
  assert.throws(() => new Grantex({ apiKey: 'k', baseUrl: 'ftp://example.com' }), isConfig);
  assert.throws(() => new Grantex({ apiKey: 'k', baseUrl: 'not a url' }), isConfig);
  assert.throws(() => JwksCache.remote('file:///etc/passwd'), isConfig);
  const jwks = JwksCache.fromJson(await new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl }).jwks());
  await assert.rejects(verifyGrantToken('x.y.z', { jwks }), (e) => isConfig(e) && /issuer/.test(e.message));
  await assert.rejects(
    verifyGrantToken('x.y.z', { jwksUri: server.jwksUri, issuerDid: 'did:web:127.0.0.1' }),
    (e) => isConfig(e) && /issuerDid/.test(e.message),
  );
  // Constructible like the other classes.
  const made = new GrantexConfigError('no key', { cause: new Error('why') });
  assert.equal(made.code, 'config_error');
  assert.equal(made.cause.message, 'why');
});

test('API key and base URL fall back to the environment', async () => {
  const gx = withEnv({ GRANTEX_API_KEY: ` ${server.apiKey} `, GRANTEX_BASE_URL: `${server.baseUrl}/` }, () => new Grantex());
  assert.equal(gx.baseUrl, server.baseUrl);
  assert.match((await gx.me()).developerId, /^dev_/);
});

test('GrantexApiError: status, server code, request id, rate limit and body', async () => {
  const gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  const err = await gx.agents.get('ag_does_not_exist').catch((e) => e);
  assert.ok(err instanceof GrantexApiError);
  assert.ok(err instanceof GrantexError);
  assert.ok(err instanceof Error);
  assert.ok(!(err instanceof GrantexAuthError));
  assert.equal(err.name, 'GrantexApiError');
  assert.equal(err.statusCode, 404);
  assert.equal(err.code, 'NOT_FOUND');
  assert.equal(err.message, 'Agent not found');
  assert.match(err.requestId, /\S/);
  assert.equal(err.body.code, 'NOT_FOUND');
  assert.equal(err.body.requestId, err.requestId);
  assert.equal(err.rateLimit.limit, 100000);
  assert.deepEqual(gx.lastRateLimit, err.rateLimit);
  assert.match(err.stack, /GrantexApiError: Agent not found/);
});

test('GrantexAuthError: a wrong API key says "Invalid API key"', async () => {
  // A near miss of a real key, a made-up key and one too short to be any key.
  const nearMiss = server.apiKey.slice(0, -1) + (server.apiKey.endsWith('a') ? 'b' : 'a');
  for (const apiKey of [nearMiss, 'gx_live_not_a_real_key', 'wrong']) {
    const gx = new Grantex({ apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
    const err = await gx.agents.list().catch((e) => e);
    assert.ok(err instanceof GrantexAuthError, String(err));
    assert.ok(err instanceof GrantexApiError);
    assert.equal(err.name, 'GrantexAuthError');
    assert.equal(err.statusCode, 401);
    assert.equal(err.code, 'UNAUTHORIZED');
    assert.equal(err.message, 'Invalid API key', apiKey);
    assert.doesNotMatch(err.message, /Authorization header/);
  }
});

test('API error messages say each fragment once (an empty 404 is "HTTP 404")', async () => {
  const fake = await fakeHttp((req, res) => {
    res.writeHead(404, { 'x-request-id': 'req-empty' });
    res.end();
  });
  try {
    const gx = new Grantex({ apiKey: 'k', baseUrl: fake.baseUrl, maxRetries: 0 });
    const err = await gx.agents.get('ag_1').catch((e) => e);
    assert.ok(err instanceof GrantexApiError, String(err));
    assert.equal(err.statusCode, 404);
    assert.equal(err.message, 'HTTP 404');
    assert.equal(err.requestId, 'req-empty');
    assert.equal(String(err).match(/404/g).length, 1, String(err));
  } finally {
    await fake.close();
  }
});

test('signup errors are API errors carrying the server message', async () => {
  await Grantex.signup({ name: 'Dup', email: 'dup@example.com' }, { baseUrl: server.baseUrl });
  const err = await Grantex.signup({ name: 'Dup', email: 'dup@example.com' }, { baseUrl: server.baseUrl }).catch((e) => e);
  assert.ok(err instanceof GrantexApiError);
  assert.equal(err.statusCode, 409);
  assert.ok(err.message.length > 0);
});

test('GrantexTokenError carries the core verification code', async () => {
  const cases = [
    ['not-a-jwt', 'malformed'],
    ['a'.repeat(20000), 'too_large'],
  ];
  for (const [token, code] of cases) {
    const err = await verifyGrantToken(token, { jwksUri: server.jwksUri }).catch((e) => e);
    assert.ok(err instanceof GrantexTokenError, `${code}: ${err}`);
    assert.ok(err instanceof GrantexError);
    assert.equal(err.code, code);
    assert.equal(err.name, 'GrantexTokenError');
    assert.ok(!err.message.includes(token.slice(0, 16)) || token.length < 16, 'message does not echo the token');
  }
  // The shipped TokenErrorCode type names exactly the codes the core can produce.
  const dts = fs.readFileSync(path.join(packageDir, 'lib', 'index.d.cts'), 'utf8');
  const union = dts.match(/export type TokenErrorCode =([^;]+);/)[1].match(/'([a-z_]+)'/g).map((q) => q.slice(1, -1));
  assert.deepEqual(union, [...TOKEN_ERROR_CODES]);
  assert.equal(TOKEN_ERROR_CODES.length, 31);
  assert.ok(TOKEN_ERROR_CODES.includes('bad_signature'));
  assert.ok(Object.isFrozen(TOKEN_ERROR_CODES));

  assert.throws(() => JwksCache.fromJson('{"keys": 1}'), (e) => e instanceof GrantexTokenError && e.code === 'invalid_jwks');
  const unreachable = `http://127.0.0.1:${await closedPort()}/.well-known/jwks.json`;
  const header = Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url');
  const body = Buffer.from('{"sub":"x"}').toString('base64url');
  const err = await verifyGrantToken(`${header}.${body}.c2ln`, { jwksUri: unreachable }).catch((e) => e);
  assert.ok(err instanceof GrantexTokenError);
  assert.equal(err.code, 'jwks_fetch');
});

test('GrantexNetworkError keeps the underlying cause', async () => {
  const port = await closedPort();
  const gx = new Grantex({ apiKey: 'k', baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 });
  const err = await gx.me().catch((e) => e);
  assert.ok(err instanceof GrantexNetworkError);
  assert.ok(!(err instanceof GrantexTimeoutError));
  assert.equal(err.code, 'network_error');
  assert.ok(err.cause instanceof Error);
  assert.match(err.cause.message, /refused|connect/i);
});

test('GrantexTimeoutError is a network error with code timeout; the event loop keeps running', async () => {
  const silent = await fakeHttp(() => {
    /* never answers */
  });
  try {
    const gx = new Grantex({ apiKey: 'k', baseUrl: silent.baseUrl, timeout: 300, maxRetries: 0 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = Date.now();
    const err = await gx.me().catch((e) => e);
    clearInterval(timer);
    const elapsed = Date.now() - started;
    assert.ok(err instanceof GrantexTimeoutError, String(err));
    assert.ok(err instanceof GrantexNetworkError);
    assert.equal(err.code, 'timeout');
    assert.ok(elapsed >= 250 && elapsed < 5000, `elapsed ${elapsed} ms`);
    assert.ok(ticks >= 10, `timers ran ${ticks} times while the call was pending`);
  } finally {
    await silent.close();
  }
});

test('GrantexDecodeError for a 2xx body of the wrong shape', async () => {
  const fake = await fakeHttp((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-decode' });
    res.end('{"unexpected": true}');
  });
  try {
    const gx = new Grantex({ apiKey: 'k', baseUrl: fake.baseUrl, maxRetries: 0 });
    const err = await gx.agents.get('ag_1').catch((e) => e);
    assert.ok(err instanceof GrantexDecodeError, String(err));
    assert.ok(err instanceof GrantexError);
    assert.equal(err.code, 'decode_error');
    assert.equal(err.statusCode, 200);
    assert.equal(err.requestId, 'req-decode');
  } finally {
    await fake.close();
  }
});

test('429 carries the rate limit; retries honour Retry-After and then succeed', async () => {
  let calls = 0;
  const fake = await fakeHttp((req, res) => {
    calls++;
    const headers = {
      'content-type': 'application/json',
      'x-ratelimit-limit': '10',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '42',
      'retry-after': '0',
    };
    if (req.url === '/health' && calls >= 3) {
      res.writeHead(200, { ...headers, 'x-ratelimit-remaining': '9' });
      res.end('{"status":"healthy"}');
      return;
    }
    res.writeHead(429, headers);
    res.end('{"message":"Too many requests","code":"RATE_LIMITED"}');
  });
  try {
    const once = new Grantex({ apiKey: 'k', baseUrl: fake.baseUrl, maxRetries: 0 });
    const err = await once.me().catch((e) => e);
    assert.ok(err instanceof GrantexApiError);
    assert.equal(err.statusCode, 429);
    assert.equal(err.code, 'RATE_LIMITED');
    assert.deepEqual(err.rateLimit, { limit: 10, remaining: 0, reset: 42, retryAfter: 0 });
    assert.deepEqual(once.lastRateLimit, err.rateLimit);

    calls = 1;
    const retrying = new Grantex({ apiKey: 'k', baseUrl: fake.baseUrl, maxRetries: 2 });
    assert.deepEqual(await retrying.health(), { status: 'healthy' });
    assert.equal(calls, 3, 'two 429s, then success');
    assert.equal(retrying.lastRateLimit.remaining, 9);
  } finally {
    await fake.close();
  }
});

test('bad arguments are TypeErrors with code invalid_argument', async () => {
  const gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  const isArgError = (e) => e instanceof TypeError && e.code === 'invalid_argument';
  await assert.rejects(gx.agents.get(''), isArgError);
  await assert.rejects(gx.agents.get(42), isArgError);
  await assert.rejects(gx.authorize({ userId: 'u', scopes: ['a'] }), (e) => isArgError(e) && /agentId/.test(e.message));
  await assert.rejects(gx.authorize({ agentId: 'a', userId: 'u', scopes: 'a' }), isArgError);
  await assert.rejects(gx.grants.list('status=active'), isArgError);
  await assert.rejects(verifyGrantToken('x.y.z'), isArgError);
  await assert.rejects(verifyGrantToken('x.y.z', { jwksUri: 5 }), isArgError);
  await assert.rejects(verifyGrantToken(null, { jwksUri: server.jwksUri }), isArgError);
  await assert.rejects(
    verifyGrantToken('x.y.z', { jwksUri: server.jwksUri, clockTolerance: -1 }),
    isArgError,
  );
  await assert.rejects(
    verifyGrantToken('x.y.z', { jwksUri: server.jwksUri, currentDate: new Date(NaN) }),
    isArgError,
  );
  assert.throws(() => new Grantex('key'), isArgError);
  assert.throws(() => new Grantex({ apiKey: 'k', timeout: -5 }), isArgError);
  assert.throws(() => new Grantex({ apiKey: 'k', maxRetries: 1.5 }), isArgError);
  assert.throws(() => new Grantex({ apiKey: 'k', baseUrl: 'ftp://example.com' }), (e) => e instanceof GrantexConfigError);
  // A static key set has no URI to derive the issuer from.
  const jwks = JwksCache.fromJson(await gx.jwks());
  await assert.rejects(verifyGrantToken('x.y.z', { jwks }), (e) => e instanceof GrantexConfigError);
  // A did:web issuer naming a private host is refused rather than fetched from.
  await assert.rejects(
    verifyGrantToken('x.y.z', { jwksUri: `${server.baseUrl}/.well-known/jwks.json`, issuerDid: 'did:web:printer.local' }),
    (e) => e instanceof GrantexConfigError && /issuerDid/.test(e.message),
  );
});

test('error classes are constructible and subclassable like the reference', () => {
  const api = new GrantexApiError('boom', { statusCode: 500, code: 'INTERNAL', requestId: 'r', body: { a: 1 } });
  assert.equal(api.statusCode, 500);
  assert.equal(api.code, 'INTERNAL');
  assert.equal(api.name, 'GrantexApiError');
  const tok = new GrantexTokenError('nope', 'expired');
  assert.equal(tok.code, 'expired');
  const net = new GrantexNetworkError('down', { cause: new Error('ECONNRESET') });
  // The reference SDK's positional constructors (used by mocks written against it).
  const refApi = new GrantexApiError('not found', 404, { message: 'nope' }, 'req_1');
  assert.deepEqual([refApi.statusCode, refApi.body, refApi.requestId, refApi.code], [404, { message: 'nope' }, 'req_1', 'api_error']);
  const refAuth = new GrantexAuthError('denied', 401, null);
  assert.ok(refAuth instanceof GrantexApiError);
  assert.deepEqual([refAuth.statusCode, refAuth.body, refAuth.requestId, refAuth.code], [401, null, undefined, 'auth_error']);
  const reset = new Error('ECONNRESET');
  const refNet = new GrantexNetworkError('down', reset);
  assert.equal(refNet.cause, reset);
  assert.equal(refNet.code, 'network_error');
  assert.equal(new GrantexNetworkError('down', 'socket hang up').cause, 'socket hang up');
  assert.equal(new GrantexNetworkError('down').cause, undefined);
  assert.equal(net.cause.message, 'ECONNRESET');
  class Custom extends GrantexAuthError {}
  const c = new Custom('x', { statusCode: 403 });
  assert.ok(c instanceof GrantexApiError);
  assert.equal(c.name, 'Custom');
  assert.equal(c.code, 'auth_error');
});
