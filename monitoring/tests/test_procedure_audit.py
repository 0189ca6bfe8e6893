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
from registry.models import Household

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
    assert case.due_date is not None and case.due_date < TODAY and case.alert == "red"
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


def test_time_limits_are_set_per_year_and_a_procedure_keeps_those_of_its_start(
    client_for, users, regions, household
):
    """Rule 12: 15 days by default, a province's own limit (20 working days in Hainan/Anhui)
    configurable — from the year it applies, without moving the procedures begun before."""
    last_year = make_case(users, household, days_ago=0)
    last_year.start_date = dt.date(TODAY.year - 1, 6, 1)  # begun last year, still open
    last_year.save()
    services.save_deadlines(actor=users["county_admin"], year=None, **_defaults())
    before = list(last_year.steps.order_by("order").values_list("due_date", flat=True))
    assert before[-1] == dt.date(TODAY.year - 1, 6, 16)  # the national default: 15 days

    client = client_for("county_admin")
    data: dict[str, object] = {
        f"days_{s}": d for s, d in zip(STEPS, (5, 8, 11, 18, 19, 20), strict=True)
    }
    data |= {
        "section": "deadline",
        "year": TODAY.year,
        "name": "本省时限",
        "working_days": "on",
        "warn_days": 2,
        "notice_days": 7,
        "after_spending_formula": "(纯收入+理赔收入-合规自付支出)/人口",
    }
    response = client.post(reverse("monitoring:settings"), data)
    assert response.status_code == 302
    page = client.get(reverse("monitoring:settings")).content.decode()
    assert f"本省时限（{TODAY.year}年起）：全程 20 个工作日，公示 7 天" in page
    assert "默认时限（全程15天）：全程 15 天，公示 5 天" in page

    # The procedure begun last year keeps last year's (default) limits.
    after = list(last_year.steps.order_by("order").values_list("due_date", flat=True))
    assert after == before
    assert DeadlinePolicy.current().days_for("county") == 15
    # One begun this year runs under this year's: 20 working days, a 7-day 公示.
    this_year = make_case(users, make_household(regions["village"]), days_ago=0)
    county = this_year.steps.get(code="county")
    from monitoring.calendar import Calendar

    assert county.due_date == Calendar().add(TODAY, 20, working=True)
    assert services.deadlines_of(this_year).notice_days == 7
    # The case page says which limits it runs under.
    body = client.get(reverse("monitoring:case_detail", args=[this_year.pk])).content.decode()
    assert "本省时限" in body


STEPS = ("visit", "compare", "review", "notice", "town", "county")


def _defaults():
    policy = DeadlinePolicy.current()
    return {
        "name": policy.name,
        "working_days": False,
        "warn_days": policy.warn_days,
        "notice_days": 5,
        "after_spending_formula": policy.after_spending_formula,
        "step_days": policy.step_days,
    }


def test_no_override_marks_an_elimination_with_an_unsecured_need(client_for, users, household):
    """Rule 22: never mark 风险消除 while 三保障/饮水, 刚性支出 or income are not secured — the
    county's override is for the months and the measures only."""
    identified_household(users, household, days_ago=130)  # under 6 months: overridable
    Measure.objects.create(
        household=household, category="健康帮扶", start_date=household.identified_date
    )
    case = open_household_case(users, household, "eliminate", days_ago=20)
    services.override_criteria(actor=users["county_admin"], case=case, reason="县乡联审同意")
    client = client_for("grid_member")
    body = _post_step(client, case, "visit", water_unsafe="1").content.decode()
    assert "县级也不能放行（政策规则22）" in body and "三保障和饮水安全有保障" in body
    case.refresh_from_db()
    assert case.current_step == "visit"
    body = _post_step(client, case, "visit", rigid_spending_resolved="").content.decode()
    assert "大额刚性支出已稳定解决" in body and "县级也不能放行" in body
    # With the needs secured, the override lets the under-6-months elimination go on.
    assert _post_step(client, case, "visit").status_code == 302


def test_the_county_cannot_override_only_an_unsecured_need(users, household):
    identified_household(users, household, days_ago=240)
    Measure.objects.create(
        household=household, category="健康帮扶", start_date=household.identified_date
    )
    case = open_household_case(users, household, "eliminate", days_ago=20)
    case.wage, case.business, case.property_income, case.transfer = 40000, 3000, 0, 2000
    case.business_cost, case.members_counted = 1000, 3
    case.housing_unsafe = case.dropout = case.uninsured = False
    case.water_unsafe, case.rigid_spending_resolved = True, True
    case.save()
    with pytest.raises(services.ValidationError, match="县级也不能放行"):
        services.override_criteria(actor=users["county_admin"], case=case, reason="放行")
    assert not Case.objects.get(pk=case.pk).criteria_override


def test_the_notice_is_the_village_s_never_a_town_or_county_notice(client_for, users, regions):
    """policy.md §4.2: publicity is held once, in the village only (县乡不再重复公示)."""
    h = _eliminated(regions)
    advance(users, open_household_case(users, h, "rollback", days_ago=30), until="notice")
    for role, region in (("town_staff", "town"), ("county_admin", "county")):
        client = client_for(role)
        url = reverse("monitoring:village_notice", args=[regions[region].pk])
        response = client.get(url, follow=True)
        body = response.content.decode()
        assert "公示只在行政村张贴（县乡不再重复公示）" in body
        assert "拟回退风险消除" not in body
    village = client_for("town_staff").get(
        reverse("monitoring:village_notice", args=[regions["village"].pk])
    )
    assert "拟回退风险消除" in village.content.decode()


