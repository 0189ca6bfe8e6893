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
from core.paper import a4
from regions.models import Region
from stats import figures
from stats.services import CATEGORIES, compute

PACKAGED_TEMPLATE = Path(__file__).resolve().parent / "report_templates" / "work_summary.docx"


def template_path() -> Path:
    """The county's own template if it installed one, else the packaged one."""
    custom = Path(settings.DATA_DIR) / "report_templates" / "work_summary.docx"
    return custom if custom.exists() else PACKAGED_TEMPLATE


def _hp(pair: dict[str, int]) -> str:
    return f"{pair['households']}户{pair['persons']}人"


def basic_situation(region: Region, stats: dict[str, Any]) -> str:
    """一、基本情况 in the words of the township reports (seed 000)."""
    mon = stats["monitored"]
    open_ = mon["not_eliminated"]
    if region.level == Region.Level.COUNTY:
        towns = Region.objects.below(region).filter(level=Region.Level.TOWN, retired=False).count()
        units = f"{towns}个乡镇、{stats['villages']}个村"
    else:
        units = f"{stats['villages']}个村"
    text = (
        f"{region.name}共有{units}，{stats['households']['households']}户，"
        f"{stats['households']['persons']}人，现有建档立卡稳定脱贫户{_hp(stats['alleviated_stable'])}，"
        f"监测户{_hp(mon)}"
    )
    if mon["eliminated"]["households"]:
        text += f"（其中{_hp(mon['eliminated'])}已消除风险）"
    text += f"，现有未消除风险监测户{_hp(open_)}"
    years = "，".join(
        f"{year}年新识别{_hp(pair)}" for year, pair in open_["by_identified_year"].items()
    )
    if years:
        text += f"（{years}）"
    cats = "，".join(
        f"{c}{_hp(open_['by_category'][c])}"
        for c in CATEGORIES
        if open_["by_category"][c]["households"]
    )
    if cats:
        text += f"，其中{cats}"
    return text + "。"


SECTIONS = ("duty", "policy", "work")  # 二、责任落实  三、政策落实  四、工作落实


def app_sections(region: Region, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """Paragraphs the apps write for the report's sections 二–四 from what they count.

    An app contributes by a module `<app>/reporting.py` with `report_sections(region, start,
    end) -> {"duty" | "policy" | "work": [paragraph, …]}` (the apps sit below stats and never
    import it).
    """
    from importlib import import_module

    from django.apps import apps

    out: dict[str, list[str]] = {key: [] for key in SECTIONS}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.reporting")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.reporting":
                raise
            continue
        for key, paragraphs in module.report_sections(region, start, end).items():
            out[key].extend(paragraphs)
    return out


def context(region: Region, year: int, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the template needs, as of 31 December of `year` (or today if earlier)."""
    today = today or dates.today()
    as_of = min(dt.date(year, 12, 31), today)
    stats = compute(region, as_of)
    found = figures.collect(figures.PERIOD, region, dt.date(year, 1, 1), as_of)
    period = f"{year}年1月1日至{as_of.month}月{as_of.day}日"
    if found:
        listed = "，".join(f"{f['label']}{f['value']}{f['unit']}" for f in found)
        figures_sentence = f"{period}，系统记录：{listed}。"
    else:
        figures_sentence = f"{period}，系统中尚无线索、比对、帮扶和走访记录。"
    new = stats["identified_this_year"]
    return {
        "title": f"{region.name}{year}年巩固拓展脱贫攻坚成果工作情况汇报",
        "intro": (
            f"{year}年以来，{region.name}严格对照中央、省、市关于巩固拓展脱贫攻坚成果同乡村振兴"
            f"有效衔接的部署，全年新识别监测对象{_hp(new)}，"
            f"消除风险{_hp(stats['eliminated_this_year'])}。现将有关工作情况汇报如下："
        ),
        "basic": basic_situation(region, stats),
        "figures": found,
        "figures_sentence": figures_sentence,
        "region_name": region.name,
        "year": year,
        "date_text": f"{today.year}年{today.month}月{today.day}日",
        "stats": stats,
        "sections": app_sections(region, dt.date(year, 1, 1), as_of),
    }


def render(region: Region, year: int, today: dt.date | None = None) -> bytes:
    """The report as .docx bytes."""
    from docxtpl import DocxTemplate

    doc = DocxTemplate(str(template_path()))
    doc.render(context(region, year, today))
    a4(doc.docx)  # a county's own template too: the report is filed on A4
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
