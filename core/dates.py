"""One notion of "today": the local date of the configured time zone (Asia/Shanghai).

A date shown, stored or compared is the date in China, never the server's UTC date: at 07:00 in
Beijing the UTC date is still yesterday's.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """Today's local date."""
    return timezone.localdate()


def not_future(value: dt.date, label: str = "统计日期", what: str = "统计") -> dt.date:
    """`value` when it is today or earlier; a later date is a ValueError in Chinese. Figures
    "as of" a later date would be today's, shown as if they were that day's."""
    now = today()
    if value > now:
        raise ValueError(f"{label}{value:%Y-%m-%d}晚于今天（{now:%Y-%m-%d}），不能{what}未来")
    return value
