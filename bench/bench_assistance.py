"""Assistance benchmarks: the overdue-visits list and a 30,000-household campaign's progress page.

    .venv/bin/python bench/bench_assistance.py            # both engines (FANGPIN_BENCH_ENGINES)
    .venv/bin/python bench/bench_assistance.py --engine sqlite

Each engine runs in its own process (Django is set up once per process) on the shared demo county
(bench/common.setup_county). Visits, contacts and the campaign are added once, idempotently, and
tagged so later runs reuse them. Target: each page's median under 300 ms.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb, run_per_engine, setup_county, timed

CAMPAIGN = "基准测试集中排查"
CAMPAIGN_HOUSEHOLDS = 30_000
LIMIT_MS = 300
BULK_TABLES = (
    "registry_household",
    "assistance_visit",
    "assistance_contact",
    "assistance_screening",
)


def _prepare() -> Any:
    """Visits for 75% of 脱贫户/监测对象, a cadre per 40 households, a 30,000-household campaign."""
    from django.db.models import Q

    from accounts.models import User
    from assistance.models import Campaign, Contact, Screening, Visit
    from assistance.services import default_questionnaire
    from regions.models import Region
    from registry.models import Household

    campaign = Campaign.objects.filter(name=CAMPAIGN).first()
    if campaign is not None:
        return campaign
    rng = random.Random(7)
    today = dt.date.today()
    county = Region.objects.get(parent__isnull=True)
    key = list(
        Household.objects.filter(Q(is_alleviated=True) | ~Q(category=""))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    cadres = User.objects.bulk_create(
        User(username=f"bench_cadre_{i}", role="village_staff", region=county, last_name=f"干部{i}")
        for i in range(len(key) // 40 + 1)
    )
    Contact.objects.bulk_create(
        (
            Contact(household_id=pk, user=cadres[i // 40], name=f"干部{i // 40}", start_date=today)
            for i, pk in enumerate(key)
        ),
        batch_size=5000,
    )
    visits = []
    for pk in key:
        if rng.random() < 0.75:
            for _ in range(rng.randint(1, 4)):
                visits.append(
                    Visit(household_id=pk, date=today - dt.timedelta(days=rng.randint(0, 200)))
                )
    Visit.objects.bulk_create(visits, batch_size=5000)
    towns, chosen = [], 0
    for town in Region.objects.filter(level=Region.Level.TOWN).order_by("sort", "pk"):
        towns.append(town)
        chosen += Household.objects.filter(region__path__startswith=town.path).count()
        if chosen >= CAMPAIGN_HOUSEHOLDS:
            break
    campaign = Campaign.objects.create(
        name=CAMPAIGN,
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=20),
        questionnaire=default_questionnaire(),
    )
    campaign.regions.set(towns)
    paths = Q()
    for town in towns:
        paths |= Q(region__path__startswith=town.path)
    rows = Household.objects.filter(paths).values_list(
        "pk", "region_id", "region__level", "region__parent_id", "member_count"
    )[:CAMPAIGN_HOUSEHOLDS]
    Screening.objects.bulk_create(
        (
            Screening(
                campaign=campaign,
                household_id=pk,
                village_id=parent if level == Region.Level.GROUP else region,
                cadre=cadres[i % len(cadres)],
                persons=persons,
                done=rng.random() < 0.6,
            )
            for i, (pk, region, level, parent, persons) in enumerate(rows)
        ),
        batch_size=5000,
    )
    print(
        f"  prepared {len(visits)} visits, {len(key)} contacts, "
        f"{Screening.objects.filter(campaign=campaign).count()} screenings",
        file=sys.stderr,
    )
    return campaign


def run(engine: str) -> dict[str, Any]:
    setup_county(engine)
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from registry.models import Household

    campaign = _prepare()
    if connection.vendor == "postgresql":
        # Bulk-loaded tables: refresh statistics and the visibility map, as autovacuum would.
        with connection.cursor() as cursor:
            for table in BULK_TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="county_admin"))
    results: dict[str, Any] = {
        "engine": engine,
        "households": Household.objects.count(),
        "campaign_households": campaign.screenings.count(),
    }
    pages = {
        "overdue_visits": "/assistance/visits/overdue/",
        "campaign_progress": f"/assistance/campaigns/{campaign.pk}/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries: list[str] = []

        def count(run: Any, sql: str, *args: Any, log: list[str] = queries) -> Any:
            log.append(sql)
            return run(sql, *args)

        with connection.execute_wrapper(count):
            client.get(url)
        stats = timed(partial(client.get, url), repeat=15)
        results[name] = {**stats, "queries": len(queries), "ok": stats["median_ms"] < LIMIT_MS}
    results["peak_rss_mb"] = peak_rss_mb()
    return results


if __name__ == "__main__":
    sys.exit(run_per_engine(__file__, run))
