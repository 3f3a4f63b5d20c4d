"""The asyncio client, ``AsyncGrantex``: the surface of ``Grantex`` with awaitable methods.

Calls run on the Rust core's runtime (the same one the blocking client uses) and resolve on the
caller's event loop; cancelling the awaiting task cancels the call (its future is dropped).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, overload

from . import _native, _ops
from ._types import (
    Agent,
    AuditEntry,
    AuthorizationRequest,
    AuthorizeParams,
    ConsentApproval,
    ConsentDenial,
    ConsentRequest,
    CreatePrincipalSessionParams,
    DelegateParams,
    DelegateResponse,
    ExchangeTokenParams,
    ExchangeTokenResponse,
    Grant,
    ListAgentsResponse,
    ListAuditParams,
    ListAuditResponse,
    ListGrantsParams,
    ListGrantsResponse,
    LogAuditParams,
    PrincipalSessionResponse,
    RateLimit,
    RefreshTokenParams,
    RotateKeyResponse,
    SignupParams,
    SignupResponse,
    VerifiedGrant,
    VerifyTokenResponse,
)

__all__ = ["AsyncGrantex"]


class _Resource:
    def __init__(self, native: _native.NativeClient) -> None:
        self._native = native

    async def _call(self, op: _ops.Op) -> Any:
        return await self._native.acall(*op)


class AsyncAgentsClient(_Resource):
    """``client.agents``: register and manage agents."""

    async def register(self, *, name: str, scopes: Sequence[str], description: str = "") -> Agent:
        return Agent.from_dict(await self._call(_ops.register_agent(name, scopes, description)))

    async def get(self, agent_id: str) -> Agent:
        return Agent.from_dict(await self._call(_ops.by_id("agents.get", "agent_id", agent_id)))

    async def list(self) -> ListAgentsResponse:
        return ListAgentsResponse.from_dict(await self._call(("agents.list", None, None)))

    async def update(
        self,
        agent_id: str,
        *,
        name: Optional[str] = None,
        description: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        status: Optional[str] = None,
    ) -> Agent:
        """Change the given fields only (``PATCH /v1/agents/:id``)."""
        op = _ops.update_agent(agent_id, name, description, scopes, status)
        return Agent.from_dict(await self._call(op))

    async def delete(self, agent_id: str) -> None:
        await self._call(_ops.by_id("agents.delete", "agent_id", agent_id))


class AsyncTokensClient(_Resource):
    """``client.tokens``: exchange codes, refresh, verify online, revoke."""

    async def exchange(self, params: ExchangeTokenParams) -> ExchangeTokenResponse:
        """Trade an authorization code for a grant token (never retried: codes are single-use)."""
        return ExchangeTokenResponse.from_dict(await self._call(_ops.exchange(params)))

    async def refresh(self, params: RefreshTokenParams) -> ExchangeTokenResponse:
        return ExchangeTokenResponse.from_dict(await self._call(_ops.refresh(params)))

    async def verify(self, token: str) -> VerifyTokenResponse:
        """Online check (``POST /v1/tokens/verify``): also sees revocation."""
        return VerifyTokenResponse.from_dict(await self._call(_ops.by_id("tokens.verify", "token", token)))

    async def revoke(self, token_id: str) -> None:
        await self._call(_ops.by_id("tokens.revoke", "token_id", token_id))


class AsyncGrantsClient(_Resource):
    """``client.grants``: inspect, revoke (cascading to sub-agents), delegate."""

    async def get(self, grant_id: str) -> Grant:
        return Grant.from_dict(await self._call(_ops.by_id("grants.get", "grant_id", grant_id)))

    async def list(self, params: Optional[ListGrantsParams] = None) -> ListGrantsResponse:
        return ListGrantsResponse.from_dict(await self._call(_ops.list_grants(params)))

    async def revoke(self, grant_id: str) -> None:
        await self._call(_ops.by_id("grants.revoke", "grant_id", grant_id))

    async def delegate(
        self,
        params: Optional[DelegateParams] = None,
        *,
        parent_grant_token: Optional[str] = None,
        sub_agent_id: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        expires_in: Optional[str] = None,
    ) -> DelegateResponse:
        """Give a sub-agent a subset of this grant. The result also supports
        ``result["grantToken"]`` like the reference SDK's raw dict."""
        op = _ops.delegate(params or parent_grant_token, sub_agent_id, scopes, expires_in)
        return DelegateResponse.from_dict(await self._call(op))

    async def verify(self, token: str) -> VerifiedGrant:
        """Online verification; an inactive (e.g. revoked) grant raises ``GrantexTokenError``."""
        return VerifiedGrant.from_dict(await self._call(_ops.by_id("grants.verify", "token", token)))


