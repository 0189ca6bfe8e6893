"""The drafted work report (工作情况汇报): statistics written out in the usual sentences.

The layout is the docxtpl template `stats/report_templates/work_summary.docx`; a county replaces
it by putting its own file at `<FANGPIN_DATA_DIR>/report_templates/work_summary.docx` (see
`stats/report_templates/README.md` for the placeholders).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.conf import settings

from core import dates
from core import labels as core_labels
from core.labels import Labels
from core.paper import a4
from regions.models import Region
from registry import history
from stats import figures, report_parts
from stats.periods import Period, months
from stats.report_parts import hp, total
from stats.services import compute

PACKAGED_TEMPLATE = Path(__file__).resolve().parent / "report_templates" / "work_summary.docx"


def template_path() -> Path:
    """The county's own template if it installed one, else the packaged one."""
    custom = Path(settings.DATA_DIR) / "report_templates" / "work_summary.docx"
    return custom if custom.exists() else PACKAGED_TEMPLATE


SECTIONS = ("duty", "policy", "work")  # 二、责任落实  三、政策落实  四、工作落实
HEADINGS = {
    "duty": "二、责任落实情况",
    "policy": "三、政策落实情况",
    "work": "四、工作落实情况",
}
# 三 and 四 (after 防止返贫动态监测) in the order formats.md §8 lists their topics (seed 000:
# 教育, 健康, 住房, 兜底; 产业帮扶, then 就业帮扶, 专项整治 last), whichever app writes them: an
# app names the topic of its paragraphs by a key "policy:<topic>" or "work:<topic>".
TOPICS = {
    "policy": (
        "education",  # 雨露计划, 教育资助
        "health",  # 医保
        "housing",  # 危房改造
        "safety_net",  # 兜底保障
        "low_income",  # 农村低收入人口
    ),
    "work": (
        "loans",  # 小额信贷
        "industry_aid",  # 产业奖补
        "projects",  # 衔接资金项目 and their assets
        "pv",  # 光伏收益 and its uses
        "posts",  # 公益性岗位 (光伏公益性岗位 among them)
        "employment",  # 外出务工
        "labour_subsidy",  # 务工补贴
        "three_aid",  # 三业奖补
        "special",  # 专项整治
    ),
}
EMPTY = {
    "duty": "本期无责任落实数据（督查与例会、驻村工作队、问题整改）。",
    "policy": "本期无政策落实数据（教育、健康、住房、兜底保障）。",
    "work": "本期无工作落实数据。",
}


