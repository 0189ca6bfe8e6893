"""Shared benchmark plumbing: a reusable 130,000-household county database per engine, timing.

    from common import setup_county, timed
    setup_county("sqlite")          # or "postgres"; builds the demo county once, then reuses it
    stats = timed(lambda: client.get(url), repeat=15)

The SQLite county lives in bench/out/county-<N>.sqlite3; the PostgreSQL one in the database
`fangpin_bench_<N>` on $FANGPIN_BENCH_PG (default postgres://root@127.0.0.1:5432/). Remove them to
rebuild after a model change (`make bench` rebuilds when the migration set changed).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HOUSEHOLDS = int(os.environ.get("FANGPIN_BENCH_HOUSEHOLDS", "130000"))
PG_BASE = os.environ.get("FANGPIN_BENCH_PG", "postgres://root@127.0.0.1:5432/")


class Child:
    """A finished child process: wall and CPU seconds, its own peak memory, its stdout."""

    def __init__(self, wall: float, cpu: float, peak_mib: float, out: str) -> None:
        self.wall, self.cpu, self.peak_mib, self.out = wall, cpu, peak_mib, out


def _hwm_mib(pid: int, cmd: list[str]) -> float:
    """The peak resident memory so far (VmHWM, MiB) of process `pid` once it runs `cmd`; 0
    before its exec (it would be this process's memory) and once it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as line:
            if line.read().split(b"\0")[:-1] != [os.fsencode(a) for a in cmd]:
                return 0.0
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[Child, int]:
    """Run `cmd` from ROOT with its stdout captured; (what it took, its exit status).

    The peak is the child's own. getrusage's ru_maxrss is not: it keeps the memory the child
    shared with this process before it executed the command (a benchmark that has read a
    county's workbook made a 10,000-household import look 1.1 GiB). VmHWM starts again at the
    exec, so it is read while the child runs (ru_maxrss where /proc is not)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peak = [0.0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _hwm_mib(proc.pid, cmd))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    peak[0] = max(peak[0], _hwm_mib(proc.pid, cmd))  # its last reading, if it is still there
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    watcher.join()
    if not peak[0]:  # gone before a reading (no /proc): ru_maxrss, which may count ours
        peak[0] = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Child(wall, cpu, peak[0], out), proc.returncode


def bytecode() -> None:
    """Compile the project's modules as `make install` does (untimed), so a timed command starts
    as it does when installed, also where PYTHONDONTWRITEBYTECODE is set."""
    subprocess.run(
        ["make", "-s", "-C", str(ROOT), "bytecode"], check=True, stdout=subprocess.DEVNULL
    )


def _migrations_digest() -> str:
    names = sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("*/migrations/0*.py"))
    return hashlib.sha1("\n".join(names).encode()).hexdigest()[:10]


def database_url(engine: str, households: int = HOUSEHOLDS) -> str:
    if engine == "sqlite":
        return f"sqlite:///{OUT / f'county-{households}.sqlite3'}"
    return f"{PG_BASE.rstrip('/')}/fangpin_bench_{households}"


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "FANGPIN_DATA_DIR": str(OUT / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
    }


def _pg_create(households: int) -> None:
    name = f"fangpin_bench_{households}"
    base = PG_BASE.rstrip("/")
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)


def build_county(engine: str, households: int = HOUSEHOLDS) -> str:
    """Create (or reuse) the demo county database; returns its DATABASE_URL."""
    OUT.mkdir(exist_ok=True)
    with open(OUT / f"county-{engine}-{households}.lock", "w") as lock:
        # Two benchmarks started together must not build the same database at once.
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_locked(engine, households)


def _build_locked(engine: str, households: int) -> str:
    url = database_url(engine, households)
    stamp = OUT / f"county-{engine}-{households}.stamp"
    digest = _migrations_digest()
    if stamp.exists() and stamp.read_text() == digest:
        return url
    print(f"building a {households}-household county on {engine} (once)…", file=sys.stderr)
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.removeprefix('sqlite:///')}{suffix}").unlink(missing_ok=True)
    else:
        _pg_create(households)
    env = _env(url)
    fangpin = [sys.executable, "-m", "fangpin.cli"]
    subprocess.run([*fangpin, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    started = time.perf_counter()
    subprocess.run(
        # The register only: the benchmarks measure it; the demo's work (leads, visits…) is
        # timed by bench_demo.py at the size `make run` builds.
        [*fangpin, "demo", "--households", str(households), "--seed", "1", "--register-only"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    stamp.write_text(digest)
    return url


def setup_county(engine: str, households: int = HOUSEHOLDS) -> str:
    """Build or reuse the county, point Django at it and set Django up in this process."""
    url = build_county(engine, households)
    if engine != "sqlite":
        # Earlier benchmarks leave dead rows behind, and this server may run without autovacuum:
        # measure against fresh planner statistics, as a maintained production database would.
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)
    os.environ.update(_env(url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return url


def timed(fn: Callable[[], Any], repeat: int = 15, warmup: int = 2) -> dict[str, float]:
    """Median and worst wall time in milliseconds over `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1)}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def engines() -> list[str]:
    """Engines to measure: both by default, or FANGPIN_BENCH_ENGINES=sqlite."""
    return os.environ.get("FANGPIN_BENCH_ENGINES", "sqlite,postgres").split(",")


def run_per_engine(script: str, run: Callable[[str], dict[str, Any]]) -> int:
    """Drive a benchmark: one child process per engine (each sets Django up for its database),
    print each child's JSON result, and fail when a child fails or a measured target is missed.

    A script's own entry point is `sys.exit(run_per_engine(__file__, run))`; `run(engine)` returns
    a dict whose measured entries carry `"ok": bool`.
    """
    import json

    if len(sys.argv) == 3 and sys.argv[1] == "--engine":
        print(json.dumps(run(sys.argv[2]), ensure_ascii=False))
        return 0
    failed = 0
    for engine in engines():
        out = subprocess.run(
            [sys.executable, script, "--engine", engine], capture_output=True, text=True
        )
        sys.stderr.write(out.stderr[-3000:])
        if out.returncode != 0:
            print(f"{engine}: failed (exit {out.returncode})")
            failed += 1
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(result, ensure_ascii=False))
        failed += not all(v["ok"] for v in result.values() if isinstance(v, dict) and "ok" in v)
    return 1 if failed else 0
