"""The figures of a ledger for a region and a year (formats.md §7).

    {"rows", "persons", "households", "amount", "sums": {header: "0.00"},
     "by": {header: {value: {rows, persons, households, amount}}},
     "by_status": {"脱贫户" | "监测户" | "一般农户": {…}}}

`persons` counts distinct people, `households` distinct households (a person row's is the
person's household now, where its region comes from; 0 for region rows);
`amount` is the ledger's declared amount (e.g. 补助金额); `by_status` classes each row by its
household's status at the end of the period (registry.history: 监测户 = a 监测对象, risk
eliminated or not; 脱贫户 = a 脱贫户 that is not one; 一般农户 = neither; empty for region rows).
Every figure is a
few aggregate queries, never a pass over the rows in Python.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from core.dates import today
from ledgers.kit import Ledger, ledgers, more_figures
from ledgers.models import LedgerQuerySet
from regions.models import Region
from registry import history

STATUSES = ("脱贫户", "监测户", "一般农户")
BLANK = "（空）"  # the `by` value of the rows that left the column blank
ZERO = Decimal("0.00")


def money(value: Any) -> str:
    return f"{Decimal(value or 0).quantize(ZERO)}"


def year_of(value: Any) -> int:
    """A ledger year from user input (blank: this year); ValueError with the Chinese reason."""
    if value in (None, ""):
        return today().year
    try:
        year = int(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"年度“{value}”无效，应为四位年份") from exc
    if not 2000 <= year <= 2100:
        raise ValueError("年度应在2000—2100之间")
    return year


def requested_year(request: Any) -> int:
    """The `?year=` of a page (blank: this year); 404 with the Chinese reason when invalid."""
    from django.http import Http404

    try:
        return year_of(request.GET.get("year"))
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def period_q(ledger: Ledger, year: int) -> Q:
    """The rows of `year` by the ledger's period rule (formats.md §7)."""
    p = ledger.layout.period
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if p.kind == "year":
        return Q(**{p.field: year})
    if p.kind == "year_or_any":
        return Q(**{p.field: year}) | Q(**{f"{p.field}__isnull": True})
    if p.kind == "month":
        return Q(**{f"{p.field}__startswith": f"{year:04d}-"})
    if p.kind == "date":
        return Q(**{f"{p.field}__gte": start, f"{p.field}__lte": end})
    if p.kind == "span":
        began = Q(**{f"{p.field}__lte": end})
        open_end = Q(**{f"{p.end}__isnull": True})
        if p.alt_end:
            open_end = (open_end & Q(**{f"{p.alt_end}__isnull": True})) | (
                open_end & Q(**{f"{p.alt_end}__gte": start})
            )
        return began & (Q(**{f"{p.end}__gte": start}) | open_end)
    return Q()


def period_end(year: int) -> dt.date:
    return min(dt.date(year, 12, 31), today())


def rows(ledger: Ledger, region: Region, year: int | None) -> LedgerQuerySet:
    """The ledger's rows of `region` and below, in `year` (every year when None)."""
    qs = ledger.model.objects.below(region)
    return qs.filter(period_q(ledger, year)) if year is not None else qs


def _amount(ledger: Ledger) -> Any:
    keys = ledger.layout.amount
    if not keys:
        return Value(ZERO, output_field=DecimalField(max_digits=16, decimal_places=2))
    total: Any = None
    for key in keys:
        term = Coalesce(
            F(key), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2)
        )
        total = term if total is None else total + term
    return total


# Aggregates are named fp_*: a ledger's own column may be called "amount".
def _tally(ledger: Ledger, qs: LedgerQuerySet) -> dict[str, Any]:
    return {
        "fp_rows": Count("pk"),
        "fp_persons": Count("person", distinct=True),
        "fp_households": Count(qs.household_field, distinct=True),
        "fp_amount": Sum(_amount(ledger)),
    }


def _pair(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "rows": int(values.get("fp_rows") or 0),
        "persons": int(values.get("fp_persons") or 0),
        "households": int(values.get("fp_households") or 0),
        "amount": money(values.get("fp_amount")),
    }


def paid_within(start: dt.date, end: dt.date, field: str = "paid_date") -> Q | None:
    """For the work report of [start, end]: the rows of a year-keyed ledger (年度) paid in the
    period by `field` (发放日期), or None when the period is the year (from 1 January into
    December: every row of the 年度, 发放日期 or not). A row without the date cannot be placed
    in a shorter period and is left out of it, except from this year's report so far."""
    if (start.month, start.day, end.month) == (1, 1, 12):
        return None
    within = Q(**{f"{field}__gte": start, f"{field}__lte": end})
    if (start.month, start.day) == (1, 1) and end >= today():
        within |= Q(**{f"{field}__isnull": True})
    return within


