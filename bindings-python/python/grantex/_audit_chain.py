"""Audit-log hash-chain verification (the server's exact hash recipe, in the Rust core)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Union

from . import _native
from ._ops import dumps
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
    wire = [e.to_dict() if isinstance(e, AuditEntry) else dict(e) for e in items]
    valid, checked, first_broken_at, reason = _native.verify_audit_chain(dumps(wire))
    return AuditChainReport(
        valid=valid, checked_entries=checked, first_broken_at=first_broken_at, reason=reason
    )
