"""The layouts of the 衔接资金项目 ledgers (formats.md §6) and their registration.

`projects` and `assets` are region ledgers keyed by their own county-wide numbers (项目编号,
资产编号): the 乡镇/行政村 only place the row, and a number used in another region is refused.
`project_payments` has no region columns: a payment takes the region of the project it names,
which must be a known project of the user's region.
"""

from __future__ import annotations

from typing import Any

from core.batching import chunks
from core.layout import Code, Column, Date, Integer, Layout, Money, Period, Text, Year
from core.numerals import wan
from ledgers.kit import Ledger, region_columns, register
from projects import figures, services
from projects.models import (
    ASSET_CATEGORIES,
    ASSET_STATUSES,
    CATEGORIES,
    FUNDS,
    OWNERS,
    STATUSES,
    Asset,
    Project,
    ProjectPayment,
)

FUND_HEADERS = {
    "fund_central": "中央衔接资金",
    "fund_province": "省级衔接资金",
    "fund_city": "市级衔接资金",
    "fund_county": "县级衔接资金",
    "fund_other": "其他资金",
}

PROJECTS = Layout(
    kind="projects",
    name="衔接资金项目",
    level="region",
    columns=(
        Column("project_no", "项目编号", Text(40), required=True, unique=True),
        Column("name", "项目名称", Text(200)),
        Column("year", "年度", Year(2000, 2100)),
        Column("batch", "批次", Text(40)),
        Column("category", "项目类别", Code(values=CATEGORIES), by=True),
        *region_columns(unique=False, required=False),
        Column("unit", "实施单位", Text(100)),
        Column("content", "建设内容", Text(1000)),
        *(Column(key, FUND_HEADERS[key], Money()) for key, _ in FUNDS),
        Column("planned_start", "计划开工日期", Date(past=False)),
        Column("planned_end", "计划完工日期", Date(past=False)),
        Column("actual_start", "实际开工日期", Date()),
        Column("actual_end", "实际完工日期", Date()),
        Column("accepted", "验收日期", Date()),
        Column("contract_amount", "合同金额", Money()),
        Column("settlement_amount", "结算金额", Money()),
        Column("retention", "质保金", Money(), help="工程项目结算时预留，不超过结算金额的3%"),
        Column("retention_due", "质保期满日期", Date(past=False)),
        Column("paid_amount", "已支付金额", Money(), help="与项目资金支付台账的合计核对"),
        Column("performance_goal", "绩效目标", Text(1000), help="应有可衡量的数量指标"),
        Column("households_benefited", "联农带农户数", Integer(0, 10**6)),
        Column("status", "项目状态", Code(values=STATUSES), by=True),
    ),
    amount=tuple(key for key, _ in FUNDS),
    period=Period("year"),
)


def clean_project(values: dict[str, Any]) -> dict[str, str]:
    """Dates in order; an accepted project has its 验收日期, a finished one its 实际完工日期."""
    problems: dict[str, str] = {}
    pairs = (
        ("planned_start", "planned_end", "计划完工日期{1}早于计划开工日期{0}"),
        ("actual_start", "actual_end", "实际完工日期{1}早于实际开工日期{0}"),
        ("actual_end", "accepted", "验收日期{1}早于实际完工日期{0}"),
    )
    for first, then, message in pairs:
        a, b = values.get(first), values.get(then)
        if a and b and b < a:
            problems[then] = message.format(f"{a:%Y-%m-%d}", f"{b:%Y-%m-%d}")
    status = values.get("status")
    if status in ("已完工", "已验收") and "actual_end" in values and not values.get("actual_end"):
        problems.setdefault("actual_end", f"项目状态为“{status}”，应填写实际完工日期")
    if status == "已验收" and "accepted" in values and not values.get("accepted"):
        problems.setdefault("accepted", "项目状态为“已验收”，应填写验收日期")
    if status == "未开工" and values.get("actual_start"):
        problems["status"] = "已填写实际开工日期的项目不是“未开工”"
    return problems


def note_project(values: dict[str, Any]) -> dict[str, str]:
    """An 已支付金额 above the 合同金额 (or, without one, the 下达资金) is kept, as offices record
    an overpayment to correct it later, and said at its cell."""
    paid = values.get("paid_amount")
    if paid is None:
        return {}
    limit, what = values.get("contract_amount"), "合同金额"
    if limit is None:
        funds = [values[key] for key, _ in FUNDS if values.get(key) is not None]
        limit, what = (sum(funds), "下达资金") if funds else (None, "")
    if limit is None or paid <= limit:
        return {}
    return {"paid_amount": f"已支付金额{wan(paid)}万元超过{what}{wan(limit)}万元"}


