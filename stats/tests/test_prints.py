"""The prints of one household (issue 16): the 户档案 (the whole record, for the 户袋) and the
明白卡 (the policies it enjoys, its contact cadre, the hotline) — A4, masked, scoped, logged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from assistance import services as assistance
from benefits.models import YuluRow
from core.models import AuditRecord


@pytest.fixture
def helped(household: Any, users: dict[str, Any]) -> Any:
    """A household with a contact cadre, a measure and a 雨露计划 row of its student."""
    assistance.assign_contact(
        actor=users["town_staff"],
        household=household,
        start_date=dt.date(2024, 1, 1),
        name="王帮扶",
        unit="县农业农村局",
        phone="13900001111",
    )
    assistance.save_measure(
        actor=users["town_staff"],
        household=household,
        category="产业帮扶",
        subtype="发展养殖",
        amount=Decimal("3000"),
        start_date=dt.date(2024, 3, 1),
    )
    student = household.persons.order_by("pk")[1]
    YuluRow.objects.create(
        region=household.region,
        household=household,
        person=student,
        year=2024,
        term="春季",
        school="大冶职校",
        level="中职",
        amount=Decimal("1500"),
    )
    return household


def test_the_household_file_holds_the_whole_record_masked(client_for: Any, helped: Any) -> None:
    response = client_for("town_staff").get(reverse("stats:household_file", args=[helped.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{helped.head_name}户档案" in body and "fp-a4-portrait" in body
    parts = ("家庭成员", "家庭收入", "监测识别与风险消除", "帮扶联系人", "走访记录", "政策享受")
    assert all(part in body for part in parts)
    assert "王帮扶" in body and "发展养殖" in body
    assert "雨露计划" in body and "大冶职校" in body
    person = helped.persons.first()
    assert person.id_number not in body and person.masked_id() in body
    assert AuditRecord.objects.filter(action="export", note="打印户档案").count() == 1
    page = client_for("town_staff").get(reverse("registry:household_detail", args=[helped.pk]))
    assert "打印户档案" in page.content.decode() and "打印明白卡" in page.content.decode()


def test_the_policy_card_names_measures_policies_cadre_and_the_hotline(
    client_for: Any, helped: Any, settings: Any
) -> None:
    settings.FANGPIN_HOTLINE = "0714-8812317"
    response = client_for("village_staff").get(reverse("stats:policy_card", args=[helped.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "防止返贫帮扶政策明白卡" in body and "fp-a4-portrait" in body
    assert "发展养殖" in body and "雨露计划" in body and "1,500.00" in body
    assert "王帮扶" in body and "13900001111" in body
    assert "0714-8812317" in body


def test_the_hotline_defaults_to_12317(client_for: Any, household: Any) -> None:
    body = client_for("town_staff").get(reverse("stats:policy_card", args=[household.pk]))
    assert "12317" in body.content.decode() and "尚未落实帮扶联系人" in body.content.decode()


def test_another_towns_household_prints_nothing(client_for: Any, household: Any) -> None:
    for name in ("stats:household_file", "stats:policy_card"):
        assert client_for("other_town").get(reverse(name, args=[household.pk])).status_code == 404
    assert not AuditRecord.objects.filter(action="export").exists()


def test_the_household_file_takes_a_bounded_number_of_queries(
    client_for: Any, helped: Any, users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    """One query per ledger and per section, however many rows: more rows add none."""
    client = client_for("town_staff")
    url = reverse("stats:household_file", args=[helped.pk])
    with django_assert_max_num_queries(60) as before:
        client.get(url)
    for i in range(5):
        assistance.save_measure(
            actor=users["town_staff"],
            household=helped,
            category="就业帮扶",
            subtype=f"公益性岗位{i}",
            start_date=dt.date(2024, 4, 1),
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_the_household_file_says_yes_or_no_for_medical_insurance(
    client_for: Any, household: Any
) -> None:
    """医保 is a yes/no of the register: 是, 否 or — when unknown, never Python's True/False."""
    head, spouse, _child = household.persons.order_by("id")
    type(head).objects.filter(pk=head.pk).update(medical_insurance=True)
    type(head).objects.filter(pk=spouse.pk).update(medical_insurance=False)
    page = client_for("town_staff").get(reverse("stats:household_file", args=[household.pk]))
    cells = page.content.decode()
    assert "True" not in cells and "False" not in cells and "None" not in cells
    assert (
        "<td>是</td></tr>" in cells and "<td>否</td></tr>" in cells and "<td>—</td></tr>" in cells
    )
