"""Request and response types.

Field names follow the reference ``grantex`` Python SDK. Responses are frozen dataclasses
built with ``from_dict`` from the wire's camelCase JSON; lists become tuples. Request
parameters are mutable dataclasses with ``to_dict`` (camelCase, ``None`` dropped).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "RateLimit",
    "SignupParams",
    "SignupResponse",
    "RotateKeyResponse",
    "AuthorizeParams",
    "AuthorizationRequest",
    "ConsentRequest",
    "ConsentApproval",
    "ConsentDenial",
    "Agent",
    "ListAgentsResponse",
    "ExchangeTokenParams",
    "RefreshTokenParams",
    "ExchangeTokenResponse",
    "VerifyTokenResponse",
    "Grant",
    "ListGrantsParams",
    "ListGrantsResponse",
    "DelegateParams",
    "DelegateResponse",
    "LogAuditParams",
    "AuditEntry",
    "ListAuditParams",
    "ListAuditResponse",
    "CreatePrincipalSessionParams",
    "PrincipalSessionResponse",
    "VerifiedGrant",
    "PkceChallenge",
    "AuditChainReport",
]


def _drop_none(body: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def _str_list(name: str, values: Union[Sequence[str], None]) -> Optional[List[str]]:
    """A list of strings from any sequence; a bare string is refused (it is a sequence of
    characters, almost certainly a mistake)."""
    if values is None:
        return None
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a list of strings, not a single string")
    return [str(v) for v in values]


# ─── Rate limits and accounts ──────────────────────────────────────────────────


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int
    retry_after: Optional[int] = None


@dataclass
class SignupParams:
    name: str
    email: Optional[str] = None
    mode: Optional[str] = None
    """``"live"`` (default) or ``"sandbox"``."""

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none({"name": self.name, "email": self.email, "mode": self.mode})


@dataclass(frozen=True)
class SignupResponse:
    developer_id: str
    api_key: str
    name: str
    email: Optional[str]
    mode: str
    created_at: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SignupResponse:
        return cls(
            developer_id=data["developerId"],
            api_key=data["apiKey"],
            name=data["name"],
            email=data.get("email"),
            mode=data["mode"],
            created_at=data["createdAt"],
        )


@dataclass(frozen=True)
class RotateKeyResponse:
    api_key: str
    rotated_at: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RotateKeyResponse:
        return cls(api_key=data["apiKey"], rotated_at=data["rotatedAt"])


# ─── Authorization and consent ─────────────────────────────────────────────────


@dataclass
class AuthorizeParams:
    agent_id: str
    user_id: str
    """The principal (human) the agent acts for; sent as ``principalId``."""
    scopes: List[str]
    expires_in: Optional[str] = None
    redirect_uri: Optional[str] = None
    code_challenge: Optional[str] = None
    code_challenge_method: Optional[str] = None
    audience: Optional[str] = None
    state: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "agentId": self.agent_id,
                "principalId": self.user_id,
                "scopes": _str_list("scopes", self.scopes),
                "expiresIn": self.expires_in,
                "redirectUri": self.redirect_uri,
                "codeChallenge": self.code_challenge,
                "codeChallengeMethod": self.code_challenge_method,
                "audience": self.audience,
                "state": self.state,
            }
        )


@dataclass(frozen=True)
class AuthorizationRequest:
    request_id: str
    consent_url: str
    agent_id: str
    principal_id: str
    scopes: Tuple[str, ...]
    expires_in: str
    expires_at: str
    status: str
    created_at: str
    code: Optional[str] = None
    """Set at once in sandbox mode; in live mode the human's consent yields it."""
    sandbox: Optional[bool] = None
    policy_enforced: Optional[bool] = None
    effect: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        return cls(
            request_id=data.get("authRequestId", ""),
            consent_url=data.get("consentUrl", ""),
            agent_id=data.get("agentId") or "",
            principal_id=data.get("principalId") or "",
            scopes=tuple(data.get("scopes") or ()),
            expires_in=data.get("expiresIn") or "",
            expires_at=data.get("expiresAt", ""),
            status=data.get("status") or "",
            created_at=data.get("createdAt") or "",
            code=data.get("code"),
            sandbox=data.get("sandbox"),
            policy_enforced=data.get("policyEnforced"),
            effect=data.get("effect"),
        )


