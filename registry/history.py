"""The register as of any date: who was 脱贫户 or 监测对象, and how many members, on a day.

Statistics (stats.services), the ledgers and the comparison read the register's history only
through these functions; no other app writes SQL against the register's tables.

Semantics, for a region R (R and everything below it, by the household's current region) and a
date D ("on D" = on or before D; events are read from `HouseholdEvent`):

* A household is 脱贫户 on D when its latest ``alleviated`` event ≤ D is later than its latest
  ``unalleviated`` (清退) event ≤ D.
* It is a 监测对象 on D when its latest ``identified``/``reidentified`` event ≤ D is later than its
  latest ``exited`` (剔除, 识别不精准退出, …) event ≤ D.
* "Later" for these two is by date, then on the same day by record: an un-marking and a
  re-marking on one day (an import day each) leave the status the later one says.
* Its risk is eliminated on D when its latest ``eliminated`` event ≤ D is later (by date, then
  on the same day by record, as above) than its latest ``identified``/``reidentified``/
  ``rolled_back`` event ≤ D: an identification and its elimination on one day leave it
  eliminated, an elimination and its roll-back not, a roll-back and a new elimination on one day
  (an import day) eliminated again.
* Its category on D is that of its latest ``identified``/``reidentified``/``category_changed``
  event ≤ D (same day: the later record).
* Members on D: memberships with start ≤ D or unknown start, and no end or end > D, of persons
  born by D (`member_on`). A household's size is read from its maintained `member_count`
  corrected by its few dated memberships and members born after D.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from core.batching import chunks
from core.scoping import whole_tree
from regions.models import Region
from registry.models import HouseholdEvent

STATUS_KINDS = (
    "alleviated",
    "identified",
    "reidentified",
    "category_changed",
    "eliminated",
    "rolled_back",
    "exited",
    "unalleviated",
)


def born_after(d: str) -> str:
    """Membership m's person was born after the date `d` (an SQL parameter). A set of the few
    persons born since, read from the index on birth dates and probed per membership: no
    look-up of each membership's person."""
    return f"m.person_id IN (SELECT p.id FROM registry_person p WHERE p.birth_date > {d})"


def member_on(d: str = "%(as_of)s") -> str:
    """Whether membership m is in force on the date `d` (an SQL parameter): started by then (or
    since before the records), not ended by then, and its person born by then — an original
    member, imported with no start date, is no member before birth.

    The one definition of "members on D" for every statement here (`MembershipQuerySet.on` says
    the same to the ORM).
    """
    return f"{in_force(d)} AND NOT {born_after(d)}"


def in_force(d: str) -> str:
    """Membership m's dates hold on `d`: started by then (or since before the records), not
    ended by then — `member_on` less the birth."""
    return (
        f"(m.start_date IS NULL OR m.start_date <= {d}) "
        f"AND (m.end_date IS NULL OR m.end_date > {d})"
    )


ACTIVE = member_on()
IN_REGION = (
    "AND {col} IN (SELECT h2.id FROM registry_household h2 WHERE h2.region_id IN "
    "(SELECT id FROM regions_region WHERE path LIKE %(path)s))"
)


def event_key() -> str:
    """Event e's place in the history, as text: (date, id), the id zero-padded so that text
    order is that order. Markings and un-markings are compared by it, so that of two on the same
    day the later record wins (an exit and the re-marking that follows it, both on an import
    day). For statements run with parameters (its % is doubled)."""
    if connection.vendor == "postgresql":
        return "CAST(e.date AS text) || lpad(CAST(e.id AS text), 12, '0')"
    return "e.date || printf('%%012d', e.id)"


