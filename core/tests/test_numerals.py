"""Counts as the reports write them (core.numerals)."""

from __future__ import annotations

from core.numerals import small


def test_small_counts_are_words_and_two_is_两个() -> None:
    assert [small(n) for n in (1, 2, 3, 10, 11, 22)] == [
        "一个",
        "两个",
        "三个",
        "十个",
        "11个",
        "22个",
    ]
