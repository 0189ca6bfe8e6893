"""The report's 小额信贷, 光伏收益 and 公益性岗位 sentences without rows, and amounts in 万元 (seed
000's figures: stats/tests/test_report_seed000.py, on the rows of livelihood/tests/seed000.py)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document

from livelihood.reporting import wan
from stats.report import render


def _report_text(region: Any, year: int) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(render(region, year))).paragraphs)


def test_a_ledger_without_rows_says_so_in_the_report(regions: dict[str, Any]) -> None:
    text = _report_text(regions["county"], 2023)
    assert "小额信贷：本期没有放款记录。" in text
    assert "光伏收益分配：本期没有光伏收益分配记录。" in text
    assert "公益性岗位：本期没有公益性岗位聘用记录。" in text


def test_amounts_are_written_in_wan_from_ten_thousand_up() -> None:
    assert [wan(v) for v in ("160000", "116000.00", "44000", "9500.50", "100000", 0)] == [
        "16万元",
        "11.6万元",
        "4.4万元",
        "9500.5元",
        "10万元",
        "0元",
    ]
