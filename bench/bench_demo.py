"""The demo county `make run` builds (3000 households, seed 1, with every app's work): wall time
of the whole build and of each app's part, on a fresh SQLite database (the default engine) and,
when $FANGPIN_BENCH_PG is reachable, on PostgreSQL. The target is under 60 s."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOUSEHOLDS = int(os.environ.get("FANGPIN_DEMO_HOUSEHOLDS", "3000"))


def build(url: str | None, data: Path) -> dict:
    env = {
        **os.environ,
        "SECRET_KEY": "bench",
        "FANGPIN_DEMO": "1",
        "FANGPIN_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
    }
    if url:
        env["DATABASE_URL"] = url
    fangpin = [sys.executable, "-m", "fangpin.cli"]
    subprocess.run([*fangpin, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    done = subprocess.run(
        [*fangpin, "demo", "--households", str(HOUSEHOLDS), "--seed", "1"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    parts = dict(re.findall(r"演示数据：(\S+)，用时([\d.]+)秒", done.stderr + done.stdout))
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"wall_s": round(wall, 1), "command_s": result["seconds"], "apps_s": parts}


def main() -> None:
    print(f"demo county of {HOUSEHOLDS} households (load average {os.getloadavg()[0]:.1f})")
    with tempfile.TemporaryDirectory() as folder:
        print("sqlite", json.dumps(build(None, Path(folder)), ensure_ascii=False))
    pg = os.environ.get("FANGPIN_BENCH_PG", "postgres://root@127.0.0.1:5432/").rstrip("/")
    name = "fangpin_bench_demo"
    try:
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", f"{pg}/postgres", "-qc", sql], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        print("postgres: not reachable, skipped")
        return
    with tempfile.TemporaryDirectory() as folder:
        print("postgres", json.dumps(build(f"{pg}/{name}", Path(folder)), ensure_ascii=False))
    subprocess.run(["psql", f"{pg}/postgres", "-qc", f"DROP DATABASE {name}"], check=False)


if __name__ == "__main__":
    main()
