"""Declared layouts: one declaration per table (the register's, and every ledger's).

A `Layout` lists its `Column`s. Each column says its header and aliases, whether it is required,
its level (region / household / person / row), its cell kind (the parser, the formatter, the form
field and the API type: a code table, a date, a month, money, an ID number, a phone, text…),
whether it is sensitive (masked unless the user may see it), whether it is part of the key, and
whether the figures are broken down by it ("by"). Imports, exports, forms, list columns and
filters, the API schema and the figures are derived from it (formats.md §1, §6, §7), so a table's
vocabulary is written once.

Cells are read as users' spreadsheets hold them (numbers for ID numbers, Excel serial dates,
full-width characters, trailing spaces; `core.tabular.text`). A bad cell raises `CellError` with
the Chinese reason; callers add the row and the column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core import codes, idnumber
from core.codes import fold
from core.masking import mask_id, mask_numbers, mask_phone
from core.tabular import free_text, is_blank, number_text, text, to_date
from core.xlsxparts import FoundError

ERROR_HEADER = "错误说明"
TOTAL_MARKERS = frozenset({"合计", "总计", "小计"})
MAX_MONEY = Decimal("1e10")  # ledgers store money as DECIMAL(12, 2)


class CellError(ValueError):
    """A cell that cannot be read; the message is the Chinese reason."""


# -- cell parsers (shared, memoised: a column holds a handful of distinct values) ---------------

_YES = {"是": True, "否": False, "Y": True, "N": False, "1": True, "0": False}


@lru_cache(maxsize=8192)
def yes_no(value: Any, *, blank: bool | None = None) -> bool | None:
    s = fold(text(value)).upper()
    if not s:
        return blank
    if s in _YES:
        return _YES[s]
    raise CellError(f"应填“是”或“否”，实为“{s}”")


@lru_cache(maxsize=8192)
def code(table: str, value: Any) -> str:
    """A code-table value (aliases accepted); an unknown one names the nearest valid value, a
    retired one says so. Memoised: the tables in effect are current when a request or an
    import starts (`codes.ensure_current`), and a change clears the memo (`codes.on_change`)."""
    s = text(value)
    if not s:
        return ""
    found = codes.lookup(table, s)
    if found is None:
        gone = codes.retired(table, s)
        if gone is not None:
            raise CellError(f"“{s}”已停用（代码表“{codes.title(table)}”），不能再填报")
        hint = codes.suggest(table, s)
        raise CellError(f"“{s}”不在代码表中" + (f"，是否应为“{hint}”？" if hint else ""))
    return found


@lru_cache(maxsize=8192)
def code_tuple(table: str, value: Any) -> tuple[str, ...]:
    """A multi-valued code cell (“因病、因残”), each part checked, duplicates dropped."""
    out: list[str] = []
    for part in codes.split_multi(text(value)):
        found = code(table, part)
        if found not in out:
            out.append(found)
    return tuple(out)


codes.on_change(code.cache_clear)
codes.on_change(code_tuple.cache_clear)


FIRST_YEAR, LAST_YEAR = 1900, 2100  # a date cell outside them is a slip (0024, 2204, serial 1)


def date(value: Any) -> dt.date | None:
    try:
        day = to_date(value)
    except ValueError as exc:
        raise CellError(
            f"“{text(value)}”不是有效日期（应为YYYY-MM-DD、YYYY-MM、YYYYMM或Excel日期）"
        ) from exc
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        shown = text(value)
        read = "" if shown == day.isoformat() else f"读作{day.isoformat()}，"
        raise CellError(f"“{shown}”不是有效日期（{read}年份应在{FIRST_YEAR}—{LAST_YEAR}之间）")
    return day


_MONTH = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$")


def month(value: Any) -> str:
    """A month as YYYY-MM (from 2023-12, 2023/12, 202312, 2023年12月 or an Excel date)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}"
    s = text(value)
    if not s:
        return ""
    m = _MONTH.match(s) if not (s.isdigit() and len(s) == 5) else None  # 45261: an Excel serial
    if m and 1 <= int(m.group(2)) <= 12 and 2000 <= int(m.group(1)) <= 2100:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    try:
        day = to_date(value if not s.isdigit() else int(s))
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise CellError(f"“{s}”不是有效月份（应为YYYY-MM，如2023-12）")
    return f"{day:%Y-%m}"


