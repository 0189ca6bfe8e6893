"""Projects benchmark: the county's 衔接资金项目 progress page for 1,000 projects and 20,000
payments (target: median under 300 ms), with the number of queries it takes.

    .venv/bin/python bench/bench_projects.py            # both engines (FANGPIN_BENCH_ENGINES)
    .venv/bin/python bench/bench_projects.py --engine sqlite

The page needs no register, so each engine gets a small database of its own (a county of 10
towns and 100 villages, bench/out/projects.sqlite3 or fangpin_bench_projects on
$FANGPIN_BENCH_PG), built once and reused.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, PG_BASE, ROOT, peak_rss_mb, run_per_engine, timed

PROJECTS = 1_000
PAYMENTS = 20_000
YEAR = 2024
LIMIT_MS = 300


def _setup(engine: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if engine == "sqlite":
        url = f"sqlite:///{OUT / 'projects.sqlite3'}"
    else:
        base = PG_BASE.rstrip("/")
        url = f"{base}/fangpin_bench_projects"
        exists = subprocess.run(
            [
                "psql",
                f"{base}/postgres",
                "-tAc",
                "SELECT 1 FROM pg_database WHERE datname='fangpin_bench_projects'",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            subprocess.run(
                ["psql", f"{base}/postgres", "-qc", "CREATE DATABASE fangpin_bench_projects"],
                check=True,
            )
    os.environ.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "FANGPIN_DATA_DIR": str(OUT / "data"),
            "DJANGO_SETTINGS_MODULE": "fangpin.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _prepare() -> Any:
    """The county, its towns and villages, a county admin, the projects and their payments."""
    from accounts.models import User
    from projects.models import CATEGORIES, Project, ProjectPayment
    from regions.models import Region
    from regions.services import create_region

    admin = User.objects.filter(username="bench_projects").first()
    if admin is not None and Project.objects.count() == PROJECTS:
        return admin
    rng = random.Random(20)
    county = Region.objects.filter(parent__isnull=True).first() or create_region(
        actor=None, name="基准县", level=1, code="429999000000"
    )
    villages = list(Region.objects.filter(level=3))
    if not villages:
        for t in range(10):
            town = create_region(actor=None, name=f"第{t + 1}镇", level=2, parent=county)
            for v in range(10):
                villages.append(
                    create_region(actor=None, name=f"第{t + 1}镇{v + 1}村", level=3, parent=town)
                )
    ProjectPayment.objects.all().delete()
    Project.objects.all().delete()
    projects = []
    for i in range(PROJECTS):
        start = dt.date(YEAR, rng.randint(1, 6), rng.randint(1, 28))
        projects.append(
            Project(
                region=rng.choice(villages),
                project_no=f"B{YEAR}{i:05d}",
                name=f"基准项目{i}",
                year=YEAR,
                batch=f"第{1 + i % 3}批",
                category=rng.choice(CATEGORIES),
                fund_central=Decimal(rng.randrange(10, 100) * 10000),
                fund_province=Decimal(rng.randrange(0, 30) * 10000),
                fund_county=Decimal(rng.randrange(0, 20) * 10000),
                planned_start=start,
                planned_end=start + dt.timedelta(days=rng.randint(60, 300)),
                actual_start=start if i % 10 else None,
                status="在建" if i % 10 else "未开工",
                performance_goal="带动30户增收",
            )
        )
    Project.objects.bulk_create(projects, batch_size=500)
    saved = list(Project.objects.values_list("pk", "project_no", "region_id"))
    payments = []
    for k in range(PAYMENTS):
        pk, number, region_id = saved[k % len(saved)]
        payments.append(
            ProjectPayment(
                region_id=region_id,
                project_id=pk,
                project_no=number,
                voucher_no=f"P{k:06d}",
                paid_date=dt.date(YEAR, rng.randint(1, 12), rng.randint(1, 28)),
                amount=Decimal(rng.randrange(1, 30) * 1000),
                purpose="进度款",
            )
        )
    ProjectPayment.objects.bulk_create(payments, batch_size=2000)
    admin = admin or User(username="bench_projects", role="county_admin", region=county)
    admin.set_password("Bench-projects-1")
    admin.save()
    return admin


def run(engine: str) -> dict[str, Any]:
    _setup(engine)
    from django.db import connection
    from django.test import Client

    admin = _prepare()
    if engine == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    url = f"/projects/?year={YEAR}"
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert f"{PROJECTS}个" in response.content.decode()
    page = timed(lambda: client.get(url), repeat=15)
    return {
        "engine": engine,
        "projects": PROJECTS,
        "payments": PAYMENTS,
        "progress_page": {
            **page,
            "queries": len(queries),
            "ok": page["median_ms"] < LIMIT_MS,
        },
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
