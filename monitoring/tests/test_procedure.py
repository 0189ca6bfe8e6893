"""The identification and elimination procedures, through the web pages, by the right roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from assistance.models import Measure
from core.models import AuditRecord
from monitoring import services
from monitoring.models import Case, CaseLog, CaseStep, DeadlinePolicy, Lead
from monitoring.tests.helpers import (
    ACTOR_FOR_STEP,
    TODAY,
    advance,
    complete_via_page,
    form_data,
    make_case,
    open_household_case,
    step_date,
)
from registry.models import HouseholdEvent, IncomeRecord

pytestmark = pytest.mark.django_db


def test_a_lead_becomes_a_monitored_household_and_later_is_eliminated(client, users, household):
    client.force_login(users["village_staff"])
    reported = TODAY - dt.timedelta(days=240)
    response = client.post(
        reverse("monitoring:lead_new"),
        {
            "source": "基层干部排查",
            "household": household.number,
            "risks": ["因病"],
            "reported_date": reported.isoformat(),
            "description": "户主住院",
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and lead.household == household
    response = client.post(reverse("monitoring:lead_action", args=[lead.pk, "open"]))
    case = Case.objects.get()
    assert response.status_code == 302 and case.current_step == "visit"
    assert case.start_date == reported and case.description == "户主住院"

    for step in ["visit", "compare", "review", "notice", "town", "county"]:
        client.force_login(users[ACTOR_FOR_STEP[step]])
        case.refresh_from_db()
        assert case.current_step == step
        complete_via_page(client, case, step)

    case.refresh_from_db()
    household.refresh_from_db()
    decided = step_date(case, "county")
    assert case.status == Case.Status.APPROVED and case.decision_date == decided
    assert household.category == "边缘易致贫户" and household.identified_date == decided
    assert household.risk_list == ["因病"]
    event = HouseholdEvent.objects.get(household=household, kind="identified")
    assert event.source == "识别程序" and event.actor == users["county_admin"]
    assert event.date == decided
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CLOSED
    done = CaseStep.objects.filter(case=case, status="done")
    assert {s.code: s.completed_by.username for s in done} == {
        "visit": "grid",
        "compare": "village",
        "review": "village",
        "notice": "village",
        "town": "town",
        "county": "county",
    }
    assert {s.code: s.done_on for s in done} == {s: step_date(case, s) for s in STEP_ORDER}
    assert CaseLog.objects.filter(case=case, action="完成").count() == 6
    assert (
        AuditRecord.objects.filter(
            object_type="monitoring.case", object_id=str(case.pk), action="update"
        ).count()
        == 6
    )
    assert case.window_end is not None and case.window_end < step_date(case, "visit")
    # The incomes of 入户核查 became the household's income record of their window's year.
    record = IncomeRecord.objects.get(household=household, year=case.window_end.year)
    assert record.wage == 12000 and record.per_capita == Decimal("5333.33")
    assert set(case.attachments.values_list("kind", flat=True)) == {"consent", "minutes", "notice"}

    # Later: 风险消除 by the same procedure, with its criteria shown.
    Measure.objects.create(household=household, category="健康帮扶", start_date=decided)
    client.force_login(users["village_staff"])
    start = TODAY - dt.timedelta(days=20)
    response = client.post(
        reverse("monitoring:household", args=[household.pk]),
        {"kind": "eliminate", "start_date": start.isoformat()},
    )
    elim = Case.objects.get(kind="eliminate")
    assert response.status_code == 302 and elim.start_date == start
    page = client.get(reverse("monitoring:case_detail", args=[elim.pk])).content.decode()
    assert "识别已满6个月" in page and "至少已落实1项帮扶措施" in page
    for step in ["visit", "review", "notice", "town", "county"]:
        client.force_login(users[ACTOR_FOR_STEP[step]])
        elim.refresh_from_db()
        complete_via_page(client, elim, step)
    household.refresh_from_db()
    elim.refresh_from_db()
    assert household.risk_eliminated and household.eliminated_date == step_date(elim, "county")
    assert household.elimination_method == "帮扶消除"
    assert household.per_capita_income is not None and household.per_capita_income > 8700
    assert (elim.monitor_contact, elim.monitor_phone) == ("李监测", "13800001111")
    kinds = list(HouseholdEvent.objects.filter(household=household).values_list("kind", flat=True))
    assert kinds[-2:] == ["identified", "eliminated"]
    history = client.get(reverse("monitoring:household", args=[household.pk])).content.decode()
    assert "识别为监测对象" in history and "风险消除" in history and "风险消除程序" in history
    assert "监测联系人：李监测" in history


def test_the_visit_step_needs_the_signed_consent_or_a_recorded_confirmation(
    client_for, users, household
):
    case = make_case(users, household)
    client = client_for("grid_member")
    url = reverse("monitoring:case_detail", args=[case.pk])
    response = client.post(url, form_data(case, "visit"))
    assert response.status_code == 200
    assert "请先上传本环节必需的材料：签字承诺授权书" in response.content.decode()
    case.refresh_from_db()
    assert case.current_step == "visit"
    # Where the county makes the signed form optional, a recorded confirmation is enough.
    policy = DeadlinePolicy.current()
    policy.materials = {"visit": {"consent": "optional"}}
    policy.save()
    response = client.post(url, form_data(case, "visit", consent=""))
    assert "请上传签字的承诺授权书或记录当面确认" in response.content.decode()
    warning = "风险为因病，但没有患大病或长期慢性病的家庭成员"
    response = client.post(url, form_data(case, "visit", consent="confirmed", ack=[warning]))
    case.refresh_from_db()
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert case.current_step == "compare" and case.consent == "confirmed"


STEP_ORDER = ["visit", "compare", "review", "notice", "town", "county"]
ROLES = ["county_admin", "auditor", "town_staff", "village_staff", "grid_member", "other_town"]


@pytest.mark.parametrize("step", STEP_ORDER)
def test_only_the_role_that_owns_a_step_can_complete_it(client, users, household, step):
    case = advance(users, make_case(users, household), until=step)
    owners = {
        "visit": {"village_staff", "grid_member"},
        "town": {"town_staff"},
        "county": {"county_admin"},
    }.get(step, {"village_staff"})
    url = reverse("monitoring:case_detail", args=[case.pk])
    for role in ROLES:
        if role in owners:
            continue
        client.force_login(users[role])
        response = client.post(url, form_data(case, step))
        assert response.status_code == (404 if role == "other_town" else 403), role
        case.refresh_from_db()
        assert case.current_step == step and case.status == "open"
        assert CaseStep.objects.get(case=case, code=step).status == "open"
    with pytest.raises(services.PermissionDenied):
        services.complete_step(actor=users["auditor"], case=case, decision="通过")


def test_a_case_can_be_returned_to_an_earlier_step_with_a_reason(client_for, users, household):
    case = advance(users, make_case(users, household), until="town")
    client = client_for("town_staff")
    url = reverse("monitoring:case_action", args=[case.pk, "return"])
    client.post(url, {"to_step": "visit", "reason": ""})
    case.refresh_from_db()
    assert case.current_step == "town"
    response = client.post(url, {"to_step": "visit", "reason": "收入核算有误"})
    case.refresh_from_db()
    assert response.status_code == 302 and case.current_step == "visit"
    assert CaseStep.objects.get(case=case, code="compare").status == "pending"
    assert CaseLog.objects.filter(case=case, action="退回", note__contains="收入核算有误").exists()


def test_a_visit_done_again_after_a_return_counts_the_12_months_before_its_own_date(
    client_for, users, household
):
    """Rule 6: the incomes are of the 12 months before the 入户核查; one done again weeks later
    (returned: 收入核算有误) is of the months before that new date, not the first visit's."""
    from monitoring.assessment import income_window

    case = advance(users, make_case(users, household, days_ago=60), until="town")
    first = income_window(case.start_date + dt.timedelta(days=1))
    assert (case.window_start, case.window_end) == first
    client = client_for("town_staff")
    url = reverse("monitoring:case_action", args=[case.pk, "return"])
    client.post(url, {"to_step": "visit", "reason": "收入核算有误"})
    case.refresh_from_db()
    complete_via_page(client_for("grid_member"), case, "visit", done_on=TODAY.isoformat())
    case.refresh_from_db()
    assert (case.window_start, case.window_end) == income_window(TODAY) != first


