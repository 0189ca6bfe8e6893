"""Livelihood benchmarks: the figures of 公益性岗位, 光伏收益分配 and 小额信贷 for the county, the
checks L01–L25 and the loans-due page, on the shared demo county.

    .venv/bin/python bench/bench_livelihood.py            # both engines (FANGPIN_BENCH_ENGINES)
    FANGPIN_BENCH_ENGINES=sqlite .venv/bin/python bench/bench_livelihood.py

Rows are added once, idempotently (contract numbers and stations tagged 基准): a post in one
household in ten (half of them 光伏-funded), a 光伏 station in each village, and a loan in one
household in five — more than a real county has, whatever the households' status. Targets:
each ledger's figures under 1 s, each check under 5 s, the page under 1 s (median).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb, run_per_engine, setup_county, timed

FIGURES_MS = 1000
CHECK_MS = 5000
PAGE_MS = 1000
TAG = "基准"


def _prepare() -> dict[str, int]:
    from livelihood.models import LoanRow, PostRow, PvIncomeRow
    from regions.models import Region
    from registry.models import Household, Person

    if PvIncomeRow.objects.filter(station__startswith=TAG).exists():
        return {
            "posts": PostRow.objects.count(),
            "pv_income": PvIncomeRow.objects.count(),
            "loans": LoanRow.objects.count(),
        }
    rng = random.Random(7)
    year = dt.date.today().year
    people = (
        Person.objects.filter(is_member=True)
        .order_by("household_id", "pk")
        .values_list("pk", "household_id", "household__region_id")
    )
    posts, seen = [], set()
    for pk, hid, region in people.iterator(chunk_size=5000):
        if hid in seen:
            continue
        seen.add(hid)
        if rng.random() >= 0.1:
            continue
        solar = rng.random() < 0.5
        posts.append(
            PostRow(
                person_id=pk,
                household_id=hid,
                region_id=region,
                post_name="保洁员" if solar else "护林员",
                category="光伏公益性岗位" if solar else "生态护林员",
                funding="光伏收益" if solar else "衔接资金",
                start=dt.date(year, 1, 1),
                end=dt.date(year, 12, 31) if rng.random() < 0.9 else None,
                monthly_pay=Decimal(500),
                status="在岗",
            )
        )
    PostRow.objects.bulk_create(posts, batch_size=5000)
    villages = Region.objects.filter(level=Region.Level.VILLAGE).values_list("pk", flat=True)
    PvIncomeRow.objects.bulk_create(
        (
            PvIncomeRow(
                region_id=pk,
                station=f"{TAG}{pk}号电站",
                year=year,
                revenue=Decimal(60000),
                upkeep=Decimal(3000),
                post_wages=Decimal(rng.choice((30000, 36000))),
                public_works=Decimal(15000),
                awards=Decimal(0),
                other=Decimal(rng.choice((0, 0, 0, 500))),
            )
            for pk in villages
        ),
        batch_size=5000,
    )
    loans = []
    borrowers = Person.objects.filter(relation="户主", is_member=True).values_list(
        "pk", "household_id", "household__region_id"
    )
    for n, (pk, hid, region) in enumerate(borrowers.order_by("pk").iterator(chunk_size=5000)):
        if rng.random() >= 0.2:
            continue
        lent = dt.date(year, 1, 1) - dt.timedelta(days=rng.randint(0, 900))
        loans.append(
            LoanRow(
                person_id=pk,
                household_id=hid,
                region_id=region,
                contract_no=f"{TAG}{n:07d}",
                bank="大冶农商行",
                lent_date=lent,
                amount=Decimal(rng.choice((30000, 50000, 60000))),
                term_months=36,
                due_date=lent + dt.timedelta(days=1095),
                use_mode="户贷社用" if rng.random() < 0.1 else "户贷户用",
                repayment="逾期" if rng.random() < 0.02 else "正常",
            )
        )
    LoanRow.objects.bulk_create(loans, batch_size=5000)
    print(
        f"  prepared {len(posts)} posts, {len(villages)} stations, {len(loans)} loans "
        f"({Household.objects.count()} households)",
        file=sys.stderr,
    )
    return {"posts": len(posts), "pv_income": len(villages), "loans": len(loans)}


def run(engine: str) -> dict[str, Any]:
    setup_county(engine)
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from core.checks import all_checks
    from ledgers import figures, kit
    from regions.models import Region

    rows = _prepare()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("livelihood_postrow", "livelihood_pvincomerow", "livelihood_loanrow"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    county = Region.objects.get(parent__isnull=True)
    year = dt.date.today().year
    results: dict[str, Any] = {"engine": engine, "rows": rows}
    for kind in ("posts", "pv_income", "loans"):
        stats = timed(partial(figures.figures, kit.ledger(kind), county, year), repeat=5)
        results[f"figures_{kind}"] = {**stats, "ok": stats["median_ms"] < FIGURES_MS}
    for check in all_checks():
        if not check.code.startswith("L"):
            continue
        started = time.perf_counter()
        found = list(check.fn(county, check.parameters) if check.parameters else check.fn(county))
        ms = round((time.perf_counter() - started) * 1000, 1)
        results[f"check_{check.code}"] = {"ms": ms, "found": len(found), "ok": ms < CHECK_MS}
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="county_admin"))
    assert client.get("/livelihood/loans/due/").status_code == 200
    stats = timed(partial(client.get, "/livelihood/loans/due/"), repeat=5)
    results["loans_due_page"] = {**stats, "ok": stats["median_ms"] < PAGE_MS}
    results["peak_rss_mb"] = peak_rss_mb()
    return results


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
