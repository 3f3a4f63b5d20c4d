#!/usr/bin/env python3
"""Regenerate the Python half of vectors/reference-fields.json.

Reads the reference Python SDK (PyPI ``grantex`` 0.7.2) *without importing it*:
``grantex/_types.py`` and ``grantex/_client.py`` (plus the resource modules the
client imports) are parsed with ``ast``. For each dataclass listed in
``DATACLASSES`` it records the fields in declaration order, and for each client
method in ``METHODS`` its parameters. Only facts of the API are written (names,
order, whether a value is required, the default's source text), never code.

Usage:
  extract_python.py                      # pip download grantex==0.7.2 into a temp dir
  extract_python.py --from PATH          # PATH: the wheel, or an unpacked dir
  extract_python.py --check [--from ...] # exit 1 if the JSON file would change

Everything in the JSON file other than the Python keys (the "node" half, its
source, the helper notes, ...) is kept as it is. Python 3.11+, stdlib only.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable

PACKAGE = "grantex"
VERSION = "0.7.2"

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = REPO_ROOT / "vectors" / "reference-fields.json"

# Python keys this tool owns; every other top-level key is preserved.
OWNED_KEYS = ("python_source", "python", "python_methods")

DATACLASSES = [
    "RateLimit",
    "SignupParams",
    "SignupResponse",
    "RotateKeyResponse",
    "Agent",
    "ListAgentsResponse",
    "AuthorizeParams",
    "AuthorizationRequest",
    "Grant",
    "ListGrantsParams",
    "ListGrantsResponse",
    "WebAuthnGrantEvidence",
    "VerifiedGrant",
    "VerifyTokenResponse",
    "ExchangeTokenParams",
    "ExchangeTokenResponse",
    "RefreshTokenParams",
    "CreatePrincipalSessionParams",
    "PrincipalSessionResponse",
    "LogAuditParams",
    "AuditEntry",
    "ListAuditParams",
    "ListAuditResponse",
    "AuditCheckpoint",
    "VerifyGrantTokenOptions",
    "DelegateParams",
    # SCIM
    "ScimEmail",
    "ScimUserMeta",
    "ScimUser",
    "ScimListResponse",
    "CreateScimUserParams",
    "ScimToken",
    "ScimTokenWithSecret",
    "ListScimTokensResponse",
    # SSO
    "SsoConfig",
    "CreateSsoConfigParams",
    "SsoLoginResponse",
    "SsoCallbackResponse",
    "SsoConnection",
    "CreateSsoConnectionParams",
    "UpdateSsoConnectionParams",
    "ListSsoConnectionsResponse",
    "SsoConnectionTestResult",
    "SsoEnforcementParams",
    "SsoEnforcementResponse",
    "SsoSession",
    "ListSsoSessionsResponse",
    "SsoOidcCallbackParams",
    "SsoSamlCallbackParams",
    "SsoLdapCallbackParams",
    "SsoCallbackResult",
]

# Methods of the sync client. "Grantex" is the client class itself; any other
# prefix is a resource attribute of Grantex (``grantex.agents``, ...), whose
# class is found through the attribute's annotation and the client's imports.
METHODS = {
    "Grantex": [
        "__init__", "signup", "rotate_key", "authorize",
        "load_manifest", "load_manifests", "load_manifests_from_dir", "enforce", "wrap_tool",
    ],
    "agents": ["register", "get", "list", "update", "delete"],
    "tokens": ["exchange", "refresh", "verify", "revoke"],
    "grants": ["get", "list", "revoke", "delegate", "verify"],
    "audit": ["log", "list", "get", "checkpoint"],
    "principal_sessions": ["create"],
    "scim": [
        "create_token", "list_tokens", "revoke_token", "list_users", "get_user", "create_user",
        "replace_user", "update_user", "delete_user",
    ],
    "sso": [
        "create_connection", "list_connections", "get_connection", "update_connection",
        "delete_connection", "test_connection", "set_enforcement", "list_sessions",
        "revoke_session", "get_login_url", "handle_oidc_callback", "handle_saml_callback",
        "handle_ldap_callback", "create_config", "get_config", "delete_config", "handle_callback",
    ],
}

CLIENT_CLASS = "Grantex"
TYPES_MODULE = "grantex/_types.py"
CLIENT_MODULE = "grantex/_client.py"


class ExtractError(Exception):
    pass


# ─── Reading the distribution ────────────────────────────────────────────────


class Source:
    """Text files of the distribution, addressed like ``grantex/_types.py``."""

    def __init__(self, read: Callable[[str], str | None], label: str) -> None:
        self._read = read
        self.label = label
        self.hashes: dict[str, str] = {}

    def read(self, relpath: str) -> str:
        text = self._read(relpath)
        if text is None:
            raise ExtractError(f"{relpath} not found in {self.label}")
        self.hashes[relpath] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return text

    def try_read(self, relpath: str) -> str | None:
        return self._read(relpath)


def open_source(path: Path) -> Source:
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise ExtractError(f"{path} is neither a wheel nor a directory")
        zf = zipfile.ZipFile(path)
        names = set(zf.namelist())

        def read_zip(rel: str) -> str | None:
            return zf.read(rel).decode("utf-8") if rel in names else None

        return Source(read_zip, str(path))
    if path.is_dir():
        if (path / PACKAGE / "_types.py").is_file():
            root = path
        elif path.name == PACKAGE and (path / "_types.py").is_file():
            root = path.parent
        else:
            raise ExtractError(f"no {PACKAGE}/_types.py under {path}")

        def read_dir(rel: str) -> str | None:
            p = root / rel
            return p.read_text(encoding="utf-8") if p.is_file() else None

        return Source(read_dir, str(root))
    raise ExtractError(f"{path} does not exist")


def check_version(src: Source) -> None:
    """Refuse a distribution whose METADATA names another version."""
    meta = src.try_read(f"{PACKAGE}-{VERSION}.dist-info/METADATA")
    if meta is None:
        return  # an unpacked package dir without dist-info: nothing to check
    for line in meta.splitlines():
        if line.startswith("Version:"):
            found = line.split(":", 1)[1].strip()
            if found != VERSION:
                raise ExtractError(f"{src.label} is {PACKAGE} {found}, expected {VERSION}")
            return


def download_wheel(dest: Path) -> Path:
    cmd = [
        sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}",
        "--no-deps", "--only-binary", ":all:", "-d", str(dest), "-q",
    ]
    subprocess.run(cmd, check=True)
    wheels = sorted(dest.glob(f"{PACKAGE}-{VERSION}-*.whl"))
    if not wheels:
        raise ExtractError(f"pip download left no {PACKAGE} {VERSION} wheel in {dest}")
    return wheels[0]


# ─── Dataclass fields ────────────────────────────────────────────────────────


def _is_dataclass(node: ast.ClassDef) -> bool:
    for dec in node.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name == "dataclass":
            return True
    return False


def _is_classvar(annotation: ast.expr) -> bool:
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
    return name in ("ClassVar", "KW_ONLY") or ast.unparse(annotation) == "_"


def _field_has_default(value: ast.expr) -> bool:
    """A ``field(...)`` call only gives a default with default= or default_factory=."""
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name == "field":
            return any(k.arg in ("default", "default_factory") for k in value.keywords)
    return True


def dataclass_fields(tree: ast.Module, wanted: list[str]) -> dict[str, list[dict]]:
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    out: dict[str, list[dict]] = {}
    for name in wanted:
        node = classes.get(name)
        if node is None:
            raise ExtractError(f"class {name} not found in {TYPES_MODULE}")
        if not _is_dataclass(node):
            raise ExtractError(f"class {name} in {TYPES_MODULE} is not a dataclass")
        fields: list[dict] = []
        # Inherited dataclass fields come first, as dataclasses order them.
        for base in node.bases:
            base_name = ast.unparse(base)
            if base_name in classes and _is_dataclass(classes[base_name]):
                fields.extend(dataclass_fields(tree, [base_name])[base_name])
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            if _is_classvar(stmt.annotation):
                continue
            has_default = stmt.value is not None and _field_has_default(stmt.value)
            entry = {
                "name": stmt.target.id,
                "required": not has_default,
                "default": ast.unparse(stmt.value) if has_default else None,
            }
            fields = [f for f in fields if f["name"] != entry["name"]] + [entry]
        out[name] = fields
    return out


# ─── Client methods ──────────────────────────────────────────────────────────


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[dict]:
    a = fn.args
    is_static = any(ast.unparse(d) == "staticmethod" for d in fn.decorator_list)
    positional = [(p, "positional_only") for p in a.posonlyargs] + [
        (p, "positional_or_keyword") for p in a.args
    ]
    # Defaults align with the end of the positional parameters.
    pos_defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    params: list[dict] = []
    for i, ((p, kind), default) in enumerate(zip(positional, pos_defaults)):
        if i == 0 and not is_static and p.arg in ("self", "cls"):
            continue
        params.append(_param(p.arg, kind, default))
    if a.vararg is not None:
        params.append({"name": a.vararg.arg, "kind": "var_positional", "required": False, "default": None})
    for p, default in zip(a.kwonlyargs, a.kw_defaults):
        params.append(_param(p.arg, "keyword_only", default))
    if a.kwarg is not None:
        params.append({"name": a.kwarg.arg, "kind": "var_keyword", "required": False, "default": None})
    return params


def _param(name: str, kind: str, default: ast.expr | None) -> dict:
    return {
        "name": name,
        "kind": kind,
        "required": default is None,
        "default": ast.unparse(default) if default is not None else None,
    }


def _methods_of(cls: ast.ClassDef) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    return {
        n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def _find_class(tree: ast.Module, name: str, where: str) -> ast.ClassDef:
    for n in tree.body:
        if isinstance(n, ast.ClassDef) and n.name == name:
            return n
    raise ExtractError(f"class {name} not found in {where}")


def _resolve_import(client_tree: ast.Module, class_name: str) -> str:
    """The distribution path of the module ``_client.py`` imports class_name from."""
    for n in client_tree.body:
        if isinstance(n, ast.ImportFrom) and any(al.name == class_name for al in n.names):
            base = Path(CLIENT_MODULE).parent
            for _ in range(max(n.level - 1, 0)):
                base = base.parent
            if n.level == 0:
                base = Path()
            module = (n.module or "").replace(".", "/")
            return str(base / module) + ".py" if module else str(base / "__init__.py")
    raise ExtractError(f"{CLIENT_MODULE} does not import {class_name}")


def client_methods(src: Source) -> dict[str, list[dict]]:
    client_tree = ast.parse(src.read(CLIENT_MODULE))
    grantex = _find_class(client_tree, CLIENT_CLASS, CLIENT_MODULE)
    annotations = {
        s.target.id: ast.unparse(s.annotation)
        for s in grantex.body
        if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
    }
    out: dict[str, list[dict]] = {}
    for owner, names in METHODS.items():
        if owner == CLIENT_CLASS:
            cls, where = grantex, CLIENT_MODULE
        else:
            class_name = annotations.get(owner)
            if class_name is None:
                raise ExtractError(f"{CLIENT_CLASS}.{owner} has no class annotation in {CLIENT_MODULE}")
            where = _resolve_import(client_tree, class_name)
            cls = _find_class(ast.parse(src.read(where)), class_name, where)
        methods = _methods_of(cls)
        for name in names:
            fn = methods.get(name)
            if fn is None:
                raise ExtractError(f"{cls.name}.{name} not found in {where}")
            out[f"{owner}.{name}"] = _params(fn)
    return out


# ─── Output ──────────────────────────────────────────────────────────────────


def extract(src: Source) -> dict:
    check_version(src)
    types_tree = ast.parse(src.read(TYPES_MODULE))
    python = dataclass_fields(types_tree, DATACLASSES)
    methods = client_methods(src)
    return {
        "python_source": {
            "package": PACKAGE,
            "version": VERSION,
            "sha256": dict(sorted(src.hashes.items())),
        },
        "python": python,
        "python_methods": methods,
    }


def render(existing: dict, python_part: dict) -> str:
    merged = {k: v for k, v in existing.items() if k not in OWNED_KEYS}
    merged.update(python_part)
    return json.dumps(merged, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", nargs="?", type=Path, help="the grantex-0.7.2 wheel or an unpacked dir")
    ap.add_argument("--from", dest="from_path", type=Path, help="same as the positional path")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the output file would change")
    args = ap.parse_args(argv)

    path = args.from_path or args.path
    try:
        with tempfile.TemporaryDirectory(prefix="grantex-ref-") as tmp:
            if path is None:
                path = download_wheel(Path(tmp))
            part = extract(open_source(path))
    except (ExtractError, subprocess.CalledProcessError, SyntaxError) as e:
        print(f"extract_python: {e}", file=sys.stderr)
        return 2

    current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
    existing = json.loads(current) if current else {}
    text = render(existing, part)
    if args.check:
        if text != current:
            print(f"{os.path.relpath(args.output)} is out of date; rerun without --check", file=sys.stderr)
            return 1
        return 0
    if text != current:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {os.path.relpath(args.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