def test_a_failing_step_ends_the_case_and_the_household_is_unchanged(users, household):
    case = advance(users, make_case(users, household), until="review")
    with pytest.raises(services.ValidationError):
        services.complete_step(actor=users["village_staff"], case=case, decision="不通过")
    services.complete_step(
        actor=users["village_staff"], case=case, decision="不通过", note="评议未通过"
    )
    case.refresh_from_db()
    household.refresh_from_db()
    assert case.status == "rejected" and household.category == ""
    assert case.lead is not None and case.lead.status == Lead.Status.CLOSED


def test_a_person_not_in_the_register_is_registered_when_the_county_decides(users, regions):
    from fangpin.testing import id_number

    number = id_number()
    lead = services.create_lead(
        actor=users["village_staff"],
        source="农户自主申报",
        region=regions["village"],
        reported_date=TODAY - dt.timedelta(days=20),
        person_name="张新",
        id_number=number,
        phone="13800001111",
        risks=["因意外事故"],
    )
    case = services.open_case(actor=users["village_staff"], lead=lead)
    assert case.household is None and case.green_channel
    case = advance(users, case)
    case.refresh_from_db()
    h = case.household
    assert case.status == "approved" and h is not None
    assert h.category == "边缘易致贫户" and h.head_name == "张新"
    assert h.persons.get().id_number == number
    assert HouseholdEvent.objects.filter(household=h, kind="identified").exists()


