"""A measure of the 一户一策 plan stands for an 奖补 payment or a 务工补贴 of the household: the
measure form offers the household's records, links one, and refuses another household's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from assistance import services
from assistance.models import Measure
from employment.models import IndustryAidRow, LabourSubsidyRow


@pytest.fixture
def payments(household: Any, other_household: Any) -> dict[str, Any]:
    def aid(h: Any) -> IndustryAidRow:
        return IndustryAidRow.objects.create(
            household=h, region=h.region, year=2024, item="三业奖补", amount=Decimal(1000)
        )

    worker = household.persons.order_by("pk").first()
    subsidy = LabourSubsidyRow.objects.create(
        person=worker,
        household=household,
        region=household.region,
        year=2024,
        kind="一次性交通补贴",
        amount=Decimal(500),
    )
    return {"aid": aid(household), "other": aid(other_household), "subsidy": subsidy}


def test_a_measure_links_the_households_aid_payment_and_not_anothers(
    household: Any, payments: dict[str, Any], users: dict[str, Any]
) -> None:
    measure = services.save_measure(
        actor=users["town_staff"],
        household=household,
        category="产业帮扶",
        subtype="三业奖补",
        ledger_kind="industry_aid",
        ledger_row_id=payments["aid"].pk,
    )
    assert measure.ledger_row() == payments["aid"]
    with pytest.raises(ValidationError) as caught:
        services.save_measure(
            actor=users["town_staff"],
            household=household,
            category="产业帮扶",
            ledger_kind="industry_aid",
            ledger_row_id=payments["other"].pk,
        )
    assert "关联的台账记录不存在或不属于该户" in str(caught.value)


def test_the_measure_form_offers_the_households_records_and_saves_the_link(
    household: Any, payments: dict[str, Any], client_for: Any
) -> None:
    client = client_for("village_staff")
    url = f"/assistance/households/{household.pk}/measures/new/"
    page = client.get(url).content.decode()
    assert f"industry_aid:{payments['aid'].pk}" in page and "2024年三业奖补" in page
    assert f"labour_subsidy:{payments['subsidy'].pk}" in page
    assert f"industry_aid:{payments['other'].pk}" not in page
    data = {"category": "就业帮扶", "subtype": "交通补贴", "status": "ongoing"}
    response = client.post(url, data | {"ledger_link": f"labour_subsidy:{payments['subsidy'].pk}"})
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.ledger_kind, measure.ledger_row_id) == (
        "labour_subsidy",
        payments["subsidy"].pk,
    )
    edit = client.get(f"/assistance/households/{household.pk}/measures/{measure.pk}/")
    assert f'value="labour_subsidy:{payments["subsidy"].pk}" selected' in edit.content.decode()
    refused = client.post(url, data | {"ledger_link": f"industry_aid:{payments['other'].pk}"})
    assert refused.status_code == 200 and Measure.objects.count() == 1
