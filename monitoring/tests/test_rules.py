"""The rules a procedure cannot bypass (issue 12): dates that hold, 公示 that lasts, elimination
criteria with a county override, and the un-marking procedure — through the pages, by role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assistance.models import Measure
from core.models import AuditRecord
from fangpin.testing import make_household
from monitoring import services
from monitoring.models import Case, CaseLog, DeadlinePolicy, EliminationPolicy
from monitoring.tests.helpers import (
    ACTOR_FOR_STEP,
    TODAY,
    advance,
    complete_via_page,
    form_data,
    identified_household,
    make_case,
    open_household_case,
    step_date,
    upload_required,
)
from registry import services as registry_services
from registry.models import HouseholdEvent

pytestmark = pytest.mark.django_db


def _post_step(client, case, step, **extra):
    upload_required(client, case)
    return client.post(
        reverse("monitoring:case_detail", args=[case.pk]), form_data(case, step, **extra)
    )


# --- Dates --------------------------------------------------------------------------------------


def test_a_one_day_notice_is_refused_with_a_message(client_for, users, household):
    case = advance(users, make_case(users, household, days_ago=30), until="notice")
    start = case.start_date + dt.timedelta(days=4)
    response = _post_step(
        client_for("village_staff"),
        case,
        "notice",
        notice_start=start.isoformat(),
        notice_end=start.isoformat(),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "公示期应不少于5天（含首尾）" in body and "只有1天" in body
    case.refresh_from_db()
    assert case.current_step == "notice"


def test_a_backdated_notice_is_refused_with_a_message(client_for, users, household):
    case = advance(users, make_case(users, household, days_ago=30), until="notice")
    review_day = step_date(case, "review")
    response = _post_step(
        client_for("village_staff"),
        case,
        "notice",
        notice_start=(review_day - dt.timedelta(days=6)).isoformat(),
        notice_end=(review_day - dt.timedelta(days=1)).isoformat(),
    )
    body = response.content.decode()
    assert "公示开始日期" in body and "早于上一环节（村级民主评议）的办理日期" in body
    case.refresh_from_db()
    assert case.current_step == "notice"


def test_the_notice_step_ends_only_after_the_notice_period(client_for, users, household):
    case = advance(users, make_case(users, household, days_ago=30), until="notice")
    end = case.start_date + dt.timedelta(days=8)
    response = _post_step(client_for("village_staff"), case, "notice", done_on=end.isoformat())
    assert "期满后" in response.content.decode()
    case.refresh_from_db()
    assert case.current_step == "notice"


def test_the_configured_notice_days_apply(client_for, users, household):
    policy = DeadlinePolicy.current()
    policy.notice_days = 7
    policy.save()
    case = advance(users, make_case(users, household, days_ago=30), until="notice")
    response = _post_step(client_for("village_staff"), case, "notice")  # a 5-day notice
    assert "公示期应不少于7天" in response.content.decode()


def test_a_step_cannot_be_dated_before_the_previous_step_or_in_the_future(
    client_for, users, household
):
    case = advance(users, make_case(users, household, days_ago=30), until="review")
    client = client_for("village_staff")
    before = step_date(case, "compare") - dt.timedelta(days=1)
    body = _post_step(client, case, "review", done_on=before.isoformat()).content.decode()
    assert "早于上一环节（信息比对）的办理日期" in body
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    body = _post_step(client, case, "review", done_on=tomorrow).content.decode()
    assert "办理日期：办理日期不能晚于今天" in body
    case.refresh_from_db()
    assert case.current_step == "review"
    with pytest.raises(services.ValidationError, match="早于起算日期"):
        services.complete_step(
            actor=users["grid_member"],
            case=make_case(users, make_household(household.region), days_ago=5),
            decision="不通过",
            note="x",
            on=TODAY - dt.timedelta(days=6),
        )


def test_future_dates_are_refused_on_the_measure_visit_and_contact_forms(client_for, household):
    client = client_for("village_staff")
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("assistance:measure_new", args=[household.pk]),
        {"category": "健康帮扶", "start_date": tomorrow, "status": "ongoing"},
    )
    assert "开始日期不能晚于今天" in response.content.decode()
    response = client.post(
        reverse("assistance:measure_new", args=[household.pk]),
        {"category": "产业帮扶", "start_date": tomorrow, "status": "planned"},
    )
    assert response.status_code == 302  # a planned measure may start later
    assert list(Measure.objects.values_list("category", flat=True)) == ["产业帮扶"]
    response = client.post(
        reverse("assistance:visit_new"),
        {"household": household.pk, "date": tomorrow, "kind": "日常走访"},
    )
    assert "走访日期不能晚于今天" in response.content.decode()
    response = client.post(
        reverse("assistance:contact_assign", args=[household.pk]),
        {"name": "王帮扶", "start_date": tomorrow},
    )
    assert "帮扶开始时间不能晚于今天" in response.content.decode()
    assert not household.visits.exists() and not household.contacts.exists()


def test_a_procedure_is_never_dated_before_the_household_s_last_decision(
    client_for, users, household
):
    """An exit, elimination or roll-back starting before the identification (or elimination)
    it undoes, or a re-identification's step dated before the elimination it follows, would
    make the household's history run backwards: refused, naming the date."""
    identified_household(users, household, days_ago=240)
    identified = household.identified_date
    with pytest.raises(services.ValidationError) as exc:
        open_household_case(
            users, household, "exit", days_ago=300, exit_reason="剔除", description="x"
        )
    start = TODAY - dt.timedelta(days=300)
    assert exc.value.message_dict["kind"] == [
        f"起算日期{start:%Y-%m-%d}早于该户的识别监测时间{identified:%Y-%m-%d}"
    ]
    client = client_for("village_staff")
    response = client.post(
        reverse("monitoring:household", args=[household.pk]),
        {"kind": "eliminate", "start_date": start.isoformat()},
        follow=True,
    )
    assert f"早于该户的识别监测时间{identified:%Y-%m-%d}" in response.content.decode()
    assert not Case.objects.filter(household=household).exclude(kind="identify").exists()
    # Eliminated ten days ago; a lead found a month ago re-identifies it from then on.
    registry_services.update_household(
        actor=None,
        household=household,
        source="风险消除程序",
        risk_eliminated=True,
        eliminated_date=TODAY - dt.timedelta(days=10),
        elimination_method="帮扶消除",
    )
    case = make_case(users, household, days_ago=30)
    early = (TODAY - dt.timedelta(days=20)).isoformat()
    body = _post_step(client_for("grid_member"), case, "visit", done_on=early).content.decode()
    eliminated = TODAY - dt.timedelta(days=10)
    assert f"办理日期{early}早于该户的风险消除时间{eliminated:%Y-%m-%d}" in body
    case.refresh_from_db()
    assert case.current_step == "visit"


