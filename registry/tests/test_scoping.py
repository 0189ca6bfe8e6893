"""Each user sees their own region and below; other regions answer 404."""

import pytest
from django.urls import reverse

from registry.models import Household


@pytest.mark.parametrize(
    ("role", "sees_own", "sees_other"),
    [
        ("county_admin", True, True),
        ("auditor", True, True),
        ("town_staff", True, False),
        ("village_staff", True, False),
        ("grid_member", True, False),
        ("other_town", False, True),
    ],
)
def test_household_detail_is_scoped_by_region(
    client_for, household, other_household, role, sees_own, sees_other
):
    client = client_for(role)
    own = client.get(reverse("registry:household_detail", args=[household.pk]))
    other = client.get(reverse("registry:household_detail", args=[other_household.pk]))
    assert own.status_code == (200 if sees_own else 404)
    assert other.status_code == (200 if sees_other else 404)


def test_visible_to_counts_only_the_users_region(users, household, other_household):
    assert Household.objects.visible_to(users["village_staff"]).count() == 1
    assert Household.objects.visible_to(users["county_admin"]).count() == 2


def test_anonymous_users_are_sent_to_login(client, household):
    response = client.get(reverse("registry:household_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
