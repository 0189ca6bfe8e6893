"""The department batches' sentences in the work report's 三、政策落实 (formats.md §8), in seed
000's words: 健康帮扶 (医保 救助 人次) and 兜底保障 (民政 救助 by 救助类别). The figures are
`exchange.hooks.policy_figures` (the same as `fangpin ledger stats` gives under "departments");
no batch loaded, or no settlement of the region's people in the period, says so instead of
inventing a figure.
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


WHOLE = {1: "全县", 2: "全镇", 3: "全村"}


def insured(region: Any, on: dt.date) -> dict[str, int]:
    """Members of the 脱贫户 and 监测户 on `on` by 是否参加城乡居民基本医疗保险 (as recorded):
    the households' members on that day (formats.md §4, as `fangpin stats --as-of` counts
    them), not today's — a child born since, or a member who died since, is told as on `on`."""
    from django.db.models import Count, Q

    from core.batching import chunks
    from registry import history
    from registry.models import Membership

    ids = [s.household_id for s in history.statuses(region, on)]
    out = {"total": 0, "yes": 0, "no": 0}
    for part in chunks(ids):
        found = (
            Membership.objects.on(on)
            .filter(household_id__in=part)
            .aggregate(
                total=Count("person_id"),
                yes=Count("person_id", filter=Q(person__medical_insurance=True)),
                no=Count("person_id", filter=Q(person__medical_insurance=False)),
            )
        )
        for k, v in found.items():
            out[k] += int(v or 0)
    return out


def _insurance_sentence(region: Any, on: dt.date) -> str:
    """Seed 000: "全镇所有脱贫户、监测户已全部参加了城乡居民基本医疗保险"."""
    found = insured(region, on)
    if not found["total"]:
        return ""
    whole = WHOLE.get(region.level, "")
    if found["yes"] == found["total"]:
        return f"{whole}所有脱贫户、监测户{found['total']}人已全部参加了城乡居民基本医疗保险"
    if not (found["yes"] or found["no"]):
        # No one's 参保 is recorded (an optional column of §1): no 0 to tell as a figure.
        return f"{whole}脱贫户、监测户{found['total']}人，户籍台账均未登记参保情况"
    unknown = found["total"] - found["yes"] - found["no"]
    text = (
        f"{whole}脱贫户、监测户{found['total']}人中已参加城乡居民基本医疗保险{found['yes']}人，"
        f"未参保{found['no']}人"
    )
    return text + (f"，未登记参保情况{unknown}人" if unknown else "")


def report_sections(region: Any, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    found = policy_figures(region, start, end)
    medical, civil = found["medical"], found["civil"]
    parts = [p for p in [_insurance_sentence(region, end)] if p]
    if medical["batches"] and medical["settlements"]:
        parts.append(
            "、".join(f"{words}{medical[key]['rows']}人次" for key, words in MEDICAL_WORDS)
        )
    elif medical["batches"]:
        parts.append("本期无医保结算记录")
    else:
        parts.append("本期无医保结算数据")
    health = "健康帮扶：" + "，".join(parts) + "。"
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
    return {"policy:health": [health], "policy:safety_net": [net]}


def report_figures(region: Any, start: dt.date, end: dt.date) -> list[dict[str, str]]:
    """The figures of `report_sections` with their definitions (the report's appendix)."""
    found = policy_figures(region, start, end)
    medical, civil = found["medical"], found["civil"]
    section = "三、政策落实情况"
    out: list[dict[str, str]] = []
    if medical["batches"] and medical["settlements"]:
        for key, words in MEDICAL_WORDS:
            out.append(
                {
                    "section": section,
                    "label": words,
                    "value": f"{medical[key]['rows']}人次",
                    "definition": f"医保结算中{key}的笔数（结算日期在本期，重复的只计一次）",
                }
            )
    if civil["batches"]:
        for aid, unit, _words in CIVIL_WORDS:
            pair = civil["by_type"].get(aid, {})
            if pair.get(unit):
                # Persons for every 救助类别; 农村低保 is told in households and persons.
                households = unit == "households"
                value = f"{pair[unit]}户{pair['persons']}人" if households else f"{pair[unit]}人"
                out.append(
                    {
                        "section": section,
                        "label": aid,
                        "value": value,
                        "definition": "民政救助记录中该类别、救助期与本期重叠的"
                        + ("户及其中受助的人" if households else "人"),
                    }
                )
    return out
