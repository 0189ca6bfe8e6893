"""E01: a subsidy for working away paid to someone the monthly reports never show away."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from employment.checks import subsidy_without_work_away
from employment.models import EmploymentRow, LabourSubsidyRow


def _subsidy(person: Any, year: int, kind: str = "一次性交通补贴") -> LabourSubsidyRow:
    return LabourSubsidyRow.objects.create(
        person=person,
        household=person.household,
        region=person.household.region,
        year=year,
        kind=kind,
        amount=Decimal(500),
    )


def _month(person: Any, month: str, status: str) -> None:
    EmploymentRow.objects.create(
        person=person,
        household=person.household,
        region=person.household.region,
        month=month,
        status=status,
    )


def test_e01_fires_on_a_transport_subsidy_without_a_month_away_and_not_on_clean_data(
    household: Any, regions: dict[str, Any]
) -> None:
    a, b, c = household.persons.order_by("pk")[:3]
    _month(a, "2024-03", "省外务工")
    _subsidy(a, 2024)  # clean: away in March
    _month(b, "2024-03", "县内务工")
    _month(b, "2023-12", "省外务工")  # away, but the year before
    flagged = _subsidy(b, 2024, "外出务工补助")
    _subsidy(c, 2024, "稳岗补贴")  # not a subsidy for working away
    found = subsidy_without_work_away(regions["town"])
    assert [(f["person_id"], f["evidence"]["row_id"]) for f in found] == [(b.pk, flagged.pk)]
    assert "2024年领取外出务工补助" in found[0]["message"]
    assert subsidy_without_work_away(regions["other_town"]) == []
    _month(b, "2024-07", "县外省内务工")
    assert subsidy_without_work_away(None) == []
