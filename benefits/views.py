"""政策落实统计: the benefit ledgers' figures and the 医保 / 民政 figures of the department batches
for a region and a year, with the sub-regions to drill into (formats.md §7, §8). Thin: the
figures come from ledgers.figures and benefits.figures; scoping by get_visible_region_or_404."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from benefits.figures import policy_figures
from benefits.reporting import MEDICAL, SAFETY_NET
from benefits.services import KINDS
from ledgers import figures as ledger_figures
from ledgers import kit
from regions.models import Region, get_visible_region_or_404


def policy(request: HttpRequest) -> HttpResponse:
    region: Region | None = getattr(request.user, "region", None)
    if region is None:
        raise Http404("未找到")
    if request.GET.get("region"):
        region = get_visible_region_or_404(request.user, request.GET["region"])
    try:
        year = ledger_figures.year_of(request.GET.get("year"))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    ledgers = [kit.ledger(kind) for kind in KINDS]
    cards = [
        {"ledger": book, "figures": ledger_figures.figures(book, region, year)} for book in ledgers
    ]
    children: dict[int, dict] = {}
    for book in ledgers:
        for child in ledger_figures.by_child(book, region, year):
            entry = children.setdefault(child["region"].pk, {"region": child["region"], "by": []})
            entry["by"].append(child["figures"])
    found = policy_figures(region, dt.date(year, 1, 1), ledger_figures.period_end(year))
    medical = found.get("medical") or {}
    civil = found.get("civil") or {}
    return render(
        request,
        "benefits/policy.html",
        {
            "region": region,
            "year": year,
            "cards": cards,
            "children": list(children.values()),
            "medical": medical,
            "medical_rows": [(words, medical.get(key, {})) for key, words in MEDICAL],
            "civil": civil,
            "civil_rows": [
                (aid, what, (civil.get("by_type") or {}).get(aid, {}))
                for aid, _, _, what in SAFETY_NET
            ],
        },
    )
