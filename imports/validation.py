"""Validation of a registry workbook, all before any write (formats.md §1).

`Checker.read(table)` parses every row with the register's declared layout (registry.layouts) and
checks what the file alone can tell (codes, ID numbers, one 户主, household columns that agree);
`Checker.compare()` then loads what the database holds for the same 户编号 and 证件号码 and works
out what would change. Every fault is reported once, with the spreadsheet row, the column header as
written, the value and a Chinese reason (core.pipeline.Report). A row outside the user's region is
an error that names only the row and the 户编号: nobody learns another region's residents here.

A town or village clerk's export masks ID numbers (4202**********1234) and phones: such a row is
matched to the member already on the register by 户编号, name and the visible digits, and the
stored full values are kept — never revealed, never overwritten.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from core import codes, dates, idnumber
from core.batching import chunks, values_rows
from core.layout import CellError, HeaderMap, code, household_number, phone
from core.masking import mask_id
from core.pipeline import Report
from core.tabular import Table, number_text, text
from regions.models import Region
from registry import rules
from registry.bulk import HouseholdRows, PersonRow, Plan
from registry.layouts import HOUSEHOLD_KEYS, PERSON_KEYS, REGION_KEYS, REGISTER
from registry.models import RISK_SEPARATOR, Household, HouseholdEvent, Person
from registry.services import (
    TakenNumberLimit,
    refuse_taken_numbers,
    taken_number_limit,
    taken_numbers_left,
)

STATUS_FIELD_COLUMN = {
    "category": "category",
    "alleviated_year": "alleviated_year",
    "risks": "risks",
    "identified_date": "identified_date",
    "risk_eliminated": "risk_eliminated",
    "eliminated_date": "eliminated_date",
    "elimination_method": "elimination_method",
}
# The household cells each status rule reads: a cell that could not be read is reported once, and
# the rules that would judge its stand-in (blank) are not run on it.
STATUS_RULE_READS = {
    "category": {"category", "is_alleviated"},
    "alleviated_year": {"alleviated_year", "is_alleviated"},
    "risks": {"risks"},
    "identified_date": {"identified_date", "category"},
    "risk_eliminated": {"risk_eliminated", "category", "eliminated_date", "elimination_method"},
    "eliminated_date": {"eliminated_date", "identified_date", "risk_eliminated"},
    "elimination_method": {"elimination_method"},
}
# What the database holds for a household or a person, for the comparison.
HOUSEHOLD_FIELDS = ("region_id", "head_name", "member_count", "phone", *HOUSEHOLD_KEYS)
PERSON_FIELDS = (
    "household_id",
    "is_member",
    *(k for k in PERSON_KEYS if k != "id_number"),
    "birth_date",
)
PERSON_ROW = ("pk", "id_number", *PERSON_FIELDS)  # a stored person as the comparison reads it
AT = {name: i for i, name in enumerate(PERSON_ROW)}  # a stored person's value by field name
_PICKS: dict[tuple[str, ...], Callable[[Any], tuple]] = {}  # the file's keys → their values
I_PK, I_ID, I_NAME, I_HOUSEHOLD, I_MEMBER, I_RELATION = (
    AT[k] for k in ("pk", "id_number", "name", "household_id", "is_member", "relation")
)
Member = tuple[str, str, int, str]  # a stored member: 证件号码, 姓名, household pk, 与户主关系


def _defaults(model: Any, keys: Iterable[str]) -> dict[str, Any]:
    """The model's default for each field (what a new row gets when its column is absent)."""
    return {k: model._meta.get_field(k).get_default() for k in keys}


HOUSEHOLD_DEFAULTS = _defaults(Household, HOUSEHOLD_KEYS)
_PICK_HOUSEHOLD = operator.itemgetter(*HOUSEHOLD_DEFAULTS)  # a stored household's, in that order
# What _plan_household compares: those, and what it works out.
_PICK_PLANNED = operator.itemgetter(
    *HOUSEHOLD_DEFAULTS, "head_name", "phone", "member_count", "region_id"
)
# Masked values in a clerk's export: kept as stored.
MASKED_ID = re.compile(r"^(\w{4})\*{4,}(\w{4})$")
MASKED_PHONE = re.compile(r"^\d{3}\*{4,}\d{4}$")
KEEP = object()  # a masked cell: the stored value stays
COMBINATIONS = 50_000  # combinations of a person's cells kept parsed (Checker.read)
_UNREAD = object()  # a kept combination's stand-in for a cell parsed on every row
# The key of a second spelling of a column in the file (是否脱贫户 and 户类型: HeaderMap.also).
ALSO = "also:"


def _phone(raw: Any) -> Any:
    """A member's phone; a masked one (138****5678) keeps the stored number."""
    if raw.__class__ is str:
        if len(raw) == 11 and raw.isascii() and raw.isdigit() and raw[0] == "1" and raw[1] > "2":
            return raw  # a plain mobile number, as phone() would return it: most cells
        if "*" in raw and MASKED_PHONE.match(raw.strip()):
            return KEEP
    return phone(raw)


def _parser(key: str, header: HeaderMap) -> Callable[[Any], Any]:
    if key.startswith(ALSO):
        return REGISTER.variants[header.also[key.removeprefix(ALSO)][2]][1]
    variant = header.variants.get(key)
    if variant:
        return REGISTER.variants[variant][1]
    if key == "phone":
        return _phone
    return REGISTER.column(key).parse


