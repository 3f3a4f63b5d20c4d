#!/usr/bin/env python3
"""Checks the verified grants the C tests dumped (grantex_verified_grant_json, one
`<label> <hex JSON>` line each; see dump_grant_json in main.c) field by field:

* each vector case's JSON equals the vector's expected claims, an absent optional claim left
  out (the vectors spell it null) — so `audience` is the raw `aud` (string or list) and
  `delegationDepth` is absent, not 0, when the token has none, as in the reference SDKs;
* every member is a member of the reference SDKs' `VerifiedGrant` (vectors/reference-fields.json)
  or one of this library's documented additions (`issuer`, `budget`), and the required
  reference members are always there;
* across the dumps, every reference member occurs at least once (a member the library stopped
  producing fails here), and the live dumps (a real server's root and delegated tokens) carry
  the server's fields.

Usage: check_grant_json.py <vectors dir> <dump file>
"""

import json
import sys

ADDITIONS = {"issuer", "budget"}


def main():
    vectors_dir, dump = sys.argv[1], sys.argv[2]
    with open(f"{vectors_dir}/token-vectors.json", encoding="utf-8") as f:
        cases = {c["name"]: c for c in json.load(f)["cases"]}
    with open(f"{vectors_dir}/reference-fields.json", encoding="utf-8") as f:
        members = json.load(f)["node"]["VerifiedGrant"]
    names = {m["name"] for m in members}
    required = {m["name"] for m in members if not m["optional"]}

    failures = []
    seen = set()
    checked = 0
    live = {}
    with open(dump, encoding="utf-8") as f:
        for line in f:
            label, _, hexed = line.strip().partition(" ")
            grant = json.loads(bytes.fromhex(hexed).decode("utf-8"))
            checked += 1
            keys = set(grant)
            seen |= keys
            if keys - names - ADDITIONS:
                failures.append(f"{label}: members not in the reference: {sorted(keys - names - ADDITIONS)}")
            if required - keys:
                failures.append(f"{label}: required reference members missing: {sorted(required - keys)}")
            if label.startswith("live:"):
                live[label] = grant
                continue
            case = cases.get(label)
            if case is None:
                failures.append(f"{label}: no such token vector")
                continue
            want = {k: v for k, v in case["claims"].items() if v is not None}
            if grant != want:
                diff = sorted(k for k in set(grant) | set(want) if grant.get(k) != want.get(k))
                failures.append(f"{label}: differs from the vector in {diff}")

    valid = sum(1 for c in cases.values() if c["expect"] == "valid")
    if checked - len(live) != valid:
        failures.append(f"{checked - len(live)} vector grants dumped, the vectors have {valid} valid cases")
    if names - seen:
        failures.append(f"reference members never produced: {sorted(names - seen)}")
    root, child = live.get("live:root"), live.get("live:delegated")
    if root is None or child is None:
        failures.append("the live root and delegated grants were not dumped")
    else:
        if "delegationDepth" in root or "parentGrantId" in root:
            failures.append(f"live root grant has delegation members: {root}")
        if child.get("delegationDepth") != 1 or child.get("parentGrantId") != root.get("grantId"):
            failures.append(f"live delegated grant: {child}")
        if root.get("legacyClaimsUsed"):
            failures.append("live root grant: the server issues both claim layouts, agreeing, "
                            f"so nothing is read from an alias: {root.get('legacyClaimsUsed')}")
        if (child.get("act") or {}).get("sub") != child.get("parentAgentDid"):
            failures.append(f"live delegated grant: act.sub is not the parent agent: {child}")

    for msg in failures:
        print(f"FAILED: {msg}", file=sys.stderr)
    print(f"grant JSON: {checked} grants checked against {len(names)} reference members, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
