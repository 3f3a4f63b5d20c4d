#!/usr/bin/env bash
# Checks the workspace's minimum supported Rust version (`rust-version` under
# [workspace.package] in Cargo.toml) against what the code really needs, from metadata only (no
# other toolchain is installed to try it with):
#   - it is not lower than the `rust-version` of any package in the resolved dependency graph
#     (`cargo metadata`: every platform, dev- and build-dependencies included);
#   - every workspace member inherits it (`rust-version.workspace = true`), so no crate states a
#     different one;
#   - README.md's "Rust ≥ X" states the same version.
# Exits non-zero naming each mismatch. Run by scripts/test (Rust stage).
set -euo pipefail
cd "$(dirname "$0")/.."

check="$(cat <<'PY'
import json
import re
import sys

def parse(v):
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

def show(v):
    return f"{v[0]}.{v[1]}" if v[2] == 0 else f"{v[0]}.{v[1]}.{v[2]}"

problems = []

# The workspace's rust-version: the `rust-version` line of [workspace.package].
section = None
workspace = None
for line in open("Cargo.toml", encoding="utf-8"):
    s = line.strip()
    if s.startswith("["):
        section = s
    elif section == "[workspace.package]":
        m = re.match(r'rust-version\s*=\s*"([0-9.]+)"', s)
        if m:
            workspace = parse(m.group(1))
if workspace is None:
    sys.exit("check-msrv: no rust-version under [workspace.package] in Cargo.toml")

meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
needs = {}
for p in meta["packages"]:
    rv = p.get("rust_version")
    if p["id"] in members:
        if rv is None:
            problems.append(f"{p['name']} states no rust-version (add rust-version.workspace = true)")
        elif parse(rv) != workspace:
            problems.append(f"{p['name']} states rust-version {rv}, the workspace {show(workspace)} "
                            "(inherit it: rust-version.workspace = true)")
    elif rv is not None:
        needs.setdefault(parse(rv), []).append(f"{p['name']} {p['version']}")

highest = max(needs) if needs else (0, 0, 0)
if highest > workspace:
    above = sorted((v, n) for v, names in needs.items() if v > workspace for n in names)
    problems.append(f"workspace rust-version {show(workspace)} is lower than the dependencies need "
                    f"({show(highest)}): " + ", ".join(f"{n} ({show(v)})" for v, n in above))

readme = open("README.md", encoding="utf-8").read()
stated = re.findall(r"Rust\s*(?:≥|>=)\s*([0-9]+(?:\.[0-9]+){1,2})", readme)
if not stated:
    problems.append('README.md states no minimum Rust version ("Rust ≥ X")')
for v in stated:
    if parse(v) != workspace:
        problems.append(f"README.md says Rust ≥ {v}; the workspace rust-version is {show(workspace)}")

if problems:
    for p in problems:
        print(f"check-msrv: {p}", file=sys.stderr)
    sys.exit(1)
print(f"check-msrv: rust-version {show(workspace)}, inherited by all {len(members)} crates; the highest "
      f"among the {len(meta['packages']) - len(members)} dependencies is {show(highest)} "
      f"({', '.join(sorted(needs.get(highest, [])))}); README.md agrees")
PY
)"
cargo metadata --format-version 1 --locked | python3 -c "$check"
