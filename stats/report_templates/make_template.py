"""Build `work_summary.docx`, the docxtpl template of the drafted work report.

Run `python stats/report_templates/make_template.py` after changing this script. A county that
wants its own layout edits the .docx in Word (keeping the {{ … }} placeholders it needs) and puts
it at `<FANGPIN_DATA_DIR>/report_templates/work_summary.docx`, which wins over this one.

Placeholders: title, intro, basic (一、基本情况 paragraph), parts (二 to 五: list of {heading,
paragraphs}), appendix_title and appendix (rows {n, section, label, value, definition}: every
figure and how it was counted), region_name, year, period, period_label, start, end, date_text,
labels (the year's words: labels.population, labels.household); also sections (duty, policy,
work: the paragraphs the apps write), figures_sentence and figures (the system's counts) and
stats (the formats.md §4 figures).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Pt

from core.paper import a4

HERE = Path(__file__).resolve().parent


def _font(run_or_style: object, name: str, size: float, bold: bool = False) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = name
    font.size = Pt(size)
    font.bold = bold
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def build(path: Path = HERE / "work_summary.docx") -> Path:
    # A4 with the margins of 党政机关公文格式 (GB/T 9704): top 37 mm, bottom 35, left 28, right 26.
    doc = a4(Document())
    # Body 仿宋_GB2312 三号 (16 pt), 28 pt lines; headings 黑体, sub-headings 楷体_GB2312, the
    # title 方正小标宋简体 二号 (22 pt). Only the names: the fonts are the reader's.
    _font(doc.styles["Normal"], "仿宋_GB2312", 16)
    doc.styles["Normal"].paragraph_format.first_line_indent = Pt(32)
    doc.styles["Normal"].paragraph_format.line_spacing = Pt(28)
    doc.styles["Normal"].paragraph_format.space_after = Pt(0)

    def para(
        text: str,
        *,
        font: str = "",
        bold: bool = False,
        size: float = 16,
        align: WD_ALIGN_PARAGRAPH | None = None,
        indent: bool = True,
    ) -> Any:
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        if not indent:
            p.paragraph_format.first_line_indent = Pt(0)
        run = p.add_run(text)
        if font or bold or size != 16:
            _font(run, font or "仿宋_GB2312", size, bold)
        return p

    para(
        "{{ title }}", font="方正小标宋简体", size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    para("{{ intro }}")
    para("一、基本情况", font="黑体")
    para("{{ basic }}")
    # 二 to 五: each heading and its paragraphs (stats.report.context["parts"]).
    para("{%p for part in parts %}")
    para("{{ part.heading }}", font="黑体")
    para("{%p for text in part.paragraphs %}")
    para("{{ text }}")
    para("{%p endfor %}")
    para("{%p endfor %}")
    para("{{ region_name }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    para("{{ date_text }}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    # The appendix: every figure of the report and how it was counted, to check the draft.
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    para("{{ appendix_title }}", font="黑体", indent=False)
    table = doc.add_table(rows=3, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("序号", "部分", "指标", "数值", "口径"), strict=True
    ):
        cell.paragraphs[0].paragraph_format.first_line_indent = Pt(0)
        _font(cell.paragraphs[0].add_run(text), "黑体", 12)
    loop = table.rows[1].cells
    loop[0].paragraphs[0].add_run("{%tr for row in appendix %}")
    body = table.rows[2].cells
    for cell, key in zip(body, ("n", "section", "label", "value", "definition"), strict=True):
        cell.paragraphs[0].paragraph_format.first_line_indent = Pt(0)
        _font(cell.paragraphs[0].add_run(f"{{{{ row.{key} }}}}"), "仿宋_GB2312", 12)
    end = table.add_row().cells
    end[0].paragraphs[0].add_run("{%tr endfor %}")
    doc.save(str(path))
    return path


if __name__ == "__main__":
    print(build())
