"""查阅记录: who saw whose full data, for auditors and county admins, scoped to their region."""

from django.urls import reverse

from core import audit
from fangpin.testing import make_user
from registry import services

URL = "/accounts/reads/"


def _reads(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [r.note for r in response.context["page"].object_list]


def test_reveals_exports_and_searches_are_listed_and_changes_are_not(client_for, users, household):
    member = household.persons.get(relation="户主")
    services.reveal(actor=users["county_admin"], obj=member, field="id_number")
    client_for("county_admin").get(reverse("registry:household_list"), {"q": member.id_number})
    audit.record(actor=users["county_admin"], action="export", object_type="x", note="导出台账")
    services.update_person(actor=users["county_admin"], person=member, work_place="黄石")
    notes = _reads(client_for("auditor"))
    assert notes == ["导出台账", "按完整证件号码查询", "查看完整证件号码"]
    page = client_for("auditor").get(URL).content.decode()
    assert member.id_number not in page and member.masked_id() in page


def test_the_list_filters_by_user_kind_date_and_region(client_for, users, regions, household):
    member = household.persons.get(relation="户主")
    services.reveal(actor=users["county_admin"], obj=member, field="phone")
    second = make_user("county2", "county_admin", regions["county"], can_view_sensitive=True)
    services.reveal(actor=second, obj=member, field="id_number")
    client = client_for("auditor")
    assert _reads(client, actor=second.pk) == ["查看完整证件号码"]
    assert _reads(client, action="export") == []
    assert len(_reads(client, region=regions["town"].pk)) == 2
    assert _reads(client, region=regions["other_town"].pk) == []
    assert _reads(client, start="2000-01-01", end="2000-01-02") == []
    bad = client.get(URL, {"start": "0001-01-01"})
    assert bad.status_code == 200 and "日期应在2000年到2100年之间" in bad.content.decode()


def test_a_town_auditor_sees_only_their_towns_reads(
    client, users, regions, household, other_household
):
    services.reveal(actor=users["county_admin"], obj=household, field="phone")
    services.reveal(actor=users["county_admin"], obj=other_household, field="phone")
    town_auditor = make_user("tauditor", "auditor", regions["other_town"])
    client.force_login(town_auditor)
    shown = client.get(URL).context["page"].object_list
    assert [r.household_id for r in shown] == [other_household.pk]


def test_staff_without_the_capability_are_refused_in_chinese(client_for):
    response = client_for("town_staff").get(URL)
    assert response.status_code == 403
    assert "只有审计员和县级管理员可以查看查阅记录" in response.content.decode()
