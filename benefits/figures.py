"""Figures of 三、政策落实 beyond the ledgers': the 医保 and 民政 department batches
(formats.md §8).

`department_figures(region, year)` appears in `fangpin ledger stats` as "departments":

    {"medical": {"batches": n, "settlements": n (every settlement in the period),
                 "住院医疗救助" | "大病保险" | "门诊慢特病医疗救助":
                 {"rows" (人次), "persons", "households", "amount"}},
     "civil": {"batches": n, "by_type": {救助类别: {"rows", "persons", "households", "amount"}}}}

The exchange app owns the batches and computes them (hook `exchange.policy_figures`); without it
the figures are absent rather than invented.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from core import hooks
from ledgers.figures import period_end

# The rows of the 政策落实 page: the 医保 figures with the report's words, the 救助类别 in order.
MEDICAL = (
    ("住院医疗救助", "住院医疗救助"),
    ("大病保险", "大病保险政策"),
    ("门诊慢特病医疗救助", "门诊慢性病救助"),
)
AID_TYPES = (
    "农村特困",
    "农村低保",
    "临时救助",
    "事实无人抚养儿童",
    "重度残疾人护理补贴",
    "困难残疾人生活补贴",
    "低保边缘",
    "刚性支出困难",
)


def policy_figures(region: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """医保 and 民政 figures for `region` and below in [start, end] ({} without the exchange
    app)."""
    if not hooks.provided("exchange.policy_figures"):
        return {}
    result: dict[str, Any] = hooks.call("exchange.policy_figures", region, start, end)
    return result


def department_figures(region: Any, year: int) -> dict[str, Any]:
    """The same for a calendar year (up to today), as `ledger stats` gives them."""
    return policy_figures(region, dt.date(year, 1, 1), period_end(year))
