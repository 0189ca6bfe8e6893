"""In Chromium: a town cadre edits a 集中排查 questionnaire through the form — adds a question
with its own options and the answer that makes a lead, removes one — and never sees JSON."""

from __future__ import annotations

from typing import Any

import pytest

from assistance.models import Campaign
from assistance.tests.test_campaigns import campaign
from conftest import browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_questionnaire_editor_works_without_json(
    browser_page: Any, live_server: Any, regions: dict, users: dict
) -> None:
    c = campaign(regions, users)
    before = sum(len(s["questions"]) for s in c.sections)
    page = browser_page
    browser_login(page, live_server, "town")
    page.goto(live_server.url + f"/assistance/campaigns/{c.pk}/")
    page.click("a:has-text('编辑问卷')")
    page.wait_for_url(f"**/assistance/campaigns/{c.pk}/questionnaire/")
    assert "JSON" not in page.content()
    assert page.locator("textarea").count() == 0
    new = before  # the first blank row's index
    page.fill(f"#id_q-{new}-section", "住房安全")
    page.fill(f"#id_q-{new}-text", "现住房结构？")
    page.select_option(f"#id_q-{new}-answer_type", "choices")
    page.fill(f"#id_q-{new}-options", "砖混、土木、其他")
    page.select_option(f"#id_q-{new}-risk", "因安全住房")
    page.fill(f"#id_q-{new}-risk_answer", "土木")
    page.check("#id_q-0-DELETE")  # drop the first question
    page.click("button:has-text('保存问卷')")
    page.wait_for_url(f"**/assistance/campaigns/{c.pk}/")
    assert "已保存排查问卷" in page.content()
    c = Campaign.objects.get(pk=c.pk)
    questions = [q for s in c.sections for q in s["questions"]]
    assert len(questions) == before  # one added, one removed
    assert "food" not in {q["key"] for q in questions}
    added = next(q for q in questions if q["text"] == "现住房结构？")
    assert added["options"] == ["砖混", "土木", "其他"]
    assert added["risk"] == "因安全住房" and added["risk_answer"] == "土木"
    housing = next(s for s in c.sections if s["title"] == "住房安全")
    assert added in housing["questions"]  # joined the existing part of the same name
