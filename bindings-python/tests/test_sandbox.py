"""Sandbox tokens against the real server: a sandbox key's token carries the sandbox marker and
is refused unless the verifier opts in; a live key's token verifies by default."""

from __future__ import annotations

import pytest

import grantex
from grantex import GrantexTokenError, VerifyGrantTokenOptions

from conftest import issue_token


def test_a_sandbox_token_is_refused_unless_accepted(client: grantex.Grantex, sandbox: grantex.Grantex) -> None:
    _, token = issue_token(sandbox)
    refuse = VerifyGrantTokenOptions(jwks_uri=sandbox.jwks_uri, allow_sandbox=False)
    with pytest.raises(GrantexTokenError) as err:
        grantex.verify_grant_token(token.grant_token, refuse)
    assert err.value.code == "sandbox_token"
    accept = VerifyGrantTokenOptions(jwks_uri=sandbox.jwks_uri, allow_sandbox=True)
    assert grantex.verify_grant_token(token.grant_token, accept).grant_id == token.grant_id
    # The server accepts its own sandbox tokens online.
    assert sandbox.tokens.verify(token.grant_token).valid

    _, live = issue_token(client)
    assert grantex.verify_grant_token(live.grant_token, refuse).grant_id == live.grant_id


def test_allow_sandbox_must_be_a_bool(client: grantex.Grantex) -> None:
    options = VerifyGrantTokenOptions(jwks_uri=client.jwks_uri, allow_sandbox="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        grantex.verify_grant_token("a.b.c", options)
