"""Hand-written helpers of the generated ``_types.py``, and the few types that are not wire
types of an API operation (built by the native helpers instead).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = ["AuditChainReport", "PkceChallenge", "RateLimit", "WireMapping"]


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


def _names(key: Union[str, Tuple[str, ...]]) -> Tuple[str, ...]:
    return (key,) if isinstance(key, str) else key


def _req(data: Mapping[str, Any], key: Union[str, Tuple[str, ...]]) -> Any:
    """A required member (the first of its names present); ``KeyError`` names the wire key."""
    for name in _names(key):
        if name in data:
            return data[name]
    raise KeyError(_names(key)[0])


def _get(data: Mapping[str, Any], key: Union[str, Tuple[str, ...]], default: Any) -> Any:
    """An optional member: the first of its names that is present and not null, else ``default``."""
    for name in _names(key):
        value = data.get(name)
        if value is not None:
            return value
    return default


def _tuple(value: Any) -> Tuple[Any, ...]:
    return tuple(value) if value is not None else ()


def _nested(cls: Any, value: Any) -> Any:
    return cls.from_dict(value) if value is not None else None


def _nested_list(cls: Any, value: Any) -> Tuple[Any, ...]:
    return tuple(cls.from_dict(v) for v in value or ())


class WireMapping(abc.ABC):
    """Read-only mapping access with the camelCase wire keys, for results the reference SDK
    returned as raw dicts: ``result["grantToken"]``, ``result.get("grantId")``, ``dict(result)``."""

    @abc.abstractmethod
    def to_dict(self) -> Dict[str, Any]:
        """The wire form; the generated dataclasses define it."""

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


@dataclass(frozen=True)
class RateLimit:
    limit: int
    remaining: int
    reset: int
    retry_after: Optional[int] = None


@dataclass(frozen=True)
class AuditChainReport:
    """Result of ``verify_audit_chain``. ``reason`` is ``"link"`` (an entry was removed,
    inserted or reordered) or ``"content"`` (an entry was altered)."""

    valid: bool
    checked_entries: int
    first_broken_at: Optional[str] = None
    reason: Optional[str] = None


@dataclass(frozen=True)
class PkceChallenge:
    code_verifier: str
    code_challenge: str
    code_challenge_method: str
