"""The statistics of formats.md §4, computed from the household history as of any date.

One computation (`compute`, `compute_with_children`) serves the CLI, the API, the dashboard, the
ledgers and the drafted report, so a number is the same everywhere.

Semantics, for a region R (R and everything below it, by the household's current region) and a
date D ("on D" = on or before D, in the calendar; events are read from `HouseholdEvent`):

* ``villages`` — 行政村 (level 3, not retired) at or below R.
* ``households`` — households with at least one member on D; ``persons`` — their members on D
  (memberships with start ≤ D or unknown start, and no end or end > D).
* A household is 脱贫户 on D when it has an ``alleviated`` event ≤ D → ``alleviated``.
* It is a 监测对象 on D when it has an ``identified`` or ``reidentified`` event ≤ D → ``monitored``
  (risk eliminated or not). ``alleviated_stable`` = 脱贫户 that are not 监测对象 on D.
* Its risk is eliminated on D when its latest ``eliminated`` event ≤ D is later than its latest
  ``identified``/``reidentified``/``rolled_back`` event ≤ D. On the same day an identification is
  followed by its elimination (eliminated), while a roll-back or re-identification follows the
  elimination it undoes (not eliminated).
* Its category on D is that of its latest ``identified``/``reidentified``/``category_changed``
  event ≤ D (same day: the later record). ``by_category`` always lists the three categories.
* ``by_identified_year`` (not-eliminated 监测对象 only): the year of the latest
  ``identified``/``reidentified`` event ≤ D — a household identified in 2019, eliminated in 2020
  and re-identified in 2022 counts in 2022. Keys are year strings, ascending; only years with
  households appear.
* ``identified_this_year`` / ``eliminated_this_year`` — households with an
  ``identified``/``reidentified`` (resp. ``eliminated``) event from 1 January of D's year up to D.
* Every ``persons`` figure is the sum, over the households counted, of their members on D (a status
  household without members on D counts as a household with 0 persons).

How: two SQL queries and a count of villages, no pre-aggregated tables (they would have to follow
every write of the register); the one maintained figure read is each household's member count.
The status query aggregates the few status events (read through the index on kind) per household
with conditional MAX()es, adds those households' members on D and groups by status combination;
the size query sums the households' member counts, corrected by their few dated memberships
(several dates in the same pass for the dashboard). Python only folds the
few resulting rows. Measured by bench/bench_stats.py on the 130,000-household demo county.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from core import audit
from core.dates import today
from regions.models import Region

CATEGORIES = ["突发严重困难户", "脱贫不稳定户", "边缘易致贫户"]
STATUS_KINDS = (
    "alleviated",
    "identified",
    "reidentified",
    "category_changed",
    "eliminated",
    "rolled_back",
)


def _pair() -> dict[str, int]:
    return {"households": 0, "persons": 0}


@dataclass
class _Tally:
    """Running totals for one region while folding the grouped rows."""

    households: dict[str, int] = field(default_factory=_pair)
    alleviated: dict[str, int] = field(default_factory=_pair)
    stable: dict[str, int] = field(default_factory=_pair)
    monitored: dict[str, int] = field(default_factory=_pair)
    eliminated: dict[str, int] = field(default_factory=_pair)
    open: dict[str, int] = field(default_factory=_pair)
    by_category: dict[str, dict[str, int]] = field(
        default_factory=lambda: {c: _pair() for c in CATEGORIES}
    )
    by_year: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(_pair))
    new_this_year: dict[str, int] = field(default_factory=_pair)
    eliminated_this_year: dict[str, int] = field(default_factory=_pair)

    def as_json(self, region: Region, as_of: dt.date, villages: int) -> dict[str, Any]:
        return {
            "region": {"code": region.code, "name": region.name},
            "as_of": as_of.isoformat(),
            "villages": villages,
            "households": dict(self.households),
            "alleviated": dict(self.alleviated),
            "alleviated_stable": dict(self.stable),
            "monitored": {
                **self.monitored,
                "eliminated": dict(self.eliminated),
                "not_eliminated": {
                    **self.open,
                    "by_category": {c: dict(v) for c, v in self.by_category.items()},
                    "by_identified_year": {y: dict(self.by_year[y]) for y in sorted(self.by_year)},
                },
            },
            "identified_this_year": dict(self.new_this_year),
            "eliminated_this_year": dict(self.eliminated_this_year),
        }


def _add(target: dict[str, int], households: int, persons: int) -> None:
    target["households"] += households
    target["persons"] += persons


ACTIVE = (
    "(m.start_date IS NULL OR m.start_date <= %(as_of)s) "
    "AND (m.end_date IS NULL OR m.end_date > %(as_of)s)"
)
IN_REGION = (
    "AND {col} IN (SELECT h2.id FROM registry_household h2 WHERE h2.region_id IN "
    "(SELECT id FROM regions_region WHERE path LIKE %(path)s))"
)


def _status_sql(by_region: bool, region_filter: bool, per_household: bool = False) -> str:
    """Per household with status events: its status and member count on D, grouped by status.

    With `per_household`, the rows are the status households themselves (for the ledgers).
    """
    if connection.vendor == "postgresql":
        # Latest category: order by (date, id); the id is zero-padded so text order is that order.
        catkey = "CAST(e.date AS text) || lpad(CAST(e.id AS text), 12, '0') || e.category"
        year = "CAST(EXTRACT(YEAR FROM ev.idt) AS integer)"
    else:
        catkey = "e.date || printf('%%012d', e.id) || e.category"
        year = "CAST(substr(ev.idt, 1, 4) AS integer)"
    ev_region = IN_REGION.format(col="e.household_id") if region_filter else ""
    # The region of each of the few status households by its primary key: a join would make
    # PostgreSQL hash every household of the county to find those few.
    rid = "(SELECT h.region_id FROM registry_household h WHERE h.id = ev.hid)" if by_region else "0"
    kinds = ", ".join(f"'{k}'" for k in STATUS_KINDS)
    upto = "e.date <= %(as_of)s"
    if per_household:
        final = (
            "SELECT hid, alv, mon, elim, cat, idt, elt, new_ty, elim_ty, n FROM hs "
            "WHERE alv = 1 OR mon = 1"
        )
    else:
        final = (
            "SELECT rid, alv, mon, elim, cat, yr, new_ty, elim_ty, COUNT(*) AS households, "
            "SUM(n) AS persons FROM hs GROUP BY rid, alv, mon, elim, cat, yr, new_ty, elim_ty"
        )
    return f"""
