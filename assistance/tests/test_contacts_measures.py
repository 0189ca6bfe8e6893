"""Contacts (history, bulk by village, workload, card) and 一户一策 measures, with scoping."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from assistance.models import Contact, Measure
from assistance.tests.conftest import TODAY, monitored
from core.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_changing_the_contact_keeps_the_history(
    client_for: Any, household: Any, users: dict
) -> None:
    client = client_for("village_staff")
    first = client.post(
        f"/assistance/households/{household.pk}/contact/",
        {"user": users["grid_member"].pk, "start_date": "2026-01-01"},
    )
    assert first.status_code == 302
    second = client.post(
        f"/assistance/households/{household.pk}/contact/",
        {
            "name": "李帮扶",
            "unit": "市农业农村局",
            "phone": "13800001111",
            "start_date": "2026-06-01",
        },
    )
    assert second.status_code == 302
    rows = list(Contact.objects.filter(household=household).order_by("start_date"))
    assert [(c.name, c.end_date) for c in rows] == [
        ("grid", dt.date(2026, 6, 1)),
        ("李帮扶", None),
    ]
    assert rows[0].user == users["grid_member"] and rows[1].user is None
    assert AuditRecord.objects.filter(object_type="assistance.contact").count() == 3


def test_a_contact_needs_a_user_or_a_name(client_for: Any, household: Any) -> None:
    response = client_for("village_staff").post(
        f"/assistance/households/{household.pk}/contact/", {"start_date": "2026-01-01"}
    )
    assert "请选择系统用户，或填写帮扶联系人姓名" in response.content.decode()
    assert not Contact.objects.exists()


def test_bulk_assignment_gives_a_villages_monitored_households_one_cadre(
    client_for: Any, regions: dict, users: dict
) -> None:
    a = monitored(regions["village"], ["因病"])
    b = monitored(regions["group"], ["因学"])
    from fangpin.testing import make_household

    plain = make_household(regions["village"])
    elsewhere = monitored(regions["village2"], ["因病"])
    response = client_for("town_staff").post(
        "/assistance/contacts/bulk/",
        {
            "village": regions["village"].pk,
            "scope": "monitored",
            "user": users["village_staff"].pk,
            "start_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    assert set(Contact.objects.values_list("household_id", flat=True)) == {a.pk, b.pk}
    assert plain.pk != elsewhere.pk
    listing = client_for("town_staff").get("/assistance/contacts/").content.decode()
    assert "village" in listing and "<td>2</td>" in listing
    mine = client_for("town_staff").get(
        "/assistance/contacts/cadre/", {"user": users["village_staff"].pk}
    )
    assert "（2户）" in mine.content.decode()


def test_the_contact_card_shows_the_cadre_and_no_id_number(client_for: Any, household: Any) -> None:
    Contact.objects.create(
        household=household, name="王联系", unit="镇政府", phone="13912345678", start_date=TODAY
    )
    page = client_for("grid_member").get(f"/assistance/households/{household.pk}/card/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "王联系" in text and "镇政府" in text and "13912345678" in text
    assert household.head_name in text
    for person in household.persons.all():
        # Not the masked form either (its last four digits alone may occur in the phone number).
        assert person.id_number not in text and person.masked_id() not in text
    assert "@media print" in text


def test_contacts_and_households_of_another_town_answer_404(
    client_for: Any, household: Any, users: dict
) -> None:
    client = client_for("other_town")
    for url in ("", "card/", "contact/", "measures/new/"):
        assert client.get(f"/assistance/households/{household.pk}/{url}").status_code == 404
    Contact.objects.create(
        household=household, user=users["grid_member"], name="x", start_date=TODAY
    )
    listing = client.get("/assistance/contacts/cadre/", {"user": users["grid_member"].pk})
    assert "（0户）" in listing.content.decode()


def test_a_measure_is_added_and_the_household_page_shows_rule_findings(
    client_for: Any, regions: dict
) -> None:
    h = monitored(regions["village"], ["因病", "因学"])
    client = client_for("village_staff")
    response = client.post(
        f"/assistance/households/{h.pk}/measures/new/",
        {"category": "健康帮扶", "subtype": "家庭医生签约", "status": "ongoing"},
    )
    assert response.status_code == 302
    assert Measure.objects.get(household=h).subtype == "家庭医生签约"
    page = client.get(f"/assistance/households/{h.pk}/").content.decode()
    assert "家庭医生签约" in page
    assert "风险“因学”没有对应的帮扶措施" in page and "风险“因病”" not in page


def test_a_measure_continuing_after_elimination_needs_an_end_date(
    client_for: Any, household: Any
) -> None:
    client = client_for("village_staff")
    data = {
        "category": "金融帮扶",
        "subtype": "小额信贷",
        "status": "ongoing",
        "continues_after_elimination": "on",
    }
    response = client.post(f"/assistance/households/{household.pk}/measures/new/", data)
    assert "风险消除后继续的措施须填写结束日期" in response.content.decode()
    assert not Measure.objects.exists()
    data["end_date"] = "2028-06-30"
    response = client.post(f"/assistance/households/{household.pk}/measures/new/", data)
    assert response.status_code == 302
    m = Measure.objects.get()
    assert m.continues_after_elimination and m.end_date == dt.date(2028, 6, 30)
    url = f"/assistance/households/{household.pk}/measures/{m.pk}/"
    edit = client.post(url, {**data, "status": "done"})
    assert "已完成的措施结束日期不能晚于今天" in edit.content.decode()  # not done before its end
    edit = client.post(url, {**data, "status": "done", "end_date": TODAY.isoformat()})
    assert edit.status_code == 302 and Measure.objects.get().status == "done"


def test_measures_of_another_town_cannot_be_edited(
    client_for: Any, household: Any, other_household: Any
) -> None:
    m = Measure.objects.create(household=household, category="产业帮扶")
    client = client_for("other_town")
    url = f"/assistance/households/{other_household.pk}/measures/{m.pk}/"
    assert client.post(url, {"category": "其他", "status": "done"}).status_code == 404
    assert Measure.objects.get().category == "产业帮扶"


def test_grid_members_cannot_change_measures(client_for: Any, household: Any) -> None:
    response = client_for("grid_member").post(
        f"/assistance/households/{household.pk}/measures/new/",
        {"category": "产业帮扶", "status": "ongoing"},
    )
    assert response.status_code == 403 and not Measure.objects.exists()


def test_a_contact_phone_is_validated_like_every_other_phone(
    client_for: Any, household: Any
) -> None:
    client = client_for("village_staff")
    url = f"/assistance/households/{household.pk}/contact/"
    data = {"name": "王帮扶", "phone": "12345", "start_date": TODAY.isoformat()}
    response = client.post(url, data)
    assert "联系电话：“12345”应为11位手机号或带区号的固定电话" in response.content.decode()
    assert not Contact.objects.exists()
    response = client.post(url, {**data, "phone": "0714 1234567"})
    assert response.status_code == 302 and Contact.objects.get().phone == "07141234567"
