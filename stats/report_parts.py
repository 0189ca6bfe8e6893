"""The report's sentences that come from the register, the leads, the procedures and the
screenings (not from a ledger): 一、基本情况 and 四（一）防止返贫动态监测和帮扶工作, each with
the figures it states and their definitions for the table appendix.

Leads, cases and screenings belong to work apps that do not import each other; stats sits above
them and reads them here.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q, Sum

from core import codes
from core.batching import chunks
from core.labels import Labels
from core.numerals import CN_NUMBERS, small
from regions.models import Region
from registry import history
from stats.periods import months
from stats.services import CATEGORIES

SCREENING = "集中排查"
OTHER_CHANNEL = "系统导入及其他途径"


@dataclass
class Figure:
    """One figure the report states, for the appendix."""

    section: str
    label: str
    value: str
    definition: str


@dataclass
class Part:
    paragraphs: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def figure(self, section: str, label: str, value: str, definition: str) -> None:
        self.figures.append(Figure(section, label, value, definition))


def hp(pair: dict[str, int]) -> str:
    return f"{pair['households']}户{pair['persons']}人"


def _pair() -> dict[str, int]:
    return {"households": 0, "persons": 0}


def _add(target: dict[str, int], persons: int) -> None:
    target["households"] += 1
    target["persons"] += persons


# --- 一、基本情况 -----------------------------------------------------------------------------


def basic(region: Region, stats: dict[str, Any], labels: Labels) -> Part:
    """一、基本情况 in the words of the township reports (seed 000), with the year's labels."""
    part = Part()
    mon = stats["monitored"]
    open_ = mon["not_eliminated"]
    units = f"{stats['villages']}个村"
    alleviated = stats.get("alleviated_villages", {"count": 0, "names": []})
    key = stats.get("key_villages", {"count": 0, "names": []})
    notes = []
    if alleviated["count"]:
        notes.append(f"其中有{small(alleviated['count'])}脱贫村{'、'.join(alleviated['names'])}")
    if key["count"]:
        notes.append(f"{small(key['count'])}重点帮扶村{'、'.join(key['names'])}")
    if notes:
        units += f"（{'，'.join(notes)}）"
    if stats.get("communities"):
        units += f"，{stats['communities']}个社区"
    if region.level == Region.Level.COUNTY:
        towns = Region.objects.below(region).filter(level=Region.Level.TOWN, retired=False).count()
        units = f"{towns}个乡镇、{units}"
    head = f"{region.name}共有{units}，"
    if region.level >= Region.Level.VILLAGE:
        # A village tells its own kind, not a count of itself.
        kind = "社区" if region.is_community else "脱贫村" if region.is_alleviated_village else ""
        head = f"{region.name}{f'（{kind}）' if kind else ''}共有"
    household = labels.household
    one = "一、基本情况"
    if not stats["households"]["households"]:
        # Nobody on the register here (on that day): say so rather than a row of 0户0人.
        where = f"{head[:-1]}；" if region.level < Region.Level.VILLAGE else head[: -len("共有")]
        part.paragraphs.append(f"{where}户籍台账中尚无本区域农户数据。")
        part.figure(one, "行政村", f"{stats['villages']}个", "本区域内未撤销的村级区划，不含社区")
        part.figure(one, "户数、人数", "无数据", f"{stats['as_of']}户籍台账中本区域没有有成员的户")
        return part
    text = (
        f"{head}{stats['households']['households']}户，{stats['households']['persons']}人，"
        f"现有建档立卡稳定脱贫户{hp(stats['alleviated_stable'])}，{household}{hp(mon)}"
    )
    courses = _courses(history.courses(region, dt.date.fromisoformat(stats["as_of"])))
    if courses:
        text += f"（{courses}）"
    text += f"，现有未消除风险{household}{hp(open_)}"
    years = "，".join(
        f"{year}年新识别{hp(pair)}" for year, pair in open_["by_identified_year"].items()
    )
    if years:
        text += f"（{years}）"
    cats = "，".join(
        f"{labels.category(c)}{hp(open_['by_category'][c])}"
        for c in CATEGORIES
        if open_["by_category"][c]["households"]
    )
    if cats:
        text += f"，其中{cats}"
    part.paragraphs.append(text + "。")
    day = stats["as_of"]
    part.figure(one, "行政村", f"{stats['villages']}个", "本区域内未撤销的村级区划，不含社区")
    if stats.get("communities"):
        part.figure(one, "社区", f"{stats['communities']}个", "村级区划中标注为社区的")
    if alleviated["count"]:
        part.figure(
            one,
            "脱贫村",
            f"{alleviated['count']}个",
            "标注为脱贫村的行政村：" + "、".join(alleviated["names"]),
        )
    if key["count"]:
        part.figure(one, "重点帮扶村", f"{key['count']}个", "标注为重点帮扶村的行政村")
    part.figure(one, "户数、人数", hp(stats["households"]), f"{day}有成员的户及其当日成员")
    part.figure(
        one,
        "稳定脱贫户",
        hp(stats["alleviated_stable"]),
        f"{day}为脱贫户且不是{labels.population}的户",
    )
    part.figure(one, household, hp(mon), f"{day}为{labels.population}的户（含已消除风险）")
    part.figure(
        one, f"未消除风险{household}", hp(open_), f"{day}为{labels.population}且风险未消除的户"
    )
    for c in CATEGORIES:
        if open_["by_category"][c]["households"]:
            part.figure(
                one,
                labels.category(c),
                hp(open_["by_category"][c]),
                f"未消除风险{household}中该类别的",
            )
    return part


