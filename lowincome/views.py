"""Pages of the 低收入人口 comparison: per village, one village's people, the export for 民政."""

from __future__ import annotations

from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core import labels as core_labels
from core.audit import record
from core.permissions import Cap, can, require
from core.xlsx import XLSX
from lowincome import services
from regions.models import Region, get_visible_region_or_404, visible_parent


def _region(request: HttpRequest) -> Region:
    ref = request.GET.get("region")
    if ref:
        return get_visible_region_or_404(request.user, ref)
    region = getattr(request.user, "region", None)
    if region is None:
        raise Http404("未找到区划")
    return region


def index(request: HttpRequest) -> HttpResponse:
    """Per village: on both lists, only on 民政's (and why), only on ours; ?q= finds people by
    name in every group of the region, with where they live and why."""
    region = _region(request)
    require(request.user, Cap.VIEW, region)
    q = request.GET.get("q", "").strip()[:40]
    if q:  # who is this person in the comparison, and why
        groups = services.village_people(region, name=q)
        return render(
            request,
            "lowincome/index.html",
            {
                "region": region,
                "q": q,
                "sections": _sections(groups),
                "found": any(groups.values()),
                "tab": "lowincome",
            },
        )
    rows = services.by_village(region)
    totals = {
        key: sum(getattr(r, key) for r in rows)
        for key in ("both", "unregistered", "plain", "only_ours")
    }
    return render(
        request,
        "lowincome/index.html",
        {"region": region, "rows": rows, "totals": totals, "tab": "lowincome"},
    )


SECTIONS = [
    ("both", "双方名单均有"),
    ("unregistered", "仅在民政名单：不在户籍台账"),
    ("plain", "仅在民政名单：在户籍台账但非脱贫户、监测户"),
    ("ours", "仅在本系统：未纳入低收入人口名单"),
]


def _sections(groups: dict[str, list[dict]]) -> list[tuple[str, list[dict]]]:
    """Each group's title (in this year's words: 非脱贫户、防止返贫致贫对象) and people."""
    words = core_labels.for_year().words
    return [(words(title), groups.get(key, [])) for key, title in SECTIONS]


def village(request: HttpRequest, pk: int) -> HttpResponse:
    """One village's people in each group, with the reason (ID numbers masked)."""
    region = get_visible_region_or_404(request.user, pk)
    require(request.user, Cap.VIEW, region)
    groups = services.village_people(region)
    return render(
        request,
        "lowincome/village.html",
        {
            "region": region,
            "parent": visible_parent(request.user, region),
            "sections": _sections(groups),
            "tab": "lowincome",
        },
    )


def export(request: HttpRequest) -> HttpResponse:
    """The region's 防止返贫致贫对象 in the list's layout, for 民政."""
    region = _region(request)
    require(request.user, Cap.EXPORT, region)
    full = can(request.user, Cap.REVEAL, region)
    data = services.export(region, full=full)
    record(
        actor=request.user,
        action="export",
        obj=region,
        region_id=region.pk,
        note=f"导出{region.name}低收入人口交换名单"
        + ("（含完整证件号码）" if full else "（证件号码已脱敏）"),
    )
    response = HttpResponse(data, content_type=XLSX)
    name = f"{region.name}低收入人口交换名单.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
