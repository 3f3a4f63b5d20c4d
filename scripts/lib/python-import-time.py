#!/usr/bin/env python3
"""Import time of the installed `grantex` package, and the verdict against the 30 ms target.

Usage: python-import-time.py PYTHON [RUNS]   (PYTHON: the interpreter of a venv holding the wheel)

Each of RUNS rounds (default 11) starts fresh processes, interleaved so that machine load
affects every statement alike:
  - `import grantex`                                    (issue 14's acceptance line)
  - `from grantex import Grantex, AsyncGrantex, verify_grant_token`
                                                        (the usual first line: every module of the
                                                         package is loaded, both clients, the types)
  - `import typing, dataclasses, json`                  (stdlib baseline, same machine, same time)
  - `pass`                                              (interpreter start-up, for the wall clock)
A statement's import time is read from `python -X importtime`: the sum of the cumulative times of
the top-level imports it makes beyond those of interpreter start-up (with lazy loading the
package's submodules are imported after `grantex` itself, as top-level entries of their own, so
the `grantex` line alone would not count them). The wall clock (process time minus `pass`) is
printed too, for information. Medians over the rounds are compared:

  FAIL if the median of `import grantex` is over 30 ms;
  FAIL if the median of the first-line import is over 30 ms *and* over the stdlib baseline's
       median (the machine is then not merely slow: the package costs more than the standard
       library modules it used to import, which a quiet machine measures at ~1.2x the package).

Prints one `key=value` line per result for scripts/lib/package-tests.sh, then the verdict; exits 1
on a failure.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

TARGET_MS = 30.0
STATEMENTS = {
    "import": "import grantex",
    "first_line": "from grantex import Grantex, AsyncGrantex, verify_grant_token",
    "baseline": "import typing, dataclasses, json",
}


def importtime(python: str, code: str) -> "tuple[list[tuple[str, int]], float]":
    """The top-level (name, cumulative µs) entries of `python -X importtime -c code`, and the
    process's wall-clock time in ms."""
    t0 = time.perf_counter()
    err = subprocess.run([python, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True).stderr
    wall = (time.perf_counter() - t0) * 1e3
    rows = []
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not line.startswith("import time:") or "cumulative" in parts[1]:
            continue
        name = parts[2]
        if name.startswith("  "):  # nested: counted in its parent's cumulative time
            continue
        rows.append((name.strip(), int(parts[1])))
    return rows, wall


def wall(python: str, code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([python, "-c", code], check=True)
    return (time.perf_counter() - t0) * 1e3


def main() -> int:
    python = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    startup = {name for name, _ in importtime(python, "pass")[0]}
    ms = {k: [] for k in STATEMENTS}
    walls = {k: [] for k in ("pass", "import")}
    for _ in range(runs):
        for key, code in STATEMENTS.items():
            rows, _ = importtime(python, code)
            ms[key].append(sum(us for name, us in rows if name not in startup) / 1e3)
        walls["pass"].append(wall(python, "pass"))
        walls["import"].append(wall(python, STATEMENTS["import"]))
    med = {k: statistics.median(v) for k, v in ms.items()}
    wall_ms = statistics.median(walls["import"]) - statistics.median(walls["pass"])
    for key in STATEMENTS:
        print(f"{key}_ms={med[key]:.1f}")
        print(f"{key}_range={min(ms[key]):.1f}-{max(ms[key]):.1f}")
    print(f"import_wall_ms={wall_ms:.1f}")
    print(f"runs={runs}")
    failures = []
    if med["import"] > TARGET_MS:
        failures.append(f"`import grantex` takes {med['import']:.1f} ms (median of {runs}) > {TARGET_MS:.0f} ms")
    if med["first_line"] > TARGET_MS and med["first_line"] > med["baseline"]:
        failures.append(
            f"`{STATEMENTS['first_line']}` takes {med['first_line']:.1f} ms > {TARGET_MS:.0f} ms and more than "
            f"the stdlib baseline `{STATEMENTS['baseline']}` ({med['baseline']:.1f} ms)"
        )
    for f in failures:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
