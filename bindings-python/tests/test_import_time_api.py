"""`import grantex` is cheap (issue 14: at most 30 ms) without changing the public API.

The package loads its submodules on first use (PEP 562 `__getattr__` in `grantex/__init__.py`)
and makes its dataclasses with `grantex._wire._dataclass`, which skips the standard
decorator's import-time work. These tests check what that must not change: every exported
name, `dir(grantex)`, and each class behaving exactly as `dataclasses.dataclass` makes it
(fields, defaults, order, signature, repr, equality, hashing, frozenness, introspection).
The time itself is measured by the package stage of scripts/test (scripts/lib/package-tests.sh).
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import pickle
import subprocess
import sys
import typing
from typing import Any, Dict, List

import pytest

import grantex
import grantex._types
import grantex._verify
import grantex._wire

# `dir(grantex)` of the eagerly importing package (before the lazy loading), name for name, plus
# what came later (the enforce surface: manifests, denial codes, revocation status; DPoP).
DIR_BEFORE = [
    "Agent", "Alert", "AlertChannel", "AlertChannelList", "AlertList", "AlertNoteParams",
    "AllocateBudgetParams", "Anomaly", "AnomalyMetrics", "AnomalyMetricsParams", "AnomalyRule",
    "AnomalyRuleList", "AsyncEventStream", "AsyncEventsClient", "AsyncGrantex",
    "AuditChainReport", "AuditCheckpoint", "AuditEntry", "AuthorizationRequest",
    "AuthorizeParams", "BindMcpPrincipalParams", "BudgetAllocation", "BudgetAllocationList",
    "BudgetTransaction", "BudgetTransactionsParams", "BudgetTransactionsResponse",
    "CapSubReason", "ChainIntegrity", "ComplianceAuditExport", "ComplianceExportAuditParams",
    "ComplianceExportGrantsParams", "ComplianceGrantsExport", "ComplianceSummary",
    "ComplianceSummaryParams", "ConsentApproval", "ConsentDenial", "ConsentRequest",
    "CreateAlertChannelParams", "CreateAnomalyRuleParams", "CreatePolicyParams",
    "CreatePrincipalSessionParams", "CreateScimUserParams", "CreateSsoConfigParams",
    "CreateSsoConnectionParams", "CreateWebhookParams", "DebitBudgetParams",
    "DebitBudgetResponse", "DecisionSubReason", "DelegateParams", "DelegateResponse",
    "DenialReason", "DetectAnomaliesResponse", "EnforceResult", "EvaluatePolicyParams",
    "EventStream", "EventsClient", "EvidencePack", "EvidencePackMeta", "EvidencePackParams",
    "ExchangeCredentialParams", "ExchangeCredentialResponse", "ExchangeTokenParams",
    "ExchangeTokenResponse", "Grant", "Grantex", "GrantexApiError", "GrantexAuthError",
    "GrantexConfigError", "GrantexDecodeError", "GrantexEnforcer", "GrantexError",
    "GrantexEvent", "GrantexInvalidArgumentError", "GrantexNetworkError", "GrantexSignupError",
    "GrantexStreamEvent", "GrantexTimeoutError", "GrantexTokenError", "JwksCache",
    "ListAgentsResponse", "ListAlertsParams", "ListAnomaliesParams", "ListAnomaliesResponse",
    "ListAuditParams", "ListAuditResponse", "ListDeliveriesParams", "ListGrantsParams",
    "ListGrantsResponse", "ListPoliciesResponse", "ListScimTokensResponse",
    "ListScimUsersParams", "ListSsoConnectionsResponse", "ListSsoSessionsResponse",
    "ListVaultCredentialsParams", "ListVaultCredentialsResponse", "ListWebhooksResponse",
    "LogAuditParams", "ManifestSubReason", "ManifestValidationError", "McpPrincipalBinding",
    "McpServer", "McpServerList", "McpSettings", "OAuthClient", "OAuthClientList", "Permission",
    "PkceChallenge", "Policy", "PolicyDecision", "PolicyMatch", "PrincipalSessionResponse",
    "PurposeSubReason", "RateLimit", "RefreshTokenParams", "RegionSubReason",
    "RegisterMcpServerParams", "RegisterOAuthClientParams", "RevocationStatus",
    "RevocationStatusParams", "RevocationSubReason", "RotateKeyResponse", "ScimEmail",
    "ScimListResponse", "ScimPatchOperation", "ScimPatchParams", "ScimToken",
    "ScimTokenWithSecret", "ScimUser", "ScimUserMeta", "SignupParams", "SignupResponse",
    "SsoCallbackParams", "SsoCallbackResponse", "SsoCallbackResult", "SsoConfig",
    "SsoConnection", "SsoConnectionListResponse", "SsoConnectionTestResult",
    "SsoEnforcementParams", "SsoEnforcementResponse", "SsoLdapCallbackParams", "SsoLoginParams",
    "SsoLoginResponse", "SsoOidcCallbackParams", "SsoSamlCallbackParams", "SsoSession",
    "SsoSessionListResponse", "StoreCredentialParams", "StoreCredentialResponse",
    "StreamOptions", "Subscription", "TOKEN_ERROR_CODES", "TokenInfo", "TokenSubReason",
    "ToolCaps", "ToolManifest", "ToolSpec", "ToolSubReason", "Tuple", "UpdateAnomalyRuleParams",
    "UpdateDeveloperSettingsParams", "UpdateDeveloperSettingsResponse",
    "UpdateMcpSettingsParams", "UpdatePolicyParams", "UpdateSsoConnectionParams",
    "UsageHistoryEntry", "UsageHistoryParams", "UsageHistoryResponse", "UsageResponse",
    "VaultCredential", "VerifiedGrant", "VerifyGrantTokenOptions", "VerifyTokenResponse",
    "WebhookDelivery", "WebhookDeliveryList", "WebhookEndpoint", "WebhookEndpointWithSecret",
    "__all__", "__annotations__", "__builtins__", "__cached__", "__doc__", "__file__",
    "__loader__", "__name__", "__package__", "__path__", "__spec__", "__version__",
    "_async_client", "_audit_chain", "_base", "_client", "_decode", "_errors", "_native",
    "_pkce", "_types", "_verify", "_webhook", "_wire", "_wrap", "annotations",
    "averify_grant_token", "create_dpop_proof", "decode_jwt_payload", "denials",
    "dpop_public_jwk", "fastapi", "generate_dpop_jwk", "generate_pkce", "get_token_info",
    "jwk_thumbprint", "manifest", "manifests", "verify_audit_chain", "verify_grant_token",
    "verify_webhook", "verify_webhook_signature",
]

# The modules that defined the exported names before (the public objects are the same objects).
DEFINED_IN = {
    "_async_client": ["AsyncGrantex"], "_audit_chain": ["verify_audit_chain"], "_client": ["Grantex"],
    "_pkce": ["generate_pkce"],
    "_dpop": ["create_dpop_proof", "dpop_public_jwk", "generate_dpop_jwk", "jwk_thumbprint"], "_webhook": ["verify_webhook", "verify_webhook_signature"],
    "_verify": ["JwksCache", "VerifyGrantTokenOptions", "averify_grant_token", "verify_grant_token"],
}


def _fresh(code: str) -> Any:
    """Run `code` in a fresh interpreter; it prints one JSON value."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_import_grantex_loads_only_the_native_module() -> None:
    got = _fresh(
        "import json, sys; before = set(sys.modules); import grantex; "
        "print(json.dumps({'new': sorted(set(sys.modules) - before), 'dir': dir(grantex), "
        "'version': grantex.__version__}))"
    )
    assert got["new"] == ["__future__", "grantex", "grantex._native"]
    assert got["dir"] == DIR_BEFORE
    assert got["version"] == grantex.__version__


