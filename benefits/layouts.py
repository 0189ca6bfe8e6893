"""The layouts of the policy-benefit ledgers (formats.md §6) and their registration."""

from __future__ import annotations

from typing import Any

from benefits.models import YuluRow
from core.layout import Code, Column, Date, Layout, Money, Period, Text, Year
from ledgers.kit import Ledger, person_columns, register

YULU = Layout(
    kind="yulu",
    name="雨露计划",
    level="person",
    columns=(
        *person_columns(),
        Column("year", "年度", Year(2014), required=True, unique=True),
        Column("term", "学期", Code(values=("春季", "秋季")), required=True, unique=True, by=True),
        Column("school", "学校名称", Text(100)),
        Column("level", "学历层次", Code(values=("中职", "高职")), by=True),
        Column("grade", "年级", Text(20)),
        Column("amount", "补助金额", Money()),
        Column("paid_date", "发放日期", Date()),
    ),
    amount=("amount",),
    period=Period("year"),
)


def clean_yulu(values: dict[str, Any]) -> dict[str, str]:
    """A payment is not dated before its year."""
    paid, year = values.get("paid_date"), values.get("year")
    if paid and year and paid.year < year:
        return {"paid_date": f"发放日期{paid:%Y-%m-%d}早于补助年度{year}"}
    return {}


register(
    Ledger(
        YULU,
        YuluRow,
        clean=clean_yulu,
        search=("school",),
        help="雨露计划：脱贫户和未消除风险监测户家庭中接受中职、高职教育的学生，每学期补助。"
        "按学期逐人登记，可导入教育或人社部门的发放名单。",
    )
)
