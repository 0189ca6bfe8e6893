"""`make bench`: run every bench/bench_*.py in turn (each prints its own figures) and keep a log."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    only = set(sys.argv[1:])
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        if only and script.stem not in only:
            continue
        print(f"\n===== {script.stem} =====", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        took = time.perf_counter() - started
        print(f"----- {script.stem}: exit {code}, {took:.1f} s", flush=True)
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
