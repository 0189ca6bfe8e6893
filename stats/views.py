"""统计报表: the dashboard of a region, its ledgers and the drafted work report."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core import dates
from core import labels as core_labels
from core.scoping import get_visible_or_404, whole_tree
from core.xlsx import XLSX
from regions.models import Region, get_visible_region_or_404
from registry.models import Household, HouseholdEvent
from stats import figures, ledgers, periods, prints, report
from stats.services import CATEGORIES, compute_with_children, log_export

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _region(request: HttpRequest) -> Region:
    """?region=<id> among the regions the user may see; default: the user's own region."""
    ref = request.GET.get("region")
    if ref:
        return get_visible_region_or_404(request.user, ref)
    return _region_of(request.user)


def _region_of(user: Any) -> Region:
    region = getattr(user, "region", None)
    if region is None:
        raise Http404("未找到区划")
    return region


# The register starts with 建档立卡 (2014); far earlier dates break date arithmetic (year 0).
EARLIEST = dt.date(2000, 1, 1)


def _date(request: HttpRequest, name: str, label: str) -> dt.date | None:
    """A YYYY-MM-DD query parameter; a bad one is reported and ignored."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        messages.error(request, f"{label}“{raw}”不是有效日期，应为 YYYY-MM-DD，已改用默认日期")
        return None
    try:
        dates.not_future(value, label)
    except ValueError as exc:
        messages.error(request, f"{exc}，已改用今天")
        return None
    if value < EARLIEST:
        raise BadRequest(f"{label}不能早于{EARLIEST:%Y-%m-%d}")
    return value


def _delta(now: dict[str, int], then: dict[str, int]) -> dict[str, int]:
    return {k: now[k] - then[k] for k in ("households", "persons")}


def _key_figures(stats: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline numbers with their change since 31 December of the previous year."""
    labels = core_labels.for_date(dt.date.fromisoformat(stats["as_of"]))

    def pick(s: dict[str, Any], path: str) -> dict[str, int]:
        for part in path.split("."):
            s = s[part]
        return {"households": s["households"], "persons": s["persons"]}

    rows = [
        ("户籍户数", "households"),
        ("脱贫户", "alleviated"),
        ("稳定脱贫户", "alleviated_stable"),
        (labels.population, "monitored"),
        ("未消除风险", "monitored.not_eliminated"),
        ("已消除风险", "monitored.eliminated"),
    ]
    return [
        {
            "label": label,
            "value": pick(stats, path),
            "delta": _delta(pick(stats, path), pick(base, path)),
        }
        for label, path in rows
    ]


def _in(region: Region, field: str) -> Q:
    """Rows whose `field` lies in `region` or below; nothing to filter at the root of the tree."""
    if whole_tree(region):
        return Q()
    return Q(**{f"{field}__in": Region.objects.below(region).values("pk")})


def _charts(region: Region, user: Any, stats: dict[str, Any]) -> dict[str, Any]:
    """Data for the four charts: categories, risk types, monthly identifications/eliminations."""
    as_of = dt.date.fromisoformat(stats["as_of"])
    by_cat = stats["monitored"]["not_eliminated"]["by_category"]
    risks: Counter[str] = Counter()
    # Risk types are read from the households' current records (the history keeps them per event).
    for value in (
        Household.objects.visible_to(user)
        .filter(_in(region, "region"), risk_eliminated=False)
        .exclude(category="")
        .values_list("risks", flat=True)
    ):
        risks.update(r for r in value.split(",") if r)
    months = {"identified": [0] * 12, "eliminated": [0] * 12}
    for kind, day in (
        HouseholdEvent.objects.visible_to(user)
        .filter(
            _in(region, "household__region"),
            kind__in=["identified", "reidentified", "eliminated"],
            date__gte=dt.date(as_of.year, 1, 1),
            date__lte=as_of,
        )
        .values_list("kind", "date")
    ):
        months["eliminated" if kind == "eliminated" else "identified"][day.month - 1] += 1
    return {
        "categories": [{"name": c, "value": by_cat[c]["households"]} for c in CATEGORIES],
        "risks": {
            "names": [r for r, _ in risks.most_common()],
            "values": [n for _, n in risks.most_common()],
        },
        "months": [f"{m}月" for m in range(1, 13)],
        "identified": months["identified"],
        "eliminated": months["eliminated"],
        "year": as_of.year,
    }


