"""The reference's remaining verify options (issue 13) against the real server's tokens:
``legacy_claims=False`` (standard claims only, ``typ: at+jwt``), ``proof_jkt`` /
``require_proof_of_possession`` (``cnf.jkt``) and ``issuer_did`` (did:web, with the server
standing in for the DID's host in the explicit development mode)."""

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