def _courses(courses: list[history.Course]) -> str:
    """The cohorts of 监测户 with an elimination or a re-identification, by the year each was
    first identified (seed 000: "2019年识别3户5人，2户4人2020年已消除风险，1户1人2020年消除风险后
    2022年因危房改造重新识别", here with the re-identification's 风险类型); the households
    identified and never eliminated are told by year after."""
    by_year: dict[int, list[history.Course]] = defaultdict(list)
    for c in courses:
        by_year[c.first_identified.year].append(c)
    cohorts = []
    for year in sorted(by_year):
        group = by_year[year]
        gone: dict[int, dict[str, int]] = defaultdict(_pair)
        again: dict[tuple[int, int, str], dict[str, int]] = defaultdict(_pair)
        for c in group:
            if c.eliminated:
                _add(gone[c.eliminated.year], c.persons)
            elif c.reidentified:
                undone = c.undone_elimination.year if c.undone_elimination else 0
                why = "、".join(codes.split_multi(c.reidentified_risks))
                _add(again[(undone, c.reidentified.year, why)], c.persons)
        if not gone and not again:
            continue
        parts = [f"{year}年识别{hp(total(group))}"]
        parts += [f"{hp(pair)}{y}年已消除风险" for y, pair in sorted(gone.items())]
        parts += [
            f"{hp(pair)}{f'{undone}年消除风险后' if undone else ''}{y}年{why}重新识别"
            for (undone, y, why), pair in sorted(again.items())
        ]
        cohorts.append("，".join(parts))
    return "；".join(cohorts)


# --- 四（一）防止返贫动态监测和帮扶工作 ----------------------------------------------------------


def _channels(household_ids: list[int], end: dt.date) -> dict[int, str]:
    """Each household's identification channel: the source of the lead of its latest approved
    identification case decided by `end` (集中排查 when the lead came from a screening)."""
    from monitoring.models import Case

    out: dict[int, str] = {}
    warnings: dict[int, str] = {}
    for part in chunks(household_ids):
        rows = (
            Case.objects.filter(
                household_id__in=part,
                kind=Case.Kind.IDENTIFY,
                status=Case.Status.APPROVED,
            )
            .filter(Q(decision_date__isnull=True) | Q(decision_date__lte=end))
            .order_by("household_id", "decision_date", "id")
            .values_list("household_id", "lead__source", "lead__origin")
        )
        for hid, source, origin in rows:
            if (origin or "").startswith("assistance.screening"):
                source = SCREENING
            out[hid] = source or OTHER_CHANNEL
            if (origin or "").startswith("exchange.warning:"):
                warnings[hid] = origin.partition(":")[2]
    # A department's warning names the department (seed 002: "10月省医保推送新增2户5人").
    departments = _departments([w for w in warnings.values() if w.isdigit()])
    for hid, warning in warnings.items():
        if warning in departments:
            out[hid] = f"{departments[warning]}推送"
    return out


def _departments(warning_ids: list[str]) -> dict[str, str]:
    """exchange Item id → the department whose file raised it (医保, 民政…)."""
    from exchange.models import SOURCE_CHOICES, Item

    names = dict(SOURCE_CHOICES)
    out: dict[str, str] = {}
    for part in chunks([int(w) for w in warning_ids]):
        for pk, source in Item.objects.filter(pk__in=part).values_list("pk", "source"):
            if source in names and source != "register":
                out[str(pk)] = names[source]
    return out


def _channel_order(channel: str) -> tuple[int, str]:
    """Lead sources in the code table's order, department pushes after them, others last."""
    if channel in codes.LEAD_SOURCES:
        return (codes.LEAD_SOURCES.index(channel), channel)
    return (len(codes.LEAD_SOURCES) + (channel == OTHER_CHANNEL), channel)