def index(request: HttpRequest) -> HttpResponse:
    """The dashboard of a region as of a date, with the tree to drill down."""
    region = _region(request)
    as_of = _date(request, "as_of", "统计日期") or dates.today()
    own = _region_of(request.user)
    stats, children, base = compute_with_children(region, as_of, dt.date(as_of.year - 1, 12, 31))
    assert base is not None
    tree = list(
        Region.objects.visible_to(request.user)
        .active()
        .filter(level__lte=Region.Level.VILLAGE)
        .order_by("path")
    )
    context = {
        "region": region,
        "ancestors": [r for r in region.ancestors() if r.path.startswith(own.path)],
        "as_of": as_of,
        "stats": stats,
        "key_figures": _key_figures(stats, base),
        "labels": (labels := core_labels.for_date(as_of)),
        "new": stats["identified_this_year"],
        "gone": stats["eliminated_this_year"],
        "children": children,
        "tree": tree,
        "charts": _charts(region, request.user, stats),
        "pending": figures.collect(figures.PENDING, region),
        # The titles in the date's words, as the download names them (防止返贫致贫对象台账).
        "ledgers": [(k, labels.words(v.title)) for k, v in ledgers.LEDGERS.items()],
        "years": list(range(as_of.year, 2020, -1)),
        "months": list(range(1, 13)),
    }
    return render(request, "stats/index.html", context)


def _attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def ledger(request: HttpRequest, kind: str) -> HttpResponse:
    """One of the ledgers of a region as an Excel download."""
    if kind not in ledgers.LEDGERS:
        raise Http404("没有这种台账")
    region = _region(request)
    as_of = _date(request, "as_of", "统计日期") or dates.today()
    start = _date(request, "start", "起始日期")
    data = ledgers.write(kind, region, request.user, as_of, start)
    title = core_labels.for_date(as_of).words(ledgers.LEDGERS[kind].title)
    log_export(actor=request.user, region=region, what=f"{title}（截至{as_of:%Y-%m-%d}）")
    return _attachment(data, XLSX, f"{region.name}{title}{as_of:%Y%m%d}.xlsx")


def work_report(request: HttpRequest) -> HttpResponse:
    """The drafted work report of a region for a year, half-year, quarter or month (`year` and
    `part`: H1/H2, Q1–Q4 or 01–12; or `period` as the command takes it), counted up to `as_of`
    when given, as a Word download."""
    region = _region(request)
    today = dates.today()
    year = request.GET.get("year") or str(today.year)
    part = request.GET.get("part", "")
    try:
        period = periods.parse(request.GET.get("period") or (f"{year}-{part}" if part else year))
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    if not 2014 <= period.year <= today.year:
        raise Http404("年度超出范围")
    if period.start > today:
        raise BadRequest(f"{period.label}尚未开始")
    try:
        as_of = report.as_of_date(request.GET.get("as_of", "").strip(), period)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    data = report.render(region, period, as_of=as_of)
    log_export(actor=request.user, region=region, what=f"{period.label}工作情况汇报（Word）")
    return _attachment(data, DOCX, f"{region.name}{period.label}工作情况汇报.docx")


def household_file(request: HttpRequest, pk: int) -> HttpResponse:
    """户档案: the household's whole record on A4, for its 户袋."""
    household = get_visible_or_404(Household.objects.select_related("region"), request.user, pk=pk)
    prints.log_print(actor=request.user, household=household, what="户档案")
    return render(request, "stats/household_file.html", prints.household_record(household))


def policy_card(request: HttpRequest, pk: int) -> HttpResponse:
    """明白卡: the policies the household enjoys, its contact cadre and the hotline, on A4."""
    household = get_visible_or_404(Household.objects.select_related("region"), request.user, pk=pk)
    prints.log_print(actor=request.user, household=household, what="明白卡")
    return render(request, "stats/policy_card.html", prints.policy_card(household))
