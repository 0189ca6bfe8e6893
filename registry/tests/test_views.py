"""Household screens: list (search, filters, sort, count, pages), detail, edit forms, reveal."""

import datetime as dt
from unittest.mock import patch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditRecord
from fangpin.testing import id_number, make_household
from monitoring.models import PolicyLabel
from regions import services as region_services
from registry import services
from registry.models import Household, HouseholdEvent, IncomeRecord, Membership, Person

LIST = reverse("registry:household_list")


def _numbers(response) -> list[str]:
    return [h.number for h in response.context["page"].object_list]


@pytest.fixture
def monitored(regions, users):
    h = make_household(
        regions["village2"],
        number="420281100202000009",
        is_alleviated=True,
        alleviated_year=2018,
        category="脱贫不稳定户",
        risk_list=["因病", "因学"],
        identified_date=dt.date(2023, 4, 1),
    )
    head = h.persons.get(relation="户主")
    services.update_person(actor=users["county_admin"], person=head, health="患有大病")
    return h


def test_the_list_shows_the_count_and_masks_phones(client_for, household, users):
    services.update_household(actor=users["county_admin"], household=household, phone="13812345678")
    response = client_for("village_staff").get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert "138****5678" in body and "13812345678" not in body


def test_search_finds_a_household_by_member_name_number_and_id_number(
    client_for, household, monitored
):
    client = client_for("county_admin")
    head = monitored.persons.get(relation="户主")
    assert _numbers(client.get(LIST, {"q": head.name})) == [monitored.number]
    assert _numbers(client.get(LIST, {"q": monitored.number})) == [monitored.number]
    assert _numbers(client.get(LIST, {"q": monitored.number[:13]})) == [monitored.number]
    assert _numbers(client.get(LIST, {"q": head.id_number})) == [monitored.number]


def test_filters_narrow_the_list(client_for, household, other_household, monitored, regions):
    client = client_for("county_admin")
    assert _numbers(client.get(LIST, {"household_type": "脱贫户"})) == [monitored.number]
    assert _numbers(client.get(LIST, {"category": "monitored"})) == [monitored.number]
    assert _numbers(client.get(LIST, {"category": "脱贫不稳定户"})) == [monitored.number]
    assert monitored.number not in _numbers(client.get(LIST, {"category": "none"}))
    assert _numbers(client.get(LIST, {"risk": "因学"})) == [monitored.number]
    assert _numbers(client.get(LIST, {"eliminated": "否"})) == [monitored.number]
    assert _numbers(client.get(LIST, {"eliminated": "是"})) == []
    assert _numbers(client.get(LIST, {"health": "患有大病"})) == [monitored.number]
    town = client.get(LIST, {"region": regions["town"].pk})
    assert sorted(_numbers(town)) == sorted([household.number, monitored.number])
    assert _numbers(client.get(LIST, {"region": regions["other_town"].pk})) == [
        other_household.number
    ]


def test_a_filter_value_the_list_cannot_apply_is_named_not_silently_dropped(
    client_for, household, monitored
):
    """A hand-edited or stale link (?category=x) shows the whole list, as before, but says
    which filter was left out; the valid ones still apply."""
    response = client_for("county_admin").get(
        LIST, {"category": "x", "household_type": "脱贫户"}, follow=True
    )
    assert _numbers(response) == [monitored.number]
    shown = [str(m) for m in response.context["messages"]]
    assert shown == ["筛选条件“监测对象类别”的值无效，已忽略"]
    plain = client_for("county_admin").get(LIST, {"category": "monitored"})
    assert [str(m) for m in plain.context["messages"]] == []


def test_a_labour_filter_counts_each_household_once(client_for, household, users):
    for p in household.persons.all():
        services.update_person(actor=users["county_admin"], person=p, labour_skill="普通劳动力")
    response = client_for("county_admin").get(LIST, {"labour": "普通劳动力"})
    assert _numbers(response) == [household.number]
    assert response.context["page"].paginator.count == 1


def test_a_region_of_another_town_is_not_a_filter_for_a_town_user(
    client_for, household, other_household, regions
):
    response = client_for("town_staff").get(LIST, {"region": regions["other_town"].pk})
    assert _numbers(response) == [household.number]
    assert "还地桥镇" not in response.content.decode()