def test_green_channel_records_a_measure_before_the_procedure_ends(client_for, users, household):
    case = make_case(users, household, risks=["因自然灾害"])
    client = client_for("village_staff")
    response = client.post(
        reverse("monitoring:case_action", args=[case.pk, "green"]),
        {"category": "住房安全保障", "subtype": "临时安置"},
    )
    case.refresh_from_db()
    assert response.status_code == 302
    assert Measure.objects.get(household=household).category == "住房安全保障"
    assert case.status == "open" and case.current_step == "visit"
    assert CaseLog.objects.filter(case=case, action="绿色通道先行帮扶").exists()


def test_a_green_channel_measure_may_not_start_before_the_case(client_for, users, household):
    case = make_case(users, household, risks=["因意外事故"], days_ago=10)
    early = case.start_date - dt.timedelta(days=1)
    message = (
        f"{early:%Y-%m-%d}早于本案起算日期{case.start_date:%Y-%m-%d}，"
        "先行帮扶措施不能早于发现风险之日"
    )
    with pytest.raises(services.ValidationError) as caught:
        services.record_green_measure(
            actor=users["village_staff"], case=case, category="健康帮扶", start_date=early
        )
    assert caught.value.message_dict == {"start_date": [message]}
    client = client_for("village_staff")
    url = reverse("monitoring:case_action", args=[case.pk, "green"])
    response = client.post(url, {"category": "健康帮扶", "start_date": early}, follow=True)
    assert f"开始日期：{message}" in response.content.decode()
    assert not Measure.objects.exists() and not case.logs.filter(action="绿色通道先行帮扶")
    client.post(url, {"category": "健康帮扶", "start_date": case.start_date})
    assert Measure.objects.get().start_date == case.start_date


def test_green_channel_is_refused_for_other_risks(users, household):
    case = make_case(users, household, risks=["因病"])
    with pytest.raises(services.ValidationError):
        services.record_green_measure(actor=users["village_staff"], case=case, category="健康帮扶")
    assert not Measure.objects.exists()


def test_roll_back_and_re_identification_keep_the_full_history(users, regions):
    from fangpin.testing import make_household

    h = make_household(
        regions["village"],
        category="边缘易致贫户",
        identified_date=dt.date(2024, 3, 1),
        risk_list=["因病"],
        risk_eliminated=True,
        eliminated_date=dt.date(2025, 1, 10),
        elimination_method="帮扶消除",
    )
    rollback = open_household_case(users, h, "rollback", days_ago=60)
    advance(users, rollback)
    h.refresh_from_db()
    assert not h.risk_eliminated and h.category == "边缘易致贫户"
    elim = open_household_case(users, h, "eliminate", days_ago=40)
    Measure.objects.create(household=h, category="健康帮扶")
    advance(users, elim)
    h.refresh_from_db()
    assert h.risk_eliminated
    again = advance(users, make_case(users, h, risks=["因意外事故"]))
    h.refresh_from_db()
    kinds = list(HouseholdEvent.objects.filter(household=h).values_list("kind", flat=True))
    assert kinds == ["identified", "eliminated", "rolled_back", "eliminated", "reidentified"]
    assert h.identified_date == step_date(again, "county") and h.risk_list == ["因意外事故"]


def test_a_household_without_labour_cannot_start_elimination(users, regions):
    from fangpin.testing import make_household

    h = make_household(
        regions["village"],
        category="边缘易致贫户",
        identified_date=dt.date(2024, 3, 1),
        risk_list=["因残"],
        no_labour=True,
    )
    with pytest.raises(services.ValidationError, match="整户无劳动能力"):
        services.open_household_case(actor=users["village_staff"], household=h, kind="eliminate")
    assert not Case.objects.exists()
