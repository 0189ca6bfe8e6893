"""Benefit ledger import: a 10,000-row 教育资助 workbook into a register of 10,000 people.

    .venv/bin/python bench/bench_benefits.py                 # SQLite (the target's engine)
    FANGPIN_BENCH_ENGINES=sqlite,postgres .venv/bin/python bench/bench_benefits.py

Per engine, in a child process on a fresh, migrated database of its own (bench_benefits):
a county of 5,000 households × 2 people is bulk-created once; then the timed steps, each in
the ledger kit's own path (`core.pipeline.run`, as `fangpin ledger import` runs it):
- the first import of the 10,000 rows (all created);
- the same file again (all unchanged: the export → import no-op path);
- the figures of the year for the county (`ledger stats` of education_aid).
Target (issue 13): the first import under 5 s on SQLite. Wall and CPU seconds are both given:
on a shared machine the wall time is mostly waiting for a core.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_import import fresh_database
from bench.common import OUT, _env, peak_rss_mb, run_per_engine

ROWS = 10_000
LIMIT_S = 5.0


def _register() -> list[tuple[str, str]]:
    """5,000 households of 2 people in 10 villages; [(证件号码, 姓名)] of the 10,000 people."""
    from core.idnumber import make_valid
    from regions.services import create_region
    from registry.models import Household, Membership, Person

    county = create_region(actor=None, name="基准县", level=1, code="420281000000")
    town = create_region(actor=None, name="基准镇", level=2, parent=county, code="420281100000")
    villages = [create_region(actor=None, name=f"第{i}村", level=3, parent=town) for i in range(10)]
    Household.objects.bulk_create(
        Household(
            number=f"42028110{i:010d}",
            region=villages[i % 10],
            head_name=f"户主{i}",
            member_count=2,
            is_alleviated=i % 3 == 0,
        )
        for i in range(ROWS // 2)
    )
    homes = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    people = []
    for i in range(ROWS):
        birth = dt.date(2005, 1, 1) + dt.timedelta(days=i // 400)
        people.append(
            Person(
                household_id=homes[i // 2],
                name=f"户主{i // 2}" if i % 2 == 0 else f"学生{i}",
                id_number=make_valid(f"420281{birth:%Y%m%d}{i % 400:03d}"),
                relation="户主" if i % 2 == 0 else "之子",
            )
        )
    Person.objects.bulk_create(people, batch_size=2000)
    Membership.objects.bulk_create(
        (Membership(person_id=p.pk, household_id=p.household_id) for p in Person.objects.all()),
        batch_size=2000,
    )
    return list(Person.objects.order_by("pk").values_list("id_number", "name"))


def _workbook(people: list[tuple[str, str]]) -> Path:
    from benefits.layouts import EDUCATION_AID
    from core.xlsx import StreamWorkbook

    path = OUT / "benefits-10000.xlsx"
    stages = ("学前", "小学", "初中", "高中")
    with path.open("wb") as out:
        book = StreamWorkbook(out, sheet="教育资助")
        book.write_row(["金山店镇2024年教育资助发放名单"])
        book.write_row(EDUCATION_AID.headers, header=True)
        for i, (number, name) in enumerate(people):
            book.write_row(
                [
                    number,
                    name,
                    2024,
                    "春季",
                    stages[i % 4],
                    "生活补助",
                    500 + i % 7,
                    dt.date(2024, 4, 10),
                ]
            )
        book.close()
    return path


def run(engine: str) -> dict[str, Any]:
    url = fresh_database(engine, "bench_benefits")
    os.environ.update(_env(url))
    import django

    django.setup()
    from core import pipeline
    from ledgers import figures, kit
    from regions.models import Region

    people = _register()
    path = _workbook(people)

    def timed_import() -> tuple[float, float, dict[str, Any]]:
        """Wall and CPU seconds (all threads of this process: the machine may be shared)."""
        started, cpu = time.perf_counter(), time.process_time()
        result = pipeline.run("education_aid", path, actor=None)
        wall = round(time.perf_counter() - started, 2)
        return wall, round(time.process_time() - cpu, 2), result

    first_s, first_cpu, first = timed_import()
    again_s, again_cpu, again = timed_import()
    county = Region.objects.get(parent__isnull=True)
    started = time.perf_counter()
    stats = figures.figures(kit.ledger("education_aid"), county, 2024)
    stats_ms = round((time.perf_counter() - started) * 1000, 1)
    return {
        "engine": engine,
        "rows": ROWS,
        "first_import": {
            "seconds": first_s,
            "cpu_seconds": first_cpu,
            "created": first["created"],
            "rows_per_s": round(ROWS / first_s),
            "ok": first_s < LIMIT_S and first["created"] == ROWS,
        },
        "reimport_no_op": {
            "seconds": again_s,
            "cpu_seconds": again_cpu,
            "unchanged": again["unchanged"],
            "ok": again["unchanged"] == ROWS,
        },
        "figures_ms": stats_ms,
        "figures_rows": stats["rows"],
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    os.environ.setdefault("FANGPIN_BENCH_ENGINES", "sqlite")
    sys.exit(run_per_engine(__file__, run))
