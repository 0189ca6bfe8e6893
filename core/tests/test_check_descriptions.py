"""A check's description is what 比对规则 shows a county office under the rule's name: Chinese,
not the developer's docstring (only its parameters' names, which the page lists, may be Latin)."""

from __future__ import annotations

import re

from core.checks import all_checks


def test_every_check_is_described_in_chinese() -> None:
    english = {}
    for c in all_checks():
        words = set(re.findall(r"[A-Za-z_]{3,}", c.description)) - set(c.parameters)
        if words:
            english[c.code] = sorted(words)
    assert english == {}