def _by_category(rows: list[history.Marking], labels: Labels) -> str:
    cats: dict[str, dict[str, int]] = defaultdict(_pair)
    for row in rows:
        _add(cats[row.category], row.persons)
    order = [c for c in CATEGORIES if c in cats] + sorted(c for c in cats if c not in CATEGORIES)
    listed = "，".join(f"{labels.category(c) or '未填类别'}{hp(cats[c])}" for c in order)
    return f"，其中{listed}" if listed else ""


def total(rows: Sequence[history.Marking | history.Course]) -> dict[str, int]:
    """Households and their persons, each household once (one identified and re-identified in
    the period has a marking of each kind)."""
    pair = _pair()
    for row in {row.household_id: row for row in rows}.values():
        _add(pair, row.persons)
    return pair


def monitoring(
    region: Region, start: dt.date, end: dt.date, labels: Labels, register_empty: bool = False
) -> Part:
    """四（一）: leads, identifications by channel and category, 集中排查, 自然增减, exits
    (`register_empty`: the register has nobody in the region at the end)."""
    from monitoring.models import Lead

    part = Part()
    four = "四、工作落实情况"
    span = months(start, end)
    who = labels.population
    steps: list[str] = []

    # Leads by channel.
    leads = (
        Lead.objects.counted()
        .filter(reported_date__gte=start, reported_date__lte=end)
        .filter(region__in=Region.objects.below(region).values("pk"))
    )
    by_source = dict(leads.values_list("source").annotate(n=Count("id")).order_by())
    lead_total = sum(by_source.values())

    # Identifications by channel (the register's events; the channel from the procedure).
    marked = history.markings(region, start, end, ("identified",))
    channel = _channels([m.household_id for m in marked], end)
    by_channel: dict[str, list[history.Marking]] = defaultdict(list)
    for m in marked:
        by_channel[channel.get(m.household_id, OTHER_CHANNEL)].append(m)
    ordinary = [m for c, rows in by_channel.items() if c != SCREENING for m in rows]

    if lead_total or ordinary:
        text = f"开展预警线索摸排。{span}共排查预警线索{lead_total}条"
        sources = [s for s in codes.LEAD_SOURCES if by_source.get(s)]
        if len(sources) > 1:
            text += "（" + "、".join(f"{s}{by_source[s]}条" for s in sources) + "）"
        if ordinary:
            ways = [c for c in by_channel if c != SCREENING]
            ways.sort(key=_channel_order)
            how = "通过" + "、".join(ways) if ways else "通过各村及驻村工作队排查"
            text += f"，{how}，识别{who}{hp(total(ordinary))}{_by_category(ordinary, labels)}"
            if len(ways) > 1:
                text += "（" + "；".join(f"{c}{hp(total(by_channel[c]))}" for c in ways) + "）"
        else:
            text += f"，本期未新识别{who}"
        steps.append(text)
    else:
        steps.append(f"本期无预警线索和识别{who}数据")
    part.figure(four, "预警线索", f"{lead_total}条", f"发现日期在{span}内的线索（不含已合并的）")
    for s in codes.LEAD_SOURCES:
        if by_source.get(s):
            part.figure(four, f"线索：{s}", f"{by_source[s]}条", "按线索来源")
    for c, rows in by_channel.items():
        part.figure(
            four,
            f"识别{who}：{c}",
            hp(total(rows)),
            f"{span}内识别事件的户（按识别程序所依据线索的来源）及其期末成员",
        )

    # By month and channel (seed 002: "5月集中排查新增24户47人，10月省医保推送新增2户5人").
    if marked and (start.month != end.month or start.year != end.year):
        month_channel: dict[tuple[int, int, str], list[history.Marking]] = defaultdict(list)
        for m in marked:
            key = (m.date.year, m.date.month, channel.get(m.household_id, OTHER_CHANNEL))
            month_channel[key].append(m)
        listed = "，".join(
            f"{mo}月{c}新增{hp(total(rows))}" for (_y, mo, c), rows in sorted(month_channel.items())
        )
        steps[-1] += f"（分月看，{listed}）"

    # 集中排查.
    screening = _screening(region, start, end, by_channel.get(SCREENING, []), labels, part)
    if screening:
        steps.append(screening)
    elif by_channel.get(SCREENING):
        rows = by_channel[SCREENING]
        steps.append(f"开展集中排查，识别{who}{hp(total(rows))}{_by_category(rows, labels)}")
    else:
        steps.append("本期无集中排查数据")

    # 自然增减, exits, 返贫, eliminations.
    steps.append(_dynamic(region, start, end, labels, part, span, register_empty))

    numbered = [f"{CN_NUMBERS[i + 1]}是{t}" for i, t in enumerate(steps)]
    part.paragraphs.append("（一）防止返贫动态监测和帮扶工作。" + "；".join(numbered) + "。")
    return part


