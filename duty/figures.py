"""The figures of 责任落实 for a region and a period: problems and measures rolled up county ›
town › village by 来源 and 状态 (seed 004: "县级层面认领问题20个，制定整改措施58条；15个乡镇共
认领问题227个…"), 督查与例会 counts by 类型, the work teams, grids and pairings. Each is a few
GROUP BY queries; the statistics page, the Excel 台账 and the work report read them."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When

from duty import services
from duty.checks import done_through
from duty.models import (
    SOURCES,
    GridHousehold,
    GridRole,
    GridUnit,
    Inspection,
    Pairing,
    Problem,
    RectificationRow,
    Status,
    WorkTeamMember,
)
from ledgers import figures as ledger_figures
from ledgers.kit import ledger
from regions.models import Region

LEVELS = {Region.Level.COUNTY: "county", Region.Level.TOWN: "town", Region.Level.VILLAGE: "village"}
INSPECTION_KINDS = ("工作提示", "学习", "例会", "纪律督查", "业务督查", "暗访", "培训")
SPECIAL = "专项整治"  # a 问题类别 naming a 专项整治 is reported under 四、工作落实


def measures(region: Region, year: int | None) -> QuerySet[RectificationRow]:
    """The measures of `region` and below whose 整改时限 falls in `year` (every one when None)."""
    return ledger_figures.rows(ledger("rectification"), region, year)


def _zero_status() -> dict[str, int]:
    return {s: 0 for s in Status.values}


def closed_q(on: dt.date | None, prefix: str = "") -> Q:
    """The measures 已销号 on `on` (as recorded when None): from their 销号日期 on. An imported
    已销号 row without the date counts as recorded, since nothing says when it was closed."""
    closed = Q(**{f"{prefix}status": Status.CLOSED})
    if on is None:
        return closed
    return closed & (
        Q(**{f"{prefix}closed_date__isnull": True}) | Q(**{f"{prefix}closed_date__lte": on})
    )


def done_q(on: dt.date | None, prefix: str = "") -> Q:
    """The measures 已完成 (or 已销号) on `on`: from their 完成日期 on, or closed by then. A
    completion without a date (an imported 已完成 or 已销号 row) counts as recorded; a row
    销号 after `on` was done on it unless its 完成日期 says otherwise."""
    done = Q(**{f"{prefix}status__in": services.DONE})
    if on is None:
        return done
    dated = Q(**{f"{prefix}completed_on__isnull": True}) | Q(**{f"{prefix}completed_on__lte": on})
    return (done & dated) | closed_q(on, prefix)


def state_on(on: dt.date | None) -> Case:
    """A measure's 状态 on `on` as an expression (`closed_q`, `done_q`; as recorded when None)."""
    return Case(
        When(closed_q(on), then=Value(Status.CLOSED)),
        When(done_q(on), then=Value(Status.DONE)),
        default=Value(Status.OPEN),
        output_field=CharField(),
    )