WITH ev AS (
  SELECT +e.household_id AS hid,
    MAX(CASE WHEN e.kind = 'alleviated' AND {upto} THEN 1 ELSE 0 END) AS alv,
    MAX(CASE WHEN e.kind IN ('identified', 'reidentified') AND {upto} THEN e.date END) AS idt,
    MAX(CASE WHEN e.kind IN ('reidentified', 'rolled_back') AND {upto} THEN e.date END)
      AS reopened,
    MAX(CASE WHEN e.kind = 'eliminated' AND {upto} THEN e.date END) AS elt,
    MAX(CASE WHEN e.kind IN ('identified', 'reidentified', 'category_changed') AND {upto}
        THEN {catkey} END) AS catkey,
    MAX(CASE WHEN e.kind IN ('identified', 'reidentified') AND {upto}
        AND e.date >= %(year_start)s THEN 1 ELSE 0 END) AS new_ty,
    MAX(CASE WHEN e.kind = 'eliminated' AND {upto} AND e.date >= %(year_start)s
        THEN 1 ELSE 0 END) AS elim_ty
  FROM registry_householdevent e
  -- Only the kind in WHERE (the date is in each CASE), grouped by an expression rather than the
  -- column: SQLite then reads the few status events through the index on kind instead of
  -- walking every event in household order.
  WHERE e.kind IN ({kinds}) {ev_region}
  GROUP BY 1
),
mc AS (
  SELECT m.household_id AS hid, COUNT(*) AS n
  FROM registry_membership m
  WHERE {ACTIVE} AND m.household_id IN (SELECT hid FROM ev)
  GROUP BY m.household_id
),
hs AS (
  SELECT {rid} AS rid, ev.hid AS hid, ev.idt AS idt,
    ev.elt AS elt, COALESCE(mc.n, 0) AS n, ev.alv AS alv,
    CASE WHEN ev.idt IS NOT NULL THEN 1 ELSE 0 END AS mon,
    CASE WHEN ev.elt IS NOT NULL AND ev.elt >= ev.idt
          AND (ev.reopened IS NULL OR ev.elt > ev.reopened) THEN 1 ELSE 0 END AS elim,
    CASE WHEN ev.idt IS NOT NULL THEN substr(ev.catkey, 23) ELSE '' END AS cat,
    CASE WHEN ev.idt IS NOT NULL THEN {year} ELSE 0 END AS yr,
    ev.new_ty AS new_ty, ev.elim_ty AS elim_ty
  FROM ev
  LEFT JOIN mc ON mc.hid = ev.hid
)
{final}
"""


DATED = "(m.start_date IS NOT NULL OR m.end_date IS NOT NULL)"
# A membership whose standing on D differs from "counted while open": not yet started on D but
# open, or in force on D but ended since.
DIFFERS = (
    "(m.end_date IS NULL AND m.start_date > {d}) "
    "OR (m.end_date > {d} AND (m.start_date IS NULL OR m.start_date <= {d}))"
)


def _size_sql(by_region: bool, region_filter: bool, dates: int = 1) -> str:
    """Households with at least one member and their members, on %(as_of)s and on each of
    %(d0)s… (`dates` in all), per region or in all (rows to add up: a region can appear twice).

    A household's members on D are its `member_count` — its open memberships, which every writer
    of the register keeps (rule D01 of `fangpin check` watches it) — corrected by the memberships
    whose standing on D differs from that: + 1 for each in force on D but ended since, − 1 for each
    open one not yet started on D. The first part reads an index of (region, member_count); the
    correction reads the partial index of dated memberships and joins only the few that differ.
    """
    rid = "h.region_id" if by_region else "0"
    group = "GROUP BY h.region_id" if by_region else ""
    h_region = (
        "h.region_id IN (SELECT id FROM regions_region WHERE path LIKE %(path)s)"
        if region_filter
        else ""
    )
    m_region = IN_REGION.format(col="m.household_id") if region_filter else ""
    names = ["%(as_of)s"] + [f"%(d{i})s" for i in range(dates - 1)]
    base = ", ".join(
        ["SUM(CASE WHEN h.member_count > 0 THEN 1 ELSE 0 END), SUM(h.member_count)"] * dates
    )
    inner = ",\n    ".join(
        f"SUM(CASE WHEN {ACTIVE.replace('%(as_of)s', d)} THEN 1 ELSE 0 END"
        f" - CASE WHEN m.end_date IS NULL THEN 1 ELSE 0 END) AS d{i}"
        for i, d in enumerate(names)
    )
    differs = " OR ".join(f"({DIFFERS.format(d=d)})" for d in names)
    correction = ", ".join(
        f"SUM(CASE WHEN h.member_count + d.d{i} > 0 THEN 1 ELSE 0 END"
        f" - CASE WHEN h.member_count > 0 THEN 1 ELSE 0 END), SUM(d.d{i})"
        for i in range(dates)
    )
    return f"""