def year(value: Any, low: int = 1949, high: int = 2100) -> int | None:
    """A calendar year: 2024, or as a ledger writes it, 2024年 or 2024年度, or as a program
    writes a column of numbers with blanks in it, 2024.0."""
    s = text(value)
    if not s:
        return None
    found = re.fullmatch(r"(\d{4})(?:\.0+|年度?)?", s)
    if found is None:
        raise CellError(f"应为四位年份，实为“{s}”")
    number = int(found.group(1))
    if not low <= number <= high:
        raise CellError(f"年份应在{low}—{high}之间，实为{number}")
    return number


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,5})?$")


def phone(value: Any) -> str:
    s, problem = number_text(value)
    s = s.replace(" ", "")
    if problem:
        raise CellError(problem)
    if s and not (_MOBILE.match(s) or _LANDLINE.match(s)):
        raise CellError(f"“{s}”应为11位手机号或带区号的固定电话")
    return s


CENT = Decimal("0.01")
# A number as typed: digits, a point, a sign; thousands separators only every three digits.
_TYPED_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?")


def _ungrouped(s: str) -> str:
    """A typed number without its thousands separators (1,000.50 → 1000.50). Anything else that
    is not plain digits and a point is refused: 1,5 is not 15, nor 1e3 a thousand, nor 100元 a
    hundred."""
    if not _TYPED_NUMBER.fullmatch(s) or not any(c.isdigit() for c in s):
        if "," in s and _TYPED_NUMBER.fullmatch(s.replace(",", "")):
            raise CellError(f"“{s}”的千位分隔符位置不对（应每三位一个，如12,345.67）")
        raise CellError(f"“{s}”不是数字")
    return s.replace(",", "")


def decimal(value: Any, places: int = 2, low: Decimal | None = Decimal(0)) -> Decimal | None:
    """A number with at most `places` decimals (≥ `low`); thousands separators accepted.

    A float (a cell Excel computed, such as 1050.0000000000002) is read at 15 significant
    digits, what Excel itself shows.
    """
    written = isinstance(value, str)  # typed: its commas and its form are the user's
    if isinstance(value, float):
        value = f"{value:.15g}"
    s = text(value)
    if not s:
        return None
    plain = _ungrouped(s) if written else s.replace(",", "")
    try:
        number = Decimal(plain)
    except InvalidOperation as exc:
        raise CellError(f"“{s}”不是数字") from exc
    if not number.is_finite():
        raise CellError(f"“{s}”不是数字")
    if low is not None and number < low:
        raise CellError(f"不能为负数（{s}）" if low == 0 else f"不能小于{low}（{s}）")
    if number >= MAX_MONEY:
        raise CellError(f"“{s}”过大")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        rounded = number.quantize(Decimal(1).scaleb(-places))
        if rounded != number:
            raise CellError(f"“{s}”最多保留{places}位小数")
    return number.quantize(Decimal(1).scaleb(-places))


def integer(value: Any, low: int = 0, high: int = 10**9) -> int | None:
    s = text(value)
    if not s:
        return None
    # 76.0: as a program writes a column of numbers with blanks in it (pandas), as `year` reads it
    found = re.fullmatch(r"(-?[\d,]+)(?:\.0+)?", s)
    if found is None:
        raise CellError(f"“{s}”应为整数")
    number = int(_ungrouped(found.group(1)))
    if not low <= number <= high:
        raise CellError(f"应在{low}—{high}之间，实为{number}")
    return number


_HOUSEHOLD_NUMBER = re.compile(r"^\d{10,20}$")


def household_number(value: Any) -> str:
    """户编号: the national household number, 10–20 digits (leading zeros kept)."""
    s, problem = number_text(value)
    if problem:
        raise CellError(problem)
    if s and not _HOUSEHOLD_NUMBER.match(s):
        raise CellError(f"户编号“{s}”应为10—20位数字")
    return s


def id_number(value: Any, today: dt.date | None = None) -> str:
    """证件号码: an 18-digit resident ID (check digit, birth date) or a 20/22-char 残疾人证号."""
    s, problem = number_text(value)
    if problem:
        raise CellError(problem)
    if not s:
        return ""
    result = idnumber.check(s, today=today, convert_15=True)
    if result.errors:
        raise CellError("；".join(result.errors))
    return result.value


# -- cell kinds ---------------------------------------------------------------------------------


