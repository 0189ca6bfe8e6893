"""The year's words for the monitored population and its categories (policy.md §9, rule 39).

From 2026 (常态化帮扶, the first year after the 过渡期) the population is named 防止返贫致贫对象;
监测对象 stays the name of earlier years and an alias. Category names may be changed by a
province. The labels are yearly settings (`monitoring.PolicyLabel`, read through the hook
`monitoring.labels`); these defaults apply to a year without a row. Codes never change: the
register, the imports (formats.md §1) and the JSON keys (§4) keep 监测对象类别 and the three
category codes, so statistics across the change stay comparable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from core import dates, hooks

FIRST_NORMALISED_YEAR = 2026
LEGACY_POPULATION = "监测对象"
NEW_POPULATION = "防止返贫致贫对象"


@dataclass(frozen=True)
class Labels:
    year: int
    population: str  # 监测对象 / 防止返贫致贫对象
    household: str  # 监测户 / 防止返贫致贫对象 (counted in 户 and 人)
    categories: dict[str, str] = field(default_factory=dict)

    def category(self, code: str) -> str:
        """The year's name of a category code (the code itself when not renamed)."""
        return self.categories.get(code, code) or code

    @property
    def renamed(self) -> bool:
        return self.population != LEGACY_POPULATION

    def words(self, text: str) -> str:
        """`text` written with the year's labels (监测户 / 监测对象 / 监测人口 replaced)."""
        if not self.renamed:
            return text
        return (
            text.replace("监测户", self.household)
            .replace("监测对象", self.population)
            .replace("监测人口", self.population)
        )


def default(year: int) -> Labels:
    if year >= FIRST_NORMALISED_YEAR:
        return Labels(year, NEW_POPULATION, NEW_POPULATION)
    return Labels(year, LEGACY_POPULATION, "监测户")


def for_year(year: int | None = None) -> Labels:
    """The labels of `year` (default: this year): the year's setting, else the default."""
    year = year or dates.today().year
    if hooks.provided("monitoring.labels"):
        found = hooks.call("monitoring.labels", year)
        if found is not None:
            return found
    return default(year)


def for_date(day: dt.date) -> Labels:
    return for_year(day.year)


def context(request: Any) -> dict[str, Any]:
    """Templates: `labels.population`, `labels.household` of this year (read when used)."""
    from django.utils.functional import SimpleLazyObject

    return {"labels": SimpleLazyObject(for_year)}
