"""Who gets what: every URL of registry, regions and accounts, as each persona.

Each URL is requested for a fixture object of the user's own region ("own", in
金山店镇/朝阳村) and of another town ("other", in 还地桥镇/白羊村). Reading another region
answers 404; a read-only role on an edit URL answers 403; and no page ever shows a household of
a region the user may not see. Then the acceptance cases: invalid input through the forms is
refused in Chinese and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import ApiToken
from core.idnumber import make_valid
from core.models import AuditRecord
from fangpin.testing import id_number
from registry import services
from registry.models import Household, HouseholdEvent, Person

PERSONAS = ("county_admin", "auditor", "town_staff", "village_staff", "grid_member", "other_town")

# Expected status per persona, in PERSONAS order.
ALL_200 = (200, 200, 200, 200, 200, 200)
READ_OWN = (200, 200, 200, 200, 200, 404)
READ_OTHER = (200, 200, 404, 404, 404, 200)
EDIT_NEW = (200, 403, 200, 200, 403, 200)
EDIT_OWN = (200, 403, 200, 200, 403, 404)
EDIT_OTHER = (200, 403, 404, 404, 404, 200)
REVEAL_OWN = (200, 403, 403, 403, 403, 404)
REVEAL_OTHER = (200, 403, 404, 404, 404, 403)
CORRECT_OWN = (200, 403, 403, 403, 403, 404)
CORRECT_OTHER = (200, 403, 404, 404, 404, 403)
ADMIN = (200, 404, 404, 404, 404, 404)
ADMIN_POST = (302, 404, 404, 404, 404, 404)
LOGOUT = (302, 302, 302, 302, 302, 302)
# A token of the village user: theirs to make and revoke, and the county admin's.
OWN_TOKEN = (200, 404, 404, 200, 404, 404)
OWN_TOKEN_POST = (302, 404, 404, 302, 404, 404)
AUDITORS = (200, 200, 403, 403, 403, 403)

# (url name, argument kind, method, expected statuses)
CASES: list[tuple[str, str, str, tuple[int, ...]]] = [
    ("registry:index", "", "get", ALL_200),
    ("registry:household_list", "", "get", ALL_200),
    ("registry:household_create", "", "get", EDIT_NEW),
    ("registry:household_detail", "own", "get", READ_OWN),
    ("registry:household_detail", "other", "get", READ_OTHER),
    ("registry:household_edit", "own", "get", EDIT_OWN),
    ("registry:household_edit", "other", "get", EDIT_OTHER),
    ("registry:household_correct", "own", "get", CORRECT_OWN),
    ("registry:household_correct", "other", "get", CORRECT_OTHER),
    ("registry:corrections", "", "get", ALL_200),
    ("registry:member_add", "own", "get", EDIT_OWN),
    ("registry:member_add", "other", "get", EDIT_OTHER),
    ("registry:income_add", "own", "get", EDIT_OWN),
    ("registry:income_add", "other", "get", EDIT_OTHER),
    ("registry:income_edit", "own_year", "get", EDIT_OWN),
    ("registry:income_edit", "other_year", "get", EDIT_OTHER),
    ("registry:reveal_household", "own_phone", "post", REVEAL_OWN),
    ("registry:reveal_household", "other_phone", "post", REVEAL_OTHER),
    ("registry:member_edit", "own_person", "get", EDIT_OWN),
    ("registry:member_edit", "other_person", "get", EDIT_OTHER),
    ("registry:member_remove", "own_person", "get", EDIT_OWN),
    ("registry:member_remove", "other_person", "get", EDIT_OTHER),
    ("registry:reveal_person", "own_person_id", "post", REVEAL_OWN),
    ("registry:reveal_person", "other_person_id", "post", REVEAL_OTHER),
    ("regions:tree", "", "get", ADMIN),
    ("regions:create_child", "own_region", "post", ADMIN_POST),
    ("regions:create_child", "other_region", "post", ADMIN_POST),
    ("regions:update", "own_region", "post", ADMIN_POST),
    ("regions:update", "other_region", "post", ADMIN_POST),
    ("regions:move", "own_region", "post", ADMIN_POST),
    ("regions:move", "other_region", "post", ADMIN_POST),
    ("regions:retire", "own_region", "post", ADMIN_POST),
    ("regions:retire", "other_region", "post", ADMIN_POST),
    ("accounts:login", "", "get", ALL_200),
    ("accounts:logout", "", "post", LOGOUT),
    ("accounts:user_list", "", "get", ADMIN),
    ("accounts:user_create", "", "get", ADMIN),
    ("accounts:me", "", "get", ALL_200),
    ("accounts:user_edit", "own_user", "get", ADMIN),
    ("accounts:user_edit", "other_user", "get", ADMIN),
    ("accounts:user_active", "other_user", "post", ADMIN_POST),
    ("accounts:user_password", "own_user", "post", ADMIN_POST),
    ("accounts:user_password", "other_user", "post", ADMIN_POST),
    ("accounts:user_unlock", "own_user", "post", ADMIN_POST),
    ("accounts:user_unlock", "other_user", "post", ADMIN_POST),
    ("accounts:token_create", "own_user", "post", OWN_TOKEN),
    ("accounts:token_revoke", "own_token", "post", OWN_TOKEN_POST),
    ("accounts:read_audit", "", "get", AUDITORS),
]


@pytest.fixture
def objects(household, other_household, users, regions) -> dict[str, Any]:
    """Each household gets a phone and an income year so every URL has something to show."""
    for h in (household, other_household):
        services.update_household(actor=None, household=h, phone="13800001234")
        services.save_income(actor=None, household=h, year=2024, wage=9000)
    own_person = household.persons.get(relation="户主")
    other_person = other_household.persons.get(relation="户主")
    return {
        "full_values": ["13800001234", own_person.id_number, other_person.id_number],
        "": [],
        "own": [household.pk],
        "other": [other_household.pk],
        "own_year": [household.pk, 2024],
        "other_year": [other_household.pk, 2024],
        "own_phone": [household.pk, "phone"],
        "other_phone": [other_household.pk, "phone"],
        "own_person": [own_person.pk],
        "other_person": [other_person.pk],
        "own_person_id": [own_person.pk, "id_number"],
        "other_person_id": [other_person.pk, "id_number"],
        "own_region": [regions["village"].pk],
        "other_region": [regions["other_village"].pk],
        "own_user": [users["village_staff"].pk],
        "other_user": [users["other_town"].pk],
        "own_token": [ApiToken.issue(users["village_staff"], "测试")[0].pk],
    }


# What each persona must never see: a household number and a village of a region outside theirs.
HIDDEN = {
    "town_staff": ("420281200101000001", "白羊村"),
    "village_staff": ("420281200101000001", "白羊村"),
    "grid_member": ("420281200101000001", "白羊村"),
    "other_town": ("420281100201000001", "朝阳村"),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_its_role_and_region_allow(
    client, users, objects, persona
):
    wrong = []
    for name, arg, method, expected in CASES:
        users[persona].refresh_from_db()  # logout raised the session version
        client.force_login(users[persona])  # again after the logout case
        url = reverse(name, args=objects[arg])
        response = getattr(client, method)(url)
        want = expected[PERSONAS.index(persona)]
        if response.status_code != want:
            wrong.append(f"{method.upper()} {url}: {response.status_code}, expected {want}")
        if response.status_code != 200:
            continue
        body = response.content.decode()
        shown = [m for m in HIDDEN.get(persona, ()) if m in body]
        if persona != "county_admin":  # the only persona with can_view_sensitive
            shown += [m for m in objects["full_values"] if m in body]
        if shown:
            wrong.append(f"GET {url} shows {shown}")
    assert not wrong, "\n".join(wrong)


def test_the_list_of_a_town_user_holds_only_their_towns_households(
    client_for, household, other_household
):
    response = client_for("town_staff").get(reverse("registry:household_list"))
    assert [h.pk for h in response.context["page"].object_list] == [household.pk]
    assert response.context["page"].paginator.count == 1


def test_anonymous_users_are_sent_to_the_login_page_everywhere(client, objects):
    for name, arg, method, _expected in CASES:
        if name.startswith("accounts:log"):
            continue
        response = getattr(client, method)(reverse(name, args=objects[arg]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


# --- Acceptance: invalid input is refused in Chinese and nothing is saved --------------------


def _add_member(client, household, **fields) -> Any:
    data = {"reason": "出生", "date": "2024-03-01", "name": "新成员", "relation": "之子"}
    data.update(fields)
    return client.post(reverse("registry:member_add", args=[household.pk]), data)


def _unchanged(household) -> tuple[int, int, int]:
    return (
        Person.objects.count(),
        HouseholdEvent.objects.filter(household=household).count(),
        # Changes only: logging in and refused look-ups are audited too, but save no data.
        AuditRecord.objects.filter(action__in=["create", "update", "delete"]).count(),
    )


def test_a_wrong_check_digit_is_refused_and_nothing_saved(client_for, household):
    good = id_number(dt.date(2024, 1, 5))
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = _unchanged(household)
    response = _add_member(client_for("village_staff"), household, id_number=bad)
    assert response.status_code == 200
    assert "证件号码：证件号码校验位错误（应为" in response.content.decode()
    assert _unchanged(household) == before


def test_a_birth_date_in_the_future_is_refused_and_nothing_saved(client_for, household):
    future = make_valid(f"420281{dt.date.today().year + 1}0101001")
    before = _unchanged(household)
    client = client_for("village_staff")
    response = _add_member(client, household, id_number=future)
    assert "在今天之后" in response.content.decode()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    response = _add_member(client, household, id_number=id_number(), birth_date=tomorrow)
    assert "出生日期：出生日期不能晚于今天" in response.content.decode()
    assert _unchanged(household) == before


def test_a_duplicate_id_number_is_refused_and_nothing_saved(client_for, household, other_household):
    taken = other_household.persons.first()
    before = _unchanged(household)
    response = _add_member(client_for("county_admin"), household, id_number=taken.id_number)
    body = response.content.decode()
    assert f"证件号码已登记在{other_household.number}户" in body and "不能重复" in body
    assert _unchanged(household) == before


def test_a_second_head_of_household_is_refused_and_nothing_saved(client_for, household):
    before = _unchanged(household)
    response = _add_member(
        client_for("town_staff"), household, id_number=id_number(), relation="户主"
    )
    assert "与户主关系：该户已有户主" in response.content.decode()
    assert "一户只能有一个户主" in response.content.decode()
    assert _unchanged(household) == before
    # Editing a member into a second 户主 is refused the same way.
    spouse = household.persons.get(relation="配偶")
    url = reverse("registry:member_edit", args=[spouse.pk])
    client = client_for("town_staff")
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data["relation"] = "户主"
    assert "一户只能有一个户主" in client.post(url, data).content.decode()
    spouse.refresh_from_db()
    assert spouse.relation == "配偶"


def _edit_household(client, household, **fields) -> Any:
    url = reverse("registry:household_edit", args=[household.pk])
    data = {
        k: v for k, v in client.get(url).context["form"].initial.items() if v not in (None, False)
    }
    data.update(fields)
    return client.post(url, data)


def _correct(client, household, **fields) -> Any:
    url = reverse("registry:household_correct", args=[household.pk])
    data = {
        k: v for k, v in client.get(url).context["form"].initial.items() if v not in (None, False)
    }
    data.update(fields)
    return client.post(url, data)


def test_an_unstable_category_on_a_household_that_is_not_alleviated_is_refused(
    client_for, household
):
    before = _unchanged(household)
    response = _correct(
        client_for("county_admin"),
        household,
        category="脱贫不稳定户",
        risks=["因病"],
        identified_date="2024-01-10",
        reason="补录识别结果",
    )
    assert "监测对象类别：脱贫不稳定户必须是脱贫户" in response.content.decode()
    household.refresh_from_db()
    assert household.category == "" and household.identified_date is None
    assert _unchanged(household) == before


def test_an_elimination_date_before_the_identification_date_is_refused(client_for, household):
    before = _unchanged(household)
    response = _correct(
        client_for("county_admin"),
        household,
        category="边缘易致贫户",
        risks=["因病"],
        identified_date="2024-05-01",
        risk_eliminated="on",
        eliminated_date="2024-03-01",
        elimination_method="帮扶消除",
        reason="补录",
    )
    body = response.content.decode()
    assert "风险消除时间：风险消除时间2024-03-01早于识别监测时间2024-05-01" in body
    household.refresh_from_db()
    assert household.category == "" and not household.risk_eliminated
    assert _unchanged(household) == before


@pytest.mark.parametrize("persona", ["county_admin", "town_staff", "village_staff"])
def test_the_household_form_cannot_change_status_fields(client_for, household, persona):
    client = client_for(persona)
    url = reverse("registry:household_edit", args=[household.pk])
    page = client.get(url)
    for name in services.PROCEDURE_FIELDS:
        assert page.context["form"].fields[name].disabled, name
    body = page.content.decode()
    assert "只能通过" in body and reverse("monitoring:household", args=[household.pk]) in body
    response = _edit_household(
        client,
        household,
        address="一组8号",
        category="边缘易致贫户",
        risks=["因病", "缺劳动力"],
        identified_date="2024-05-01",
        risk_eliminated="on",
        eliminated_date="2024-06-01",
        elimination_method="帮扶消除",
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.address == "一组8号"  # the rest of the form is saved
    assert household.category == "" and household.risk_list == []
    assert household.identified_date is None and not household.risk_eliminated
    assert not HouseholdEvent.objects.filter(household=household, kind="identified").exists()


def test_the_household_form_dates_a_new_alleviation_by_2020_and_moves_it_to_its_year(
    client_for, household
):
    """Marked 脱贫户 in the form with 脱贫年度 blank, the household counts as one from the end of
    2020 (never the day of the edit); the 脱贫年度 filled in later moves that event, audited."""
    client = client_for("town_staff")
    assert _edit_household(client, household, is_alleviated="1").status_code == 302
    alleviated = HouseholdEvent.objects.filter(household=household, kind="alleviated")
    assert list(alleviated.values_list("date", flat=True)) == [dt.date(2020, 12, 31)]

    assert _edit_household(client, household, alleviated_year="2016").status_code == 302

    household.refresh_from_db()
    assert household.alleviated_year == 2016
    assert list(alleviated.values_list("date", flat=True)) == [dt.date(2016, 12, 31)]
    move = AuditRecord.objects.get(object_type="registry.householdevent")
    assert (move.before, move.after, move.note) == (
        {"date": "2020-12-31"},
        {"date": "2016-12-31"},
        "更正日期",
    )


def test_the_service_refuses_status_changes_from_a_plain_edit(household, users):
    with pytest.raises(ValidationError) as refused:
        services.update_household(
            actor=users["county_admin"],
            household=household,
            category="边缘易致贫户",
            identified_date=dt.date(2024, 5, 1),
        )
    assert "只能通过识别、风险消除、回退、再标注或剔除/退出程序变更" in str(refused.value)
    with pytest.raises(ValidationError):
        services.create_household(
            actor=users["county_admin"],
            number="X9",
            region=household.region,
            category="边缘易致贫户",
            identified_date=dt.date(2024, 5, 1),
        )
    household.refresh_from_db()
    assert household.category == "" and not Household.objects.filter(number="X9").exists()


def test_a_county_correction_needs_a_reason_is_audited_shown_and_listed(
    client_for, household, users
):
    client = client_for("county_admin")
    response = _correct(
        client, household, category="边缘易致贫户", risks=["因病"], identified_date="2024-05-01"
    )
    assert "更正原因：这个字段是必填项" in response.content.decode()
    household.refresh_from_db()
    assert household.category == ""
    response = _correct(
        client,
        household,
        category="边缘易致贫户",
        risks=["因病", "缺劳动力"],
        identified_date="2024-05-01",
        reason="2024年5月县级审定，系统漏录",
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.category == "边缘易致贫户"
    assert household.risk_list == ["因病", "缺劳动力"]
    identified = HouseholdEvent.objects.get(household=household, kind="identified")
    assert identified.date == dt.date(2024, 5, 1) and identified.source == "手工更正"
    corrected = HouseholdEvent.objects.get(household=household, kind="changed")
    assert corrected.source == "手工更正" and "系统漏录" in corrected.reason
    assert corrected.actor == users["county_admin"]
    record = AuditRecord.objects.get(household_id=household.pk, action="update")
    assert record.note == "手工更正：2024年5月县级审定，系统漏录"
    detail = client.get(reverse("registry:household_detail", args=[household.pk])).content
    assert "手工更正" in detail.decode() and "系统漏录" in detail.decode()
    # A later correction of the date moves the event statistics read.
    _correct(client, household, identified_date="2024-05-10", reason="以审定文件日期为准")
    identified.refresh_from_db()
    assert identified.date == dt.date(2024, 5, 10)
    listing = client_for("auditor").get(reverse("registry:corrections"))
    body = listing.content.decode()
    assert listing.context["page"].paginator.count == 2
    assert "系统漏录" in body and "以审定文件日期为准" in body and "金山店镇/朝阳村" in body
    assert (
        client_for("other_town")
        .get(reverse("registry:corrections"))
        .context["page"]
        .paginator.count
        == 0
    )


def test_only_a_county_admin_corrects(client_for, household, users):
    url = reverse("registry:household_correct", args=[household.pk])
    data = {"category": "边缘易致贫户", "identified_date": "2024-05-01", "reason": "x"}
    assert client_for("town_staff").post(url, data).status_code == 403
    with pytest.raises(PermissionDenied):
        services.correct_household(
            actor=users["town_staff"], household=household, reason="x", category="边缘易致贫户"
        )
    household.refresh_from_db()
    assert household.category == ""


def test_a_household_number_cannot_be_taken_twice(client_for, household, regions):
    before = Household.objects.count()
    response = client_for("county_admin").post(
        reverse("registry:household_create"),
        {
            "number": household.number,
            "region": regions["village"].pk,
            "is_alleviated": "0",
            "head_name": "王二",
            "head_id_number": id_number(),
        },
    )
    assert f"户编号：户编号{household.number}已存在" in response.content.decode()
    assert Household.objects.count() == before
