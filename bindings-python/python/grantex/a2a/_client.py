"""``A2AClient`` / ``AsyncA2AClient``: call a remote A2A agent with a Grantex grant token.

Before every call the core verifies the token offline — the real RS256 signature against the
issuer's JWKS, expiry, the card's ``requiredScopes`` and ``delegationAllowed`` — so a token
the agent would refuse is never sent (``A2APreflightError``). Then one JSON-RPC POST with
``Authorization: Bearer <token>``. Blocking calls release the GIL and stop on Ctrl-C.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Union

from .. import _native
from .._types import VerifiedGrant
from ._card import A2AAgentCard
from ._types import A2AMessage, A2ATask, TaskCancelParams, TaskGetParams, TaskSendParams

__all__ = ["A2AClient", "AsyncA2AClient", "A2AGrantexClient", "A2AGrantexClientOptions"]

METHOD_SEND = "tasks/send"
METHOD_GET = "tasks/get"
METHOD_CANCEL = "tasks/cancel"


def _scopes(values: Optional[Sequence[str]]) -> Optional[List[str]]:
    if values is None:
        return None
    if isinstance(values, (str, bytes)):
        raise TypeError("required_scopes must be a list of strings, not a single string")
    return list(values)


def _send(params: Union[TaskSendParams, str]) -> str:
    if isinstance(params, str):
        params = TaskSendParams(message=A2AMessage.user_text(params))
    return json.dumps(params.to_dict())


def _get(params: Union[TaskGetParams, str]) -> str:
    return json.dumps((TaskGetParams(params) if isinstance(params, str) else params).to_dict())


def _cancel(params: Union[TaskCancelParams, str]) -> str:
    return json.dumps((TaskCancelParams(params) if isinstance(params, str) else params).to_dict())


class _Base:
    def __init__(
        self,
        agent_url: str,
        grant_token: str,
        *,
        card: Optional[A2AAgentCard] = None,
        jwks_uri: Optional[str] = None,
        jwks_json: Optional[str] = None,
        issuer: Optional[str] = None,
        audience: Optional[str] = None,
        required_scopes: Optional[Sequence[str]] = None,
        clock_tolerance: int = 0,
        timeout: Optional[float] = None,
    ) -> None:
        """``agent_url``: the agent's JSON-RPC URL (its card is fetched once from
        ``<agent_url>/.well-known/agent.json`` unless ``card`` is given). ``jwks_uri`` /
        ``jwks_json`` pin the issuer's keys (default: the card's ``jwksUri``); ``issuer``
        must match the card's when both name one; ``audience`` and ``required_scopes`` are
        checked on top of the card's requirements. ``timeout`` is per request (default 30 s).
        """
        self._native = _native.NativeA2AClient(
            agent_url,
            grant_token,
            card.to_json() if card is not None else None,
            jwks_uri,
            jwks_json,
            issuer,
            audience,
            _scopes(required_scopes),
            clock_tolerance,
            timeout,
        )

    @property
    def agent_url(self) -> str:
        return self._native.agent_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.agent_url!r})"


class A2AClient(_Base):
    """Blocking client for one remote agent and one grant token. Thread-safe."""

    def card(self) -> A2AAgentCard:
        """The remote agent's card (fetched once, then reused)."""
        return A2AAgentCard._from_native(self._native.card())

    def preflight(self) -> VerifiedGrant:
        """Run the offline check on its own: the verified grant, or ``A2APreflightError``."""
        return self._native.preflight()

    def send_task(self, params: Union[TaskSendParams, str]) -> A2ATask:
        """``tasks/send``; a plain string sends one user text message."""
        return A2ATask.from_dict(self._native.call(METHOD_SEND, _send(params)))

    def get_task(self, params: Union[TaskGetParams, str]) -> A2ATask:
        """``tasks/get``; a plain string is the task id."""
        return A2ATask.from_dict(self._native.call(METHOD_GET, _get(params)))

    def cancel_task(self, params: Union[TaskCancelParams, str]) -> A2ATask:
        """``tasks/cancel``; a plain string is the task id."""
        return A2ATask.from_dict(self._native.call(METHOD_CANCEL, _cancel(params)))

    def call(self, method: str, params: Any = None) -> Any:
        """Any JSON-RPC method (pre-flight first); returns the ``result`` as JSON values."""
        return self._native.call(method, json.dumps(params))


class AsyncA2AClient(_Base):
    """The asyncio twin of ``A2AClient``: the same methods, awaitable."""

    async def card(self) -> A2AAgentCard:
        return A2AAgentCard._from_native(await self._native.acard())

    async def preflight(self) -> VerifiedGrant:
        return await self._native.apreflight()

    async def send_task(self, params: Union[TaskSendParams, str]) -> A2ATask:
        return A2ATask.from_dict(await self._native.acall(METHOD_SEND, _send(params)))

    async def get_task(self, params: Union[TaskGetParams, str]) -> A2ATask:
        return A2ATask.from_dict(await self._native.acall(METHOD_GET, _get(params)))

    async def cancel_task(self, params: Union[TaskCancelParams, str]) -> A2ATask:
        return A2ATask.from_dict(await self._native.acall(METHOD_CANCEL, _cancel(params)))

    async def call(self, method: str, params: Any = None) -> Any:
        return await self._native.acall(method, json.dumps(params))


@dataclass
class A2AGrantexClientOptions:
    """The reference ``grantex_a2a`` constructor options."""

    agent_url: str
    grant_token: str
    required_scope: Optional[str] = None


class A2AGrantexClient(A2AClient):
    """``A2AClient`` with the reference package's constructor:
    ``A2AGrantexClient(A2AGrantexClientOptions(agent_url, grant_token, required_scope))``.
    Unlike the reference, the token is verified (signature included) before every call."""

    def __init__(self, options: A2AGrantexClientOptions) -> None:
        scopes = [options.required_scope] if options.required_scope else None
        super().__init__(options.agent_url, options.grant_token, required_scopes=scopes)