def test_client_import_skips_dataclasses_inspect_json() -> None:
    """`from grantex import Grantex, verify_grant_token` (the usual first line) makes its classes
    without `dataclasses` (and so without `inspect`) and leaves `json` for the first call."""
    out = subprocess.run(
        [sys.executable, "-c", "import sys; before = set(sys.modules); "
         "from grantex import Grantex, AsyncGrantex, verify_grant_token, VerifyGrantTokenOptions, Agent; "
         "print(' '.join(sorted(set(sys.modules) - before)))"],
        capture_output=True, text=True, check=True,
    ).stdout
    new = set(out.split())
    assert "grantex._types" in new
    assert not new & {"dataclasses", "inspect", "json", "asyncio", "concurrent.futures"}, sorted(new)


def test_every_export_resolves() -> None:
    got = _fresh(
        "import json, grantex; from grantex import *; "
        "print(json.dumps([n for n in grantex.__all__ if n not in globals()]))"
    )
    assert got == []
    # Resolving every export imports the submodules that came after the eager package (`_dpop`).
    assert dir(grantex) == DIR_BEFORE or set(dir(grantex)) - set(DIR_BEFORE) <= {"a2a", "_dpop", "_events", "mcp"}
    lazy = vars(grantex)["_LAZY"]
    assert set(lazy) | {"TOKEN_ERROR_CODES", "__version__"} == set(grantex.__all__)
    for module, names in DEFINED_IN.items():
        for name in names:
            assert getattr(grantex, name) is getattr(getattr(grantex, module), name), name
    for name in grantex._types.__all__:
        if name in grantex.__all__:
            assert getattr(grantex, name) is getattr(grantex._types, name), name
    for name in grantex._errors.__all__:
        assert getattr(grantex, name) is getattr(grantex._errors, name), name
    assert getattr(grantex, "Tuple") is typing.Tuple  # a stray attribute, kept
    assert grantex.TOKEN_ERROR_CODES and isinstance(grantex.TOKEN_ERROR_CODES, tuple)
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        grantex.NoSuchThing  # type: ignore[attr-defined]
    assert not hasattr(grantex, "NoSuchThing")


# ------------------------------------------------------------------ dataclass equivalence

