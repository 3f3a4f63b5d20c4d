"""The hand-written part of ``Grantex`` and ``AsyncGrantex``: construction, properties and the
one generic call every generated method goes through. Nothing here knows an operation.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar, Union

from . import _native
from ._wire import RateLimit

_USER_AGENT_PREFIX = "grantex-python/"

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
    ) -> None:
        self._native = _native_client(api_key, base_url, timeout, max_retries)

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

    def __enter__(self: P) -> P:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


class _AsyncClientBase(_Shared):
    async def _call(self, op: str, input: Mapping[str, Any]) -> Any:
        return await self._native.acall(op, _dumps(input))

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
