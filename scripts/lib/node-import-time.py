#!/usr/bin/env python3
"""Import time of the installed `@grantex/sdk` package, and the verdict against the 30 ms target.

Usage: node-import-time.py APP_DIR [RUNS]   (APP_DIR: a folder whose node_modules holds the
package, as scripts/lib/package-tests.sh installs it; `node` is taken from PATH)

Each of RUNS rounds (default 11) starts fresh `node` processes, interleaved so that machine load
affects every statement alike; each process times its own statement with
`process.hrtime.bigint()` around it (node's start-up is not counted):
  - require     `require('@grantex/sdk')`                     (issue 14's acceptance line)
  - first_line  `const { Grantex, verifyGrantToken, GrantexError, GrantexTokenError } =
                 require('@grantex/sdk')`                     (the quickstart's names: the client,
                                                               the verifier, the errors are loaded)
  - import      `await import('@grantex/sdk')` in an ES module program whose loader has already
                 read a module file (a real ES module app's entry file is one), so the time is the
                 package's, not the loader's first file read; every named export is evaluated
  - import_cold the same after only `await import('node:path')` (what earlier versions of the
                 package stage measured; printed for information)
  - baseline    `require()` of a fixed list of Node built-ins (BASELINE below): same machine, same
                 moment, the same kind of work (module loading and compiling)
Medians over the rounds are compared:

  FAIL if the median of `require` is over 30 ms;
  FAIL if the median of `first_line` or of `import` is over 30 ms *and* over the baseline's
       median (the machine is then not merely busy: the package costs more than that fixed set of
       built-ins, which a quiet machine measures at ~1.3-2x the package's import).

Prints one `key=value` line per result for scripts/lib/package-tests.sh, then the verdict; exits 1
on a failure.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile

TARGET_MS = 30.0
BASELINE = [
    "node:https", "node:http2", "node:zlib", "node:tls", "node:dns", "node:worker_threads",
    "node:readline", "node:child_process", "node:stream/web", "node:perf_hooks", "node:inspector",
    "node:vm", "node:v8",
]
TIMED = "const t = process.hrtime.bigint(); {stmt}; console.log(Number(process.hrtime.bigint() - t) / 1e6);"


def statements(warm_url: str) -> "dict[str, list[str]]":
    cjs = lambda stmt: ["-e", TIMED.format(stmt=stmt)]
    esm = lambda pre, stmt: ["--input-type=module", "-e", f"{pre}; " + TIMED.format(stmt=stmt)]
    return {
        "require": cjs("require('@grantex/sdk')"),
        "first_line": cjs("const { Grantex, verifyGrantToken, GrantexError, GrantexTokenError } = require('@grantex/sdk')"),
        "import": esm(f"await import({warm_url!r})", "await import('@grantex/sdk')"),
        "import_cold": esm("await import('node:path')", "await import('@grantex/sdk')"),
        "baseline": cjs(f"for (const m of {BASELINE!r}) require(m)"),
    }


def timed(app: str, args: "list[str]") -> float:
    out = subprocess.run(["node", *args], cwd=app, capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1])


def main() -> int:
    app = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    with tempfile.TemporaryDirectory() as tmp:
        warm = os.path.join(tmp, "warm.mjs")
        with open(warm, "w") as f:
            f.write("export {};\n")
        stmts = statements("file://" + warm)
        ms: "dict[str, list[float]]" = {k: [] for k in stmts}
        for _ in range(runs):
            for key, args in stmts.items():
                ms[key].append(timed(app, args))
    med = {k: statistics.median(v) for k, v in ms.items()}
    print(f"baseline_modules={len(BASELINE)}")
    for k, v in ms.items():
        print(f"{k}_ms={med[k]:.1f}")
        print(f"{k}_range={min(v):.1f}-{max(v):.1f}")
    failures = []
    if med["require"] > TARGET_MS:
        failures.append(f"require('@grantex/sdk') median {med['require']:.1f} ms > {TARGET_MS:.0f} ms")
    for key, what in (("first_line", "the quickstart's require line"), ("import", "import('@grantex/sdk')")):
        if med[key] > TARGET_MS and med[key] > med["baseline"]:
            failures.append(
                f"{what} median {med[key]:.1f} ms > {TARGET_MS:.0f} ms and > the built-ins baseline "
                f"({med['baseline']:.1f} ms)"
            )
    for f in failures:
        print(f"FAIL: {f}")
    if not failures:
        print(f"verdict=ok (require {med['require']:.1f} ms, first line {med['first_line']:.1f} ms, "
              f"import {med['import']:.1f} ms; baseline {med['baseline']:.1f} ms)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
