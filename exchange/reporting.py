"""The department batches' sentences in the work report's 三、政策落实 (formats.md §8), in seed
000's words: 健康帮扶 (医保 救助 人次) and 兜底保障 (民政 救助 by 救助类别). The figures are
`exchange.hooks.policy_figures` (the same as `fangpin ledger stats` gives under "departments");
no batch loaded says so instead of inventing a figure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from exchange.hooks import policy_figures

MEDICAL_WORDS = (
    ("住院医疗救助", "住院医疗救助"),
    ("大病保险", "大病保险政策"),
    ("门诊慢特病医疗救助", "门诊慢性病救助"),
)
# 兜底保障 as the reports list it: 救助类别, counted by persons or (农村低保) households.
CIVIL_WORDS = (
    ("农村特困", "persons", "人落实特困供养保障"),
    ("农村低保", "households", "户落实农村低保保障"),
    ("临时救助", "persons", "人落实临时救助"),
    ("事实无人抚养儿童", "persons", "人落实事实无人抚养儿童基本生活补助"),
    ("重度残疾人护理补贴", "persons", "人落实重度残疾人护理补贴"),
    ("困难残疾人生活补贴", "persons", "人落实困难残疾人生活补贴"),
    ("低保边缘", "persons", "人纳入低保边缘"),
    ("刚性支出困难", "persons", "人纳入刚性支出困难"),
)


def report_sections(region: Any, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    found = policy_figures(region, start, end)
    medical, civil = found["medical"], found["civil"]
    if medical["batches"]:
        listed = "、".join(f"{words}{medical[key]['rows']}人次" for key, words in MEDICAL_WORDS)
        health = f"健康帮扶：{listed}。"
    else:
        health = "健康帮扶：本期无医保结算数据。"
    if civil["batches"]:
        by_type = civil["by_type"]
        parts = [
            f"{by_type[aid][unit]}{words}"
            for aid, unit, words in CIVIL_WORDS
            if by_type.get(aid, {}).get(unit)
        ]
        net = "兜底保障：已有" + "，".join(parts) + "。" if parts else "兜底保障：本期无救助记录。"
    else:
        net = "兜底保障：本期无民政救助数据。"
    return {"policy": [health, net]}
