"""务工监测（一月一报） at county scale: a 12-month ledger of a 130,000-household county as CSV.

    .venv/bin/python bench/bench_employment.py            # both engines (FANGPIN_BENCH_ENGINES)
    FANGPIN_BENCH_ENGINES=sqlite .venv/bin/python bench/bench_employment.py

On a copy of the demo county (bench/common), per engine in its own process:
- writes a CSV of 12 months × the county's labourers (about 117,000 persons, 1.4 million rows:
  more than an .xlsx sheet holds), with 外出 / 县内 / 未务工 shares and month-to-month moves;
- `fangpin ledger import employment FILE.csv` in a child process: wall and CPU seconds, peak
  memory (target, issue 19: under 60 s on SQLite; on a shared machine the CPU seconds are the
  import's own cost); the register's 务工状况 follows the latest month;
- the same file again (nothing changes): wall seconds;
- the ledger's monthly figures for the county and the year (by_month, 外出务工 by 户类型,
  回流/新外出): median of repeated runs (target: under 1 s); and all its figures (the kit's
  counts by every column and 户类型 besides).
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, ROOT, build_county, run_child, run_per_engine, timed

YEAR = 2025
ROWS = int(os.environ.get("FANGPIN_BENCH_EMPLOYMENT_ROWS", "1400000"))
IMPORT_S, FIGURES_MS = 60, 1000
STATUSES = ("省外务工", "县外省内务工", "县内务工", "乡镇内务工", "未务工")
WEIGHTS = (30, 20, 20, 10, 20)


def _copy(engine: str) -> str:
    """A copy of the demo county for this benchmark (the import changes the register)."""
    source = build_county(engine)
    if engine == "sqlite":
        target = OUT / "employment-county.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(source.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    name = "fangpin_bench_employment"
    base = source.rsplit("/", 1)[0]
    for sql in (
        f"DROP DATABASE IF EXISTS {name}",
        f"CREATE DATABASE {name} TEMPLATE {source.rsplit('/', 1)[1]}",
    ):
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
    return f"{base}/{name}"


def _env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "FANGPIN_DATA_DIR": str(OUT / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
    }


def write_csv(path: Path, persons: list[tuple[str, str]]) -> int:
    """12 monthly reports of `persons` (id number, name): each keeps last month's status, one
    in ten moves (新外出, 回流)."""
    rng = random.Random(19)
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["证件号码", "姓名", "月份", "务工状况", "就业形式", "务工单位", "月收入"])
        status = rng.choices(STATUSES, WEIGHTS, k=len(persons))
        for month in range(1, 13):
            for i, (number, name) in enumerate(persons):
                if rng.random() < 0.1:
                    status[i] = rng.choices(STATUSES, WEIGHTS)[0]
                s = status[i]
                if s == "未务工":
                    out.writerow([number, name, f"{YEAR}-{month:02d}", s, "", "", ""])
                else:
                    income = 2000 + (i * 37 + month * 11) % 5000
                    out.writerow(
                        [number, name, f"{YEAR}-{month:02d}", s, "企业务工", "某某公司", income]
                    )
                rows += 1
    return rows


def _import(path: Path, env: dict[str, str]) -> tuple[float, float, float, dict[str, Any]]:
    """(wall seconds, CPU seconds, peak MiB, the command's JSON) of one import in a child (the
    machine may be shared: CPU seconds say what the import itself cost)."""
    child, code = run_child(
        [sys.executable, "-m", "fangpin.cli", "ledger", "import", "employment", str(path)], env
    )
    result = json.loads(child.out.strip().splitlines()[-1])
    if code != 0:
        raise SystemExit(f"import failed: {json.dumps(result, ensure_ascii=False)[:2000]}")
    return child.wall, child.cpu, child.peak_mib, result


def run(engine: str) -> dict[str, Any]:
    url = _copy(engine)
    env = _env(url)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from employment.figures import employment_figures
    from employment.models import EmploymentRow
    from ledgers import figures, kit
    from regions.models import Region
    from registry.models import Household, Person

    per_month = ROWS // 12
    persons = list(
        Person.objects.filter(is_member=True)
        .order_by("pk")
        .values_list("id_number", "name")[:per_month]
    )
    path = OUT / "employment-12-months.csv"
    started = time.perf_counter()
    rows = write_csv(path, persons)
    written = time.perf_counter() - started
    connection.close()  # the child imports into the same database

    wall, cpu, peak, result = _import(path, env)
    assert result["status"] == "imported" and result["created"] == rows, result
    again_wall, again_cpu, _, again = _import(path, env)
    assert again["unchanged"] == rows, again

    stored = EmploymentRow.objects.count()
    last = dict(
        EmploymentRow.objects.filter(month=f"{YEAR}-12").values_list("person_id", "status")[:1]
    )
    pid, status = next(iter(last.items()))
    follows = Person.objects.get(pk=pid).employment == status
    county = Region.objects.get(parent__isnull=True)
    ledger = kit.ledger("employment")
    found = figures.figures(ledger, county, YEAR)
    qs = figures.rows(ledger, county, YEAR)
    monthly = timed(lambda: employment_figures(ledger, qs, county, YEAR), repeat=5, warmup=1)
    query = timed(lambda: figures.figures(ledger, county, YEAR), repeat=3, warmup=0)
    december = found["work"][f"{YEAR}-12"]
    return {
        "engine": engine,
        "households": Household.objects.count(),
        "labourers": len(persons),
        "csv_rows": rows,
        "csv_mb": round(path.stat().st_size / 2**20, 1),
        "csv_written_s": round(written, 1),
        "stored_rows": stored,
        "import": {
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
            "peak_mb": round(peak),
            "phases": result.get("phases"),
            "ok": min(wall, cpu) < IMPORT_S,
        },
        "reimport_no_op": {"wall_s": round(again_wall, 1), "cpu_s": round(again_cpu, 1)},
        "register_follows_latest_month": follows,
        # The monthly figures (外出务工 by 户类型, 县内, 未务工, the latest month's changes).
        "figures_monthly": {**monthly, "ok": monthly["median_ms"] < FIGURES_MS},
        # Everything `fangpin ledger stats` gives for the ledger (the kit's figures besides).
        "figures_all": query,
        "december": december,
        "changes_december": found["changes"].get(f"{YEAR}-12"),
    }


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
