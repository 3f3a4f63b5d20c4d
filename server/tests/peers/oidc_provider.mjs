// A real OpenID provider for the SSO tests: oidc-provider (node_modules from
// scripts/lib/peer-oidc.sh, passed as argv[2]) on a loopback port, with devInteractions (its own
// login and consent pages), PKCE required, confidential clients (client_secret_basic) whose
// redirect URI is the test server's callback, and the claims email, email_verified, name and
// groups (read from /me: oidc-provider keeps the ID token minimal).
//
// Usage: node oidc_provider.mjs <node_modules dir> <redirect_uri> [<redirect_uri> ...]
// Prints "listening <issuer>" on stdout once it accepts connections.
//
// Accounts: any login is accepted. The login is the e-mail address when it contains '@'
// ("nomail" has none); a login starting with "unverified" has email_verified=false; groups are
// ["eng"] unless the login starts with "ops" (["ops"]).
//
// Test-only tampering: the provider sits behind a small proxy that re-signs the ID token of a
// /token answer according to the client that asked (client id "rp-<mode>"):
//   rp-nonce        nonce replaced
//   rp-aud          audience replaced
//   rp-expired      exp and iat an hour in the past
//   rp-unpublished  signed with a key the provider does not publish (kid "unpublished")
// Client "rp" (and "rp2", "rp3": other developers' clients) are left alone.
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, ...redirects] = process.argv.slice(2);
if (!modules || redirects.length === 0) {
  console.error('usage: oidc_provider.mjs <node_modules> <redirect_uri>...');
  process.exit(2);
}
const load = (name, file) => import(pathToFileURL(path.join(modules, name, file)).href);
const { default: Provider } = await load('oidc-provider', 'lib/index.js');
const jose = await load('jose', 'dist/webapi/index.js');

const mkKey = async (kid) => {
  const { privateKey } = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await jose.exportJWK(privateKey);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' };
};
const signing = await mkKey('op-key-1');
const unpublished = await mkKey('unpublished');

// The outer (public) server listens first so the issuer carries its port.
const outer = http.createServer();
await new Promise((ok) => outer.listen(0, '127.0.0.1', ok));
const issuer = `http://127.0.0.1:${outer.address().port}`;

const MODES = ['nonce', 'aud', 'expired', 'unpublished'];
const clientIds = ['rp', 'rp2', 'rp3', ...MODES.map((m) => `rp-${m}`)];
const provider = new Provider(issuer, {
  clients: clientIds.map((client_id) => ({
    client_id,
    client_secret: 'rp-secret',
    redirect_uris: redirects,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [signing] },
  pkce: { required: () => true },
  cookies: { keys: ['test-cookie-key'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: true } },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => {
      const c = { sub: id, name: `User ${id}` };
      if (id.includes('@')) {
        c.email = id;
        c.email_verified = !id.startsWith('unverified');
      }
      c.groups = id.startsWith('ops') ? ['ops'] : ['eng'];
      return c;
    },
  }),
});
provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error', err));
// Test-only: a registered redirect URI ending in "/*" allows one more path segment below it
// (the server's per-connection callbacks, whose ids exist only after the provider starts).
const exactRedirect = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
  if (exactRedirect.call(this, value)) return true;
  return this.redirectUris.some((r) => {
    if (!r.endsWith('/*')) return false;
    const rest = value.startsWith(r.slice(0, -1)) ? value.slice(r.length - 1) : '';
    return /^[A-Za-z0-9_-]+$/.test(rest);
  });
};

const inner = http.createServer(provider.callback());
await new Promise((ok) => inner.listen(0, '127.0.0.1', ok));
const innerPort = inner.address().port;

const clientOf = (req) => {
  const h = req.headers.authorization || '';
  if (!h.startsWith('Basic ')) return '';
  const dec = Buffer.from(h.slice(6), 'base64').toString();
  return decodeURIComponent(dec.split(':')[0] || '');
};

async function tamper(mode, body) {
  const data = JSON.parse(body);
  if (!data.id_token) return body;
  const claims = jose.decodeJwt(data.id_token);
  let key = signing;
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'nonce') claims.nonce = 'tampered-nonce';
  if (mode === 'aud') claims.aud = 'someone-else';
  if (mode === 'expired') {
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  }
  if (mode === 'unpublished') key = unpublished;
  const priv = await jose.importJWK(key, 'RS256');
  data.id_token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .sign(priv);
  return JSON.stringify(data);
}

outer.on('request', (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const fwd = http.request(
      { host: '127.0.0.1', port: innerPort, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        const parts = [];
        up.on('data', (c) => parts.push(c));
        up.on('end', async () => {
          let body = Buffer.concat(parts);
          const headers = { ...up.headers };
          const client = clientOf(req);
          const mode = client.startsWith('rp-') ? client.slice(3) : '';
          if (req.method === 'POST' && req.url.startsWith('/token') && up.statusCode === 200 && MODES.includes(mode)) {
            body = Buffer.from(await tamper(mode, body.toString()));
            delete headers['content-length'];
            delete headers['etag'];
          }
          headers['content-length'] = String(body.length);
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode, headers);
          res.end(body);
        });
      },
    );
    fwd.on('error', (e) => {
      res.writeHead(502);
      res.end(String(e));
    });
    fwd.end(Buffer.concat(chunks));
  });
});

console.log(`listening ${issuer}`);
