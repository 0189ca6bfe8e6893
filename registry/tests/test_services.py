"""Registry rules: invalid input is refused with a Chinese message and nothing is saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.checks import all_checks
from core.idnumber import make_valid
from core.models import AuditRecord
from fangpin.testing import id_number, make_household
from registry import services
from registry.models import Household, HouseholdEvent, Person


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def test_wrong_check_digit_is_refused_and_nothing_saved(household, users):
    good = id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = Person.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.add_person(
            actor=users["county_admin"],
            household=household,
            name="张三",
            id_number=bad,
            relation="之子",
        )
    assert "校验位错误" in _messages(exc.value)
    assert Person.objects.count() == before


def test_birth_date_in_the_future_is_refused(household, users):
    future = make_valid(f"420281{dt.date.today().year + 1}0101001")
    with pytest.raises(ValidationError) as exc:
        services.add_person(
            actor=None, household=household, name="李四", id_number=future, relation="之子"
        )
    assert "在今天之后" in _messages(exc.value)


def test_duplicate_id_number_names_the_household_to_a_user_who_may_see_it(
    household, other_household, users
):
    taken = other_household.persons.first()
    with pytest.raises(ValidationError) as exc:
        services.add_person(
            actor=users["county_admin"],
            household=household,
            name="王五",
            id_number=taken.id_number,
            relation="之子",
        )
    assert other_household.number in _messages(exc.value)


def test_duplicate_id_number_names_no_one_to_others_and_the_try_is_logged(
    household, other_household, users
):
    taken = other_household.persons.first()
    with pytest.raises(ValidationError) as exc:
        services.add_person(
            actor=users["village_staff"],
            household=household,
            name="王五",
            id_number=taken.id_number,
            relation="之子",
        )
    message = _messages(exc.value)
    assert "已登记在其他户" in message
    assert other_household.number not in message and taken.name not in message
    logged = AuditRecord.objects.get(action="search")
    assert logged.actor == users["village_staff"] and logged.object_id == str(taken.pk)
    assert taken.id_number not in logged.object_repr


def test_a_second_head_is_refused(household):
    with pytest.raises(ValidationError) as exc:
        services.add_person(
            actor=None,
            household=household,
            name="赵六",
            id_number=id_number(dt.date(1990, 1, 1)),
            relation="户主",
        )
    assert "一户只能有一个户主" in _messages(exc.value)


def test_unstable_category_needs_an_alleviated_household(regions):
    with pytest.raises(ValidationError) as exc:
        services.create_household(
            source="导入",
            actor=None,
            number="X1",
            region=regions["village"],
            category="脱贫不稳定户",
            identified_date=dt.date(2023, 1, 1),
        )
    assert "脱贫不稳定户必须是脱贫户" in _messages(exc.value)
    assert not Household.objects.filter(number="X1").exists()


def test_elimination_before_identification_is_refused(regions):
    with pytest.raises(ValidationError) as exc:
        services.create_household(
            source="导入",
            actor=None,
            number="X2",
            region=regions["village"],
            category="边缘易致贫户",
            identified_date=dt.date(2023, 5, 1),
            risk_eliminated=True,
            eliminated_date=dt.date(2023, 4, 1),
            elimination_method="帮扶消除",
        )
    assert "早于识别监测时间" in _messages(exc.value)


def test_every_rule_a_status_field_breaks_is_reported(regions):
    """Two rules on one field: both messages, not the last one only."""
    with pytest.raises(ValidationError) as exc:
        services.create_household(
            source="导入",
            actor=None,
            number="X3",
            region=regions["village"],
            identified_date=dt.date.today() + dt.timedelta(days=40),
        )
    assert exc.value.message_dict["identified_date"] == [
        "识别监测时间不能晚于今天；不是监测对象却填写了识别监测时间"
    ]
    assert not Household.objects.filter(number="X3").exists()


def test_status_changes_become_dated_events_and_are_audited(household, users):
    admin = users["county_admin"]
    services.update_household(
        source="导入",
        actor=admin,
        household=household,
        category="边缘易致贫户",
        identified_date=dt.date(2023, 3, 1),
        risk_list=["因病"],
    )
    services.update_household(
        source="导入",
        actor=admin,
        household=household,
        risk_eliminated=True,
        eliminated_date=dt.date(2024, 1, 5),
        elimination_method="帮扶消除",
    )
    kinds = list(household.events.values_list("kind", "date"))
    assert ("identified", dt.date(2023, 3, 1)) in kinds
    assert ("eliminated", dt.date(2024, 1, 5)) in kinds
    record = AuditRecord.objects.filter(household_id=household.pk, action="update").earliest("id")
    assert record.actor == admin
    assert record.before["category"] == "" and record.after["category"] == "边缘易致贫户"


def test_removing_a_member_keeps_the_person_and_ends_the_membership(household):
    person = household.persons.exclude(relation="户主").first()
    services.remove_member(actor=None, person=person, reason="婚出", date=dt.date(2024, 6, 1))
    person.refresh_from_db()
    household.refresh_from_db()
    assert not person.is_member
    assert household.member_count == 2
    assert person.memberships.get().end_reason == "婚出"
    assert HouseholdEvent.objects.filter(household=household, kind="member_removed").exists()


def test_income_per_capita_is_computed(household):
    record = services.save_income(
        actor=None,
        household=household,
        year=2024,
        wage=20000,
        business=5000,
        transfer=1000,
        business_cost=2000,
    )
    assert record.net_income == 24000
    assert record.per_capita == 8000  # three members


def test_member_count_drift_is_a_d01_finding_and_services_keep_it(household, other_household):
    d01 = {c.code: c for c in all_checks()}["D01"]
    person = household.persons.exclude(relation="户主").first()
    services.remove_member(actor=None, person=person, reason="死亡", date=dt.date(2024, 6, 1))
    assert list(d01.fn(None)) == []
    Household.objects.filter(pk=other_household.pk).update(member_count=9)
    (finding,) = d01.fn(None)
    assert finding["household_id"] == other_household.pk
    assert finding["message"].startswith("家庭人口数为9，成员记录中在户成员为")
    assert list(d01.fn(household.region)) == []


def test_a_phone_given_when_a_household_is_created_is_its_heads(regions, users):
    """Created with a phone (the web form's, a procedure's): it is the 户主's, and stays the
    household's when the 户主 is edited afterwards."""
    admin = users["county_admin"]
    h = make_household(regions["village"], members=2, phone="13812345678")
    head = h.persons.get(relation="户主")
    assert head.phone == "13812345678" and h.phone == "13812345678"
    services.update_person(actor=admin, person=head, name="改名")
    assert Household.objects.get(pk=h.pk).phone == "13812345678"


