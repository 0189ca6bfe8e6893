"""Counts as the reports write them: small ones in words (三个脱贫村, 第四批三个项目), others in
digits (22个村)."""

from __future__ import annotations

CN_NUMBERS = "零一二三四五六七八九十"


def small(n: int) -> str:
    """三个 for 1–10 (两个, not 二个, before a measure word), 22个 otherwise."""
    if n == 2:
        return "两个"
    return f"{CN_NUMBERS[n]}个" if 0 < n <= 10 else f"{n}个"