class Checker:
    """Reads and checks one file; its `report` holds the errors and warnings."""

    def __init__(
        self,
        *,
        actor: Any = None,
        allowed_region: Region | None = None,
        create_regions: bool = False,
        today: dt.date | None = None,
        progress: Callable[[int, str], None] | None = None,
        report: Report | None = None,
    ) -> None:
        # Who reads the messages: another household's member is named only to one who may see
        # them in full (registry.services.clash_messages).
        self.actor = actor
        self.allowed_region = allowed_region
        self.create_regions = create_regions
        self.today = today or dates.today()
        self.progress = progress or (lambda pct, msg: None)
        self.report = report or Report(self.column_name)
        self.rows = 0
        self.households: dict[str, HouseholdRows] = {}
        self.ids: dict[str, int] = {}  # 证件号码 (or masked:户编号:姓名) → row
        # Rows whose number another household's member holds: (row, cell value, holder's pk).
        self.taken: list[tuple[int, str, int]] = []
        self.masked = 0  # rows whose 证件号码 is masked
        self.header: HeaderMap | None = None
        self.county_codes: tuple[str, ...] = ()
        self.structure_ok = True
        self.region_keys: list[str] = []
        self._household_parsers: dict[str, tuple[dict[Any, Any], Callable[[Any], Any]]] = {}
        self._relations: dict[Any, str] = {}  # a 与户主关系 cell read well → its code
        self._paths: dict[tuple, tuple[str, ...]] = {}  # region cells → their names
        self._parents: dict[int, int | None] = {}  # every region's parent, by pk
        # The last un-markings of the households un-marked before whose rows still fill the
        # ended marks' cells (`_ended_marks`), by pk.
        self._ended: dict[int, dict[str, dt.date]] = {}
        # A column given under two spellings: (the second's key, the column's key), per level.
        self._also: dict[str, list[tuple[str, str]]] = {"household": [], "person": []}
        self._blank_alleviated = "是否脱贫户为必填项，应填“是”或“否”"

    @property
    def errors(self) -> list[dict]:
        return self.report.errors

    @property
    def warnings(self) -> list[dict]:
        return self.report.warnings

    @property
    def row_messages(self) -> dict[int, list[str]]:
        return self.report.row_messages

    # -- reporting ---------------------------------------------------------------------------
    def column_name(self, key: str) -> str:
        """The column's header as the file writes it."""
        if self.header is not None and key in self.header.written:
            return self.header.written[key]
        if self.header is not None and key.startswith(ALSO):
            return self.header.also[key.removeprefix(ALSO)][1]
        return REGISTER.column(key).header if REGISTER.has(key) else key

    def error(self, row: int | None, key: str, value: Any, message: str) -> None:
        self.report.error(row, key, value, message)

    def warn(self, row: int | None, key: str, value: Any, message: str) -> None:
        self.report.warn(row, key, value, message)

    # -- the file alone ------------------------------------------------------------------------
    def read(self, table: Table, total_hint: int = 0) -> None:
        """Parse and check every row of the table."""
        header = REGISTER.map_headers(table.headers)
        self.header = header
        problems = header.problems(REGISTER.name)
        if problems:
            self.structure_ok = False
            required = "、".join(c.header for c in REGISTER.columns if c.required)
            self.error(table.header_row, "", "", f"{problems}（表头须含：{required}）")
            return
        if header.unknown:
            self.warn(
                table.header_row, "", "", "以下列不认识，已忽略：" + "、".join(header.unknown)
            )
        # Any county's code is at home on a server of several; a county without a code could be
        # anyone's, so then no number is warned about.
        codes = list(Region.objects.counties_of(None).order_by("pk").values_list("code", flat=True))
        self.county_codes = tuple(c[:6] for c in codes) if all(codes) else ()
        if header.variants.get("is_alleviated") == "户类型":
            self._blank_alleviated = "是否脱贫户为必填项，应填“脱贫户”或“一般农户”"
        # A column under both spellings: the second is read as a column of its own and must agree.
        pos = {**header.positions, **{ALSO + k: i for k, (i, _, _) in header.also.items()}}
        for k in header.also:
            self._also[REGISTER.column(k).level].append((ALSO + k, k))
        get_region = [(k, pos[k]) for k in REGION_KEYS if k in pos]
        self.region_keys = [k for k, _ in get_region]
        hh_keys = [k for k in (*HOUSEHOLD_KEYS, "exit_reason") if k in pos]
        hh_keys += [also for also, _ in self._also["household"]]
        spreads = header.spreads.get("risks", [])
        self._household_parsers = {k: ({}, _parser(k, header)) for k in (*hh_keys, "risks")}
        # Per column, each distinct cell is parsed once (a column holds a handful of values).
        special = {"name", "id_number", "relation"}
        person_columns: list[tuple[str, int, dict[Any, Any] | None, Callable[[Any], Any]]] = [
            (k, pos[k], {} if REGISTER.column(k).kind.memoise else None, _parser(k, header))
            for k in PERSON_KEYS
            if k in pos and k not in special
        ]
        person_columns += [
            (also, pos[also], {}, _parser(also, header)) for also, _ in self._also["person"]
        ]
        person_also = self._also["person"]
        # A person's cells but the phone repeat as a whole (a few thousand combinations in a
        # county): a combination read without an error is kept parsed, its values in the
        # layout's order with a stand-in for each cell that is parsed every time (the phone).
        every_time = [c for c in person_columns if c[2] is None]
        pick_combination = _picker([i for _, i, parsed, _ in person_columns if parsed is not None])
        combinations: dict[tuple, dict[str, Any]] = {}
        p_number, p_name, p_id, p_rel = (
            pos["number"],
            pos["name"],
            pos["id_number"],
            pos["relation"],
        )
        # Short rows (trailing blank cells not stored) are padded once, so cells index directly.
        width = max([*pos.values(), *spreads]) + 1
        last_number: tuple[Any, str, str] = (object(), "", "")  # raw cell, 户编号, its error
        if spreads:
            # 致贫风险1…5: their values, joined, stand in one more cell as 风险类型 would.
            pos = {**pos, "risks": width}
            hh_keys.append("risks")
        hh_columns = [(k, pos[k]) for k in hh_keys] + get_region
        pick_household = _picker([i for _, i in hh_columns])
        for row, cells in table.rows:
            self.rows += 1
            if self.rows % 20000 == 0:
                pct = min(45, 5 + int(40 * self.rows / total_hint)) if total_hint else 20
                self.progress(pct, f"已检查{self.rows}行")
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            if spreads:
                # The joined text is parsed (and folded) once per distinct value, like any cell.
                joined = "、".join([text(c) for c in [cells[i] for i in spreads] if c])
                cells = [*cells[:width], joined]
            raw_number = cells[p_number]
            if raw_number != last_number[0]:  # a household's rows follow each other
                try:
                    last_number = (raw_number, household_number(raw_number), "")
                except CellError as exc:
                    last_number = (raw_number, "", str(exc))
            number = last_number[1]
            if last_number[2]:
                self.error(row, "number", raw_number, last_number[2])
            elif not number:
                self.error(row, "number", "", "户编号为空")
            person = self._person(row, number, cells, p_name, p_id, p_rel)
            values = person.values
            combination = pick_combination(cells)
            known = combinations.get(combination)
            if known is None:
                read = self._cells(row, cells, person_columns, values)
                if read and len(combinations) < COMBINATIONS:
                    combinations[combination] = {
                        k: _UNREAD if parsed is None else values[k]
                        for k, _, parsed, _ in person_columns
                    }
            else:
                values.update(known)
                if not self._cells(row, cells, every_time, values):
                    for k, _, _, _ in every_time:  # a cell not read leaves no value
                        if values[k] is _UNREAD:
                            del values[k]
            if person_also:
                self._disagreeing(row, cells, pos, person_also, values)
            sex = person.values.get("sex")
            id_sex = person.values.pop("_id_sex", "")
            if sex and id_sex and sex != id_sex:
                self.error(row, "sex", sex, f"性别“{sex}”与证件号码（{id_sex}）不一致")
            if sex or id_sex or "sex" in pos:
                person.values["sex"] = sex or id_sex
            if not number:
                # No household to join, but its cells are checked all the same: every error once.
                self._household(row, "", cells, get_region, hh_keys, pos)
                continue
            hh = self.households.get(number)
            if hh is None:
                hh = self._household(row, number, cells, get_region, hh_keys, pos)
                hh.agreed = pick_household(cells)
                self.households[number] = hh
            elif pick_household(cells) != hh.agreed:
                # Later rows of a household only have to agree with its first row.
                self._agree(hh, row, cells, hh_columns)
            hh.persons.append(person)
        self.progress(45, f"已检查{self.rows}行")

    def _cells(
        self,
        row: int,
        cells: list[Any],
        columns: list[tuple[str, int, dict[Any, Any] | None, Callable[[Any], Any]]],
        values: dict[str, Any],
    ) -> bool:
        """Parse a person's `columns` of `cells` into `values`, reporting errors; whether every
        cell was read."""
        read = True
        for k, i, parsed, parse in columns:
            raw = cells[i]
            # Each distinct value once (a bad one each time, so every row is reported).
            if parsed is not None and raw in parsed:
                values[k] = parsed[raw]
                continue
            try:
                value = parse(raw)
            except CellError as exc:
                self.error(row, k, raw, str(exc))
                read = False
                continue
            values[k] = value
            if parsed is not None:
                parsed[raw] = value
        return read

    def _disagreeing(
        self,
        row: int,
        cells: list[Any],
        pos: dict[str, int],
        pairs: list[tuple[str, str]],
        values: dict[str, Any],
        unread: Collection[str] = (),
    ) -> None:
        """A column given under both spellings (是否脱贫户 and 户类型): the second's value leaves
        `values`; where both were read and say different things, that is an error naming both."""
        for also, key in pairs:
            other = values.pop(also, None)
            mine = values.get(key)
            if other is None or mine is None or other == mine or key in unread:
                continue
            first, second = self.column_name(key), self.column_name(also)
            self.error(
                row,
                also,
                cells[pos[also]],
                f"“{first}”为“{text(cells[pos[key]])}”，“{second}”为“{text(cells[pos[also]])}”，"
                "两列不一致",
            )

    def _household_value(self, key: str, raw: Any) -> Any:
        parser = self._household_parsers[key][1]
        value = parser(raw)
        if key == "is_alleviated" and value is None:
            raise CellError(self._blank_alleviated)
        if key in {"risk_eliminated", "no_labour"}:
            return bool(value)
        if key == "risks":
            return [r for r in codes.split_multi(value)]
        return value

    def _person(
        self, row: int, number: str, cells: list[Any], p_name: int, p_id: int, p_rel: int
    ) -> PersonRow:
        values: dict[str, Any] = {}
        name = text(cells[p_name])
        if not name:
            self.error(row, "name", "", "姓名为空")
        elif len(name) > 60:
            self.error(row, "name", name, f"姓名最多60个字，实为{len(name)}个字")
        values["name"] = name
        raw_id = cells[p_id]
        masked = None
        id_value = ""
        # The usual cell first: a plain, valid 18-digit number (idnumber.quick).
        good = idnumber.quick(raw_id, self.today) if raw_id.__class__ is str else None
        if good is None:
            id_text, problem = number_text(raw_id)
            masked = MASKED_ID.match(id_text.upper()) if not problem else None
            if masked:
                # A masked export: matched to the member on the register in compare().
                key = f"masked:{number}:{name}"
                self.masked += 1
                first = self.ids.get(key)
                if first is not None:
                    message = f"与第{first}行是同一户的同名成员，无法区分"
                    self.error(row, "id_number", raw_id, message)
                else:
                    self.ids[key] = row
            elif problem:
                id_value = idnumber.normalize(id_text)
                self.error(row, "id_number", raw_id, problem)
            else:
                result = idnumber.check(id_text, today=self.today, convert_15=True)
                id_value = result.value
                for message in result.errors:
                    self.error(row, "id_number", raw_id, message)
                for message in result.warnings:
                    self.warn(row, "id_number", raw_id, message)
                if result.ok:
                    assert result.birth_date is not None
                    good = (result.value, result.birth_date, result.sex)
        if good is not None:
            id_value, values["birth_date"], values["_id_sex"] = good
            warning = rules.area_code_warning(id_value, self.county_codes)
            if warning:
                self.warn(row, "id_number", raw_id, warning)
            first = self.ids.get(id_value)
            if first is not None:
                self.error(row, "id_number", raw_id, f"证件号码与第{first}行重复")
            else:
                self.ids[id_value] = row
        raw_rel = cells[p_rel]
        relation = self._relations.get(raw_rel)
        if relation is None:
            try:
                relation = code("relation", raw_rel)
            except CellError as exc:
                self.error(row, "relation", raw_rel, str(exc))
                relation = ""
            else:
                if relation:
                    self._relations[raw_rel] = relation
                else:
                    self.error(row, "relation", "", "与户主关系为空")
        values["relation"] = relation
        person = PersonRow(row, number, id_value, values)
        if masked:
            person.masked = (masked.group(1), masked.group(2))
        return person

    def _household(
        self,
        row: int,
        number: str,
        cells: list[Any],
        get_region: list[tuple[str, int]],
        hh_keys: list[str],
        pos: dict[str, int],
    ) -> HouseholdRows:
        raw_path = tuple([cells[i] for _, i in get_region])
        path = self._paths.get(raw_path)
        if path is None:
            path = tuple([text(c) for c in raw_path])
            blank = [k for (k, _), name in zip(get_region, path, strict=True) if not name]
            for k in blank:
                if REGISTER.column(k).required:
                    self.error(row, k, "", f"{self.column_name(k)}为空")
            # A few thousand paths in a county, each read once (text cells only: 1 == True).
            if not blank and all(c.__class__ is str for c in raw_path):
                self._paths[raw_path] = path
        values: dict[str, Any] = {}
        raw_cells: dict[str, Any] = {}
        unread: set[str] = set()
        for k in hh_keys:
            raw = raw_cells[k] = cells[pos[k]]
            parsed = self._household_parsers[k][0]
            if raw in parsed:
                values[k] = parsed[raw]
                continue
            try:
                values[k] = parsed[raw] = self._household_value(k, raw)
            except CellError as exc:
                self.error(row, k, raw, str(exc))
                values[k] = HOUSEHOLD_DEFAULTS.get(k)
                unread.add(k)
        for k, i in get_region:
            raw_cells[k] = cells[i]
        if self._also["household"]:
            self._disagreeing(row, cells, pos, self._also["household"], values, unread)
        exit_reason = values.pop("exit_reason", "") or ""
        hh = HouseholdRows(number, row, path, values, raw_cells)
        hh.exit_reason = exit_reason
        hh.unread = unread
        return hh

    def _agree(
        self,
        hh: HouseholdRows,
        row: int,
        cells: list[Any],
        columns: list[tuple[str, int]],
    ) -> None:
        for key, i in columns:
            value, first = cells[i], hh.cells[key]
            if value == first:
                continue
            if not self._same_value(key, value, first):
                self.error(
                    row,
                    key,
                    value,
                    f"同一户编号{hh.number}的“{self.column_name(key)}”与第{hh.first_row}行不一致"
                    f"（第{hh.first_row}行为“{text(first)}”，第{row}行为“{text(value)}”）",
                )

    def _same_value(self, key: str, value: Any, first: Any) -> bool:
        """Whether two different cells of a household column say the same thing: the same text,
        or the same value as the column reads it (5000 and 5000.00, 202203 and 2022-03, 因灾 and
        因自然灾害, 因病、因残 and 因残,因病), each cell parsed once through the column's memo."""
        if codes.fold(text(value)) == codes.fold(text(first)):
            return True
        if key not in self._household_parsers:  # a region's name: its text
            return False
        memo = self._household_parsers[key][0]
        try:
            for raw in (value, first):
                if raw not in memo:
                    memo[raw] = self._household_value(key, raw)
        except CellError:
            return False  # a cell that cannot be read agrees with nothing
        mine, theirs = memo[value], memo[first]
        if isinstance(mine, list):  # a multi-valued column (风险类型): its order says nothing
            return sorted(mine) == sorted(theirs)
        return bool(mine == theirs)

    # -- against the database ------------------------------------------------------------------
    def compare(self) -> Plan:
        """Check regions, scope and ID numbers against the database and plan the changes."""
        plan = Plan()
        if not self.structure_ok:
            return plan
        self.progress(50, "正在核对区划")
        self._regions(plan)
        self.progress(55, "正在读取系统中已有的户和成员")
        existing = self._load_households()
        allowed = self.allowed_region.path if self.allowed_region else "/"
        outside = {n for n, v in existing.items() if not v["region__path"].startswith(allowed)}
        plan.existing_households = {n: v["pk"] for n, v in existing.items()}
        plan.existing_regions = {v["pk"]: v["region_id"] for v in existing.values()}
        numbers_by_pk = {v["pk"]: n for n, v in existing.items()}
        in_scope = {pk for pk, n in numbers_by_pk.items() if n not in outside}
        stored = self._all_persons()
        if stored is None:
            members = self._load_members(in_scope)
        else:  # the whole table was read once: its members need no second scan
            # Unmasking looks at every member; otherwise only those the file leaves out matter
            # (tested first: a re-sync names nearly everyone).
            ids = self.ids
            members = [
                (r[I_ID], r[I_NAME], r[I_HOUSEHOLD], r[I_RELATION])
                for r in stored
                if (self.masked or r[I_ID] not in ids)
                and r[I_MEMBER]
                and r[I_HOUSEHOLD] in in_scope
            ]
        if self.masked:
            self._unmask(members, numbers_by_pk)
        persons, where = self._load_persons(existing, stored)
        self._ended = self._ended_marks(existing)
        in_file_ids = set(self.ids)
        # Members still on the register for households in the file, but missing from the file:
        # they stay, and a 户主 among them is one of the household's after the import.
        staying: dict[int, int] = {}
        staying_heads: dict[int, list[Member]] = {}
        for member in members:
            id_number, name, household_id, relation = member
            if id_number in in_file_ids:
                continue
            number = numbers_by_pk[household_id]
            staying[household_id] = staying.get(household_id, 0) + 1
            if relation == "户主":
                staying_heads.setdefault(household_id, []).append(member)
            self.warn(
                self.households[number].first_row,
                "id_number",
                "",
                f"户编号{number}的成员{name}（{mask_id(id_number)}）"
                "在系统中但不在文件中，未删除；如已减少请在系统中办理成员减少",
            )
        self.progress(65, "正在比对变化")
        for number, hh in self.households.items():
            before = existing.get(number)
            if number in outside:
                self.error(hh.first_row, "number", number, f"户编号{number}不在您的管辖范围内")
                continue
            household_pk = before["pk"] if before else None
            self._check_heads(hh, staying_heads.get(household_pk, ()) if household_pk else ())
            self._plan_household(plan, hh, before, staying, persons)
            for person in hh.persons:
                if not person.id_number:
                    continue  # a masked number that matched nobody: reported by _unmask
                self._plan_person(
                    plan, hh, person, household_pk, persons.get(person.id_number), where
                )
        if self.taken:
            self._refuse_taken()
        elif plan.persons_new and taken_numbers_left(self.actor) == 0:
            # Past the day's limit a file of new numbers is refused whether or not one is taken:
            # an answer that differs would confirm each guess (registry.services).
            self.error(None, "id_number", "", taken_number_limit().messages[0])
        return plan

    def _refuse_taken(self) -> None:
        """Refuse the rows whose number a member of another household holds, as the register's
        own form does (registry.services): the holder named only to a user who may see them in
        full, and each try that names nobody logged, as it confirms a guessed number."""
        holders = {
            p.pk: p
            for chunk in chunks([pk for _, _, pk in self.taken])
            for p in Person.objects.filter(pk__in=chunk).select_related("household")
        }
        try:
            messages = refuse_taken_numbers(
                self.actor, holders.values(), where="导入文件中", who="上传人"
            )
        except TakenNumberLimit as exc:
            self.error(None, "id_number", "", exc.messages[0])
            return
        for row, value, pk in self.taken:
            self.error(
                row,
                "id_number",
                value,
                f"{messages[pk]}；如要迁户，请在文件中同时列出原户的全部成员（不含此人），"
                "导入时将其迁入本户",
            )

    def _check_heads(self, hh: HouseholdRows, stored_heads: Collection[Member]) -> None:
        """Exactly one 户主 in the household as the import leaves it: the file's rows and the
        stored members the file leaves out (`stored_heads`: the 户主 among them), who stay."""
        relations = [p.values.get("relation", "") for p in hh.persons]
        if "" in relations:
            return  # a bad or blank relation is already reported on its own row
        if stored_heads and any(not p.id_number for p in hh.persons):
            # A masked number that matched nobody (reported) may be the stored 户主's row.
            stored_heads = ()
        problem = rules.check_member_set(relations + ["户主"] * len(stored_heads))
        if not problem:
            return
        rows = [p.row for p in hh.persons if p.values.get("relation") == "户主"]
        where = []
        if len(rows) > 1 or (rows and stored_heads):
            where.append(f"户主在第{'、'.join(map(str, rows))}行")
        where += [
            f"系统中的户主{name}（{mask_id(id_number)}）不在文件中，仍是该户成员"
            for id_number, name, _, _ in stored_heads
        ]
        message = f"户编号{hh.number}：{problem}"
        if where:
            message += f"（{'；'.join(where)}）"
        if stored_heads:
            message += (
                "；如已更换户主，请在文件中列出原户主并修改其与户主关系，"
                "或先在系统中为原户主办理成员减少或迁出"
            )
        self.error(hh.first_row, "relation", "", message)

    def _unmask(self, members: list[Member], numbers: dict[int, str]) -> None:
        """Match masked rows to the members on the register (户编号, name, visible digits)."""
        by_household: dict[tuple[str, str], list[str]] = {}
        for id_number, name, household_id, _ in members:
            by_household.setdefault((numbers[household_id], name), []).append(id_number)
        for hh in self.households.values():
            for person in hh.persons:
                if person.masked is None:
                    continue
                head, tail = person.masked
                found = [
                    n
                    for n in by_household.get((hh.number, person.values["name"]), [])
                    if n.upper().startswith(head) and n.upper().endswith(tail)
                ]
                if len(found) == 1:
                    person.id_number = found[0]
                    self.ids[found[0]] = person.row
                else:
                    self.error(
                        person.row,
                        "id_number",
                        f"{head}****{tail}",
                        f"证件号码已脱敏，在户编号{hh.number}中找不到姓名和号码都相符的成员；"
                        "新增成员请填写完整证件号码",
                    )

    def _regions(self, plan: Plan) -> None:
        rows = list(Region.objects.values_list("pk", "name", "parent_id", "path"))
        self._parents = {pk: parent for pk, _, parent, _ in rows}
        child: dict[tuple[int | None, str], int] = {
            (parent, name): pk for pk, name, parent, _ in rows
        }
        paths = {pk: path for pk, _, _, path in rows}
        counties = [name for _, name, parent, _ in rows if parent is None]
        allowed = self.allowed_region.path if self.allowed_region else "/"
        to_create: set[tuple[str, ...]] = set()
        # A county's households share a few thousand region paths: each found (or planned) once.
        known: dict[tuple[str, ...], tuple[str, ...]] = {}
        for hh in self.households.values():
            found_path = known.get(hh.region_path)
            if found_path is not None:
                hh.full_path = found_path
                continue
            names = dict(zip(self.region_keys, hh.region_path, strict=True))
            if not (names.get("town") and names.get("village")):
                continue  # already reported as a blank cell
            county = names.get("county") or (counties[0] if len(counties) == 1 else "")
            if not county:
                # A county's name cannot be guessed: none, or which of several.
                message = (
                    "系统中还没有县(市、区)，请在文件中填写“县(市、区)”列，以便建立区划"
                    if not counties
                    else "系统中的县(市、区)不是唯一一个，请填写“县(市、区)”列"
                )
                self.error(hh.first_row, "county", "", message)
                continue
            path: tuple[str, ...] = (county, names["town"], names["village"])
            if names.get("group"):
                path = (*path, names["group"])
            hh.full_path = path
            parent: int | None = None
            missing_at = None
            for depth, name in enumerate(path):
                found = child.get((parent, name))
                if found is None:
                    missing_at = depth
                    break
                parent = found
                plan.region_ids[path[: depth + 1]] = found
            deepest = paths[parent] if parent else "/"
            if missing_at is None and parent is not None:
                plan.region_ids[path] = parent
                if deepest.startswith(allowed):
                    known[hh.region_path] = path
                self._scope_region(hh, deepest, allowed)
                continue
            depth = missing_at or 0
            key = REGION_KEYS[depth]
            if not deepest.startswith(allowed):
                self.error(
                    hh.first_row,
                    key,
                    path[depth],
                    f"区划“{'/'.join(path[: depth + 1])}”在系统中不存在，"
                    f"且不在您的管辖范围（{self.allowed_region}）内，不能新建",
                )
            elif self.create_regions:
                for end in range(depth + 1, len(path) + 1):
                    if path[:end] not in to_create:
                        to_create.add(path[:end])
                        plan.regions_to_create.append(path[:end])
                known[hh.region_path] = path  # the next household here needs nothing more
            else:
                self.error(
                    hh.first_row,
                    key,
                    path[depth],
                    f"区划“{'/'.join(path[: depth + 1])}”在系统中不存在；"
                    "如需新建，请在预览页勾选“创建区划”（命令行加 --create-regions）",
                )

    def _scope_region(self, hh: HouseholdRows, path: str, allowed: str) -> None:
        if not path.startswith(allowed):
            self.error(
                hh.first_row,
                "town",
                "/".join(hh.region_path),
                f"该户所在区划不在您的管辖范围（{self.allowed_region}）内",
            )

    def _load_households(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        if not Household.objects.exists():
            return out
        names = ("pk", "number", "region__path", *HOUSEHOLD_FIELDS)
        for values in _rows_by_key(Household.objects.all(), names, "number", self.households):
            out[values[1]] = dict(zip(names, values, strict=True))
        return out

    def _all_persons(self) -> list[tuple] | None:
        """Every stored person (PERSON_ROW) when the file names most of them (a county's re-sync:
        one scan serves the members and the persons); None to look them up by number."""
        total = Person.objects.count()
        if not total or len(self.ids) * 2 < total:
            return None
        return list(values_rows(Person.objects.order_by(), PERSON_ROW))

    def _load_persons(
        self, existing: dict[str, dict[str, Any]], stored: list[tuple] | None
    ) -> tuple[dict[str, tuple], dict[int, str]]:
        """(the stored persons (PERSON_ROW) named in the file, by 证件号码; each one's household
        number, by household pk)."""
        out: dict[str, tuple] = {}
        ids = {i for i in self.ids if not i.startswith("masked:")} if self.masked else self.ids
        if stored is not None:
            out = {values[I_ID]: values for values in stored if values[I_ID] in ids}
        elif Person.objects.exists():
            for values in _rows_by_key(Person.objects.all(), PERSON_ROW, "id_number", ids):
                out[values[I_ID]] = values
        # From the households already read (a join would cost a re-sync seconds); those of
        # households not in the file in one query.
        where = {v["pk"]: number for number, v in existing.items()}
        others = set(map(operator.itemgetter(I_HOUSEHOLD), out.values())) - where.keys()
        for chunk in chunks(others):
            where.update(Household.objects.filter(pk__in=chunk).values_list("pk", "number"))
        return out, where

    def _ended_marks(self, existing: dict[str, dict[str, Any]]) -> dict[int, dict[str, dt.date]]:
        """The last un-markings (`HouseholdEvent.last_ends`) of the stored households without a
        mark whose rows still fill that mark's cells: the file that un-marked them, imported again.
        Read for those only (most of a county's rows fill none)."""
        pks = [
            before["pk"]
            for number, before in existing.items()
            if _fills_ended_mark(self.households[number].values, before)
        ]
        ends: dict[int, dict[str, dt.date]] = {}
        for part in chunks(pks):
            ends |= HouseholdEvent.objects.filter(household_id__in=part).last_ends()
        return ends

    def _load_members(self, household_pks: set[int]) -> list[Member]:
        names = ("id_number", "name", "household_id", "relation")
        members = Person.objects.filter(is_member=True)
        return list(_rows_by_key(members, names, "household_id", household_pks))

    def _plan_household(
        self,
        plan: Plan,
        hh: HouseholdRows,
        before: dict[str, Any] | None,
        staying: dict[int, int],
        persons: dict[str, tuple],
    ) -> None:
        # The stored (or default) values, in HOUSEHOLD_DEFAULTS' order, overlaid by the file's.
        if before:
            after = dict(zip(HOUSEHOLD_DEFAULTS, _PICK_HOUSEHOLD(before), strict=True))
        else:
            after = dict(HOUSEHOLD_DEFAULTS)
        after.update(hh.values)
        if "risks" in hh.values:
            after["risks"] = _risk_text(hh.values["risks"])
        marks = before
        if before and before["pk"] in self._ended:
            # Un-marked before (by this very file, imported again): its cells of the ended mark
            # are set aside as they were then, so the import changes nothing.
            ends = self._ended[before["pk"]]
            marks = before | {
                "category": before["category"] or "exited" in ends,
                "is_alleviated": before["is_alleviated"] or "unalleviated" in ends,
            }
        if marks and (marks["category"] or marks["is_alleviated"]):
            # (Asked of the marked households only: most of a county's are not.)
            self._unmark(hh, marks, after)
        head = next((p for p in hh.persons if p.values.get("relation") == "户主"), None)
        if head is None and before:
            # The stored 户主 stays (compare() checks that the household has one): so do the
            # household's head name and phone, which are theirs.
            after["head_name"], after["phone"] = before["head_name"], before["phone"]
        else:
            after["head_name"] = head.values["name"] if head else ""
            after["phone"] = _head_phone(head, persons)
        after["member_count"] = len(hh.persons) + (staying.get(before["pk"], 0) if before else 0)
        after["region_id"] = plan.region_ids.get(hh.full_path)
        if before and "group" not in self.region_keys:
            # Without a 村民小组 column a household stays in its 组 of the village the file
            # names, as any absent column keeps its stored value.
            stored = before["region_id"]
            if after["region_id"] is not None and self._parents.get(stored) == after["region_id"]:
                after["region_id"] = stored
        status_after = _status(after)
        for field_name, message in rules.check_status(status_after, self.today).items():
            if hh.unread & STATUS_RULE_READS.get(field_name, {field_name}):
                continue
            key = STATUS_FIELD_COLUMN.get(field_name, "category")
            if key not in hh.values and "category" in hh.values:
                key = "category"
            self.error(hh.first_row, key, hh.cells.get(key, ""), message)
        if hh.exit_reason:
            plan.exit_reasons[hh.number] = hh.exit_reason
        if before is None:
            plan.households_new.append((hh, after))
            plan.status[hh.number] = (None, status_after)
            return
        # Most households of a re-sync are unchanged: compared at once, field by field if not.
        same = _PICK_PLANNED(before) == _PICK_PLANNED(after)
        changed = {} if same else {k: v for k, v in after.items() if before[k] != v}
        if changed:
            plan.households_changed.append(
                (before["pk"], hh, {k: before[k] for k in changed}, changed)
            )
            status_before = _status(before)
            if status_before != status_after:
                plan.status[hh.number] = (status_before, status_after)
        else:
            plan.households_unchanged += 1

    def _unmark(self, hh: HouseholdRows, before: dict[str, Any], after: dict[str, Any]) -> None:
        """A mark the file clears (formats.md §1: an un-marking) takes its fields along, as they
        are when the file lacks their columns. Cells the file still fills for them (an exported
        register with only 监测对象类别 blanked, or 是否脱贫户 set to 否) recorded the mark that
        ends: they are ignored with a warning, not refused as a non-monitored household's."""
        ignored: dict[str, list[str]] = {}
        for k, v in rules.cleared_with_mark(before, after).items():
            if hh.values.get(k):  # what a mark clears is blank: a filled cell is its record
                mark = "category" if k in rules.CLEARED_MONITORING else "is_alleviated"
                ignored.setdefault(mark, []).append(f"“{self.column_name(k)}”")
            after[k] = v
        for mark, columns in ignored.items():
            cleared = "已清除监测对象类别" if mark == "category" else "已将是否脱贫户改为否"
            self.warn(
                hh.first_row,
                mark,
                hh.cells.get(mark, ""),
                f"户编号{hh.number}{cleared}，该户的{''.join(columns)}不再适用，已忽略",
            )

    def _plan_person(
        self,
        plan: Plan,
        hh: HouseholdRows,
        person: PersonRow,
        household_pk: int | None,
        before: tuple | None,
        where: dict[int, str],
    ) -> None:
        if before is None:
            # An absent column (and a kept, masked value) takes the field's default when the row
            # is written (core.fastinsert); is_member's is True. The values themselves are the
            # row unless a masked one must go (a copy per person: half a second for a county).
            after = person.values
            if KEEP in after.values():
                after = {k: v for k, v in after.items() if v is not KEEP}
            plan.persons_new.append((person, after))
            return
        # Most persons of a re-sync are unchanged: their values, in the file's order, are
        # compared with the stored row's at once; only a difference is looked at field by field.
        values = person.values
        keys = tuple(values)
        pick = _PICKS.get(keys)
        if pick is None:
            pick = _PICKS[keys] = _picker([AT.get(k, I_PK) for k in keys])
        same = pick(before) == tuple(values.values())
        changed = (
            {}
            if same
            else {
                k: v for k, v in values.items() if v is not KEEP and k in AT and before[AT[k]] != v
            }
        )
        if not before[I_MEMBER]:
            changed["is_member"] = True
        if before[I_HOUSEHOLD] != household_pk:
            if where[before[I_HOUSEHOLD]] not in self.households:
                value = person.id_number if person.masked is None else mask_id(person.id_number)
                self.taken.append((person.row, value, before[I_PK]))
                return
            plan.moves[before[I_PK]] = before[I_HOUSEHOLD]
            # None for a new household: filled in once it exists
            changed["household_id"] = household_pk
        if changed:
            plan.persons_changed.append(
                (before[I_PK], person, {k: before[AT[k]] for k in changed}, changed)
            )
        else:
            plan.persons_unchanged += 1


def _fills_ended_mark(values: dict[str, Any], before: dict[str, Any]) -> bool:
    """Whether a stored household's row (`values`) leaves out a mark the household lacks yet
    fills that mark's cells: 监测对象类别 blank with 识别监测时间, 风险类型…, or 是否脱贫户 not 是
    with 脱贫年度."""
    monitoring = not before["category"] and not values.get("category")
    if monitoring and any(values.get(k) for k in rules.CLEARED_MONITORING):
        return True
    return (
        not before["is_alleviated"]
        and not values.get("is_alleviated")
        and bool(values.get("alleviated_year"))
    )


def _picker(positions: list[int]) -> Callable[[Any], tuple]:
    """The items at `positions` of a row, as a tuple (also for one position, or none)."""
    if len(positions) == 1:
        at = positions[0]
        return lambda cells: (cells[at],)
    if not positions:
        return lambda cells: ()
    return operator.itemgetter(*positions)


def _rows_by_key(
    qs: QuerySet, names: tuple[str, ...], key: str, wanted: Collection[Any]
) -> Iterator[tuple]:
    """The rows of `qs` whose `key` (one of `names`) is in `wanted`. A file naming most of the
    table (a county's monthly re-sync) reads it whole once rather than in thousands of `IN`
    lists, whose values Django prepares one by one."""
    qs = qs.order_by()
    if len(wanted) * 2 >= qs.count():
        at = names.index(key)
        wanted = wanted if isinstance(wanted, set | frozenset | dict) else set(wanted)
        for values in values_rows(qs, names):
            if values[at] in wanted:
                yield values
        return
    for chunk in chunks(wanted):
        yield from values_rows(qs.filter(**{f"{key}__in": chunk}), names)


def _head_phone(head: PersonRow | None, persons: dict[str, tuple]) -> str:
    """The household's phone: its 户主's after the import (formats.md §1), blank when the 户主 has
    none. A masked cell or an absent column keeps the 户主's stored number, so that is the one."""
    if head is None:
        return ""  # no 户主: already an error
    phone = head.values.get("phone", KEEP)
    if phone is KEEP:
        stored = persons.get(head.id_number)
        return stored[AT["phone"]] if stored else ""
    return str(phone)


def _risk_text(risks: list[str]) -> str:
    return f"{RISK_SEPARATOR}{RISK_SEPARATOR.join(risks)}{RISK_SEPARATOR}" if risks else ""


def _status(values: dict[str, Any]) -> rules.HouseholdStatus:
    risks = values["risks"]
    return rules.HouseholdStatus(
        is_alleviated=bool(values["is_alleviated"]),
        alleviated_year=values["alleviated_year"],
        category=values["category"] or "",
        risks=[r for r in risks.split(RISK_SEPARATOR) if r] if isinstance(risks, str) else risks,
        identified_date=values["identified_date"],
        risk_eliminated=bool(values["risk_eliminated"]),
        eliminated_date=values["eliminated_date"],
        elimination_method=values["elimination_method"] or "",
    )
