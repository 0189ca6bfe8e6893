"""The employment and industry-aid ledgers' sentences in the work report (四、工作落实, §8), in
the words of the township reports (seed 000)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.numerals import yuan
from employment.figures import month_changes, work_in_month
from ledgers import figures, kit


def report_sections(region: Any, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """外出务工, 务工补贴 and 三业奖补 (就业帮扶), and the other 产业奖补, which §8 tells among
    产业帮扶 (the report puts each topic in its place)."""
    industry, three = _industry_aid(region, start, end)
    return {
        "work:employment": [_employment(region, start, end)],
        "work:labour_subsidy": [_subsidies(region, start, end)],
        "work:industry_aid": industry,
        "work:three_aid": three,
    }


def _employment(region: Any, start: dt.date, end: dt.date) -> str:
    """外出务工 (省外 + 县外省内) in the period's last reported month, by the households' status
    at the period's end (formats.md §8); a period without a month reported says so. A month
    whose rows all left 务工状况 blank reports nobody's work: the month before it counts."""
    ledger = kit.ledger("employment")
    every = ledger.model.objects.below(region)
    month = (
        every.filter(month__gte=f"{start:%Y-%m}", month__lte=f"{end:%Y-%m}")
        .exclude(status="")
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if not month:
        return "务工监测（一月一报）：本期没有务工监测记录。"
    work = work_in_month(every, region, month, end)
    out = work["外出务工"]
    text = (
        f"就业帮扶工作。实行务工监测一月一报制度，截至{month[:4]}年{int(month[5:])}月，"
        f"脱贫人口（含监测人口）外出务工共{out['脱贫户'] + out['监测户']}人，"
        f"其中脱贫人口{out['脱贫户']}人，监测人口{out['监测户']}人"
    )
    if out["一般农户"]:
        text += f"，另有一般农户{out['一般农户']}人"
    text += f"；县内务工{work['县内务工']['persons']}人，未务工{work['未务工']['persons']}人"
    change = month_changes(every, month)
    if change:
        text += f"；较上月新外出{change['新外出']}人，回流{change['回流']}人"
    return text + "。"


def _subsidies(region: Any, start: dt.date, end: dt.date) -> str:
    within = figures.paid_within(start, end)
    found = figures.figures(kit.ledger("labour_subsidy"), region, start.year, within)
    if not found["rows"]:
        return "务工补贴：本期没有发放记录。"
    parts = "，".join(
        f"{kind}{cell['persons']}人{yuan(cell['amount'])}元"
        for kind, cell in found["by"].get("补贴类型", {}).items()
    )
    text = f"落实务工补贴{found['persons']}人{yuan(found['amount'])}元，其中{parts}"
    transport = found["by"].get("补贴类型", {}).get("一次性交通补贴")
    if transport:
        text += f"；帮助{transport['persons']}名务工人员申报发放一次性交通补贴"
    return text + "。"


def _industry_aid(region: Any, start: dt.date, end: dt.date) -> tuple[list[str], list[str]]:
    """The 产业奖补 paragraphs (到户, 庭院经济, 其他) and the “三业奖补” one."""
    within = figures.paid_within(start, end)
    found = figures.figures(kit.ledger("industry_aid"), region, start.year, within)
    if not found["rows"]:
        return ["产业奖补：本期没有发放记录。"], []
    items = found["by"].get("奖补项目", {})
    out = []
    home = items.get("到户产业奖补")
    if home:
        out.append(
            f"开展农业特色产业奖补工作，为{home['households']}户申报到户产业帮扶奖补资金，"
            f"兑现到户产业帮扶奖补资金{yuan(home['amount'])}元。"
        )
    else:
        out.append("到户产业奖补：本期没有发放记录。")
    three = items.get("三业奖补")
    if three:
        total, households = Decimal(three["amount"]), three["households"]
        ledger = kit.ledger("industry_aid")
        amounts = figures.rows(ledger, region, start.year).filter(item="三业奖补")
        if within is not None:
            amounts = amounts.filter(within)
        same = amounts.order_by().values("amount").distinct().count() == 1
        each = (
            f"每户落实{yuan(total / households)}元奖补，"
            if same and three["rows"] == households
            else ""
        )
        three_aid = (
            f"开展“三业奖补”工作，{each}帮助{households}户申报发放“三业奖补”，共{yuan(total)}元。"
        )
    else:
        three_aid = "“三业奖补”：本期没有发放记录。"
    for name in ("庭院经济奖补", "其他"):
        cell = items.get(name)
        if cell:
            label = "庭院经济奖补" if name == "庭院经济奖补" else "其他产业奖补"
            out.append(f"落实{label}{cell['households']}户{yuan(cell['amount'])}元。")
    return out, [three_aid]
