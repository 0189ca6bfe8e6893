"""Household list benchmarks on the 130,000-household demo county (bench/common.setup_county).

    .venv/bin/python bench/bench_registry.py            # both engines (FANGPIN_BENCH_ENGINES)
    .venv/bin/python bench/bench_registry.py --engine sqlite

For the county admin (who sees every household): the 户籍台账 page (registry:household_list) and
`GET /api/v1/households` — the first page, a search by a person's name, a search by an ID number,
and a deep page — median and worst milliseconds and the number of SQL queries per request.
Target: median under 150 ms each, and the same query count on the first and the deep page.
Each engine runs in its own process (Django is set up once per process).
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import engines, peak_rss_mb, setup_county, timed

LIMIT_MS = 150


def _cases() -> list[tuple[str, str, dict[str, Any], int, bool]]:
    """(label, url, params, household id the answer must contain or 0, under the target?)."""
    from django.urls import reverse

    from registry.models import Household, Person

    total = Household.objects.count()
    # A member in the middle of the county, so neither search hits the first rows by chance, whose
    # name is rare enough for their household to be on the first page of answers.
    candidates = (
        Person.objects.filter(is_member=True, household__member_count__gte=2)
        .exclude(relation="户主")
        .order_by("pk")[Person.objects.count() // 2 :][:200]
    )
    person = next(
        p for p in candidates if len(p.name) == 3 and Household.objects.search(p.name).count() < 50
    )
    deep = max(1, total // 50 // 2)
    cases = []
    for kind, url in (("page", reverse("registry:household_list")), ("api", "/api/v1/households")):
        cases += [
            (f"{kind} first page", url, {}, 0, True),
            (f"{kind} name search", url, {"q": person.name}, person.household_id, True),
            (f"{kind} ID search", url, {"q": person.id_number}, person.household_id, True),
            # Not in the target, shown for information: a deep page and a one-character search.
            (f"{kind} page {deep}", url, {"page": deep}, 0, False),
            (f"{kind} surname search", url, {"q": person.name[0]}, 0, False),
        ]
    return cases


def run(engine: str) -> dict[str, Any]:
    setup_county(engine)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from registry.models import Household

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="county_admin"))
    results: dict[str, Any] = {"engine": engine, "households": Household.objects.count()}
    for label, url, params, expect, targeted in _cases():
        response = client.get(url, params)
        assert response.status_code == 200, (label, response.status_code)
        if expect:
            body = response.json() if url.startswith("/api/") else None
            found = (
                expect in {h["id"] for h in body["results"]}
                if body is not None
                else f"/households/{expect}/" in response.content.decode()
            )
            assert found, f"{label}: household {expect} not in the answer"
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, params)
        queries = len(ctx.captured_queries)  # read now: the next request clears the log
        stats = timed(partial(client.get, url, params), repeat=15)
        results[label] = {
            **stats,
            "queries": queries,
            "ok": stats["median_ms"] < LIMIT_MS or not targeted,
            "targeted": targeted,
        }
    for kind in ("page", "api"):
        counts = {v["queries"] for k, v in results.items() if k.startswith(kind + " ")}
        results[f"{kind} fixed query count"] = len(counts) == 1 or (
            # a search adds its own subquery at most once, never one per row
            max(counts) - min(counts) <= 1
        )
    results["peak_rss_mb"] = peak_rss_mb()
    return results


def _table(all_results: list[dict[str, Any]]) -> str:
    labels = [k for k, v in all_results[0].items() if isinstance(v, dict)]
    head = f"{'':22}" + "".join(f"{r['engine']:>30}" for r in all_results)
    lines = [head, f"{'':22}" + f"{'median ms / max ms / queries':>30}" * len(all_results)]
    for label in labels:
        cells = ""
        for r in all_results:
            v = r.get(label)
            cell = (
                f"{v['median_ms']:.1f} / {v['max_ms']:.1f} / {v['queries']}"
                + ("" if v["ok"] else " SLOW")
                + ("" if v["targeted"] else " (info)")
                if v
                else "—"
            )
            cells += f"{cell:>30}"
        lines.append(f"{label:22}{cells}")
    for key in ("page fixed query count", "api fixed query count", "households"):
        lines.append(f"{key:22}" + "".join(f"{r[key]!s:>30}" for r in all_results))
    return "\n".join(lines)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--engine":
        print(json.dumps(run(sys.argv[2]), ensure_ascii=False))
        return 0
    failed = 0
    collected = []
    for engine in engines():
        out = subprocess.run(
            [sys.executable, __file__, "--engine", engine], capture_output=True, text=True
        )
        sys.stderr.write(out.stderr[-3000:])
        if out.returncode != 0:
            print(f"{engine}: failed (exit {out.returncode})")
            failed += 1
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(json.dumps(result, ensure_ascii=False))
        collected.append(result)
        failed += not all(v["ok"] for v in result.values() if isinstance(v, dict))
        failed += not (result["page fixed query count"] and result["api fixed query count"])
    if collected:
        print(f"\n户籍台账 list for the county admin (target: median < {LIMIT_MS} ms)")
        print(_table(collected))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
