"""The layout of the 农村低收入人口 list exchanged with 民政 (docs/low-income.md): the same header
rules as formats.md §1–§2 (header row found by 证件号码 within the first 10 rows, titles above it
ignored, columns in any order, aliases, unknown columns a warning)."""

from __future__ import annotations

from core import codes
from core.layout import Code, Column, Date, IdNumber, Integer, Layout, Money, RegionName, Text
from lowincome.models import KIND_ALIASES, KINDS

# The model takes only its own choices (LowIncomePerson.kind): not editable by an office.
codes.register_table("lowincome_kind", KINDS, KIND_ALIASES, title="低收入人口类别", fixed=True)

LOW_INCOME = Layout(
    kind="lowincome",
    name="农村低收入人口名单",
    level="person",
    columns=(
        # 证件号码 marks the header row (formats.md §1), so it has no alias.
        Column("id_number", "证件号码", IdNumber(), required=True, unique=True, sensitive=True),
        Column("name", "姓名", Text(60), required=True),
        Column("town", "乡镇", RegionName(2), aliases=("乡镇（街道）", "乡（镇）")),
        Column("village", "行政村", RegionName(3), aliases=("村（社区）", "村")),
        Column("kind", "人员类别", Code("lowincome_kind"), aliases=("低收入人口类别", "类别"),
               required=True, by=True),
        Column("relation", "与户主关系", Text(20), aliases=("与申请人关系",)),
        Column("recognised", "认定日期", Date(), aliases=("认定时间",)),
        Column("members", "家庭人口数", Integer(1, 30), aliases=("家庭人口",)),
        Column("income", "家庭年纯收入", Money(), aliases=("家庭年收入", "家庭纯收入")),
        Column("spending", "刚性支出", Money(), aliases=("刚性支出金额", "合规自付支出")),
    ),
)  # fmt: skip
