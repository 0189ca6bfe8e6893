"""Statistics benchmarks on the 130,000-household demo county (bench/common.setup_county).

    .venv/bin/python bench/bench_stats.py            # both engines (FANGPIN_BENCH_ENGINES)
    .venv/bin/python bench/bench_stats.py --engine sqlite

Times `GET /api/v1/stats` for the county and for the largest town, as of today and as of a date a
year back (target: median under 300 ms each), and the dashboard page of the county and of that
town (target: under 500 ms). Each engine runs in its own process.
"""

from __future__ import annotations

import datetime as dt
import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb, run_per_engine, setup_county, timed

STATS_MS, PAGE_MS = 300, 500


def run(engine: str) -> dict[str, Any]:
    setup_county(engine)
    from django.db.models import Count
    from django.test import Client

    from accounts.models import User
    from regions.models import Region
    from registry.models import Household

    county = Region.objects.get(parent__isnull=True)
    town = (
        Region.objects.filter(level=Region.Level.TOWN)
        .annotate(n=Count("children"))
        .order_by("-n", "pk")
        .first()
    )
    assert town is not None
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="county_admin"))
    today = dt.date.today()
    year_back = today - dt.timedelta(days=365)
    results: dict[str, Any] = {
        "engine": engine,
        "households": Household.objects.count(),
        "town": town.name,
    }
    checks: list[tuple[str, str, dict[str, Any], int]] = []
    for name, region in (("county", county), ("town", town)):
        for label, day in (("today", today), ("year_back", year_back)):
            params = {"region": region.code or region.full_name(), "as_of": day.isoformat()}
            checks.append((f"stats_{name}_{label}", "/api/v1/stats", params, STATS_MS))
        checks.append((f"dashboard_{name}", "/stats/", {"region": region.pk}, PAGE_MS))
    for key, url, params, limit in checks:
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.status_code)
        stats = timed(partial(client.get, url, params), repeat=11)
        results[key] = {**stats, "ok": stats["median_ms"] < limit}
    results["county_figures"] = client.get(
        "/api/v1/stats", {"region": county.code or county.name}
    ).json()["monitored"]
    results["peak_rss_mb"] = peak_rss_mb()
    return results


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