@dataclass(frozen=True)
class ConsentRequest:
    """What the consent page shows the human (``GET /v1/consent/:id``)."""

    id: str
    agent_name: str
    agent_did: str
    agent_description: Optional[str]
    scopes: Tuple[str, ...]
    scope_descriptions: Tuple[str, ...]
    expires_at: str
    status: str
    fido_required: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentRequest:
        return cls(
            id=data["id"],
            agent_name=data["agentName"],
            agent_did=data["agentDid"],
            agent_description=data.get("agentDescription"),
            scopes=tuple(data.get("scopes") or ()),
            scope_descriptions=tuple(data.get("scopeDescriptions") or ()),
            expires_at=data["expiresAt"],
            status=data["status"],
            fido_required=bool(data.get("fidoRequired", False)),
        )


@dataclass(frozen=True)
class ConsentApproval:
    """The human approved: ``code`` goes to ``tokens.exchange``."""

    code: str
    redirect_uri: Optional[str] = None
    state: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentApproval:
        return cls(code=data["code"], redirect_uri=data.get("redirectUri"), state=data.get("state"))


@dataclass(frozen=True)
class ConsentDenial:
    redirect_uri: Optional[str] = None
    state: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentDenial:
        return cls(redirect_uri=data.get("redirectUri"), state=data.get("state"))


# ─── Agents ────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Agent:
    id: str
    did: str
    name: str
    description: str
    scopes: Tuple[str, ...]
    status: str
    developer_id: str
    created_at: str
    updated_at: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Agent:
        return cls(
            id=data.get("id") or data.get("agentId", ""),
            did=data.get("did", ""),
            name=data["name"],
            description=data.get("description", ""),
            scopes=tuple(data.get("scopes") or ()),
            status=data["status"],
            developer_id=data.get("developerId", ""),
            created_at=data.get("createdAt", ""),
            updated_at=data.get("updatedAt", ""),
        )


@dataclass(frozen=True)
class ListAgentsResponse:
    agents: Tuple[Agent, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListAgentsResponse:
        return cls(agents=tuple(Agent.from_dict(a) for a in data.get("agents") or ()))


# ─── Tokens ────────────────────────────────────────────────────────────────────


@dataclass
class ExchangeTokenParams:
    code: str
    agent_id: str
    code_verifier: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {"code": self.code, "agentId": self.agent_id, "codeVerifier": self.code_verifier}
        )


@dataclass
class RefreshTokenParams:
    refresh_token: str
    agent_id: str
    idempotency_key: Optional[str] = None
    """Sent as the ``Idempotency-Key`` header; the core picks a stable one when unset."""

    def to_dict(self) -> Dict[str, Any]:
        return {"refreshToken": self.refresh_token, "agentId": self.agent_id}


@dataclass(frozen=True)
class ExchangeTokenResponse:
    grant_token: str
    expires_at: str
    scopes: Tuple[str, ...]
    refresh_token: str
    grant_id: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExchangeTokenResponse:
        return cls(
            grant_token=data["grantToken"],
            expires_at=data["expiresAt"],
            scopes=tuple(data.get("scopes") or ()),
            refresh_token=data["refreshToken"],
            grant_id=data["grantId"],
        )


@dataclass(frozen=True)
class VerifyTokenResponse:
    valid: bool
    grant_id: Optional[str]
    scopes: Optional[Tuple[str, ...]]
    principal: Optional[str]
    agent: Optional[str]
    expires_at: Optional[str]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerifyTokenResponse:
        raw = data.get("scopes")
        return cls(
            valid=bool(data["valid"]),
            grant_id=data.get("grantId"),
            scopes=tuple(raw) if raw is not None else None,
            principal=data.get("principal"),
            agent=data.get("agent"),
            expires_at=data.get("expiresAt"),
        )


