"""The import of any ledger (formats.md §6): the layout's parsers, the links to the register or
the region tree, the ledger's row rules, then an upsert by the key — through core.pipeline.

Every fault is an error at its row and column with a Chinese message; a row naming a person,
household or region outside the user's region names only the row and the value it was given
("不在您的管辖范围内"), never what the register holds there.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from operator import getitem
from typing import Any

from django.utils import timezone

from core import audit
from core.batching import chunks, values_rows
from core.codes import fold
from core.fastinsert import (
    Background,
    Inserter,
    import_settings,
    indexes_built_after,
    refresh_statistics,
)
from core.layout import CellError, HeaderMap, Phone, id_number, is_total_row
from core.masking import mask_phone, unmask_numbers
from core.middleware import current_request
from core.models import AuditRecord
from core.permissions import import_region
from core.pipeline import Phases, Progress, Report
from core.tabular import Table
from ledgers.kit import Ledger, foreign_template
from regions.models import Region
from registry.models import Household, Person

BATCH = 5000
LINKS = ("region_id", "household_id", "person_id")
# Names the number the row gave (formats.md §6), never what the register holds there.
NOT_IN_SCOPE = {
    "id_number": "证件号码“{}”不在您管辖范围的户籍台账中（未登记或属于其他区划）",
    "number": "户编号“{}”不在您管辖范围的户籍台账中（未登记或属于其他区划）",
}


@dataclass(slots=True)
class Row:
    row: int
    values: dict[str, Any]  # column key → parsed value
    links: dict[str, Any] = field(default_factory=dict)  # region_id, household_id, person_id
    key: tuple = ()  # the ledger's key (`Ledger.key_fields`), once linked
    unread: tuple[str, ...] = ()  # the columns whose cells could not be read (reported)


@dataclass
class Plan:
    new: list[Row] = field(default_factory=list)
    changed: list[tuple[int, Row, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0


@dataclass(frozen=True)
class Masked:
    """A masked 证件号码 from a clerk's export: its visible head and tail."""

    head: str
    tail: str

    def __str__(self) -> str:
        return f"{self.head}****{self.tail}"


MASKED_ID = re.compile(r"^(\w{4})\*{4,}(\w{4})$")


def _masked(raw: Any) -> Masked | None:
    if raw.__class__ is not str or "*" not in raw:
        return None
    found = MASKED_ID.match(raw.strip().upper())
    return Masked(found.group(1), found.group(2)) if found else None


class MaskedPhone(str):
    """A masked 联系电话 from a clerk's export (138****5678): it stands for the stored number it
    masks (`LayoutImporter._phones`), never for itself."""


MASKED_PHONE = re.compile(r"^[0-9-]{3}\*{3,}[0-9]{4}$")


def _masked_phone(raw: Any) -> MaskedPhone | None:
    if raw.__class__ is not str or "*" not in raw:
        return None
    s = raw.strip()
    return MaskedPhone(s) if MASKED_PHONE.match(s) else None


def same_name(given: str, registered: str) -> bool:
    """A name as a file writes it agrees with the register's: spaces aside (a two-character
    name padded to the width of three, 张  三, as offices align their lists), full-width or not."""
    return given == registered or fold(given) == fold(registered)


def _blank(value: Any) -> bool:
    return value is None or value == ""


class _Empty(CellError):
    """A required cell that parsed to nothing (reported without the raw cell)."""


def _required(parse: Any, message: str) -> Any:
    def parse_required(raw: Any) -> Any:
        value = parse(raw)
        if _blank(value):
            raise _Empty(message)
        return value

    return parse_required