def rollup(
    region: Region,
    year: int | None,
    *,
    special: bool | None = None,
    within: Q | None = None,
    on: dt.date | None = None,
) -> dict[str, Any]:
    """Problems (those with a measure in the period) and measures, by level, 来源, 类别 and 状态;
    with `special` False only the problems outside the 专项整治 categories, with True only those.
    `within` narrows the measures to a part of the year (the work report's period, by 整改时限);
    with `on`, every 状态 is the one of that day as far as the ledger dates it (`state_on`), and
    a problem's is that of all its measures on that day (`services.problem_status`).

    {"problems", "measures", "status": {状态: problems}, "measure_status": {状态: measures},
     "overdue": red measures, "levels": [{level, units, problems, measures}],
     "by_source": {来源: {problems, measures, categories, 整改中, 已完成, 已销号}},
     "by_category": {类别: {problems, measures, by_source: {来源: problems},
                           整改中, 已完成, 已销号}}}
    """
    rows = measures(region, year)
    if within is not None:
        rows = rows.filter(within)
    if special is not None:
        named = Q(category__contains=SPECIAL)
        rows = rows.filter(named if special else ~named)
    # The overdue mark is today's; on another day, a measure open then and past its 整改时限.
    overdue = Q(status=Status.OPEN, alert="red") if on is None else ~done_q(on) & Q(deadline__lt=on)
    out: dict[str, Any] = {
        "problems": 0,
        "measures": 0,
        "status": _zero_status(),
        "measure_status": _zero_status(),
        "overdue": rows.filter(overdue).count(),
    }
    for r in rows.order_by().annotate(st=state_on(on)).values("st").annotate(n=Count("pk")):
        out["measure_status"][r["st"]] = r["n"]
        out["measures"] += r["n"]
    # One row per problem with its measures (all of them, in the period or not) done and closed
    # on `on`: a few thousand at most, folded below.
    problems = list(
        Problem.objects.filter(pk__in=rows.values("problem_id"))
        .order_by()
        .annotate(
            n=Count("measures"),
            done=Count("measures", filter=done_q(on, "measures__")),
            closed=Count("measures", filter=closed_q(on, "measures__")),
        )
        .values_list("source", "category", "region_id", "region__level", "n", "done", "closed")
    )
    levels: dict[str, dict[str, int]] = {
        name: {"units": 0, "problems": 0, "measures": 0} for name in LEVELS.values()
    }
    units: dict[str, set[int]] = defaultdict(set)
    by_source: dict[str, dict[str, Any]] = {}
    by_category: dict[str, dict[str, Any]] = {}
    categories: dict[str, set[str]] = defaultdict(set)
    for source_name, category_name, region_id, level, n, done, closed in problems:
        status = services.problem_status(n, done, closed)
        name = LEVELS.get(level)
        if name:
            levels[name]["problems"] += 1
            units[name].add(region_id)
        source = by_source.setdefault(
            source_name, {"problems": 0, "measures": 0, "categories": 0, **_zero_status()}
        )
        category = by_category.setdefault(
            category_name or "（未分类）",
            {"problems": 0, "measures": 0, "by_source": defaultdict(int), **_zero_status()},
        )
        for bucket in (source, category):
            bucket["problems"] += 1
            bucket[status] += 1
        category["by_source"][source_name] += 1
        categories[source_name].add(category_name)
        out["problems"] += 1
        out["status"][status] += 1
    for name, ids in units.items():
        levels[name]["units"] = len(ids)
    for source_name, kinds in categories.items():
        by_source[source_name]["categories"] = len(kinds)
    for r in rows.order_by().values("region__level").annotate(n=Count("pk")):
        name = LEVELS.get(r["region__level"])
        if name:
            levels[name]["measures"] = r["n"]
    out["levels"] = [
        {"level": name, **levels[name]} for name in LEVELS.values() if levels[name]["problems"]
    ]
    for r in rows.order_by().values("source", "category").annotate(n=Count("pk")):
        if r["source"] in by_source:
            by_source[r["source"]]["measures"] += r["n"]
        key = r["category"] or "（未分类）"
        if key in by_category:
            by_category[key]["measures"] += r["n"]
    order = {s: i for i, s in enumerate(SOURCES)}
    out["by_source"] = dict(sorted(by_source.items(), key=lambda kv: order.get(kv[0], 99)))
    out["by_category"] = {
        k: {
            **v,
            "by_source": dict(sorted(v["by_source"].items(), key=lambda kv: order.get(kv[0], 99))),
        }
        for k, v in sorted(by_category.items())
    }
    return out


def children(region: Region, year: int | None) -> list[dict[str, Any]]:
    """The roll-up's drill-down: each town (or village) of `region` with its problems and
    measures, its own level's and those below it."""
    rows = measures(region, year)
    kids = list(
        Region.objects.filter(
            parent=region, retired=False, level__lte=Region.Level.VILLAGE
        ).order_by("sort", "name")
    )
    # Two queries whatever the number of sub-regions: the measures' paths, folded per child (the
    # path component after `region`'s), and the status of their problems.
    problems: dict[int, set[int]] = {kid.pk: set() for kid in kids}
    counts: dict[int, Counter[str]] = {kid.pk: Counter() for kid in kids}
    for path, problem_id, status, alert in rows.order_by().values_list(
        "region__path", "problem_id", "status", "alert"
    ):
        head = path[len(region.path) :].split("/", 1)[0]
        kid_id = int(head) if head.isdigit() else None
        if kid_id not in problems:
            continue
        problems[kid_id].add(problem_id)
        counts[kid_id]["measures"] += 1
        counts[kid_id]["overdue"] += status == Status.OPEN and alert == "red"
    status_of = dict(
        Problem.objects.filter(pk__in=rows.values("problem_id")).values_list("pk", "status")
    )
    out = []
    for kid in kids:
        statuses = [status_of.get(pk) for pk in problems[kid.pk]]
        out.append(
            {
                "region": kid,
                "problems": len(statuses),
                "done": sum(s in (Status.DONE, Status.CLOSED) for s in statuses),
                "closed": sum(s == Status.CLOSED for s in statuses),
                "measures": counts[kid.pk]["measures"],
                "overdue": counts[kid.pk]["overdue"],
            }
        )
    return out


