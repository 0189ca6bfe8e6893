"""The work report's 三、政策落实 (formats.md §8), worded as seed 000 words it: 教育帮扶
(雨露计划 by 学期, 教育资助 by 学段), 健康帮扶 (医保 救助 人次), 住房保障 (危房改造), 饮水安全
(left for the writer: no data holds it) and 兜底保障 (民政 by 救助类别).

Every figure comes from the ledgers (§7) and the department batches (§2) for the same region;
a part with no data says so instead of inventing a figure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from benefits.figures import policy_figures
from ledgers import figures, kit

NUMERALS = "一二三四五六七八九十"
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
# 兜底保障: (救助类别, unit, counted as, wording) in the seed's order; 农村低保 by households.
SAFETY_NET = (
    ("农村特困", "persons", "人", "落实特困供养保障"),
    ("农村低保", "households", "户", "落实农村低保保障"),
    ("临时救助", "persons", "人", "落实临时救助"),
    ("事实无人抚养儿童", "persons", "人", "落实事实无人抚养儿童基本生活补助"),
    ("重度残疾人护理补贴", "persons", "人", "落实重度残疾人护理补贴"),
    ("困难残疾人生活补贴", "persons", "人", "落实困难残疾人生活补贴"),
    ("低保边缘", "persons", "人", "纳入低保边缘家庭"),
    ("刚性支出困难", "persons", "人", "纳入刚性支出困难家庭"),
)
MEDICAL = (
    ("住院医疗救助", "住院医疗救助"),
    ("大病保险", "大病保险政策"),
    ("门诊慢特病医疗救助", "门诊慢性病救助"),
)


def _money(amount: str) -> str:
    return f"{amount}元"


def education(region: Any, year: int) -> str:
    yulu = figures.figures(kit.ledger("yulu"), region, year)
    aid = figures.figures(kit.ledger("education_aid"), region, year)
    parts = []
    if yulu["rows"]:
        terms = "，".join(
            f"{term}{pair['persons']}人" for term, pair in yulu["by"].get("学期", {}).items()
        )
        parts.append(
            f"{region.name}共落实雨露计划{yulu['rows']}人次，其中{terms}，"
            f"发放补助{_money(yulu['amount'])}。"
        )
    else:
        parts.append("雨露计划：本期没有发放记录。")
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
            + f"，发放资助资金{_money(aid['amount'])}。"
        )
    else:
        parts.append("教育资助：本期没有发放记录。")
    return "".join(parts)


def health(found: dict[str, Any]) -> str:
    medical = found.get("medical") or {}
    if not medical.get("batches"):
        return "医保结算数据尚未导入，医疗救助、大病保险人次暂无统计。"
    listed = "、".join(f"{words}{medical[key]['rows']}人次" for key, words in MEDICAL)
    return f"{listed}（据医保部门结算数据）。"


def housing(region: Any, year: int) -> str:
    house = figures.figures(kit.ledger("housing_renovation"), region, year)
    if not house["rows"]:
        return "危房改造：本期没有改造记录。"
    methods = house["by"].get("改造方式", {})
    listed = "，".join(
        f"{method}{pair['households']}户" for method, pair in methods.items() if method != "（空）"
    )
    return (
        f"对{house['households']}户实施危房改造政策"
        + (f"，其中{listed}" if listed else "")
        + f"，补助资金{_money(house['amount'])}。"
    )


def safety_net(found: dict[str, Any]) -> str:
    civil = found.get("civil") or {}
    if not civil.get("batches"):
        return "民政救助数据尚未导入，兜底保障人数暂无统计。"
    by_type = civil.get("by_type", {})
    parts = [
        f"{by_type[aid][unit]}{word}{what}"
        for aid, unit, word, what in SAFETY_NET
        if by_type.get(aid, {}).get(unit)
    ]
    if not parts:
        return "民政救助数据中本期没有本区域的救助记录。"
    return f"已有{'，'.join(parts)}。"


def report_sections(region: Any, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """三、政策落实: one paragraph per part, numbered as the seed numbers them."""
    found = policy_figures(region, start, end)
    parts = [
        ("教育帮扶政策落实", education(region, start.year)),
        ("健康帮扶政策落实", health(found)),
        ("住房保障政策落实", housing(region, start.year)),
        ("饮水安全政策落实", "（请在此填写：饮水安全排查与改造情况）"),
        ("兜底保障落实", safety_net(found)),
    ]
    return {
        "policy": [f"（{NUMERALS[i]}）{title}。{text}" for i, (title, text) in enumerate(parts)]
    }
