"""Starting a lead or an elimination finds the household by 户编号, name or ID number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangpin.testing import make_household
from monitoring.models import Lead
from monitoring.tests.helpers import TODAY
from registry.models import Person

pytestmark = pytest.mark.django_db


def _report(client, household_field):
    return client.post(
        reverse("monitoring:lead_new"),
        {
            "source": "基层干部排查",
            "household": household_field,
            "risks": ["因病"],
            "reported_date": TODAY.isoformat(),
        },
    )


def test_a_lead_finds_its_household_by_the_heads_or_a_members_name(client_for, household):
    head = household.persons.get(relation="户主")
    member = household.persons.exclude(pk=head.pk).first()
    client = client_for("village_staff")
    assert _report(client, head.name).status_code == 302
    assert Lead.objects.get().household == household
    Lead.objects.all().delete()
    assert _report(client, member.name).status_code == 302
    assert Lead.objects.get().household == household


def test_a_lead_finds_its_household_by_a_full_id_number_for_who_may_see_it(
    client_for, household, users
):
    users["village_staff"].can_view_sensitive = True
    users["village_staff"].save()
    person = household.persons.first()
    assert _report(client_for("village_staff"), person.id_number).status_code == 302
    assert Lead.objects.get().household == household


def test_a_name_shared_by_two_households_asks_for_the_number(client_for, regions, household):
    twin = make_household(regions["village"], number="420281100201000777")
    name = household.persons.get(relation="户主").name
    Person.objects.filter(household=twin, relation="户主").update(name=name)
    response = _report(client_for("village_staff"), name)
    page = response.content.decode()
    assert response.status_code == 200 and not Lead.objects.exists()
    assert "找到多户" in page and household.number in page and twin.number in page


def test_the_elimination_start_finds_the_household_by_name(client_for, household, regions):
    client = client_for("town_staff")
    head = household.persons.get(relation="户主")
    response = client.get(reverse("monitoring:household_lookup"), {"q": head.name})
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:household", args=[household.pk])
    twin = make_household(regions["village"], number="420281100201000778")
    Person.objects.filter(household=twin, relation="户主").update(name=head.name)
    page = client.get(reverse("monitoring:household_lookup"), {"q": head.name})
    assert page.status_code == 200 and "找到多户" in page.content.decode()
    assert reverse("monitoring:household", args=[twin.pk]) in page.content.decode()
    # The old 户编号 box still works.
    old = client.get(reverse("monitoring:household_lookup"), {"number": household.number})
    assert old["Location"] == reverse("monitoring:household", args=[household.pk])


def test_another_towns_household_is_not_found_by_name(client_for, other_household):
    head = other_household.persons.get(relation="户主")
    response = client_for("town_staff").get(
        reverse("monitoring:household_lookup"), {"q": head.name}, follow=True
    )
    assert "未找到" in response.content.decode()
