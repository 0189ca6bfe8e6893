"""Decision support, thresholds per province/year, the 公示 page, and the case list's queries."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from monitoring import services
from monitoring.assessment import income_window, threshold_for
from monitoring.models import Case, PolicyThreshold
from monitoring.tests.helpers import INCOME, advance, attach_required, make_case
from registry import services as registry_services

pytestmark = pytest.mark.django_db


def test_the_income_window_is_the_twelve_months_before_the_month_of_identification():
    assert income_window(dt.date(2021, 6, 15)) == (dt.date(2020, 6, 1), dt.date(2021, 5, 31))
    assert income_window(dt.date(2024, 1, 3)) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31))


def test_the_threshold_says_which_value_it_used(regions):
    line = threshold_for(regions["village"], dt.date(2025, 6, 1))
    assert line is not None and line.label() == "监测范围 8,700 元（湖北省 2025 年，2025-03-01 起）"
    earlier = threshold_for(regions["village"], dt.date(2025, 2, 1))
    assert earlier is not None and earlier.year == 2024


def test_a_county_line_beats_the_province_line_from_its_date(users, regions):
    row = PolicyThreshold(
        province="42",
        region=regions["county"],
        year=2025,
        amount=Decimal("9000"),
        effective_date=dt.date(2025, 3, 1),
    )
    services.save_threshold(actor=users["county_admin"], threshold=row)
    line = threshold_for(regions["village"], dt.date(2025, 6, 1))
    assert line == row and "大冶市" in line.label()
    other = threshold_for(regions["other_village"], dt.date(2025, 6, 1))
    assert other is not None and other.amount == 9000
    with pytest.raises(services.PermissionDenied):
        services.save_threshold(actor=users["town_staff"], threshold=row)


def test_thresholds_are_edited_by_the_county_admin_on_a_page(client_for):
    data = {
        "province": "42",
        "year": 2027,
        "amount": "9100",
        "effective_date": "2027-03-01",
        "basis": "鄂乡振发〔2027〕1号",
    }
    response = client_for("county_admin").post(reverse("monitoring:threshold_new"), data)
    assert response.status_code == 302
    assert PolicyThreshold.objects.get(year=2027, province="42").amount == 9100
    assert (
        client_for("town_staff").post(reverse("monitoring:threshold_new"), data).status_code == 403
    )


def _case(users, household, **facts):
    case = make_case(users, household)
    for k, v in {**INCOME, **facts}.items():
        setattr(case, k, v)
    return case


@pytest.mark.parametrize(
    ("alleviated", "facts", "expected"),
    [
        (True, {}, "脱贫不稳定户"),
        (False, {}, "边缘易致贫户"),
        (False, {"wage": 30000, "compliant_spending": 20000}, "突发严重困难户"),
        (
            False,
            {"wage": 30000, "compliant_spending": 0, "sudden_hardship": True},
            "突发严重困难户",
        ),
        (False, {"wage": 60000, "compliant_spending": 0}, ""),
    ],
)
def test_the_facts_point_to_a_category(users, household, alleviated, facts, expected):
    case = _case(users, household, is_alleviated=alleviated, **facts)
    assert services.assess(case).suggested == expected


def test_rule_breaches_are_warnings_to_acknowledge(users, household):
    case = _case(users, household, wage=60000, water_unsafe=True, compliant_spending=0)
    case.risks = "因病、缺劳动力"
    messages = [m for _, m in services.assess(case, category="脱贫不稳定户").warnings]
    text = "；".join(messages)
    assert "脱贫不稳定户只能是脱贫户" in text
    assert "高于监测范围 8,700 元" in text
    assert "风险为因病，但合规自付支出为0" in text
    assert "没有因安全饮水" in text
    assert "没有患大病或长期慢性病" in text


def test_an_unacknowledged_warning_keeps_the_step_open(users, household):
    case = make_case(users, household)
    attach_required(users, case)
    facts = {**INCOME, "compliant_spending": 0}
    with pytest.raises(services.ValidationError, match="请逐条确认"):
        services.complete_step(actor=users["grid_member"], case=case, decision="通过", facts=facts)
    case.refresh_from_db()
    assert case.current_step == "visit" and case.wage is None


def test_the_notice_never_shows_id_phone_bank_account_or_health(client_for, users, household):
    member = household.persons.first()
    registry_services.update_person(
        actor=None, person=member, health="患有大病", phone="13811112222"
    )
    registry_services.update_household(actor=None, household=household, phone="13733334444")
    case = make_case(users, household, phone="13955556666", risks=["因病"])
    case = advance(users, case, until="town")
    page = client_for("village_staff").get(reverse("monitoring:case_notice", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and household.head_name in body and "公示" in body
    for secret in [
        member.id_number,
        member.masked_id(),
        "13811112222",
        "13733334444",
        "13955556666",
        "患有大病",
        "因病",
        "银行",
    ]:
        assert secret not in body
    text = re.sub(r"<[^>]+>", " ", body)
    assert not re.search(r"\d{11}", text) and not re.search(r"\d{6}\*+", text)
    other = client_for("other_town").get(reverse("monitoring:case_notice", args=[case.pk]))
    assert other.status_code == 404


def test_the_case_list_runs_a_fixed_number_of_queries(
    client_for, users, regions, django_assert_max_num_queries
):
    from fangpin.testing import make_household

    for _ in range(6):
        make_case(users, make_household(regions["village"]))
    client = client_for("county_admin")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("monitoring:case_list"))
    assert response.status_code == 200 and response.context["page"].paginator.count == 6
    assert (
        client_for("other_town")
        .get(reverse("monitoring:case_list"))
        .context["page"]
        .paginator.count
        == 0
    )


def test_case_pages_of_another_town_answer_404(client_for, users, household):
    case = make_case(users, household)
    client = client_for("other_town")
    assert client.get(reverse("monitoring:case_detail", args=[case.pk])).status_code == 404
    url = reverse("monitoring:case_action", args=[case.pk, "return"])
    assert client.post(url, {"to_step": "visit", "reason": "x"}).status_code == 404
    assert Case.objects.get().current_step == "visit"


def test_every_monitoring_page_renders(client_for, users, household, regions):
    case = make_case(users, household)
    client = client_for("county_admin")
    for url in [
        reverse("monitoring:index"),
        reverse("monitoring:lead_new"),
        reverse("monitoring:lead_detail", args=[case.lead_id]),
        reverse("monitoring:case_list"),
        reverse("monitoring:case_detail", args=[case.pk]),
        reverse("monitoring:tasks"),
        reverse("monitoring:overdue"),
        reverse("monitoring:household", args=[household.pk]),
        reverse("monitoring:settings"),
        reverse("monitoring:threshold_new"),
        reverse("monitoring:villages"),
        reverse("public:ticket"),
    ]:
        assert client.get(url).status_code == 200, url


def test_data_quality_checks_find_status_breaking_the_rules(regions):
    from fangpin.testing import make_household
    from monitoring import checks

    eliminated = make_household(
        regions["village"],
        category="边缘易致贫户",
        identified_date=dt.date(2025, 1, 1),
        risk_list=["因病"],
        risk_eliminated=True,
        eliminated_date=dt.date(2025, 3, 1),
        elimination_method="帮扶消除",
        no_labour=True,
    )
    sick = make_household(
        regions["village"],
        category="突发严重困难户",
        identified_date=dt.date(2025, 1, 1),
        risk_list=["因病"],
    )
    r16 = list(checks.check_r16(regions["county"]))
    assert [f["household_id"] for f in r16] == [sick.pk]
    assert [f["household_id"] for f in checks.check_r22(regions["county"])] == [eliminated.pk]
    r24 = list(checks.check_r24(regions["county"]))
    assert [f["message"] for f in r24] == ["帮扶消除距识别不足6个月"]
    assert list(checks.check_r22(regions["other_town"])) == []


def test_the_county_sees_the_figures_and_the_suggested_category(client_for, users, household):
    case = advance(users, make_case(users, household), until="county")
    page = client_for("county_admin").get(reverse("monitoring:case_detail", args=[case.pk]))
    body = page.content.decode()
    assert "监测范围 8,700 元（湖北省" in body and "5,333.33" in body
    assert page.context["form"].fields["category"].initial == "边缘易致贫户"


def test_the_village_notice_lists_every_household_in_publicity_without_personal_data(
    client_for, users, regions
):
    from fangpin.testing import make_household

    in_notice = advance(users, make_case(users, make_household(regions["village"])), until="notice")
    advance(users, make_case(users, make_household(regions["village"])), until="review")
    client = client_for("village_staff")
    page = client.get(reverse("monitoring:village_notice", args=[regions["village"].pk]))
    body = page.content.decode()
    assert page.status_code == 200 and in_notice.subject_name in body
    assert len(page.context["sections"][0]["rows"]) == 1
    assert not re.search(r"\d{11}", re.sub(r"<[^>]+>", " ", body))
    other = client_for("other_town").get(
        reverse("monitoring:village_notice", args=[regions["village"].pk])
    )
    assert other.status_code == 404
