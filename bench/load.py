"""Load test (issue 17.11): U users browsing the demo county on PostgreSQL for a bounded time.

    .venv/bin/python bench/load.py [--users 50] [--minutes 5] [--think 2-8] [--households N]
        [--engine postgres] [--workers 2] [--threads 8] [--keep-alive 75]

localhost only. The county (bench/common: N households, FANGPIN_BENCH_HOUSEHOLDS by default) is
served by gunicorn as `fangpin serve` runs it; its keep-alive outlasts the users' think time, so
an idle connection is never reset under a user. Each user is a thread with its own keep-alive
connection, logged in as one of the demo accounts (county, town, village), and loops: a page
picked by weight (home, the household list and its later pages, a search, a household, the
statistics, leads, visits, comparison batches, the API), then a pause drawn from the think range.
Every answer other than 2xx/3xx — and every connection error, resets included — is an error.

Prints the per-page table (requests, errors, median, p95, max) and a JSON line; exit 1 when the
p95 of all page requests is 1.5 s or more or any request failed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, build_county
from loadkit import Browser, Server, Tally, bench_env, login, percentile, table

P95_LIMIT_MS = 1500
ACCOUNTS = ["county_admin", "town_staff", "town_other", "village_staff"]


def _pages(ids: list[int]) -> list[tuple[str, float, object]]:
    """(label, weight, path or a function giving one)."""
    return [
        ("home", 2, "/"),
        ("household list", 3, "/registry/households/"),
        (
            "household list, later page",
            2,
            lambda: f"/registry/households/?page={random.randint(2, 40)}",
        ),
        (
            "household search",
            2,
            lambda: f"/registry/households/?q={random.choice('王李张刘陈杨黄')}",
        ),
        ("household", 4, lambda: f"/registry/households/{random.choice(ids)}/"),
        ("statistics", 1, "/stats/"),
        ("leads", 1, "/monitoring/"),
        ("visits", 1, "/assistance/"),
        ("comparison batches", 1, "/exchange/batches/"),
        ("api households", 1, "/api/v1/households"),
    ]


def user_loop(
    port: int, cookies: dict, think: tuple[float, float], tally: Tally, ends: float
) -> None:
    browser = Browser(port, cookies)
    # The households this user may open: those of their own list's first pages.
    ids: list[int] = []
    for page in (1, 2, 3):
        _, _, body = browser.fetch(f"/registry/households/?page={page}")
        ids += [int(x) for x in re.findall(rb"/registry/households/(\d+)/", body)]
    pages = _pages(sorted(set(ids)) or [0])
    labels = [p[0] for p in pages]
    weights = [p[1] for p in pages]
    paths = {p[0]: p[2] for p in pages}
    time.sleep(random.uniform(0, think[1]))  # users arrive spread over one think time
    while time.monotonic() < ends:
        label = random.choices(labels, weights)[0]
        target = paths[label]
        path = target() if callable(target) else target
        status, ms = browser.get(str(path))
        tally.add(label, status, ms)
        time.sleep(random.uniform(*think))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--think", default="2-8", help="seconds between a user's pages, a-b")
    parser.add_argument("--households", type=int, default=None)
    parser.add_argument("--engine", default="postgres", choices=["postgres", "sqlite"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keep-alive", type=int, default=75)
    args = parser.parse_args()
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))
    if args.keep_alive <= think[1]:
        raise SystemExit("--keep-alive must outlast the longest think time (connections reset)")
    url = build_county(args.engine, *([args.households] if args.households else []))
    if args.engine == "postgres":
        subprocess.run(["psql", url, "-qc", "VACUUM ANALYZE"], check=True)
    data_dir = OUT / "load-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    server = Server(
        bench_env(url, data_dir), workers=args.workers, threads=args.threads,
        keep_alive=args.keep_alive,
    )  # fmt: skip
    server.start()
    tally = Tally()
    try:
        sessions = [login(server.port, name, "demo12345") for name in ACCOUNTS]
        started = time.monotonic()
        ends = started + args.minutes * 60
        threads = [
            threading.Thread(
                target=user_loop,
                args=(server.port, sessions[i % len(sessions)], think, tally, ends),
                daemon=True,
            )
            for i in range(args.users)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.minutes * 60 + 300)
        took = time.monotonic() - started
    finally:
        server.stop()
    rows = tally.rows()
    total = sum(int(r["requests"]) for r in rows)
    errors = sum(int(r["errors"]) for r in rows)
    every = sorted(ms for samples in tally.samples.values() for ms in samples)
    p95 = round(percentile(every, 95), 1)
    print(
        f"{args.users} users, {args.engine}, think {args.think} s, {took / 60:.1f} min, "
        f"gunicorn {args.workers}×{args.threads}, keep-alive {args.keep_alive} s: "
        f"{total} requests ({total / took:.1f}/s), {errors} errors, p95 {p95} ms\n"
    )
    print(table(rows))
    worst = max((float(r["p95_ms"]) for r in rows), default=0.0)
    ok = errors == 0 and p95 < P95_LIMIT_MS
    print(
        json.dumps(
            {
                "requests": total,
                "errors": errors,
                "p95_ms": p95,
                "worst_page_p95_ms": worst,
                "ok": ok,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
