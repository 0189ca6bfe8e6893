"""In a real browser: a lead goes through every step to a 监测对象 and later through 风险消除,
each step by its own role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from assistance.models import Measure
from conftest import browser_login
from monitoring.models import Case, PolicyThreshold
from registry.models import HouseholdEvent

TODAY = timezone.localdate()


def _as(page: Any, live_server: Any, username: str, path: str) -> None:
    page.context.clear_cookies()
    browser_login(page, live_server, username)
    page.goto(live_server.url + path)


def _submit_step(page: Any) -> None:
    """Submit the step form; tick every warning the reviewer must acknowledge, then resubmit."""
    page.click("form:has(#id_decision) button:has-text('提交')")
    page.wait_for_load_state()
    if page.locator("input[name=ack]").count():
        for box in page.locator("input[name=ack]").all():
            box.check()
        page.click("form:has(#id_decision) button:has-text('提交')")
        page.wait_for_load_state()
    assert "已办结" in page.content(), page.content()[-3000:]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_lead_becomes_a_monitored_household_and_is_later_eliminated_in_the_browser(
    browser_page, live_server, users, household
):
    PolicyThreshold.objects.get_or_create(
        province="42",
        region=None,
        year=TODAY.year,
        defaults={"amount": Decimal("8700"), "effective_date": dt.date(TODAY.year, 1, 1)},
    )
    page = browser_page
    reported = (TODAY - dt.timedelta(days=20)).isoformat()
    _as(page, live_server, "village", "/monitoring/leads/new/")
    page.fill("#id_household", household.number)
    page.check("input[name=risks][value=因病]")
    page.fill("#id_reported_date", reported)
    page.click("button:has-text('保存')")
    page.click("button:has-text('启动识别程序')")
    page.wait_for_url("**/monitoring/cases/*/")
    case = Case.objects.get()
    path = f"/monitoring/cases/{case.pk}/"

    _as(page, live_server, "grid", path)
    page.select_option("#id_consent", "confirmed")
    for name, value in {
        "wage": "12000",
        "business": "3000",
        "property_income": "0",
        "transfer": "2000",
        "business_cost": "1000",
        "claims": "0",
        "compliant_spending": "5000",
        "members_counted": "3",
    }.items():
        page.fill(f"#id_{name}", value)
    for name in ("housing_unsafe", "dropout", "water_unsafe", "uninsured"):
        page.select_option(f"#id_{name}", "0")
    _submit_step(page)
    assert "当前环节由村干部办理" in page.content()  # the grid member cannot go on

    _as(page, live_server, "village", path)
    _submit_step(page)  # 信息比对
    _submit_step(page)  # 村级民主评议
    page.fill("#id_notice_start", (TODAY - dt.timedelta(days=10)).isoformat())
    page.fill("#id_notice_end", (TODAY - dt.timedelta(days=5)).isoformat())
    _submit_step(page)  # 公示

    _as(page, live_server, "town", path)
    _submit_step(page)  # 乡镇审核

    _as(page, live_server, "county", path)
    page.select_option("#id_category", "边缘易致贫户")
    _submit_step(page)  # 县级审定

    household.refresh_from_db()
    assert household.category == "边缘易致贫户"
    assert HouseholdEvent.objects.filter(
        household=household, kind="identified", source="识别程序"
    ).exists()
    page.goto(live_server.url + f"/monitoring/households/{household.pk}/")
    assert "识别为监测对象" in page.content() and "识别程序" in page.content()

    # Later: 风险消除 through the same procedure, in the browser too.
    Measure.objects.create(household=household, category="健康帮扶")
    _as(page, live_server, "village", f"/monitoring/households/{household.pk}/")
    page.click("button:has-text('发起风险消除')")
    page.wait_for_url("**/monitoring/cases/*/")
    path = page.url.removeprefix(live_server.url)
    assert "识别已满6个月" in page.content()

    _as(page, live_server, "grid", path)
    for name, value in {
        "wage": "40000",
        "business": "3000",
        "property_income": "0",
        "transfer": "2000",
        "business_cost": "1000",
        "claims": "0",
        "compliant_spending": "0",
        "members_counted": "3",
    }.items():
        page.fill(f"#id_{name}", value)
    for name in ("housing_unsafe", "dropout", "water_unsafe", "uninsured"):
        page.select_option(f"#id_{name}", "0")
    page.check("#id_rigid_spending_resolved")
    page.select_option("#id_elimination_method", "帮扶消除")
    _submit_step(page)

    _as(page, live_server, "village", path)
    _submit_step(page)  # 村级民主评议
    page.fill("#id_notice_start", (TODAY - dt.timedelta(days=10)).isoformat())
    page.fill("#id_notice_end", (TODAY - dt.timedelta(days=5)).isoformat())
    _submit_step(page)  # 公示
    _as(page, live_server, "town", path)
    _submit_step(page)  # 乡镇审核验收
    _as(page, live_server, "county", path)
    _submit_step(page)  # 县级审定

    household.refresh_from_db()
    assert household.risk_eliminated and household.elimination_method == "帮扶消除"
    page.goto(live_server.url + f"/monitoring/households/{household.pk}/")
    assert "风险消除程序" in page.content()
