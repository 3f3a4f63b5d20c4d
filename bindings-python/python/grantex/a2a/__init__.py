"""The A2A bridge: Grantex grant tokens inside Google A2A (draft 0.1) agent-to-agent calls.

- ``A2AClient`` / ``AsyncA2AClient`` call a remote agent (``send_task``, ``get_task``,
  ``cancel_task``) after verifying the grant token offline — signature, expiry, the card's
  scopes and delegation rule — so a token the agent would refuse is never sent.
- ``A2AGuard(A2APolicy(...))`` is the receiving side: ``check(authorization, method)`` returns
  the ``VerifiedGrant`` or raises ``A2AAuthError`` (401/403/503 and the JSON-RPC error body);
  ``GrantexA2AMiddleware(app, guard)`` puts it in front of any ASGI app.
- ``build_grantex_agent_card`` builds the card served at ``/.well-known/agent.json``.

All the rules live in the Rust core (``grantex::a2a``); this package converts types.
"""

from __future__ import annotations

from ._asgi import GRANT_STATE_KEY, MAX_BODY_BYTES, GrantexA2AMiddleware
from ._card import (
    AGENT_CARD_PATH,
    A2AAgentCard,
    GrantexAgentCardOptions,
    GrantexAuthConfig,
    build_grantex_agent_card,
)
from ._client import A2AClient, A2AGrantexClient, A2AGrantexClientOptions, AsyncA2AClient
from ._errors import (
    A2AAuthError,
    A2ACardError,
    A2AConfigError,
    A2AError,
    A2AHttpError,
    A2ANetworkError,
    A2APreflightError,
    A2AProtocolError,
    A2ARpcError,
    A2ATimeoutError,
)
from ._guard import (
    A2AAuthMiddlewareOptions,
    A2AGuard,
    A2APolicy,
    RevocationOnline,
    create_a2a_auth_middleware,
    peek_request,
)
from ._types import (
    A2AArtifact,
    A2AFileContent,
    A2AMessage,
    A2APart,
    A2ATask,
    A2ATaskStatus,
    TaskCancelParams,
    TaskGetParams,
    TaskSendParams,
)

__all__ = [
    "AGENT_CARD_PATH",
    "GRANT_STATE_KEY",
    "MAX_BODY_BYTES",
    "A2AAgentCard",
    "A2AArtifact",
    "A2AAuthError",
    "A2AAuthMiddlewareOptions",
    "A2ACardError",
    "A2AClient",
    "A2AConfigError",
    "A2AError",
    "A2AFileContent",
    "A2AGrantexClient",
    "A2AGrantexClientOptions",
    "A2AGuard",
    "A2AHttpError",
    "A2AMessage",
    "A2ANetworkError",
    "A2APart",
    "A2APolicy",
    "A2APreflightError",
    "A2AProtocolError",
    "A2ARpcError",
    "A2ATask",
    "A2ATaskStatus",
    "A2ATimeoutError",
    "AsyncA2AClient",
    "GrantexA2AMiddleware",
    "GrantexAgentCardOptions",
    "GrantexAuthConfig",
    "RevocationOnline",
    "TaskCancelParams",
    "TaskGetParams",
    "TaskSendParams",
    "build_grantex_agent_card",
    "create_a2a_auth_middleware",
    "peek_request",
]