class LayoutImporter:
    """Checks and writes one file of a ledger."""

    def __init__(self, ledger: Ledger, *, actor: Any, today: dt.date) -> None:
        self.ledger = ledger
        self.layout = ledger.layout
        self.name = ledger.name
        self.marker = self.layout.marker
        self.marker_aliases = self.layout.marker_aliases
        self.actor = actor
        self.today = today
        region = self.region = import_region(actor)
        self.allowed = region.path if region is not None else "/"
        self.header: HeaderMap | None = None
        self.report = Report(self.column_name)
        self.rows = 0
        self.phases = Phases()

    def column_name(self, key: str) -> str:
        if self.header is not None and key in self.header.written:
            return self.header.written[key]
        return self.layout.column(key).header if self.layout.has(key) else key

    # -- check ----------------------------------------------------------------------------------
    def check(self, table: Table, report: Report, progress: Progress) -> Plan | None:
        header = self.header = self.layout.map_headers(table.headers)
        problems = header.problems(self.name)
        if problems:
            required = "、".join(c.header for c in self.layout.columns if c.required)
            self.report.error(table.header_row, "", "", f"{problems}（表头须含：{required}）")
            return None
        foreign = foreign_template(self.layout, table.headers, header.unknown)
        if foreign is not None:
            other, given = foreign
            shown = "、".join(f"“{h}”" for h in given)
            self.report.error(
                table.header_row,
                "",
                "",
                f"这是{other.name}的文件（表头含{shown}），不是{self.name}的；"
                f"请选择“{other.name}”导入，或使用{self.name}模板",
            )
            return None
        if header.unknown:
            self.report.warn(
                table.header_row, "", "", "以下列不认识，已忽略：" + "、".join(header.unknown)
            )
        with self.phases.timed("read"):
            rows = self._read(table, header, progress)
        progress(50, f"已检查{self.rows}行，正在核对台账对象")
        with self.phases.timed("link"):
            self.link(rows)
            self._duplicates(rows)
            self._groups(rows)
        if self.report.errors:
            return Plan()
        progress(65, "正在比对已有记录")
        with self.phases.timed("plan"):
            return self._plan(rows)

    def _read(self, table: Table, header: HeaderMap, progress: Progress) -> list[Row]:
        """Every row parsed. A column that repeats its values (`Kind.memoise`; 证件号码, as a
        ledger names a person on many rows) parses each distinct cell once: a row whose cells
        were all seen before is one dict lookup per cell; any other goes cell by cell."""
        needed = {c.key for c in self.layout.columns if c.needs_value}
        parsers: dict[str, Any] = {}
        seen: list[tuple[str, int, dict[Any, Any]]] = []  # memoised: raw cell → value
        every: list[tuple[str, int, Any]] = []  # parsed on every row
        for key, i in header.positions.items():
            parse = self._parser(key)
            if key in needed:
                parse = _required(parse, f"{self.column_name(key)}为空")
            parsers[key] = parse
            if key == "id_number" or self.layout.column(key).kind.memoise:
                seen.append((key, i, {}))
            else:
                every.append((key, i, parse))
        clean, notes = self.ledger.clean, self.ledger.notes
        # A row whose memoised cells were all seen: picked and looked up in C, no loop per cell.
        keys = [key for key, _, _ in seen]
        memos = [memo for _, _, memo in seen]
        pick = _picker([i for _, i, _ in seen])
        out: list[Row] = []
        for number, cells in table.rows:
            if is_total_row(cells):
                continue
            self.rows += 1
            if self.rows % 50000 == 0:
                progress(min(45, 5 + self.rows // 50000), f"已检查{self.rows}行")
            unread: tuple[str, ...] = ()
            try:
                values = dict(zip(keys, map(getitem, memos, pick(cells)), strict=False))
            except (KeyError, IndexError, TypeError):  # a cell not seen yet, a short row
                values, unread = self._parse_seen(number, cells, seen, parsers)
            for key, i, parse in every:
                raw = cells[i] if i < len(cells) else ""
                try:
                    values[key] = parse(raw)
                except CellError as exc:
                    self._cell_error(number, key, raw, exc)
                    unread += (key,)
            if clean is not None:
                # Every row's rules, a bad cell or not: a cell that could not be read is left
                # out of `values`, as a column the file lacks, so only the rules that need it
                # stay silent (`Ledger.clean`); its own error says what is wrong with it.
                for key, message in clean(values).items():
                    if key not in unread:
                        self.report.error(number, key, values.get(key, ""), message)
            if notes is not None:
                for key, message in notes(values).items():
                    if key not in unread:
                        self.report.warn(number, key, values.get(key, ""), message)
            out.append(Row(number, values, unread=unread))
        return out

    def _parse_seen(
        self,
        number: int,
        cells: list[Any],
        seen: list[tuple[str, int, dict[Any, Any]]],
        parsers: dict[str, Any],
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The memoised cells of a row one by one (remembering each good one); the columns of
        those that could not be read."""
        values: dict[str, Any] = {}
        unread: tuple[str, ...] = ()
        for key, i, memo in seen:
            raw = cells[i] if i < len(cells) else ""
            try:
                values[key] = memo[raw]
                continue
            except KeyError:
                pass
            except TypeError:  # an unhashable cell: parsed, not remembered
                memo = {}
            try:
                values[key] = memo[raw] = parsers[key](raw)
            except CellError as exc:
                self._cell_error(number, key, raw, exc)
                unread += (key,)
        return values, unread

    def _cell_error(self, number: int, key: str, raw: Any, exc: CellError) -> None:
        self.report.error(number, key, "" if isinstance(exc, _Empty) else raw, str(exc))

    def _parser(self, key: str) -> Any:
        variant = self.header.variants.get(key) if self.header else None
        if variant:
            return self.layout.variants[variant][1]
        column = self.layout.column(key)
        parse = column.parse
        if key in self.phones:
            # A masked phone is kept for `_phones`, a typed one read as any other.
            return lambda raw: _masked_phone(raw) or parse(raw)
        if key == "id_number":
            # Checked against one "today" (not the clock per cell); a masked number is kept
            # for `_unmask`.
            today = self.today
            return lambda raw: _masked(raw) or id_number(raw, today)
        return parse

    # -- links ----------------------------------------------------------------------------------
    def _outside(self, path: str) -> bool:
        return not path.startswith(self.allowed)

    def link(self, rows: list[Row]) -> None:
        """Resolve each row's link columns to the register or the region tree (errors to the
        report)."""
        if self.ledger.link is not None:
            self.ledger.link(self, rows)
        elif self.ledger.level == "person":
            self._link_persons(rows)
        elif self.ledger.level == "household":
            self._link_households(rows)
        else:
            self._link_regions(rows)

    def _unmask(self, rows: list[Row]) -> None:
        """A clerk's masked export (4202**********1234) names its people by the visible digits
        and the name: find each among the people of the user's region, or report the row."""
        masked = [r for r in rows if isinstance(r.values.get("id_number"), Masked)]
        names = {r.values.get("name") for r in masked if r.values.get("name")}
        candidates: dict[str, list[str]] = {}
        for chunk in chunks(names):
            people = Person.objects.filter(name__in=chunk)
            if self.allowed != "/":
                people = people.filter(household__region__path__startswith=self.allowed)
            for name, number in people.values_list("name", "id_number"):
                candidates.setdefault(name, []).append(number)
        for r in masked:
            mask = r.values["id_number"]
            found = [
                n
                for n in candidates.get(r.values.get("name") or "", [])
                if n.startswith(mask.head) and n.endswith(mask.tail)
            ]
            if len(found) == 1:
                r.values["id_number"] = found[0]
            else:
                r.values["id_number"] = ""
                self.report.error(
                    r.row,
                    "id_number",
                    str(mask),
                    "证件号码已脱敏，在您管辖范围内找不到姓名和号码都相符的人；请填写完整证件号码",
                )

    def _link_persons(self, rows: list[Row]) -> None:
        self._unmask(rows)
        ids = {r.values.get("id_number") for r in rows} - {None, ""}
        # number → (name, links) of each person in the user's region; the rows of one person
        # share their links.
        found: dict[str, tuple[str, dict[str, int]]] = {}
        fields = ("pk", "id_number", "name", "household_id", "household__region_id")
        for chunk in chunks(ids):
            people = Person.objects.filter(id_number__in=chunk).order_by()
            for pk, number, name, household_id, region_id, path in values_rows(
                people, (*fields, "household__region__path")
            ):
                if not self._outside(path):
                    links = {"person_id": pk, "household_id": household_id, "region_id": region_id}
                    found[number] = (name, links)
        for r in rows:
            number = r.values.get("id_number")
            if not number:
                continue
            person = found.get(number)
            # Not registered and registered elsewhere read alike: nobody learns who lives where.
            if person is None:
                self.report.error(
                    r.row, "id_number", number, NOT_IN_SCOPE["id_number"].format(number)
                )
                continue
            name, links = person
            given = r.values.get("name")
            if given and not same_name(given, name):
                self.report.error(
                    r.row, "name", given, f"姓名与证件号码不符（户籍台账中为“{name}”）"
                )
                continue
            r.links = links

    def _link_households(self, rows: list[Row]) -> None:
        numbers = {r.values.get("number") for r in rows if r.values.get("number")}
        found: dict[str, tuple] = {}
        for chunk in chunks(numbers):
            for values in Household.objects.filter(number__in=chunk).values_list(
                "pk", "number", "head_name", "region_id", "region__path"
            ):
                found[values[1]] = values
        for r in rows:
            number = r.values.get("number")
            if not number:
                continue
            household = found.get(number)
            if household is None or self._outside(household[4]):
                self.report.error(r.row, "number", number, NOT_IN_SCOPE["number"].format(number))
                continue
            pk, _, head, region_id, _ = household
            given = r.values.get("head_name")
            if given and head and not same_name(given, head):
                self.report.error(
                    r.row, "head_name", given, f"户主姓名与户编号不符（户籍台账中为“{head}”）"
                )
                continue
            r.links = {"household_id": pk, "region_id": region_id}

    def _link_regions(self, rows: list[Row]) -> None:
        """乡镇 and 行政村 name a town and a village of the user's county (formats.md §6: a blank
        行政村 is the 乡镇, a blank 乡镇 too the county). A user above county level (a command
        acting for nobody) may name any county's: a 乡镇 several of them have is an error."""
        counties = list(
            Region.objects.counties_of(self.region).order_by("pk").values_list("pk", "name", "path")
        )
        # Only the regions of the names given (one save loads a few, not the tree).
        names = {r.values.get(k) for r in rows for k in ("town", "village")} - {None, ""}
        child: dict[tuple[int, str], tuple[int, str]] = {}
        for chunk in chunks(names):
            named = Region.objects.filter(retired=False, name__in=chunk)
            for pk, name, parent, path in named.values_list("pk", "name", "parent_id", "path"):
                child[(parent, name)] = (pk, path)
        for r in rows:
            town, village = r.values.get("town") or "", r.values.get("village") or ""
            if village and not town:
                self.report.error(r.row, "town", "", "填写了行政村，请同时填写所在乡镇")
                continue
            if town:
                places = [(child[(c, town)], name) for c, name, _ in counties if (c, town) in child]
                if not places:
                    where = counties[0][1] if len(counties) == 1 else "系统"
                    self.report.error(r.row, "town", town, f"乡镇“{town}”在{where}中不存在")
                    continue
                if len(places) > 1:
                    among = "、".join(name for _, name in places)
                    self.report.error(
                        r.row,
                        "town",
                        town,
                        f"{among}都有名为“{town}”的乡镇，无法确定是哪一个"
                        "（请由所在县(市、区)的用户导入）",
                    )
                    continue
                (pk, path), _ = places[0]
            elif len(counties) == 1:
                pk, _, path = counties[0]
            else:
                # A blank 乡镇 is the county: which one, when the user's region spans several?
                self.report.error(
                    r.row, "town", "", "乡镇为空表示县本级，但无法确定是哪个县(市、区)，请填写乡镇"
                )
                continue
            if village:
                found = child.get((pk, village))
                if found is None:
                    self.report.error(
                        r.row, "village", village, f"行政村“{town}/{village}”在系统中不存在"
                    )
                    continue
                pk, path = found
            if self._outside(path):
                key = "village" if village else "town"
                self.report.error(r.row, key, village or town, "该区划不在您的管辖范围内")
                continue
            r.links = {"region_id": pk}

    # -- duplicates and plan --------------------------------------------------------------------
    def _duplicates(self, rows: list[Row]) -> None:
        """Each linked row's key (its key fields from its links, else from its values); a key
        given twice is an error at its second row. A row whose key could not be read (a bad
        年度) has no key to repeat."""
        fields = self.ledger.key_fields
        first: dict[tuple, int] = {}
        key_column = self.layout.unique[0].key if self.layout.unique else ""
        key_columns = {c.key for c in self.layout.unique}
        for r in rows:
            links, values = r.links, r.values
            if not links or not key_columns.isdisjoint(r.unread):
                continue
            key = r.key = tuple([links[f] if f in links else values.get(f) for f in fields])
            if key in first:
                shown = "、".join(self.column_name(c.key) for c in self.layout.unique)
                self.report.error(
                    r.row,
                    key_column,
                    r.values.get(key_column, ""),
                    f"与第{first[key]}行重复（{shown}相同）",
                )
            else:
                first[key] = r.row

    def _groups(self, rows: list[Row]) -> None:
        """The group columns agree on every row of a group (`Layout.group`), as a household's
        columns do in the register."""
        group = self.layout.group
        if group is None:
            return
        # Each column against the group's first row that gave it: a cell that could not be read
        # (or a lenient one left blank) is compared with nothing.
        given: dict[tuple[Any, str], Row] = {}
        label = self.column_name(group.key)
        for r in rows:
            name = r.values.get(group.key)
            if _blank(name):
                continue
            for key in group.columns:
                if key in r.values:
                    self._agree(label, name, key, given.setdefault((name, key), r), r)
            for key in group.lenient:
                if not _blank(r.values.get(key)):
                    self._agree(label, name, key, given.setdefault((name, key), r), r)

    def _agree(self, label: str, name: Any, key: str, head: Row, r: Row) -> None:
        first, value = head.values.get(key), r.values.get(key)
        if r is head or first == value or (_blank(first) and _blank(value)):
            return
        column = self.layout.column(key)
        shown_first, shown = column.kind.display(first), column.kind.display(value)
        self.report.error(
            r.row,
            key,
            shown,
            f"同一{label}“{name}”的“{self.column_name(key)}”与第{head.row}行不一致"
            f"（第{head.row}行为“{shown_first}”，第{r.row}行为“{shown}”）",
        )

    @cached_property
    def texts(self) -> list[str]:
        """The free-text columns: in the export of a user who may not see full numbers, the
        numbers inside them are masked."""
        return [c.key for c in self.ledger.fields if c.is_free_text]

    def _unmasked(self, given: dict[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
        """A row's values with the masked numbers of its free texts taken from the stored texts:
        a masked export imported back changes nothing it did not change."""
        out = given
        for k in self.texts:
            value = given.get(k)
            if isinstance(value, str) and "*" in value and stored.get(k):
                if out is given:
                    out = dict(given)
                out[k] = unmask_numbers(value, stored[k])
        return out

    @cached_property
    def phones(self) -> list[str]:
        """The phone columns masked in the export of a user who may not see full numbers."""
        return [c.key for c in self.ledger.fields if c.sensitive and isinstance(c.kind, Phone)]

    def _phones(self, r: Row, given: dict[str, Any], stored: Mapping[str, Any] | None) -> bool:
        """Put back the stored number of each masked phone of `given` (a masked export
        imported back changes nothing); False, with the row's error, when a mask is not the
        stored number's (or the row is new: there is none)."""
        for k in self.phones:
            value = given.get(k)
            if not isinstance(value, MaskedPhone):
                continue
            number = stored.get(k) if stored is not None else None
            if number and mask_phone(number) == value:
                given[k] = number
                continue
            why = "与系统中该行的号码不符，" if stored is not None else "新增的记录"
            self.report.error(
                r.row,
                k,
                str(value),
                f"{self.column_name(k)}已脱敏（{value}），{why}请填写完整号码",
            )
            return False
        return True

    def _plan(self, rows: list[Row]) -> Plan:
        plan = Plan()
        fields = [c.key for c in self.ledger.fields]
        existing: dict[tuple, tuple] = {}
        model = self.ledger.model
        unscoped = self.ledger.level == "region" and not self.ledger.scoped_key
        names = ["pk", *fields, *LINKS, *(("region__path",) if unscoped else ())]
        at = {name: i for i, name in enumerate(names)}
        if model.objects.exists():
            link = self.ledger.key_fields[0]
            keyed = [at[f] for f in self.ledger.key_fields]
            for chunk in chunks({r.key[0] for r in rows}):
                found = model.objects.filter(**{f"{link}__in": chunk}).order_by()
                for values in values_rows(found, names):
                    existing[tuple([values[i] for i in keyed])] = values
        key_column = self.layout.unique[0].key if self.layout.unique else ""
        compared = [(k, at[k]) for k in fields]
        placed = self._places_rows()
        for r in rows:
            # A row's link (person, household, region) is set when it is created: a person who
            # moved since does not make the row "changed". A region row keyed by its own number
            # is the exception: its 乡镇/行政村 are values like any other (`_places_rows`).
            stored = existing.get(r.key)
            if stored is None:
                if self._phones(r, r.values, None):
                    plan.new.append(r)
                continue
            pk = stored[0]
            if unscoped and self._outside(stored[-1]):
                shown = "、".join(self.column_name(c.key) for c in self.layout.unique)
                self.report.error(
                    r.row,
                    key_column,
                    r.values.get(key_column, ""),
                    f"{shown}已被您管辖范围以外的区划使用，请换一个编号",
                )
                continue
            given = self._unmasked(r.values, {k: stored[at[k]] for k in self.texts})
            if self.phones:
                given = dict(given)
                if not self._phones(r, given, {k: stored[at[k]] for k in self.phones}):
                    continue
            changed = {k: given[k] for k, i in compared if k in given and stored[i] != given[k]}
            if placed and stored[at["region_id"]] != r.links["region_id"]:
                changed["region_id"] = r.links["region_id"]
            if changed:
                plan.changed.append((pk, r, {k: stored[at[k]] for k in changed}, changed))
            else:
                plan.unchanged += 1
        if self.layout.group is not None and not self.report.errors:
            self._plan_siblings(plan, rows)
        return plan

    def _places_rows(self) -> bool:
        """Whether the file's 乡镇/行政村 move a stored row: a region ledger whose key is its own
        number (项目编号, 资产编号, 问题编号), not its region, read from a file that has both
        columns (a file without them, or without 行政村, moves nothing: a missing column is not a
        blank one), as the form moves it (services.save_row)."""
        return (
            self.ledger.level == "region"
            and self.ledger.link is None
            and "region_id" not in self.ledger.key_fields
            and self.header is not None
            and self.header.positions.keys() >= set(self.ledger.links)
        )

    def _plan_siblings(self, plan: Plan, rows: list[Row]) -> None:
        """Rows already stored in a group of the file but not in the file take the group's
        columns from the file (the group's columns belong to the group, not to one row)."""
        group = self.layout.group
        assert group is not None
        heads: dict[Any, Row] = {}
        lenient: dict[Any, dict[str, Any]] = {}
        for r in rows:
            name = r.values.get(group.key)
            heads.setdefault(name, r)
            for k in group.lenient:
                if not _blank(r.values.get(k)):
                    lenient.setdefault(name, {}).setdefault(k, r.values[k])
        in_file = {pk for pk, *_ in plan.changed}
        model = self.ledger.model
        stored = [k for k in (*group.columns, *group.lenient) if k not in self.ledger.links]
        region_too = any(k in self.ledger.links for k in group.columns)
        matched = {r.key for r in rows}
        where = f"{model.objects.all().region_field}__path"
        label = self.column_name(group.key)
        refused: set[Any] = set()
        # (head row, column) → the head, the value stored and given, the keys of the rows changed.
        others: dict[tuple[int, str], tuple[Row, Any, Any, list[tuple]]] = {}
        for chunk in chunks([k for k in heads if not _blank(k)]):
            found = model.objects.filter(**{f"{group.key}__in": chunk})
            for values in found.values("pk", "region_id", where, *self.ledger.key_fields, *stored):
                if self._outside(values[where] or ""):
                    # The group is another region's: a row of the file must not move it here.
                    name = values[group.key]
                    if name not in refused:
                        refused.add(name)
                        message = f"{label}已被您管辖范围以外的区划使用，请换一个编号"
                        self.report.error(heads[name].row, group.key, name, message)
                    continue
                key = tuple(values[f] for f in self.ledger.key_fields)
                if values["pk"] in in_file or key in matched:
                    continue
                head = heads[values[group.key]]
                given = self._unmasked(head.values, values)
                after = {k: given[k] for k in group.columns if k in stored and k in given}
                after |= lenient.get(values[group.key], {})
                if region_too and "region_id" in head.links:
                    after["region_id"] = head.links["region_id"]
                changed = {k: v for k, v in after.items() if values.get(k) != v}
                if changed:
                    before = {k: values.get(k) for k in changed}
                    plan.changed.append((values["pk"], head, before, changed))
                    for k in changed:
                        entry: tuple[Row, Any, Any, list[tuple]] = (head, before[k], changed[k], [])
                        others.setdefault((head.row, k), entry)[3].append(key)
        self._warn_siblings(label, others)

    def _warn_siblings(
        self, label: str, others: dict[tuple[int, str], tuple[Row, Any, Any, list[tuple]]]
    ) -> None:
        """Say where a group column given in the file changes stored rows the file does not
        list: the change is the whole group's (formats.md §6), not its row's alone."""
        group = self.layout.group
        assert group is not None
        rest = [f for f in self.ledger.key_fields if f != group.key]
        for (_, k), (head, before, after, keys) in sorted(
            others.items(), key=operator.itemgetter(0)
        ):
            shown_keys = "、".join(
                "/".join(
                    str(v) for f, v in zip(self.ledger.key_fields, key, strict=True) if f in rest
                )
                for key in sorted(keys)
            )
            which = f"{'/'.join(map(self.column_name, rest))}{shown_keys}"
            name = head.values[group.key]
            if k == "region_id":
                column = "village" if "village" in head.values else "town"
                what = f"区划（{self.column_name('town')}、{self.column_name('village')}）有变化"
            else:
                column = k
                kind = self.layout.column(k).kind
                shown = f"由“{kind.display(before)}”改为“{kind.display(after)}”"
                what = f"“{self.column_name(k)}”{shown}"
            self.report.warn(
                head.row,
                column,
                head.values.get(column, ""),
                f"{label}“{name}”的{what}；此栏为同一{label}各行共用，本文件未列出的{which}将一并更改",
            )

    # -- the pipeline's other questions ---------------------------------------------------------
    def counts(self, plan: Plan | None) -> dict[str, Any]:
        if plan is None:
            return {"created": 0, "updated": 0, "unchanged": 0}
        return {"created": len(plan.new), "updated": len(plan.changed), "unchanged": plan.unchanged}

    def changes(self, plan: Plan) -> int:
        return len(plan.new) + len(plan.changed)

    def summary(self, counts: dict[str, Any]) -> str:
        return f"已导入{self.name}：新增{counts['created']}条、更新{counts['updated']}条"

    # -- write ----------------------------------------------------------------------------------
    def write(
        self, plan: Plan, progress: Progress, note: str, record: AuditRecord
    ) -> dict[str, Any]:
        """New rows name the import's record and their row in the file (the record says who,
        when, which file and how many: no record per created row); changed rows get a record
        each with their before and after values."""
        with import_settings():
            self._write(plan, progress, note, record)
        return {}

    def _write(self, plan: Plan, progress: Progress, note: str, record: AuditRecord) -> None:
        model = self.ledger.model
        actor_id = getattr(self.actor, "pk", None)
        inserter = Inserter(model, fixed={"updated_by_id": actor_id, "import_record_id": record.pk})
        ids = inserter.reserve(len(plan.new))
        progress(70, f"正在写入{len(plan.new)}条新记录")
        # Each row as a tuple: its stored values, its links, its id and row in the file (the
        # file's columns are every row's; kit.register checks no link column is also a field).
        given = [
            c.key for c in self.ledger.fields if self.header and c.key in self.header.positions
        ]
        found: dict[str, None] = {}  # the links of any row, whatever the linker
        for r in plan.new:
            if not r.links.keys() <= found.keys():
                found |= dict.fromkeys(r.links)
        links = [k for k in found if k in inserter.names]
        values, linked = _getter(given), _getter(links)
        rows = (
            (*values(r.values), *linked(r.links), pk, r.row)
            for pk, r in zip(ids, plan.new, strict=True)
        )
        # A first load (or one many times what the ledger holds) builds the secondary indexes
        # once its rows are in ("indexes": the time after the inserts).
        with (
            self.phases.timed("indexes"),
            indexes_built_after({model: len(plan.new)}),
            self.phases.timed("insert"),
            Background() as background,
        ):
            inserter.insert_values([*given, *links, "id", "import_row"], rows, background)
        self.phases["indexes"] -= self.phases["insert"]
        progress(85, f"正在更新{len(plan.changed)}条记录")
        with self.phases.timed("update"):
            self._update(plan, note, actor_id)
        with self.phases.timed("statistics"):
            refresh_statistics({model: len(plan.new) + len(plan.changed)})
        if self.ledger.after_write is not None:
            # Read once by the hook: a county's rows are not copied into a list first.
            written = chain(
                ({**r.values, **r.links} for r in plan.new),
                ({**r.values, **r.links, **changed} for _, r, _, changed in plan.changed),
            )
            with self.phases.timed("after_write"):
                self.ledger.after_write(actor=self.actor, values=written, how="import")

    def _update(self, plan: Plan, note: str, actor_id: int | None) -> None:
        """The changed rows, each with its audit record (before and after)."""
        model = self.ledger.model
        groups: dict[frozenset[str], list[Any]] = {}
        records: list[dict[str, Any]] = []
        now = timezone.now()  # bulk_update does not fill auto_now fields
        label = model._meta.label_lower
        for pk, r, before, changed in plan.changed:
            obj = model(id=pk, updated_by_id=actor_id, updated_at=now, **changed)  # type: ignore[misc]
            groups.setdefault(frozenset(changed), []).append(obj)
            records.append(self._record(label, pk, r, plain(before), plain(changed), note))
        for names, objs in groups.items():
            model.objects.bulk_update(objs, [*names, "updated_by", "updated_at"], batch_size=BATCH)
        Inserter(AuditRecord, keyed=False).insert(records)

    def _record(
        self,
        label: str,
        pk: int,
        r: Row,
        before: dict[str, Any],
        after: dict[str, Any],
        note: str,
    ) -> dict[str, Any]:
        """The audit record of one changed row (inserted in bulk)."""
        shown = r.values.get("name") or r.values.get("head_name") or r.values.get("village")
        repr_ = f"{self.name} {shown or ''} 第{r.row}行".strip()
        info = current_request()
        return dict(
            actor_id=getattr(self.actor, "pk", None),
            request_id=info.request_id if info else "",
            ip=info.ip if info else "",
            action=AuditRecord.Action.UPDATE,
            object_type=label,
            object_id=str(pk),
            object_repr=repr_[:200],
            household_id=r.links.get("household_id"),
            region_id=r.links.get("region_id"),
            before=before,
            after=after,
            note=note[:500],
        )


def _picker(positions: list[int]) -> Any:
    """A row's cells → the tuple of those at `positions` (IndexError for a short row)."""
    if len(positions) == 1:
        return lambda cells: (cells[positions[0]],)
    return operator.itemgetter(*positions) if positions else lambda cells: ()


def _getter(keys: list[str]) -> Any:
    """dict → the tuple of its values at `keys` (None where one is missing)."""
    if not keys:
        return lambda d: ()
    pick = operator.itemgetter(*keys)
    if len(keys) == 1:
        return lambda d: (d.get(keys[0]),)

    def get(d: dict[str, Any]) -> tuple:
        try:
            return pick(d)  # type: ignore[no-any-return]
        except KeyError:
            return tuple(d.get(k) for k in keys)

    return get


def plain(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the audit trail keeps them (dates and decimals as text)."""
    return {k: audit.plain(v) for k, v in values.items()}