# --- Elimination --------------------------------------------------------------------------------


def _eliminable(users, household, identified_days_ago=240, measure=True):
    identified_household(users, household, days_ago=identified_days_ago)
    if measure:
        Measure.objects.create(
            household=household,
            category="健康帮扶",
            start_date=household.identified_date,
        )
    return open_household_case(users, household, "eliminate", days_ago=20)


def test_an_elimination_before_the_minimum_months_is_refused_with_the_criteria(
    client_for, users, household
):
    case = _eliminable(users, household, identified_days_ago=100)
    response = _post_step(client_for("grid_member"), case, "visit")
    body = response.content.decode()
    assert "不符合风险消除条件：识别已满6个月" in body
    assert "未满足</span> 识别已满6个月" in body and "满足</span> 至少已落实1项帮扶措施" in body
    case.refresh_from_db()
    assert case.current_step == "visit"


def test_an_elimination_without_a_measure_is_refused(client_for, users, household):
    case = _eliminable(users, household, measure=False)
    body = _post_step(client_for("grid_member"), case, "visit").content.decode()
    assert "至少已落实1项帮扶措施（已落实 0 项）" in body
    # A planned measure, or one that starts later, is not carried out.
    Measure.objects.create(household=household, category="产业帮扶", status="planned")
    body = _post_step(client_for("grid_member"), case, "visit").content.decode()
    assert "已落实 0 项" in body


def test_an_elimination_with_income_below_the_line_for_the_stable_period_is_refused(
    client_for, users, household
):
    case = _eliminable(users, household)
    # The annual record of last year (inside the 6 months before) is below the line.
    registry_services.save_income(
        actor=None, household=household, year=TODAY.year - 1, wage=9000, members_counted=3
    )
    EliminationPolicy.objects.create(year=TODAY.year, stable_months=13)
    body = _post_step(client_for("grid_member"), case, "visit").content.decode()
    assert "收入稳定超过监测范围（近13个月）" in body
    assert f"{TODAY.year - 1}年人均 3,000.00 元未高于监测范围" in body
    case.refresh_from_db()
    assert case.current_step == "visit"


