"""Monitoring benchmark: the case list of a county with 2,000 open identification cases.

    .venv/bin/python bench/bench_monitoring.py            # both engines (FANGPIN_BENCH_ENGINES)
    .venv/bin/python bench/bench_monitoring.py --engine sqlite

Each engine runs in its own process on the shared demo county (bench/common.setup_county). The
2,000 cases (with their six steps each) are bulk-created once and tagged, so later runs reuse them.
Target: median under 200 ms for the county admin's case list, with a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb, run_per_engine, setup_county, timed

CASES = 2_000
TAG = "bench.monitoring"
LIMIT_MS = 200


def _prepare() -> int:
    """2,000 open cases on households that are not yet 监测对象, steps at different stages."""
    from monitoring.models import DEFAULT_STEP_DAYS, Case, CaseStep, Lead
    from registry.models import Household

    existing = Case.objects.filter(lead__origin=TAG).count()
    if existing >= CASES:
        return existing
    today = dt.date.today()
    households = list(
        Household.objects.filter(category="")
        .order_by("pk")
        .values_list("pk", "region_id", "head_name")[:CASES]
    )
    codes = list(DEFAULT_STEP_DAYS)
    leads = Lead.objects.bulk_create(
        (
            Lead(
                region_id=region,
                household_id=pk,
                source="基层干部排查",
                risks="因病",
                reported_date=today - dt.timedelta(days=i % 25),
                status="case_opened",
                origin=TAG,
            )
            for i, (pk, region, _) in enumerate(households)
        ),
        batch_size=2000,
    )
    cases = []
    for i, ((pk, region, name), lead) in enumerate(zip(households, leads, strict=True)):
        start = today - dt.timedelta(days=i % 25)
        step = codes[i % len(codes)]
        due = start + dt.timedelta(days=DEFAULT_STEP_DAYS[step])
        alert = "red" if due < today else ("orange" if (due - today).days <= 1 else "")
        cases.append(
            Case(
                region_id=region,
                household_id=pk,
                lead=lead,
                subject_name=name,
                start_date=start,
                current_step=step,
                due_date=due,
                alert=alert,
                risks="因病",
            )
        )
    Case.objects.bulk_create(cases, batch_size=2000)
    steps = []
    for case in cases:
        current = codes.index(case.current_step)
        for order, code in enumerate(codes):
            steps.append(
                CaseStep(
                    case=case,
                    code=code,
                    order=order,
                    due_date=case.start_date + dt.timedelta(days=DEFAULT_STEP_DAYS[code]),
                    status="done"
                    if order < current
                    else ("open" if order == current else "pending"),
                )
            )
    CaseStep.objects.bulk_create(steps, batch_size=5000)
    print(f"  prepared {len(cases)} cases, {len(steps)} steps", file=sys.stderr)
    return len(cases)


def _count_queries(connection: Any, fn: Any) -> int:
    """How many SQL statements `fn` runs (DEBUG is off, so count them at the cursor)."""
    seen: list[str] = []

    def wrapper(execute: Any, sql: str, *args: Any) -> Any:
        seen.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(wrapper):
        fn()
    return len(seen)


def run(engine: str) -> dict[str, Any]:
    setup_county(engine)
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from monitoring.models import Case
    from registry.models import Household

    _prepare()
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="county_admin"))
    results: dict[str, Any] = {
        "engine": engine,
        "households": Household.objects.count(),
        "open_cases": Case.objects.filter(status="open").count(),
    }
    pages = {
        "case_list": "/monitoring/cases/",
        "case_list_overdue": "/monitoring/overdue/",
        "home": "/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries = _count_queries(connection, partial(client.get, url))
        stats = timed(partial(client.get, url), repeat=15)
        results[name] = {**stats, "queries": queries}
        if name != "home":  # the home page carries every app's counters: figures only
            results[name]["ok"] = stats["median_ms"] < LIMIT_MS
    from monitoring.services import mark_overdue

    results["mark_overdue"] = timed(mark_overdue, repeat=3, warmup=1)
    results["peak_rss_mb"] = peak_rss_mb()
    return results


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
