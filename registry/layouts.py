"""The register's declared layout: the 标准户籍台账 of formats.md §1.

The import reads it, the export and the template write it, the household and member forms, the
API schema and the list filters are built from it — the register's vocabulary is written here
once. Keys are the fields of `Household` and `Person` (and the region columns' names).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from core.codes import fold
from core.layout import (
    CellError,
    Code,
    Codes,
    Column,
    Date,
    HouseholdNumber,
    IdNumber,
    Layout,
    Money,
    Phone,
    RegionName,
    Text,
    Year,
    YesNo,
)
from core.tabular import text


@lru_cache(maxsize=64)
def household_type(value: Any) -> bool | None:
    """户类型 (the alias column of 是否脱贫户): 脱贫户 / 一般农户; blank is None, as a blank
    是否脱贫户 is (the column is required: the import refuses it, never reads it as 一般农户)."""
    s = fold(text(value))
    if not s:
        return None
    if s in {"脱贫户", "是"}:
        return True
    if s in {"一般农户", "一般户", "否"}:
        return False
    raise CellError(f"户类型应为“脱贫户”或“一般农户”，实为“{s}”")


def _policy(kind: str) -> Callable[[Any], bool | None]:
    """The parser of 享受{kind}政策情况 (policy.md §8.2): 农村{kind} / 城市{kind} → 是, 未享受 → 否,
    blank → not given. Only these: 不享受低保 or 非特困 ends like a yes, and the other column's
    农村特困 in the 低保 column is a mistake, not a yes."""
    values = {f"农村{kind}": True, f"城市{kind}": True, "未享受": False}
    expected = f"应为“农村{kind}”“城市{kind}”或“未享受”"

    @lru_cache(maxsize=64)
    def parse(value: Any) -> bool | None:
        s = fold(text(value))
        if not s:
            return None
        found = values.get(s)
        if found is None:
            raise CellError(f"{expected}，实为“{s}”")
        return found

    return parse


dibao_policy = _policy("低保")
tekun_policy = _policy("特困")


RISK_COLUMNS = ("致贫风险{}", "返贫风险{}", "致贫/返贫风险{}", "致（返）贫风险{}")

REGISTER = Layout(
    kind="registry",
    name="标准户籍台账",
    level="person",
    columns=(
        Column("county", "县(市、区)", RegionName(1), ("县",), level="region", editable=False),
        Column(
            "town",
            "乡镇",
            RegionName(2),
            ("乡(镇)", "乡镇(街道)"),
            required=True,
            level="region",
            editable=False,
        ),
        Column(
            "village",
            "行政村",
            RegionName(3),
            ("村",),
            required=True,
            level="region",
            editable=False,
        ),
        Column(
            "group", "村民小组", RegionName(4), ("自然村/组", "组"), level="region", editable=False
        ),
        Column(
            "number", "户编号", HouseholdNumber(), required=True, level="household", unique=True
        ),
        Column("address", "家庭住址", Text(200), level="household", exported=False, typed=True),
        Column("name", "姓名", Text(60), required=True, level="person"),
        Column(
            "id_number",
            "证件号码",
            IdNumber(),
            required=True,
            level="person",
            unique=True,
            sensitive=True,
        ),
        Column("relation", "与户主关系", Code("relation"), required=True, level="person"),
        Column("is_alleviated", "是否脱贫户", YesNo(), required=True, level="household"),
        Column(
            "category",
            "监测对象类别",
            Code("category"),
            required=True,
            blank=True,
            level="household",
        ),
        Column("sex", "性别", Code("sex"), level="person"),
        Column("ethnicity", "民族", Code("ethnicity"), level="person"),
        Column("education", "文化程度", Code("education"), level="person"),
        Column("schooling", "在校生状况", Code("schooling"), ("在校生情况",), level="person"),
        Column("health", "健康状况", Codes("health", 4), level="person"),
        Column("labour_skill", "劳动技能", Code("labour"), level="person"),
        Column("employment", "务工状况", Code("employment"), level="person"),
        Column("work_place", "务工地点", Text(100), level="person", typed=True),
        Column("phone", "联系电话", Phone(), level="person", sensitive=True),
        Column("alleviated_year", "脱贫年度", Year(), level="household"),
        Column("identified_date", "识别监测时间", Date(), level="household"),
        Column("risks", "风险类型", Codes("risk", 5), level="household", spread=RISK_COLUMNS),
        Column("risk_eliminated", "风险是否消除", YesNo(), level="household"),
        Column("eliminated_date", "风险消除时间", Date(), level="household"),
        Column("elimination_method", "风险消除方式", Code("elimination_method"), level="household"),
        Column("medical_insurance", "是否参加城乡居民基本医疗保险", YesNo(), level="person"),
        Column("dibao", "是否享受低保", YesNo(), level="person"),
        Column("tekun", "是否特困供养", YesNo(), level="person"),
        Column("per_capita_income", "家庭年人均纯收入", Money(rounded=True), level="household"),
        Column(
            "no_labour", "整户无劳动能力", YesNo(), ("整户无劳动能力兜底保障户",), level="household"
        ),
        Column(
            "exit_reason",
            "退出原因",
            Code("exit_reason"),
            level="household",
            editable=False,
            exported=False,
            help="清除监测对象类别或把是否脱贫户改为否时的原因；不填为“国家系统导入”",
        ),
    ),
    marker_header="证件号码",
    variants={
        "户类型": ("is_alleviated", household_type),
        "享受低保政策情况": ("dibao", dibao_policy),
        "享受特困供养政策情况": ("tekun", tekun_policy),
    },
)

REGION_KEYS = ("county", "town", "village", "group")
HOUSEHOLD_KEYS = tuple(
    c.key for c in REGISTER.at_level("household") if c.key not in {"number", "exit_reason"}
)
PERSON_KEYS = tuple(c.key for c in REGISTER.at_level("person"))
