"""衔接资金项目's sentences in the work report, section 四、工作落实 (formats.md §8): the projects
of the period's year by 批次 with their villages, their funds, the 产业 projects (seed 000:
"2023年申报实施产业项目6个，投入资金357.7万元") and their share, the payments of the period and
the assets; a period with no project says so."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, Sum

from core.numerals import CN_NUMBERS, small, wan
from projects import figures
from projects.models import STOPPED, Asset
from regions.models import Region

MAX_NAMED = 10  # villages named per batch in the report


def report_sections(region: Region, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    projects = [p for p in (_projects(region, start, end), _assets(region, end)) if p]
    return {"work:projects": projects}


def _projects(region: Region, start: dt.date, end: dt.date) -> str:
    """The year's projects as the ledger's figures count them (formats.md §7: every project of
    the year and its funds, 已终止 too, which the sentence names), then their progress."""
    year = start.year
    projects = figures.projects_of(region, year)
    found = figures.industry(projects, year)
    if not found["projects"]:
        return f"衔接资金项目：{year}年没有衔接资金项目记录。"
    text = ""
    if found["industry_projects"]:
        text = (
            f"{year}年申报实施产业项目{found['industry_projects']}个，"
            f"投入资金{wan(found['industry_funds'])}万元。"
        )
    # The projects are the year's plan: a shorter period tells the year's (seed 000: "全年").
    whole = (start.month, start.day, end.month) == (1, 1, 12)
    text += (
        f"{'全年' if whole else f'{year}年'}实施衔接资金项目{found['projects']}个"
        + _stopped(projects)
        + _batches(projects)
        + f"，下达资金{wan(found['funds'])}万元"
        + (f"，产业发展项目资金占比{found['share']}%" if found["share"] else "")
        + "。"
    )
    # 开工, 完工, 验收 and the payments as the projects' progress page counts them, on `end`.
    t = figures.progress(region, year, end, figures.parameters(year, region))["total"]
    text += f"已开工{t['started']}个、完工{t['finished']}个、验收{t['accepted']}个，{_paid(t)}。"
    return "衔接资金项目：" + text


def _stopped(projects: Any) -> str:
    """The note "（其中已终止1个，资金20万元）" when some of the year's projects were terminated:
    they stay in the count and the funds, as in the ledger's figures, and the reader is told."""
    t = projects.filter(status=STOPPED).aggregate(
        n=Count("pk"), funds=Sum(figures.allocated_expr())
    )
    return f"（其中已终止{t['n']}个，资金{wan(t['funds'])}万元）" if t["n"] else ""


def _paid(t: dict[str, Any]) -> str:
    """累计支付 and 支出进度 from the data that has them (the payments, else 已支付金额); no
    payment recorded either way says so rather than 0."""
    if t["paid_unknown"] == t["projects"]:
        return "暂无资金支付数据"
    text = f"累计支付{wan(t['paid'])}万元"
    recorded = t["paid_recorded"]
    if recorded and recorded == t["paid"]:
        text += "（据项目台账已支付金额）"
    elif recorded:
        text += f"（其中{wan(recorded)}万元据项目台账已支付金额）"
    return text + (f"，支出进度{t['rate']}%" if t["rate"] is not None else "")


def _batch_name(batch: str) -> str:
    """A 批次 as the sentence says it: 第四批 as typed, a bare number (4) as 第四批 — "均为4项目"
    is no sentence."""
    if not batch.isdigit():
        return batch
    n = int(batch)
    return f"第{CN_NUMBERS[n] if 0 < n <= 10 else n}批"


def _batches(projects: Any) -> str:
    """The batches (seed 000: "其中第四批三个项目（向阳村、朝阳村、山下村），第五批…") in the
    order of their first project's number, the villages named while at most MAX_NAMED."""
    batches: dict[str, list[str]] = {}
    for batch, village in projects.order_by("project_no").values_list("batch", "region__name"):
        batches.setdefault(_batch_name(batch), []).append(village)
    if not any(batches):
        return ""

    def named(villages: list[str]) -> str:
        unique = list(dict.fromkeys(villages))
        return f"（{'、'.join(unique)}）" if len(unique) <= MAX_NAMED else ""

    if len(batches) == 1:
        batch, villages = next(iter(batches.items()))
        return f"，均为{batch}项目{named(villages)}"
    listed = (
        f"{batch or '未填批次'}{small(len(villages))}项目{named(villages)}"
        for batch, villages in batches.items()
    )
    return "，其中" + "，".join(listed)


def _assets(region: Region, end: dt.date) -> str:
    year = end.year
    t = Asset.objects.below(region).aggregate(
        n=Count("pk"),
        value=Sum("original_value"),
        business=Count("pk", filter=Q(category="经营性")),
        public=Count("pk", filter=Q(category="公益性")),
        household=Count("pk", filter=Q(category="到户类")),
        owned=Count("pk", filter=~Q(owner="")),
        earned=Sum("income", filter=Q(income_year=year)),
        income_rows=Count("pk", filter=Q(income_year=year, income__isnull=False)),
    )
    if not t["n"]:
        return ""
    return (
        f"帮扶项目资产：登记资产{t['n']}项、原值{wan(t['value'])}万元，其中经营性{t['business']}项、"
        f"公益性{t['public']}项、到户类{t['household']}项；已确权{t['owned']}项；"
        + (
            f"{year}年资产收益{wan(t['earned'])}万元。"
            if t["income_rows"]
            else f"{year}年尚未登记资产收益。"
        )
    )