SELECT {rid} AS rid, {base}
FROM registry_household h
{f"WHERE {h_region}" if h_region else ""}
{group}
UNION ALL
SELECT {rid} AS rid, {correction}
FROM (
  SELECT m.household_id AS hid,
    {inner}
  FROM registry_membership m
  WHERE {DATED} AND ({differs}) {m_region}
  GROUP BY m.household_id
) d
JOIN registry_household h ON h.id = d.hid
{group}
"""


def _params(region: Region, as_of: dt.date, dates: Sequence[dt.date] = ()) -> dict[str, Any]:
    """Query parameters; SQLite keeps dates as ISO text, so it gets text to compare with."""
    values: dict[str, dt.date] = {"as_of": as_of, "year_start": dt.date(as_of.year, 1, 1)}
    values |= {f"d{i}": d for i, d in enumerate(dates)}
    params: dict[str, Any] = {"path": f"{region.path}%"}
    if connection.vendor != "postgresql":
        return params | {k: v.isoformat() for k, v in values.items()}
    return params | values


def _query(sql: str, params: dict[str, Any]) -> list[tuple]:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner's row guesses for these aggregates can pass jit_above_cost, and compiling
        # them then takes far longer than running them (0.6 s against 60 ms on the demo county).
        # A parallel plan of the size query has every worker aggregate all the memberships again
        # to build its own hash: twice the work on a 2-core server.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, params)
        return cursor.fetchall()


def _collect(
    region: Region, dates: list[dt.date], owner: dict[int, Region] | None = None
) -> list[tuple[_Tally, dict[int, _Tally]]]:
    """For each date: the region's tally and, with `owner` (region id → child), each child's
    (children only for the first date; the others give the region's figures alone)."""
    # The root of the tree holds every household: skip the region filter (and its joins).
    region_filter = region.parent_id is not None
    by_region = owner is not None
    owner = owner or {}
    out: list[tuple[_Tally, dict[int, _Tally]]] = [(_Tally(), defaultdict(_Tally)) for _ in dates]
    children = out[0][1]
    sql = _size_sql(by_region, region_filter, len(dates))
    # A region's figures may come in two rows (the member counts and their correction): add up.
    for rid, *sizes in _query(sql, _params(region, dates[0], dates[1:])):
        child = owner.get(rid)
        for i, (total, _children) in enumerate(out):
            households, persons = int(sizes[2 * i] or 0), int(sizes[2 * i + 1] or 0)
            _add(total.households, households, persons)
            if child is not None and i == 0:
                _add(children[child.pk].households, households, persons)
    for i, (day, (total, children)) in enumerate(zip(dates, out, strict=True)):
        grouped = by_region and i == 0
        for row in _query(_status_sql(grouped, region_filter), _params(region, day)):
            _fold(total, row)
            child = owner.get(row[0]) if grouped else None
            if child is not None:
                _fold(children[child.pk], row)
    return out


def _fold(tally: _Tally, row: tuple) -> None:
    _rid, alv, mon, elim, cat, yr, new_ty, elim_ty, households, persons = row
    persons = int(persons or 0)
    if alv:
        _add(tally.alleviated, households, persons)
        if not mon:
            _add(tally.stable, households, persons)
    if mon:
        _add(tally.monitored, households, persons)
        if elim:
            _add(tally.eliminated, households, persons)
        else:
            _add(tally.open, households, persons)
            if cat in tally.by_category:
                _add(tally.by_category[cat], households, persons)
            _add(tally.by_year[str(yr)], households, persons)
    if new_ty:
        _add(tally.new_this_year, households, persons)
    if elim_ty:
        _add(tally.eliminated_this_year, households, persons)


@dataclass(frozen=True)
class HouseholdStatus:
    """One household's status on a date, as the statistics read it (for the ledgers)."""

    household_id: int
    alleviated: bool
    monitored: bool
    eliminated: bool
    category: str
    identified_date: dt.date | None
    eliminated_date: dt.date | None
    identified_this_year: bool
    eliminated_this_year: bool
    persons: int


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def statuses(region: Region, as_of: dt.date) -> list[HouseholdStatus]:
    """Every 脱贫户 or 监测对象 of `region` on `as_of`, by the same rules as `compute`."""
    return [
        HouseholdStatus(
            household_id=hid,
            alleviated=bool(alv),
            monitored=bool(mon),
            eliminated=bool(mon and elim),
            category=cat or "",
            identified_date=_date(idt),
            eliminated_date=_date(elt) if mon and elim else None,
            identified_this_year=bool(new_ty),
            eliminated_this_year=bool(elim_ty),
            persons=int(n),
        )
        for hid, alv, mon, elim, cat, idt, elt, new_ty, elim_ty, n in _query(
            _status_sql(False, region.parent_id is not None, per_household=True),
            _params(region, as_of),
        )
    ]


def _villages(region: Region) -> int:
    return Region.objects.below(region).filter(level=Region.Level.VILLAGE, retired=False).count()


def compute(region: Region, as_of: dt.date | None = None) -> dict[str, Any]:
    """The formats.md §4 statistics of `region` (and below) as of `as_of` (default today)."""
    as_of = as_of or today()
    return _collect(region, [as_of])[0][0].as_json(region, as_of, _villages(region))


def compute_with_children(
    region: Region, as_of: dt.date | None = None, base: dt.date | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
    """The §4 statistics of `region` and of each active child region as of `as_of`, and the
    region's statistics as of `base` (for changes), from the same pass over the memberships.

    Children come in tree order, each with its region `id` added for links.
    """
    as_of = as_of or today()
    children = list(Region.objects.filter(parent=region, retired=False).order_by("sort", "name"))
    below = list(Region.objects.below(region).values_list("id", "path", "level", "retired"))
    child_by_path = {c.path: c for c in children}
    owner: dict[int, Region] = {}
    villages: dict[int, int] = defaultdict(int)
    total_villages = 0
    for rid, path, level, retired in below:
        is_village = level == Region.Level.VILLAGE and not retired
        total_villages += is_village
        # The child that owns a region is the one whose path is a prefix of it.
        parts = path.strip("/").split("/")
        child = child_by_path.get("/" + "/".join(parts[: region.depth + 1]) + "/")
        if child is not None:
            owner[rid] = child
            villages[child.pk] += is_village
    found = _collect(region, [as_of, base] if base else [as_of], owner)
    total, tallies = found[0]
    split = [tallies[c.pk].as_json(c, as_of, villages[c.pk]) | {"id": c.pk} for c in children]
    then = found[1][0].as_json(region, base, total_villages) if base else None
    return total.as_json(region, as_of, total_villages), split, then


@transaction.atomic
def log_export(*, actor: Any, region: Region, what: str) -> None:
    """Audit an export of people's data (a ledger) from the statistics pages."""
    audit.record(
        actor=actor,
        action="export",
        obj=region,
        region_id=region.pk,
        note=f"导出{region.name}{what}",
    )
