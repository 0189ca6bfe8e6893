"""A real browser: the progress page and a project's page draw their charts without errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import browser_login
from projects.models import Project
from projects.tests.helpers import load, payment, project


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_county_reads_the_progress_chart_and_a_projects_payments(
    browser_page: Any, live_server: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    admin = users["county_admin"]
    load(
        "projects",
        [project("XM1"), project("XM2", 乡镇="还地桥镇", 行政村="白羊村")],
        tmp_path,
        admin,
    )
    pays = [payment("XM1", "V1"), payment("XM1", "V2", 200000, 支付日期="2024-08-01")]
    load("project_payments", pays, tmp_path, admin, "p.xlsx")
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "county")
    page.goto(live_server.url + "/projects/?year=2024")
    assert "大冶市2024年衔接资金项目进度" in page.inner_text("h1")
    page.wait_for_selector("#chart-progress canvas")
    page.click("text=金山店镇")
    page.wait_for_url(lambda url: "region=" in url)
    assert "金山店镇" in page.inner_text("h1")
    xm1 = Project.objects.get(project_no="XM1")
    page.goto(live_server.url + f"/projects/{xm1.pk}/")
    page.wait_for_selector("#chart-payments canvas")
    assert "300000.00" in page.inner_text("body")
    assert errors == []
