"""Work-report benchmark on the 130,000-household demo county (bench/common.setup_county).

    .venv/bin/python bench/bench_report.py            # both engines (FANGPIN_BENCH_ENGINES)
    .venv/bin/python bench/bench_report.py --engine sqlite

Times drafting the whole report (every section, the appendix) for the county and for its largest
town, for the year and for a quarter (target: median under 5 s for the county).
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb, run_per_engine, setup_county, timed

REPORT_MS = 5000


def run(engine: str) -> dict[str, Any]:
    setup_county(engine)
    from django.db.models import Count

    from core import dates
    from regions.models import Region
    from stats import periods, report

    county = Region.objects.get(parent__isnull=True)
    town = (
        Region.objects.filter(level=Region.Level.TOWN)
        .annotate(n=Count("children"))
        .order_by("-n", "pk")
        .first()
    )
    assert town is not None
    year = dates.today().year
    results: dict[str, Any] = {"engine": engine, "town": town.name}
    for name, region in (("county", county), ("town", town)):
        for label, period in (
            ("year", periods.Period("year", year)),
            ("quarter", periods.Period("quarter", year, 1)),
        ):
            stats = timed(partial(report.render, region, period), repeat=3, warmup=1)
            results[f"report_{name}_{label}"] = {**stats, "ok": stats["median_ms"] < REPORT_MS}
    results["peak_rss_mb"] = peak_rss_mb()
    return results


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
