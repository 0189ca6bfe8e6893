"""The households API: bearer or session auth, region scoping, masking, filters, OpenAPI."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken
from core.models import AuditRecord
from fangpin.testing import make_household

LIST = "/api/v1/households"


def _bearer(user):
    _, token = ApiToken.issue(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_a_bearer_token_lists_the_households_of_the_users_area(
    client, users, household, other_household
):
    response = client.get(LIST, **_bearer(users["town_staff"]))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1 and data["page"] == 1
    assert [h["number"] for h in data["results"]] == [household.number]
    assert data["results"][0]["region"]["path"] == "大冶市/金山店镇/朝阳村"


def test_no_token_and_no_session_answers_401(client, household):
    assert client.get(LIST).status_code == 401
    assert client.get(f"{LIST}/{household.pk}").status_code == 401


def test_a_wrong_token_answers_401(client, household):
    response = client.get(LIST, HTTP_AUTHORIZATION="Bearer fp_not-a-real-token")
    assert response.status_code == 401


def test_the_browser_session_works_too(client_for, household, other_household):
    response = client_for("county_admin").get(LIST)
    assert response.status_code == 200 and response.json()["count"] == 2


def test_another_towns_user_sees_none_of_this_towns_households(
    client_for, household, other_household
):
    client = client_for("other_town")
    listed = client.get(LIST).json()
    assert [h["number"] for h in listed["results"]] == [other_household.number]
    assert client.get(f"{LIST}/{household.pk}").status_code == 404
    assert client.get(f"{LIST}/{other_household.pk}").status_code == 200


def test_a_region_filter_outside_the_users_area_answers_404(client_for, household, regions):
    client = client_for("other_town")
    assert client.get(LIST, {"region": "金山店镇"}).status_code == 404
    assert client.get(LIST, {"region": regions["village"].code}).status_code == 404
    assert client.get(LIST, {"region": "大冶市/金山店镇/朝阳村"}).status_code == 404


@pytest.mark.parametrize("ref", ["朝阳村", "420281100201", "大冶市/金山店镇/朝阳村"])
def test_the_region_filter_takes_a_code_a_name_or_a_path(
    client_for, household, other_household, ref
):
    data = client_for("county_admin").get(LIST, {"region": ref}).json()
    assert [h["number"] for h in data["results"]] == [household.number]


def test_an_unknown_category_is_refused_with_a_chinese_message(client_for, household):
    response = client_for("county_admin").get(LIST, {"category": "困难户"})
    assert response.status_code == 400
    assert "监测对象类别“困难户”无效" in response.json()["detail"]


def test_category_and_search_filters(client_for, regions, household, other_household):
    marginal = make_household(
        regions["village"],
        number="420281100201000099",
        category="边缘易致贫户",
        identified_date=dt.date(2023, 5, 1),
        risk_list=["因病"],
    )
    client = client_for("county_admin")
    data = client.get(LIST, {"category": "边缘易致贫户"}).json()
    assert [h["id"] for h in data["results"]] == [marginal.pk]
    assert data["results"][0]["risks"] == ["因病"]
    person = other_household.persons.first()
    person.name = "柯望舒"
    person.save()
    by_id = client.get(LIST, {"q": person.id_number}).json()
    assert [h["id"] for h in by_id["results"]] == [other_household.pk]
    by_name = client.get(LIST, {"q": person.name}).json()
    assert [h["id"] for h in by_name["results"]] == [other_household.pk]


def test_pages_hold_fifty_households(client_for, regions):
    from registry.models import Household

    base = make_household(regions["village"], number="420281100201100000", members=1)
    rows = [
        Household(number=f"4202811002011{i:05d}", region=regions["village"], head_name="某")
        for i in range(1, 60)
    ]
    Household.objects.bulk_create(rows)
    client = client_for("county_admin")
    first = client.get(LIST).json()
    second = client.get(LIST, {"page": 2}).json()
    assert first["count"] == 60 and len(first["results"]) == 50
    assert len(second["results"]) == 10 and second["page"] == 2
    assert base.pk in {h["id"] for h in first["results"] + second["results"]}


def test_a_full_id_number_searched_by_a_user_who_may_not_says_why_nothing_is_found(
    client_for, household
):
    person = household.persons.first()
    masked = client_for("town_staff").get(LIST, {"q": person.id_number}).json()
    assert masked["count"] == 0
    assert masked["notice"] == "按证件号码查询仅限可查看完整证件号码的用户；已只按户编号查找"
    full = client_for("county_admin").get(LIST, {"q": person.id_number}).json()
    assert (full["count"], full["notice"]) == (1, "")
    assert client_for("town_staff").get(LIST).json()["notice"] == ""


def test_id_numbers_and_phones_are_masked_for_users_without_the_permission(client_for, household):
    person = household.persons.first()
    person.phone = "13812345678"
    person.save()
    data = client_for("town_staff").get(f"{LIST}/{household.pk}").json()
    member = next(m for m in data["members"] if m["id"] == person.pk)
    assert member["id_number"] == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert member["phone"] == "138****5678"
    assert member["birth_date"] is None
    assert len(data["members"]) == 3
    assert not AuditRecord.objects.filter(action="view_sensitive").exists()


def test_showing_numbers_in_full_is_logged_once(client_for, users, household):
    data = client_for("county_admin").get(f"{LIST}/{household.pk}").json()
    person = household.persons.first()
    member = next(m for m in data["members"] if m["id"] == person.pk)
    assert member["id_number"] == person.id_number
    logged = AuditRecord.objects.filter(action="view_sensitive", household_id=household.pk)
    assert logged.count() == 1
    assert logged.get().actor == users["county_admin"]


def test_the_openapi_document_lists_the_household_paths(client_for):
    response = client_for("county_admin").get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/households" in paths
    assert "/api/v1/households/{household_id}" in paths


def test_the_list_runs_a_fixed_number_of_queries(client, users, regions):
    for i in range(12):
        make_household(regions["village" if i % 2 else "group"], number=f"4202811002019{i:05d}")
    headers = _bearer(users["county_admin"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, **headers)
    assert response.status_code == 200 and response.json()["count"] == 12
    # token lookup + last-used update, whether the county is the whole tree, count, page, region
    # names
    assert len(ctx.captured_queries) <= 7
