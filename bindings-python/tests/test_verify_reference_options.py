"""The reference's remaining verify options (issue 13) against the real server's tokens:
``legacy_claims=False`` (standard claims only, ``typ: at+jwt``), ``proof_jkt`` /
``require_proof_of_possession`` (``cnf.jkt``) and ``issuer_did`` (did:web, with the server
standing in for the DID's host in the explicit development mode); and this SDK's ``dpop``: the
server binds an agent's tokens to its registered key, and a DPoP proof made with that key
passes."""

from __future__ import annotations

import json
import os
from base64 import urlsafe_b64decode
from typing import Any, Dict, Iterator

import pytest

import grantex
from grantex import GrantexTokenError, VerifyGrantTokenOptions

from conftest import issue_token

JKT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def _segment(token: str, i: int) -> Dict[str, Any]:
    seg = token.split(".")[i]
    return json.loads(urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def _code(token: str, opts: VerifyGrantTokenOptions) -> str:
    with pytest.raises(GrantexTokenError) as e:
        grantex.verify_grant_token(token, opts)
    return str(e.value.code)


def test_standard_claims_only_reads_the_servers_tokens_and_their_act_chain(client: grantex.Grantex) -> None:
    agent, root = issue_token(client, scopes=("calendar:read", "calendar:write"))
    sub = client.agents.register(name="sub", scopes=["calendar:read"], description="pytest")
    child = client.grants.delegate(parent_grant_token=root.grant_token, sub_agent_id=sub.id, scopes=["calendar:read"])
    assert _segment(child.grant_token, 0)["typ"] == "at+jwt"
    assert _segment(child.grant_token, 1)["act"] == {"sub": agent.did}
    standard = VerifyGrantTokenOptions(client.jwks_uri, legacy_claims=False)
    g = grantex.verify_grant_token(child.grant_token, standard)
    assert (g.agent_did, g.parent_agent_did, g.delegation_depth) == (sub.did, agent.did, 1)
    assert not g.legacy_claims_used
    # The same grant as the default (both layouts, which agree).
    assert g == grantex.verify_grant_token(child.grant_token, VerifyGrantTokenOptions(client.jwks_uri))


def test_proof_of_possession_fails_closed_on_an_unbound_token(client: grantex.Grantex) -> None:
    _, tok = issue_token(client)
    assert grantex.verify_grant_token(tok.grant_token, VerifyGrantTokenOptions(client.jwks_uri)).cnf is None
    assert _code(tok.grant_token, VerifyGrantTokenOptions(client.jwks_uri, proof_jkt=JKT)) == "not_key_bound"
    required = VerifyGrantTokenOptions(client.jwks_uri, require_proof_of_possession=True)
    assert _code(tok.grant_token, required) == "proof_required"


@pytest.fixture
def localhost_dids() -> Iterator[None]:
    os.environ["GRANTEX_DID_WEB_ALLOW_LOCALHOST"] = "1"
    yield
    del os.environ["GRANTEX_DID_WEB_ALLOW_LOCALHOST"]


def test_a_did_web_issuer_reads_the_keys_at_the_dids_location(
    client: grantex.Grantex, server: Dict[str, Any], localhost_dids: None
) -> None:
    _, tok = issue_token(client)
    port = server["baseUrl"].rstrip("/").rsplit(":", 1)[1]
    did = f"did:web:localhost%3A{port}"
    # No jwks_uri: the DID names where the keys are; the issuer is this server's own URL.
    opts = VerifyGrantTokenOptions(issuer_did=did, issuer=server["issuer"])
    assert grantex.verify_grant_token(tok.grant_token, opts).grant_id == tok.grant_id
    # A jwks_uri elsewhere is not used: the DID is the trust anchor.
    elsewhere = VerifyGrantTokenOptions("http://127.0.0.1:9/.well-known/jwks.json", issuer_did=did, issuer=server["issuer"])
    assert grantex.verify_grant_token(tok.grant_token, elsewhere).grant_id == tok.grant_id
    # Without an explicit issuer the DID's location is expected, which these tokens do not name.
    assert _code(tok.grant_token, VerifyGrantTokenOptions(issuer_did=did)) == "wrong_issuer"


def test_a_did_web_issuer_naming_a_private_host_is_refused_before_any_fetch() -> None:
    for did in ("did:web:localhost%3A8080", "did:web:10.0.0.1", "did:web:corp.internal", "did:key:z6Mk"):
        with pytest.raises(grantex.GrantexConfigError, match="issuer_did"):
            VerifyGrantTokenOptions(issuer_did=did)


def _b64(seg: str) -> bytes:
    return urlsafe_b64decode(seg + "=" * (-len(seg) % 4))


def test_an_agent_key_binds_its_tokens_to_dpop_proofs(client: grantex.Grantex) -> None:
    key = grantex.generate_dpop_jwk()
    public = json.loads(grantex.dpop_public_jwk(key))
    assert "d" not in public and "d" in json.loads(key)
    agent = client.agents.register(name="dpop-agent", scopes=["calendar:read"], description="pytest", public_jwk=public)
    auth = client.authorize(agent_id=agent.id, user_id="user_test", scopes=["calendar:read"])
    code = auth.code or client.consent.approve(auth.request_id).code
    tok = client.tokens.exchange(grantex.ExchangeTokenParams(code=code, agent_id=agent.id)).grant_token
    jkt = grantex.jwk_thumbprint(key)
    assert _segment(tok, 1)["cnf"] == {"jkt": jkt} and grantex.jwk_thumbprint(json.dumps(public)) == jkt

    url = "https://tools.example.com/v1/calendar/events?week=1"
    proof = grantex.create_dpop_proof(key, "GET", url, tok)

    # The proof is a standard ES256 JWS: an independent implementation verifies it.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    head, body, sig = proof.split(".")
    header = json.loads(_b64(head))
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    pub = ec.EllipticCurvePublicNumbers(
        int.from_bytes(_b64(header["jwk"]["x"]), "big"), int.from_bytes(_b64(header["jwk"]["y"]), "big"), ec.SECP256R1()
    ).public_key()
    raw = _b64(sig)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    pub.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    claims = json.loads(_b64(body))
    assert claims["htm"] == "GET" and claims["htu"] == "https://tools.example.com/v1/calendar/events"

    def opts(p: str, method: str = "GET") -> VerifyGrantTokenOptions:
        return VerifyGrantTokenOptions(
            client.jwks_uri, require_proof_of_possession=True, dpop={"proof": p, "method": method, "url": url}
        )

    assert grantex.verify_grant_token(tok, opts(proof)).cnf == {"jkt": jkt}
    assert _code(tok, opts(proof)) == "invalid_proof"  # replayed
    assert _code(tok, opts(grantex.create_dpop_proof(key, "GET", url, tok), "POST")) == "invalid_proof"
    assert _code(tok, opts(grantex.create_dpop_proof(key, "GET", url, "another-token"))) == "invalid_proof"
    thief = grantex.generate_dpop_jwk()
    assert _code(tok, opts(grantex.create_dpop_proof(thief, "GET", url, tok))) == "proof_mismatch"
    with pytest.raises(grantex.GrantexConfigError):
        VerifyGrantTokenOptions(client.jwks_uri, dpop={"proof": proof, "method": "GET"})
    with pytest.raises(grantex.GrantexInvalidArgumentError):
        grantex.create_dpop_proof('{"kty":"EC"}', "GET", url)


def test_async_verification_checks_dpop_proofs_too(client: grantex.Grantex) -> None:
    import asyncio

    key = grantex.generate_dpop_jwk()
    agent = client.agents.register(
        name="dpop-agent", scopes=["calendar:read"], description="pytest", public_jwk=json.loads(grantex.dpop_public_jwk(key))
    )
    auth = client.authorize(agent_id=agent.id, user_id="user_test", scopes=["calendar:read"])
    code = auth.code or client.consent.approve(auth.request_id).code
    tok = client.tokens.exchange(grantex.ExchangeTokenParams(code=code, agent_id=agent.id)).grant_token
    url = "https://tools.example.com/v1/calendar/events"
    opts = VerifyGrantTokenOptions(
        client.jwks_uri, dpop={"proof": grantex.create_dpop_proof(key, "POST", url, tok), "method": "POST", "url": url}
    )

    async def twice() -> None:
        assert (await grantex.averify_grant_token(tok, opts)).cnf == {"jkt": grantex.jwk_thumbprint(key)}
        with pytest.raises(GrantexTokenError) as e:
            await grantex.averify_grant_token(tok, opts)
        assert e.value.code == "invalid_proof"

    asyncio.run(twice())
