"""Data-quality checks of 责任落实 (codes Z…), run by `fangpin check`; each finding is about a
region (a village or a town), so it carries the region and no household.

Z01 a village whose work team has no 第一书记 in post (or any village, by parameter);
Z02 a work-team member in post longer than the configured term (default two years);
Z03 a month without its 学习, 例会 and 督查 ("每月一学习、一例会、一督查");
Z04 a village with households that have no 网格员.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q

from core.checks import check, region_finding
from core.dates import today
from duty import services
from duty.models import GridUnit, Inspection, WorkTeamMember
from regions.models import Region


def _regions(region: Any, level: int) -> list[tuple[int, str, str]]:
    qs = Region.objects.filter(level=level, retired=False)
    if region is not None:
        qs = qs.filter(path__startswith=region.path)
    return list(qs.order_by("path").values_list("pk", "name", "path"))


def _in_post(region: Any, on: dt.date) -> Any:
    qs = WorkTeamMember.objects.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on))
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return qs


@check(
    "Z01",
    "驻村工作队没有第一书记",
    "yellow",
    description=(
        "村驻村工作队有在岗队员却没有第一书记（all_villages 为是时，查每个没有在岗第一书记的村）。"
    ),
    parameters={"all_villages": False},
)
def no_first_secretary(region: Any, params: dict) -> list[dict]:
    """A village whose work team has members in post but no 第一书记 (with all_villages, every
    village without a 第一书记 in post)."""
    on = today()
    posts: dict[int, set[str]] = defaultdict(set)
    for region_id, post in _in_post(region, on).values_list("region_id", "post"):
        posts[region_id].add(post)
    out = []
    for pk, name, _ in _regions(region, Region.Level.VILLAGE):
        held = posts.get(pk)
        if held is None and not params.get("all_villages"):
            continue
        if held is None or "第一书记" not in held:
            out.append(region_finding(pk, f"{name}驻村工作队没有在岗的第一书记", "no_secretary"))
    return out


@check(
    "Z02",
    "驻村工作队员超过任期",
    "yellow",
    description="驻村工作队员在岗时间超过任期（max_years 年，默认2年）仍未轮换。",
    parameters={"max_years": 2},
)
def past_term(region: Any, params: dict) -> list[dict]:
    """A member in post longer than the term (years, default 2) without a rotation."""
    on = today()
    years = int(params.get("max_years") or 2)
    try:
        cutoff = on.replace(year=on.year - years)
    except ValueError:  # 29 February
        cutoff = on.replace(year=on.year - years, day=28)
    rows = _in_post(region, on).filter(start__lt=cutoff).values_list("region_id", "name", "start")
    return [
        region_finding(
            region_id,
            f"驻村队员{name}自{start:%Y-%m-%d}驻村，已超过{years}年任期",
            f"term:{name}:{start:%Y-%m-%d}",
            姓名=name,
            驻村开始日期=f"{start:%Y-%m-%d}",
        )
        for region_id, name, start in rows
    ]


MONTHLY = {"学习": ["学习"], "例会": ["例会"], "督查": ["纪律督查", "业务督查", "暗访"]}


def monthly_gaps(
    region: Region, year: int, until: int, *, level: int, types: dict[str, list[str]]
) -> dict[int, dict[str, list[str]]]:
    """{region pk: {"YYYY-MM": [missing kinds]}} for each region of `level` in `region` over the
    months 1…`until` of `year`; a record of a village counts for its town too."""
    units = _regions(region, level)
    if region.level == level:
        units = [(region.pk, region.name, region.path)]
    kinds = {kind: label for label, listed in types.items() for kind in listed}
    seen: dict[str, set[tuple[int, str]]] = defaultdict(set)
    records = Inspection.objects.filter(
        region__path__startswith=region.path,
        date__gte=dt.date(year, 1, 1),
        date__lte=dt.date(year, 12, 31),
        kind__in=list(kinds),
    ).values_list("region__path", "date", "kind")
    for path, date, kind in records:
        seen[path].add((date.month, kinds[kind]))
    out: dict[int, dict[str, list[str]]] = {}
    for pk, _, path in units:
        held: set[tuple[int, str]] = set()
        for record_path, months in seen.items():
            if record_path.startswith(path):
                held |= months
        gaps = {
            f"{year}-{month:02d}": [label for label in types if (month, label) not in held]
            for month in range(1, until + 1)
        }
        out[pk] = {m: missing for m, missing in gaps.items() if missing}
    return out


def done_through(region: Region, year: int, until: int) -> int:
    """The last month M (≤ `until`) such that every month 1…M of `year` had its 学习, 例会 and
    督查 in `region` (0 when January did not)."""
    gaps = monthly_gaps(region, year, until, level=region.level, types=MONTHLY)[region.pk]
    month = 0
    while month < until and f"{year}-{month + 1:02d}" not in gaps:
        month += 1
    return month


@check(
    "Z03",
    "每月一学习、一例会、一督查未落实",
    "yellow",
    description=(
        "本年度已过去的每个月，每个记录督查与例会的乡镇（参数 level 设为村级时为村；all_units "
        "为是时为全部乡镇或村）都应有一次学习、一次例会和一次督查（纪律督查、业务督查或暗访）"
        "记录。"
    ),
    parameters={"level": "town", "types": MONTHLY, "all_units": False},
)
def monthly_check(region: Any, params: dict) -> list[dict]:
    """Each past month of this year, every town (or village, with level=village) that keeps the
    督查与例会记录 this year (every one, with all_units) has a 学习, a 例会 and a 督查 (纪律督查,
    业务督查 or 暗访) recorded."""
    on = today()
    level = Region.Level.VILLAGE if params.get("level") == "village" else Region.Level.TOWN
    types = params.get("types") or MONTHLY
    if on.month == 1:
        return []
    out = []
    for scope in Region.objects.scopes(region):
        names = {pk: name for pk, name, _ in _regions(scope, level)}
        names.setdefault(scope.pk, scope.name)
        gaps = monthly_gaps(scope, on.year, on.month - 1, level=level, types=types)
        if not params.get("all_units"):
            keeping = _keeping(scope, on.year)
            gaps = {pk: months for pk, months in gaps.items() if pk in keeping}
        out += [
            region_finding(
                pk,
                f"{names.get(pk, '')}{month}缺少：{'、'.join(missing)}",
                month,
                月份=month,
                缺少="、".join(missing),
            )
            for pk, months in gaps.items()
            for month, missing in months.items()
        ]
    return out


def _keeping(scope: Region, year: int) -> set[int]:
    """The towns and villages of `scope` with a record of this year (theirs or below them)."""
    paths = set(
        Inspection.objects.filter(region__path__startswith=scope.path, date__year=year).values_list(
            "region__path", flat=True
        )
    )
    return {int(pk) for path in paths for pk in path.strip("/").split("/") if pk}


@check(
    "Z04",
    "村有未分配网格员的农户",
    "yellow",
    description="设有网格的村中，已分配网格员的农户比例低于 min_rate（%）。",
    parameters={"min_rate": 100},
)
def uncovered_households(region: Any, params: dict) -> list[dict]:
    """A village with grids where the share of households with a 网格员 is below `min_rate` (%)."""
    least = float(params.get("min_rate", 100))
    out = []
    for scope in Region.objects.scopes(region):
        # Only where the grid is set up: a village with a grid (or a 组 of it with one).
        gridded = set(
            GridUnit.objects.filter(region__path__startswith=scope.path).values_list(
                "region__path", flat=True
            )
        )
        out += [
            region_finding(
                v["pk"],
                f"{v['name']}有{v['uncovered']}户未分配网格员（覆盖率{v['rate']}%）",
                "uncovered",
                未分配户数=v["uncovered"],
            )
            for v in services.coverage(scope)
            if v["households"]
            and (v["rate"] or 0) < least
            and any(path.startswith(v["path"]) for path in gridded)
        ]
    return out