CLASSES = [getattr(grantex._types, n) for n in grantex._types.__all__] + [grantex._verify.VerifyGrantTokenOptions]
INSTALLED = {"__init__", "__repr__", "__eq__", "__hash__", "__match_args__", "__replace__",
             "__dataclass_fields__", "__dataclass_params__", "__dict__", "__weakref__"}


def _reference(cls: Any) -> Any:
    """The class `dataclasses.dataclass` makes from the same body."""
    frozen = not cls.__name__.endswith(("Params", "Options"))  # responses are frozen, inputs are not
    skip = INSTALLED | ({"__setattr__", "__delattr__"} if frozen else set())
    ns = {k: v for k, v in cls.__dict__.items() if k not in skip}
    if cls.__doc__.startswith(cls.__name__ + "("):
        ns["__doc__"] = None  # made by the decorator: the reference makes its own
    ns["__annotations__"] = dict(cls.__dict__["__annotations__"])
    return dataclasses.dataclass(frozen=frozen)(type(cls)(cls.__name__, cls.__bases__, ns))


def _sample(cls: Any, salt: str) -> Dict[str, Any]:
    return {f.name: f"{salt}{i}" for i, f in enumerate(dataclasses.fields(cls)) if f.default is dataclasses.MISSING}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_same_as_dataclasses_dataclass(cls: Any) -> None:
    ref = _reference(cls)
    is_dataclass = dataclasses.is_dataclass(cls)  # (not asserted inline: mypy would narrow `cls`)
    assert is_dataclass
    assert repr(cls.__dataclass_params__) == repr(ref.__dataclass_params__)
    attrs = ["name", "type", "default", "default_factory", "init", "repr", "hash", "compare", "metadata"]
    if sys.version_info >= (3, 10):
        attrs.append("kw_only")

    def described(c: Any) -> List[Any]:
        return [[getattr(f, a) for a in attrs] for f in dataclasses.fields(c)]

    assert described(cls) == described(ref)
    assert getattr(cls, "__match_args__", None) == getattr(ref, "__match_args__", None)
    assert str(inspect.signature(cls)) == str(inspect.signature(ref))
    assert cls.__init__.__annotations__ == ref.__init__.__annotations__
    assert cls.__doc__ == ref.__doc__
    assert (cls.__hash__ is None) == (ref.__hash__ is None)
    assert typing.get_type_hints(cls) == typing.get_type_hints(ref)
    assert hasattr(cls, "__replace__") == hasattr(ref, "__replace__")

    a, b = cls(**_sample(cls, "a")), ref(**_sample(ref, "a"))
    assert repr(a) == repr(b)
    assert vars(a) == vars(b)
    assert a == cls(**_sample(cls, "a")) and (a != cls(**_sample(cls, "b")) or not _sample(cls, "a"))
    assert a != b  # different classes: NotImplemented both ways, as between two dataclasses
    assert dataclasses.asdict(a) == dataclasses.asdict(b)
    assert dataclasses.astuple(a) == dataclasses.astuple(b)
    assert dataclasses.replace(a) == a and copy.copy(a) == a and pickle.loads(pickle.dumps(a)) == a
    if cls.__hash__ is not None:
        assert hash(a) == hash(b)
    if ref.__dataclass_params__.frozen:
        name = dataclasses.fields(cls)[0].name
        for obj in (a, b):
            with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot assign to field '{name}'"):
                setattr(obj, name, "x")
            with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot delete field '{name}'"):
                delattr(obj, name)
            with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'other'"):
                obj.other = 1


def test_subclassing_and_recursion_as_dataclasses() -> None:
    @dataclasses.dataclass(frozen=True)
    class Sub(grantex.RateLimit):
        extra: int = 0

    s = Sub(1, 2, 3)
    assert [f.name for f in dataclasses.fields(s)] == ["limit", "remaining", "reset", "retry_after", "extra"]
    assert repr(s) == "test_subclassing_and_recursion_as_dataclasses.<locals>.Sub(limit=1, remaining=2, reset=3, retry_after=None, extra=0)"

    class Plain(grantex.SignupParams):
        pass

    assert dataclasses.is_dataclass(Plain) and repr(Plain("n")) == "test_subclassing_and_recursion_as_dataclasses.<locals>.Plain(name='n', email=None, mode=None)"
    p = grantex.SignupParams("n")
    p.email = p  # type: ignore[assignment]
    assert repr(p) == "SignupParams(name='n', email=..., mode=None)"


def test_a_class_that_does_not_fit_is_refused() -> None:
    from grantex._wire import _dataclass as dataclass

    with pytest.raises(TypeError, match="must take exactly the fields"):

        @dataclass
        class Missing:
            a: int
            b: int = 0

            def __init__(self, a):  # type: ignore[no-untyped-def]
                self.a = a

    with pytest.raises(TypeError, match="must take exactly the fields"):

        @dataclass
        class WrongDefault:
            a: int = 1

            def __init__(self, a=2):  # type: ignore[no-untyped-def]
                self.a = a

    with pytest.raises(TypeError, match="follows default argument"):

        @dataclass
        class Order:
            a: int = 1
            b: int
