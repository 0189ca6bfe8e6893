"""政策落实统计: the benefit ledgers' figures and the 医保 / 民政 figures of the department batches
for a region and a year, with the sub-regions to drill into (formats.md §7, §8). Thin: the
figures come from ledgers.figures and benefits.figures; scoping by get_visible_region_or_404."""

from __future__ import annotations

import datetime as dt
import io

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from benefits.figures import AID_TYPES, MEDICAL, policy_figures
from benefits.services import KINDS
from benefits.workbook import policy_workbook
from core import audit
from core.permissions import Cap, require
from core.xlsx import XLSX
from ledgers import figures as ledger_figures
from ledgers import kit
from regions.models import Region, get_visible_region_or_404, visible_parent


def policy(request: HttpRequest) -> HttpResponse | FileResponse:
    """The page, or with `?format=xlsx` its printable Excel 台账 (audited)."""
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
    medical_rows = [(words, medical.get(key, {})) for key, words in MEDICAL]
    civil_rows = [(aid, (civil.get("by_type") or {}).get(aid, {})) for aid in AID_TYPES]
    if request.GET.get("format") == "xlsx":
        require(request.user, Cap.EXPORT)
        out = io.BytesIO()
        policy_workbook(
            region,
            year,
            cards,
            medical_rows if medical.get("batches") else [],
            civil_rows if civil.get("batches") else [],
            list(children.values()),
            out,
        )
        out.seek(0)
        audit.record(
            actor=request.user,
            action="export",
            obj=region,
            region_id=region.pk,
            note=f"导出{region.name}{year}年政策落实统计台账",
        )
        name = f"政策落实统计-{region.name}-{year}.xlsx"
        return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
    return render(
        request,
        "benefits/policy.html",
        {
            "region": region,
            "parent": visible_parent(request.user, region),
            "year": year,
            "cards": cards,
            "children": list(children.values()),
            "medical": medical,
            "medical_rows": medical_rows,
            "civil": civil,
            "civil_rows": civil_rows,
        },
    )
