"""责任落实's sentences in the work report: 二、责任落实 (督查与例会, 驻村工作队, 网格, 结对帮扶,
问题整改 by 来源) and 四、工作落实 (专项整治 problems by 问题类别), in the seeds' words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from duty import figures
from duty.models import Status
from ledgers import figures as ledger_figures
from regions.models import Region

# How the reports name a source when it found problems (seed 000: "自查自纠发现的2个问题").
FOUND_BY = {"自查": "自查自纠", "督查": "督查", "暗访": "暗访督导", "信访": "信访"}
LEVEL_WORDS = {
    "county": ("县级层面", "认领问题", "制定整改措施"),
    "town": ("乡镇", "共认领问题", "明确整改措施"),
    "village": ("行政村", "共认领问题", "制定整改措施"),
}


def report_sections(region: Region, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """Paragraphs for 二 (duty) and 四 (work) of the report of `region` for [start, end]."""
    duty = [
        _inspections(region, start, end),
        _teams(region, start, end),
        *_grid(region, start, end),
        *_pairings(region, end),
        *_rectification(region, start, end),
    ]
    return {"duty": [p for p in duty if p], "work:special": _special(region, start, end)}


def _span(start: dt.date, end: dt.date) -> str:
    """The counts' span: the year when they run from its 1 January (up to the period's end, as
    seed 000 says "2023年已下发"), else the months of the period (2023年4-6月, 2023年5月)."""
    if (start.month, start.day) == (1, 1):
        return f"{start.year}年"
    months = f"{start.month}月" if start.month == end.month else f"{start.month}-{end.month}月"
    return f"{start.year}年{months}"


def _inspections(region: Region, start: dt.date, end: dt.date) -> str:
    found = figures.inspections(region, start, end)
    if not found["rows"]:
        return "督查与例会：本期没有工作提示、学习、例会和督查记录。"
    kinds = found["by_kind"]
    text = (
        f"{_span(start, end)}已下发{kinds['工作提示']}次定期工作提示、"
        f"开展了{kinds['纪律督查']}次工作队纪律督查"
    )
    others = [
        f"{label}{kinds[kind]}次"
        for kind, label in (
            ("学习", "组织学习"),
            ("例会", "召开例会"),
            ("业务督查", "业务督查"),
            ("暗访", "暗访"),
            ("培训", "培训"),
        )
        if kinds[kind]
    ]
    if others:
        text += "，" + "、".join(others)
    if found["reported"]:
        text += f"，通报{found['reported']}次"
    text += "。"
    if found["monthly_through"]:
        text += f"每月一学习、一例会、一督查工作已落实到{found['monthly_through']}月份。"
    return text


def _teams(region: Region, start: dt.date, end: dt.date) -> str:
    found = figures.teams(region, start, end)
    if not found["in_post"] and not found["ended"]:
        return "驻村工作队：本期没有驻村工作队记录。"
    text = (
        f"现有驻村工作队员{found['in_post']}人（其中第一书记{found['secretaries']}人），"
        f"驻{found['villages']}个村"
    )
    if found["ended"]:
        months = "、".join(str(m) for m in found["months"])
        text += (
            f"；{months}月份组织了{found['rotated_villages']}个村工作队的轮换，"
            f"轮换队员{found['ended']}人，新派驻{found['begun']}人"
        )
    return text + "。"


def _grid(region: Region, start: dt.date, end: dt.date) -> list[str]:
    found = figures.grid(region, start, end)
    if not found["units"]:
        return []
    text = (
        f"健全网格化管理，共组建网格{found['units']}个，明确网格员{found['members']}人，"
        f"覆盖农户{found['covered']}户"
    )
    if found["uncovered"]:
        text += f"（尚有{found['uncovered']}户未明确网格员）"
    if found["adjusted"]:
        text += f"，本期调整优化网格员{found['adjusted']}人"
    return [text + "。"]


def _pairings(region: Region, on: dt.date) -> list[str]:
    found = figures.pairings(region, on)
    if not found:
        return []
    parts = []
    for kind, n in found.items():
        if kind == "县领导联系点":
            parts.append(f"{n['units']}名县领导联系{n['villages']}个村")
        elif kind == "万企兴万村":
            parts.append(f"“万企兴万村”{n['units']}个企业对接帮扶{n['villages']}个行政村")
        else:
            parts.append(f"{kind}单位{n['units']}个帮扶{n['villages']}个村")
    return ["结对帮扶：" + "；".join(parts) + "。"]


def _state(n: int, found: dict[str, Any]) -> str:
    """How far the `n` problems are (seed 000: "目前13个问题均已完成整改"); one problem is told
    as one, not as "1个问题均…" or "已完成整改0个"."""
    done = found[Status.DONE] + found[Status.CLOSED]
    closed = found[Status.CLOSED]
    if n == 1:
        return "目前已完成整改" + ("并销号" if closed else "") if done else "目前正在整改"
    if done == n:
        if closed == n:
            return f"目前{n}个问题均已完成整改并销号"
        return f"目前{n}个问题均已完成整改" + (f"（其中已销号{closed}个）" if closed else "")
    text = f"已完成整改{done}个"
    if closed:
        text += f"（其中已销号{closed}个）"
    return text + f"，正在整改{found[Status.OPEN]}个"


def _rollup(region: Region, start: dt.date, end: dt.date, *, special: bool) -> dict[str, Any]:
    """The roll-up of the report's period: the measures whose 整改时限 falls in it (§7 dates the
    ledger's rows by 整改时限; a shorter period than the year is narrowed as the other dated
    ledgers are, `paid_within`), each 状态 as it stood on the period's last day."""
    within = ledger_figures.paid_within(start, end, "deadline")
    return figures.rollup(region, start.year, special=special, within=within, on=end)


