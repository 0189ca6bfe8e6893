"""The employment ledger's own figures (formats.md §7, merged into the kit's by `more_figures`):

    by_month: {MONTH: {务工状况: {rows, persons, by_status: {脱贫户|监测户|一般农户: {…}}}}}
    work:     {MONTH: {"外出务工"|"县内务工"|"未务工": {persons, 脱贫户, 监测户, 一般农户}}}
    changes:  {MONTH: {"回流": n, "新外出": n}}

外出务工 is 省外务工 + 县外省内务工, 县内务工 is 县内务工 + 乡镇内务工 (formats.md §1 codes); the
户类型 is the household's status at the period's end, as in the kit's `by_status`. A change
compares a labourer's month with the calendar month before it: 新外出 = out this month and not
out (or not reported) the month before, 回流 = out the month before and reported not out now.
Each is one aggregate statement over the rows, never a pass over them in Python.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from ledgers.figures import STATUSES, _pair, period_end
from ledgers.kit import Ledger
from regions.models import Region
from registry import history

OUT = ("省外务工", "县外省内务工")
LOCAL = ("县内务工", "乡镇内务工")
GROUPS = {"外出务工": OUT, "县内务工": LOCAL, "未务工": ("未务工",)}
STATUS_CASE = "CASE WHEN st.mon = 1 THEN '监测户' WHEN st.alv = 1 THEN '脱贫户' ELSE '一般农户' END"


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def employment_figures(ledger: Ledger, qs: Any, region: Region, year: int) -> dict[str, Any]:
    """by_month, work and changes of the rows `qs` (the region's, in `year`)."""
    by_month = _by_month(qs, region, year)
    return {
        "by_month": by_month,
        "work": {month: _work(statuses) for month, statuses in by_month.items()},
        "changes": _changes(qs),
    }


def _by_month(qs: Any, region: Region, year: int) -> dict[str, Any]:
    inner, inner_params = (
        qs.order_by().values("month", "status", "person_id", "household_id").query.sql_with_params()
    )
    status, status_params = history.household_status_sql(region, period_end(year))
    sql = f"""
SELECT l.month, l.status, {STATUS_CASE}, COUNT(*), COUNT(DISTINCT l.person_id),
  COUNT(DISTINCT l.household_id)
FROM ({inner}) l LEFT JOIN ({status}) st ON st.hid = l.household_id
GROUP BY 1, 2, 3
ORDER BY 1, 2
"""
    out: dict[str, Any] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *status_params])
        for month, work, kind, count, persons, households in cursor.fetchall():
            cell = out.setdefault(month, {}).setdefault(
                work, {"rows": 0, "persons": 0, "by_status": {s: _pair({}) for s in STATUSES}}
            )
            # One row per person and month: the parts add up to the month's figures.
            cell["rows"] += count
            cell["persons"] += persons
            cell["by_status"][kind] = _pair(
                {"fp_rows": count, "fp_persons": persons, "fp_households": households}
            )
    return out


def _work(statuses: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for group, members in GROUPS.items():
        cells = [statuses[s] for s in members if s in statuses]
        entry = {"persons": sum(c["persons"] for c in cells)}
        for kind in STATUSES:
            entry[kind] = sum(c["by_status"][kind]["persons"] for c in cells)
        out[group] = entry
    return out


def _changes(qs: Any) -> dict[str, dict[str, int]]:
    inner, params = qs.order_by().values("person_id", "month", "status").query.sql_with_params()
    marks = ", ".join(["%s"] * len(OUT))
    sql = f"""
SELECT month, prev_month, is_out, was_out, COUNT(*) FROM (
  SELECT l.month, CASE WHEN l.status IN ({marks}) THEN 1 ELSE 0 END AS is_out,
    LAG(l.month) OVER w AS prev_month,
    LAG(CASE WHEN l.status IN ({marks}) THEN 1 ELSE 0 END) OVER w AS was_out
  FROM ({inner}) l
  WINDOW w AS (PARTITION BY l.person_id ORDER BY l.month)
) t
GROUP BY 1, 2, 3, 4
"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*OUT, *OUT, *params])
        found = cursor.fetchall()
    months = {month for month, *_ in found}
    out = {m: {"回流": 0, "新外出": 0} for m in sorted(months) if previous_month(m) in months}
    for month, prev_month, out_now, prev_out, count in found:
        if month not in out:
            continue
        follows = prev_month == previous_month(month)
        if out_now and not (follows and prev_out):
            out[month]["新外出"] += count
        elif not out_now and follows and prev_out:
            out[month]["回流"] += count
    return out