def test_a_lead_for_a_registered_person_becomes_the_household_s_identification(
    client_for, users, household
):
    """A lead typed with the ID number of a member on the register (not picked by 户编号) is the
    household's: the procedure runs on the household, not on a new one that the county's
    decision would find taken after weeks of steps."""
    head = household.persons.get(relation="户主")
    lead = services.create_lead(
        actor=users["village_staff"],
        source="农户自主申报",
        reported_date=TODAY - dt.timedelta(days=20),
        region=household.region,
        person_name=head.name,
        id_number=head.id_number,
        risks=["因病"],
    )
    response = client_for("village_staff").post(
        reverse("monitoring:lead_action", args=[lead.pk, "open"])
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.household == household
    lead.refresh_from_db()
    assert lead.household == household
    advance(users, case)
    household.refresh_from_db()
    assert household.category == "边缘易致贫户"
    assert Household.objects.count() == 1


def test_a_lead_for_a_person_registered_elsewhere_is_refused_at_once(users, regions):
    elsewhere = make_household(regions["other_village"])
    taken = elsewhere.persons.get(relation="户主")
    lead = services.create_lead(
        actor=users["village_staff"],
        source="农户自主申报",
        reported_date=TODAY,
        region=regions["village"],
        person_name="某人",
        id_number=taken.id_number,
        risks=["因病"],
    )
    with pytest.raises(services.ValidationError, match="该证件号码已登记在其他户"):
        services.open_case(actor=users["village_staff"], lead=lead)
    assert not Case.objects.exists()


def test_a_step_recorded_long_after_the_date_it_states_is_shown_as_written_in_afterwards(
    client_for, users, regions, household
):
    """A date may be given as it was (work away from the network is entered later), but a
    procedure written in weeks afterwards, back-dated to look on time, is visible: each step
    recorded more than BACKFILL_DAYS after its 办理日期 shows 补录 and the day it was entered."""
    from django.utils import timezone

    back_dated = advance(users, make_case(users, household, days_ago=40))
    current = make_case(users, make_household(regions["village"]), days_ago=3)
    current = advance(users, current, until="notice")  # visit, compare, review: this week
    client = client_for("county_admin")
    today = timezone.localdate().isoformat()
    body = client.get(reverse("monitoring:case_detail", args=[back_dated.pk])).content.decode()
    # Each step, and the 起算日期 (its lead's 发现日期, registered today).
    assert body.count(f"补录：录入于{today}") == back_dated.steps.count() + 1
    printed = client.get(reverse("monitoring:case_file", args=[back_dated.pk])).content.decode()
    assert f"（补录：录入于{today}）" in printed
    body = client.get(reverse("monitoring:case_detail", args=[current.pk])).content.decode()
    assert "补录" not in body


def test_a_lead_date_or_start_date_entered_long_after_it_is_shown_as_written_in_afterwards(
    client_for, users, regions, household
):
    """The 发现日期 of a lead and the 起算日期 of a procedure follow the steps' rule: entered
    more than BACKFILL_DAYS after the date they state, they show 补录 (not refused)."""
    from django.utils import timezone

    today = timezone.localdate()
    client = client_for("county_admin")
    marked = f"补录：录入于{today.isoformat()}"
    for days, shown in ((7, False), (8, True)):
        lead = services.create_lead(
            actor=users["village_staff"],
            source="基层干部排查",
            reported_date=today - dt.timedelta(days=days),
            household=make_household(regions["village"]),
            risks=["因病"],
        )
        page = client.get(reverse("monitoring:lead_detail", args=[lead.pk])).content.decode()
        assert (marked in page) is shown
        case = services.open_case(actor=users["village_staff"], lead=lead)
        page = client.get(reverse("monitoring:case_detail", args=[case.pk])).content.decode()
        assert (marked in page) is shown
        printed = client.get(reverse("monitoring:case_file", args=[case.pk])).content.decode()
        assert (f"（{marked}）" in printed) is shown
    identified_household(users, household, days_ago=240)
    case = open_household_case(
        users,
        household,
        "exit",
        days_ago=9,
        exit_reason="识别不精准退出",
        description="经核实收入远高于监测范围",
    )
    page = client.get(reverse("monitoring:case_detail", args=[case.pk])).content.decode()
    assert (
        f'起算日 {case.start_date:%Y-%m-%d} <span class="badge text-bg-secondary">{marked}' in page
    )


def test_a_household_in_a_procedure_stays_in_its_village_until_it_ends(
    client_for, users, regions, household
):
    """Moved to another town mid-procedure, the household's case stayed with the old village,
    whose staff went on completing steps for a household no longer theirs: the move is refused
    while a lead or a procedure of the household is open."""
    from registry import services as registry_services

    case = make_case(users, household, days_ago=20)
    with pytest.raises(services.ValidationError) as exc:
        registry_services.update_household(
            actor=users["county_admin"], household=household, region=regions["other_village"]
        )
    refusal = ["该户有未办结的监测线索或程序，须在原所在村办结后才能变更所在区划"]
    assert exc.value.message_dict["region"] == refusal
    household.refresh_from_db()
    assert household.region == regions["village"]
    advance(users, case)
    # A lead not yet triaged is the old village's too (it opens the case).
    lead = services.create_lead(
        actor=users["village_staff"],
        source="基层干部排查",
        reported_date=TODAY,
        household=household,
        description="新的困难",
    )
    with pytest.raises(services.ValidationError, match="未办结的监测线索或程序"):
        registry_services.update_household(
            actor=users["county_admin"], household=household, region=regions["other_village"]
        )
    services.dismiss_lead(actor=users["village_staff"], lead=lead, reason="已核实无风险")
    registry_services.update_household(
        actor=users["county_admin"], household=household, region=regions["other_village"]
    )
    household.refresh_from_db()
    assert household.region == regions["other_village"]