class Kind:
    """How a column's cells are read, written, edited and described."""

    python_type: type = str
    #: Parse each distinct raw cell once per file (most columns repeat a few values).
    memoise = True

    def parse(self, raw: Any) -> Any:
        return text(raw)

    def cell(self, value: Any) -> Any:
        """The value as an export writes it (dates as dates, numbers as numbers)."""
        return "" if value is None else value

    def display(self, value: Any) -> str:
        """The value as a list, a print or a message shows it."""
        if value is None or value == "":
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dt.date):
            return f"{value:%Y-%m-%d}"
        return str(value)

    def form_field(self, column: Column) -> forms.Field:
        return forms.CharField(label=column.header, required=column.required, max_length=200)

    def choices(self) -> list[tuple[str, str]] | None:
        """Values a list filter offers, or None (no filter by value)."""
        return None

    def api_type(self) -> Any:
        """The JSON API's type for the value (None allowed where the value may be missing)."""
        if self.python_type is str:
            return str
        return self.python_type | None

    def api_value(self, value: Any) -> Any:
        return value


class Text(Kind):
    """Free text, kept as written (`free_text`: Chinese punctuation stays). A key column's text
    (合同编号, 电站名称) is an identifier and is folded whole (`text`), so that 一期（A） and
    一期(A) name one row."""

    def __init__(self, max_length: int = 100) -> None:
        self.max_length = max_length

    def parse(self, raw: Any) -> str:
        return self._checked(free_text(raw))

    def parse_key(self, raw: Any) -> str:
        if isinstance(raw, float) and raw.is_integer():
            # A number typed into a cell not formatted as text (合同编号, 凭证号): Excel kept 15
            # digits of it, as of an ID number (`number_text`).
            s, problem = number_text(raw)
            if problem:
                raise CellError(problem)
            return self._checked(s)
        return self._checked(text(raw))

    def _checked(self, s: str) -> str:
        if len(s) > self.max_length:
            raise CellError(f"最多{self.max_length}个字，实为{len(s)}个字")
        return s

    def form_field(self, column: Column) -> forms.Field:
        widget = forms.Textarea(attrs={"rows": 3}) if self.max_length > 200 else None
        return TextField(
            label=column.header,
            required=column.required,
            max_length=self.max_length,
            widget=widget,
            fold=text if column.unique else free_text,
        )


