"""The layouts of the policy-benefit ledgers (formats.md §6) and their registration."""

from __future__ import annotations

from typing import Any

from benefits.figures import department_figures
from benefits.models import EducationAidRow, HousingRenovationRow, YuluRow
from core.layout import Code, Column, Date, Layout, Money, Period, Text, Year
from ledgers.kit import Ledger, add_figures, household_columns, person_columns, register

# What offices write for the same values: 春/秋, 春季学期; a grade without 级 or in lower case
# (C, c, c级).
TERMS = ("春季", "秋季")
TERM_ALIASES = {"春": "春季", "秋": "秋季", "春季学期": "春季", "秋季学期": "秋季"}
GRADES = ("A级", "B级", "C级", "D级")
GRADE_ALIASES = {written: f"{g}级" for g in "ABCD" for written in (g, g.lower(), f"{g.lower()}级")}

YULU = Layout(
    kind="yulu",
    name="雨露计划",
    level="person",
    columns=(
        *person_columns(),
        Column("year", "年度", Year(2014), required=True, unique=True),
        Column(
            "term",
            "学期",
            Code(values=TERMS, aliases=TERM_ALIASES),
            required=True,
            unique=True,
            by=True,
        ),
        Column("school", "学校名称", Text(100)),
        Column("level", "学历层次", Code(values=("中职", "高职")), by=True),
        Column("grade", "年级", Text(20)),
        Column("amount", "补助金额", Money()),
        Column("paid_date", "发放日期", Date()),
    ),
    amount=("amount",),
    period=Period("year"),
)


def clean_yulu(values: dict[str, Any], what: str = "补助") -> dict[str, str]:
    """A payment is not dated before its year (雨露计划 and 教育资助 alike)."""
    paid, year = values.get("paid_date"), values.get("year")
    if paid and year and paid.year < year:
        return {"paid_date": f"发放日期{paid:%Y-%m-%d}早于{what}年度{year}"}
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

EDUCATION_AID = Layout(
    kind="education_aid",
    name="教育资助",
    level="person",
    columns=(
        *person_columns(),
        Column("year", "年度", Year(2014), required=True, unique=True),
        Column(
            "term",
            "学期",
            Code(values=TERMS, aliases=TERM_ALIASES),
            required=True,
            blank=True,
            unique=True,
        ),
        Column(
            "stage",
            "学段",
            Code(values=("学前", "小学", "初中", "高中", "中职", "高职", "本科")),
            by=True,
        ),
        Column(
            "item",
            "资助项目",
            Code(values=("生活补助", "营养改善", "免学费", "国家助学金", "助学贷款", "其他")),
            required=True,
            unique=True,
        ),
        Column("amount", "金额", Money()),
        Column("paid_date", "发放日期", Date()),
    ),
    amount=("amount",),
    period=Period("year"),
)

HOUSING_RENOVATION = Layout(
    kind="housing_renovation",
    name="危房改造",
    level="household",
    columns=(
        *household_columns(),
        Column("year", "年度", Year(2014), required=True, unique=True),
        Column("grade", "鉴定等级", Code(values=GRADES, aliases=GRADE_ALIASES)),
        Column(
            "method", "改造方式", Code(values=("拆除重建", "修缮加固", "置换", "其他")), by=True
        ),
        Column("amount", "补助金额", Money()),
        Column("start_date", "开工日期", Date()),
        Column("finish_date", "竣工日期", Date()),
        Column("accepted_date", "验收日期", Date()),
    ),
    amount=("amount",),
    period=Period("year"),
)


def clean_education_aid(values: dict[str, Any]) -> dict[str, str]:
    return clean_yulu(values, "资助")


def clean_housing_renovation(values: dict[str, Any]) -> dict[str, str]:
    """改造 is for C/D houses; the works go 开工 → 竣工 → 验收 in that order."""
    errors: dict[str, str] = {}
    if values.get("grade") in ("A级", "B级"):
        errors["grade"] = (
            f"鉴定等级为{values['grade']}的住房是安全住房，危房改造只适用于C级、D级危房"
        )
    start, finish, accepted = (
        values.get(k) for k in ("start_date", "finish_date", "accepted_date")
    )
    if start and finish and finish < start:
        errors["finish_date"] = f"竣工日期{finish:%Y-%m-%d}早于开工日期{start:%Y-%m-%d}"
    if finish and accepted and accepted < finish:
        errors["accepted_date"] = f"验收日期{accepted:%Y-%m-%d}早于竣工日期{finish:%Y-%m-%d}"
    return errors


register(
    Ledger(
        EDUCATION_AID,
        EducationAidRow,
        clean=clean_education_aid,
        help="教育资助：学前至本科各学段家庭经济困难学生的生活补助、营养改善、免学费、"
        "国家助学金、助学贷款等。按学生、年度、学期和资助项目逐条登记，学期可不填（按年发放）；"
        "可导入教育部门的资助名单。",
    )
)

register(
    Ledger(
        HOUSING_RENOVATION,
        HousingRenovationRow,
        clean=clean_housing_renovation,
        help="危房改造：经住建部门鉴定为C级、D级危房的农户，按户按年度登记改造方式、补助金额"
        "和开工、竣工、验收日期。",
    )
)

add_figures("departments", department_figures)