def _rectification(region: Region, start: dt.date, end: dt.date) -> list[str]:
    """问题整改 by 来源 (专项整治 problems are reported under 四), with the roll-up by level."""
    paragraphs: list[str] = []
    found = _rollup(region, start, end, special=False)
    if found["problems"]:
        levels = found["levels"]
        if len(levels) > 1:
            parts = []
            for level in levels:
                label, took, made = LEVEL_WORDS[level["level"]]
                units = f"{level['units']}个{label}" if level["level"] != "county" else label
                parts.append(f"{units}{took}{level['problems']}个，{made}{level['measures']}条")
            paragraphs.append("问题整改：" + "；".join(parts) + "。")
        for source, n in found["by_source"].items():
            categories = f"{n['categories']}个方面" if n["categories"] > 1 else ""
            paragraphs.append(
                f"{source}反馈问题：认领{categories}{n['problems']}个问题，"
                f"制定整改措施{n['measures']}条，{_state(n['problems'], n)}。"
            )
    return paragraphs or ["问题整改：本期没有问题整改记录。"]


def _special(region: Region, start: dt.date, end: dt.date) -> list[str]:
    """四: 专项整治 problems by 问题类别, named by who found them (seed 000)."""
    paragraphs = []
    found = _rollup(region, start, end, special=True)
    for category, bucket in found["by_category"].items():
        # What the town found itself first, then what others found (seed 000).
        found_by = sorted(bucket["by_source"].items(), key=lambda kv: kv[0] != "自查")
        parts = [f"{FOUND_BY.get(source, source)}发现的{n}个问题" for source, n in found_by]
        n = bucket["problems"]
        done = bucket[Status.DONE] + bucket[Status.CLOSED]
        if n == 1:
            state = "已整改完成" if done else "正在整改"
        else:
            state = "已全部整改完成" if done == n else f"已整改完成{done}个，正在整改{n - done}个"
        paragraphs.append(f"开展{category}：{'和'.join(parts)}{state}。")
    return paragraphs or ["专项整治：本期没有专项整治问题记录。"]
