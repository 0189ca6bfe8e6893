"""The layouts of the employment and industry-aid ledgers (formats.md §6) and their registration."""

from __future__ import annotations

from typing import Any

from core.layout import Code, Column, Date, Layout, Money, Month, Period, Text, Year
from employment import figures, services
from employment.models import EmploymentRow, IndustryAidRow, LabourSubsidyRow
from ledgers.kit import Ledger, household_columns, person_columns, register

FORMS = ("企业务工", "灵活就业", "自主创业", "公益性岗位", "帮扶车间", "其他")
SUBSIDIES = ("一次性交通补贴", "一次性求职创业补贴", "外出务工补助", "稳岗补贴", "其他")
AID_ITEMS = ("到户产业奖补", "三业奖补", "庭院经济奖补", "其他")

EMPLOYMENT = Layout(
    kind="employment",
    name="务工监测（一月一报）",
    level="person",
    columns=(
        *person_columns(),
        Column("month", "月份", Month(), required=True, unique=True, by=True),
        # Not part of the key: a month reported without it is kept, and counted as blank.
        Column("status", "务工状况", Code("employment"), by=True),
        Column("form", "就业形式", Code(values=FORMS), by=True),
        Column("employer", "务工单位", Text(100)),
        Column("income", "月收入", Money()),
    ),
    period=Period("month", "month"),
)

LABOUR_SUBSIDY = Layout(
    kind="labour_subsidy",
    name="务工补贴",
    level="person",
    columns=(
        *person_columns(),
        Column("year", "年度", Year(2014), required=True, unique=True),
        Column("kind", "补贴类型", Code(values=SUBSIDIES), required=True, unique=True, by=True),
        Column("amount", "金额", Money()),
        Column("paid_date", "发放日期", Date()),
    ),
    amount=("amount",),
    period=Period("year"),
)

INDUSTRY_AID = Layout(
    kind="industry_aid",
    name="产业奖补",
    level="household",
    columns=(
        *household_columns(),
        Column("year", "年度", Year(2014), required=True, unique=True),
        Column("item", "奖补项目", Code(values=AID_ITEMS), required=True, unique=True, by=True),
        Column("industry", "产业类型", Text(50), required=True, blank=True, unique=True),
        Column("amount", "金额", Money()),
        Column("paid_date", "发放日期", Date()),
    ),
    amount=("amount",),
    period=Period("year"),
)


def clean_employment(values: dict[str, Any]) -> dict[str, str]:
    """A labourer not at work has no form of work, no employer and no income that month."""
    if values.get("status") != "未务工":
        return {}
    if values.get("form"):
        return {"form": "务工状况为未务工，不应填写就业形式"}
    if values.get("employer"):
        return {"employer": "务工状况为未务工，不应填写务工单位"}
    if values.get("income"):
        return {"income": "务工状况为未务工，月收入应为空或0"}
    return {}


def clean_paid(values: dict[str, Any]) -> dict[str, str]:
    """A payment is not dated before its year."""
    paid, year = values.get("paid_date"), values.get("year")
    if paid and year and paid.year < year:
        return {"paid_date": f"发放日期{paid:%Y-%m-%d}早于年度{year}"}
    return {}


register(
    Ledger(
        EMPLOYMENT,
        EmploymentRow,
        clean=clean_employment,
        search=("employer",),
        more_figures=figures.employment_figures,
        after_write=services.after_employment_write,
        extra={"links": [("月度情况与回流、新外出", "employment:monthly")]},
        help="务工监测（一月一报）：每月逐人登记脱贫人口和监测对象中劳动力的务工状况、就业形式、"
        "务工单位和月收入，按月保留历史；户籍台账中成员的务工状况随其最近一个月的记录更新。"
        "外出务工为省外务工与县外省内务工之和。可导入人社部门名单或国家系统的月度导出（CSV）。",
    )
)
register(
    Ledger(
        LABOUR_SUBSIDY,
        LabourSubsidyRow,
        clean=clean_paid,
        help="务工补贴：一次性交通补贴、一次性求职创业补贴、外出务工补助、稳岗补贴，"
        "每人每年每类一行。",
    )
)
register(
    Ledger(
        INDUSTRY_AID,
        IndustryAidRow,
        clean=clean_paid,
        search=("industry",),
        help="产业奖补：到户产业奖补、三业奖补（发展产业、积极就业、自主创业）和庭院经济奖补，"
        "每户每年每个项目（及产业类型）一行；可在一户一策的帮扶措施中关联到这里的发放记录。",
    )
)
