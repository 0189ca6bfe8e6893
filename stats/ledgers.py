"""Excel ledgers (台账) as of a date: 监测对象, 脱贫户, 风险消除, new identifications in a period.

One row per member on the date, with the household's columns repeated, as the county's ledgers
are laid out. Statuses come from `registry.history.statuses`, so a ledger agrees with the figures.
ID numbers and phones are masked unless the user may see them; text that a spreadsheet would take
for a formula is escaped.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from core import labels as core_labels
from core.dates import today
from core.masking import mask_id, mask_phone
from core.permissions import Cap, can
from ledgers.workbook import table_workbook, totals_row
from regions.models import Region
from registry.history import HouseholdStatus, statuses
from registry.layouts import REGISTER
from registry.models import Household, HouseholdEvent, Membership

CHUNK = 1000


@dataclass(frozen=True)
class Ledger:
    title: str
    columns: list[str]
    period: bool = False


LEDGERS = {
    "monitored": Ledger(
        "监测对象台账",
        ["是否脱贫户", "监测对象类别", "风险类型", "识别监测时间", "风险是否消除", "风险消除时间"],
    ),
    "alleviated": Ledger("脱贫户台账", ["脱贫年度", "是否监测对象", "监测对象类别"]),
    "eliminated": Ledger(
        "风险消除台账",
        ["监测对象类别", "风险类型", "识别监测时间", "风险消除时间", "风险消除方式"],
    ),
    "new": Ledger(
        "新识别监测对象台账", ["识别类型", "监测对象类别", "风险类型", "识别监测时间"], True
    ),
}
COMMON = [
    "序号",
    *(REGISTER.column(k).header for k in ("town", "village", "number")),
    "户主姓名",
    *(REGISTER.column(k).header for k in ("name", "relation", "id_number")),
]
COMMON_END = [REGISTER.column("phone").header, "家庭人口数"]


def escape(value: Any) -> Any:
    """Text starting with = + - @ (or a tab/CR) is prefixed with ' so it is never a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _places(region: Region) -> dict[int, tuple[str, str]]:
    """region id → (乡镇, 行政村) names for every region at or below `region`."""
    below = list(Region.objects.below(region))
    by_id = {r.pk: r for r in [*region.ancestors(), *below]}
    out: dict[int, tuple[str, str]] = {}
    for r in below:
        chain = [by_id.get(int(x)) for x in r.path.strip("/").split("/") if x]
        town = next((c.name for c in chain if c and c.level == Region.Level.TOWN), "")
        village = next((c.name for c in chain if c and c.level == Region.Level.VILLAGE), "")
        out[r.pk] = (town, village)
    return out


def _subjects(
    kind: str, region: Region, user: Any, as_of: dt.date, start: dt.date | None
) -> list[tuple[int, Any]]:
    """(household id, its status or identification event) for the households the ledger lists."""
    if kind == "new":
        events = (
            HouseholdEvent.objects.visible_to(user)
            .filter(
                household__region__path__startswith=region.path,
                kind__in=["identified", "reidentified"],
                date__gte=start or dt.date(as_of.year, 1, 1),
                date__lte=as_of,
            )
            .order_by("date", "id")
        )
        return [(e.household_id, e) for e in events]
    wanted: Callable[[HouseholdStatus], bool] = {
        "monitored": lambda s: s.monitored,
        "alleviated": lambda s: s.alleviated,
        "eliminated": lambda s: s.eliminated,
    }[kind]
    found = sorted((s for s in statuses(region, as_of) if wanted(s)), key=lambda s: s.household_id)
    return [(s.household_id, s) for s in found]


def _columns(kind: str, h: Household, item: Any) -> list[Any]:
    """The ledger's own columns for one household."""
    if kind == "new":
        e = item
        kind_name = "新识别" if e.kind == "identified" else "风险再标注"
        return [kind_name, e.category, e.risks, e.date]
    s: HouseholdStatus = item
    if kind == "monitored":
        return [
            _yes(s.alleviated),
            s.category,
            h.risk_display,
            s.identified_date,
            _yes(s.eliminated),
            s.eliminated_date,
        ]
    if kind == "alleviated":
        return [h.alleviated_year, _yes(s.monitored), s.category if s.monitored else ""]
    return [s.category, h.risk_display, s.identified_date, s.eliminated_date, h.elimination_method]


def _rows(
    kind: str, region: Region, user: Any, as_of: dt.date, start: dt.date | None
) -> Iterator[list[Any]]:
    subjects = _subjects(kind, region, user, as_of, start)
    places = _places(region)
    sensitive = can(user, Cap.REVEAL)
    serial = 0
    for i in range(0, len(subjects), CHUNK):
        chunk = subjects[i : i + CHUNK]
        ids = {hid for hid, _ in chunk}
        households = Household.objects.visible_to(user).in_bulk(ids)
        members: dict[int, list[Any]] = {}
        for m in (
            Membership.objects.on(as_of)
            .filter(household_id__in=ids)
            .select_related("person")
            .order_by("household_id", "person_id")
        ):
            members.setdefault(m.household_id, []).append(m.person)
        for hid, item in chunk:
            h = households.get(hid)
            if h is None:
                continue
            extra = _columns(kind, h, item)
            town, village = places.get(h.region_id, ("", ""))
            people = members.get(hid) or [None]
            for p in people:
                serial += 1
                yield [
                    serial,
                    town,
                    village,
                    h.number,
                    h.head_name,
                    p.name if p else "",
                    p.relation if p else "",
                    (p.id_number if sensitive else mask_id(p.id_number)) if p else "",
                    *extra,
                    h.phone if sensitive else mask_phone(h.phone),
                    len(members.get(hid, [])),
                ]


def write(
    kind: str,
    region: Region,
    user: Any,
    as_of: dt.date | None = None,
    start: dt.date | None = None,
) -> bytes:
    """The ledger `kind` of `region` (which the caller checked the user may see) as .xlsx: the
    printable 台账 of `ledgers.workbook.table_workbook`, with a 合计 row of households and
    persons."""
    ledger = LEDGERS[kind]
    as_of = as_of or today()
    columns = COMMON + ledger.columns + COMMON_END
    # The year's words (2026: 防止返贫致贫对象台账); the column headers stay the import's.
    shown = core_labels.for_date(as_of).words(ledger.title)
    when = (
        f"统计期间：{(start or dt.date(as_of.year, 1, 1)):%Y-%m-%d} 至 {as_of:%Y-%m-%d}"
        if ledger.period
        else f"统计日期：截至 {as_of:%Y-%m-%d}"
    )
    out = io.BytesIO()
    widths = {i: 18 if name in ("证件号码", "户编号") else 11 for i, name in enumerate(columns)}
    book = table_workbook(
        out,
        title=f"{region.name}{shown}",
        region=region,
        what=when,
        headers=columns,
        widths=widths,
    )
    persons, households = 0, set()
    for row in _rows(kind, region, user, as_of, start):
        book.write_row([escape(v) for v in row])
        persons += 1
        households.add(row[3])
    if not persons:
        book.write_row(["（无记录）"])
    totals_row(book, len(households), "户", f"{persons}人")
    book.close()
    return out.getvalue()
