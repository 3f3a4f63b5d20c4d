#!/usr/bin/env python3
"""The release versions, from the workspace version, and the check that every manifest agrees.

The rule (RELEASING.md): the workspace version 0.M.P (Cargo.toml, [workspace.package]) is the
version of the Rust crates and of the C library (grantex.pc, the archive name, the SONAME's
0.M). The drop-in packages keep the reference SDKs' minor lines, which the software written for
them declares (`grantex>=0.7.1,<1` on PyPI, `^0.3.x` for @grantex/sdk), and count within them:

    PyPI grantex        0.7.(100*M + P)      workspace 0.1.0 -> 0.7.100
    npm  @grantex/sdk   0.3.(100*M + P)      workspace 0.1.0 -> 0.3.100

Both are above every reference release of their line (0.7.2, 0.3.13), grow with every workspace
release, and stay inside those ranges. The rule needs M >= 1 and P < 100 and a 0.x workspace; a
workspace 1.0 needs a new rule (and a new major of both packages), so this refuses it.

Usage: versions.py check        checks every manifest, prints the table (exit 1 on a mismatch)
       versions.py get <key>    prints one of: workspace python npm c
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def section_value(path: Path, section: str, key: str) -> str | None:
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("["):
            current = s
        elif current == section:
            m = re.match(rf'{re.escape(key)}\s*=\s*"([^"]*)"', s)
            if m:
                return m.group(1)
    return None


def mapped() -> dict[str, str]:
    ws = section_value(ROOT / "Cargo.toml", "[workspace.package]", "version")
    if ws is None:
        sys.exit("versions: no version under [workspace.package] in Cargo.toml")
    m = re.fullmatch(r"0\.(\d+)\.(\d+)", ws)
    if not m or int(m.group(1)) < 1 or int(m.group(2)) >= 100:
        sys.exit(f"versions: workspace version {ws} is outside the rule (0.M.P, M >= 1, P < 100): see RELEASING.md")
    n = 100 * int(m.group(1)) + int(m.group(2))
    return {"workspace": ws, "python": f"0.7.{n}", "npm": f"0.3.{n}", "c": ws}


def check() -> int:
    want = mapped()
    problems: list[str] = []
    rows: list[tuple[str, str, str]] = []

    def expect(where: str, got: str | None, key: str) -> None:
        rows.append((where, got or "(none)", want[key]))
        if got != want[key]:
            problems.append(f"{where}: {got!r}, expected {want[key]!r} ({key})")

    # Python: the crate's version is the wheel's (pyproject's version is dynamic) and __version__.
    py_toml = ROOT / "bindings-python" / "pyproject.toml"
    dynamic = section_value(py_toml, "[project]", "version")
    if dynamic is not None:
        problems.append("bindings-python/pyproject.toml: a static version; it must stay dynamic (from Cargo.toml)")
    if not re.search(r'^dynamic\s*=\s*\[[^\]]*"version"', py_toml.read_text(encoding="utf-8"), re.M):
        problems.append('bindings-python/pyproject.toml: dynamic = ["version"] missing')
    expect("bindings-python/Cargo.toml", section_value(ROOT / "bindings-python" / "Cargo.toml", "[package]", "version"), "python")
    lock = (ROOT / "Cargo.lock").read_text(encoding="utf-8")
    m = re.search(r'name = "grantex-python"\nversion = "([^"]+)"', lock)
    expect("Cargo.lock grantex-python", m.group(1) if m else None, "python")

    # npm: the SDK, its lock file, and the platform package.
    node = ROOT / "bindings-node"
    expect("bindings-node/package.json", json.loads((node / "package.json").read_text())["version"], "npm")
    lockj = json.loads((node / "package-lock.json").read_text())
    expect("bindings-node/package-lock.json", lockj.get("version"), "npm")
    for plat in sorted((node / "npm").glob("*/package.json")):
        expect(str(plat.relative_to(ROOT)), json.loads(plat.read_text())["version"], "npm")

    # C: grantex.pc gets the workspace version from the Makefile (checked on the built file by
    # scripts/package); the template must take it from there.
    pc_in = (ROOT / "bindings-c" / "grantex.pc.in").read_text(encoding="utf-8")
    if "Version: @VERSION@" not in pc_in:
        problems.append("bindings-c/grantex.pc.in: no 'Version: @VERSION@' line")
    expect("crates (workspace)", want["workspace"], "c")

    width = max(len(r[0]) for r in rows)
    for where, got, exp in rows:
        print(f"  {where:<{width}}  {got:<10} {'ok' if got == exp else 'MISMATCH, expected ' + exp}")
    for p in problems:
        print(f"versions: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "check":
        sys.exit(check())
    if len(sys.argv) == 3 and sys.argv[1] == "get" and sys.argv[2] in ("workspace", "python", "npm", "c"):
        print(mapped()[sys.argv[2]])
        sys.exit(0)
    sys.exit(__doc__)
