"""examples/python/quickstart.py and provisioning.py run against the test server and exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, Dict

from conftest import REPO


def test_quickstart(server: Dict[str, Any]) -> None:
    env = dict(os.environ, GRANTEX_BASE_URL=server["baseUrl"], GRANTEX_API_KEY=server["apiKey"])
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "python" / "quickstart.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for step in (
        "1. register: agents ag_",
        "2. authorize: consent URL " + server["baseUrl"],
        "3. consent: approved",
        "4. exchange: grant token for grnt_",
        "5. verify offline: principal usr_alice",
        "6. delegate: grant grnt_",
        "(depth 1, scopes calendar:read)",
        "7. revoke: grant grnt_",
        "online verify: grant valid=false, delegated grant valid=false",
        "grants.verify refuses the sub-agent's token: inactive",
        "8. tamper: the offline verifier refuses a forged signature: bad_signature",
        "[python] done",
    ):
        assert step in out, out


def test_provisioning_example(server: Dict[str, Any]) -> None:
    for key in (server["apiKey"], server["sandboxApiKey"]):
        env = dict(os.environ, GRANTEX_BASE_URL=server["baseUrl"], GRANTEX_API_KEY=key)
        result = subprocess.run(
            [sys.executable, str(REPO / "examples" / "python" / "provisioning.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        out = result.stdout
        for step in (
            "1. scim token: scimtok",
            "2. provisioned: user ",
            "active=True",
            "valid=True",
            "4. deactivated: active=False",
            "5. online verify after deactivation: valid=False",
            "a new authorization is refused: 403 PRINCIPAL_DEPROVISIONED",
            "6. user deleted; the revoked SCIM token is refused",
            "[provisioning] done",
        ):
            assert step in out, out