def _reporting_modules() -> list[Any]:
    from importlib import import_module

    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(import_module(f"{config.name}.reporting"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.reporting":
                raise
    return modules


def app_sections(region: Region, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """Paragraphs the apps write for the report's sections 二–四 from what they count.

    An app contributes by a module `<app>/reporting.py` with `report_sections(region, start,
    end) -> {"duty" | "policy:<topic>" | "work:<topic>": [paragraph, …]}` (the apps sit below
    stats and never import it; the topics are `TOPICS`, put in that order across the apps),
    and optionally `report_figures(region, start, end) -> [{section, label, value,
    definition}]` for the table appendix.
    """
    out: dict[str, list[str]] = {key: [] for key in SECTIONS}
    topics: dict[tuple[str, str], list[str]] = {
        (s, t): [] for s, names in TOPICS.items() for t in names
    }
    for module in _reporting_modules():
        for key, paragraphs in module.report_sections(region, start, end).items():
            section, _, topic = key.partition(":")
            (topics[section, topic] if section in TOPICS else out[section]).extend(paragraphs)
    for section, names in TOPICS.items():
        out[section] = [p for topic in names for p in topics[section, topic]]
    return out


def app_figures(region: Region, start: dt.date, end: dt.date) -> list[dict[str, str]]:
    """The appendix rows the apps give for their paragraphs (`report_figures`, optional)."""
    out: list[dict[str, str]] = []
    for module in _reporting_modules():
        fn = getattr(module, "report_figures", None)
        if fn is not None:
            out.extend(fn(region, start, end))
    return out


def _problems(region: Region, end: dt.date, labels: Labels) -> list[str]:
    """五: what still waits in the system on the day of drafting, `end` (the writer adds the
    rest and the plans)."""
    waiting = [f for f in figures.collect(figures.PENDING, region) if f["value"]]
    if not waiting:
        return [
            f"截至{end.month}月{end.day}日，系统中没有待研判线索、逾期识别环节和未处理的比对预警。"
        ]
    listed = "，".join(f"{f['label']}{f['value']}{f['unit']}" for f in waiting)
    return [labels.words(f"截至{end.month}月{end.day}日，系统中尚有{listed}，需抓紧办理。")]


def context(
    region: Region,
    period: Period | int,
    today: dt.date | None = None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """Everything the template needs for `period` (a year as an int is the whole year), counted
    up to the period's end, `as_of` or today, whichever comes first."""
    if isinstance(period, int):
        period = Period("year", period)
    today = today or dates.today()
    start = period.start
    end = min(period.end, today, as_of or period.end)
    year = period.year
    labels = core_labels.for_year(year)
    stats = compute(region, end)
    basic = report_parts.basic(region, stats, labels)
    empty = not stats["households"]["households"]
    work = report_parts.monitoring(region, start, end, labels, register_empty=empty)
    contributed = app_sections(region, start, end)
    contributed = {k: [labels.words(t) for t in v] for k, v in contributed.items()}
    found = figures.collect(figures.PERIOD, region, start, end)
    span = f"{year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    if found:
        listed = "，".join(f"{f['label']}{f['value']}{f['unit']}" for f in found)
        figures_sentence = labels.words(f"{span}，系统记录：{listed}。")
    else:
        figures_sentence = f"{span}，系统中尚无线索、比对、帮扶和走访记录。"
    new = total(history.markings(region, start, end, ("identified", "reidentified")))
    gone = total(history.markings(region, start, end, ("eliminated",)))
    title = f"{region.name}{period.label}巩固拓展脱贫攻坚成果工作情况汇报"
    if period.kind != "year":
        lead = period.label
    else:
        lead = "今年以来" if year == today.year else f"{year}年以来"
    parts = [
        {"heading": HEADINGS["duty"], "paragraphs": contributed["duty"] or [EMPTY["duty"]]},
        {"heading": HEADINGS["policy"], "paragraphs": contributed["policy"] or [EMPTY["policy"]]},
        {"heading": HEADINGS["work"], "paragraphs": work.paragraphs + contributed["work"]},
        {"heading": "五、存在的问题及下步打算", "paragraphs": _problems(region, today, labels)},
    ]
    appendix = [
        {"section": f.section, "label": f.label, "value": f.value, "definition": f.definition}
        for f in basic.figures + work.figures
    ]
    appendix += [labels_row(labels, row) for row in app_figures(region, start, end)]
    appendix += [
        {
            "section": "系统记录",
            "label": labels.words(f["label"]),
            "value": f"{f['value']}{f['unit']}",
            "definition": f"{span}系统中记录的",
        }
        for f in found
    ]
    order = ["一、", "二、", "三、", "四、", "五、"]
    appendix.sort(
        key=lambda row: next(
            (i for i, p in enumerate(order) if row["section"].startswith(p)), len(order)
        )
    )  # stable: each part keeps its own order; 系统记录 last
    for i, row in enumerate(appendix, 1):
        row["n"] = str(i)
    done = (
        "户籍台账中尚无本区域农户数据"
        if empty and not (new["households"] or gone["households"])
        else f"{months(start, end)}新识别{labels.population}{hp(new)}，消除风险{hp(gone)}"
    )
    return {
        "title": title,
        "intro": (
            f"{lead}，{region.name}严格对照中央、省、市关于巩固拓展脱贫攻坚成果同乡村振兴"
            f"有效衔接的部署，{done}。现将{period.label}有关工作情况汇报如下："
        ),
        "basic": basic.paragraphs[0],
        "parts": parts,
        "appendix": appendix,
        "appendix_title": (
            f"附表：{title}数字及口径（统计截至{end.year}年{end.month}月{end.day}日）"
        ),
        "figures": found,
        "figures_sentence": figures_sentence,
        "region_name": region.name,
        "year": year,
        "period": period.code,
        "period_label": period.label,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "labels": labels,
        "date_text": f"{today.year}年{today.month}月{today.day}日",
        "stats": stats,
        "sections": contributed,
    }


def labels_row(labels: Labels, row: dict[str, str]) -> dict[str, str]:
    return {
        "section": row.get("section", ""),
        "label": labels.words(row.get("label", "")),
        "value": str(row.get("value", "")),
        "definition": labels.words(row.get("definition", "")),
    }


def as_of_date(text: str, period: Period) -> dt.date | None:
    """The report's cut-off date from YYYY-MM-DD text ('' → None: the period's end or today);
    a date that does not parse, falls before the period or after today is a ValueError in
    Chinese."""
    if not text:
        return None
    try:
        as_of = dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"截止日期应为 YYYY-MM-DD，实为“{text}”") from exc
    if as_of < period.start:
        raise ValueError(f"截止日期{as_of}早于期间开始日{period.start}")
    return dates.not_future(as_of, "截止日期")


def render(
    region: Region,
    period: Period | int,
    today: dt.date | None = None,
    as_of: dt.date | None = None,
) -> bytes:
    """The report as .docx bytes."""
    from docxtpl import DocxTemplate

    doc = DocxTemplate(str(template_path()))
    doc.render(context(region, period, today, as_of))
    a4(doc.docx)  # a county's own template too: the report is filed on A4
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