def test_the_household_phone_follows_its_head_through_every_edit(household, users):
    """formats.md §1: the household's phone is its 户主's, blank when the 户主 has none — also
    when a member is edited by hand, the 户主 changes or leaves, or the household is given one."""
    admin = users["county_admin"]
    head = household.persons.get(relation="户主")
    spouse = household.persons.get(relation="配偶")

    def phone() -> str:
        return Household.objects.get(pk=household.pk).phone

    services.update_person(actor=admin, person=head, phone="13800000001")
    assert phone() == "13800000001"
    services.update_person(actor=admin, person=head, phone="")
    assert phone() == ""
    services.update_household(actor=admin, household=household, phone="13800000002")
    assert Person.objects.get(pk=head.pk).phone == "13800000002" and phone() == "13800000002"
    # A new 户主 without a phone: the household has none.
    services.update_person(actor=admin, person=head, relation="之父")
    services.update_person(actor=admin, person=spouse, relation="户主")
    assert phone() == ""
    services.update_person(actor=admin, person=spouse, phone="13900000003")
    assert phone() == "13900000003"
    services.remove_member(actor=admin, person=spouse, reason="死亡", date=dt.date(2024, 6, 1))
    assert phone() == ""
    with pytest.raises(ValidationError) as exc:
        services.update_household(actor=admin, household=household, phone="13800000004")
    assert "该户没有户主" in _messages(exc.value)
