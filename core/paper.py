"""Paper sizes of what the system prints: A4 for every Word document (公文 margins, GB/T 9704:
上 37 mm, 下 35 mm, 左 28 mm, 右 26 mm). Excel sheets get theirs from `core.xlsx.print_setup`,
print views from the `@page` rules of `static/css/app.css`."""

from __future__ import annotations

import io
from typing import Any

A4_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def a4(document: Any) -> Any:
    """Set every section of a python-docx `Document` to A4 portrait with the 公文 margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width = Mm(A4_MM[0])
        section.page_height = Mm(A4_MM[1])
        section.top_margin = Mm(MARGINS_MM["top"])
        section.bottom_margin = Mm(MARGINS_MM["bottom"])
        section.left_margin = Mm(MARGINS_MM["left"])
        section.right_margin = Mm(MARGINS_MM["right"])
    return document


def a4_bytes(data: bytes) -> bytes:
    """A .docx (bytes) with every section set to A4 — for a template a county supplied."""
    from docx import Document

    document = a4(Document(io.BytesIO(data)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def page_sizes_mm(data: bytes) -> list[tuple[int, int]]:
    """(width, height) in whole millimetres of each section of a .docx (for tests and checks)."""
    from docx import Document

    return [
        (round(getattr(s.page_width, "mm", 0)), round(getattr(s.page_height, "mm", 0)))
        for s in Document(io.BytesIO(data)).sections
    ]