def test_columns_sort_both_ways(client_for, regions):
    a = make_household(regions["village"], number="420281100201000101", members=1)
    b = make_household(regions["village"], number="420281100201000102", members=4)
    client = client_for("county_admin")
    assert _numbers(client.get(LIST, {"sort": "member_count"})) == [a.number, b.number]
    assert _numbers(client.get(LIST, {"sort": "-member_count"})) == [b.number, a.number]
    assert _numbers(client.get(LIST, {"sort": "-number"})) == [b.number, a.number]
    headers = client.get(LIST, {"sort": "member_count", "q": "成员"}).context["headers"]
    assert headers["member_count"]["url"] == "?q=%E6%88%90%E5%91%98&sort=-member_count"
    assert headers["member_count"]["arrow"] == "▲"
    assert headers["number"]["url"] == "?q=%E6%88%90%E5%91%98&sort=number"


def test_the_tree_navigator_lists_only_the_users_towns_and_villages(client_for, household):
    body = client_for("town_staff").get(LIST).content.decode()
    assert "朝阳村" in body and "仕秦村" in body
    assert "还地桥镇" not in body and "白羊村" not in body
    county = client_for("county_admin").get(LIST).content.decode()
    assert "还地桥镇" in county and "白羊村" in county


def test_an_empty_result_says_so(client_for, household):
    response = client_for("county_admin").get(LIST, {"q": "不存在的人"})
    assert "没有符合条件的农户" in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_the_list_runs_a_fixed_number_of_queries_whatever_the_page_size(
    client_for, regions, django_assert_num_queries
):
    client = client_for("county_admin")
    make_household(regions["village"], members=1)
    client.get(LIST)  # warm the session
    # user, user's region, whether it is the whole tree (core.scoping.whole_tree), regions (tree,
    # picker, labels), the year's words (category filter and badges), the code tables' version
    # (the filters' values: core.codes), count, page rows; the session is a signed cookie, so
    # nothing is read or written
    with django_assert_num_queries(8):
        client.get(LIST, {"q": "成员", "category": "", "sort": "-head_name"})
    Household.objects.bulk_create(
        Household(number=f"4202819{i:011d}", region=regions["group"], head_name=f"王{i}")
        for i in range(60)
    )
    with django_assert_num_queries(8):
        response = client.get(LIST, {"sort": "-head_name"})
    assert len(response.context["page"].object_list) == 50
    assert response.context["page"].paginator.count == 61
    assert "朝阳村/一组" in response.content.decode()


def test_the_detail_page_shows_status_members_income_history_and_changes(
    client_for, monitored, users
):
    head = monitored.persons.get(relation="户主")
    services.save_income(
        actor=users["county_admin"], household=monitored, year=2024, wage=9000, transfer=3000
    )
    services.remove_member(
        actor=users["county_admin"],
        person=monitored.persons.exclude(pk=head.pk).first(),
        reason="婚出",
        date=dt.date(2024, 5, 1),
    )
    response = client_for("town_staff").get(
        reverse("registry:household_detail", args=[monitored.pk])
    )
    body = response.content.decode()
    assert "金山店镇/仕秦村" in body
    assert "脱贫不稳定户" in body and "因病、因学" in body and "2023-04-01" in body
    assert head.masked_id() in body and head.id_number not in body
    assert "已减少成员" in body and "婚出" in body and "2024-05-01" in body
    assert "4000.00" in body  # (9000 + 3000) / 3 members counted
    assert "识别为监测对象" in body and "成员减少" in body
    assert '健康状况：<span class="text-muted">—</span> → 患有大病' in body


