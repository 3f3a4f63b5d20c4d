"""FastAPI / Starlette dependency enforcing Grantex scopes on every request (the reference
SDK's ``grantex.fastapi.GrantexEnforcer``): the Bearer token from ``Authorization``, the
connector and tool from the path parameters, the decision from ``client.enforce()``. A missing
token is a 401, a denial a 403 with ``{"code": "SCOPE_DENIED", "message", "connector", "tool",
"reason_code", "sub_reason"}``; a token problem is never a 500.

    enforcer = GrantexEnforcer(client)

    @app.post("/api/tools/{connector}/{tool}")
    async def run(connector: str, tool: str, auth: EnforceResult = Depends(enforcer)): ...

Works with ``Grantex`` (its blocking ``enforce`` runs in the thread pool) and ``AsyncGrantex``.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Sequence, Union

from ._types import EnforceResult

__all__ = ["DECISION_GRANT_HEADER", "GrantexEnforcer"]

DECISION_GRANT_HEADER = "grantex-decision-grant"
"""Request header carrying decision grants, comma-separated."""

MaybeAwaitable = Union[Any, Awaitable[Any]]

try:
    from fastapi import Header as _Header

    _AUTHORIZATION: Any = _Header(default="")
except ImportError:  # pragma: no cover - fastapi is optional; outside it a plain default works
    _AUTHORIZATION = ""

try:
    from starlette.requests import Request as _Request
except ImportError:  # pragma: no cover
    _Request = None  # type: ignore[assignment,misc]


def _http_error(status: int, detail: Any) -> Exception:
    try:
        from fastapi import HTTPException

        return HTTPException(status_code=status, detail=detail)
    except ImportError:  # pragma: no cover
        return PermissionError(detail if isinstance(detail, str) else detail.get("message", "denied"))


async def _resolve(value: MaybeAwaitable) -> Any:
    return await value if inspect.isawaitable(value) else value


def _header_decision_grants(request: Any) -> Sequence[str]:
    raw = request.headers.get(DECISION_GRANT_HEADER)
    return [t.strip() for t in str(raw).split(",") if t.strip()] if raw else []


async def _json_body_arguments(request: Any) -> Optional[Mapping[str, Any]]:
    try:
        body = await request.json()
    except Exception:
        return None
    return body if isinstance(body, Mapping) else None


class GrantexEnforcer:
    """A FastAPI dependency: ``Depends(GrantexEnforcer(client))`` yields the allowed
    ``EnforceResult`` or answers 401/403 before the route runs.

    ``decision_grants(request)``, ``arguments(request)`` and ``case_version(request,
    arguments)`` (plain or async) supply decision grants for tools that need one (default:
    the ``Grantex-Decision-Grant`` header and the JSON body)."""

    def __init__(
        self,
        grantex: Any,
        *,
        decision_grants: Optional[Callable[[Any], MaybeAwaitable]] = None,
        arguments: Optional[Callable[[Any], MaybeAwaitable]] = None,
        case_version: Optional[Callable[[Any, Optional[Mapping[str, Any]]], MaybeAwaitable]] = None,
    ) -> None:
        self._grantex = grantex
        self._decision_grants = decision_grants or _header_decision_grants
        self._arguments = arguments or _json_body_arguments
        self._case_version = case_version

    async def __call__(
        self,
        connector: str = "",
        tool: str = "",
        authorization: str = _AUTHORIZATION,
        request: _Request = None,  # type: ignore[assignment]
    ) -> EnforceResult:
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        if not token:
            raise _http_error(401, "Missing grant token")
        extra: Dict[str, Any] = {}
        if request is not None:
            grants = await _resolve(self._decision_grants(request))
            if grants:
                if isinstance(grants, str) or not all(isinstance(g, str) for g in grants):
                    raise TypeError("decision_grants must return a sequence of token strings")
                call_arguments = await _resolve(self._arguments(request))
                extra["decision_grants"] = list(grants)
                if call_arguments is not None:
                    extra["arguments"] = call_arguments
                if self._case_version is not None:
                    version = await _resolve(self._case_version(request, call_arguments))
                    if version is not None:
                        extra["case_version"] = version
        enforce = self._grantex.enforce
        if inspect.iscoroutinefunction(enforce):
            result: EnforceResult = await enforce(token, connector, tool, **extra)
        else:
            # The blocking enforce may fetch keys or ask about revocation: off the event loop.
            result = await asyncio.to_thread(enforce, token, connector, tool, **extra)
        if not result.allowed:
            raise _http_error(403, {
                "code": "SCOPE_DENIED", "message": result.reason, "connector": connector, "tool": tool,
                "reason_code": result.reason_code, "sub_reason": result.sub_reason,
            })
        return result
