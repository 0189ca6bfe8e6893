"""Guards on leads: a lead is registered only in the user's region, whoever calls the service;
and past the day's limit of refusals of numbers registered elsewhere
(registry.services.taken_numbers_left), starting identification refuses every number alike, so
leads cannot be used to test guesses one by one."""

from __future__ import annotations

from typing import Any

import pytest

from core.dates import today
from fangpin.testing import id_number, make_household
from monitoring import services
from monitoring.models import Case


def lead_for(users: dict[str, Any], regions: dict[str, Any], number: str) -> Any:
    return services.create_lead(
        actor=users["village_staff"],
        source="农户自主申报",
        reported_date=today(),
        region=regions["village"],
        person_name="某人",
        id_number=number,
        risks=["因病"],
    )


def test_past_the_limit_a_lead_with_a_free_number_is_refused_like_a_taken_one(
    users: dict[str, Any], regions: dict[str, Any], settings: Any
) -> None:
    settings.TAKEN_NUMBER_LIMIT = 1
    taken = make_household(regions["other_village"]).persons.get(relation="户主").id_number
    with pytest.raises(services.ValidationError, match="该证件号码已登记在其他户"):
        services.open_case(actor=users["village_staff"], lead=lead_for(users, regions, taken))
    free = lead_for(users, regions, id_number())
    with pytest.raises(services.ValidationError, match="暂停核对证件号码") as refused:
        services.open_case(actor=users["village_staff"], lead=free)
    second = make_household(regions["other_village"]).persons.get(relation="户主").id_number
    with pytest.raises(services.ValidationError) as again:
        services.open_case(actor=users["village_staff"], lead=lead_for(users, regions, second))
    assert again.value.messages == refused.value.messages
    assert not Case.objects.exists()


def test_a_lead_is_registered_only_in_the_users_own_region_on_every_path(
    users: dict[str, Any], regions: dict[str, Any]
) -> None:
    """The form offers only the user's villages; the service (which hooks from the comparison
    and the screening also call) refuses another town's village or household itself."""
    from django.core.exceptions import PermissionDenied

    from monitoring.models import Lead

    elsewhere = make_household(regions["other_village"])
    for target in ({"region": regions["other_village"]}, {"household": elsewhere}):
        with pytest.raises(PermissionDenied, match="无权在白羊村登记线索"):
            services.create_lead(
                actor=users["village_staff"],
                source="基层干部排查",
                reported_date=today(),
                risks=["因病"],
                **target,
            )
    assert not Lead.objects.exists()
    assert services.create_lead(
        actor=users["village_staff"],
        source="基层干部排查",
        reported_date=today(),
        region=regions["village"],
        risks=["因病"],
    ).pk
