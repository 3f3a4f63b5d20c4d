"""The shared vector corpus through grantex.verify_grant_token: identical outcomes and codes."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Tuple

import pytest

import grantex
from grantex import GrantexTokenError, JwksCache, VerifiedGrant, VerifyGrantTokenOptions

from conftest import VECTORS

_TOKEN = json.loads((VECTORS / "token-vectors.json").read_text())
_JWKS = json.loads((VECTORS / "jwks-vectors.json").read_text())


def _outcome(token: str, options: VerifyGrantTokenOptions) -> Tuple[str, Any]:
    try:
        return "valid", grantex.verify_grant_token(token, options)
    except GrantexTokenError as err:
        assert err.code in grantex.TOKEN_ERROR_CODES
        return str(err.code), None


def _options(case: Dict[str, Any], sets: Dict[str, JwksCache]) -> VerifyGrantTokenOptions:
    o = case.get("options", {})
    # The reference options the case sets by name (proof_jkt, legacy_claims, ...).
    named = {r["name"]: r["value"] for r in o.get("referenceOptions", [])}
    return VerifyGrantTokenOptions(
        jwks=sets[o.get("jwks", "")],
        issuer=o.get("issuer", _TOKEN["issuer"]),
        audience=o.get("audience"),
        required_scopes=o.get("requiredScopes"),
        clock_tolerance=o.get("clockTolerance", 0),
        max_delegation_depth=o.get("maxDelegationDepth"),
        expected_principal_id=o.get("expectedPrincipalId"),
        expected_agent_did=o.get("expectedAgentDid"),
        now=_TOKEN["now"],
        # Explicit either way, so GRANTEX_ALLOW_SANDBOX_TOKENS never decides a vector.
        allow_sandbox=o.get("allowSandbox", False),
        **named,
    )


@pytest.fixture(scope="module")
def key_sets() -> Dict[str, JwksCache]:
    sets = {"": JwksCache.from_json(json.dumps(_TOKEN["jwks"]))}
    for name, value in _TOKEN["jwksSets"].items():
        text = value if isinstance(value, str) else json.dumps(value)
        sets[name] = JwksCache.from_json(text)
    return sets


def test_corpus_is_present() -> None:
    assert len(_TOKEN["cases"]) > 100 and len(_JWKS["cases"]) > 20


@pytest.mark.parametrize("case", _TOKEN["cases"], ids=[c["name"] for c in _TOKEN["cases"]])
def test_token_vector(case: Dict[str, Any], key_sets: Dict[str, JwksCache]) -> None:
    outcome, grant = _outcome(case["token"], _options(case, key_sets))
    assert outcome == case["expect"], case["description"]
    if grant is not None and "claims" in case:
        assert grant == VerifiedGrant.from_dict(case["claims"])
        assert isinstance(grant.scopes, tuple)


@pytest.mark.parametrize("case", _JWKS["cases"], ids=[c["name"] for c in _JWKS["cases"]])
def test_jwks_vector(case: Dict[str, Any]) -> None:
    try:
        cache = JwksCache.from_json(case["jwks"])
    except GrantexTokenError as err:
        assert err.code == "invalid_jwks" == case["expect"], case["description"]
        return
    assert case["expect"] == "ok", case["description"]
    assert cache.jwks_uri is None
    if "token" in case:
        options = VerifyGrantTokenOptions(jwks=cache, issuer=_JWKS["issuer"], now=_JWKS["now"])
        outcome, _ = _outcome(case["token"], options)
        assert outcome == case["tokenExpect"], case["description"]


def test_async_corpus_matches_sync(key_sets: Dict[str, JwksCache]) -> None:
    import asyncio

    async def run_all() -> List[str]:
        out = []
        for case in _TOKEN["cases"]:
            try:
                await grantex.averify_grant_token(case["token"], _options(case, key_sets))
                out.append("valid")
            except GrantexTokenError as err:
                out.append(str(err.code))
        return out

    assert asyncio.run(run_all()) == [c["expect"] for c in _TOKEN["cases"]]


_OPTIONS = json.loads((VECTORS / "verify-option-vectors.json").read_text())


@pytest.mark.parametrize(
    "case", _OPTIONS["cases"], ids=[f"{c['name']}={json.dumps(c['value'])}" for c in _OPTIONS["cases"]]
)
def test_verify_option_vector(case: Dict[str, Any], key_sets: Dict[str, JwksCache]) -> None:
    """The reference's other verify options: honoured or refused as the core rules (as Node and C)."""
    valid = next(c for c in _TOKEN["cases"] if c["expect"] == "valid" and not c.get("options"))
    build = lambda: VerifyGrantTokenOptions(  # noqa: E731
        jwks=key_sets[""], issuer=_TOKEN["issuer"], now=_TOKEN["now"], **{case["name"]: case["value"]}
    )
    if case["accepted"]:
        try:
            grantex.verify_grant_token(valid["token"], build())
            got = "valid"
        except GrantexTokenError as err:
            got = str(err.code)
        except grantex.GrantexConfigError:
            got = "config_error"
        assert got == case["verify"]
    else:
        with pytest.raises(grantex.GrantexConfigError, match=case["name"]):
            build()
