#!/usr/bin/env python3
"""Compares the EnforceResult JSON the C tests dumped (GRANTEX_C_ENFORCE_JSON: one
`<case name> <hex result json>` line per vector case) with every expectation of
vectors/enforce-vectors.json: allowed, reasonCode, subReason, and where given permission,
purpose, details (exactly) and wouldDeny. Exit 1 on any difference or a case not run.

Usage: check_enforce_json.py <vectors dir> <dump file>
"""

import json
import sys


def main():
    vectors = json.load(open(f"{sys.argv[1]}/enforce-vectors.json", encoding="utf-8"))
    got = {}
    for line in open(sys.argv[2], encoding="utf-8"):
        name, hexed = line.split()
        got[name] = json.loads(bytes.fromhex(hexed).decode("utf-8"))
    bad = 0
    for case in vectors["cases"]:
        result = got.get(case["name"])
        if result is None:
            print(f"{case['name']}: not run by the C tests")
            bad += 1
            continue
        for key, want in case["expect"].items():
            value = (result.get("wouldDeny") or {}).get("reason_code") if key == "wouldDeny" else result.get(key)
            if value != want:
                print(f"{case['name']}: {key} is {value!r}, expected {want!r}")
                bad += 1
    print(f"{len(vectors['cases'])} enforce results checked, {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