def status_sql(by_region: bool, region_filter: bool, per_household: bool = False) -> str:
    """Per household with status events: its status and member count on D, grouped by status.

    With `per_household`, the rows are the status households themselves (for the ledgers).
    """
    key = event_key()
    if connection.vendor == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM ev.idt) AS integer)"
    else:
        year = "CAST(substr(ev.idt, 1, 4) AS integer)"
    catkey = f"{key} || e.category"
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
    MAX(CASE WHEN e.kind = 'alleviated' AND {upto} THEN {key} END) AS alk,
    MAX(CASE WHEN e.kind = 'unalleviated' AND {upto} THEN {key} END) AS unalk,
    MAX(CASE WHEN e.kind = 'exited' AND {upto} THEN {key} END) AS exk,
    MAX(CASE WHEN e.kind IN ('identified', 'reidentified') AND {upto} THEN {key} END) AS idk,
    MAX(CASE WHEN e.kind IN ('identified', 'reidentified') AND {upto} THEN e.date END) AS idt,
    MAX(CASE WHEN e.kind IN ('reidentified', 'rolled_back') AND {upto} THEN {key} END)
      AS reopened,
    MAX(CASE WHEN e.kind = 'eliminated' AND {upto} THEN e.date END) AS elt,
    MAX(CASE WHEN e.kind = 'eliminated' AND {upto} THEN {key} END) AS elk,
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
  -- Members on D (`member_on`): those whose dates hold, read from the covering index of
  -- (household, start, end), less the few of them born after D, found by birth date.
  SELECT hid, SUM(n) AS n FROM (
    SELECT m.household_id AS hid, COUNT(*) AS n
    FROM registry_membership m
    WHERE {in_force("%(as_of)s")} AND m.household_id IN (SELECT hid FROM ev)
    GROUP BY m.household_id
    UNION ALL
    SELECT m.household_id, -COUNT(*)
    -- CROSS JOIN: SQLite reads the persons first (by birth date), not each status household's
    -- members first.
    FROM registry_person p CROSS JOIN registry_membership m
    WHERE m.person_id = p.id AND p.birth_date > %(as_of)s AND {in_force("%(as_of)s")}
      AND m.household_id IN (SELECT hid FROM ev)
    GROUP BY m.household_id
  ) parts
  GROUP BY hid
),
hs AS (
  SELECT {rid} AS rid, ev.hid AS hid, ev.idt AS idt,
    ev.elt AS elt, COALESCE(mc.n, 0) AS n,
    CASE WHEN ev.alk IS NOT NULL AND (ev.unalk IS NULL OR ev.alk > ev.unalk)
      THEN 1 ELSE 0 END AS alv,
    CASE WHEN ev.idk IS NOT NULL AND (ev.exk IS NULL OR ev.idk > ev.exk) THEN 1 ELSE 0 END AS mon,
    CASE WHEN ev.elk IS NOT NULL AND ev.elk > ev.idk
          AND (ev.reopened IS NULL OR ev.elk > ev.reopened) THEN 1 ELSE 0 END AS elim,
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


def size_sql(by_region: bool, region_filter: bool, dates: int = 1) -> str:
    """Households with at least one member and their members, on %(as_of)s and on each of
    %(d0)s… (`dates` in all), per region or in all (rows to add up: a region can appear twice).

    A household's members on D are its `member_count` — its open memberships, which every writer
    of the register keeps (rule D01 of `fangpin check` watches it) — corrected by the memberships
    whose standing on D differs from that: + 1 for each in force on D but ended since, − 1 for each
    open one not yet started on D or of a person not yet born on D. The first part reads an index
    of (region, member_count); the correction reads the partial index of dated memberships and
    the index of birth dates (persons born after the earliest date, %(earliest)s: none for
    today), and joins only those few.
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
    # Each membership's correction on each date: in force on it, less counted while open.
    rows = ", ".join(
        f"CASE WHEN {member_on(d)} THEN 1 ELSE 0 END"
        f" - CASE WHEN m.end_date IS NULL THEN 1 ELSE 0 END AS d{i}"
        for i, d in enumerate(names)
    )
    sums = ", ".join(f"SUM(d{i}) AS d{i}" for i in range(dates))
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
  SELECT hid, {sums}
  FROM (
    -- Disjoint: the dated memberships that differ, and the other memberships of the few
    -- persons born after the earliest date.
    SELECT m.household_id AS hid, {rows}
    FROM registry_membership m
    WHERE {DATED} AND ({differs}) {m_region}
    UNION ALL
    SELECT m.household_id AS hid, {rows}
    FROM registry_person p JOIN registry_membership m ON m.person_id = p.id
    WHERE p.birth_date > %(earliest)s AND NOT ({DATED} AND COALESCE(({differs}), FALSE))
      {m_region}
  ) r
  GROUP BY hid
) d
JOIN registry_household h ON h.id = d.hid
{group}
"""


def params(region: Region, as_of: dt.date, dates: Sequence[dt.date] = ()) -> dict[str, Any]:
    """The statements' parameters (SQLite keeps dates as ISO text: it gets text to compare)."""
    values: dict[str, dt.date] = {"as_of": as_of, "year_start": dt.date(as_of.year, 1, 1)}
    values |= {f"d{i}": d for i, d in enumerate(dates)}
    values["earliest"] = min([as_of, *dates])
    out: dict[str, Any] = {"path": f"{region.path}%"}
    if connection.vendor != "postgresql":
        return out | {k: v.isoformat() for k, v in values.items()}
    return out | values


def query(sql: str, values: dict[str, Any]) -> list[tuple]:
    """Run one of these statements (PostgreSQL without JIT or parallel plans)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner's row guesses for these aggregates can pass jit_above_cost, and compiling
        # them then takes far longer than running them (0.6 s against 60 ms on the demo county).
        # A parallel plan of the size query has every worker aggregate all the memberships again
        # to build its own hash: twice the work on a 2-core server.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(sql, values)
        return cursor.fetchall()


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
        for hid, alv, mon, elim, cat, idt, elt, new_ty, elim_ty, n in query(
            status_sql(False, not whole_tree(region), per_household=True),
            params(region, as_of),
        )
    ]


@dataclass(frozen=True)
class Course:
    """A 监测对象's course up to a day: when first identified, whether its risk is eliminated on
    the day (and when), and its latest re-identification with the elimination it undid."""

    household_id: int
    persons: int
    first_identified: dt.date
    eliminated: dt.date | None
    reidentified: dt.date | None
    reidentified_risks: str  # 风险类型 of the re-identification, as stored (因安全住房|因病)
    undone_elimination: dt.date | None


def courses(region: Region, as_of: dt.date) -> list[Course]:
    """Every 监测对象 of `region` on `as_of` with its course (seed 000: "2019年识别3户5人，2户4人
    2020年已消除风险，1户1人2020年消除风险后2022年因危房改造重新识别")."""
    monitored = {s.household_id: s for s in statuses(region, as_of) if s.monitored}
    events: dict[int, list[tuple[str, dt.date, str]]] = {hid: [] for hid in monitored}
    for part in chunks(list(monitored)):
        rows = (
            HouseholdEvent.objects.filter(
                household_id__in=part,
                kind__in=("identified", "reidentified", "eliminated"),
                date__lte=as_of,
            )
            .order_by("household_id", "date", "pk")
            .values_list("household_id", "kind", "date", "risks")
        )
        for hid, kind, date, risks in rows:
            events[hid].append((kind, date, risks))
    out = []
    for hid, status in monitored.items():
        found = events[hid]
        first = next((e[1] for e in found if e[0] == "identified"), status.identified_date)
        again = [i for i, e in enumerate(found) if e[0] == "reidentified"]
        last = found[again[-1]] if again else None
        undone = None
        if again:
            before = reversed(found[: again[-1]])
            undone = next((e[1] for e in before if e[0] == "eliminated"), None)
        out.append(
            Course(
                household_id=hid,
                persons=status.persons,
                first_identified=first or as_of,
                eliminated=status.eliminated_date if status.eliminated else None,
                reidentified=last[1] if last else None,
                reidentified_risks=last[2] if last else "",
                undone_elimination=undone,
            )
        )
    return out


EXIT_KINDS = {"exited": "monitored", "unalleviated": "alleviated"}


def exits(region: Region, start: dt.date, end: dt.date) -> dict[str, dict[str, dict[str, int]]]:
    """Un-markings in [start, end]: {"monitored" | "alleviated": {reason: {households, persons}}}.

    剔除 / 识别不精准退出 end a household's monitoring (event ``exited``), 清退 its 脱贫户 status
    (``unalleviated``); persons are the household's members on `end`, counted once for a
    household un-marked twice for one reason (剔除, marked again, 剔除 again).
    """
    region_filter = IN_REGION.format(col="e.household_id") if not whole_tree(region) else ""
    sql = f"""
SELECT x.kind, x.reason, COUNT(*),
  COALESCE(SUM((SELECT COUNT(*) FROM registry_membership m
                WHERE m.household_id = x.household_id AND {ACTIVE})), 0)
FROM (
  SELECT DISTINCT e.kind, e.reason, e.household_id
  FROM registry_householdevent e
  WHERE e.kind IN ('exited', 'unalleviated') AND e.date >= %(start)s AND e.date <= %(as_of)s
    {region_filter}
) x
GROUP BY x.kind, x.reason
"""
    values = params(region, end) | {
        "start": start if connection.vendor == "postgresql" else start.isoformat()
    }
    out: dict[str, dict[str, dict[str, int]]] = {"monitored": {}, "alleviated": {}}
    with connection.cursor() as cursor:  # a small query: no planner settings needed
        cursor.execute(sql, values)
        rows = cursor.fetchall()
    for kind, reason, households, persons in rows:
        out[EXIT_KINDS[kind]][reason or "其他"] = {
            "households": int(households),
            "persons": int(persons),
        }
    return out


def positional(sql: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """A statement with %(name)s parameters as one with %s, and its parameter list in order (to
    embed it in a statement built by the ORM)."""
    out: list[Any] = []

    def take(match: re.Match[str]) -> str:
        out.append(values[match.group(1)])
        return "%s"

    return re.sub(r"%\(([a-z_0-9]+)\)s", take, sql), out


def household_status_sql(region: Region, as_of: dt.date) -> tuple[str, list[Any]]:
    """A relation (hid, alv, mon) of the 脱贫户 and 监测对象 of `region` on `as_of` (households
    not in it are neither), for statements that break their rows down by status."""
    sql = status_sql(False, not whole_tree(region), per_household=True)
    return positional(sql, params(region, as_of))


def _span(region: Region, start: dt.date, end: dt.date) -> dict[str, Any]:
    return params(region, end) | {
        "start": start if connection.vendor == "postgresql" else start.isoformat()
    }


@dataclass(frozen=True)
class Marking:
    """A household's identification (or elimination) in a period: its latest such event."""

    household_id: int
    kind: str
    date: dt.date
    category: str
    persons: int


def markings(
    region: Region,
    start: dt.date,
    end: dt.date,
    kinds: Sequence[str] = ("identified", "reidentified"),
) -> list[Marking]:
    """Events of `kinds` in [start, end] — ``identified`` (识别), ``reidentified`` (风险再标注,
    返贫), ``eliminated`` (风险消除) — the latest per household and kind (its date and its
    category), with the household's members on `end`."""
    known = set(STATUS_KINDS)
    listed = ", ".join(f"'{k}'" for k in kinds if k in known)
    region_filter = IN_REGION.format(col="e.household_id") if not whole_tree(region) else ""
    # The latest event's own category (by date, then record): not the greatest of the period's.
    sql = f"""
SELECT x.household_id, x.kind, x.date, x.category,
  (SELECT COUNT(*) FROM registry_membership m WHERE m.household_id = x.household_id AND {ACTIVE})
FROM (
  SELECT e.household_id, e.kind, e.date, e.category, ROW_NUMBER() OVER (
    PARTITION BY e.household_id, e.kind ORDER BY e.date DESC, e.id DESC) AS rn
  FROM registry_householdevent e
  WHERE e.kind IN ({listed}) AND e.date >= %(start)s AND e.date <= %(as_of)s
    {region_filter}
) x
WHERE x.rn = 1
ORDER BY x.household_id
"""
    with connection.cursor() as cursor:
        cursor.execute(sql, _span(region, start, end))
        return [
            Marking(int(h), k, _date(d) or start, c or "", int(n))
            for h, k, d, c, n in cursor.fetchall()
        ]


# 自然增加 / 自然减少: births, marriages and moves; a 分户 moves people between households.
NATURAL_ADDED = ("出生", "婚入", "迁入", "其他")
NATURAL_REMOVED = ("死亡", "婚出", "迁出", "其他")


def held_on_sql(hid: str, day: str) -> str:
    """A condition on one row of an outer statement: the household `hid` was 脱贫户 or 监测对象
    (risk eliminated or not) on the day `day` (both SQL expressions of that row), by the rules
    above. For a few rows each with a day of its own; `status_sql` serves one day for all."""

    def latest(kinds: str) -> str:
        return (
            f"(SELECT MAX({event_key()}) FROM registry_householdevent e "
            f"WHERE e.household_id = {hid} AND e.kind IN ({kinds}) AND e.date <= {day})"
        )

    # A status never ended compares with a place before any event (NULL would fail the ">").
    never = "'0'"
    alleviated = latest("'alleviated'")
    cleared = latest("'unalleviated'")
    marked = latest("'identified', 'reidentified'")
    exited = latest("'exited'")
    return (
        f"({alleviated} > COALESCE({cleared}, {never}) OR {marked} > COALESCE({exited}, {never}))"
    )


def membership_changes(region: Region, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """自然增加 / 自然减少 in [start, end] among 脱贫户 and 监测对象: the members who joined
    (left) a household that was 脱贫户 or 监测对象 on the day they joined (left) it — not one
    marked only before or after it. {"added" | "removed": {households, persons}}, one
    statement."""
    region_filter = IN_REGION.format(col="m.household_id") if not whole_tree(region) else ""
    added = ", ".join(f"'{r}'" for r in NATURAL_ADDED)
    removed = ", ".join(f"'{r}'" for r in NATURAL_REMOVED)
    sql = f"""
SELECT 'added', COUNT(DISTINCT m.household_id), COUNT(*)
FROM registry_membership m
WHERE m.start_date >= %(start)s AND m.start_date <= %(as_of)s AND m.start_reason IN ({added})
  AND {held_on_sql("m.household_id", "m.start_date")} {region_filter}
UNION ALL
SELECT 'removed', COUNT(DISTINCT m.household_id), COUNT(*)
FROM registry_membership m
WHERE m.end_date >= %(start)s AND m.end_date <= %(as_of)s AND m.end_reason IN ({removed})
  AND {held_on_sql("m.household_id", "m.end_date")} {region_filter}
"""
    with connection.cursor() as cursor:
        cursor.execute(sql, _span(region, start, end))
        rows = cursor.fetchall()
    return {
        way: {"households": int(households or 0), "persons": int(persons or 0)}
        for way, households, persons in rows
    }