# ─── Grants ────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Grant:
    id: str
    agent_id: str
    agent_did: str
    principal_id: str
    developer_id: str
    scopes: Tuple[str, ...]
    status: str
    issued_at: str
    expires_at: str
    revoked_at: Optional[str]
    delegation_depth: int = 0
    parent_grant_id: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Grant:
        return cls(
            id=data.get("id") or data.get("grantId", ""),
            agent_id=data.get("agentId", ""),
            agent_did=data.get("agentDid") or "",
            principal_id=data.get("principalId", ""),
            developer_id=data.get("developerId", ""),
            scopes=tuple(data.get("scopes") or ()),
            status=data.get("status", ""),
            issued_at=data.get("issuedAt", ""),
            expires_at=data.get("expiresAt", ""),
            revoked_at=data.get("revokedAt"),
            delegation_depth=int(data.get("delegationDepth") or 0),
            parent_grant_id=data.get("parentGrantId"),
        )


@dataclass
class ListGrantsParams:
    agent_id: Optional[str] = None
    principal_id: Optional[str] = None
    status: Optional[str] = None
    page: Optional[int] = None
    page_size: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "agentId": self.agent_id,
                "principalId": self.principal_id,
                "status": self.status,
                "page": self.page,
                "pageSize": self.page_size,
            }
        )


@dataclass(frozen=True)
class ListGrantsResponse:
    grants: Tuple[Grant, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListGrantsResponse:
        return cls(grants=tuple(Grant.from_dict(g) for g in data.get("grants") or ()))


@dataclass
class DelegateParams:
    parent_grant_token: str
    sub_agent_id: str
    scopes: List[str]
    expires_in: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "parentGrantToken": self.parent_grant_token,
                "subAgentId": self.sub_agent_id,
                "scopes": _str_list("scopes", self.scopes),
                "expiresIn": self.expires_in,
            }
        )


_DELEGATE_WIRE = {
    "grantToken": "grant_token",
    "expiresAt": "expires_at",
    "scopes": "scopes",
    "grantId": "grant_id",
    "refreshToken": "refresh_token",
}


@dataclass(frozen=True)
class DelegateResponse:
    """Result of ``grants.delegate``.

    The reference SDK returned the raw JSON dict, so this also answers item access with the
    camelCase wire keys: ``result["grantToken"]``, ``result.get("grantId")``, ``dict(result)``.
    """

    grant_token: str
    expires_at: str
    scopes: Tuple[str, ...]
    grant_id: str
    refresh_token: Optional[str] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DelegateResponse:
        return cls(
            grant_token=data["grantToken"],
            expires_at=data["expiresAt"],
            scopes=tuple(data.get("scopes") or ()),
            grant_id=data["grantId"],
            refresh_token=data.get("refreshToken"),
        )

    def to_dict(self) -> Dict[str, Any]:
        """The wire form (camelCase keys; ``scopes`` as a list)."""
        out: Dict[str, Any] = {}
        for wire, attr in _DELEGATE_WIRE.items():
            value = getattr(self, attr)
            if value is None:
                continue
            out[wire] = list(value) if attr == "scopes" else value
        return out

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def keys(self) -> List[str]:
        return list(self.to_dict().keys())

    def values(self) -> List[Any]:
        return list(self.to_dict().values())

    def items(self) -> List[Tuple[str, Any]]:
        return list(self.to_dict().items())

    def __contains__(self, key: object) -> bool:
        return key in self.to_dict()

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())


# ─── Audit ─────────────────────────────────────────────────────────────────────


@dataclass
class LogAuditParams:
    agent_id: str
    agent_did: str
    grant_id: str
    principal_id: str
    action: str
    metadata: Optional[Dict[str, Any]] = None
    status: str = "success"

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "agentId": self.agent_id,
                "agentDid": self.agent_did,
                "grantId": self.grant_id,
                "principalId": self.principal_id,
                "action": self.action,
                "metadata": self.metadata,
                "status": self.status,
            }
        )


