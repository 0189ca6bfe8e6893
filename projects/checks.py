"""Data-quality checks of 衔接资金项目 and their assets (codes P…), run by `fangpin check`; each
finding is about a project or an asset, so it names the row's region and no household.

P01 项目实施进度缓慢 (seed 003 #10): past its planned 开工 or 完工 date and not there, or a project
    of this year whose 支出进度 is under the month's schedule target;
P02 工程项目未预留质保金 (#14): a finished project with a 结算金额 and no 质保金;
P03 质保金超过上限 (#14): more than the ceiling (default 3%) of the 结算金额 (policy.md rule 36);
P04 质保期满前退还质保金 (#14): paid up to the 结算金额 before the 质保期满日期;
P05 擅自变更建设内容或资金 (#13): 建设内容 or a fund column changed with no 变更批复 recorded;
P06 完工未验收 (#15): finished more than the configured days ago (default 90) with no 验收日期;
P07 绩效目标设置不合理 (#16): empty, or without a number to measure it by;
P08 资产确权或管护不到位 (#12): an asset with no 确权主体 or no 管护责任人;
P09 资产未发挥效益 (#15): an 经营性 asset with no 年度收益 for the year, or an asset 闲置;
P10 产业发展资金占比低于下限 (seed 003 #4, policy.md rule 35): the county's share of the year;
P11 已支付金额与支付台账不符: the project's 已支付金额 is not the sum of its payments.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.checks import check, region_finding
from core.dates import today
from projects import figures
from projects.models import FINISHED, Asset, Project, ProjectPayment
from projects.services import plan_changes
from regions.models import Region

LIVE = ~Q(status="已终止")
NUMBER = re.compile(r"[0-9０-９]")


def _projects(region: Any) -> QuerySet:
    qs = Project.objects.all()
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return qs


def _assets(region: Any) -> QuerySet:
    qs = Asset.objects.exclude(status="已处置")
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return qs


def _with_paid(qs: QuerySet) -> QuerySet:
    """Projects with `paid_sum`, the sum of their payments (one correlated subquery)."""
    paid = (
        ProjectPayment.objects.filter(project_no=OuterRef("project_no"))
        .order_by()
        .values("project_no")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return qs.annotate(
        paid_sum=Coalesce(
            Subquery(paid),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=16, decimal_places=2),
        )
    )


def _label(p: dict[str, Any]) -> str:
    return f"项目{p['project_no']}（{p['name'] or '未命名'}）"


@check(
    "P01",
    "项目实施进度缓慢",
    "yellow",
    description=(
        "超过计划开工或完工日期（再加宽限天数 grace_days）仍未开工或完工；或本年度项目的支出"
        "进度低于当月的进度目标（spend_targets）。"
    ),
    parameters=figures.SCHEDULE_DEFAULTS,
)
def slow_projects(region: Any, params: dict) -> list[dict]:
    """Past the planned 开工 or 完工 date (after the grace days) and not there; or a project of
    this year whose 支出进度 is under the schedule target of the month (spend_targets)."""
    on = today()
    grace = int(params.get("grace_days") or 0)
    spend = figures.target(params.get("spend_targets") or {}, on.month)
    late = on - dt.timedelta(days=grace)
    qs = _with_paid(_projects(region).filter(LIVE)).filter(
        Q(planned_start__lt=late) | Q(planned_end__lt=late) | Q(year=on.year)
    )
    out = []
    fields = [key for key, _ in figures.FUNDS]
    for p in qs.values(
        "region_id",
        "project_no",
        "name",
        "status",
        "year",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "paid_sum",
        *fields,
    ):
        p["started"] = bool(p["actual_start"]) or p["status"] in ("在建", *FINISHED)
        p["finished"] = bool(p["actual_end"]) or p["status"] in FINISHED
        why = figures.behind(p, on, grace)
        if not why and p["year"] == on.year and spend and not p["finished"]:
            allocated = sum((p[k] or 0 for k in fields), start=Decimal(0))
            rate = figures.percent(p["paid_sum"], allocated)
            if rate is not None and rate < spend:
                why = f"支出进度{rate}%，低于{on.month}月底应达到的{spend}%"
        if why:
            out.append(
                region_finding(
                    p["region_id"],
                    f"{_label(p)}进度缓慢：{why}",
                    f"slow:{p['project_no']}",
                    项目编号=p["project_no"],
                )
            )
    return out


def _works_finished(region: Any) -> QuerySet:
    return _projects(region).filter(status__in=FINISHED, settlement_amount__gt=0)


@check(
    "P02",
    "工程项目未预留质保金",
    "yellow",
    description="已完工的工程项目（有结算金额）没有预留质保金。",
)
def no_retention(region: Any) -> list[dict]:
    """A finished works project (one with a 结算金额) that retains no 质保金."""
    qs = _works_finished(region).filter(Q(retention__isnull=True) | Q(retention=0))
    return [
        region_finding(
            p["region_id"],
            f"{_label(p)}已完工，结算金额{p['settlement_amount']}元，未预留质保金",
            f"no_retention:{p['project_no']}",
            项目编号=p["project_no"],
        )
        for p in qs.values("region_id", "project_no", "name", "settlement_amount")
    ]


@check(
    "P03",
    "质保金超过结算金额的上限",
    "yellow",
    description="质保金超过结算金额的上限比例（ceiling_percent，默认3%）。",
    parameters={"ceiling_percent": 3},
)
def retention_over_ceiling(region: Any, params: dict) -> list[dict]:
    """质保金 above the ceiling (percent of the 结算金额; 3% by default)."""
    ceiling = Decimal(str(params.get("ceiling_percent", 3)))
    out = []
    qs = _works_finished(region).filter(retention__gt=0)
    for p in qs.values("region_id", "project_no", "name", "settlement_amount", "retention"):
        limit = (p["settlement_amount"] * ceiling / 100).quantize(Decimal("0.01"))
        if p["retention"] > limit:
            out.append(
                region_finding(
                    p["region_id"],
                    f"{_label(p)}质保金{p['retention']}元，超过结算金额的{ceiling}%（{limit}元）",
                    f"retention_over:{p['project_no']}",
                    项目编号=p["project_no"],
                )
            )
    return out


@check(
    "P04",
    "质保期满前退还质保金",
    "red",
    description="质保期满日期之前（或未填质保期满日期）已支付到结算金额全额，即提前退还了质保金。",
)
def retention_released_early(region: Any) -> list[dict]:
    """Paid up to the whole 结算金额 (the 质保金 released) before the 质保期满日期 (or with
    none)."""
    on = today()
    qs = _with_paid(_works_finished(region).filter(retention__gt=0)).filter(
        Q(retention_due__isnull=True) | Q(retention_due__gt=on)
    )
    out = []
    for p in qs.values(
        "region_id", "project_no", "name", "settlement_amount", "paid_sum", "retention_due"
    ):
        if p["paid_sum"] < p["settlement_amount"]:
            continue
        due = (
            f"质保期满日期{p['retention_due']:%Y-%m-%d}"
            if p["retention_due"]
            else "未填质保期满日期"
        )
        out.append(
            region_finding(
                p["region_id"],
                f"{_label(p)}已支付{figures.money(p['paid_sum'])}元，达到结算金额，质保金在质保期满前已退还（{due}）",
                f"retention_early:{p['project_no']}",
                项目编号=p["project_no"],
            )
        )
    return out


@check(
    "P05",
    "擅自变更建设内容或资金",
    "red",
    description="项目录入后建设内容或资金栏目有变更，但没有变更批复。",
)
def unapproved_changes(region: Any) -> list[dict]:
    """建设内容 or a fund column changed after the project was recorded, with no 变更批复."""
    projects = _projects(region)
    names = dict(projects.values_list("pk", "project_no"))
    where = dict(projects.values_list("pk", "region_id"))
    out = []
    for c in plan_changes(projects):
        if c["approval"] is not None:
            continue
        number = names[c["project_id"]]
        what = "、".join(c["fields"])
        out.append(
            region_finding(
                where[c["project_id"]],
                f"项目{number}于{c['at']:%Y-%m-%d}变更了{what}，没有登记变更批复",
                f"change:{c['id']}",
                项目编号=number,
                变更记录=c["id"],
            )
        )
    return out


@check(
    "P06",
    "项目完工未及时验收",
    "yellow",
    description="项目完工超过 days 天仍没有验收日期。",
    parameters={"days": 90},
)
def not_accepted(region: Any, params: dict) -> list[dict]:
    """Finished more than `days` ago with no 验收日期."""
    days = int(params.get("days") or 90)
    cutoff = today() - dt.timedelta(days=days)
    qs = _projects(region).filter(LIVE, accepted__isnull=True, actual_end__lt=cutoff)
    return [
        region_finding(
            p["region_id"],
            f"{_label(p)}于{p['actual_end']:%Y-%m-%d}完工，超过{days}天未验收",
            f"not_accepted:{p['project_no']}",
            项目编号=p["project_no"],
        )
        for p in qs.values("region_id", "project_no", "name", "actual_end")
    ]


@check(
    "P07",
    "绩效目标设置不合理",
    "yellow",
    description="绩效目标为空，或其中没有任何数字（无法据以考核）。",
)
def weak_goals(region: Any) -> list[dict]:
    """A project whose 绩效目标 is empty or has no number in it (nothing to measure it by)."""
    out = []
    for p in (
        _projects(region).filter(LIVE).values("region_id", "project_no", "name", "performance_goal")
    ):
        goal = (p["performance_goal"] or "").strip()
        if goal and NUMBER.search(goal):
            continue
        why = "未设置绩效目标" if not goal else f"绩效目标“{goal[:40]}”没有可衡量的数量指标"
        out.append(
            region_finding(
                p["region_id"],
                f"{_label(p)}{why}",
                f"goal:{p['project_no']}",
                项目编号=p["project_no"],
            )
        )
    return out


@check("P08", "资产确权或管护不到位", "yellow", description="资产没有确权主体，或没有管护责任人。")
def unkept_assets(region: Any) -> list[dict]:
    """An asset with no 确权主体 or no 管护责任人."""
    qs = _assets(region).filter(Q(owner="") | Q(keeper_person=""))
    out = []
    for a in qs.values("region_id", "asset_no", "name", "owner", "keeper_person"):
        missing = [
            w for w, v in (("确权主体", a["owner"]), ("管护责任人", a["keeper_person"])) if not v
        ]
        out.append(
            region_finding(
                a["region_id"],
                f"资产{a['asset_no']}（{a['name'] or '未命名'}）没有{'和'.join(missing)}",
                f"unkept:{a['asset_no']}",
                资产编号=a["asset_no"],
            )
        )
    return out


@check(
    "P09",
    "资产未发挥效益",
    "yellow",
    description=(
        "经营性资产在该年度（默认上一年度，其收益已可确定）没有年度收益，或资产处于闲置状态。"
    ),
    parameters={"year_offset": 1},
)
def idle_assets(region: Any, params: dict) -> list[dict]:
    """An 经营性 asset with no 年度收益 for the year (by default last year, whose income is
    known), or any asset 闲置."""
    year = today().year - int(params.get("year_offset", 1))
    earning = Q(income_year=year, income__gt=0)
    qs = _assets(region).filter(Q(status="闲置") | (Q(category="经营性") & ~earning))
    out = []
    for a in qs.values("region_id", "asset_no", "name", "status", "category"):
        idle = a["status"] == "闲置"
        why = "处于闲置状态" if idle else f"是经营性资产，没有{year}年度收益"
        out.append(
            region_finding(
                a["region_id"],
                f"资产{a['asset_no']}（{a['name'] or '未命名'}）{why}",
                f"idle:{a['asset_no']}:{year}",
                资产编号=a["asset_no"],
            )
        )
    return out


@check(
    "P10",
    "产业发展资金占比低于下限",
    "yellow",
    description=(
        "本年度衔接资金中产业发展资金的占比低于下限（floor_percent，百分比）：按所查区划计算"
        "，未指定区划时逐县计算。"
    ),
    parameters=figures.SHARE_DEFAULTS,
)
def industry_share(region: Any, params: dict) -> list[dict]:
    """Each county's 产业发展 share of this year's 衔接资金 under the floor (percent): the
    region's, or every county's for None."""
    if region is not None and region.level > Region.Level.COUNTY:
        return []  # the floor is the county's, not a town's
    year = today().year
    floor = Decimal(str(params.get("floor_percent", 55)))
    out = []
    for county in Region.objects.counties_of(region).order_by("pk"):
        found = figures.industry(figures.projects_of(county, year).filter(LIVE), year, floor)
        if not found["share"] or not found["below_floor"]:
            continue
        out.append(
            region_finding(
                county.pk,
                f"{county.name}{year}年衔接资金项目{found['projects']}个、资金{found['funds']}元，"
                f"产业发展资金{found['industry_funds']}元，占比{found['share']}%，低于{floor}%",
                f"share:{year}",
                占比=found["share"],
            )
        )
    return out


@check(
    "P11",
    "已支付金额与支付台账不符",
    "yellow",
    description="项目的已支付金额不等于其项目资金支付台账各行金额之和。",
)
def paid_mismatch(region: Any) -> list[dict]:
    """A project whose 已支付金额 is not the sum of its 项目资金支付 rows."""
    qs = _with_paid(_projects(region).filter(paid_amount__isnull=False))
    out = []
    for p in qs.values("region_id", "project_no", "name", "paid_amount", "paid_sum"):
        if p["paid_amount"] == p["paid_sum"]:
            continue
        out.append(
            region_finding(
                p["region_id"],
                f"{_label(p)}已支付金额{p['paid_amount']}元，支付台账合计{figures.money(p['paid_sum'])}元",
                f"paid:{p['project_no']}",
                项目编号=p["project_no"],
            )
        )
    return out
