"""Landing page, home widgets, campaign creation and list pages with bounded query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from assistance import services
from assistance.models import Campaign, Contact
from assistance.tests.conftest import TODAY, monitored

pytestmark = pytest.mark.django_db


def test_home_widgets_show_overdue_visits_and_campaign_coverage(
    client_for: Any, regions: dict, users: dict
) -> None:
    monitored(regions["village"], ["因病"])
    monitored(regions["other_village"], ["因病"])
    c = services.create_campaign(
        actor=users["town_staff"],
        name="冬季排查",
        start_date=TODAY,
        end_date=TODAY + dt.timedelta(days=9),
        regions=[regions["village"]],
    )
    services.assign_screenings(actor=users["town_staff"], campaign=c, village=regions["village"])
    from django.test import RequestFactory

    from assistance.widgets import home_widgets

    request = RequestFactory().get("/")
    request.user = users["town_staff"]
    widgets = {w["label"]: w for w in home_widgets(request)}
    assert widgets["走访逾期户"]["value"] == 1
    assert widgets["冬季排查覆盖率(%)"]["value"] == 0
    assert widgets["冬季排查覆盖率(%)"]["url"] == f"/assistance/campaigns/{c.pk}/"
    c.screenings.update(done=True)
    widgets = {w["label"]: w for w in home_widgets(request)}
    assert widgets["冬季排查覆盖率(%)"]["value"] == 100
    page = client_for("town_staff").get("/")
    assert "走访逾期户" in page.content.decode()


def test_town_staff_create_a_campaign_and_grid_members_may_not(
    client_for: Any, regions: dict
) -> None:
    data = {
        "name": "春季集中排查",
        "start_date": "2026-03-01",
        "end_date": "2026-03-31",
        "regions": [regions["village"].pk, regions["village2"].pk],
    }
    assert client_for("grid_member").post("/assistance/campaigns/new/", data).status_code == 403
    response = client_for("town_staff").post("/assistance/campaigns/new/", data)
    c = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assistance/campaigns/{c.pk}/"
    assert set(c.regions.values_list("name", flat=True)) == {"朝阳村", "仕秦村"}
    bad = client_for("town_staff").post(
        "/assistance/campaigns/new/", {**data, "end_date": "2026-02-01"}
    )
    assert "结束日期不能早于开始日期" in bad.content.decode() and Campaign.objects.count() == 1


def test_list_pages_use_a_fixed_number_of_queries(
    client_for: Any, regions: dict, users: dict, django_assert_max_num_queries: Any
) -> None:
    for i in range(6):
        h = monitored(regions["village"], ["因病"])
        Contact.objects.create(household=h, name=f"干部{i % 2}", start_date=TODAY)
    client = client_for("town_staff")
    client.get("/assistance/")
    for url in ("/assistance/", "/assistance/contacts/", "/assistance/campaigns/"):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(12):
        page = client.get("/assistance/contacts/cadre/", {"name": "干部0", "phone": ""})
    assert "（3户）" in page.content.decode()


def test_the_bulk_contact_button_shows_only_to_who_may_plan(client_for: Any) -> None:
    """A 网格员 may list the contacts but not assign them: no button leading to a 403."""
    bulk = reverse("assistance:contact_bulk")
    assert (
        bulk not in client_for("grid_member").get(reverse("assistance:contacts")).content.decode()
    )
    assert client_for("grid_member").get(bulk).status_code == 403
    assert bulk in client_for("town_staff").get(reverse("assistance:contacts")).content.decode()


def test_the_record_visit_button_shows_only_to_who_may_record(client_for: Any) -> None:
    """The auditor reads 帮扶走访 but records no visit: no 记录走访 button leading to a 403."""
    new = reverse("assistance:visit_new")
    assert client_for("auditor").get(new).status_code == 403
    assert (
        f'href="{new}"'
        not in client_for("auditor").get(reverse("assistance:index")).content.decode()
    )
    assert (
        f'href="{new}"'
        in client_for("grid_member").get(reverse("assistance:index")).content.decode()
    )


def test_visit_rules_keep_what_was_typed_on_an_error(client_for: Any) -> None:
    """A refused 走访频次 page shows the values typed (and says which is wrong), not the stored
    ones: the user corrects one cell instead of typing all again."""
    from assistance.models import VisitRule

    monitored, _ = VisitRule.objects.get_or_create(
        target=VisitRule.Target.MONITORED, defaults={"interval_days": 30}
    )
    eliminated, _ = VisitRule.objects.get_or_create(
        target=VisitRule.Target.ELIMINATED, defaults={"interval_days": 90}
    )
    data = {f"interval_{r.pk}": "" for r in VisitRule.objects.all()}
    data |= {f"interval_{monitored.pk}": "45", f"interval_{eliminated.pk}": "九十"}
    data[f"active_{monitored.pk}"] = "on"
    page = client_for("county_admin").post(reverse("assistance:visit_rules"), data)
    body = page.content.decode()
    assert page.status_code == 200 and "实为“九十”" in body
    assert f'name="interval_{monitored.pk}" value="45"' in body
    assert f'name="interval_{eliminated.pk}" value="九十"' in body
    monitored.refresh_from_db()
    assert monitored.interval_days == 30  # nothing saved
