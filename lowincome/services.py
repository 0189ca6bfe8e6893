"""The 低收入人口 comparison: who is on 民政's list and on the register (脱贫户 or 监测户), who is
only on one of them and why, per village; and the export of the register's 防止返贫致贫对象 in the
list's layout for 民政."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from core import labels as core_labels
from core.dates import today
from core.masking import mask_id
from lowincome.models import LowIncomePerson
from regions.models import Region, place_names
from registry.models import Household, Person

Match = LowIncomePerson.Match
ONLY_OURS = "防止返贫致贫对象未纳入低收入人口名单"


def match_of(household: Household | None) -> str:
    """How a person of 民政's list stands on the register."""
    if household is None:
        return Match.NOT_ON_REGISTER
    if household.is_alleviated or household.category:
        return Match.BOTH
    return Match.NOT_MONITORED


def _monitored_members(region: Region) -> Any:
    """Members of the region's 监测对象 households whose risk is not eliminated."""
    return Person.objects.filter(
        is_member=True,
        household__region__path__startswith=region.path,
        household__risk_eliminated=False,
    ).exclude(household__category="")


def _village_of(regions: dict[int, Region], rid: int) -> int:
    region = regions.get(rid)
    while region is not None and region.level > Region.Level.VILLAGE and region.parent_id:
        region = regions.get(region.parent_id)
    return region.pk if region is not None else rid


@dataclass
class VillageRow:
    village: Region
    place: str = ""
    both: int = 0
    unregistered: int = 0
    plain: int = 0
    only_ours: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def only_theirs(self) -> int:
        return self.unregistered + self.plain


def by_village(region: Region) -> list[VillageRow]:
    """Per village of `region`: in both lists, only on 民政's (not on the register / on it but
    neither 脱贫户 nor 监测户), only on ours (防止返贫致贫对象 not on 民政's list)."""
    regions = {r.pk: r for r in Region.objects.below(region)}
    rows: dict[int, VillageRow] = {}

    def row(rid: int) -> VillageRow:
        vid = _village_of(regions, rid)
        if vid not in rows:
            rows[vid] = VillageRow(regions.get(vid) or region)
        return rows[vid]

    listed = (
        LowIncomePerson.objects.filter(region__in=Region.objects.below(region).values("pk"))
        .values("region_id", "match", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in listed:
        r = row(item["region_id"])
        setattr(r, item["match"], getattr(r, item["match"]) + item["n"])
        r.by_kind[item["kind"]] = r.by_kind.get(item["kind"], 0) + item["n"]
    on_list = LowIncomePerson.objects.values("id_number")
    ours = (
        _monitored_members(region)
        .exclude(id_number__in=on_list)
        .values("household__region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in ours:
        row(item["household__region_id"]).only_ours += item["n"]
    out = sorted(rows.values(), key=lambda r: r.village.path)
    names = place_names(r.village for r in out)
    for r in out:
        r.place = names[r.village.pk]
    return out


def village_people(
    village: Region, *, full: bool = False, name: str = ""
) -> dict[str, list[dict[str, Any]]]:
    """The people of one village (or any region) in each group, with the reason and the place
    (IDs masked unless `full`); `name` keeps those whose name starts with it (the search)."""
    show = (lambda s: s) if full else mask_id
    words = core_labels.for_year(today().year).words
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    listed = LowIncomePerson.objects.filter(
        region__in=Region.objects.below(village).values("pk")
    ).select_related("household", "region")
    ours_qs = _monitored_members(village).exclude(
        id_number__in=LowIncomePerson.objects.values("id_number")
    )
    if name:
        listed = listed.filter(name__startswith=name)
        ours_qs = ours_qs.filter(name__startswith=name)
    listed_rows = list(listed.order_by("region__path", "name", "pk"))
    ours = list(ours_qs.select_related("household__region").order_by("household_id", "id"))
    places = place_names([p.region for p in listed_rows] + [p.household.region for p in ours])
    for p in listed_rows:
        groups[p.match].append(
            {
                "name": p.name,
                "id_number": show(p.id_number),
                "kind": p.kind,
                "household": p.household.number if p.household else "",
                "reason": words(str(Match(p.match).label)),
                "per_capita": p.per_capita,
                "after_spending": p.after_spending,
                "place": places.get(p.region_id, ""),
            }
        )
    population = core_labels.for_year(today().year).population
    for person in ours:
        groups["ours"].append(
            {
                "name": person.name,
                "id_number": show(person.id_number),
                "kind": population,
                "household": person.household.number,
                "reason": ONLY_OURS.replace("防止返贫致贫对象", population),
                "per_capita": None,
                "after_spending": None,
                "place": places.get(person.household.region_id, ""),
            }
        )
    return dict(groups)


def export(region: Region, *, full: bool = True) -> bytes:
    """The register's 防止返贫致贫对象 of `region` in the list's layout (for 民政 to import);
    ID numbers masked unless `full` (a user who may not see them)."""
    import xlsxwriter  # here: importing it cost every import command's start 33 ms

    from lowincome.layouts import LOW_INCOME

    headers = [c.header for c in LOW_INCOME.columns]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("低收入人口")
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#F2DCDB"})
    sheet.write_row(0, 0, headers, head)
    sheet.freeze_panes(1, 0)
    members = _monitored_members(region).select_related("household__region__parent")
    regions = {r.pk: r for r in Region.objects.below(region)}
    n = 0
    for n, person in enumerate(members.order_by("household_id", "id"), start=1):
        village = regions.get(_village_of(regions, person.household.region_id))
        town = regions.get(village.parent_id) if village and village.parent_id else None
        values = {
            "证件号码": person.id_number if full else mask_id(person.id_number),
            "姓名": person.name,
            "乡镇": town.name if town else "",
            "行政村": village.name if village else "",
            "人员类别": "防止返贫致贫对象",
            "与户主关系": person.relation,
            "认定日期": f"{person.household.identified_date:%Y-%m-%d}"
            if person.household.identified_date
            else "",
            "家庭人口数": person.household.member_count,
            "家庭年纯收入": "",
            "刚性支出": "",
        }
        sheet.write_row(n, 0, [values[h] for h in headers])
    sheet.set_column(0, 0, 22)
    book.close()
    return out.getvalue()


def summary(region: Region) -> dict[str, int]:
    rows = LowIncomePerson.objects.filter(region__in=Region.objects.below(region).values("pk"))
    found = rows.aggregate(
        total=Count("id"),
        both=Count("id", filter=Q(match=Match.BOTH)),
        edge_plain=Count("id", filter=Q(match=Match.NOT_MONITORED, kind="低保边缘")),
    )
    return {k: int(v or 0) for k, v in found.items()}
