"""examples/python/quickstart.py runs against the test server and exits 0."""

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
    for step in ("1. consent URL", "3. grant token issued", "4. verified offline", "5. delegated",
                 "6. revoked", "7. online: grant valid=False", "8. offline verifier rejects", "done"):
        assert step in out, out
