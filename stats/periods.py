"""Report periods: a year, a half-year, a quarter or a month (`2023`, `2023-H1`, `2023-Q2`,
`2023-05`), with the words the reports use for them."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

QUARTERS = "一二三四"


@dataclass(frozen=True)
class Period:
    kind: str  # year | half | quarter | month
    year: int
    n: int = 0  # the half, quarter or month

    @property
    def start(self) -> dt.date:
        month = {"year": 1, "half": 6 * (self.n - 1) + 1, "quarter": 3 * (self.n - 1) + 1}
        return dt.date(self.year, month.get(self.kind, self.n), 1)

    @property
    def end(self) -> dt.date:
        last = {"year": 12, "half": 6 * self.n, "quarter": 3 * self.n, "month": self.n}[self.kind]
        return dt.date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def code(self) -> str:
        return {
            "year": f"{self.year}",
            "half": f"{self.year}-H{self.n}",
            "quarter": f"{self.year}-Q{self.n}",
            "month": f"{self.year}-{self.n:02d}",
        }[self.kind]

    @property
    def label(self) -> str:
        """2023年 · 2023年上半年 · 2023年第二季度 · 2023年5月."""
        if self.kind == "half":
            return f"{self.year}年{'上' if self.n == 1 else '下'}半年"
        if self.kind == "quarter":
            return f"{self.year}年第{QUARTERS[self.n - 1]}季度"
        if self.kind == "month":
            return f"{self.year}年{self.n}月"
        return f"{self.year}年"


def months(start: dt.date, end: dt.date) -> str:
    """The span as the reports write it: 1-12月, 5月 (or the dates when not whole months)."""
    if start.year != end.year:
        return f"{start.year}年{start.month}月至{end.year}年{end.month}月"
    if start.month == end.month:
        return f"{start.month}月"
    return f"{start.month}-{end.month}月"


def parse(text: str) -> Period:
    """`2023`, `2023-H1`, `2023-Q3` or `2023-05`; ValueError with a Chinese message otherwise."""
    value = (text or "").strip().upper()
    if m := re.fullmatch(r"(\d{4})", value):
        return Period("year", int(m[1]))
    if m := re.fullmatch(r"(\d{4})-H([12])", value):
        return Period("half", int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        return Period("quarter", int(m[1]), int(m[2]))
    if (m := re.fullmatch(r"(\d{4})-(\d{1,2})", value)) and 1 <= int(m[2]) <= 12:
        return Period("month", int(m[1]), int(m[2]))
    raise ValueError(
        f"期间应为 年（2023）、半年（2023-H1）、季度（2023-Q2）或月份（2023-05），实为“{text}”"
    )