class AsyncAuditClient(_Resource):
    """``client.audit``: the hash-chained audit log."""

    async def log(
        self,
        *,
        agent_id: str,
        agent_did: str,
        grant_id: str,
        principal_id: str,
        action: str,
        metadata: Optional[Dict[str, Any]] = None,
        status: str = "success",
    ) -> AuditEntry:
        params = LogAuditParams(
            agent_id=agent_id,
            agent_did=agent_did,
            grant_id=grant_id,
            principal_id=principal_id,
            action=action,
            metadata=metadata,
            status=status,
        )
        return AuditEntry.from_dict(await self._call(_ops.log_audit(params)))

    async def list(self, params: Optional[ListAuditParams] = None) -> ListAuditResponse:
        return ListAuditResponse.from_dict(await self._call(_ops.list_audit(params)))

    async def get(self, entry_id: str) -> AuditEntry:
        return AuditEntry.from_dict(await self._call(_ops.by_id("audit.get", "entry_id", entry_id)))


class AsyncConsentClient(_Resource):
    """``client.consent``: what the consent page does, for local and scripted flows."""

    async def get(self, request_id: str) -> ConsentRequest:
        return ConsentRequest.from_dict(await self._call(_ops.by_id("consent.get", "request_id", request_id)))

    async def approve(self, request_id: str) -> ConsentApproval:
        """Approve an authorization request; ``.code`` goes to ``tokens.exchange``."""
        return ConsentApproval.from_dict(
            await self._call(_ops.by_id("consent.approve", "request_id", request_id))
        )

    async def deny(self, request_id: str) -> ConsentDenial:
        return ConsentDenial.from_dict(await self._call(_ops.by_id("consent.deny", "request_id", request_id)))


class AsyncPrincipalSessionsClient(_Resource):
    """``client.principal_sessions``: dashboard sessions for end users."""

    async def create(self, params: CreatePrincipalSessionParams) -> PrincipalSessionResponse:
        return PrincipalSessionResponse.from_dict(await self._call(_ops.principal_session(params)))


class AsyncGrantex:
    """Asyncio client for the Grantex API; the same surface as ``Grantex``, awaitable.

    ``api_key`` defaults to ``GRANTEX_API_KEY`` and ``base_url`` to ``GRANTEX_BASE_URL``, then
    ``https://api.grantex.dev``. A missing key raises ``GrantexConfigError`` (a ``ValueError``).
    ``timeout`` is per attempt, in seconds; failed requests on 429/502/503/504 and network
    errors are retried ``max_retries`` times with back-off (``Retry-After`` honoured).
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        *,
        base_url: Optional[str] = None,
        timeout: float = 30.0,
        max_retries: int = 3,
    ) -> None:
        self._native = _native.NativeClient(
            api_key, base_url, float(timeout), int(max_retries), _ops.user_agent(_native.__version__)
        )
        self.agents = AsyncAgentsClient(self._native)
        self.tokens = AsyncTokensClient(self._native)
        self.grants = AsyncGrantsClient(self._native)
        self.audit = AsyncAuditClient(self._native)
        self.consent = AsyncConsentClient(self._native)
        self.principal_sessions = AsyncPrincipalSessionsClient(self._native)

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

    @staticmethod
    async def signup(params: SignupParams, *, base_url: Optional[str] = None) -> SignupResponse:
        """Create a developer account (no API key needed). Failures raise
        ``GrantexSignupError``, which is also a ``ValueError`` as in the reference SDK."""
        return SignupResponse.from_dict(await _native.asignup(base_url, _ops.signup(params)))

    @overload
    async def authorize(self, params: AuthorizeParams) -> AuthorizationRequest: ...

    @overload
    async def authorize(
        self,
        params: None = None,
        *,
        agent_id: str,
        user_id: str,
        scopes: Sequence[str],
        expires_in: Optional[str] = None,
        redirect_uri: Optional[str] = None,
        code_challenge: Optional[str] = None,
        code_challenge_method: Optional[str] = None,
        audience: Optional[str] = None,
        state: Optional[str] = None,
    ) -> AuthorizationRequest: ...

    async def authorize(
        self, params: Optional[AuthorizeParams] = None, **kwargs: Any
    ) -> AuthorizationRequest:
        """Start an authorization request: ``authorize(AuthorizeParams(...))`` or
        ``authorize(agent_id=..., user_id=..., scopes=[...])``."""
        return AuthorizationRequest.from_dict(await self._native.acall(*_ops.authorize(params, kwargs)))

    async def rotate_key(self) -> RotateKeyResponse:
        """Replace the API key; the old one stops working."""
        return RotateKeyResponse.from_dict(await self._native.acall("rotate_key"))

    def close(self) -> None:
        """Drop the connection pool. Later calls raise ``GrantexInvalidArgumentError``."""
        self._native.close()

    @property
    def closed(self) -> bool:
        return self._native.closed

    async def aclose(self) -> None:
        """Same as ``close()``, for ``async with`` symmetry."""
        self.close()

    async def __aenter__(self) -> AsyncGrantex:
        return self

    async def __aexit__(self, *args: object) -> None:
        self.close()

    def __enter__(self) -> AsyncGrantex:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AsyncGrantex(base_url={self.base_url!r})"

