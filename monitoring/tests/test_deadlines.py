"""Due dates and overdue marking follow the configured calendar (working days, holidays, 调休)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from monitoring import services
from monitoring.calendar import Calendar, alert_for, due_date
from monitoring.models import Case, CaseStep, DeadlinePolicy, Holiday
from monitoring.tests.helpers import make_case

pytestmark = pytest.mark.django_db

MAY_DAY = dt.date(2026, 5, 1)  # a Friday, a holiday


@pytest.fixture
def may_holidays() -> None:
    Holiday.objects.create(date=dt.date(2026, 5, 1), kind="off", name="劳动节")
    Holiday.objects.create(date=dt.date(2026, 5, 4), kind="off", name="劳动节")
    Holiday.objects.create(date=dt.date(2026, 5, 5), kind="off", name="劳动节")
    Holiday.objects.create(date=dt.date(2026, 5, 9), kind="work", name="劳动节调休")


@pytest.fixture
def working_policy() -> DeadlinePolicy:
    policy = DeadlinePolicy.current()
    policy.working_days = True
    policy.step_days = {
        "visit": 2,
        "compare": 6,
        "review": 7,
        "notice": 12,
        "town": 14,
        "county": 20,
    }
    policy.save()
    return policy


def test_working_days_skip_weekends_and_holidays(may_holidays, working_policy):
    cal = Calendar()
    assert due_date(MAY_DAY, "visit", working_policy, cal) == dt.date(2026, 5, 7)
    # The Saturday 调休 counts as a working day.
    assert due_date(MAY_DAY, "compare", working_policy, cal) == dt.date(2026, 5, 12)


def test_calendar_days_count_every_day(may_holidays):
    policy = DeadlinePolicy.current()
    assert not policy.working_days
    assert due_date(MAY_DAY, "visit", policy, Calendar()) == dt.date(2026, 5, 4)
    assert due_date(MAY_DAY, "county", policy, Calendar()) == dt.date(2026, 5, 16)


def test_orange_within_the_warning_days_and_red_after_the_due_date(may_holidays, working_policy):
    cal, due = Calendar(), dt.date(2026, 5, 7)
    assert alert_for(due, dt.date(2026, 5, 5), working_policy, cal) == ""  # 2 working days left
    assert alert_for(due, dt.date(2026, 5, 6), working_policy, cal) == "orange"
    assert alert_for(due, dt.date(2026, 5, 7), working_policy, cal) == "orange"  # due today
    assert alert_for(due, dt.date(2026, 5, 8), working_policy, cal) == "red"


def test_mark_overdue_command_marks_steps_by_the_calendar(
    users, household, may_holidays, working_policy
):
    case = make_case(users, household)
    Case.objects.filter(pk=case.pk).update(start_date=MAY_DAY)
    CaseStep.objects.filter(case=case, code="visit").update(due_date=dt.date(2026, 5, 7))
    runs = {}
    for day in ("2026-05-05", "2026-05-06", "2026-05-08"):
        out = StringIO()
        call_command("mark_overdue", "--date", day, stdout=out, stderr=StringIO())
        runs[day] = json.loads(out.getvalue().strip().splitlines()[-1])
        case.refresh_from_db()
        runs[day]["case_alert"] = case.alert
    assert runs["2026-05-05"]["case_alert"] == ""
    assert runs["2026-05-06"]["case_alert"] == "orange" and runs["2026-05-06"]["orange"] == 1
    assert runs["2026-05-08"]["case_alert"] == "red" and runs["2026-05-08"]["red"] == 1
    assert CaseStep.objects.get(case=case, code="visit").alert == "red"


def test_the_mark_overdue_job_runs_through_the_job_queue(
    users, household, django_capture_on_commit_callbacks
):
    from core.jobs import enqueue
    from core.models import Job

    case = make_case(users, household, days_ago=40)
    Case.objects.filter(pk=case.pk).update(alert="")
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue("monitoring.mark_overdue", title="时限预警", user=users["county_admin"])
    job = Job.objects.get(pk=job.pk)
    case.refresh_from_db()
    assert job.status == "succeeded" and (job.result or {})["red"] == 1
    assert case.alert == "red"


def test_the_worker_queues_and_runs_the_marking_once_a_day(users, household, settings, monkeypatch):
    from core import jobs
    from core.jobs import work_forever
    from core.models import Job

    settings.JOBS_EAGER = False
    # The loop closes stale connections; inside the test's transaction that would end it.
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)
    case = make_case(users, household, days_ago=40)
    Case.objects.filter(pk=case.pk).update(alert="")

    work_forever(once=True)
    work_forever(once=True)  # the same day: nothing more to queue

    job = Job.objects.get(kind="monitoring.mark_overdue")
    case.refresh_from_db()
    assert (job.status, job.title, case.alert) == ("succeeded", "每日时限预警更新", "red")
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at - dt.timedelta(days=1))
    work_forever(once=True)  # a new day
    assert Job.objects.filter(kind="monitoring.mark_overdue", status="succeeded").count() == 2


def test_overdue_and_my_tasks_lists_show_the_right_cases(client_for, users, household):
    late = make_case(users, household, days_ago=40)
    assert late.alert == "red"
    client = client_for("grid_member")
    page = client.get(reverse("monitoring:tasks"))
    assert list(page.context["page"].object_list) == [late]
    assert list(client_for("town_staff").get(reverse("monitoring:tasks")).context["page"]) == []
    overdue = client_for("town_staff").get(reverse("monitoring:overdue"))
    assert list(overdue.context["page"].object_list) == [late]
    mine = client_for("town_staff").get(reverse("monitoring:overdue") + "?mine=1")
    assert list(mine.context["page"].object_list) == []
    assert (
        client_for("other_town").get(reverse("monitoring:overdue")).context["page"].paginator.count
        == 0
    )


def test_home_page_counts_open_leads_tasks_and_overdue(client_for, users, household):
    make_case(users, household, days_ago=40)
    home = client_for("village_staff").get("/")
    widgets = {w["label"]: w["value"] for w in home.context["widgets"]}
    assert widgets["我的待办"] == 1 and widgets["逾期环节"] == 1 and widgets["待研判线索"] == 0


def test_the_county_admin_edits_the_calendar_and_due_dates_follow(client_for, users, household):
    case = make_case(users, household, days_ago=0)
    before = case.due_date
    assert before is not None
    client = client_for("county_admin")
    response = client.post(
        reverse("monitoring:settings"),
        {"section": "holiday", "date": (before).isoformat(), "kind": "off", "name": "测试假日"},
    )
    assert response.status_code == 302 and Holiday.objects.filter(date=before).exists()
    data = {
        "name": "二十个工作日",
        "working_days": "on",
        "warn_days": 2,
        "notice_days": 5,
        "after_spending_formula": "(纯收入+理赔收入-合规自付支出)/人口",
        "days_visit": 2,
        "days_compare": 5,
        "days_review": 8,
        "days_notice": 14,
        "days_town": 17,
        "days_county": 20,
    }
    response = client.post(reverse("monitoring:settings"), data)
    assert response.status_code == 302
    case.refresh_from_db()
    policy = DeadlinePolicy.current()
    assert policy.working_days and policy.days_for("county") == 20
    assert case.due_date == Calendar().add(case.start_date, 2, working=True)
    assert client_for("town_staff").post(reverse("monitoring:settings"), data).status_code == 403


def test_deadline_steps_must_increase_and_the_formula_must_parse(client_for):
    client = client_for("county_admin")
    data = {
        "name": "x",
        "warn_days": 1,
        "notice_days": 5,
        "after_spending_formula": "__import__('os')",
        "days_visit": 9,
        "days_compare": 5,
        "days_review": 8,
        "days_notice": 14,
        "days_town": 17,
        "days_county": 20,
    }
    page = client.post(reverse("monitoring:settings"), data).content.decode()
    assert "各环节的时限应按办理顺序递增" in page
    data["days_visit"] = 2
    page = client.post(reverse("monitoring:settings"), data).content.decode()
    assert "公式只能使用" in page or "无法解析" in page
    assert DeadlinePolicy.current().after_spending_formula.startswith("(纯收入")


def test_services_refuse_settings_changes_from_other_roles(users):
    with pytest.raises(services.PermissionDenied):
        services.set_holiday(actor=users["town_staff"], date=MAY_DAY, kind="off")


def test_a_county_admin_refreshes_the_overdue_marks_from_the_page(
    client_for, users, household, django_capture_on_commit_callbacks
):
    case = make_case(users, household, days_ago=40)
    Case.objects.filter(pk=case.pk).update(alert="")
    assert client_for("town_staff").post(reverse("monitoring:overdue")).status_code == 403
    client = client_for("county_admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("monitoring:overdue"))
    case.refresh_from_db()
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    assert case.alert == "red"


def test_a_reader_sees_the_working_days_switch_as_yes_or_no(client_for: Any, regions: Any) -> None:
    """Who may not edit the deadlines reads them as a list: 是/否, not Python's True/False."""
    page = client_for("town_staff").get(reverse("monitoring:settings")).content.decode()
    assert "按工作日计算（否则按自然日）：否" in page
    assert "：False" not in page and "：True" not in page
