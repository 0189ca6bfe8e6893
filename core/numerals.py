"""Counts and amounts as the reports write them: small counts in words (三个脱贫村, 第四批三个
项目), others in digits (22个村); yuan without trailing zeros (32340元), 万元 to two decimals
(357.7万元), rounded half up (四舍五入) as a county office rounds, not to the even digit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CN_NUMBERS = "零一二三四五六七八九十"


def small(n: int) -> str:
    """三个 for 1–10 (两个, not 二个, before a measure word), 22个 otherwise."""
    if n == 2:
        return "两个"
    return f"{CN_NUMBERS[n]}个" if 0 < n <= 10 else f"{n}个"


def _cents(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def yuan(value: Any) -> str:
    """Yuan as the reports write them: 32340, 1540.50 (the unit is the caller's)."""
    amount = _cents(value)
    return f"{amount:.0f}" if amount == amount.to_integral() else f"{amount:f}"


def wan(value: Any) -> str:
    """Yuan as 万元 with at most two decimals, trailing zeros dropped: 3577000 → 357.7, 12250
    → 1.23 (the unit is the caller's)."""
    amount = _cents(Decimal(str(value or 0)) / 10000)
    return f"{amount:.0f}" if amount == amount.to_integral() else f"{amount.normalize():f}"
