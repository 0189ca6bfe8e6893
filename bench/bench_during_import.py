"""Other users' pages while an import writes, on SQLite (issue 17.6): under 1 s.

    .venv/bin/python bench/bench_during_import.py [--households N] [--import-households M]
        [--hold S] [--users U]

A copy of the demo county (bench/common: N households, FANGPIN_BENCH_HOUSEHOLDS by default) is
served by gunicorn (2 processes × 4 threads, as `fangpin serve`). U users (threads, each logged in,
each with its own keep-alive connection) browse the home page, the household list, a household,
the statistics and the leads without pause: first for a while alone (baseline), then while
`fangpin import-registry` loads a workbook of M new households, its write transaction held open
for S more seconds (FANGPIN_IMPORT_TEST_PAUSE) so the pages are measured while SQLite's write
lock is taken. Prints a table per phase and a JSON line; exit 1 if a page took 1 s or more or
answered an error during the write.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import OUT, ROOT, build_county
from loadkit import Browser, Server, Tally, bench_env, login, table
from workbook import workbook

PAUSE_ENV = "FANGPIN_IMPORT_TEST_PAUSE"
LIMIT_MS = 1000


def disjoint(book: Path) -> Path:
    """A copy of a bench workbook whose people and households are not in the demo county: ID
    numbers moved to another area code (check digit recomputed), 户编号 likewise, so the import
    creates every row (and so writes through the bulk path that FANGPIN_IMPORT_TEST_PAUSE holds)."""
    out = book.with_name(book.stem + "-disjoint.xlsx")
    if out.exists():
        return out
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from core.idnumber import make_valid

    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_index(0).to_python()
    header_at = next(i for i, r in enumerate(rows) if "证件号码" in r)
    id_col = rows[header_at].index("证件号码")
    number_col = rows[header_at].index("户编号")
    target = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = target.add_worksheet()
    for i, row in enumerate(rows):
        cells = ["" if c is None else c for c in row]
        if i > header_at:
            value = str(cells[id_col])
            if len(value) == 18:
                cells[id_col] = make_valid("420222" + value[6:17])
            cells[number_col] = "420222" + str(cells[number_col])[6:]
        for j, cell in enumerate(cells):
            if isinstance(cell, str):
                sheet.write_string(i, j, cell)
            else:
                sheet.write(i, j, cell)
    target.close()
    return out


def pages(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        ids = [
            r[0] for r in conn.execute("SELECT id FROM registry_household ORDER BY id LIMIT 500")
        ]
    return [
        ("home", "/"),
        ("household list", "/registry/households/"),
        ("household list p.50", "/registry/households/?page=50"),
        ("household", f"/registry/households/{random.choice(ids)}/"),
        ("statistics", "/stats/"),
        ("leads", "/monitoring/"),
    ]


def browse(port: int, cookies: dict, targets: list, tally: Tally, stop: threading.Event) -> None:
    user = Browser(port, cookies)
    i = random.randrange(len(targets))
    while not stop.is_set():
        label, path = targets[i % len(targets)]
        status, ms = user.get(path)
        if not stop.is_set():
            tally.add(label, status, ms)
        i += 1


def phase(port: int, cookies: dict, targets: list, users: int, until: object) -> Tally:
    """Run `users` browsers until `until()` is true; their tally."""
    tally, stop = Tally(), threading.Event()
    threads = [
        threading.Thread(target=browse, args=(port, cookies, targets, tally, stop), daemon=True)
        for _ in range(users)
    ]
    for t in threads:
        t.start()
    while not until():  # type: ignore[operator]
        time.sleep(0.1)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=None)
    parser.add_argument("--import-households", type=int, default=5000)
    parser.add_argument("--hold", type=float, default=15.0, help="seconds the write is held")
    parser.add_argument("--baseline", type=float, default=15.0)
    parser.add_argument("--users", type=int, default=4)
    args = parser.parse_args()
    url = build_county("sqlite", *([args.households] if args.households else []))
    source = Path(url.removeprefix("sqlite:///"))
    scratch = OUT / "during-import.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(scratch) as dst:
        src.backup(dst)  # the county stays as built; the import writes into a copy
    data_dir = OUT / "during-import-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = bench_env(f"sqlite:///{scratch}", data_dir)
    book, rows = workbook(args.import_households, "standard")
    book = disjoint(book)
    server = Server(env, workers=2, threads=4, keep_alive=75)
    server.start()
    try:
        cookies = login(server.port, "county_admin", "demo12345")
        targets = pages(scratch)
        ends = time.monotonic() + args.baseline
        before = phase(server.port, cookies, targets, args.users, lambda: time.monotonic() > ends)

        importer = subprocess.Popen(
            [sys.executable, "-m", "fangpin.cli", "import-registry", str(book), "--create-regions"],
            env={**env, PAUSE_ENV: str(args.hold)},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started = time.monotonic()
        errors_text: list[str] = []
        output: list[str] = []
        paused = threading.Event()

        def drain_errors() -> None:  # the import's progress must never fill its pipe
            assert importer.stderr is not None
            for line in importer.stderr:
                errors_text.append(line)
                if "paused inside the transaction" in line:
                    paused.set()

        def drain_output() -> None:
            assert importer.stdout is not None
            output.append(importer.stdout.read())

        readers = [threading.Thread(target=f, daemon=True) for f in (drain_errors, drain_output)]
        for t in readers:
            t.start()
        while not paused.is_set() and importer.poll() is None:
            time.sleep(0.05)
        if not paused.is_set():
            raise SystemExit(f"the import did not reach its write: {''.join(errors_text)[-2000:]}")
        reading = time.monotonic() - started
        during = phase(
            server.port, cookies, targets, args.users, lambda: importer.poll() is not None
        )
        for t in readers:
            t.join(timeout=60)
        result = json.loads("".join(output).strip().splitlines()[-1])
    finally:
        server.stop()
    print(
        f"SQLite, {args.users} users browsing while `import-registry` loads {rows} rows of "
        f"{args.import_households} new households (read and checked in {reading:.1f} s, then its "
        f"write transaction held {args.hold:.0f} s longer)\n"
    )
    print("Alone:\n" + table(before.rows()) + "\n")
    print("During the import's write:\n" + table(during.rows()) + "\n")
    worst = max(r["max_ms"] for r in during.rows())
    errors = sum(int(r["errors"]) for r in during.rows())
    ok = worst < LIMIT_MS and errors == 0 and result.get("status") == "imported"
    print(
        json.dumps(
            {
                "import": result.get("status"),
                "households_created": result.get("households_created"),
                "during_worst_ms": worst,
                "during_errors": errors,
                "ok": ok,
            },
            ensure_ascii=False,
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