def test_an_editor_changes_a_member_and_the_change_is_logged(client_for, household, users):
    person = household.persons.get(relation="之子")
    url = reverse("registry:member_edit", args=[person.pk])
    client = client_for("village_staff")
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(health=["长期慢性病", "残疾"], labour_skill="弱劳动力或半劳动力")
    response = client.post(url, data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.health == "长期慢性病、残疾" and person.labour_skill == "弱劳动力或半劳动力"
    log = AuditRecord.objects.filter(object_id=str(person.pk), action="update").get()
    assert log.actor == users["village_staff"]
    detail = client.get(reverse("registry:household_detail", args=[household.pk]))
    assert "长期慢性病、残疾" in detail.content.decode()


def test_an_editor_creates_a_household_together_with_its_head(client_for, regions):
    client = client_for("town_staff")
    data = {
        "number": "420281100201000777",
        "region": regions["village"].pk,
        "is_alleviated": "0",
        "category": "边缘易致贫户",
        "risks": ["因病"],
        "identified_date": "2024-02-01",
    }
    response = client.post(reverse("registry:household_create"), data)
    assert response.status_code == 200
    assert (
        "户主姓名" in response.content.decode() and "这个字段是必填项" in response.content.decode()
    )
    assert not Household.objects.filter(number="420281100201000777").exists()
    head = {"head_name": "王大", "head_id_number": id_number(), "head_phone": "13900001111"}
    response = client.post(reverse("registry:household_create"), data | head)
    h = Household.objects.get(number="420281100201000777")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[h.pk])
    # A new household is never a 监测对象 by hand: only identification makes it one.
    assert h.category == "" and h.risk_list == [] and h.identified_date is None
    assert not HouseholdEvent.objects.filter(household=h, kind="identified").exists()
    assert (h.head_name, h.member_count, h.phone) == ("王大", 1, "13900001111")
    assert h.persons.get().relation == "户主"


