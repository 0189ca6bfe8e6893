"""A report period without 务工, 补贴 or 奖补 rows says so (seed 000's figures:
stats/tests/test_report_seed000.py, on the rows of employment/tests/seed000.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def test_a_report_without_rows_says_so(regions: dict[str, Any]) -> None:
    from employment.reporting import report_sections

    found = report_sections(regions["town"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert found["work"] == [
        "务工监测（一月一报）：本期没有务工监测记录。",
        "务工补贴：本期没有发放记录。",
        "产业奖补：本期没有发放记录。",
    ]