def inspections(region: Region, start: dt.date, end: dt.date) -> dict[str, Any]:
    """督查与例会 records of `region` and below dated in [start, end]: counts by 类型, 通报 and
    problems found, and 通报 per village (a village's work team)."""
    qs = Inspection.objects.below(region).filter(date__gte=start, date__lte=end)
    by_kind = {k: 0 for k in INSPECTION_KINDS}
    for r in qs.order_by().values("kind").annotate(n=Count("pk")):
        by_kind[r["kind"]] = r["n"]
    reported = qs.filter(reported=True)
    teams = {
        r["region_id"]: r["n"]
        for r in reported.filter(region__level=Region.Level.VILLAGE)
        .order_by()
        .values("region_id")
        .annotate(n=Count("pk"))
    }
    return {
        "rows": sum(by_kind.values()),
        "by_kind": by_kind,
        "reported": reported.count(),
        "problems_found": sum(
            qs.exclude(problems_found=None).values_list("problems_found", flat=True)
        ),
        "reported_by_village": teams,
        "monthly_through": done_through(region, start.year, min(end.month, 12))
        if start.year == end.year
        else None,
    }


def teams(region: Region, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The work teams: members in post at `end`, 第一书记 among them, villages covered, and the
    rotation of the period (stints ended, and begun, within it, with the months)."""
    posted = services.in_post(region, end)
    ended = WorkTeamMember.objects.below(region).filter(end__gte=start, end__lte=end)
    begun = WorkTeamMember.objects.below(region).filter(start__gte=start, start__lte=end)
    months = sorted({d.month for d in ended.values_list("end", flat=True)})
    return {
        "in_post": posted.count(),
        "secretaries": posted.filter(post=WorkTeamMember.Post.SECRETARY).count(),
        "villages": posted.values("region_id").distinct().count(),
        "ended": ended.count(),
        "begun": begun.count(),
        "rotated_villages": ended.values("region_id").distinct().count(),
        "months": months,
    }


def grid(region: Region, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Grids of `region` and below, 网格员 in post at `end`, households covered, those without a
    网格员, and the 网格员 adjusted in the period (roles ended or begun in it)."""
    units = GridUnit.objects.filter(region__path__startswith=region.path)
    roles = GridRole.objects.filter(unit__region__path__startswith=region.path)
    members = roles.current(end).filter(role=GridRole.Role.MEMBER)
    adjusted = roles.filter(role=GridRole.Role.MEMBER).filter(
        Q(end__gte=start, end__lte=end) | Q(start__gt=start, start__lte=end)
    )
    covered = GridHousehold.objects.filter(household__region__path__startswith=region.path).count()
    villages = services.coverage(region)
    return {
        "units": units.count(),
        "members": members.values("name", "user_id").distinct().count(),
        "households": sum(v["households"] for v in villages),
        "covered": covered,
        "uncovered": sum(v["uncovered"] for v in villages),
        "adjusted": adjusted.values("name", "user_id").distinct().count(),
    }


def pairings(region: Region, on: dt.date) -> dict[str, dict[str, int]]:
    """Pairings current on `on` by kind: {kind: {units, villages}}."""
    out: dict[str, dict[str, int]] = {}
    current = services.pairings_on(region, on)
    for kind in Pairing.Kind.values:
        mine = current.filter(kind=kind)
        units = mine.values("unit").distinct().count()
        if units:
            out[kind] = {"units": units, "villages": mine.values("village").distinct().count()}
    return out