def test_a_new_head_s_taken_id_number_is_an_error_on_its_field(client_for, regions, household):
    """The 户主's number already registered: said on 户主证件号码 (it was a form-wide
    "证件号码：…"), and neither the household nor a person is saved."""
    before = (Household.objects.count(), Person.objects.count())
    response = client_for("town_staff").post(
        reverse("registry:household_create"),
        {
            "number": "420281100201000778",
            "region": regions["village"].pk,
            "is_alleviated": "0",
            "head_name": "王大",
            "head_id_number": household.persons.first().id_number,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "__all__" not in errors and "已登记在其他户" in errors["head_id_number"][0]
    assert (Household.objects.count(), Person.objects.count()) == before


def test_a_household_number_is_ten_to_twenty_digits(client_for, regions):
    response = client_for("town_staff").post(
        reverse("registry:household_create"),
        {
            "number": "abc",
            "region": regions["village"].pk,
            "is_alleviated": "0",
            "head_name": "王大",
            "head_id_number": id_number(),
        },
    )
    assert response.status_code == 200
    assert "户编号应为10—20位数字" in response.content.decode()
    assert not Household.objects.filter(number="abc").exists()


def test_a_member_is_removed_with_a_reason_and_a_date(client_for, household):
    person = household.persons.get(relation="配偶")
    response = client_for("town_staff").post(
        reverse("registry:member_remove", args=[person.pk]),
        {"reason": "死亡", "date": "2024-06-30"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    household.refresh_from_db()
    assert not person.is_member and household.member_count == 2
    m = Membership.objects.get(person=person)
    assert (m.end_reason, m.end_date) == ("死亡", dt.date(2024, 6, 30))


def _saved(household) -> tuple[int, int, int]:
    return (
        Person.objects.count(),
        Membership.objects.filter(end_date__isnull=False).count(),
        HouseholdEvent.objects.filter(household=household).count(),
    )


def test_a_member_added_before_their_birth_is_refused_on_the_date_field(client_for, household):
    """The birth date comes from the ID number; a user who may not see full numbers is told its
    year only, as pages show it."""
    born = dt.date(2021, 3, 15)
    data = {"reason": "迁入", "date": "2020-01-01", "name": "新成员", "relation": "之子"}
    data["id_number"] = id_number(born)
    url = reverse("registry:member_add", args=[household.pk])
    before = _saved(household)
    for persona, shown in (("village_staff", "2021年"), ("county_admin", "2021-03-15")):
        response = client_for(persona).post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "date": [f"增加日期2020-01-01早于该成员的出生日期（{shown}）"]
        }
        assert _saved(household) == before
    born_that_day = client_for("village_staff").post(
        url, data | {"reason": "出生", "date": "2021-03-15"}
    )
    assert born_that_day.status_code == 302
    assert Person.objects.get(id_number=data["id_number"]).birth_date == born


def _added(household, reason: str, on: dt.date | None, born: dt.date) -> Person:
    """A 之子 who joined `household` by `reason` on `on`, born `born`; named after the reason."""
    return services.add_person(
        actor=None,
        household=household,
        reason=reason,
        date=on,
        name=reason,
        id_number=id_number(born),
        relation="之子",
    )


def test_a_member_removed_before_their_birth_or_their_joining_is_refused(
    client_for, users, household
):
    def refusal(person: Person, date: str, persona: str = "village_staff") -> list[str]:
        url = reverse("registry:member_remove", args=[person.pk])
        response = client_for(persona).post(url, {"reason": "迁出", "date": date})
        assert response.status_code == 200
        return response.context["form"].errors["date"]

    newborn = _added(
        household, "出生", dt.date(2021, 6, 1), dt.date(2021, 3, 15)
    )  # registered late
    moved_in = _added(household, "迁入", dt.date(2023, 5, 1), dt.date(1990, 1, 1))
    before = _saved(household)
    assert refusal(newborn, "2020-06-01") == ["减少日期2020-06-01早于该成员的出生日期（2021年）"]
    assert refusal(newborn, "2020-06-01", "county_admin") == [
        "减少日期2020-06-01早于该成员的出生日期（2021-03-15）"
    ]
    # A 出生's date is shown as the birth date is.
    assert refusal(newborn, "2021-04-01") == ["减少日期2021-04-01早于该成员的增加日期（2021年）"]
    assert refusal(moved_in, "2023-01-01") == [
        "减少日期2023-01-01早于该成员的增加日期（2023-05-01）"
    ]
    assert _saved(household) == before
    newborn.refresh_from_db()
    moved_in.refresh_from_db()
    assert newborn.is_member and moved_in.is_member


def _new_number(client, person: Person, born: dt.date) -> tuple[str, dict]:
    """The member's edit form as shown (a GET), with a new 证件号码 for `born` (sex and birth
    date left to follow it): its URL and the data to post."""
    url = reverse("registry:member_edit", args=[person.pk])
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    return url, data | {"id_number": id_number(born, person.sex), "sex": "", "birth_date": ""}


def test_a_corrected_id_number_may_not_put_the_birth_after_the_members_dates(
    client_for, users, household
):
    """The earliest date on the member's record is named; a user who may not see full numbers
    is told birth years only (a 出生's date is one)."""
    moved_in = _added(household, "迁入", dt.date(2020, 1, 1), dt.date(1990, 1, 1))
    services.remove_member(actor=None, person=moved_in, reason="迁出", date=dt.date(2022, 6, 30))
    original = _added(household, "原有", None, dt.date(1990, 1, 1))
    services.remove_member(actor=None, person=original, reason="死亡", date=dt.date(2022, 6, 30))
    newborn = _added(household, "出生", dt.date(2021, 6, 1), dt.date(2021, 3, 15))
    cases = [
        (moved_in, "county_admin", "证件号码中的出生日期2023-02-01晚于该成员的增加日期2020-01-01"),
        (moved_in, "village_staff", "证件号码中的出生日期2023年晚于该成员的增加日期2020-01-01"),
        (original, "county_admin", "证件号码中的出生日期2023-02-01晚于该成员的减少日期2022-06-30"),
        (newborn, "county_admin", "证件号码中的出生日期2023-02-01晚于该成员的增加日期2021-06-01"),
        (newborn, "village_staff", "证件号码中的出生日期2023年晚于该成员的增加日期2021年"),
    ]
    for person, persona, message in cases:
        client = client_for(persona)
        url, data = _new_number(client, person, dt.date(2023, 2, 1))
        stored = Person.objects.values_list("pk", "id_number", "sex", "birth_date")
        before = (list(stored), _saved(household), AuditRecord.objects.count())
        response = client.post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors == {"id_number": [message]}
        assert (list(stored), _saved(household), AuditRecord.objects.count()) == before


def test_a_corrected_id_number_with_a_birth_before_joining_is_saved(client_for, users, household):
    person = _added(household, "迁入", dt.date(2020, 1, 1), dt.date(1990, 1, 1))
    for born in (dt.date(2019, 6, 1), dt.date(2020, 1, 1)):  # the day they joined: still born
        client = client_for("village_staff")
        assert client.post(*_new_number(client, person, born)).status_code == 302
        person.refresh_from_db()
        assert (person.birth_date, person.sex, person.id_number[6:14]) == (
            born,
            "男",
            f"{born:%Y%m%d}",
        )
        log = AuditRecord.objects.filter(object_id=str(person.pk), action="update").latest("pk")
        assert log.actor == users["village_staff"]
        assert log.after["birth_date"] == born.isoformat()


def test_removing_without_a_reason_is_refused_in_chinese(client_for, household):
    person = household.persons.get(relation="配偶")
    response = client_for("town_staff").post(
        reverse("registry:member_remove", args=[person.pk]), {"reason": "", "date": ""}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "减少原因：这个字段是必填项" in body and "减少日期：这个字段是必填项" in body
    person.refresh_from_db()
    assert person.is_member


def test_a_years_income_is_saved_with_the_per_capita_computed(client_for, household):
    client = client_for("village_staff")
    response = client.post(
        reverse("registry:income_add", args=[household.pk]),
        {
            "year": 2024,
            "wage": "20000",
            "business": "5000",
            "property_income": "0",
            "transfer": "2000",
            "business_cost": "3000",
            "claims": "0",
            "compliant_spending": "0",
        },
    )
    assert response.status_code == 302
    record = IncomeRecord.objects.get(household=household, year=2024)
    assert record.per_capita == 8000  # 24000 / 3 members
    household.refresh_from_db()
    assert household.per_capita_income == 8000
    edit = reverse("registry:income_edit", args=[household.pk, 2024])
    assert client.get(edit).context["form"].initial["wage"] == 20000


def test_a_negative_income_is_refused_in_chinese(client_for, household):
    response = client_for("village_staff").post(
        reverse("registry:income_add", args=[household.pk]),
        {
            "year": 2024,
            "wage": "-1",
            "business": "0",
            "property_income": "0",
            "transfer": "0",
            "business_cost": "0",
            "claims": "0",
            "compliant_spending": "0",
        },
    )
    assert "工资性收入：" in response.content.decode()
    assert not IncomeRecord.objects.exists()


def test_a_user_who_may_see_sensitive_data_reveals_an_id_number_and_it_is_logged(
    client_for, household, users
):
    person = household.persons.first()
    client = client_for("county_admin")
    detail = client.get(reverse("registry:household_detail", args=[household.pk]))
    assert "显示" in detail.content.decode()
    response = client.post(reverse("registry:reveal_person", args=[person.pk, "id_number"]))
    assert response.status_code == 200 and person.id_number in response.content.decode()
    log = AuditRecord.objects.get(action="view_sensitive")
    assert log.actor == users["county_admin"] and log.household_id == household.pk


def test_other_users_get_no_reveal_button_and_a_403(client_for, household):
    person = household.persons.first()
    client = client_for("town_staff")
    detail = client.get(reverse("registry:household_detail", args=[household.pk]))
    assert "hx-post" not in detail.content.decode()
    response = client.post(reverse("registry:reveal_person", args=[person.pk, "id_number"]))
    assert response.status_code == 403
    assert not AuditRecord.objects.filter(action="view_sensitive").exists()


def test_read_only_users_see_no_edit_buttons(client_for, household):
    for role in ("auditor", "grid_member"):
        body = (
            client_for(role)
            .get(reverse("registry:household_detail", args=[household.pk]))
            .content.decode()
        )
        assert "修改户信息" not in body and "添加成员" not in body and ">减少<" not in body
        assert "新增农户" not in client_for(role).get(LIST).content.decode()


def test_editing_a_member_without_changing_the_number_keeps_it(client_for, household):
    person = household.persons.get(relation="户主")
    url = reverse("registry:member_edit", args=[person.pk])
    client = client_for("county_admin")
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data["name"] = "改名"
    assert client.post(url, data).status_code == 302
    household.refresh_from_db()
    assert household.head_name == "改名"
    assert Person.objects.get(pk=person.pk).id_number == person.id_number


def test_edit_forms_mask_id_numbers_and_phones_for_users_who_may_not_see_them(
    client_for, household, users
):
    services.update_household(actor=None, household=household, phone="13812345678")
    person = household.persons.get(relation="之子")
    services.update_person(actor=None, person=person, phone="13900001111")
    original = person.id_number
    client = client_for("town_staff")
    url = reverse("registry:member_edit", args=[person.pk])
    body = client.get(url).content.decode()
    assert person.id_number not in body and "13900001111" not in body
    assert person.masked_id() in body and "留空则保持不变" in body
    household_form = client.get(reverse("registry:household_edit", args=[household.pk]))
    assert "13812345678" not in household_form.content.decode()
    # Left blank, the stored values stay; the other changes are saved.
    data = {k: v for k, v in client.get(url).context["form"].initial.items() if v is not None}
    data["work_place"] = "武汉"
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert person.work_place == "武汉" and person.phone == "13900001111"
    assert person.id_number == original


def test_the_detail_page_runs_the_same_queries_for_a_big_household(
    client_for, regions, django_assert_max_num_queries
):
    small = make_household(regions["village"], members=2)
    big = make_household(regions["village"], members=8)
    for p in list(big.persons.all())[4:]:
        services.remove_member(actor=None, person=p, reason="迁出")
    client = client_for("county_admin")
    client.get(reverse("registry:household_detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as baseline:
        client.get(reverse("registry:household_detail", args=[small.pk]))
    with django_assert_max_num_queries(len(baseline)):
        response = client.get(reverse("registry:household_detail", args=[big.pk]))
    assert len(response.context["members"]) == 4 and len(response.context["removed"]) == 4


def test_the_tree_links_keep_the_other_filters(client_for, household, regions):
    body = client_for("county_admin").get(LIST, {"category": "monitored", "page": "1"})
    link = f'href="?category=monitored&amp;region={regions["village"].pk}"'
    assert link in body.content.decode()


def test_a_household_in_a_retired_village_can_still_be_edited(client_for, household, regions):
    region_services.set_retired(actor=None, region=regions["village"], retired=True)
    response = _post_household_edit(client_for("town_staff"), household, address="新地址")
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.address == "新地址" and household.region == regions["village"]


def _post_household_edit(client, household, **fields):
    url = reverse("registry:household_edit", args=[household.pk])
    initial = client.get(url).context["form"].initial
    data = {k: v for k, v in initial.items() if v not in (None, False)}
    data.update(fields)
    return client.post(url, data)


def test_badges_name_the_category_in_the_years_words_with_no_query_per_row(
    client_for, regions, django_assert_num_queries
):
    """A year that renames a category (core.labels) shows the new name on the list's and the
    detail page's badges; 2023 keeps the code's name; more rows cost no more queries."""
    PolicyLabel.objects.create(
        year=2026,
        population="防止返贫致贫对象",
        household="防止返贫致贫对象",
        categories={"边缘易致贫户": "易致贫户"},
    )
    household = make_household(
        regions["village"],
        members=2,
        category="边缘易致贫户",
        identified_date=dt.date(2025, 3, 1),
        risk_list=["因病"],
    )
    detail = reverse("registry:household_detail", args=[household.pk])
    badge = 'text-bg-danger">{}</span>'
    client = client_for("county_admin")
    with patch("core.dates.today", return_value=dt.date(2026, 12, 6)):
        client.get(LIST)  # warm the session
        with CaptureQueriesContext(connection) as one_row:
            page = client.get(LIST).content.decode()
        assert badge.format("易致贫户") in page and badge.format("边缘易致贫户") not in page
        Household.objects.bulk_create(
            Household(
                number=f"4202819{i:011d}",
                region=regions["village"],
                head_name=f"王{i}",
                category="边缘易致贫户",
                identified_date=dt.date(2025, 3, 1),
            )
            for i in range(30)
        )
        with django_assert_num_queries(len(one_row)):
            page = client.get(LIST).content.decode()
        assert page.count(badge.format("易致贫户")) == 31
        # The filter's options too, from the same lookup.
        assert '<option value="边缘易致贫户">易致贫户</option>' in page
        assert '<option value="monitored">全部防止返贫致贫对象</option>' in page
        page = client.get(detail).content.decode()
        assert badge.format("易致贫户") in page
        assert '防止返贫致贫对象类别</dt><dd class="col-7">易致贫户</dd>' in page
        printed = client.get(reverse("stats:household_file", args=[household.pk]))
        assert "<th>防止返贫致贫对象类别</th><td>易致贫户</td>" in printed.content.decode()
    with patch("core.dates.today", return_value=dt.date(2023, 12, 6)):
        page = client.get(detail).content.decode()
        assert badge.format("边缘易致贫户") in page
        assert '监测对象类别</dt><dd class="col-7">边缘易致贫户</dd>' in page


def test_a_household_made_by_an_import_names_the_file_and_its_row_in_its_history(
    regions, users, client_for, tmp_path
):
    from core import pipeline
    from imports.tests.builders import family, num, write_xlsx

    path = write_xlsx(tmp_path / "台账2024.xlsx", family(num("I1"), 10) + family(num("I2"), 20))
    result = pipeline.run("registry", path, actor=users["county_admin"], create_regions=True)
    assert result["status"] == "imported", result["errors"]
    household = Household.objects.get(number=num("I2"))
    page = client_for("town_staff").get(reverse("registry:household_detail", args=[household.pk]))
    text = page.content.decode()
    assert "导入新增户（文件“台账2024.xlsx”第4行起" in text
    assert result["sha256"][:16] in text


def test_a_county_user_filters_the_list_by_the_county(client_for, household, regions):
    """The list's region picker gives the county itself (a RegionNode, not a Region)."""
    response = client_for("auditor").get(
        reverse("registry:household_list"), {"region": regions["county"].pk}
    )
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


def test_past_the_days_limit_of_taken_numbers_every_number_typed_is_refused_alike(
    client_for, users, regions, household, other_household, settings
):
    """Each refusal of a number held where the user may not see confirms a guess: after
    TAKEN_NUMBER_LIMIT of them in 24 hours, a free number gets the same refusal as a taken one,
    so typing number after number stops telling which are registered."""
    settings.TAKEN_NUMBER_LIMIT = 1
    client = client_for("town_staff")
    url = reverse("registry:household_create")
    form = {"region": regions["village"].pk, "is_alleviated": "0", "head_name": "王大"}
    taken = other_household.persons.first().id_number
    first = client.post(url, form | {"number": "420281100201000778", "head_id_number": taken})
    assert "该证件号码已登记在其他户" in first.context["form"].errors["head_id_number"][0]
    before = (Household.objects.count(), Person.objects.count())
    free = client.post(url, form | {"number": "420281100201000779", "head_id_number": id_number()})
    assert free.status_code == 200
    message = free.context["form"].errors["head_id_number"][0]
    assert message.startswith("24小时内录入的证件号码中已有1个登记在其他户")
    assert "暂停核对证件号码" in message
    again = client.post(url, form | {"number": "420281100201000780", "head_id_number": taken})
    assert again.context["form"].errors["head_id_number"][0] == message
    assert (Household.objects.count(), Person.objects.count()) == before
    logged = AuditRecord.objects.filter(action="search", note__contains="已登记在其他户")
    assert logged.count() == 1 and "录入的证件号码" in logged.get().note
    # Editing a member without changing their number is not number entry: it still saves.
    head = household.persons.first()
    services.update_person(
        actor=users["town_staff"], person=head, id_number=head.id_number, name="改名"
    )
    head.refresh_from_db()
    assert head.name == "改名"
    # Who may see every holder is told who holds it, never a guess: no limit.
    admin = client_for("county_admin")
    named = admin.post(url, form | {"number": "420281100201000781", "head_id_number": taken})
    assert other_household.number in named.context["form"].errors["head_id_number"][0]
