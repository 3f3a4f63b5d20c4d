"""The hand-written part of ``Grantex`` and ``AsyncGrantex``: construction, properties and the
one generic call every generated method goes through. Nothing here knows an operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Type, TypeVar, Union

from . import _native
from ._wire import RateLimit

if TYPE_CHECKING:
    from ._events import AsyncEventsClient, EventsClient
    from ._types import EnforceResult, RevocationFeedState
    from .manifest import ToolManifest

_USER_AGENT_PREFIX = "grantex-python/"

# `enforce()` keywords → the wire names of the core's `EnforceCall`.
_CALL_KEYS = {
    "grant_token": "grantToken", "connector": "connector", "tool": "tool", "amount": "amount",
    "case_id": "caseId", "cost_components": "costComponents", "reserve": "reserve",
    "caps_mode": "capsMode", "caps_tenant_id": "capsTenantId", "decision_grants": "decisionGrants",
    "decision_action": "decisionAction", "arguments": "arguments", "case_version": "caseVersion",
    "decisions_mode": "decisionsMode", "revocation_check": "revocationCheck",
    "audience": "audience", "data_region": "dataRegion",
}


def _amount(value: Any) -> Any:
    """A finite int or float crosses as a number; anything else as a marker the core denies
    (``invalid_amount``)."""
    import math

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "not a finite number"
    return value


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=lambda o: f"<{type(o).__name__}>"))


def _enforce_call(args: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, wire in _CALL_KEYS.items():
        value = args.get(key)
        if value is None:
            continue
        if key == "amount":
            value = _amount(value)
        elif key in ("decision_grants", "cost_components"):
            value = list(value)
        elif key in ("decision_action", "arguments"):
            value = _jsonable(dict(value))
        out[wire] = value
    return out


def _enforce_result(raw: Mapping[str, Any]) -> "EnforceResult":
    from ._types import EnforceResult

    return EnforceResult.from_dict(raw)


def _enforce_config(options: Mapping[str, Any]) -> Dict[str, Any]:
    """The constructor's enforcement keywords as the core's ``EnforceConfig``; an object JSON
    cannot hold (a caps meter, a decision consumer) crosses as ``True`` and the core says
    whether it is supported."""
    from ._types import EnforceConfig

    given = {k: (True if k in ("caps_meter", "decision_consumer") and v is not None else v) for k, v in options.items()}
    return _keywords(EnforceConfig, **given)

P = TypeVar("P")


def _dumps(body: Union[Mapping[str, Any], List[Any]]) -> str:
    """JSON text of an operation's input (``TypeError`` for values JSON cannot hold)."""
    import json  # here, not at the top: `import grantex` stays free of the json package

    return json.dumps(body, separators=(",", ":"), allow_nan=False)


