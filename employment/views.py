"""The employment ledger's own page: each month's 外出务工 by 户类型, 县内, 未务工 and the
labourers who left (新外出) or came back (回流) in a month."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core import labels as core_labels
from core.masking import mask_id
from core.xlsx import XLSX
from employment import services
from employment.figures import employment_figures, month_changes
from ledgers import figures, kit
from regions.models import Region, get_visible_region_or_404, place_names

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _region(request: HttpRequest) -> Region:
    if request.GET.get("region"):
        return get_visible_region_or_404(request.user, request.GET["region"])
    region = getattr(request.user, "region", None)
    if region is None:
        raise Http404("未找到")
    return region


def monthly(request: HttpRequest) -> HttpResponse:
    """?region=&year=&month=: the year's months, and the change lists of one month (the latest
    unless given); ?format=xlsx the same as a printable Excel 台账."""
    region = _region(request)
    try:
        year = figures.year_of(request.GET.get("year"))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    ledger = kit.ledger("employment")
    # Only the months' figures: the kit's others (by every column, by 户类型) take a county's
    # 1.4 million rows six seconds, these under one.
    found = employment_figures(ledger, figures.rows(ledger, region, year), region, year)
    months = sorted(found["work"])
    month = request.GET.get("month") or (months[-1] if months else "")
    if month and not MONTH.match(month):
        raise Http404("月份应为YYYY-MM")
    qs = figures.rows(ledger, region, year).visible_to(request.user)
    lists = services.changes(qs, month) if month else {"新外出": [], "回流": []}
    # Where each labourer lives as people name it (乡镇/行政村/组), never the 组 alone.
    places = place_names(r.region for rows in lists.values() for r in rows)
    shown = {
        title: [
            {
                "row": r,
                "id": mask_id(r.person.id_number if r.person else ""),
                "place": places.get(r.region_id, ""),
            }
            for r in rows
        ]
        for title, rows in lists.items()
    }
    counts = dict(found["changes"])
    if month in found["work"] and month not in counts:
        # The figures count the latest month's changes; the month the user chose counts too.
        counts[month] = month_changes(figures.rows(ledger, region, year), month)
    table = [{"month": m, "work": found["work"][m], "changes": counts.get(m)} for m in months]
    if request.GET.get("format") == "xlsx":
        out = io.BytesIO()
        services.export_monthly(
            actor=request.user,
            region=region,
            year=year,
            month=month,
            table=table,
            lists=shown,
            out=out,
        )
        response = HttpResponse(out.getvalue(), content_type=XLSX)
        name = f"{region.name}{year}年务工监测月度情况.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response
    return render(
        request,
        "employment/monthly.html",
        {
            "region": region,
            "year": year,
            "month": month,
            "table": table,
            "lists": shown,
            "listed": services.LISTED,
            # The persons of the 监测户 in the year's words (2026: 防止返贫致贫对象).
            "monitored_persons": core_labels.for_year(year).words("监测人口"),
        },
    )
