"""The statistics of formats.md §4, computed from the household history as of any date.

One computation (`compute`, `compute_with_children`) serves the CLI, the API, the dashboard, the
ledgers and the drafted report, so a number is the same everywhere.

The semantics of "on D" (脱贫户, 监测对象, eliminated, category, members) are those of
`registry.history`, which owns the as-of-date reads of the register; this module folds their rows
into the figures:

* ``villages`` — 行政村 (level 3, not retired, not a 社区) at or below R; ``communities`` — the
  社区 among them; ``alleviated_villages`` / ``key_villages`` — the 脱贫村 / 重点帮扶村 (count and
  names in tree order).
* ``households`` — households with at least one member on D; ``persons`` — their members on D.
* ``alleviated`` = 脱贫户 on D; ``alleviated_stable`` = 脱贫户 that are not 监测对象 on D;
  ``monitored`` = 监测对象 on D (risk eliminated or not); ``by_category`` always lists the three
  categories; ``by_identified_year`` (not-eliminated 监测对象 only): the year of the latest
  identification ≤ D.
* ``identified_this_year`` / ``eliminated_this_year`` — households with an identification (resp.
  elimination) event from 1 January of D's year up to D; ``exits_this_year`` — un-markings in the
  same span by reason (剔除, 识别不精准退出, 国家系统导入… for 监测对象; 清退… for 脱贫户).
* Every ``persons`` figure is the sum, over the households counted, of their members on D.

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
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from core import audit
from core.dates import today
from core.scoping import whole_tree
from regions.models import Region
from registry import history

CATEGORIES = ["突发严重困难户", "脱贫不稳定户", "边缘易致贫户"]


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


def _collect(
    region: Region, dates: list[dt.date], owner: dict[int, Region] | None = None
) -> list[tuple[_Tally, dict[int, _Tally]]]:
    """For each date: the region's tally and, with `owner` (region id → child), each child's
    (children only for the first date; the others give the region's figures alone)."""
    # The root of the tree holds every household: skip the region filter (and its joins).
    region_filter = not whole_tree(region)
    by_region = owner is not None
    owner = owner or {}
    out: list[tuple[_Tally, dict[int, _Tally]]] = [(_Tally(), defaultdict(_Tally)) for _ in dates]
    children = out[0][1]
    sql = history.size_sql(by_region, region_filter, len(dates))
    # A region's figures may come in two rows (the member counts and their correction): add up.
    for rid, *sizes in history.query(sql, history.params(region, dates[0], dates[1:])):
        child = owner.get(rid)
        for i, (total, _children) in enumerate(out):
            households, persons = int(sizes[2 * i] or 0), int(sizes[2 * i + 1] or 0)
            _add(total.households, households, persons)
            if child is not None and i == 0:
                _add(children[child.pk].households, households, persons)
    for i, (day, (total, children)) in enumerate(zip(dates, out, strict=True)):
        grouped = by_region and i == 0
        for row in history.query(
            history.status_sql(grouped, region_filter), history.params(region, day)
        ):
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


def _villages(region: Region) -> int:
    return Region.objects.below(region).villages().count()


def _places(rows: list[tuple[str, bool, bool, bool]]) -> dict[str, Any]:
    """社区 and the 脱贫村 / 重点帮扶村 among the active village-level regions `rows`
    ((name, is_community, 脱贫村, 重点帮扶村) in tree order)."""
    alleviated = [name for name, community, alv, _key in rows if alv and not community]
    key = [name for name, community, _alv, key in rows if key and not community]
    return {
        "communities": sum(1 for _name, community, _a, _k in rows if community),
        "alleviated_villages": {"count": len(alleviated), "names": alleviated},
        "key_villages": {"count": len(key), "names": key},
    }


def _village_rows(region: Region) -> list[tuple[str, bool, bool, bool]]:
    return list(
        Region.objects.below(region)
        .filter(level=Region.Level.VILLAGE, retired=False)
        .order_by("path")
        .values_list("name", "is_community", "is_alleviated_village", "is_key_village")
    )


def compute(region: Region, as_of: dt.date | None = None) -> dict[str, Any]:
    """The formats.md §4 statistics of `region` (and below) as of `as_of` (default today)."""
    as_of = as_of or today()
    figures = _collect(region, [as_of])[0][0].as_json(region, as_of, _villages(region))
    return figures | _exits(region, as_of) | _places(_village_rows(region))


def compute_with_children(
    region: Region, as_of: dt.date | None = None, base: dt.date | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any] | None]:
    """The §4 statistics of `region` and of each active child region as of `as_of`, and the
    region's statistics as of `base` (for changes), from the same pass over the memberships.

    Children come in tree order, each with its region `id` added for links.
    """
    as_of = as_of or today()
    children = list(Region.objects.filter(parent=region, retired=False).order_by("sort", "name"))
    below = list(
        Region.objects.below(region)
        .order_by("path")
        .values_list(
            "id",
            "path",
            "level",
            "retired",
            "name",
            "is_community",
            "is_alleviated_village",
            "is_key_village",
        )
    )
    child_by_path = {c.path: c for c in children}
    owner: dict[int, Region] = {}
    villages: dict[int, int] = defaultdict(int)
    places: dict[int, list[tuple[str, bool, bool, bool]]] = defaultdict(list)
    total_villages = 0
    total_places: list[tuple[str, bool, bool, bool]] = []
    for rid, path, level, retired, name, community, alv, key in below:
        village_level = level == Region.Level.VILLAGE and not retired
        is_village = village_level and not community
        total_villages += is_village
        if village_level:
            total_places.append((name, community, alv, key))
        # The child that owns a region is the one whose path is a prefix of it.
        parts = path.strip("/").split("/")
        child = child_by_path.get("/" + "/".join(parts[: region.depth + 1]) + "/")
        if child is not None:
            owner[rid] = child
            villages[child.pk] += is_village
            if village_level:
                places[child.pk].append((name, community, alv, key))
    found = _collect(region, [as_of, base] if base else [as_of], owner)
    total, tallies = found[0]
    split = [
        tallies[c.pk].as_json(c, as_of, villages[c.pk]) | _places(places[c.pk]) | {"id": c.pk}
        for c in children
    ]
    here = _places(total_places)
    then = None
    if base:
        then = found[1][0].as_json(region, base, total_villages) | _exits(region, base) | here
    return (
        total.as_json(region, as_of, total_villages) | _exits(region, as_of) | here,
        split,
        then,
    )


def _exits(region: Region, as_of: dt.date) -> dict[str, Any]:
    return {"exits_this_year": history.exits(region, dt.date(as_of.year, 1, 1), as_of)}


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
