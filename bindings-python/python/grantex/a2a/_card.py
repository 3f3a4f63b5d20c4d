"""Agent cards (``/.well-known/agent.json``) with the Grantex bearer scheme.

The core builds, validates and serialises cards; ``A2AAgentCard`` keeps the core's JSON (so
``to_json()`` is exactly what the core produced) and exposes its fields in snake_case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .. import _native

if TYPE_CHECKING:
    from .._native import A2AGuard

__all__ = [
    "AGENT_CARD_PATH",
    "GrantexAuthConfig",
    "A2AAgentCard",
    "GrantexAgentCardOptions",
    "build_grantex_agent_card",
]

AGENT_CARD_PATH = "/.well-known/agent.json"
"""Where an agent serves its card, relative to its URL."""


@dataclass(frozen=True)
class GrantexAuthConfig:
    """The Grantex settings of a card's bearer scheme (``grantexConfig``)."""

    jwks_uri: str
    issuer: str
    required_scopes: Optional[Tuple[str, ...]] = None
    delegation_allowed: Optional[bool] = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GrantexAuthConfig:
        scopes = data.get("requiredScopes")
        return cls(
            jwks_uri=data["jwksUri"],
            issuer=data["issuer"],
            required_scopes=tuple(scopes) if scopes is not None else None,
            delegation_allowed=data.get("delegationAllowed"),
        )


@dataclass(frozen=True)
class A2AAgentCard:
    """An A2A agent card. Build one with ``build_grantex_agent_card``, parse one with
    ``A2AAgentCard.from_json``; serve ``card.to_json()``."""

    name: str
    description: str
    url: str
    version: Optional[str]
    provider: Optional[Dict[str, Any]]
    capabilities: Optional[Dict[str, Any]]
    authentication: Optional[Dict[str, Any]]
    default_input_modes: Optional[Tuple[str, ...]]
    default_output_modes: Optional[Tuple[str, ...]]
    skills: Optional[Tuple[Dict[str, Any], ...]]
    grantex_config: Optional[GrantexAuthConfig]
    """The Grantex settings of the first bearer scheme carrying them (found by the core)."""
    _json: Dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def _from_native(cls, parts: Tuple[Any, Optional[Any]]) -> A2AAgentCard:
        card, config = parts

        def strings(key: str) -> Optional[Tuple[str, ...]]:
            v = card.get(key)
            return tuple(v) if v is not None else None

        skills = card.get("skills")
        return cls(
            name=card["name"],
            description=card.get("description", ""),
            url=card["url"],
            version=card.get("version"),
            provider=card.get("provider"),
            capabilities=card.get("capabilities"),
            authentication=card.get("authentication"),
            default_input_modes=strings("defaultInputModes"),
            default_output_modes=strings("defaultOutputModes"),
            skills=tuple(skills) if skills is not None else None,
            grantex_config=GrantexAuthConfig.from_dict(config) if config is not None else None,
            _json=card,
        )

    @classmethod
    def from_json(cls, text: str) -> A2AAgentCard:
        """Parse and validate card JSON (at most 1 MiB); ``A2ACardError`` when invalid."""
        return cls._from_native(_native.parse_agent_card(text))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> A2AAgentCard:
        return cls.from_json(json.dumps(data))

    @property
    def required_scopes(self) -> Tuple[str, ...]:
        """Scopes every caller's token needs (empty when the card declares none)."""
        cfg = self.grantex_config
        return (cfg.required_scopes or ()) if cfg is not None else ()

    def to_dict(self) -> Dict[str, Any]:
        """The card's camelCase JSON object (a copy)."""
        result: Dict[str, Any] = json.loads(self.to_json())
        return result

    def to_json(self) -> str:
        """The JSON served at ``/.well-known/agent.json``."""
        return json.dumps(self._json, separators=(",", ":"))


@dataclass
class GrantexAgentCardOptions:
    """What ``build_grantex_agent_card`` takes. ``provider``, ``capabilities`` and ``skills``
    are in the wire's camelCase shape (``{"organization": ..}``, ``{"streaming": ..}``,
    ``[{"id": .., "name": ..}]``)."""

    name: str
    description: str
    url: str
    jwks_uri: Optional[str] = None
    issuer: Optional[str] = None
    required_scopes: Optional[Sequence[str]] = None
    delegation_allowed: Optional[bool] = None
    version: Optional[str] = None
    provider: Optional[Mapping[str, Any]] = None
    capabilities: Optional[Mapping[str, Any]] = None
    skills: Optional[Sequence[Mapping[str, Any]]] = None
    default_input_modes: Optional[Sequence[str]] = None
    default_output_modes: Optional[Sequence[str]] = None

    def to_dict(self) -> Dict[str, Any]:
        def strings(v: Optional[Sequence[str]]) -> Optional[List[str]]:
            if v is None:
                return None
            if isinstance(v, (str, bytes)):
                raise TypeError("expected a list of strings, not a single string")
            return list(v)

        body = {
            "name": self.name,
            "description": self.description,
            "url": self.url,
            "jwksUri": self.jwks_uri,
            "issuer": self.issuer,
            "requiredScopes": strings(self.required_scopes),
            "delegationAllowed": self.delegation_allowed,
            "version": self.version,
            "provider": dict(self.provider) if self.provider is not None else None,
            "capabilities": dict(self.capabilities) if self.capabilities is not None else None,
            "skills": [dict(s) for s in self.skills] if self.skills is not None else None,
            "defaultInputModes": strings(self.default_input_modes),
            "defaultOutputModes": strings(self.default_output_modes),
        }
        return {k: v for k, v in body.items() if v is not None}


def build_grantex_agent_card(
    options: Optional[GrantexAgentCardOptions] = None,
    *,
    guard: Optional[A2AGuard] = None,
    **kwargs: Any,
) -> A2AAgentCard:
    """Build a card declaring the Grantex bearer scheme.

    ``build_grantex_agent_card(GrantexAgentCardOptions(...))`` or with the same fields as
    keywords. With ``guard=``, the scheme (JWKS URI, issuer, required scopes, whether
    delegation is accepted) comes from that guard's policy, so the card always says what the
    guard enforces; fields given explicitly win. Raises ``A2AConfigError`` for an empty name,
    a non-http(s) URL, or Grantex settings without both ``jwks_uri`` and ``issuer``.
    """
    if options is None:
        options = GrantexAgentCardOptions(**kwargs)
    elif kwargs:
        raise TypeError("give GrantexAgentCardOptions or keyword fields, not both")
    body = options.to_dict()
    if guard is not None:
        scheme = guard.auth_scheme()
        config = (scheme or {}).get("grantexConfig") or {}
        for key, value in config.items():
            body.setdefault(key, value)
    return A2AAgentCard._from_native(_native.build_agent_card(json.dumps(body)))
