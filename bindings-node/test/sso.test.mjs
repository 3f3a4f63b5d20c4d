// Single sign-on through the `sso` namespace against a real grantex-server and a real OpenID
// provider (npm `oidc-provider`, run by server/tests/peers/oidc_provider.mjs), with the reference
// SDK's signatures: connections, `getLoginUrl(org, domain?)`, the provider's login and consent
// walked headless, `handleOidcCallback({ code, state })` opening a session whose token works on
// the principal routes, sessions listed and revoked, enforcement, the legacy config.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Grantex, GrantexApiError } from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let server;
let op;
let issuer;

before(async () => {
  server = await startServer();
  const modules = execFileSync('bash', [path.join(ROOT, 'scripts/lib/peer-oidc.sh')], { encoding: 'utf8' }).trim();
  op = spawn('node', [path.join(ROOT, 'server/tests/peers/oidc_provider.mjs'), modules, `${server.baseUrl}/sso/callback/oidc`,
    `${server.baseUrl}/sso/callback/oidc/*`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines = createInterface({ input: op.stdout });
  const first = await new Promise((ok, fail) => {
    lines.once('line', ok);
    op.once('exit', (code) => fail(new Error(`oidc-provider exited with ${code}`)));
  });
  lines.on('line', () => {}); // keep draining its log
  assert.match(first, /^listening /);
  issuer = first.slice('listening '.length);
});

after(async () => {
  op?.kill();
  await server?.stop();
});

/** The provider's login and consent as `login`, like a browser; the callback's query. */
async function walk(authorizeUrl, login) {
  const jar = new Map();
  const send = async (url, form) => {
    const headers = { accept: 'text/html', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
    const init = { redirect: 'manual', headers };
    if (form) {
      init.method = 'POST';
      init.body = new URLSearchParams(form);
    }
    const r = await fetch(url, init);
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const [k, v] = [pair.slice(0, i), pair.slice(i + 1)];
      if (v) jar.set(k, v);
      else jar.delete(k);
    }
    return { status: r.status, location: r.headers.get('location'), text: await r.text() };
  };
  let next = authorizeUrl;
  for (let i = 0; i < 12; i++) {
    const p = await send(next);
    assert.equal(p.status, 303, `at ${next}: ${p.text.slice(0, 300)}`);
    const loc = new URL(p.location, next).href;
    if (!loc.startsWith(issuer)) return Object.fromEntries(new URL(loc).searchParams);
    if (loc.includes('/interaction/')) {
      const page = await send(loc);
      const form = page.text.includes('name="login"') ? { prompt: 'login', login, password: 'pw' } : { prompt: 'consent' };
      const q = await send(loc, form);
      assert.equal(q.status, 303, `interaction ${loc}: ${q.text.slice(0, 300)}`);
      next = new URL(q.location, loc).href;
    } else {
      next = loc;
    }
  }
  throw new Error('the provider never redirected back');
}

async function fresh(name) {
  const account = await Grantex.signup({ name, mode: 'live' }, { baseUrl: server.baseUrl });
  return [new Grantex({ apiKey: account.apiKey, baseUrl: server.baseUrl, maxRetries: 0 }), account.developerId];
}

test('OIDC login through the SDK: connection, login URL, callback, sessions, enforcement', async () => {
  const [dev, org] = await fresh('sso');
  const conn = await dev.sso.createConnection({
    name: 'Corp IdP',
    protocol: 'oidc',
    issuerUrl: issuer,
    clientId: 'rp',
    clientSecret: 'rp-secret',
    domains: ['corp.example'],
    groupMappings: { eng: ['calendar:read'] },
    defaultScopes: ['profile:read'],
  });
  assert.equal(conn.protocol, 'oidc');
  assert.equal('clientSecret' in conn, false, 'write-only');
  const tested = await dev.sso.testConnection(conn.id);
  assert.equal(tested.success, true);
  assert.equal(tested.issuer, issuer);

  const login = await dev.sso.getLoginUrl(org, 'corp.example');
  assert.deepEqual([login.protocol, login.connectionId], ['oidc', conn.id]);
  const back = await walk(login.authorizeUrl, 'Gina@corp.example');
  const result = await dev.sso.handleOidcCallback({ code: back.code, state: back.state });
  assert.deepEqual([result.developerId, result.principalId, result.email], [org, 'gina@corp.example', 'Gina@corp.example']);
  assert.deepEqual(result.mappedScopes, ['profile:read']);
  await assert.rejects(dev.sso.handleOidcCallback({ code: back.code, state: back.state }), (e) => e instanceof GrantexApiError && e.statusCode === 400);

  const grants = await fetch(`${server.baseUrl}/v1/principal/grants`, { headers: { authorization: `Bearer ${result.sessionToken}` } });
  assert.equal(grants.status, 200);
  const sessions = await dev.sso.listSessions();
  assert.deepEqual(sessions.sessions.map((s) => s.id), [result.sessionId]);

  const outsider = await walk((await dev.sso.getLoginUrl(org)).authorizeUrl, 'mallory@elsewhere.example');
  await assert.rejects(dev.sso.handleOidcCallback({ code: outsider.code, state: outsider.state }), (e) => {
    assert.equal(e.statusCode, 403);
    assert.equal(e.code, 'SSO_DOMAIN_NOT_ALLOWED');
    return true;
  });

  assert.equal((await dev.sso.updateConnection(conn.id, { name: 'Corp IdP (prod)' })).name, 'Corp IdP (prod)');
  assert.equal((await dev.sso.setEnforcement({ enforce: true })).enforce, true);
  assert.equal((await dev.sso.setEnforcement({ enforce: false })).enforce, false);
  await dev.sso.revokeSession(result.sessionId);
  assert.deepEqual((await dev.sso.listSessions()).sessions, []);
  const after = await fetch(`${server.baseUrl}/v1/principal/grants`, { headers: { authorization: `Bearer ${result.sessionToken}` } });
  assert.equal(after.status, 401);
  await dev.sso.deleteConnection(conn.id);
  await assert.rejects(dev.sso.getConnection(conn.id), (e) => e instanceof GrantexApiError && e.statusCode === 404);
});

test('the legacy single config', async () => {
  const [dev] = await fresh('sso-legacy');
  const cfg = await dev.sso.createConfig({
    issuerUrl: issuer,
    clientId: 'rp',
    clientSecret: 'rp-secret',
    redirectUri: `${server.baseUrl}/sso/callback/oidc`,
  });
  assert.deepEqual([cfg.issuerUrl, cfg.clientId], [issuer, 'rp']);
  assert.equal('clientSecret' in (await dev.sso.getConfig()), false);
  await dev.sso.deleteConfig();
  await assert.rejects(dev.sso.getConfig(), (e) => e instanceof GrantexApiError && e.statusCode === 404);
});
