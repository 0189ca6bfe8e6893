"""The livelihood ledgers' sentences in the work report, section 四、工作落实 (formats.md §8), in
seed 000's words: "通过银行已办理贷款31户", "光伏电站每年收益分配16万元，用于三个脱贫村15人光伏
公益性岗位工资11.6万元，投入小型公益性事业4.4万元". A ledger without rows in the period says so."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count

from core import numerals
from core.numerals import small
from ledgers import figures, kit
from livelihood.figures import on_post_q, pv_posts_q, span_q
from livelihood.models import PostRow


def wan(amount: Any) -> str:
    """An amount in yuan as the reports write it: 万元 from 10,000 up (16万元, 11.6万元), else
    元."""
    value = Decimal(str(amount or 0))
    return f"{numerals.wan(value)}万元" if value >= 10000 else f"{numerals.yuan(value)}元"


def report_sections(region: Any, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """小额信贷, 光伏收益分配 and 公益性岗位 for the report's year."""
    year = start.year
    loans = _loans(region, year, figures.paid_within(start, end, "lent_date"))
    return {
        "work:loans": [loans],
        "work:pv": [_pv(region, year)],
        "work:posts": [_posts(region, start, end)],
    }


def _loans(region: Any, year: int, within: Any = None) -> str:
    """The loans lent in the year (by 放款日期), or in the report's shorter period."""
    found = figures.figures(kit.ledger("loans"), region, year, within)
    if not found["rows"]:
        return "小额信贷：本期没有放款记录。"
    text = f"小额信贷：通过银行已办理贷款{found['households']}户，贷款金额{wan(found['amount'])}"
    subsidy = found["sums"].get("贴息金额", "0.00")
    if Decimal(subsidy):
        text += f"，贴息{wan(subsidy)}"
    pooled = found["pooled_households"]
    if pooled:
        text += f"；其中户贷社用、户贷企用{pooled}户"
    overdue = found["overdue"]["households"]
    if overdue:
        text += f"；逾期{overdue}户，已交帮扶联系人跟进"
    return text + "。"


def _pv(region: Any, year: int) -> str:
    found = figures.figures(kit.ledger("pv_income"), region, year)
    if not found["rows"]:
        return "光伏收益分配：本期没有光伏收益分配记录。"
    sums = found["sums"]
    text = f"光伏收益分配：光伏电站{year}年收益分配{wan(sums['发电收益'])}"
    uses = []
    if Decimal(sums["公益岗位支出"]):
        persons = found["post_persons"]
        who = f"{persons}人" if persons else ""
        villages = found["villages"]
        # Seed 000: "用于三个脱贫村15人…" when every station's village is a 脱贫村.
        alleviated = villages == found["alleviated_villages"]
        where = f"{small(villages)}脱贫村" if alleviated else f"{villages}个村"
        uses.append(f"用于{where}{who}光伏公益性岗位工资{wan(sums['公益岗位支出'])}")
    if Decimal(sums["公益事业支出"]):
        uses.append(f"投入小型公益性事业{wan(sums['公益事业支出'])}")
    if Decimal(sums["奖励补助支出"]):
        uses.append(f"奖励补助{wan(sums['奖励补助支出'])}")
    if uses:
        text += "，" + "，".join(uses)
    if Decimal(sums["运维费用"]):
        text += f"；列支运维费用{wan(sums['运维费用'])}"
    return text + "。"


def _posts(region: Any, start: dt.date, end: dt.date) -> str:
    """Persons on a post at some time in the period, on post at its end, and of them those
    paid from 光伏收益 (seed 000: "全年聘用…"; a shorter period names its months)."""
    held = PostRow.objects.below(region).filter(span_q(start, end))
    persons = held.aggregate(n=Count("person", distinct=True))["n"]
    if not persons:
        return "公益性岗位：本期没有公益性岗位聘用记录。"
    on_post = held.filter(on_post_q(end)).aggregate(n=Count("person", distinct=True))["n"]
    pv = held.filter(pv_posts_q()).aggregate(n=Count("person", distinct=True))["n"]
    if (start.month, start.day, end.month) == (1, 1, 12):
        span = "全年"
    else:
        span = f"{start.month}月" if start.month == end.month else f"{start.month}-{end.month}月"
    text = f"公益性岗位：{span}聘用{persons}人，期末在岗{on_post}人"
    if pv:
        text += f"，其中光伏收益岗位{pv}人"
    return text + "。"
