"""The report's opening sentence counts each household once (formats.md §4's
identified_this_year), however many identifications it had in the period."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import patch

from fangpin.testing import make_household
from registry.models import HouseholdEvent
from stats.report import context
from stats.services import compute


def test_a_household_identified_and_reidentified_in_the_period_is_one_new_household(
    regions: dict[str, Any],
) -> None:
    twice = make_household(
        regions["village"],
        members=3,
        category="边缘易致贫户",
        identified_date=dt.date(2023, 2, 1),
        risk_list=["因病"],
    )
    HouseholdEvent.objects.create(household=twice, kind="eliminated", date=dt.date(2023, 5, 1))
    HouseholdEvent.objects.create(
        household=twice, kind="reidentified", date=dt.date(2023, 9, 1), category="边缘易致贫户"
    )
    end = dt.date(2023, 12, 31)
    with patch("core.dates.today", return_value=end):
        found = context(regions["town"], 2023)
    assert compute(regions["town"], end)["identified_this_year"] == {
        "households": 1,
        "persons": 3,
    }
    assert "1-12月新识别监测对象1户3人，消除风险1户3人。" in found["intro"]


def test_a_household_identified_twice_in_the_period_is_counted_in_its_latest_category(
    regions: dict[str, Any],
) -> None:
    """Identified, taken out as 识别不精准, identified again in another category: the report's
    categories tell the latest, not the one that sorts last (边 after 突 in Unicode)."""
    from registry import history

    h = make_household(
        regions["village"],
        members=2,
        category="边缘易致贫户",
        identified_date=dt.date(2023, 2, 1),
        risk_list=["因病"],
    )
    HouseholdEvent.objects.create(household=h, kind="exited", date=dt.date(2023, 3, 1))
    HouseholdEvent.objects.create(
        household=h, kind="identified", date=dt.date(2023, 8, 1), category="突发严重困难户"
    )
    marked = history.markings(regions["town"], dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert [(m.household_id, m.date, m.category) for m in marked] == [
        (h.pk, dt.date(2023, 8, 1), "突发严重困难户")
    ]