class TextField(forms.CharField):
    """Text typed in a form, kept as an import keeps it (`Text`), so that a row saved by hand
    and exported imports back unchanged."""

    def __init__(self, *args: Any, fold: Callable[[Any], str] = free_text, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fold = fold

    def to_python(self, value: Any) -> Any:
        s = super().to_python(value)
        return self.fold(s) if s else s


class Code(Kind):
    """One value of a code table (`core.codes`), aliases accepted; or a ledger's own list of
    values, a table of its own named by its layout (`Layout.__post_init__`). A `fixed` list (a
    workflow's statuses) is not editable by an office."""

    def __init__(
        self,
        table: str = "",
        values: Iterable[str] = (),
        aliases: dict[str, str] | None = None,
        *,
        fixed: bool = False,
    ) -> None:
        self.table = table
        self.values = tuple(values)
        self.aliases = dict(aliases or {})
        self.fixed = fixed
        self.own = bool(self.values and not table)
        if self.own:
            # Provisional until a layout names it: usable outside a layout all the same.
            self.table = "_".join(self.values)
            codes.register_table(self.table, self.values, aliases, fixed=fixed)

    def name_table(self, name: str, title: str) -> None:
        """Give the ledger's own list its stable name (`layout.column`) and Chinese title: the
        name an office's edits are kept under, whatever the default values become."""
        if not self.own:
            return
        # A kind shared by two columns keeps the first column's name (one table, one set of
        # edits).
        self.own = False
        codes.forget_table(self.table)
        self.table = name
        codes.register_table(name, self.values, self.aliases, title=title, fixed=self.fixed)

    def parse(self, raw: Any) -> str:
        codes.ensure_current()
        return code(self.table, raw)

    def choices(self) -> list[tuple[str, str]]:
        """A list filter's values: every value the table has had (stored rows may hold a
        retired one)."""
        return [(v, v) for v in codes.known(self.table)]

    def form_field(self, column: Column, current: object = None) -> forms.Field:
        """A select of the values in effect, plus `current` (the edited row's value) when the
        table has had it: a row holding a retired value keeps it."""
        table = self.table
        return forms.ChoiceField(
            label=column.header,
            required=column.required,
            # read as each form is made
            choices=lambda: [("", "—"), *codes.choices(table, current)],
        )


class Codes(Kind):
    """Several values of a code table in one cell, joined by 、 (stored joined)."""

    def __init__(self, table: str, max_items: int = 5) -> None:
        self.table, self.max_items = table, max_items

    def parse(self, raw: Any) -> str:
        codes.ensure_current()
        found = code_tuple(self.table, raw)
        if len(found) > self.max_items:
            raise CellError(f"最多{self.max_items}项，实为{len(found)}项")
        return codes.join_multi(found)

    def choices(self) -> list[tuple[str, str]]:
        return [(v, v) for v in codes.known(self.table)]

    def api_type(self) -> Any:
        return list[str]

    def api_value(self, value: Any) -> list[str]:
        return codes.split_multi(value)

    def form_field(self, column: Column, current: object = None) -> forms.Field:
        """Checkboxes of the values in effect, plus those of `current` (the edited row's
        values) the table has had: a row holding a retired value keeps it."""
        table = self.table
        return JoinedMultipleChoiceField(
            label=column.header,
            required=column.required,
            choices=lambda: codes.choices(table, current),  # read as each form is made
            widget=forms.CheckboxSelectMultiple(attrs={"class": "me-1"}),
        )


class JoinedMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose cleaned value is the 、-joined text the register stores."""

    def prepare_value(self, value: Any) -> Any:
        return codes.split_multi(value) if isinstance(value, str) else value

    def clean(self, value: Any) -> str:  # type: ignore[override]
        return codes.join_multi(super().clean(value))


class Date(Kind):
    """A date (formats.md §1's forms). `past`: what the column records has happened (a payment, a
    publication, an actual start), so it is not after today; `past=False` for what may be
    planned or run on (an end of term, a due date, a deadline, a planned start)."""

    python_type = dt.date

    def __init__(self, past: bool = True) -> None:
        self.past = past

    def parse(self, raw: Any) -> dt.date | None:
        value = date(raw)
        if self.past and value is not None:
            from core.dates import today

            if value > today():
                raise CellError(f"日期{value:%Y-%m-%d}晚于今天")
        return value

    def form_field(self, column: Column) -> forms.Field:
        validators = [_not_future] if self.past else []
        return forms.DateField(label=column.header, required=column.required, validators=validators)


def _not_future(value: dt.date) -> None:
    from core.dates import today

    if value and value > today():
        raise ValidationError("日期不能晚于今天")


class Month(Kind):
    """A month, stored as YYYY-MM text. `past`, as `Date`'s: what the column records has been
    reported (务工监测 is 一月一报), so it is not after this month."""

    def __init__(self, past: bool = True) -> None:
        self.past = past

    def parse(self, raw: Any) -> str:
        value = month(raw)
        if self.past and (late := _later_month(value)):
            raise CellError(late)
        return value

    def form_field(self, column: Column) -> forms.Field:
        return forms.RegexField(
            label=column.header,
            required=column.required,
            regex=r"^\d{4}-(0[1-9]|1[0-2])$",
            error_messages={"invalid": "月份应为YYYY-MM，如2023-12"},
            widget=forms.TextInput(attrs={"type": "month"}),
            validators=[_month_not_future] if self.past else [],
        )


def _later_month(value: str) -> str:
    """Why a YYYY-MM month is refused as not begun yet ("" when it has)."""
    from core.dates import today

    now = f"{today():%Y-%m}"
    return f"月份{value}晚于本月（{now}）" if value > now else ""


def _month_not_future(value: str) -> None:
    if late := _later_month(value):
        raise ValidationError(late)


class Year(Kind):
    python_type = int

    def __init__(self, low: int = 1949, high: int = 2100) -> None:
        self.low, self.high = low, high

    def parse(self, raw: Any) -> int | None:
        return year(raw, self.low, self.high)

    def form_field(self, column: Column) -> forms.Field:
        return forms.IntegerField(
            label=column.header,
            required=column.required,
            min_value=self.low,
            max_value=self.high,
        )


class Money(Kind):
    """Yuan, ≥ 0, at most two decimals — or, with `rounded`, any number rounded to the fen
    (a per-capita figure is a quotient: 16105 ÷ 3 is 5368.33)."""

    python_type = Decimal

    def __init__(self, rounded: bool = False) -> None:
        self.rounded = rounded

    def parse(self, raw: Any) -> Decimal | None:
        if self.rounded:
            number = decimal(raw, 15)
            return None if number is None else number.quantize(CENT, rounding=ROUND_HALF_UP)
        return decimal(raw, 2)

    def cell(self, value: Any) -> Any:
        return "" if value is None else value

    def display(self, value: Any) -> str:
        return "" if value is None else f"{value:,.2f}"

    def form_field(self, column: Column) -> forms.Field:
        return forms.DecimalField(
            label=column.header,
            required=column.required,
            min_value=0,
            max_digits=12,
            decimal_places=2,
        )


class Number(Kind):
    """A non-negative quantity with a few decimals (kW, %, 亩), at most `high` when given (a
    percentage: 100). Stored as DECIMAL(12, places), as money is."""

    python_type = Decimal

    def __init__(self, places: int = 2, high: int | None = None) -> None:
        self.places = places
        self.high = high

    def parse(self, raw: Any) -> Decimal | None:
        number = decimal(raw, self.places)
        if number is not None and self.high is not None and number > self.high:
            raise CellError(f"应在0—{self.high}之间，实为{text(raw)}")
        return number

    def form_field(self, column: Column) -> forms.Field:
        return forms.DecimalField(
            label=column.header,
            required=column.required,
            min_value=0,
            max_value=self.high,
            max_digits=12,
            decimal_places=self.places,
        )


class Integer(Kind):
    python_type = int

    def __init__(self, low: int = 0, high: int = 10**9) -> None:
        self.low, self.high = low, high

    def parse(self, raw: Any) -> int | None:
        return integer(raw, self.low, self.high)

    def form_field(self, column: Column) -> forms.Field:
        return forms.IntegerField(
            label=column.header,
            required=column.required,
            min_value=self.low,
            max_value=self.high,
        )


class YesNo(Kind):
    python_type = bool

    def parse(self, raw: Any) -> bool | None:
        return yes_no(raw)

    def cell(self, value: Any) -> Any:
        return "" if value is None else ("是" if value else "否")

    def choices(self) -> list[tuple[str, str]]:
        return [("是", "是"), ("否", "否")]

    def form_field(self, column: Column) -> forms.Field:
        return YesNoField(label=column.header, required=column.required)


class YesNoField(forms.Field):
    """是 / 否 / 未填 as a select; a checkbox's "on" and the words themselves are understood."""

    widget = forms.Select(choices=[("", "未填"), ("1", "是"), ("0", "否")])
    TRUE = frozenset({"1", "on", "true", "True", "是"})
    FALSE = frozenset({"0", "off", "false", "False", "否"})

    def to_python(self, value: Any) -> bool | None:
        if value in (None, "") or isinstance(value, bool):
            return value if isinstance(value, bool) else None
        if str(value) in self.TRUE:
            return True
        if str(value) in self.FALSE:
            return False
        raise ValidationError("应为“是”或“否”")

    def prepare_value(self, value: Any) -> Any:
        return {True: "1", False: "0"}.get(value, value)


class IdNumber(Kind):
    memoise = False

    def parse(self, raw: Any) -> str:
        return id_number(raw)

    def form_field(self, column: Column) -> forms.Field:
        return IdNumberField(label=column.header, required=column.required, max_length=22)


class IdNumberField(forms.CharField):
    """证件号码 in a form, read as an import reads it: a wrong check digit is named as such (not
    as a number missing from the register), and lowercase x, spaces or 15 digits are accepted."""

    def clean(self, value: Any) -> str:
        try:
            return id_number(super().clean(value))
        except CellError as exc:
            raise ValidationError(str(exc)) from exc


class Phone(Kind):
    memoise = False

    def parse(self, raw: Any) -> str:
        return phone(raw)

    def form_field(self, column: Column) -> forms.Field:
        return PhoneField(label=column.header, required=column.required, max_length=20)


class PhoneField(forms.CharField):
    def clean(self, value: Any) -> str:
        return valid_phone(super().clean(value))


def valid_phone(value: Any) -> str:
    """`phone` for forms and services: the one phone rule, refused with a ValidationError."""
    try:
        return phone(value)
    except CellError as exc:
        raise ValidationError(str(exc)) from exc


class HouseholdNumber(Kind):
    memoise = False

    def parse(self, raw: Any) -> str:
        return household_number(raw)

    def form_field(self, column: Column) -> forms.Field:
        return forms.RegexField(
            label=column.header,
            required=column.required,
            regex=r"^\d{10,20}$",
            error_messages={"invalid": "户编号应为10—20位数字"},
        )


class RegionName(Kind):
    """The name of a region of the tree (县, 乡镇, 行政村 or 村民小组), matched by the importer."""

    def __init__(self, level: int) -> None:
        self.level = level

    def parse(self, raw: Any) -> str:
        s = text(raw)
        if len(s) > 60:
            raise CellError(f"区划名称最多60个字，实为{len(s)}个字")
        return s


# -- columns and layouts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a layout. `key` is the model field (or the importer's name for it)."""

    key: str
    header: str
    kind: Kind = field(default_factory=Text)
    aliases: tuple[str, ...] = ()
    required: bool = False  # the file must have the column (✓ in formats.md)
    blank: bool = False  # …but a cell of a required column may be empty (监测对象类别)
    level: str = "row"  # region | household | person | row
    unique: bool = False  # part of the key (✓ in formats.md §6)
    by: bool = False  # the figures are broken down by it
    sensitive: bool = False  # masked unless the user may see it in full
    #: A household's or person's own typed text (家庭住址): free text as a row's are, where a
    #: ledger's household or person column is copied from the register (姓名).
    typed: bool = False
    editable: bool = True  # offered in the form
    exported: bool = True  # written by the export (an import-only column is not)
    help: str = ""
    #: Numbered spreadsheet columns merged into this one in order (e.g. 致贫风险1…5 → 风险类型);
    #: each pattern has one {} for 1…`spread_count`.
    spread: tuple[str, ...] = ()
    spread_count: int = 5

    def parse(self, raw: Any) -> Any:
        if self.unique and isinstance(self.kind, Text):
            return self.kind.parse_key(raw)
        return self.kind.parse(raw)

    @property
    def needs_value(self) -> bool:
        """Whether a row (or a form) must give this column a value."""
        return self.required and not self.blank

    def masked(self, value: Any) -> str:
        """The value as a user who may not see it in full sees it (one mask everywhere)."""
        shown = self.kind.display(value)
        if isinstance(self.kind, Phone):
            return mask_phone(shown)
        return mask_id(shown)

    @property
    def is_free_text(self) -> bool:
        """A text typed as it comes (问题描述, 备注; not a key such as 合同编号): it may name an ID
        or a mobile number, masked with the rest for a user who may not see full numbers."""
        return (
            isinstance(self.kind, Text)
            and (self.level == "row" or self.typed)
            and not self.unique
            and not self.sensitive
        )

    def show(self, value: Any, *, full: bool) -> str:
        if full:
            return self.kind.display(value)
        if self.sensitive:
            return self.masked(value)
        if self.is_free_text:
            return mask_numbers(self.kind.display(value))
        return self.kind.display(value)


def given_twice(header: str, first: int, again: int) -> str:
    """A column that a header row gives twice, as every refusal names it (positions from 0)."""
    return f"“{header}”（第{first + 1}列和第{again + 1}列）"


def repeated_columns(twice: Iterable[str]) -> str:
    """The refusal of a header row giving columns twice (`given_twice` of each): which of two
    columns counts would be a guess, so no import reads such a file."""
    return f"以下列重复出现：{'、'.join(twice)}，请只保留一列"


@dataclass
class HeaderMap:
    """Where each column of a layout sits in a file's header row."""

    positions: dict[str, int]  # column key → position
    written: dict[str, str]  # column key → the header as written in the file
    unknown: list[str]
    missing: list[str]
    variants: dict[str, str] = field(default_factory=dict)  # key → the alias variant used
    spreads: dict[str, list[int]] = field(default_factory=dict)  # key → positions, in order
    twice: list[str] = field(default_factory=list)  # columns given twice, with their positions
    #: A column given both under its own header and as a variant (是否脱贫户 and 户类型): key →
    #: (the variant's position, its header as written, the variant). Both are read; the caller
    #: checks that they agree.
    also: dict[str, tuple[int, str, str]] = field(default_factory=dict)

    def problems(self, template: str) -> str:
        """The Chinese sentence for a header row that cannot be read ("" when it can)."""
        parts = []
        if self.missing:
            parts.append(f"文件缺少必填列：{'、'.join(self.missing)}")
        if self.twice:
            parts.append(repeated_columns(self.twice))
        return "；".join(parts) + f"。请使用{template}模板" if parts else ""

    def header(self, key: str, layout: Layout) -> str:
        return self.written.get(key) or layout.column(key).header


@dataclass(frozen=True)
class Period:
    """How `--year Y` selects a ledger's rows (formats.md §7)."""

    field: str = ""  # a year column (年度), a month column (月份) or a date column
    kind: str = "year"  # year | month | date | span | year_or_any
    end: str = ""  # span: the end column (blank end = open)
    alt_end: str = ""  # span: the end column used when `end` is blank


@dataclass(frozen=True)
class Group:
    """Rows that describe one thing together (the measures of one problem): `key` names the
    thing (问题编号) and its `columns` repeat on each of its rows and must agree, as a household's
    columns do in the register (an error names both rows). `lenient` columns may be left blank on
    some rows of a group but must agree where they are given. Editing a group column of one row
    changes it on every row of the group (ledgers.services, ledgers.importer)."""

    key: str
    columns: tuple[str, ...]
    lenient: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """A table's declared layout: the only list of its columns."""

    kind: str
    name: str
    level: str  # person | household | region
    columns: tuple[Column, ...]
    amount: tuple[str, ...] = ()  # the keys whose sum is the figures' "amount"
    period: Period = field(default_factory=Period)
    #: Header variants with their own value parsers: {alias header: (key, parser)}.
    variants: dict[str, tuple[str, Callable[[Any], Any]]] = field(default_factory=dict)
    #: The header that marks the header row, when it is not the first key column's (§1: 证件号码).
    marker_header: str = ""
    #: Columns that must agree across the rows of a group (one row per part of a thing).
    group: Group | None = None

    def __post_init__(self) -> None:
        # A ledger's own lists become tables named after their columns (kind.key), under which
        # an office's edits are kept (core.codes).
        for c in self.columns:
            if isinstance(c.kind, Code):
                c.kind.name_table(f"{self.kind}.{c.key}", f"{self.name}·{c.header}")

    @cached_property
    def _by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    def column(self, key: str) -> Column:
        return self._by_key[key]

    def has(self, key: str) -> bool:
        return key in self._by_key

    @property
    def exported(self) -> list[Column]:
        """The columns an export writes, in order (an import-only column is not among them)."""
        return [c for c in self.columns if c.exported]

    @property
    def headers(self) -> list[str]:
        """The export's and the template's header row."""
        return [c.header for c in self.exported]

    @property
    def unique(self) -> list[Column]:
        return [c for c in self.columns if c.unique]

    @property
    def by(self) -> list[Column]:
        return [c for c in self.columns if c.by]

    @property
    def money(self) -> list[Column]:
        return [c for c in self.columns if isinstance(c.kind, Money)]

    @property
    def marker(self) -> str:
        """The header that marks the header row: the declared one, else the first key column's
        (formats.md §6)."""
        if self.marker_header:
            return self.marker_header
        return self.unique[0].header if self.unique else self.columns[0].header

    @property
    def marker_aliases(self) -> tuple[str, ...]:
        """The aliases of the marker's column: a header row that spells it so is found too."""
        return next((c.aliases for c in self.columns if c.header == self.marker), ())

    def at_level(self, *levels: str) -> list[Column]:
        return [c for c in self.columns if c.level in levels]

    def map_headers(self, headers: list[str]) -> HeaderMap:
        """Match a file's header texts to columns (trimmed, full-width folded, aliases too)."""
        names: dict[str, str] = {}
        for c in self.columns:
            names[fold(c.header)] = c.key
            for alias in c.aliases:
                names.setdefault(fold(alias), c.key)
        variant_names = {fold(h): h for h in self.variants}
        spread_names: dict[str, tuple[str, int]] = {}
        for c in self.columns:
            for pattern in c.spread:
                for n in range(1, c.spread_count + 1):
                    spread_names[fold(pattern.format(n))] = (c.key, n)
        positions: dict[str, int] = {}
        written: dict[str, str] = {}
        variants: dict[str, str] = {}
        spreads: dict[str, list[tuple[int, int]]] = {}
        unknown: list[str] = []
        twice: list[str] = []
        also: dict[str, tuple[int, str, str]] = {}
        variant_at: dict[str, int] = {}  # folded variant header → its first position
        for i, header in enumerate(headers):
            folded = fold(header)
            if not folded or folded == fold(ERROR_HEADER):
                continue
            if folded in variant_names:
                if folded in variant_at:  # the same variant twice: as for any column
                    first = variant_at[folded]
                    twice.append(given_twice(headers[first], first, i))
                    continue
                variant_at[folded] = i
                variant = variant_names[folded]
                target = self.variants[variant][0]
                if target not in positions:
                    positions[target], written[target], variants[target] = i, header, variant
                    continue
                if target not in variants and target not in also:
                    also[target] = (i, header, variant)
                    continue
            found = names.get(folded)
            if found is not None and found not in positions:
                positions[found], written[found] = i, header
                continue
            if found is not None and found in variants and found not in also:
                # The variant came first: the column's own header is read as the column.
                also[found] = (positions[found], written[found], variants.pop(found))
                positions[found], written[found] = i, header
                continue
            if found is not None:
                # The same column twice: which one counts would be a guess.
                twice.append(given_twice(written[found], positions[found], i))
                continue
            if folded in spread_names:
                key, n = spread_names[folded]
                spreads.setdefault(key, []).append((n, i))
                written.setdefault(key, header)
                continue
            unknown.append(header)
        missing = [
            c.header
            for c in self.columns
            if c.required and c.key not in positions and c.key not in spreads
        ]
        for k, given in spreads.items():
            if k in positions:  # one list under both spellings: which counts would be a guess
                at = min(i for _, i in given)
                twice.append(
                    f"“{written[k]}”（第{positions[k] + 1}列）和“{headers[at].strip()}”等"
                    f"（第{at + 1}列起）"
                )
        # Merged in the file's column order (formats.md §1), whatever the numbers say.
        ordered = {k: sorted(i for _, i in v) for k, v in spreads.items() if k not in positions}
        return HeaderMap(positions, written, unknown, missing, variants, ordered, twice, also)

    def api_fields(self, keys: Iterable[str]) -> dict[str, Any]:
        """pydantic field definitions {key: (type, Field(description=header))} for `keys`."""
        from pydantic import Field

        out: dict[str, Any] = {}
        for key in keys:
            c = self.column(key)
            note = "（无权查看时打码）" if c.sensitive else ""
            if c.is_free_text:
                note = "（其中的证件号码和手机号码无权查看时打码）"
            out[key] = (c.kind.api_type(), Field(description=f"{c.header}{note}"))
        return out

    def api_values(self, obj: Any, keys: Iterable[str], *, full: bool) -> dict[str, Any]:
        """{key: value} of `obj` for the API: codes as lists, sensitive values masked unless
        `full`, and so are the numbers inside free texts."""
        out: dict[str, Any] = {}
        for key in keys:
            c = self.column(key)
            value = getattr(obj, key)
            if c.sensitive and not full:
                out[key] = c.masked(value) if value else ""
            elif c.is_free_text and not full:
                out[key] = mask_numbers(c.kind.display(value))
            else:
                out[key] = c.kind.api_value(value)
        return out

    def form_fields(
        self, keys: Iterable[str] | None = None, initial: Mapping[str, Any] | None = None
    ) -> dict[str, forms.Field]:
        """Django form fields for the editable columns (or `keys`, in that order); `initial`,
        the edited row's values: a code column also offers the (retired) value the row holds."""
        chosen = [self.column(k) for k in keys] if keys is not None else [c for c in self.columns]
        fields = {}
        for c in chosen:
            if not c.editable:
                continue
            if isinstance(c.kind, Code | Codes):
                fields[c.key] = c.kind.form_field(c, (initial or {}).get(c.key))
            else:
                fields[c.key] = c.kind.form_field(c)
            fields[c.key].required = c.needs_value
        return fields

    def row_cells(self, values: dict[str, Any], *, full: bool = True) -> list[Any]:
        """One export row in layout order from {key: value}; sensitive values masked unless
        `full`."""
        out = []
        for c in self.exported:
            value = values.get(c.key)
            if c.sensitive and not full and value:
                out.append(c.masked(value))
            else:
                out.append(c.kind.cell(value))
        return out


def is_total_row(cells: list[Any]) -> bool:
    """A 合计 / 总计 / 小计 row (its first non-empty cell says so, spaces and a colon aside:
    合 计, 合计：): skipped by every import."""
    for cell in cells:
        if cell.__class__ is str and cell.isascii():  # most first cells: no marker is ASCII
            if cell.strip():
                return False
            continue
        s = fold(text(cell))
        if s:
            return s.rstrip(":") in TOTAL_MARKERS  # NFKC made a full-width ： ASCII
    return False


def counted_error_cells(
    errors: Iterable[FoundError], header_row: int, read: Collection[int], *, totals: bool = True
) -> Iterator[FoundError]:
    """The cells holding an Excel error (core.tabular.Table.excel_errors) that an import reads:
    below the header row, at a position in `read` (the columns it reads), in a row with
    something else in it (not a formula filled down past the data) and, unless `totals` is
    False, not in a total row (`is_total_row`), which the import skips. The others are left
    out, as their rows and columns are."""
    for error in errors:
        row, column, _, cells = error
        if row <= header_row or column not in read or is_blank(cells):
            continue
        if totals and is_total_row(cells):
            continue
        yield error
