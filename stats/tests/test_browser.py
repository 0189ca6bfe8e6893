"""A real browser on a phone-sized screen: the dashboard draws its charts and sorts its table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from conftest import browser_login
from core import labels
from fangpin.testing import make_household


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_township_head_opens_the_dashboard_on_a_phone_and_sorts_the_villages(
    browser_page: Any, live_server: Any, users: dict[str, Any], regions: dict[str, Any]
) -> None:
    make_household(regions["village"], members=5)
    make_household(
        regions["village2"],
        members=2,
        category="突发严重困难户",
        identified_date=dt.date.today(),
        risk_list=["因病"],
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    browser_login(page, live_server, "town")
    page.goto(live_server.url + "/stats/")
    assert "金山店镇" in page.inner_text("h1")
    page.wait_for_selector("#chart-categories canvas")
    page.wait_for_selector("#chart-months canvas")
    assert errors == []

    def first_village() -> str:
        return page.inner_text("#children-table tbody tr:first-child td:first-child")

    assert first_village() == "仕秦村"  # tree order
    page.click("#children-table th:has-text('人数')")
    assert first_village() == "仕秦村"  # 2 people before 5
    page.click("#children-table th:has-text('人数')")
    assert first_village() == "朝阳村"
    page.click(f"#children-table th:has-text('{labels.for_year().household}')")
    assert first_village() == "朝阳村"  # 0 before 1
    page.click("#children-table >> text=朝阳村")
    page.wait_for_url(lambda url: "region=" in url)
    assert "朝阳村" in page.inner_text("h1")
