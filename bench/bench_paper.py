"""Paper benchmarks on the demo county (bench/common.setup_county): the printable Excel 台账 and
exports of issue 16, and the prints of one household and one case.

    FANGPIN_BENCH_HOUSEHOLDS=10000 .venv/bin/python bench/bench_paper.py --engine sqlite

Times, as the county administrator: the 监测对象台账 of the county (one row per member, totals),
the Excel export of every open case, of the overdue and of the households overdue for a visit,
and the 户档案, 明白卡 and case file pages (target: each page under 500 ms; the county-wide
Excel files under 10 s at 130,000 households).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb, run_per_engine, setup_county, timed

PAGE_MS, FILE_MS = 500, 10_000


def run(engine: str) -> dict[str, Any]:
    setup_county(engine)
    from django.test import Client

    from accounts.models import User
    from monitoring.models import Case
    from registry.models import Household

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="county_admin"))
    household = (
        Household.objects.monitored().order_by("pk").first() or Household.objects.order_by("pk")[0]
    )
    case = Case.objects.order_by("pk").first()
    checks: list[tuple[str, str, int, int]] = [
        ("ledger_monitored_xlsx", "/stats/ledger/monitored/", FILE_MS, 3),
        ("cases_xlsx", "/monitoring/cases/?format=xlsx", FILE_MS, 3),
        ("overdue_xlsx", "/monitoring/overdue/?format=xlsx", FILE_MS, 3),
        ("visits_overdue_xlsx", "/assistance/visits/overdue/?format=xlsx", FILE_MS, 3),
        ("household_file", f"/stats/households/{household.pk}/file/", PAGE_MS, 11),
        ("policy_card", f"/stats/households/{household.pk}/card/", PAGE_MS, 11),
    ]
    if case is not None:
        checks.append(("case_file", f"/monitoring/cases/{case.pk}/file/", PAGE_MS, 11))
    results: dict[str, Any] = {"engine": engine, "households": Household.objects.count()}
    for key, url, limit, repeat in checks:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        stats = timed(partial(client.get, url), repeat=repeat, warmup=1)
        results[key] = {**stats, "bytes": len(response.content), "ok": stats["median_ms"] < limit}
    results["peak_rss_mb"] = peak_rss_mb()
    return results


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
