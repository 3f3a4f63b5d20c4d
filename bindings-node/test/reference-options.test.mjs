// The reference's remaining verify options (issue 13) against a real grantex-server's tokens:
// legacyClaims: false (standard claims only, typ at+jwt), proofJkt / requireProofOfPossession
// (cnf.jkt) and issuerDid (did:web, the server standing in for the DID's host in the explicit
// development mode); and this SDK's dpop option: the server binds an agent's tokens to its
// registered key, and DPoP proofs made with it pass (checked independently by node:crypto).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import {
  Grantex, verifyGrantToken, GrantexTokenError, GrantexConfigError,
  generateDpopJwk, dpopPublicJwk, jwkThumbprint, createDpopProof,
} from '@grantex/sdk';
import { startServer } from './helpers/server.mjs';

const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
let server;
let gx;

before(async () => {
  server = await startServer();
  gx = new Grantex({ apiKey: server.apiKey, baseUrl: server.baseUrl, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
});

async function rootGrant() {
  const agent = await gx.agents.register({ name: 'ref-root', scopes: ['calendar:read', 'calendar:write'] });
  const auth = await gx.authorize({ agentId: agent.agentId, userId: 'node_ref', scopes: ['calendar:read', 'calendar:write'] });
  const code = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  return { agent, token: await gx.tokens.exchange({ code, agentId: agent.agentId }) };
}

const segment = (token, i) => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString());
const code = (c) => (e) => e instanceof GrantexTokenError && e.code === c;

test('legacyClaims: false reads the server’s standard layout and its act chain', async () => {
  const { agent, token } = await rootGrant();
  const sub = await gx.agents.register({ name: 'ref-sub', scopes: ['calendar:read'] });
  const child = await gx.grants.delegate({ parentGrantToken: token.grantToken, subAgentId: sub.agentId, scopes: ['calendar:read'] });
  assert.equal(segment(child.grantToken, 0).typ, 'at+jwt');
  assert.deepEqual(segment(child.grantToken, 1).act, { sub: agent.did });
  const g = await verifyGrantToken(child.grantToken, { jwksUri: server.jwksUri, legacyClaims: false });
  assert.deepEqual([g.agentDid, g.parentAgentDid, g.delegationDepth], [sub.did, agent.did, 1]);
  assert.deepEqual(g.legacyClaimsUsed, []);
  assert.deepEqual(g, await verifyGrantToken(child.grantToken, { jwksUri: server.jwksUri }));
});

test('proofJkt / requireProofOfPossession fail closed on an unbound token', async () => {
  const { token } = await rootGrant();
  const opts = { jwksUri: server.jwksUri };
  assert.equal((await verifyGrantToken(token.grantToken, opts)).cnf, undefined);
  await assert.rejects(verifyGrantToken(token.grantToken, { ...opts, proofJkt: JKT }), code('not_key_bound'));
  await assert.rejects(verifyGrantToken(token.grantToken, { ...opts, requireProofOfPossession: true }), code('proof_required'));
});

test('issuerDid reads the keys at the DID’s location', async () => {
  const { token } = await rootGrant();
  const port = new URL(server.baseUrl).port;
  const did = `did:web:localhost%3A${port}`;
  process.env.GRANTEX_DID_WEB_ALLOW_LOCALHOST = '1';
  try {
    // No jwksUri: the DID names where the keys are; the issuer is this server's own URL.
    const g = await verifyGrantToken(token.grantToken, { issuerDid: did, issuer: server.issuer });
    assert.equal(g.grantId, token.grantId);
    // A jwksUri elsewhere is not used: the DID is the trust anchor.
    const elsewhere = { jwksUri: 'http://127.0.0.1:9/.well-known/jwks.json', issuerDid: did, issuer: server.issuer };
    assert.equal((await verifyGrantToken(token.grantToken, elsewhere)).grantId, token.grantId);
    // Without an explicit issuer the DID's location is expected, which these tokens do not name.
    await assert.rejects(verifyGrantToken(token.grantToken, { issuerDid: did }), code('wrong_issuer'));
  } finally {
    delete process.env.GRANTEX_DID_WEB_ALLOW_LOCALHOST;
  }
  // Outside the development mode a local host is refused before anything is fetched.
  await assert.rejects(verifyGrantToken(token.grantToken, { issuerDid: did }), (e) => e instanceof GrantexConfigError && /issuer_?did/i.test(e.message));
});

test('an agent key binds its tokens to DPoP proofs (dpop option)', async () => {
  const key = generateDpopJwk();
  assert.equal(typeof key.d, 'string');
  const publicJwk = dpopPublicJwk(key);
  assert.equal(publicJwk.d, undefined);
  const agent = await gx.agents.register({ name: 'ref-dpop', scopes: ['calendar:read'], publicJwk });
  const auth = await gx.authorize({ agentId: agent.agentId, userId: 'node_ref', scopes: ['calendar:read'] });
  const code0 = auth.code ?? (await gx.consent.approve(auth.authRequestId)).code;
  const tok = (await gx.tokens.exchange({ code: code0, agentId: agent.agentId })).grantToken;
  const jkt = jwkThumbprint(key);
  assert.equal(jkt, jwkThumbprint(JSON.stringify(publicJwk)));
  assert.deepEqual(segment(tok, 1).cnf, { jkt });

  const url = 'https://tools.example.com/v1/calendar/events?week=1';
  const proof = createDpopProof(key, 'GET', url, tok);
  // A standard ES256 JWS: node:crypto verifies it with the key in its header.
  const [h, b, sig] = proof.split('.');
  const header = segment(proof, 0);
  assert.deepEqual([header.typ, header.alg], ['dpop+jwt', 'ES256']);
  const pub = createPublicKey({ key: header.jwk, format: 'jwk' });
  assert.ok(cryptoVerify('sha256', Buffer.from(`${h}.${b}`), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url')));
  assert.equal(segment(proof, 1).htu, 'https://tools.example.com/v1/calendar/events');

  const opts = (p, method = 'GET') => ({ jwksUri: server.jwksUri, requireProofOfPossession: true, dpop: { proof: p, method, url } });
  assert.deepEqual((await verifyGrantToken(tok, opts(proof))).cnf, { jkt });
  await assert.rejects(verifyGrantToken(tok, opts(proof)), code('invalid_proof'), 'a replay');
  await assert.rejects(verifyGrantToken(tok, opts(createDpopProof(key, 'GET', url, tok), 'POST')), code('invalid_proof'));
  await assert.rejects(verifyGrantToken(tok, opts(createDpopProof(key, 'GET', url, 'another'))), code('invalid_proof'));
  await assert.rejects(verifyGrantToken(tok, opts(createDpopProof(generateDpopJwk(), 'GET', url, tok))), code('proof_mismatch'));
  await assert.rejects(
    verifyGrantToken(tok, { jwksUri: server.jwksUri, dpop: { proof, method: 'GET' } }),
    (e) => e instanceof GrantexConfigError,
  );
  assert.throws(() => createDpopProof({ kty: 'EC' }, 'GET', url), (e) => e instanceof TypeError && e.code === 'invalid_argument');
  assert.throws(() => createDpopProof(key, 7, url), TypeError);
});
