"""The layout of the 标准户籍台账 (formats.md §1): columns, header aliases and cell parsing.

The import reads it, the export and the template write it, so a file round-trips.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from core import codes
from core.codes import fold
from core.tabular import number_text, text, to_date


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    level: str = "person"  # region | household | person


COLUMNS: tuple[Column, ...] = (
    Column("county", "县(市、区)", ("县",), level="region"),
    Column("town", "乡镇", ("乡(镇)", "乡镇(街道)"), True, "region"),
    Column("village", "行政村", ("村",), True, "region"),
    Column("group", "村民小组", ("自然村/组", "组"), level="region"),
    Column("number", "户编号", (), True, "household"),
    Column("name", "姓名", (), True),
    Column("id_number", "证件号码", (), True),
    Column("relation", "与户主关系", (), True),
    Column("is_alleviated", "是否脱贫户", ("户类型",), True, "household"),
    Column("category", "监测对象类别", (), True, "household"),
    Column("sex", "性别"),
    Column("ethnicity", "民族"),
    Column("education", "文化程度"),
    Column("schooling", "在校生状况"),
    Column("health", "健康状况"),
    Column("labour_skill", "劳动技能"),
    Column("employment", "务工状况"),
    Column("work_place", "务工地点"),
    Column("phone", "联系电话", (), level="household"),
    Column("alleviated_year", "脱贫年度", (), level="household"),
    Column("identified_date", "识别监测时间", (), level="household"),
    Column("risks", "风险类型", (), level="household"),
    Column("risk_eliminated", "风险是否消除", (), level="household"),
    Column("eliminated_date", "风险消除时间", (), level="household"),
    Column("elimination_method", "风险消除方式", (), level="household"),
    Column("medical_insurance", "是否参加城乡居民基本医疗保险"),
    Column("dibao", "是否享受低保"),
    Column("tekun", "是否特困供养"),
    Column("per_capita_income", "家庭年人均纯收入", (), level="household"),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
HOUSEHOLD_KEYS = tuple(c.key for c in COLUMNS if c.level in {"household", "region"})
TYPE_ALIAS = "户类型"  # 户类型 holds 脱贫户 / 一般农户 instead of 是 / 否
ERROR_HEADER = "错误说明"

# Person columns that are plain code tables, and the table each uses.
PERSON_CODES = {
    "sex": "sex",
    "ethnicity": "ethnicity",
    "education": "education",
    "schooling": "schooling",
    "labour_skill": "labour",
    "employment": "employment",
}
PERSON_FLAGS = ("medical_insurance", "dibao", "tekun")


@dataclass
class HeaderMap:
    """Where each known column sits, which headers were not recognised, which are missing."""

    positions: dict[str, int]
    headers: dict[str, str]  # key → the header text as written in the file
    unknown: list[str]
    missing: list[str]
    type_alias: bool


def map_headers(headers: list[str]) -> HeaderMap:
    """Match header texts to columns (after trimming and full-width folding, aliases included)."""
    names: dict[str, str] = {}
    for c in COLUMNS:
        names[fold(c.header)] = c.key
        for alias in c.aliases:
            names.setdefault(fold(alias), c.key)
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    unknown: list[str] = []
    type_alias = False
    for i, header in enumerate(headers):
        folded = fold(header)
        if not folded:
            continue
        key = names.get(folded)
        if key is None or key in positions:
            if folded != fold(ERROR_HEADER):
                unknown.append(header)
            continue
        positions[key] = i
        written[key] = header
        type_alias = type_alias or (key == "is_alleviated" and folded == fold(TYPE_ALIAS))
    missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
    return HeaderMap(positions, written, unknown, missing, type_alias)


class CellError(ValueError):
    """A cell that cannot be read; the message is the Chinese reason."""


_YES = {"是": True, "否": False, "Y": True, "N": False, "1": True, "0": False}


@lru_cache(maxsize=8192)  # the same few values repeat on every row
def yes_no(value: Any, *, blank: bool | None = None) -> bool | None:
    s = fold(text(value)).upper()
    if not s:
        return blank
    if s in _YES:
        return _YES[s]
    raise CellError(f"应填“是”或“否”，实为“{s}”")


@lru_cache(maxsize=8192)  # the same few values repeat on every row
def household_type(value: Any) -> bool:
    s = fold(text(value))
    if s in {"脱贫户", "是"}:
        return True
    if s in {"一般农户", "一般户", "否", ""}:
        return False
    raise CellError(f"户类型应为“脱贫户”或“一般农户”，实为“{s}”")


@lru_cache(maxsize=8192)  # the same few values repeat on every row
def code(table: str, value: Any) -> str:
    """A code-table value (aliases accepted); an unknown one names the nearest valid value."""
    s = text(value)
    if not s:
        return ""
    found = codes.lookup(table, s)
    if found is None:
        hint = codes.suggest(table, s)
        raise CellError(f"“{s}”不在代码表中" + (f"，是否应为“{hint}”？" if hint else ""))
    return found


def code_list(table: str, value: Any) -> list[str]:
    """A multi-valued code cell (e.g. “因病、因残”), each part checked, duplicates dropped."""
    return list(_code_tuple(table, value))


@lru_cache(maxsize=8192)  # the same few combinations repeat on every row
def _code_tuple(table: str, value: Any) -> tuple[str, ...]:
    out: list[str] = []
    for part in codes.split_multi(text(value)):
        found = code(table, part)
        if found not in out:
            out.append(found)
    return tuple(out)


def date(value: Any) -> dt.date | None:
    try:
        return to_date(value)
    except ValueError as exc:
        raise CellError(
            f"“{text(value)}”不是有效日期（应为YYYY-MM-DD、YYYY-MM、YYYYMM或Excel日期）"
        ) from exc


def year(value: Any) -> int | None:
    s = text(value)
    if not s:
        return None
    if not re.fullmatch(r"\d{4}", s):
        raise CellError(f"脱贫年度应为四位年份，实为“{s}”")
    return int(s)


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3}-?)?\d{7,8}(-\d{1,5})?$")


def phone(value: Any) -> str:
    s, problem = number_text(value)
    s = s.replace(" ", "")
    if problem:
        raise CellError(problem)
    if s and not (_MOBILE.match(s) or _LANDLINE.match(s)):
        raise CellError(f"联系电话“{s}”应为11位手机号或固定电话")
    return s


def money(value: Any) -> Decimal | None:
    s = text(value).replace(",", "")
    if not s:
        return None
    try:
        amount = Decimal(s).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise CellError(f"“{s}”不是数字") from exc
    if amount < 0:
        raise CellError(f"家庭年人均纯收入不能为负数（{s}）")
    if amount >= Decimal("1e10"):
        raise CellError(f"家庭年人均纯收入“{s}”过大")
    return amount
