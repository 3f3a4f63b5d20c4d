"""Tool manifests: what each tool of a connector needs (``read < write < delete < admin``,
plus manifest schema 0.6 constraints). Validation and normalisation are the core's
(``grantex::enforce``); this module is the reference SDK's Python surface over it.

Example::

    from grantex import ToolManifest, Permission

    manifest = ToolManifest(
        connector="acme_kyb",
        tools={
            "get_case": Permission.READ,
            "verify_business": {"permission": "read", "allowed_purposes": ["aml.cdd.*"]},
        },
    )
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

from . import _native
from ._errors import ManifestValidationError
from ._types import EnforceResult

__all__ = [
    "EnforceResult",
    "MANIFEST_SCHEMA_ID",
    "MAX_COUNT",
    "MAX_DECISION_FIELDS",
    "MAX_PURPOSE_LENGTH",
    "ManifestValidationError",
    "Permission",
    "RESERVED_TOOL_NAME",
    "RISK_TIERS",
    "ToolCaps",
    "ToolDeclaration",
    "ToolManifest",
    "ToolSpec",
    "is_valid_purpose_pattern",
    "parse_tool_declaration",
    "tool_spec_to_dict",
]

MANIFEST_SCHEMA_ID = "https://grantex.dev/spec/manifest-0.6.schema.json"
MAX_COUNT = 2147483647
RESERVED_TOOL_NAME = "cost_units"
RISK_TIERS = ("low", "medium", "high")
MAX_DECISION_FIELDS = 16
MAX_PURPOSE_LENGTH = 128


class Permission:
    """Permission levels of tools and scopes: ``admin > delete > write > read``."""

    READ = "read"
    WRITE = "write"
    DELETE = "delete"
    ADMIN = "admin"

    _LEVELS: Dict[str, int] = {"read": 0, "write": 1, "delete": 2, "admin": 3}

    @staticmethod
    def covers(granted: str, required: str) -> bool:
        """Whether a scope granting ``granted`` allows a tool needing ``required``."""
        return isinstance(granted, str) and isinstance(required, str) and _native.permission_covers(granted, required)

    @staticmethod
    def is_valid(value: str) -> bool:
        return isinstance(value, str) and value in Permission._LEVELS


@dataclass(frozen=True)
class ToolCaps:
    """Call caps of a tool; ``None``: no cap of that kind, ``0`` disables the tool."""

    per_hour: Optional[int] = None
    per_day: Optional[int] = None
    per_case: Optional[int] = None


@dataclass(frozen=True)
class ToolSpec:
    """A tool's whole declaration."""

    permission: str
    allowed_purposes: Optional[Tuple[str, ...]] = None
    caps: Optional[ToolCaps] = None
    cost_units: Optional[Dict[str, int]] = None
    requires_decision: bool = False
    risk_tier: Optional[str] = None
    four_eyes_on: Tuple[str, ...] = ()
    decision_fields: Tuple[str, ...] = ()


ToolDeclaration = Union[str, Mapping[str, Any], ToolSpec]


def _spec_from_json(data: Mapping[str, Any]) -> ToolSpec:
    caps = data.get("caps")
    purposes = data.get("allowed_purposes")
    return ToolSpec(
        permission=data["permission"],
        allowed_purposes=tuple(purposes) if purposes is not None else None,
        caps=ToolCaps(**caps) if caps is not None else None,
        cost_units=dict(data["cost_units"]) if "cost_units" in data else None,
        requires_decision=bool(data.get("requires_decision", False)),
        risk_tier=data.get("risk_tier"),
        four_eyes_on=tuple(data.get("four_eyes_on", ())),
        decision_fields=tuple(data.get("decision_fields", ())),
    )


def tool_spec_to_dict(spec: ToolSpec) -> Dict[str, Any]:
    """A ToolSpec in manifest 0.6 object form (unset members left out)."""
    out: Dict[str, Any] = {"permission": spec.permission}
    if spec.allowed_purposes is not None:
        out["allowed_purposes"] = list(spec.allowed_purposes)
    if spec.caps is not None:
        out["caps"] = {k: v for k, v in vars(spec.caps).items() if v is not None}
    if spec.cost_units is not None:
        out["cost_units"] = dict(spec.cost_units)
    if spec.requires_decision:
        out["requires_decision"] = True
    if spec.risk_tier is not None:
        out["risk_tier"] = spec.risk_tier
    if spec.four_eyes_on:
        out["four_eyes_on"] = list(spec.four_eyes_on)
    if spec.decision_fields:
        out["decision_fields"] = list(spec.decision_fields)
    return out


def _plain(value: Any) -> Any:
    """A declaration as JSON-ready data (a ToolSpec in object form)."""
    if isinstance(value, ToolSpec):
        return tool_spec_to_dict(value)
    return value


def _json(value: Any) -> str:
    # A value JSON cannot hold is named by its type, which the core then refuses with the path.
    return json.dumps(value, default=lambda o: f"<{type(o).__name__}>")


def parse_tool_declaration(tool: str, value: Any) -> ToolSpec:
    """Validate one tool value (string or object form) and return its ToolSpec.

    Raises ``ManifestValidationError``.
    """
    return _spec_from_json(_native.tool_declaration(tool, _json(_plain(value))))


def is_valid_purpose_pattern(value: Any) -> bool:
    """Whether ``value`` is a valid ``allowed_purposes`` entry."""
    return isinstance(value, str) and _native.purpose_check("pattern", value, None)