def _screening(
    region: Region,
    start: dt.date,
    end: dt.date,
    identified: list[history.Marking],
    labels: Labels,
    part: Part,
) -> str:
    """集中排查 campaigns held in the period in the region: coverage, risks found, results."""
    from assistance.models import Screening

    rows = list(
        Screening.objects.filter(
            village__in=Region.objects.below(region).values("pk"),
            campaign__start_date__lte=end,
            campaign__end_date__gte=start,
        )
        .values("campaign_id", "campaign__name")
        .annotate(
            households=Count("id"),
            persons=Sum("persons"),
            villages=Count("village_id", distinct=True),
            done=Count("id", filter=Q(done=True)),
            risky=Count("id", filter=~Q(risks="")),
            leads=Count("lead_id"),
            begun=Min("campaign__start_date"),
        )
        .order_by("begun", "campaign_id")
    )
    if not rows:
        return ""
    four = "四、工作落实情况"
    # What the households' answers raised, by risk (a household may raise several).
    risks: dict[int, Counter[str]] = defaultdict(Counter)
    for campaign_id, raised in (
        Screening.objects.filter(
            village__in=Region.objects.below(region).values("pk"),
            campaign_id__in=[r["campaign_id"] for r in rows],
        )
        .exclude(risks="")
        .values_list("campaign_id", "risks")
    ):
        risks[campaign_id].update(codes.split_multi(raised))
    texts = []
    for row in rows:
        begun: dt.date = row["begun"]
        found = risks[row["campaign_id"]]
        by_risk = "、".join(f"{risk}{n}户" for risk, n in found.most_common())
        text = (
            f"{begun.year}年{begun.month}月（{row['campaign__name']}）通过对"
            f"{row['villages']}个村{row['households']}户{row['persons'] or 0}人进行了全面摸排，"
            f"已完成{row['done']}户，发现风险{row['risky']}户"
            + (f"（{by_risk}）" if by_risk else "")
            + f"，转为线索{row['leads']}条"
        )
        texts.append(text)
        part.figure(
            four,
            f"集中排查：{row['campaign__name']}",
            f"{row['households']}户{row['persons'] or 0}人",
            "排查名单中本区域的户及其分配时人数",
        )
        for risk, n in found.most_common():
            part.figure(four, f"集中排查发现风险：{risk}", f"{n}户", "排查答案中反映该风险的户")
    text = "开展集中排查。" + "；".join(texts)
    if identified:
        text += (
            f"，识别{labels.population}{hp(total(identified))}{_by_category(identified, labels)}"
        )
    else:
        text += f"，本期未因集中排查识别{labels.population}"
    return text


def _dynamic(
    region: Region,
    start: dt.date,
    end: dt.date,
    labels: Labels,
    part: Part,
    span: str,
    register_empty: bool = False,
) -> str:
    four = "四、工作落实情况"
    changes = history.membership_changes(region, start, end)
    added, removed = changes["added"], changes["removed"]
    exits = history.exits(region, start, end)
    again = history.markings(region, start, end, ("reidentified",))
    gone = history.markings(region, start, end, ("eliminated",))
    if register_empty and not (
        added["persons"] or removed["persons"] or any(exits.values()) or again or gone
    ):
        return f"本期无脱贫户、{labels.household}动态管理数据"
    text = (
        f"开展动态管理。{span}脱贫户、{labels.household}自然增加{added['persons']}人，"
        f"自然减少{hp(removed)}"
    )
    part.figure(
        four,
        "自然增加",
        hp(added),
        "加入日期在本期、加入时所在户为脱贫户或"
        + labels.household
        + "的成员（出生、婚入、迁入、其他）",
    )
    part.figure(
        four,
        "自然减少",
        hp(removed),
        "离开日期在本期、离开时所在户为脱贫户或"
        + labels.household
        + "的成员（死亡、婚出、迁出、其他）",
    )
    parts = []
    for reason, pair in exits["monitored"].items():
        parts.append(f"{reason}{labels.population}{hp(pair)}")
        part.figure(four, f"{reason}（{labels.population}）", hp(pair), "本期退出监测事件，按原因")
    for reason, pair in exits["alleviated"].items():
        word = reason if reason == "清退" else f"{reason}退出"
        parts.append(f"{word}脱贫户{hp(pair)}")
        part.figure(four, f"{reason}（脱贫户）", hp(pair), "本期清退脱贫户事件，按原因")
    if again:
        pair = total(again)
        parts.append(f"风险消除后返贫（风险再标注）{hp(pair)}")
        part.figure(four, "返贫（风险再标注）", hp(pair), "本期风险再标注事件的户")
    if gone:
        pair = total(gone)
        parts.append(f"标注风险消除{hp(pair)}")
        part.figure(four, "风险消除", hp(pair), "本期风险消除事件的户")
    if parts:
        text += "；" + "，".join(parts)
    return text
