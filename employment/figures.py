"""The employment ledger's own figures (formats.md §7, merged into the kit's by `more_figures`):

    by_month: {MONTH: {务工状况: {rows, persons, by_status: {脱贫户|监测户|一般农户: {…}}}}}
              (the rows without a 务工状况 under "（空）", as in the kit's `by`)
    work:     {MONTH: {"外出务工"|"县内务工"|"未务工": {persons, 脱贫户, 监测户, 一般农户}}}
    changes:  {LATEST MONTH: {"回流": n, "新外出": n}}

外出务工 is 省外务工 + 县外省内务工, 县内务工 is 县内务工 + 乡镇内务工 (formats.md §1 codes); the
户类型 is the household's status at the period's end, as in the kit's `by_status`. A change
compares a labourer's month with the calendar month before it: 新外出 = out this month and not
out (or not reported) the month before, 回流 = out the month before and reported not out now;
the figures give the year's latest month (`month_changes` any other: the report's last month,
the monthly page). A month reported without a 务工状况 is neither 新外出 nor 回流, and the month
after it compares with it as with a month not reported. A county's year is 1.4 million rows:
every figure is a grouped statement that an index answers, never a pass over the rows in
Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Count
from django.db.models.expressions import RawSQL

from employment.models import EmploymentRow
from ledgers.figures import BLANK, STATUSES, _pair, period_end
from ledgers.kit import Ledger
from regions.models import Region
from registry import history

OUT = ("省外务工", "县外省内务工")
LOCAL = ("县内务工", "乡镇内务工")
GROUPS = {"外出务工": OUT, "县内务工": LOCAL, "未务工": ("未务工",)}


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def employment_figures(ledger: Ledger, qs: Any, region: Region, year: int) -> dict[str, Any]:
    """by_month, work and changes of the rows `qs` (the region's, in `year`)."""
    by_month = _by_month(qs, region, year)
    latest = max(by_month, default="")
    return {
        "by_month": by_month,
        "work": {month: _work(statuses) for month, statuses in by_month.items()},
        "changes": {latest: month_changes(qs, latest)} if latest else {},
    }


def _grouped(qs: Any) -> dict[tuple[str, str], dict[str, int]]:
    """{(month, 务工状况): {"n": rows, "h": households}} of the rows `qs`, a labourer's
    household being where they live now (`household_field`)."""
    grouped = (
        qs.order_by()
        .values("month", "status")
        .annotate(n=Count("*"), h=Count(qs.household_field, distinct=True))
        .order_by("month", "status")
    )
    return {(g["month"], g["status"] or BLANK): {"n": g["n"], "h": g["h"]} for g in grouped}


def _by_month(qs: Any, region: Region, year: int, on: dt.date | None = None) -> dict[str, Any]:
    """Three grouped statements: every row by month and 务工状况 (an index scan), then those of
    the 监测户 and of the 脱贫户 (a few thousand households, found by the household index); the
    一般农户 are the rest (a household has one status, so households subtract too). The status
    is the household's on `on`, by default the year's end (up to today)."""
    status, params = history.household_status_sql(region, on or period_end(year))
    flags = {"监测户": "s.mon = 1", "脱贫户": "s.alv = 1 AND COALESCE(s.mon, 0) <> 1"}
    found = {
        kind: _grouped(
            qs.filter(
                **{
                    f"{qs.household_field}__in": RawSQL(
                        f"SELECT s.hid FROM ({status}) s WHERE {flag}", params
                    )
                }
            )
        )
        for kind, flag in flags.items()
    }
    out: dict[str, Any] = {}
    for (month, work), total in _grouped(qs).items():
        parts = {kind: found[kind].get((month, work), {"n": 0, "h": 0}) for kind in flags}
        rest = {key: total[key] - sum(p[key] for p in parts.values()) for key in ("n", "h")}
        by_status = {
            kind: _pair({"fp_rows": p["n"], "fp_persons": p["n"], "fp_households": p["h"]})
            for kind, p in (*parts.items(), ("一般农户", rest))
        }
        # One row per person and month: rows are persons.
        out.setdefault(month, {})[work] = {
            "rows": total["n"],
            "persons": total["n"],
            "by_status": {kind: by_status[kind] for kind in STATUSES},
        }
    return out


def work_in_month(qs: Any, region: Region, month: str, on: dt.date) -> dict[str, Any]:
    """`work` of the rows `qs` in `month` alone, by the households' status on `on` (the work
    report's last month of its period, by the status at the period's end)."""
    found = _by_month(qs.filter(month=month), region, int(month[:4]), on)
    return _work(found.get(month, {}))


def _work(statuses: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for group, members in GROUPS.items():
        cells = [statuses[s] for s in members if s in statuses]
        entry = {"persons": sum(c["persons"] for c in cells)}
        for kind in STATUSES:
            entry[kind] = sum(c["by_status"][kind]["persons"] for c in cells)
        out[group] = entry
    return out


def month_changes(qs: Any, month: str) -> dict[str, int] | None:
    """{"回流": n, "新外出": n} of the rows `qs` in `month` against the month before; None when
    nobody of them was reported the month before (nothing to compare)."""
    before = previous_month(month)
    if not qs.filter(month=before).exists():
        return None
    # This month's blanks say nothing; last month's read as not out (not reported).
    reported = qs.filter(month=month).exclude(status="")
    inner, params = reported.order_by().values("person_id", "status").query.sql_with_params()
    marks = ", ".join(["%s"] * len(OUT))
    table = EmploymentRow._meta.db_table
    sql = f"""
SELECT CASE WHEN a.status IN ({marks}) THEN 1 ELSE 0 END,
  CASE WHEN b.status IN ({marks}) THEN 1 ELSE 0 END, COUNT(*)
FROM ({inner}) a LEFT JOIN {table} b ON b.person_id = a.person_id AND b.month = %s
GROUP BY 1, 2
"""
    out = {"回流": 0, "新外出": 0}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*OUT, *OUT, *params, before])
        for out_now, out_before, count in cursor.fetchall():
            if out_now and not out_before:
                out["新外出"] += count
            elif out_before and not out_now:
                out["回流"] += count
    return out