PAYMENTS = Layout(
    kind="project_payments",
    name="项目资金支付",
    level="region",
    columns=(
        Column("project_no", "项目编号", Text(40), required=True, unique=True),
        Column("voucher_no", "凭证号", Text(40), required=True, unique=True),
        Column("paid_date", "支付日期", Date()),
        Column("amount", "金额", Money()),
        Column("purpose", "支付内容", Text(200)),
    ),
    amount=("amount",),
    period=Period("paid_date", "date"),
)


def link_payments(importer: Any, rows: list[Any]) -> None:
    """A payment names a project of the user's region by 项目编号 and takes its region."""
    numbers = {r.values.get("project_no") for r in rows if r.values.get("project_no")}
    found: dict[str, tuple[int, int, str]] = {}
    for chunk in chunks(numbers):
        for pk, number, region_id, path in Project.objects.filter(project_no__in=chunk).values_list(
            "pk", "project_no", "region_id", "region__path"
        ):
            found[number] = (pk, region_id, path)
    for r in rows:
        number = r.values.get("project_no")
        if not number:
            continue
        hit = found.get(number)
        # Unknown and another region's read alike: nobody learns the other region's numbers.
        if hit is None or not hit[2].startswith(importer.allowed):
            importer.report.error(
                r.row,
                "project_no",
                number,
                f"项目编号“{number}”不是您管辖范围内已登记的项目（请先在衔接资金项目台账中登记）",
            )
            continue
        r.links = {"region_id": hit[1], "project_id": hit[0]}


ASSETS = Layout(
    kind="assets",
    name="帮扶项目资产",
    level="region",
    columns=(
        Column("asset_no", "资产编号", Text(40), required=True, unique=True),
        Column("name", "资产名称", Text(200)),
        Column("project_no", "来源项目编号", Text(40)),
        Column("category", "资产类别", Code(values=ASSET_CATEGORIES), by=True),
        *region_columns(unique=False, required=False),
        Column("original_value", "原值", Money()),
        Column("owner", "确权主体", Code(values=OWNERS), by=True),
        Column("owned_on", "确权日期", Date()),
        Column("keeper", "管护主体", Text(100)),
        Column("keeper_person", "管护责任人", Text(60)),
        Column("income_year", "收益年度", Year(2000, 2100)),
        Column("income", "年度收益", Money()),
        Column("distribution", "收益分配说明", Text(500)),
        Column("status", "资产状态", Code(values=ASSET_STATUSES), by=True),
    ),
    amount=("original_value",),
    period=Period("income_year", "year_or_any"),
)


def clean_asset(values: dict[str, Any]) -> dict[str, str]:
    """年度收益 belongs to a 收益年度; a 确权日期 to a 确权主体."""
    problems: dict[str, str] = {}
    if (
        values.get("income") is not None
        and "income_year" in values
        and not values.get("income_year")
    ):
        problems["income_year"] = "填写了年度收益，应同时填写收益年度"
    if values.get("owned_on") and "owner" in values and not values.get("owner"):
        problems["owner"] = "填写了确权日期，应同时填写确权主体"
    return problems


register(
    Ledger(
        PROJECTS,
        Project,
        clean=clean_project,
        notes=note_project,
        scoped_key=False,
        after_write=services.after_project_write,
        search=("project_no", "name", "batch", "unit", "content"),
        filters=("batch",),
        help="衔接资金项目台账：每个项目一行，项目编号在全县唯一。下达资金按中央、省、市、县和其他"
        "分列；已支付金额与项目资金支付台账的合计核对；建设内容和资金的调整应登记变更批复；"
        "工程项目结算时按不超过结算金额3%预留质保金，质保期满后退还。",
        more_figures=figures.industry_figures,
        extra={
            "links": [("项目进度", "projects:progress"), ("资产总账", "projects:assets")],
            "row_link": ("项目页（支付、资产、联农带农、变更）", "projects:project", "pk"),
        },
    )
)
register(
    Ledger(
        PAYMENTS,
        ProjectPayment,
        scoped_key=False,
        link=link_payments,
        search=("project_no", "voucher_no", "purpose"),
        help="项目资金支付台账：每张支付凭证一行，项目编号须是本区划已登记的衔接资金项目，"
        "支付记入该项目所在区划。项目的支出进度按这里的合计计算。",
        extra={
            "links": [("项目进度", "projects:progress")],
            "row_link": ("项目页", "projects:project", "project_id"),
        },
    )
)
register(
    Ledger(
        ASSETS,
        Asset,
        clean=clean_asset,
        scoped_key=False,
        search=("asset_no", "name", "project_no", "keeper", "keeper_person"),
        help="帮扶项目资产台账：经营性、公益性和到户类资产的确权、管护、年度收益及分配和处置。"
        "一项资产每年的收益登记在收益年度；县级总账和乡镇、村明细台账可导出打印。",
        extra={"links": [("资产总账与明细台账", "projects:assets")]},
    )
)
