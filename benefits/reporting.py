"""The benefit ledgers' sentences in the work report's 三、政策落实 (formats.md §8), in seed 000's
words: 教育帮扶 (雨露计划 人次 by 学期, 教育资助 persons by 学段) and 住房保障 (危房改造 households
by 改造方式). The 医保 and 民政 figures of the same section are the exchange app's
(exchange/reporting.py). A ledger with no rows in the period (education: paid in it, when it is
part of a year; housing: the year's) says so instead of inventing a figure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.numerals import yuan
from ledgers import figures, kit

# 学段 as the report names them, in school order.
STAGES = {
    "学前": "学前教育",
    "小学": "小学",
    "初中": "初中",
    "高中": "高中",
    "中职": "中职",
    "高职": "高职",
    "本科": "本科",
}


def education(region: Any, year: int, within: Any = None) -> str:
    yulu = figures.figures(kit.ledger("yulu"), region, year, within)
    aid = figures.figures(kit.ledger("education_aid"), region, year, within)
    parts = []
    if yulu["rows"]:
        terms = "，".join(
            f"{term}{pair['persons']}人" for term, pair in yulu["by"].get("学期", {}).items()
        )
        parts.append(
            f"{region.name}共落实雨露计划{yulu['rows']}人次，其中{terms}，"
            f"发放补助{yuan(yulu['amount'])}元。"
        )
    else:
        parts.append("雨露计划本期没有发放记录。")
    if aid["rows"]:
        stages = aid["by"].get("学段", {})
        listed = "，".join(
            f"{label}{stages[code]['persons']}人"
            for code, label in STAGES.items()
            if code in stages
        )
        parts.append(
            f"教育资助共计{aid['persons']}人"
            + (f"，其中{listed}" if listed else "")
            + f"，发放资助资金{yuan(aid['amount'])}元。"
        )
    else:
        parts.append("教育资助本期没有发放记录。")
    return "教育帮扶：" + "".join(parts)


def housing(region: Any, year: int, whole: bool = True) -> str:
    """危房改造 of the 年度 `year`. A renovation is kept by 年度, not placed in a quarter or a
    month: a report of part of the year says that its figure is the year's."""
    house = figures.figures(kit.ledger("housing_renovation"), region, year)
    scope = "" if whole else f"{year}年度"
    if not house["rows"]:
        return f"住房保障：危房改造{scope or '本期'}没有改造记录。"
    methods = house["by"].get("改造方式", {})
    listed = "，".join(
        f"{method}{pair['households']}户" for method, pair in methods.items() if method != "（空）"
    )
    return (
        f"住房保障：{scope}对{house['households']}户实施危房改造政策"
        + (f"，其中{listed}" if listed else "")
        + f"，补助资金{yuan(house['amount'])}元。"
    )


def report_sections(region: Any, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """三、政策落实: 教育帮扶 (paid in the period) and 住房保障 (the year's 改造, named as such in
    a report of part of the year) of the ledgers."""
    within = figures.paid_within(start, end)
    return {
        "policy:education": [education(region, start.year, within)],
        "policy:housing": [housing(region, start.year, whole=within is None)],
    }
