"""The policy-benefit ledgers' sentences in the work report (section 三、政策落实)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ledgers import figures, kit


def report_sections(region: Any, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    """雨露计划 by term, for the report's year."""
    yulu = figures.figures(kit.ledger("yulu"), region, start.year)
    if not yulu["rows"]:
        return {"policy": ["雨露计划：本期没有发放记录。"]}
    terms = yulu["by"].get("学期", {})
    parts = "，".join(f"{term}{pair['persons']}人" for term, pair in terms.items())
    return {
        "policy": [f"落实雨露计划{yulu['rows']}人次，其中{parts}，发放补助{yulu['amount']}元。"]
    }
