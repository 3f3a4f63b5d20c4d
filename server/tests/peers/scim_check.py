"""Runs the scim2-tester compliance checks against a SCIM server and prints the results as JSON.

Usage: python scim_check.py BASE_URL   (the SCIM token in the environment variable SCIM_TOKEN)
Driven by server/tests/scim.rs; the checker comes from scripts/lib/peer-scim.sh.
"""

import json
import os
import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server


def main() -> None:
    base = sys.argv[1]
    token = os.environ["SCIM_TOKEN"]
    http = httpx2.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    results = check_server(SyncSCIMClient(http), raise_exceptions=False)
    out = [
        {
            "status": r.status.name,
            "title": r.title,
            "reason": r.reason,
            "resourceType": r.resource_type,
            "tags": sorted(r.tags or []),
        }
        for r in results
    ]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
