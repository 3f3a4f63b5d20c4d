"""Prebuilt tool manifests for common kinds of connector (mail, calendar, files, chat,
code hosting, CRM, payments, tickets), shared with every other language through the core.

    from grantex import manifests
    client.load_manifest(manifests.load("crm"))
"""

from __future__ import annotations

from typing import List

from .. import _native
from ..manifest import ToolManifest

__all__ = ["NAMES", "load", "load_all"]

NAMES: List[str] = list(_native.prebuilt_manifest_names())
"""The connectors with a prebuilt manifest."""


def load(name: str) -> ToolManifest:
    """The prebuilt manifest of ``name`` (``KeyError`` for another name)."""
    text = _native.prebuilt_manifest(name)
    if text is None:
        raise KeyError(f"no prebuilt manifest named {name!r}; prebuilt: {', '.join(NAMES)}")
    import json

    doc, _ = _native.manifest_from_json_text(text)
    return ToolManifest._from(doc, [], order=list(json.loads(text)["tools"]))


def load_all() -> List[ToolManifest]:
    """Every prebuilt manifest."""
    return [load(name) for name in NAMES]