@dataclass(frozen=True)
class AuditEntry:
    entry_id: str
    agent_id: str
    agent_did: str
    grant_id: str
    principal_id: str
    action: str
    metadata: Dict[str, Any]
    hash: str
    prev_hash: Optional[str]
    timestamp: str
    status: str
    developer_id: str = ""
    """Part of the hashed content, so ``verify_audit_chain`` needs it."""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        return cls(
            entry_id=data.get("entryId") or data["id"],
            agent_id=data["agentId"],
            agent_did=data["agentDid"],
            grant_id=data["grantId"],
            principal_id=data["principalId"],
            action=data["action"],
            metadata=data.get("metadata") or {},
            hash=data["hash"],
            prev_hash=data.get("prevHash"),
            timestamp=data["timestamp"],
            status=data.get("status", "success"),
            developer_id=data.get("developerId", ""),
        )

    def to_dict(self) -> Dict[str, Any]:
        """The wire form, as the API returns it."""
        return {
            "entryId": self.entry_id,
            "agentId": self.agent_id,
            "agentDid": self.agent_did,
            "grantId": self.grant_id,
            "principalId": self.principal_id,
            "developerId": self.developer_id,
            "action": self.action,
            "metadata": self.metadata,
            "hash": self.hash,
            "prevHash": self.prev_hash,
            "timestamp": self.timestamp,
            "status": self.status,
        }


@dataclass
class ListAuditParams:
    agent_id: Optional[str] = None
    grant_id: Optional[str] = None
    principal_id: Optional[str] = None
    action: Optional[str] = None
    since: Optional[str] = None
    until: Optional[str] = None
    page: Optional[int] = None
    page_size: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none(
            {
                "agentId": self.agent_id,
                "grantId": self.grant_id,
                "principalId": self.principal_id,
                "action": self.action,
                "since": self.since,
                "until": self.until,
                "page": self.page,
                "pageSize": self.page_size,
            }
        )


@dataclass(frozen=True)
class ListAuditResponse:
    entries: Tuple[AuditEntry, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListAuditResponse:
        return cls(entries=tuple(AuditEntry.from_dict(e) for e in data.get("entries") or ()))


@dataclass(frozen=True)
class AuditChainReport:
    """Result of ``verify_audit_chain``. ``reason`` is ``"link"`` (an entry was removed,
    inserted or reordered) or ``"content"`` (an entry was altered)."""

    valid: bool
    checked_entries: int
    first_broken_at: Optional[str] = None
    reason: Optional[str] = None


# ─── Principal sessions ────────────────────────────────────────────────────────


@dataclass
class CreatePrincipalSessionParams:
    principal_id: str
    expires_in: Optional[str] = None

    def to_dict(self) -> Dict[str, Any]:
        return _drop_none({"principalId": self.principal_id, "expiresIn": self.expires_in})


@dataclass(frozen=True)
class PrincipalSessionResponse:
    session_token: str
    dashboard_url: str
    expires_at: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PrincipalSessionResponse:
        return cls(
            session_token=data["sessionToken"],
            dashboard_url=data["dashboardUrl"],
            expires_at=data["expiresAt"],
        )


# ─── Verification, PKCE ────────────────────────────────────────────────────────


@dataclass(frozen=True)
class VerifiedGrant:
    """A verified grant token. The native module builds it positionally: keep the order."""

    token_id: str
    grant_id: str
    principal_id: str
    agent_did: str
    developer_id: str
    scopes: Tuple[str, ...]
    issued_at: int
    expires_at: int
    parent_agent_did: Optional[str] = None
    parent_grant_id: Optional[str] = None
    delegation_depth: int = 0
    audience: Tuple[str, ...] = ()
    issuer: Optional[str] = None
    budget: Optional[float] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerifiedGrant:
        """From the core's camelCase JSON form (``grants.verify``)."""
        return cls(
            token_id=data["tokenId"],
            grant_id=data["grantId"],
            principal_id=data["principalId"],
            agent_did=data["agentDid"],
            developer_id=data["developerId"],
            scopes=tuple(data.get("scopes") or ()),
            issued_at=int(data["issuedAt"]),
            expires_at=int(data["expiresAt"]),
            parent_agent_did=data.get("parentAgentDid"),
            parent_grant_id=data.get("parentGrantId"),
            delegation_depth=int(data.get("delegationDepth") or 0),
            audience=tuple(data.get("audience") or ()),
            issuer=data.get("issuer"),
            budget=data.get("budget"),
        )


@dataclass(frozen=True)
class PkceChallenge:
    code_verifier: str
    code_challenge: str
    code_challenge_method: str


