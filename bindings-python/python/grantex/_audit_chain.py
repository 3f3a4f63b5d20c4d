"""Audit-log hash-chain verification (the server's exact hash recipe, in the Rust core)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Union

from . import _native
from ._base import _dumps as dumps
from ._types import AuditChainReport, AuditEntry, ListAuditResponse

__all__ = ["verify_audit_chain"]


def verify_audit_chain(
    entries: Union[ListAuditResponse, Iterable[Union[AuditEntry, Mapping[str, Any]]]],
) -> AuditChainReport:
    """Check that each entry's hash matches its content and links to the previous entry.

    ``entries`` in log order (oldest first): ``AuditEntry`` objects, wire-shaped dicts, or a
    ``ListAuditResponse``. Reports the first broken entry and why (``"link"`` or ``"content"``).
    """
    items = entries.entries if isinstance(entries, ListAuditResponse) else entries
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise TypeError(
            "verify_audit_chain(): entries must be a ListAuditResponse or a list of AuditEntry "
            f"objects or dicts, got {'None' if items is None else type(items).__name__}"
        )
    wire = []
    for i, e in enumerate(items):
        if isinstance(e, AuditEntry):
            wire.append(e.to_dict())
        elif isinstance(e, Mapping):
            wire.append(dict(e))
        else:
            raise TypeError(
                f"verify_audit_chain(): entries[{i}] must be an AuditEntry or a dict, "
                f"got {'None' if e is None else type(e).__name__}"
            )
    valid, checked, first_broken_at, reason = _native.verify_audit_chain(dumps(wire))
    return AuditChainReport(
        valid=valid, checked_entries=checked, first_broken_at=first_broken_at, reason=reason
    )
