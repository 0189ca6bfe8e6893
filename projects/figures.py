"""What the county reads at a glance about its 衔接资金项目 (policy.md rule 35): per project and
rolled up by town (or village) and for the region — funds allocated by level, paid (the sum of
the project's payments; its own 已支付金额 checked against it), 支出进度 against the month's
schedule target, 开工率, the 产业发展 share against its floor, projects behind their planned
开工 / 完工, and 支出进度 month by month.

Everything comes from a fixed handful of queries (projects, payments by project, payments by
month, the child regions, the year's parameters); the roll-ups are sums in Python over at most
a few thousand projects.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Substr

from core import hooks
from projects.models import FINISHED, FUNDS, INDUSTRY, Project, ProjectPayment
from regions.models import Region

ZERO = Decimal("0.00")
MONEY: DecimalField = DecimalField(max_digits=16, decimal_places=2)
HUNDRED = Decimal(100)
# The year's parameters and where the county sets them (the rules' pages): the 产业 floor is
# P10's, the schedule targets P01's. Month → cumulative percent by the end of that month.
SHARE_RULE = "P10"
SCHEDULE_RULE = "P01"
SHARE_DEFAULTS: dict[str, Any] = {"floor_percent": 55}
SCHEDULE_DEFAULTS: dict[str, Any] = {
    "spend_targets": {"3": 25, "6": 50, "9": 75, "11": 90, "12": 100},
    "start_targets": {"4": 90, "6": 100},
    "grace_days": 0,
}


# Where a project's paid amount comes from: the sum of its 项目资金支付 rows when it has any, else
# the 已支付金额 its projects row states (a county that keeps no payment ledger), else nothing.
PAID_PAYMENTS = "支付台账"
PAID_RECORDED = "已支付金额"


def reached(day: dt.date | None, on: dt.date, status_says: bool) -> bool:
    """Whether a project had reached a step (开工, 完工, 验收) on `on`: by the step's date where
    the ledger has it, else by its 项目状态 (today's: nothing dates it)."""
    return day <= on if day else status_says


def money(value: Any) -> str:
    return f"{Decimal(value or 0).quantize(ZERO)}"


def percent(part: Any, whole: Any) -> Decimal | None:
    """part ÷ whole in percent with one decimal (None when whole is 0)."""
    whole = Decimal(whole or 0)
    if not whole:
        return None
    return (Decimal(part or 0) * HUNDRED / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def allocated_expr() -> Any:
    total: Any = None
    for key, _ in FUNDS:
        term = Coalesce(
            F(key), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2)
        )
        total = term if total is None else total + term
    return total


def parameters(year: int, region: Region | None = None) -> dict[str, Any]:
    """The schedule targets and the 产业 floor for `year` in `region`: the defaults overlaid with
    what its county set for the year (via the rules of the checks, when that app is installed)."""
    out = {**SCHEDULE_DEFAULTS, **SHARE_DEFAULTS}
    if hooks.provided("exchange.rule_parameters"):
        found = hooks.call("exchange.rule_parameters", [SCHEDULE_RULE, SHARE_RULE], year, region)
        out |= found.get(SCHEDULE_RULE) or {}
        out |= found.get(SHARE_RULE) or {}
    return out


def target(targets: dict[str, Any], month: int) -> Decimal:
    """The cumulative target (%) in force at the end of `month`: the last one set at or before
    it (0 before the first)."""
    best: tuple[int, Decimal] = (0, ZERO)
    for key, value in (targets or {}).items():
        try:
            m = int(key)
        except (TypeError, ValueError):
            continue
        if best[0] < m <= month:
            best = (m, Decimal(str(value)))
    return best[1]


def industry_figures(ledger: Any, qs: QuerySet, region: Region, year: int) -> dict[str, Any]:
    """The ledger figures' `industry`: projects and funds of 产业发展 and their share of the
    year's funds (more_figures of the projects ledger)."""
    return {"industry": industry(qs, year)}


def industry(qs: QuerySet, year: int, floor: Any = None) -> dict[str, Any]:
    amount = allocated_expr()
    t = qs.aggregate(
        n=Count("pk"),
        funds=Sum(amount),
        ind_n=Count("pk", filter=Q(category=INDUSTRY)),
        ind_funds=Sum(amount, filter=Q(category=INDUSTRY)),
    )
    share = percent(t["ind_funds"], t["funds"])
    out = {
        "projects": int(t["n"] or 0),
        "funds": money(t["funds"]),
        "industry_projects": int(t["ind_n"] or 0),
        "industry_funds": money(t["ind_funds"]),
        "share": f"{share}" if share is not None else "",
    }
    if floor is not None:
        out["floor"] = f"{Decimal(str(floor)).quantize(Decimal('0.1'))}"
        out["below_floor"] = share is not None and share < Decimal(str(floor))
    return out


def _blank_totals() -> dict[str, Any]:
    return {
        "projects": 0,
        "started": 0,
        "finished": 0,
        "accepted": 0,
        "behind": 0,
        "mismatch": 0,
        "funds": {label: ZERO for _, label in FUNDS},
        "allocated": ZERO,
        "paid": ZERO,
        "paid_recorded": ZERO,  # of `paid`, what came from 已支付金额 (no payment rows)
        "paid_unknown": 0,  # projects with neither payment rows nor 已支付金额
        "industry": ZERO,
    }


def _add(into: dict[str, Any], p: dict[str, Any]) -> None:
    into["projects"] += 1
    into["started"] += int(p["started"])
    into["finished"] += int(p["finished"])
    into["accepted"] += int(p["accepted"])
    into["behind"] += int(bool(p["behind"]))
    into["mismatch"] += int(p["mismatch"])
    into["allocated"] += p["allocated"]
    into["paid"] += p["paid"]
    if p["paid_from"] == PAID_RECORDED:
        into["paid_recorded"] += p["paid"]
    elif not p["paid_from"]:
        into["paid_unknown"] += 1
    if p["category"] == INDUSTRY:
        into["industry"] += p["allocated"]


def _finish(t: dict[str, Any], spend_target: Decimal, start_target: Decimal) -> dict[str, Any]:
    live = t["projects"]
    t["rate"] = percent(t["paid"], t["allocated"])
    t["start_rate"] = percent(t["started"], live)
    t["share"] = percent(t["industry"], t["allocated"])
    t["spend_target"] = spend_target
    t["start_target"] = start_target
    t["spend_behind"] = t["rate"] is not None and t["rate"] < spend_target
    t["start_behind"] = t["start_rate"] is not None and t["start_rate"] < start_target
    return t


def behind(p: dict[str, Any], on: dt.date, grace: int = 0) -> str:
    """Why a project is behind its plan on `on` ("" when it is not)."""
    if p["status"] == "已终止":
        return ""
    late = on - dt.timedelta(days=grace)
    if p["planned_start"] and p["planned_start"] < late and not p["started"]:
        return f"计划{p['planned_start']:%Y-%m-%d}开工，至今未开工"
    if p["planned_end"] and p["planned_end"] < late and not p["finished"]:
        return f"计划{p['planned_end']:%Y-%m-%d}完工，至今未完工"
    return ""


def projects_of(region: Region, year: int) -> QuerySet:
    return Project.objects.below(region).filter(year=year)


def progress(
    region: Region,
    year: int,
    on: dt.date,
    params: dict[str, Any],
    filters: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The progress of the projects of `year` in `region` and below, as of `on` (`filters`:
    批次 and 项目类别 to narrow them): 开工, 完工 and 验收 by their dates up to `on` (`reached`),
    paid by the payments dated up to `on` (an undated one counts: nothing places it later), or
    by 已支付金额 for a project without payment rows (`paid_from` says which; the work report
    and this page give one figure)."""
    month = 12 if year < on.year else (on.month if year == on.year else 0)
    spend_target = target(params.get("spend_targets") or {}, month)
    start_target = target(params.get("start_targets") or {}, month)
    grace = int(params.get("grace_days") or 0)
    projects = projects_of(region, year).filter(**(filters or {}))
    paid_sum = (
        ProjectPayment.objects.filter(project_no=OuterRef("project_no"))
        .order_by()
        .values("project_no")
    )
    rows = list(
        projects.order_by("project_no")
        .annotate(
            allocated=allocated_expr(),
            paid_all=Coalesce(
                Subquery(paid_sum.annotate(s=Sum("amount")).values("s")),
                Value(ZERO),
                output_field=MONEY,
            ),
            paid_by_on=Coalesce(
                Subquery(
                    paid_sum.filter(Q(paid_date__lte=on) | Q(paid_date__isnull=True))
                    .annotate(s=Sum("amount"))
                    .values("s")
                ),
                Value(ZERO),
                output_field=MONEY,
            ),
            payment_rows=Coalesce(Subquery(paid_sum.annotate(n=Count("pk")).values("n")), Value(0)),
        )
        .values_list(
            "pk",
            "project_no",
            "name",
            "category",
            "status",
            "region_id",
            "region__name",
            "region__path",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "accepted",
            "paid_amount",
            "allocated",
            "paid_all",
            "paid_by_on",
            "payment_rows",
        )
    )
    # The funds by level, summed by region in SQL (a few hundred rows at most).
    live = projects.exclude(status="已终止").order_by()
    by_level = list(live.values("region_id").annotate(**{key: Sum(key) for key, _ in FUNDS}))
    # Month by month, grouped by the date's "YYYY-MM" (native in both engines; extracting the
    # month is a Python function per row in SQLite).
    by_month = dict(
        ProjectPayment.objects.filter(project_no__in=projects.values("project_no"))
        .exclude(paid_date__isnull=True)
        .order_by()
        .annotate(ym=Substr(Cast("paid_date", CharField()), 1, 7))
        .values("ym")
        .annotate(s=Sum("amount"))
        .values_list("ym", "s")
    )
    children = list(
        Region.objects.filter(
            parent=region, retired=False, level__lte=Region.Level.VILLAGE
        ).order_by("sort", "name")
    )
    depth = len(region.path.strip("/").split("/"))
    child_of = {c.pk: c for c in children}
    parts: dict[int, dict[str, Any]] = {c.pk: _blank_totals() for c in children}
    own = _blank_totals()
    total = _blank_totals()
    where: dict[int, dict[str, Any]] = {}  # region id → the totals it counts in
    out_projects = []
    started_states = ("在建", *FINISHED)
    for (
        pk,
        number,
        name,
        category,
        status,
        region_id,
        region_name,
        path,
        planned_start,
        planned_end,
        actual_start,
        actual_end,
        accepted,
        paid_amount,
        allocated,
        payments_sum,
        paid_by_on,
        payment_rows,
    ) in rows:
        if status == "已终止":
            continue  # a terminated project is not part of the year's progress
        if payment_rows:
            p_paid, paid_from = paid_by_on, PAID_PAYMENTS
        elif paid_amount is not None:
            p_paid, paid_from = paid_amount, PAID_RECORDED
        else:
            p_paid, paid_from = ZERO, ""
        rate = percent(p_paid, allocated)
        p = {
            "pk": pk,
            "project_no": number,
            "name": name,
            "category": category,
            "status": status,
            "region__name": region_name,
            "planned_start": planned_start,
            "planned_end": planned_end,
            "paid_amount": paid_amount,
            "allocated": allocated,
            "paid": p_paid,
            "paid_from": paid_from,
            "rate": rate,
            "started": reached(actual_start, on, status in started_states),
            "finished": reached(actual_end, on, status in FINISHED),
            "accepted": reached(accepted, on, status == "已验收"),
            # 已支付金额 is checked against every payment row (P11 of the checks).
            "mismatch": paid_amount is not None and paid_amount != payments_sum,
            "spend_behind": rate is not None and rate < spend_target,
        }
        p["behind"] = behind(p, on, grace)
        out_projects.append(p)
        _add(total, p)
        part = where.get(region_id)
        if part is None:
            ids = path.strip("/").split("/")
            child = int(ids[depth]) if len(ids) > depth else 0
            part = where[region_id] = parts[child] if child in child_of else own
        _add(part, p)
    for g in by_level:
        part = where.get(g["region_id"])
        for key, label in FUNDS:
            value = g[key] or ZERO
            total["funds"][label] += value
            if part is not None:
                part["funds"][label] += value
    months = []
    first = f"{year:04d}-01"
    before = sum((v or ZERO for k, v in by_month.items() if k < first), start=ZERO)
    in_year = {m: by_month.get(f"{year:04d}-{m:02d}") or ZERO for m in range(1, 13)}
    running = before
    for m in range(1, 13):
        running += in_year.get(m, ZERO)
        months.append(
            {
                "month": m,
                "paid": in_year.get(m, ZERO),
                "cumulative": running,
                "rate": percent(running, total["allocated"]) if m <= max(month, 0) else None,
                "target": target(params.get("spend_targets") or {}, m),
            }
        )
    floor = Decimal(str(params.get("floor_percent", SHARE_DEFAULTS["floor_percent"])))
    floor = floor.quantize(Decimal("0.1"))
    total = _finish(total, spend_target, start_target)
    return {
        "region": region,
        "year": year,
        "month": month,
        "projects": out_projects,
        "total": total,
        "parts": [
            {"region": c, **_finish(parts[c.pk], spend_target, start_target)}
            for c in children
            if parts[c.pk]["projects"]
        ],
        "own": _finish(own, spend_target, start_target) if own["projects"] else None,
        "months": months,
        "floor": floor,
        "share_below": total["share"] is not None and total["share"] < floor,
        "behind": [p for p in out_projects if p["behind"]],
        "mismatches": [p for p in out_projects if p["mismatch"]],
    }


def project_funds(pks: list[int]) -> dict[int, dict[str, Any]]:
    """{project pk: {中央|省级|市级|县级|其他: amount}} of the projects shown on a page."""
    fields = [key for key, _ in FUNDS]
    return {
        row["pk"]: {label: row[key] or ZERO for key, label in FUNDS}
        for row in Project.objects.filter(pk__in=pks).values("pk", *fields)
    }


def chart(found: dict[str, Any]) -> dict[str, Any]:
    """The 支出进度 by month chart's data (echarts, static/projects/progress.js)."""
    return {
        "months": [f"{m['month']}月" for m in found["months"]],
        "rate": [float(m["rate"]) if m["rate"] is not None else None for m in found["months"]],
        "target": [float(m["target"]) for m in found["months"]],
        "paid": [float(m["paid"]) / 10000 for m in found["months"]],
    }
