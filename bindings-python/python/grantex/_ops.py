"""Request building shared by ``Grantex`` and ``AsyncGrantex``.

Each builder returns ``(operation, arg, body_json)`` for the native dispatcher, so the sync
and async clients send byte-identical requests; only how they wait differs.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ._types import (
    AuthorizeParams,
    CreatePrincipalSessionParams,
    DelegateParams,
    ExchangeTokenParams,
    ListAuditParams,
    ListGrantsParams,
    LogAuditParams,
    RefreshTokenParams,
    SignupParams,
    _str_list,
)

Op = Tuple[str, Optional[str], Optional[str]]

_USER_AGENT_PREFIX = "grantex-python/"


def dumps(body: Union[Mapping[str, Any], List[Any]]) -> str:
    """JSON text of a request body (``TypeError`` for values JSON cannot hold)."""
    return json.dumps(body, separators=(",", ":"), allow_nan=False)


def _id(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def authorize(params: Optional[AuthorizeParams], kwargs: Dict[str, Any]) -> Op:
    if params is not None and kwargs:
        raise TypeError("authorize() takes either an AuthorizeParams or keyword arguments, not both")
    if params is None:
        params = AuthorizeParams(**kwargs)
    if not isinstance(params, AuthorizeParams):
        raise TypeError("authorize() expects an AuthorizeParams")
    return ("authorize", None, dumps(params.to_dict()))


def signup(params: SignupParams) -> str:
    return dumps(params.to_dict())


def register_agent(name: str, scopes: Sequence[str], description: str) -> Op:
    body = {"name": name, "description": description, "scopes": _str_list("scopes", scopes)}
    return ("agents.register", None, dumps(body))


def update_agent(
    agent_id: str,
    name: Optional[str],
    description: Optional[str],
    scopes: Optional[Sequence[str]],
    status: Optional[str],
) -> Op:
    body: Dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if description is not None:
        body["description"] = description
    if scopes is not None:
        body["scopes"] = _str_list("scopes", scopes)
    if status is not None:
        body["status"] = status
    return ("agents.update", _id("agent_id", agent_id), dumps(body))


def by_id(op: str, name: str, value: str) -> Op:
    return (op, _id(name, value), None)


def exchange(params: ExchangeTokenParams) -> Op:
    return ("tokens.exchange", None, dumps(params.to_dict()))


def refresh(params: RefreshTokenParams) -> Op:
    return ("tokens.refresh", params.idempotency_key, dumps(params.to_dict()))


def list_grants(params: Optional[ListGrantsParams]) -> Op:
    return ("grants.list", None, dumps((params or ListGrantsParams()).to_dict()))


def delegate(
    parent_grant_token: Union[str, DelegateParams, None],
    sub_agent_id: Optional[str],
    scopes: Optional[Sequence[str]],
    expires_in: Optional[str],
) -> Op:
    if isinstance(parent_grant_token, DelegateParams):
        params = parent_grant_token
    else:
        if parent_grant_token is None or sub_agent_id is None or scopes is None:
            raise TypeError("delegate() needs parent_grant_token, sub_agent_id and scopes")
        params = DelegateParams(
            parent_grant_token=parent_grant_token,
            sub_agent_id=sub_agent_id,
            scopes=list(_str_list("scopes", scopes) or []),
            expires_in=expires_in,
        )
    return ("grants.delegate", None, dumps(params.to_dict()))


def log_audit(params: LogAuditParams) -> Op:
    return ("audit.log", None, dumps(params.to_dict()))


def list_audit(params: Optional[ListAuditParams]) -> Op:
    return ("audit.list", None, dumps((params or ListAuditParams()).to_dict()))


def principal_session(params: CreatePrincipalSessionParams) -> Op:
    return ("principal_sessions.create", None, dumps(params.to_dict()))


def user_agent(version: str) -> str:
    return _USER_AGENT_PREFIX + version


__all__: List[str] = []
