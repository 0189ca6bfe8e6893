"""The demo builder fills the employment, subsidy and industry-aid ledgers consistently."""

from __future__ import annotations

from typing import Any

from core import dates
from employment.demo import build_demo
from employment.models import EmploymentRow, IndustryAidRow
from fangpin.testing import make_household
from registry.models import Person


def test_the_demo_fills_twelve_months_whose_latest_is_the_registers_status(
    regions: dict[str, Any], users: dict[str, Any]
) -> None:
    households = [
        make_household(regions["village"], is_alleviated=True, alleviated_year=2016)
        for _ in range(6)
    ]
    Person.objects.filter(household__in=households).update(employment="省外务工")
    Person.objects.filter(household=households[0]).update(employment="未务工")
    counts = build_demo(regions["county"], dates.today(), seed=7)
    assert counts["employment"] == 6 * 3 * 12, counts
    latest = EmploymentRow.objects.order_by("-month").values_list("month", flat=True).first()
    for row in EmploymentRow.objects.filter(month=latest).select_related("person"):
        assert row.person.employment == row.status
    assert IndustryAidRow.objects.count() == counts["industry_aid"]
    again = build_demo(regions["county"], dates.today(), seed=7)
    assert again["employment"] == 0  # the same reports: nothing new