def _id(name: str, value: object) -> str:
    """A path parameter or string argument: must be a ``str`` (the core checks the rest)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _params(op: str, cls: Type[Any], params: object) -> Dict[str, Any]:
    """The wire form of a params dataclass, which must be a ``cls``."""
    if not isinstance(params, cls):
        raise TypeError(f"{op}() expects a {cls.__name__}, not {type(params).__name__}")
    out: Dict[str, Any] = params.to_dict()
    return out


def _keywords(cls: Type[Any], **kwargs: Any) -> Dict[str, Any]:
    """The wire form of keyword arguments, through the params dataclass (so defaults and
    conversions are the dataclass's)."""
    out: Dict[str, Any] = cls(**kwargs).to_dict()
    return out


def _params_or_keywords(op: str, cls: Type[Any], params: object, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """``op(Params(...))`` or ``op(field=..., ...)``, not both."""
    if params is not None and kwargs:
        raise TypeError(f"{op}() takes either a {cls.__name__} or keyword arguments, not both")
    if params is None:
        try:
            params = cls(**kwargs)
        except TypeError as e:
            raise TypeError(f"{op}(): {e}") from None
    return _params(op, cls, params)


def _call_unauthenticated(base_url: Optional[str], op: str, input: Mapping[str, Any]) -> Any:
    return _native.call_unauthenticated(base_url, op, _dumps(input))


async def _acall_unauthenticated(base_url: Optional[str], op: str, input: Mapping[str, Any]) -> Any:
    return await _native.acall_unauthenticated(base_url, op, _dumps(input))


def _native_client(api_key: Optional[str], base_url: Optional[str], timeout: float, max_retries: int) -> _native.NativeClient:
    return _native.NativeClient(api_key, base_url, timeout, max_retries, _USER_AGENT_PREFIX + _native.__version__)


class _Shared:
    """What both clients have: the native client and its properties."""

    _native: _native.NativeClient

    def __init__(
        self,
        api_key: Optional[str] = None,
        *,
        base_url: Optional[str] = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        enforcement: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._native = _native_client(api_key, base_url, timeout, max_retries)
        self._enforcer = _native.NativeEnforcer(self._native, _dumps(_enforce_config(enforcement or {})))
        self._manifests: Dict[str, Any] = {}

    # ------------------------------------------------------------ tool manifests

    def load_manifest(self, manifest: "ToolManifest") -> None:
        """Load a tool manifest for ``enforce()`` (replacing the connector's earlier one). A
        manifest edited after loading must be loaded again."""
        self._enforcer.load_manifest(_dumps(manifest.to_dict()))
        self._manifests[manifest.connector] = manifest

    def load_manifests(self, manifests: "Sequence[ToolManifest]") -> None:
        """Load several manifests."""
        for m in manifests:
            self.load_manifest(m)

    def revocation_feed_state(self) -> "Optional[RevocationFeedState]":
        """What the revocation feed knows and whether it is fresh; ``None`` when no feed was
        started (``revocation_check="feed"``, on the client or on a call, starts it)."""
        from ._types import RevocationFeedState

        raw = self._enforcer.feed_state()
        return RevocationFeedState.from_dict(raw) if raw is not None else None

    def stop_revocation_feed(self) -> None:
        """Stop following the revocation feed (a later ``feed`` call starts it again)."""
        self._enforcer.stop_feed()

    def load_manifests_from_dir(self, dir_path: str) -> None:
        """Load every ``*.json`` manifest file of a directory, in name order."""
        import os

        from .manifest import ToolManifest

        for name in sorted(os.listdir(dir_path)):
            if name.endswith(".json"):
                self.load_manifest(ToolManifest.from_file(os.path.join(dir_path, name)))

    @property
    def base_url(self) -> str:
        return self._native.base_url

    @property
    def jwks_uri(self) -> str:
        """``{base_url}/.well-known/jwks.json``, for ``verify_grant_token``."""
        return self._native.jwks_uri

    @property
    def last_rate_limit(self) -> Optional[RateLimit]:
        """Rate-limit headers of the most recent response, if it carried them."""
        raw = self._native.last_rate_limit()
        return RateLimit(*raw) if raw is not None else None

    def close(self) -> None:
        """Drop the connection pool. Later calls raise ``GrantexInvalidArgumentError``."""
        self._native.close()

    @property
    def closed(self) -> bool:
        return self._native.closed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"


class _ClientBase(_Shared):
    def _call(self, op: str, input: Mapping[str, Any]) -> Any:
        return self._native.call(op, _dumps(input))

    @property
    def events(self) -> "EventsClient":
        """The event stream: ``stream(options)`` (an iterator) and ``subscribe(handler)``."""
        from ._events import EventsClient

        return EventsClient(self._native)

    def enforce(
        self,
        grant_token: str,
        connector: str,
        tool: str,
        amount: Optional[float] = None,
        *,
        case_id: Optional[str] = None,
        cost_components: Optional[List[str]] = None,
        reserve: bool = True,
        caps_mode: Optional[str] = None,
        caps_tenant_id: Optional[str] = None,
        decision_grants: Optional[Sequence[str]] = None,
        decision_action: Optional[Mapping[str, Any]] = None,
        arguments: Optional[Mapping[str, Any]] = None,
        case_version: Optional[str] = None,
        decisions_mode: Optional[str] = None,
        revocation_check: Optional[str] = None,
        audience: Optional[str] = None,
        data_region: Optional[str] = None,
    ) -> "EnforceResult":
        """Check one tool call: the grant token verified offline, its revocation checked as
        configured (``revocation_check``), the connector's manifest, the grant's scopes and
        ``authorization_details``. Never raises for a token or grant problem: the answer's
        ``allowed`` is False with a ``reason_code`` (:class:`grantex.DenialReason`). Raises
        ``GrantexConfigError`` only for a per-call option that is malformed or would loosen the
        client's settings."""
        call = _enforce_call(locals())
        return _enforce_result(self._enforcer.enforce(_dumps(call)))

    def wrap_tool(
        self,
        tool: Any,
        *,
        connector: str,
        tool_name: str,
        grant_token: Union[str, Callable[[], str]],
        case_id: Any = None,
        cost_components: Any = None,
        decision_grants: Any = None,
        case_version: Any = None,
        extract_amount: Optional[Callable[[Mapping[str, Any]], Any]] = None,
    ) -> Any:
        """Guard a LangChain-style tool (an object with ``_run`` / ``_arun``): before each
        call the grant token is enforced for ``connector`` / ``tool_name``; a denial raises
        ``PermissionError("Grantex scope denied: <reason>")`` instead of running the tool. A
        callable ``grant_token`` is asked per call (and once more after an expired token)."""
        from ._wrap import wrap_tool

        return wrap_tool(
            self, tool, connector=connector, tool_name=tool_name, grant_token=grant_token,
            case_id=case_id, cost_components=cost_components, decision_grants=decision_grants,
            case_version=case_version, extract_amount=extract_amount,
        )

    def __enter__(self: P) -> P:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


class _AsyncClientBase(_Shared):
    async def _call(self, op: str, input: Mapping[str, Any]) -> Any:
        return await self._native.acall(op, _dumps(input))

    @property
    def events(self) -> "AsyncEventsClient":
        """The event stream: ``stream(options)``, an async iterator."""
        from ._events import AsyncEventsClient

        return AsyncEventsClient(self._native)

    async def enforce(
        self,
        grant_token: str,
        connector: str,
        tool: str,
        amount: Optional[float] = None,
        *,
        case_id: Optional[str] = None,
        cost_components: Optional[List[str]] = None,
        reserve: bool = True,
        caps_mode: Optional[str] = None,
        caps_tenant_id: Optional[str] = None,
        decision_grants: Optional[Sequence[str]] = None,
        decision_action: Optional[Mapping[str, Any]] = None,
        arguments: Optional[Mapping[str, Any]] = None,
        case_version: Optional[str] = None,
        decisions_mode: Optional[str] = None,
        revocation_check: Optional[str] = None,
        audience: Optional[str] = None,
        data_region: Optional[str] = None,
    ) -> "EnforceResult":
        """``Grantex.enforce`` as a coroutine."""
        call = _enforce_call(locals())
        return _enforce_result(await self._enforcer.aenforce(_dumps(call)))

    async def aclose(self) -> None:
        """Same as ``close()``, for ``async with`` symmetry."""
        self.close()

    async def __aenter__(self: P) -> P:
        return self

    async def __aexit__(self, *args: object) -> None:
        self.close()

    def __enter__(self: P) -> P:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


class _Resource:
    """A namespace of a client (``client.agents``): shares the client's native handle."""

    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    def _call(self, op: str, input: Mapping[str, Any]) -> Any:
        return self._native.call(op, _dumps(input))


class _AsyncResource:
    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    async def _call(self, op: str, input: Mapping[str, Any]) -> Any:
        return await self._native.acall(op, _dumps(input))