def figures(ledger: Ledger, region: Region, year: int, within: Q | None = None) -> dict[str, Any]:
    """One ledger's figures for `region` (and below) in `year` (and `within`, when given: the
    work report's shorter period)."""
    qs = rows(ledger, region, year)
    if within is not None:
        qs = qs.filter(within)
    money_columns = ledger.layout.money
    totals = qs.aggregate(
        **_tally(ledger, qs), **{f"sum_{c.key}": Sum(c.key) for c in money_columns}
    )
    out = _pair(totals)
    out["sums"] = {c.header: money(totals[f"sum_{c.key}"]) for c in money_columns}
    out["by"] = {}
    for column in ledger.layout.by:
        if column.key in ledger.links:
            continue
        grouped = qs.order_by().values(column.key).annotate(**_tally(ledger, qs))
        out["by"][column.header] = {
            column.kind.display(g[column.key]) or BLANK: _pair(g)
            for g in sorted(grouped, key=lambda g: str(g[column.key] or ""))
        }
    # Region rows belong to no household: their `by_status` is present (every kind has the same
    # keys, formats.md §7) and empty.
    out["by_status"] = (
        by_status(ledger, qs, region, period_end(year)) if ledger.level != "region" else {}
    )
    if ledger.more_figures is not None:
        out |= ledger.more_figures(ledger, qs, region, year)
    return out


def by_child(ledger: Ledger, region: Region, year: int) -> list[dict[str, Any]]:
    """The headline figures (rows, persons, households, amount, sums) of each active child region
    of `region`, from one query grouped by the rows' regions (a region's rows belong to one
    child, so the child's figures are sums). Each entry has its `label`; a region ledger's rows
    kept at `region` itself (行政村 blank: the 乡镇's own, formats.md §6) come last as its
    "本级" (as in the 资产总账), so that the parts add up to the whole."""
    children = list(
        Region.objects.filter(
            parent=region, retired=False, level__lte=Region.Level.VILLAGE
        ).order_by("sort", "name")
    )
    qs = rows(ledger, region, year)
    where = f"{qs.region_field}_id"
    money_columns = ledger.layout.money
    grouped = (
        qs.order_by()
        .values(where)
        .annotate(**_tally(ledger, qs), **{f"sum_{c.key}": Sum(c.key) for c in money_columns})
    )
    paths = dict(Region.objects.below(region).values_list("pk", "path"))
    owner = {c.path: c for c in children}
    totals: dict[int, dict[str, Any]] = {c.pk: {} for c in children}
    own = ledger.level == "region"
    if own:
        totals[region.pk] = {}
    for g in grouped:
        path = paths.get(g[where], "")
        child = next((c for p, c in owner.items() if path.startswith(p)), None)
        if child is None and own and g[where] == region.pk:
            child = region
        if child is None:
            continue
        into = totals[child.pk]
        for key, value in g.items():
            if key != where:
                into[key] = (into.get(key) or 0) + (value or 0)
    out = []
    parts = [(region, f"{region.name}本级")] if own and children and totals[region.pk] else []
    for child, label in [*((c, c.name) for c in children), *parts]:
        t = totals[child.pk]
        figures = _pair(t)
        figures["sums"] = {c.header: money(t.get(f"sum_{c.key}")) for c in money_columns}
        out.append({"region": child, "label": label, "figures": figures})
    return out


def by_status(ledger: Ledger, qs: LedgerQuerySet, region: Region, on: dt.date) -> dict[str, Any]:
    """The rows by their household's status on `on`, in one statement: the rows first summed
    per person and household (a county's 1.4 million monthly rows are 117,000 labourers), then
    each of those classed by its household (a person row's: the person's, `household_field`)."""
    inner, inner_params = (
        qs.order_by()
        .values("person_id", hid=F(qs.household_field))
        .annotate(n=Count("pk"), amt=Sum(_amount(ledger)))
        .query.sql_with_params()
    )
    status, status_params = history.household_status_sql(region, on)
    # Membership tests rather than a LEFT JOIN: SQLite scans a joined subquery once per ledger
    # row (no automatic index), but builds one lookup for `IN (SELECT …)` (2,000 rows: 430 → 35
    # ms on a 20,000-household county).
    sql = f"""
WITH st AS ({status})
SELECT CASE WHEN l.hid IN (SELECT hid FROM st WHERE mon = 1) THEN '监测户'
  WHEN l.hid IN (SELECT hid FROM st WHERE alv = 1) THEN '脱贫户' ELSE '一般农户' END,
  SUM(l.n), COUNT(DISTINCT l.person_id), COUNT(DISTINCT l.hid), SUM(l.amt)
FROM ({inner}) l
GROUP BY 1
"""
    out = {s: _pair({}) for s in STATUSES}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*status_params, *inner_params])
        for name, count, persons, households, amount in cursor.fetchall():
            out[name] = _pair(
                {
                    "fp_rows": count,
                    "fp_persons": persons,
                    "fp_households": households,
                    "fp_amount": amount,
                }
            )
    return out


def all_figures(region: Region, year: int) -> dict[str, Any]:
    """formats.md §7's `ledger stats`: every registered ledger, with zeros where it is empty,
    and the figures apps add beside them (`kit.add_figures`)."""
    return {
        "region": {"code": region.code, "name": region.name},
        "year": year,
        "ledgers": {kind: figures(ledger, region, year) for kind, ledger in ledgers().items()},
        **{name: fn(region, year) for name, fn in more_figures().items()},
    }