class ToolManifest:
    """Declares the required permission level (and constraints) of each tool on a connector.

    Load manifests with ``client.load_manifest()``; ``client.enforce()`` uses them. ``tools``
    maps each tool to its permission string; ``get_tool_spec()`` returns the whole declaration.
    """

    def __init__(
        self,
        connector: str,
        tools: Mapping[str, ToolDeclaration],
        version: str = "1.0.0",
        description: str = "",
    ) -> None:
        plain = {name: _plain(value) for name, value in dict(tools).items()}
        doc = _native.manifest_build(connector, _json(plain), version, description)
        self._adopt(doc, list(plain))

    def _adopt(self, doc: Mapping[str, Any], order: List[str]) -> None:
        specs = {name: _spec_from_json(_native.tool_declaration(name, _json(doc["tools"][name]))) for name in order}
        self.connector: str = doc["connector"]
        self.tools: Dict[str, str] = {name: spec.permission for name, spec in specs.items()}
        self._specs: Dict[str, ToolSpec] = specs
        self.version: str = doc["version"]
        self.description: str = doc.get("description", "")

    def get_permission(self, tool_name: str) -> Optional[str]:
        """The declared permission of a tool, or ``None``."""
        return self.tools.get(tool_name)

    def get_tool_spec(self, tool_name: str) -> Optional[ToolSpec]:
        """A tool's whole declaration, or ``None``. The permission always reflects ``tools``
        (edited or not); the constraints declared for the tool are kept, so editing the
        permission map never drops one. Raises ``ManifestValidationError`` for an edit the
        schema forbids (e.g. ``read`` on a decision tool)."""
        permission = self.tools.get(tool_name)
        if permission is None:
            return None
        spec = self._specs.get(tool_name)
        if spec is None:
            return parse_tool_declaration(tool_name, permission)
        if spec.permission != permission:
            return parse_tool_declaration(tool_name, {**tool_spec_to_dict(spec), "permission": permission})
        return spec

    def add_tool(self, tool_name: str, permission: ToolDeclaration) -> None:
        """Add or replace a tool's whole declaration."""
        spec = parse_tool_declaration(tool_name, permission)
        self._specs[tool_name] = spec
        self.tools[tool_name] = spec.permission

    @property
    def tool_count(self) -> int:
        return len(self.tools)

    def to_dict(self) -> Dict[str, Any]:
        """This manifest as a manifest 0.6 document."""
        tools: Dict[str, Any] = {}
        for name in self.tools:
            spec = self.get_tool_spec(name)
            assert spec is not None
            rendered = tool_spec_to_dict(spec)
            tools[name] = spec.permission if len(rendered) == 1 else rendered
        out: Dict[str, Any] = {"connector": self.connector, "version": self.version}
        if self.description:
            out["description"] = self.description
        out["tools"] = tools
        return out

    @classmethod
    def from_file(cls, path: str) -> "ToolManifest":
        """Load from a JSON file (a repeated key is refused) or a YAML file (needs PyYAML)."""
        p = Path(path)
        raw = p.read_text(encoding="utf-8")
        if p.suffix in (".yaml", ".yml"):
            return cls._from(*_native.manifest_from_document(_json(_load_yaml(raw))), order=None)
        doc, ignored = _native.manifest_from_json_text(raw)
        order = list(json.loads(raw).get("tools", {}))
        return cls._from(doc, ignored, order=order)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ToolManifest":
        """From a parsed document. One that declares ``$schema`` or uses the object form is
        strict manifest 0.6; one of permission strings only ignores unknown top-level keys
        with a ``DeprecationWarning``."""
        plain = dict(data)
        tools = plain.get("tools")
        if isinstance(tools, Mapping):
            plain["tools"] = {name: _plain(value) for name, value in tools.items()}
        doc, ignored = _native.manifest_from_document(_json(plain))
        return cls._from(doc, ignored, order=list(plain["tools"]))

    @classmethod
    def _from(cls, doc: Mapping[str, Any], ignored: List[str], order: Optional[List[str]]) -> "ToolManifest":
        for key in ignored[:1]:
            warnings.warn(
                f"ToolManifest: ignoring unknown top-level key {json.dumps(key)} in manifest for "
                f"{json.dumps(doc['connector'])}; manifest schema 0.6 rejects unknown keys",
                DeprecationWarning,
                stacklevel=3,
            )
        manifest = cls.__new__(cls)
        manifest._adopt(doc, order if order is not None else list(doc["tools"]))
        return manifest

    def __repr__(self) -> str:
        return f"ToolManifest(connector={self.connector!r}, tools={self.tool_count})"


def _load_yaml(raw: str) -> Any:
    try:
        import yaml  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise ImportError("PyYAML is required to load YAML manifests: pip install pyyaml") from None

    class _Loader(yaml.SafeLoader):  # type: ignore[misc,name-defined,unused-ignore]
        pass

    def _mapping(loader: Any, node: Any, deep: bool = False) -> Dict[Any, Any]:
        loader.flatten_mapping(node)
        out: Dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in out:
                raise ManifestValidationError(f"ToolManifest: duplicate key {json.dumps(key)} in manifest file")
            out[key] = loader.construct_object(value_node, deep=deep)
        return out

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
    return yaml.load(raw, Loader=_Loader)  # nosec B506 - a SafeLoader subclass
