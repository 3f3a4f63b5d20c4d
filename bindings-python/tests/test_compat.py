"""Drop-in compatibility with the reference `grantex` package's public shapes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict

import pytest

import grantex
from grantex import VerifyGrantTokenOptions

from conftest import VECTORS, issue_token

# Field names the reference SDK (0.7.2) exposes on the core types.
REFERENCE_FIELDS = {
    grantex.AuthorizationRequest: {"request_id", "consent_url", "agent_id", "principal_id", "scopes",
                                    "expires_in", "expires_at", "status", "created_at", "code", "sandbox",
                                    "policy_enforced", "effect"},
    grantex.Agent: {"id", "did", "name", "description", "scopes", "status", "developer_id", "created_at", "updated_at"},
    grantex.ExchangeTokenResponse: {"grant_token", "expires_at", "scopes", "refresh_token", "grant_id"},
    grantex.VerifyTokenResponse: {"valid", "grant_id", "scopes", "principal", "agent", "expires_at"},
    grantex.Grant: {"id", "agent_id", "agent_did", "principal_id", "developer_id", "scopes", "status",
                    "issued_at", "expires_at", "revoked_at"},
    grantex.AuditEntry: {"entry_id", "agent_id", "agent_did", "grant_id", "principal_id", "action", "metadata",
                         "hash", "prev_hash", "timestamp", "status"},
    grantex.VerifiedGrant: {"token_id", "grant_id", "principal_id", "agent_did", "developer_id", "scopes",
                            "issued_at", "expires_at", "parent_agent_did", "parent_grant_id", "delegation_depth",
                            "audience", "issuer"},
    grantex.RateLimit: {"limit", "remaining", "reset", "retry_after"},
    grantex.PkceChallenge: {"code_verifier", "code_challenge", "code_challenge_method"},
    grantex.SignupResponse: {"developer_id", "api_key", "name", "email", "mode", "created_at"},
    grantex.PrincipalSessionResponse: {"session_token", "dashboard_url", "expires_at"},
    grantex.AuthorizeParams: {"agent_id", "user_id", "scopes", "expires_in", "redirect_uri", "code_challenge",
                              "code_challenge_method", "audience", "state"},
    grantex.ExchangeTokenParams: {"code", "agent_id", "code_verifier"},
    grantex.RefreshTokenParams: {"refresh_token", "agent_id", "idempotency_key"},
    grantex.VerifyGrantTokenOptions: {"jwks_uri", "required_scopes", "clock_tolerance", "audience", "issuer"},
}

FROZEN = [c for c in REFERENCE_FIELDS if not c.__name__.endswith(("Params", "Options"))]


@pytest.mark.parametrize("cls", list(REFERENCE_FIELDS), ids=lambda c: c.__name__)
def test_reference_field_names(cls: Any) -> None:
    names = {f.name for f in dataclasses.fields(cls)}
    assert REFERENCE_FIELDS[cls] <= names


@pytest.mark.parametrize("cls", FROZEN, ids=lambda c: c.__name__)
def test_results_are_frozen(cls: Any) -> None:
    assert cls.__dataclass_params__.frozen


def test_reference_exports() -> None:
    for name in ["Grantex", "GrantexError", "GrantexApiError", "GrantexAuthError", "GrantexTokenError",
                 "GrantexNetworkError", "verify_grant_token", "verify_webhook", "verify_webhook_signature",
                 "generate_pkce", "VerifyGrantTokenOptions", "AuthorizeParams", "ExchangeTokenParams",
                 "RefreshTokenParams", "ListGrantsParams", "ListAuditParams", "SignupParams",
                 "CreatePrincipalSessionParams", "PkceChallenge", "RateLimit", "VerifiedGrant"]:
        assert hasattr(grantex, name), name
    assert issubclass(grantex.GrantexAuthError, grantex.GrantexApiError)
    errors = [n for n in grantex.__all__ if n.startswith("Grantex") and n.endswith("Error")]
    assert len(errors) == 10
    assert all(issubclass(getattr(grantex, n), grantex.GrantexError) for n in errors)


def test_live_results_have_reference_shapes(client: grantex.Grantex) -> None:
    agent, token = issue_token(client, scopes=("calendar:read", "email:send"))
    assert isinstance(token.scopes, tuple) and isinstance(agent.scopes, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        token.grant_token = "x"  # type: ignore[misc]
    grant = grantex.verify_grant_token(token.grant_token, VerifyGrantTokenOptions(client.jwks_uri))
    assert grant.scopes == ("calendar:read", "email:send")
    with pytest.raises(dataclasses.FrozenInstanceError):
        grant.scopes = ()  # type: ignore[misc]
    # The native fast construction equals a normal dataclass construction, field for field.
    rebuilt = grantex.VerifiedGrant(**{f.name: getattr(grant, f.name) for f in dataclasses.fields(grant)})
    assert rebuilt == grant and hash(rebuilt) == hash(grant) and repr(rebuilt) == repr(grant)

    sub = client.agents.register(name="sub", scopes=["calendar:read"])
    result = client.grants.delegate(parent_grant_token=token.grant_token, sub_agent_id=sub.id, scopes=["calendar:read"])
    # The reference returned a raw dict: camelCase item access keeps working.
    assert result["grantToken"] == result.grant_token
    assert result["grantId"] == result.grant_id and result["scopes"] == ["calendar:read"]
    assert result.get("missing", 7) == 7 and "expiresAt" in result
    as_dict = dict(result)
    assert as_dict["grantToken"] == result.grant_token
    with pytest.raises(KeyError):
        result["nope"]
    assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_delegate_accepts_params_object(client: grantex.Grantex) -> None:
    _, token = issue_token(client)
    sub = client.agents.register(name="sub2", scopes=["calendar:read"])
    result = client.grants.delegate(grantex.DelegateParams(token.grant_token, sub.id, ["calendar:read"]))
    assert result.scopes == ("calendar:read",)


def test_missing_key_is_value_error(monkeypatch: Any) -> None:
    monkeypatch.delenv("GRANTEX_API_KEY", raising=False)
    with pytest.raises(ValueError):
        grantex.Grantex()


def test_to_dict_camel_case() -> None:
    p = grantex.AuthorizeParams(agent_id="a", user_id="u", scopes=["s"], code_challenge="c", code_challenge_method="S256")
    assert p.to_dict() == {"agentId": "a", "principalId": "u", "scopes": ["s"], "codeChallenge": "c",
                           "codeChallengeMethod": "S256"}
    assert grantex.ListGrantsParams(page_size=5).to_dict() == {"pageSize": 5}


def test_pkce_shape() -> None:
    import base64
    import hashlib

    p = grantex.generate_pkce()
    assert len(p.code_verifier) == 43 and p.code_challenge_method == "S256"
    digest = hashlib.sha256(p.code_verifier.encode()).digest()
    assert p.code_challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert grantex.generate_pkce().code_verifier != p.code_verifier


def test_webhooks() -> None:
    import hashlib
    import hmac
    import time

    body = b'{"type":"grant.created"}'
    secret = "whsec_test"
    ts = str(int(time.time()))
    sig = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert grantex.verify_webhook(body, sig, ts, secret)
    assert grantex.verify_webhook(body.decode(), sig, ts, secret)
    assert not grantex.verify_webhook(body + b" ", sig, ts, secret)
    assert not grantex.verify_webhook(body, sig, ts, "other")
    old = str(int(time.time()) - 3600)
    old_sig = "sha256=" + hmac.new(secret.encode(), old.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert not grantex.verify_webhook(body, old_sig, old, secret)
    assert grantex.verify_webhook(body, old_sig, old, secret, tolerance_seconds=7200)
    assert grantex.verify_webhook(body, old_sig, old, secret, now=int(old) + 1)
    for bad in (None, "", 5):
        assert not grantex.verify_webhook(body, bad, ts, secret)  # type: ignore[arg-type]
        assert not grantex.verify_webhook(body, sig, bad, secret)  # type: ignore[arg-type]
    assert not grantex.verify_webhook(body, sig, "12a", secret)
    v1 = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert grantex.verify_webhook_signature(body, v1, secret)
    flipped = v1[:-1] + ("1" if v1[-1] == "0" else "0")
    assert not grantex.verify_webhook_signature(body, flipped, secret)


def test_vectors_claims_round_trip() -> None:
    data: Dict[str, Any] = json.loads((VECTORS / "token-vectors.json").read_text())
    valid = next(c for c in data["cases"] if c["expect"] == "valid")
    jwks = grantex.JwksCache.from_json(json.dumps(data["jwks"]))
    grant = grantex.verify_grant_token(valid["token"], VerifyGrantTokenOptions(jwks=jwks, issuer=data["issuer"], now=data["now"]))
    assert grant == grantex.VerifiedGrant.from_dict(valid["claims"])


def test_verify_options_follow_the_reference_order_and_refuse_unusable_values(client: grantex.Grantex) -> None:
    _, token = issue_token(client, scopes=("calendar:read",))
    issuer = client.jwks_uri.replace("/.well-known/jwks.json", "")
    # The reference's positional order: jwks_uri, required_scopes, clock_tolerance, audience,
    # issuer_did, issuer, algorithms, legacy_claims, ...
    positional = VerifyGrantTokenOptions(client.jwks_uri, ["calendar:read"], 5, None, None, issuer, ["RS256", "ES256"], True)
    assert positional.issuer == issuer and positional.clock_tolerance == 5
    assert grantex.verify_grant_token(token.grant_token, positional).scopes == ("calendar:read",)
    wrong = VerifyGrantTokenOptions(client.jwks_uri, None, 0, None, None, issuer + "/x")
    with pytest.raises(grantex.GrantexTokenError) as bad_issuer:
        grantex.verify_grant_token(token.grant_token, wrong)
    assert bad_issuer.value.code == "wrong_issuer"
    # Accepted as no-ops: the fetch is always bounded.
    VerifyGrantTokenOptions(client.jwks_uri, bounded_jwks_fetch=True)

    # Implemented: issuer_did, proof_jkt, require_proof_of_possession, legacy_claims (see
    # tests/test_verify_reference_options.py); values they cannot take are refused.
    refused: Dict[str, Any] = {
        "issuer_did": "did:web:localhost",
        "proof_jkt": "",
        "legacy_claims": 0,
        "algorithms": ["ES256"],
    }
    for name, value in refused.items():
        with pytest.raises(grantex.GrantexConfigError):
            VerifyGrantTokenOptions(client.jwks_uri, **{name: value})
    for algs in ([], ["HS256"], ["RS256", "none"]):
        with pytest.raises(ValueError):
            VerifyGrantTokenOptions(client.jwks_uri, algorithms=algs)
    # The identity-binding options are implemented (tests/test_identity_binding.py): accepted.
    VerifyGrantTokenOptions(client.jwks_uri, expected_principal_id="usr_1", expected_agent_did="did:grantex:ag_1",
                            current_authority=lambda t: t)
    # A later assignment is checked too: nothing unusable is ever silently ignored.
    opts = VerifyGrantTokenOptions(client.jwks_uri)
    with pytest.raises(grantex.GrantexConfigError):
        opts.issuer_did = "did:web:10.0.0.1"
    assert opts.issuer_did is None


def test_expected_developer_id_pins_the_tenant(client: grantex.Grantex, server: Dict[str, Any]) -> None:
    """One server signs every developer's tokens with one key and issuer: a service that trusts
    only its own developer's grants pins it, and another tenant's token is refused."""
    _, mine = issue_token(client)
    my_dev = grantex.verify_grant_token(mine.grant_token, VerifyGrantTokenOptions(client.jwks_uri)).developer_id
    other = grantex.Grantex.signup(grantex.SignupParams(name="other tenant"), base_url=server["baseUrl"])
    with grantex.Grantex(other.api_key, base_url=server["baseUrl"]) as theirs:
        _, foreign = issue_token(theirs)
    pinned = VerifyGrantTokenOptions(client.jwks_uri, expected_developer_id=my_dev)
    assert grantex.verify_grant_token(mine.grant_token, pinned).developer_id == my_dev
    # Without the pin the other tenant's token verifies (same key, same issuer) ...
    assert grantex.verify_grant_token(foreign.grant_token, VerifyGrantTokenOptions(client.jwks_uri)).developer_id == other.developer_id
    # ... with it, it is refused.
    with pytest.raises(grantex.GrantexTokenError) as refused:
        grantex.verify_grant_token(foreign.grant_token, pinned)
    assert refused.value.code == "wrong_issuer"
    with pytest.raises(grantex.GrantexConfigError):
        grantex.verify_grant_token(mine.grant_token, VerifyGrantTokenOptions(client.jwks_uri, expected_developer_id=""))
