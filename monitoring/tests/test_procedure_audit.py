"""Procedure defects an outside assessment finds (seed 003 #1: 监测与帮扶不及时): a roll-back that
skips the village 公示, two procedures at once for one household, a back-dated start that is not
flagged overdue, an elimination whose measures do not answer the household's risks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assistance.models import Measure
from fangpin.testing import make_household
from monitoring import services
from monitoring.models import Case, DeadlinePolicy, Lead
from monitoring.tests.helpers import (
    TODAY,
    advance,
    identified_household,
    make_case,
    open_household_case,
)
from monitoring.tests.test_rules import _post_step

pytestmark = pytest.mark.django_db


def _eliminated(regions):
    return make_household(
        regions["village"],
        category="边缘易致贫户",
        identified_date=dt.date(2024, 3, 1),
        risk_list=["因病"],
        risk_eliminated=True,
        eliminated_date=dt.date(2025, 1, 10),
        elimination_method="帮扶消除",
    )


def test_a_rollback_goes_through_the_village_notice_like_an_elimination(client_for, users, regions):
    """policy.md §4.4: 回退 after re-assessment under the elimination procedure (§4.3: 入户核查 →
    村级民主评议公示 → 乡镇审核验收 → 县级审定公告)."""
    h = _eliminated(regions)
    case = open_household_case(users, h, "rollback", days_ago=30)
    codes = list(case.steps.order_by("order").values_list("code", flat=True))
    assert codes == ["visit", "review", "notice", "town", "county"]
    advance(users, case, until="notice")
    case.refresh_from_db()
    body = client_for("village_staff").get(
        reverse("monitoring:village_notice", args=[regions["village"].pk])
    )
    assert "拟回退风险消除" in body.content.decode()
    advance(users, case)
    h.refresh_from_db()
    assert not h.risk_eliminated


def test_a_lead_cannot_start_identification_while_another_procedure_is_open(users, regions):
    h = _eliminated(regions)
    rollback = open_household_case(users, h, "rollback", days_ago=5)
    with pytest.raises(services.ValidationError, match="已有办理中的程序"):
        make_case(users, h, days_ago=2, risks=["因意外事故"])
    assert list(Case.objects.open().filter(household=h)) == [rollback]
    lead = Lead.objects.get(household=h)
    assert lead.status == Lead.Status.NEW  # kept for 研判 once the roll-back ends


def test_an_identification_page_refusal_names_the_open_procedure(client_for, users, regions):
    h = _eliminated(regions)
    open_household_case(users, h, "rollback", days_ago=5)
    lead = services.create_lead(
        actor=users["village_staff"],
        source="基层干部排查",
        reported_date=TODAY,
        household=h,
        risks=["因病"],
    )
    client = client_for("village_staff")
    response = client.post(reverse("monitoring:lead_action", args=[lead.pk, "open"]), follow=True)
    assert "已有办理中的程序（风险消除回退，当前环节：入户核查）" in response.content.decode()
    assert Case.objects.filter(kind="identify").count() == 0


def test_a_procedure_started_on_an_earlier_day_is_flagged_overdue_at_once(users, regions):
    h = _eliminated(regions)
    case = open_household_case(users, h, "rollback", days_ago=30)
    # 入户核查 was due 3 days after the start: 27 days ago.
    assert case.due_date < TODAY and case.alert == "red"
    assert case.steps.get(code="visit").alert == "red"


def test_an_elimination_needs_a_measure_that_answers_the_risk(client_for, users, household):
    """policy.md §4.3: at least one measure targeted at the risk (rule 18: 因病 → 健康/社会帮扶)."""
    identified_household(users, household, days_ago=240)  # risk 因病
    Measure.objects.create(
        household=household, category="产业帮扶", start_date=household.identified_date
    )
    case = open_household_case(users, household, "eliminate", days_ago=20)
    body = _post_step(client_for("grid_member"), case, "visit").content.decode()
    assert "不符合风险消除条件" in body
    assert "风险“因病”应有健康帮扶、社会帮扶之一" in body
    case.refresh_from_db()
    assert case.current_step == "visit"
    Measure.objects.create(
        household=household, category="健康帮扶", start_date=household.identified_date
    )
    response = _post_step(client_for("grid_member"), case, "visit")
    assert response.status_code == 302


def test_a_step_done_after_its_due_date_stays_marked_late(client_for, users, regions, household):
    """Seed 003 #1 (监测不及时): a procedure that missed its time limit is still found once done."""
    on_time = advance(users, make_case(users, make_household(regions["village"]), days_ago=40))
    policy = DeadlinePolicy.current()
    policy.step_days = {**policy.step_days, "county": 10}
    policy.save()
    late = advance(users, make_case(users, household, days_ago=40))  # 县级审定 on day 11
    client = client_for("county_admin")
    body = client.get(reverse("monitoring:case_detail", args=[late.pk])).content.decode()
    assert "逾期1天办结" in body
    body = client.get(reverse("monitoring:case_detail", args=[on_time.pk])).content.decode()
    assert "天办结" not in body
    listed = client.get(reverse("monitoring:case_list"), {"status": "approved", "alert": "late"})
    assert [r["case"].pk for r in listed.context["rows"]] == [late.pk]
    printed = client.get(reverse("monitoring:case_file", args=[late.pk])).content.decode()
    assert "（逾期1天办结）" in printed
