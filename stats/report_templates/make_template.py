"""Build `work_summary.docx`, the docxtpl template of the drafted work report.

Run `python stats/report_templates/make_template.py` after changing this script. A county that
wants its own layout edits the .docx in Word (keeping the {{ … }} placeholders it needs) and puts
it at `<FANGPIN_DATA_DIR>/report_templates/work_summary.docx`, which wins over this one.

Placeholders: title, intro, basic (一、基本情况 paragraph), figures_sentence, region_name, year,
date_text; sections (duty, policy, work: the paragraphs the apps write for 二、三、四); also
figures (list of {label, value, unit}, for a template that wants them as a list or table) and
stats (the formats.md §4 figures).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from core.paper import a4

HERE = Path(__file__).resolve().parent
PROMPT = "（请在此填写：{}）"


def _font(run_or_style: object, name: str, size: float, bold: bool = False) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = name
    font.size = Pt(size)
    font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def build(path: Path = HERE / "work_summary.docx") -> Path:
    doc = a4(Document())
    _font(doc.styles["Normal"], "仿宋_GB2312", 16)
    doc.styles["Normal"].paragraph_format.first_line_indent = Pt(32)
    doc.styles["Normal"].paragraph_format.line_spacing = Pt(28)

    def para(
        text: str,
        *,
        font: str = "",
        bold: bool = False,
        size: float = 16,
        align: WD_ALIGN_PARAGRAPH | None = None,
        indent: bool = True,
    ) -> None:
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if not indent:
            p.paragraph_format.first_line_indent = Pt(0)
        run = p.add_run(text)
        if font or bold or size != 16:
            _font(run, font or "仿宋_GB2312", size, bold)

    def heading(text: str) -> None:
        para(text, font="黑体")

    def sub(text: str, prompt: str) -> None:
        para(text, font="楷体_GB2312")
        para(PROMPT.format(prompt))

    para(
        "{{ title }}", font="方正小标宋简体", size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    para("{{ intro }}")
    heading("一、基本情况")
    para("{{ basic }}")

    def contributed(section: str) -> None:
        """The paragraphs the apps write for a section (stats.report.app_sections)."""
        para(f"{{%p for text in sections.{section} %}}")
        para("{{ text }}")
        para("{%p endfor %}")

    heading("二、责任落实情况")
    contributed("duty")
    sub("（一）学习贯彻上级部署情况", "党委中心组学习、工作部署、例会与督查的次数和做法")
    sub("（二）驻村帮扶责任落实情况", "工作队管理、轮换培训、奖惩机制")
    sub("（三）问题整改情况", "认领问题数、整改完成情况")
    heading("三、政策落实情况")
    contributed("policy")
    sub("（一）教育帮扶政策落实", "雨露计划、教育资助人次")
    sub("（二）健康帮扶政策落实", "参保、医疗救助、大病保险人次")
    sub("（三）住房保障政策落实", "住房安全排查与危房改造户数")
    sub("（四）饮水安全政策落实", "饮水安全排查与改造情况")
    sub("（五）兜底保障落实", "特困供养、低保、临时救助等人数")
    heading("四、工作落实情况")
    contributed("work")
    para("（一）防止返贫动态监测和帮扶工作", font="楷体_GB2312")
    para("{{ figures_sentence }}")
    sub("（二）产业帮扶工作", "小额信贷、产业奖补、衔接资金项目")
    sub("（三）就业帮扶工作", "务工底数、稳岗就业、公益性岗位")
    heading("五、存在的问题及工作计划")
    para(PROMPT.format("存在的问题与下步计划，分条写明"))
    para("{{ region_name }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    para("{{ date_text }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    doc.save(str(path))
    return path


if __name__ == "__main__":
    print(build())
