"""Wrongly typed or missing arguments to the verification and helper functions raise
``TypeError`` (or ``GrantexInvalidArgumentError`` for a value of the right type that cannot be
used) naming the parameter and the Python type expected — never a message naming Rust types."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Callable, Type

import pytest

import grantex
from grantex import GrantexInvalidArgumentError, JwksCache, VerifyGrantTokenOptions

RUSTISM = re.compile(
    r"\b(String|Option|Vec|PyString|PyAny|PyInt|PyBool|Bound|Borrowed|usize|isize|[iuf](8|16|32|64|128))\b"
    r"|&str|\bstruct\b|::"
)
RUSTISM_ANY_CASE = re.compile(r"pyo3|\brust\b|sequence|unit value", re.IGNORECASE)

JWKS_URI = "http://127.0.0.1:9/.well-known/jwks.json"


def raises(exc: Type[BaseException], call: Callable[[], Any], *fragments: str) -> BaseException:
    """``call()`` raises ``exc`` whose message holds every fragment and no Rust-ism."""
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert not RUSTISM.search(message), message
    assert not RUSTISM_ANY_CASE.search(message), message
    return info.value


def test_verify_grant_token_token_and_options() -> None:
    opts = VerifyGrantTokenOptions(jwks_uri=JWKS_URI)
    for verify in (grantex.verify_grant_token, grantex.averify_grant_token):
        name = verify.__name__
        raises(TypeError, lambda: verify(None, opts), f"{name}(): token must be a str", "got None")
        raises(TypeError, lambda: verify(b"x.y.z", opts), "token", "got bytes")
        raises(TypeError, lambda: verify(42, opts), "token", "got int")
        raises(TypeError, lambda: verify("x.y.z", None), f"{name}(): options must be a VerifyGrantTokenOptions", "got None")
        raises(TypeError, lambda: verify("x.y.z", {"jwks_uri": JWKS_URI}), "options", "got dict")
        raises(TypeError, lambda: verify("x.y.z"), "options")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("field", "value", "expected", "got"),
    [
        ("jwks_uri", 5, "a str or None", "int"),
        ("audience", 5, "a str or None", "int"),
        ("issuer", ["i"], "a str or None", "list"),
        ("expected_developer_id", b"dev", "a str or None", "bytes"),
        ("required_scopes", "read", "a list of str or None", "str"),
        ("required_scopes", 7, "a list of str or None", "int"),
        ("clock_tolerance", "5", "an int", "str"),
        ("clock_tolerance", True, "an int", "bool"),
        ("clock_tolerance", 1.5, "an int", "float"),
        ("max_delegation_depth", "1", "an int", "str"),
        ("now", "1700000000", "an int", "str"),
        ("jwks", "{}", "a JwksCache or None", "str"),
    ],
)
def test_verify_options_wrong_types_name_the_field(field: str, value: Any, expected: str, got: str) -> None:
    opts = VerifyGrantTokenOptions(**({"jwks_uri": JWKS_URI} | {field: value}))
    raises(
        TypeError,
        lambda: grantex.verify_grant_token("x.y.z", opts),
        f"VerifyGrantTokenOptions.{field} must be {expected}, got {got}",
    )


def test_verify_options_element_and_range_errors() -> None:
    opts = VerifyGrantTokenOptions(jwks_uri=JWKS_URI, required_scopes=["read", 5])  # type: ignore[list-item]
    raises(TypeError, lambda: grantex.verify_grant_token("x.y.z", opts), "VerifyGrantTokenOptions.required_scopes[1] must be a str, got int")
    for field, value, rule in [
        ("clock_tolerance", -1, "must be >= 0, got -1"),
        ("max_delegation_depth", -1, "must be between 0 and 4294967295, got -1"),
        ("max_delegation_depth", 2**40, "must be between 0 and 4294967295"),
        ("now", 2**70, "is out of range"),
    ]:
        bad = VerifyGrantTokenOptions(**{"jwks_uri": JWKS_URI, field: value})
        err = raises(GrantexInvalidArgumentError, lambda: grantex.verify_grant_token("x.y.z", bad), f"VerifyGrantTokenOptions.{field} {rule}")
        assert isinstance(err, ValueError)


def test_averify_checks_before_awaiting() -> None:
    bad = VerifyGrantTokenOptions(jwks_uri=JWKS_URI, audience=5)  # type: ignore[arg-type]
    raises(TypeError, lambda: grantex.averify_grant_token("x.y.z", bad), "VerifyGrantTokenOptions.audience")

    async def good_types_reach_the_verifier() -> None:
        with pytest.raises(grantex.GrantexTokenError):
            await grantex.averify_grant_token("not-a-jwt", VerifyGrantTokenOptions(jwks_uri=JWKS_URI, required_scopes=("a",)))

    asyncio.run(good_types_reach_the_verifier())


def test_jwks_cache_factories() -> None:
    raises(TypeError, lambda: JwksCache.from_json(None), "JwksCache.from_json(): jwks_json must be a str", "got None")  # type: ignore[arg-type]
    raises(TypeError, lambda: JwksCache.from_json({"keys": []}), "jwks_json", "got dict")  # type: ignore[arg-type]
    raises(TypeError, lambda: JwksCache.remote(5), "JwksCache.remote(): jwks_uri must be a str", "got int")  # type: ignore[arg-type]
    raises(TypeError, lambda: JwksCache.shared(None), "JwksCache.shared(): jwks_uri must be a str", "got None")  # type: ignore[arg-type]


def test_webhook_helpers() -> None:
    ok = ("body", "sha256=00", "1700000000", "whsec")
    raises(TypeError, lambda: grantex.verify_webhook(None, *ok[1:]), "verify_webhook(): payload must be str or bytes", "got None")  # type: ignore[arg-type]
    raises(TypeError, lambda: grantex.verify_webhook({"a": 1}, *ok[1:]), "payload", "got dict")  # type: ignore[arg-type]
    raises(TypeError, lambda: grantex.verify_webhook(*ok[:3], None), "verify_webhook(): secret must be a str", "got None")  # type: ignore[arg-type]
    raises(TypeError, lambda: grantex.verify_webhook(*ok, "300"), "tolerance_seconds must be an int, got str")  # type: ignore[arg-type]
    raises(TypeError, lambda: grantex.verify_webhook(*ok, True), "tolerance_seconds must be an int, got bool")
    raises(GrantexInvalidArgumentError, lambda: grantex.verify_webhook(*ok, -1), "tolerance_seconds must be >= 0, got -1")
    raises(TypeError, lambda: grantex.verify_webhook(*ok, now="now"), "now must be an int, got str")  # type: ignore[arg-type]
    raises(GrantexInvalidArgumentError, lambda: grantex.verify_webhook(*ok, now=2**64), "now is out of range")
    # Request headers are data: a missing signature or timestamp is simply not authentic.
    assert grantex.verify_webhook("body", None, "1", "whsec") is False  # type: ignore[arg-type]
    assert grantex.verify_webhook("body", "sha256=00", None, "whsec") is False  # type: ignore[arg-type]
    assert grantex.verify_webhook(*ok, 2**70) is False  # any tolerance is usable

    raises(TypeError, lambda: grantex.verify_webhook_signature(None, "sha256=00", "k"), "verify_webhook_signature(): payload")  # type: ignore[arg-type]
    raises(TypeError, lambda: grantex.verify_webhook_signature("b", "sha256=00", None), "verify_webhook_signature(): secret must be a str")  # type: ignore[arg-type]
    assert grantex.verify_webhook_signature("b", None, "k") is False  # type: ignore[arg-type]


def test_verify_audit_chain_names_the_entry() -> None:
    for bad, got in ((None, "None"), ("entries", "str"), ({"entryId": "a"}, "dict"), (5, "int")):
        raises(TypeError, lambda: grantex.verify_audit_chain(bad), "verify_audit_chain(): entries must be", f"got {got}")  # type: ignore[arg-type]
    raises(TypeError, lambda: grantex.verify_audit_chain([1]), "verify_audit_chain(): entries[0] must be an AuditEntry or a dict, got int")  # type: ignore[list-item]
    raises(GrantexInvalidArgumentError, lambda: grantex.verify_audit_chain([{}]), "entries[0]", "missing field `entryId`")
    entry = {
        "entryId": "aud_1", "agentId": "ag_1", "agentDid": "did:grantex:ag_1", "grantId": "grnt_1",
        "principalId": "usr_1", "action": "a", "metadata": {}, "hash": "0" * 64, "prevHash": None,
        "timestamp": "2026-01-01T00:00:00.000Z", "status": "success",
    }
    assert grantex.verify_audit_chain([entry]).checked_entries == 1
    raises(GrantexInvalidArgumentError, lambda: grantex.verify_audit_chain([entry, {**entry, "hash": 5}]), "entries[1]", "expected a string")


def test_generate_pkce_takes_no_arguments() -> None:
    raises(TypeError, lambda: grantex.generate_pkce("S256"), "generate_pkce()")  # type: ignore[call-arg]
    assert len(grantex.generate_pkce().code_verifier) == 43
