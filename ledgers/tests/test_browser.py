"""A real browser: deleting a ledger row asks first, and a "no" keeps the row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import browser_login
from projects.models import Project
from projects.tests.helpers import load, project


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_deleting_a_row_asks_first(
    browser_page: Any, live_server: Any, users: dict[str, Any], tmp_path: Path
) -> None:
    load("projects", [project("XM1")], tmp_path, users["county_admin"])
    row = Project.objects.get(project_no="XM1")
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    browser_login(page, live_server, "county")
    asked: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.goto(live_server.url + f"/ledgers/projects/{row.pk}/")
    page.click("button:has-text('删除')")
    page.wait_for_timeout(300)
    assert asked == ["确定删除这条衔接资金项目记录吗？删除后不能恢复。"]
    assert Project.objects.filter(pk=row.pk).exists()  # "取消" keeps it
    page.once("dialog", lambda d: answer(d, True))
    page.click("button:has-text('删除')")
    page.wait_for_url(lambda url: url.rstrip("/").endswith("/ledgers/projects"))
    assert not Project.objects.filter(pk=row.pk).exists()
    assert errors == []
