"""Masks that cannot be undone (issue 17.1): no full birth date beside a masked ID, no full-ID
search for users who may not see full numbers, and every full view logged.

The attack it stops: a town user took each member's 出生日期 from the household page, filled the
two unknown area digits from the county code, and confirmed each guess with the full-ID search —
982 of 986 numbers of their town in 47 s.
"""

from __future__ import annotations

import json

from django.urls import reverse

from core.dates import today
from core.idnumber import check_digit
from core.models import AuditRecord


def _guesses(masked: str, area: str, birth: str) -> list[str]:
    """Every number a 4+4 mask, the county code and a birth date leave (the check digit must
    match the last shown character)."""
    found = []
    for seq in range(1000):
        first17 = f"{area}{birth}{seq:03d}"
        number = first17 + check_digit(first17)
        if number[:4] == masked[:4] and number[-4:] == masked[-4:]:
            found.append(number)
    return found


def test_the_rebuild_attack_finds_nothing(client_for, household):
    client = client_for("town_staff")
    member = household.persons.get(relation="户主")
    page = client.get(reverse("registry:household_detail", args=[household.pk])).content.decode()
    birth = f"{member.birth_date:%Y%m%d}"
    assert member.masked_id() in page
    for shown in (f"{member.birth_date:%Y-%m-%d}", birth, f"{member.birth_date:%Y年%m月}"):
        assert shown not in page
    form = client.get(reverse("registry:member_edit", args=[member.pk])).content.decode()
    assert f"{member.birth_date:%Y-%m-%d}" not in form and member.id_number not in form
    api = client.get(f"/api/v1/households/{household.pk}").json()
    assert all(m["birth_date"] is None and m["age"] is not None for m in api["members"])
    # With the birth date the guess is a single number; without it the search confirms nothing.
    [guess] = _guesses(member.masked_id(), member.id_number[:6], birth)
    found = client.get(reverse("registry:household_list"), {"q": guess})
    assert found.context["page"].paginator.count == 0
    assert "按证件号码查询仅限可查看完整证件号码的用户" in found.content.decode()
    api_found = client.get("/api/v1/households", {"q": guess}).json()
    assert api_found["count"] == 0


def test_the_page_shows_each_members_age(client_for, household):
    page = client_for("village_staff").get(
        reverse("registry:household_detail", args=[household.pk])
    )
    body = page.content.decode()
    assert "<th>年龄</th>" in body and "<th>出生日期</th>" not in body
    for member in household.persons.all():
        assert f"<td>{member.age_on(today())}岁</td>" in body


def test_a_user_who_may_see_full_numbers_searches_by_one_and_it_is_logged(
    client_for, users, household
):
    member = household.persons.get(relation="户主")
    found = client_for("county_admin").get(
        reverse("registry:household_list"), {"q": member.id_number}
    )
    assert [h.pk for h in found.context["page"].object_list] == [household.pk]
    record = AuditRecord.objects.get(action="search")
    assert record.actor == users["county_admin"] and record.household_id == household.pk
    assert member.id_number not in record.object_repr + record.note
    assert member.masked_id() in record.object_repr


def test_a_masked_edit_form_keeps_the_birth_date_and_shows_the_year(client_for, household):
    member = household.persons.get(relation="配偶")
    client = client_for("village_staff")
    url = reverse("registry:member_edit", args=[member.pk])
    page = client.get(url)
    body = page.content.decode()
    assert f'placeholder="{member.birth_date:%Y}年"' in body and "只显示出生年份" in body
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data["work_place"] = "武汉"
    response = client.post(url, data)
    assert response.status_code == 302
    before = member.birth_date
    member.refresh_from_db()
    assert member.birth_date == before and member.work_place == "武汉"


def test_full_values_in_an_edit_form_are_logged(client_for, users, household):
    member = household.persons.get(relation="户主")
    client = client_for("county_admin")
    body = client.get(reverse("registry:member_edit", args=[member.pk])).content.decode()
    assert member.id_number in body
    record = AuditRecord.objects.get(action="view_sensitive")
    assert record.actor == users["county_admin"] and record.object_id == str(member.pk)
    assert "修改表单" in record.note


def test_an_api_list_with_full_values_is_logged(client_for, users, household):
    client_for("county_admin").get("/api/v1/households")
    record = AuditRecord.objects.get(action="view_sensitive")
    assert record.actor == users["county_admin"] and "接口列表" in record.note
    client_for("town_staff").get("/api/v1/households")
    assert AuditRecord.objects.filter(action="view_sensitive").count() == 1  # masked: no read


def test_the_change_log_hides_birth_dates(client_for, users, household):
    from registry import services

    member = household.persons.get(relation="之子")
    services.update_person(
        actor=users["county_admin"], person=member, work_place="黄石", phone="13700000000"
    )
    page = (
        client_for("town_staff")
        .get(reverse("registry:household_detail", args=[household.pk]))
        .content.decode()
    )
    assert f"{member.birth_date:%Y-%m-%d}" not in page
    assert json.dumps(str(member.birth_date)) not in page