def test_a_county_override_lets_the_elimination_go_on_and_is_audited_and_listed(
    client_for, users, household
):
    case = _eliminable(users, household, identified_days_ago=100)
    url = reverse("monitoring:case_action", args=[case.pk, "override"])
    assert client_for("town_staff").post(url, {"reason": "x"}).status_code == 403
    assert client_for("other_town").post(url, {"reason": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.criteria_override == ""
    client = client_for("county_admin")
    page = client.get(reverse("monitoring:case_detail", args=[case.pk]))
    assert page.context["override_form"] is not None
    client.post(url, {"reason": ""})
    case.refresh_from_db()
    assert case.criteria_override == ""
    client.post(url, {"reason": "因灾住房已重建，收入稳定，经县领导小组研究放行"})
    case.refresh_from_db()
    assert case.criteria_override.startswith("因灾住房已重建")
    record = AuditRecord.objects.get(
        object_type="monitoring.case", object_id=str(case.pk), note__startswith="县级放行"
    )
    assert record.actor == users["county_admin"] and "识别已满6个月" in record.note
    log = CaseLog.objects.get(case=case, action="县级放行")
    assert log.data["failed"] and log.actor == users["county_admin"]
    for step in ["visit", "review", "notice", "town", "county"]:
        case.refresh_from_db()
        complete_via_page(client_for(ACTOR_FOR_STEP[step]), case, step)
    household.refresh_from_db()
    assert household.risk_eliminated
    listing = client_for("auditor").get(reverse("monitoring:overrides"))
    body = listing.content.decode()
    assert listing.context["page"].paginator.count == 1
    assert "经县领导小组研究放行" in body and "识别已满6个月" in body
    assert (
        client_for("other_town")
        .get(reverse("monitoring:overrides"))
        .context["page"]
        .paginator.count
        == 0
    )


def test_an_override_covers_only_the_criteria_it_was_given_on(client_for, users, household):
    """An override given before 入户核查 lets through what failed then (the months), not a
    failure found afterwards (the measure stopped by the visit): the county confirms again."""
    case = _eliminable(users, household, identified_days_ago=100)
    services.override_criteria(actor=users["county_admin"], case=case, reason="县乡联审同意")
    Measure.objects.filter(household=household).update(status=Measure.Status.STOPPED)
    response = _post_step(client_for("grid_member"), case, "visit")
    body = response.content.decode()
    assert response.status_code == 200
    assert "县级放行已失效" in body and "又未满足至少已落实1项帮扶措施、帮扶措施针对风险" in body
    case.refresh_from_db()
    assert case.current_step == "visit" and case.criteria_override == "县乡联审同意"
    county = client_for("county_admin")
    page = county.get(reverse("monitoring:case_detail", args=[case.pk]))
    assert "须县级管理员重新确认放行" in page.content.decode()
    assert page.context["override_form"] is not None
    url = reverse("monitoring:case_action", args=[case.pk, "override"])
    county.post(url, {"reason": "措施到期，县领导小组复核同意"})
    assert CaseLog.objects.filter(case=case, action="县级放行").count() == 2
    complete_via_page(client_for("grid_member"), case, "visit")
    page = county.get(reverse("monitoring:case_detail", args=[case.pk]))
    assert "县级放行已失效" not in page.content.decode()
    assert page.context["override_form"] is None


def test_the_criteria_follow_the_year_settings(client_for, users, household):
    case = _eliminable(users, household, identified_days_ago=130)
    with pytest.raises(services.ValidationError, match="识别已满6个月"):
        advance(users, case)
    client = client_for("county_admin")
    response = client.post(
        reverse("monitoring:settings"),
        {
            "section": "elimination",
            "year": TODAY.year,
            "min_months": 3,
            "green_min_months": 3,
            "natural_min_months": 3,
            "min_measures": 1,
            "natural_min_measures": 0,
            "stable_months": 6,
        },
    )
    assert response.status_code == 302
    assert EliminationPolicy.for_year(TODAY.year).min_months == 3
    advance(users, case)
    household.refresh_from_db()
    assert household.risk_eliminated
    assert client_for("town_staff").post(reverse("monitoring:settings"), {}).status_code == 403


def test_a_no_labour_household_is_never_eliminated_even_with_an_override(users, household):
    case = _eliminable(users, household)
    registry_services.update_household(actor=None, household=household, no_labour=True)
    with pytest.raises(services.ValidationError, match="整户无劳动能力"):
        services.override_criteria(actor=users["county_admin"], case=case, reason="放行")


# --- 剔除 / 识别不精准退出 -----------------------------------------------------------------------


def test_exit_from_monitoring_is_proposed_reviewed_and_decided_by_the_county(
    client_for, users, household
):
    identified_household(users, household)
    client = client_for("village_staff")
    url = reverse("monitoring:household", args=[household.pk])
    client.post(url, {"kind": "exit", "exit_reason": "识别不精准退出", "description": ""})
    assert not Case.objects.filter(kind="exit").exists()
    start = (TODAY - dt.timedelta(days=5)).isoformat()
    response = client.post(
        url,
        {
            "kind": "exit",
            "exit_reason": "识别不精准退出",
            "description": "识别时漏计务工收入，实际人均纯收入高于监测范围",
            "start_date": start,
        },
    )
    case = Case.objects.get(kind="exit")
    assert response.status_code == 302 and case.current_step == "town"
    assert services.can_act(users["village_staff"], case) is False
    for role, day in (("town_staff", 4), ("county_admin", 3)):
        client = client_for(role)
        response = client.post(
            reverse("monitoring:case_detail", args=[case.pk]),
            {"decision": "通过", "done_on": (TODAY - dt.timedelta(days=day)).isoformat()},
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
    household.refresh_from_db()
    assert household.category == "" and household.identified_date is None
    exited = HouseholdEvent.objects.get(household=household, kind="exited")
    assert exited.reason == "识别不精准退出" and exited.source == "退出监测程序"
    assert exited.date == TODAY - dt.timedelta(days=3) and exited.actor == users["county_admin"]
