"""The 农村低收入人口 list as an import of core.pipeline (kind `lowincome`): read every row,
match it to the register by 证件号码, compute the shared income figures (core.income), and
replace the list of the user's region (a command's: of the counties its rows lie in) in one
transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import Q

from core import audit, hooks, pipeline
from core import labels as core_labels
from core.batching import chunks
from core.income import DEFAULT_FORMULA, household_income
from core.layout import CellError, HeaderMap, is_total_row
from core.models import AuditRecord
from core.permissions import import_region
from core.pipeline import Progress, Report
from core.tabular import Table
from lowincome.layouts import LOW_INCOME
from lowincome.models import LowIncomePerson
from lowincome.services import match_of
from regions.models import Region, place_names
from registry.models import Person

Match = LowIncomePerson.Match


@dataclass
class Plan:
    rows: list[LowIncomePerson] = field(default_factory=list)
    removed: int = 0
    scopes: list[Region] = field(default_factory=list)  # whose lists the file replaces
    known: set[str] = field(default_factory=set)  # 证件号码 already on the list


def _scope(actor: Any) -> Region | None:
    """The region whose list the actor's file is: theirs, the one county for a command; None
    for a command on a server of several counties (each row's county's list, then)."""
    region = import_region(actor)
    if region is not None:
        return region
    counties = list(Region.objects.counties_of(None).order_by("pk")[:2])
    if not counties:
        raise CellError("系统中还没有区划")
    return counties[0] if len(counties) == 1 else None


def _inside(scopes: list[Region]) -> Any:
    """The pks of the regions in and below `scopes`."""
    paths = Q(pk__in=[])
    for scope in scopes:
        paths |= Q(path__startswith=scope.path)
    return Region.objects.filter(paths).values("pk")


def _formula() -> str:
    if hooks.provided("monitoring.income_formula"):
        return str(hooks.call("monitoring.income_formula"))
    return DEFAULT_FORMULA


class LowIncomeImporter:
    name = LOW_INCOME.name
    marker = LOW_INCOME.marker
    marker_aliases = LOW_INCOME.marker_aliases

    def __init__(self, *, actor: Any, today: dt.date, **options: Any) -> None:
        self.actor, self.today = actor, today
        self.rows = 0
        self.report = Report(lambda key: LOW_INCOME.column(key).header if key else "")
        self.header: HeaderMap | None = None

    def check(self, table: Table, report: Report, progress: Progress) -> Plan | None:
        header = self.header = LOW_INCOME.map_headers(table.headers)
        problems = header.problems(self.name)
        if problems:
            self.report.error(table.header_row, "", "", problems)
            return None
        if header.unknown:
            self.report.warn(
                table.header_row, "", "", "以下列不认识，已忽略：" + "、".join(header.unknown)
            )
        scope = _scope(self.actor)
        parsed: list[tuple[int, dict[str, Any]]] = []
        for number, cells in table.rows:
            if is_total_row(cells):
                continue
            self.rows += 1
            values: dict[str, Any] = {}
            for key, i in header.positions.items():
                raw = cells[i] if i < len(cells) else ""
                try:
                    values[key] = LOW_INCOME.column(key).parse(raw)
                except CellError as exc:
                    self.report.error(number, key, raw, str(exc))
            for key in ("id_number", "name", "kind"):
                if key in header.positions and not values.get(key) and key in values:
                    self.report.error(number, key, "", f"{LOW_INCOME.column(key).header}为空")
            parsed.append((number, values))
        progress(50, f"已检查{self.rows}行，正在与户籍台账比对")
        ids = [v["id_number"] for _, v in parsed if v.get("id_number")]
        people = {
            p.id_number: p
            for part in chunks(ids)
            for p in Person.objects.filter(id_number__in=part).select_related("household__region")
        }
        below = Region.objects.below(scope) if scope is not None else Region.objects.all()
        tree = {r.pk: r for r in below}
        regions: dict[tuple[str, str], Region] = {}
        twins: set[tuple[str, str]] = set()  # a 乡镇 and 行政村 two counties both have
        for r in below.filter(level=Region.Level.VILLAGE, retired=False).select_related("parent"):
            place = (r.parent.name if r.parent else "", r.name)
            if place in regions:
                twins.add(place)
            regions[place] = r

        def village_of(region: Region) -> Region:
            """The 行政村 of a household placed at a 村民小组 (from the tree read once)."""
            while region.level > Region.Level.VILLAGE and region.parent_id in tree:
                region = tree[region.parent_id]
            return region

        seen: dict[str, int] = {}
        formula = _formula()
        plan = Plan(scopes=[scope] if scope is not None else [])
        for number, v in parsed:
            id_number = v.get("id_number", "")
            if not id_number:
                continue
            if id_number in seen:
                self.report.error(
                    number, "id_number", id_number, f"与第{seen[id_number]}行的证件号码重复"
                )
                continue
            seen[id_number] = number
            person = people.get(id_number)
            if (
                person is not None
                and scope is not None
                and not person.household.region.path.startswith(scope.path)
            ):
                # Registered in another region reads as not on the register (of the user's
                # region): nobody learns who lives where.
                person = None
            region: Region | None = None
            if person is not None and person.household_id:
                region = village_of(person.household.region)
            else:
                place = (v.get("town", ""), v.get("village", ""))
                if place in twins:
                    self.report.error(
                        number, "village", "".join(place), "多个县都有该乡镇和行政村，无法确定"
                    )
                    continue
                region = regions.get(place)
                if region is None:
                    where = f"{v.get('town', '')}{v.get('village', '')}" or "（未填）"
                    self.report.error(
                        number,
                        "village",
                        where,
                        "该人员不在户籍台账中，须填写您管辖范围内的乡镇和行政村",
                    )
                    continue
            figures = household_income(
                net=v.get("income"),
                members=v.get("members"),
                spending=v.get("spending"),
                formula=formula,
            )
            plan.rows.append(
                LowIncomePerson(
                    id_number=id_number,
                    name=v.get("name", ""),
                    kind=v.get("kind", ""),
                    region=region,
                    person=person,
                    household=person.household if person is not None else None,
                    recognised=v.get("recognised"),
                    members=v.get("members"),
                    income=v.get("income"),
                    spending=v.get("spending"),
                    per_capita=figures.per_capita,
                    after_spending=figures.after_spending,
                    match=match_of(person.household if person is not None else None),
                )
            )
        if self.report.errors:
            return None
        if scope is None:  # the counties the rows lie in
            counties = {int(r.region.path.strip("/").split("/")[0]) for r in plan.rows}
            plan.scopes = list(Region.objects.filter(pk__in=counties).order_by("pk"))
        inside = _inside(plan.scopes)
        kept = {r.id_number for r in plan.rows}
        before = set(
            LowIncomePerson.objects.filter(region__in=inside).values_list("id_number", flat=True)
        )
        plan.removed = len(before - kept)
        plan.known = before & kept
        if not plan.rows and plan.removed:
            # Headers alone would empty the whole list: far more likely the wrong file (a
            # template, a sheet saved before it was filled) than a region with nobody left.
            names = "、".join(s.full_name() for s in plan.scopes)
            self.report.error(
                None, "", "",
                f"文件中没有数据行：导入它将清空{names}的低收入人口名单（{plan.removed}人），"
                "未导入；请检查是否选错了文件",
            )  # fmt: skip
            return None
        return plan

    def counts(self, plan: Plan | None) -> dict[str, Any]:
        """Totals, the ledger kit's created / updated for the import pages, and the matches and
        mismatches per village."""
        rows = plan.rows if plan else []
        by = {m: 0 for m in LowIncomePerson.Match.values}
        villages: dict[int, dict[str, Any]] = {}
        for r in rows:
            by[r.match] += 1
            village = villages.setdefault(
                r.region.pk, {"region": r.region, "both": 0, "unregistered": 0, "plain": 0}
            )
            village[r.match] += 1
        names = place_names(v["region"] for v in villages.values())
        known = plan.known if plan else set()
        return {
            "persons": len(rows),
            "created": sum(1 for r in rows if r.id_number not in known),
            "updated": sum(1 for r in rows if r.id_number in known),
            "unchanged": 0,
            "both": by["both"],
            "not_on_register": by["unregistered"],
            "not_monitored": by["plain"],
            "removed": plan.removed if plan else 0,
            "by_village": [
                {"village": names[v["region"].pk]} | {k: v[k] for k in Match.values}
                for v in sorted(villages.values(), key=lambda v: v["region"].path)
            ],
        }

    def changes(self, plan: Plan | None) -> int:
        return len(plan.rows) + plan.removed if plan else 0

    def write(
        self, plan: Plan, progress: Progress, note: str, record: AuditRecord
    ) -> dict[str, Any]:
        inside = _inside(plan.scopes)
        numbers = [r.id_number for r in plan.rows]
        # What the list held before (the region's, and anyone the file moves here), for the
        # audit trail.
        old = {p.id_number: p for p in LowIncomePerson.objects.filter(region__in=inside)}
        for part in chunks(numbers):
            old.update((p.id_number, p) for p in LowIncomePerson.objects.filter(id_number__in=part))
        # The list is 民政's snapshot: it replaces the region's previous one.
        LowIncomePerson.objects.filter(region__in=inside).delete()
        for part in chunks(numbers):
            # Someone the list moved here from another region of the county.
            LowIncomePerson.objects.filter(id_number__in=part).delete()
        LowIncomePerson.objects.bulk_create(plan.rows, batch_size=2000)
        audit.audit_objects(self.actor, "update", _changes(old, plan.rows, note))
        return {}

    def summary(self, counts: dict[str, Any]) -> str:
        return core_labels.for_date(self.today).words(
            f"已导入低收入人口{counts['persons']}人：双方名单均有{counts['both']}人，"
            f"不在户籍台账{counts['not_on_register']}人，在台账但非脱贫户、监测户"
            f"{counts['not_monitored']}人"
        )


# What a person's audit record compares (the number is the key; `snapshot` keeps it on removal).
COMPARED = (
    "name",
    "kind",
    "region_id",
    "person_id",
    "household_id",
    "recognised",
    "members",
    "income",
    "spending",
    "per_capita",
    "after_spending",
    "match",
)


def _changes(
    old: dict[str, LowIncomePerson], rows: list[LowIncomePerson], note: str
) -> list[AuditRecord]:
    """An audit record, with before and after, for each person the new list changes or drops
    (a person it adds is named by the import's own record, as the ledgers' are)."""
    label = LowIncomePerson._meta.label_lower
    out = []

    def named(p: LowIncomePerson) -> str:
        return f"低收入人口 {p.name}（{p.masked_id()}）"[:200]

    for r in rows:
        before = old.pop(r.id_number, None)
        if before is None:
            continue
        changed = [f for f in COMPARED if getattr(before, f) != getattr(r, f)]
        if changed:
            out.append(
                AuditRecord(
                    action=AuditRecord.Action.UPDATE,
                    object_type=label,
                    object_id=str(r.pk or ""),
                    object_repr=named(r),
                    before={f: audit.plain(getattr(before, f)) for f in changed},
                    after={f: audit.plain(getattr(r, f)) for f in changed},
                    region_id=r.region_id,
                    household_id=r.household_id,
                    note=note[:500],
                )
            )
    for gone in old.values():
        out.append(
            AuditRecord(
                action=AuditRecord.Action.DELETE,
                object_type=label,
                object_id=str(gone.pk),
                object_repr=named(gone),
                before=audit.snapshot(gone, exclude=("imported_at",)),
                region_id=gone.region_id,
                household_id=gone.household_id,
                note=note[:500],
            )
        )
    return out


def template(out: IO[bytes]) -> None:
    """The empty list: the layout's headers (docs/low-income.md)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(LOW_INCOME.name)
    bold = book.add_format({"bold": True, "border": 1, "bg_color": "#F2DCDB"})
    sheet.write_row(0, 0, LOW_INCOME.headers, bold)
    sheet.set_column(0, 0, 22)
    sheet.freeze_panes(1, 0)
    book.close()


pipeline.register("lowincome", LOW_INCOME.name, LowIncomeImporter, template=template)
