"""Real browser on a phone-sized screen: a grid member records a visit and a risky screening."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from assistance import services
from assistance.models import Screening, Visit
from assistance.tests.conftest import TODAY, monitored, png_bytes
from conftest import browser_login
from monitoring.models import Lead


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_grid_member_records_a_visit_and_a_screening_on_a_phone(
    browser_page: Any, live_server: Any, regions: dict, users: dict, tmp_path: Any
) -> None:
    h = monitored(regions["village"], ["因病"])
    c = services.create_campaign(
        actor=users["town_staff"],
        name="秋季集中排查",
        start_date=TODAY - dt.timedelta(days=1),
        end_date=TODAY + dt.timedelta(days=20),
        regions=[regions["town"]],
    )
    services.assign_screenings(
        actor=users["town_staff"],
        campaign=c,
        village=regions["village"],
        cadre=users["grid_member"],
    )
    photo = tmp_path / "door.png"
    photo.write_bytes(png_bytes("green", (640, 480)))
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, live_server, "grid")

    page.goto(live_server.url + "/assistance/visits/new/")
    page.fill("input[name=q]", h.head_name)
    page.click("button:has-text('查找')")
    page.click(f"a[href='?household={h.pk}']")
    page.check("#id_talked")
    page.check("#id_environment_tidied")
    page.fill("#id_notes", "院落已清理，饮水正常")
    page.set_input_files("#id_photos", str(photo))
    page.click("button:has-text('保存走访')")
    page.wait_for_url(f"**/assistance/households/{h.pk}/")
    expect(page.locator("text=院落已清理，饮水正常")).to_be_visible()
    visit = Visit.objects.get(household=h, kind="日常走访")
    assert visit.talked and visit.environment_tidied and visit.photos.count() == 1
    assert page.locator("img[alt=走访照片]").evaluate("img => img.naturalWidth") > 0

    page.goto(live_server.url + f"/assistance/campaigns/{c.pk}/households/")
    page.click(f"text={h.head_name}")
    for section in c.sections:
        # The click navigates; wait for the section page rather than sample it.
        expect(page.locator("h1", has_text=section["title"])).to_be_visible()
        for q in section["questions"]:
            answer = (
                q["risk_answer"]
                if q["key"] == "housing"
                else next(o for o in q["options"] if o != q["risk_answer"])
            )
            page.check(f"input[name={q['key']}][value='{answer}']")
        page.click("form button.btn-danger")
    page.wait_for_url(f"**/assistance/campaigns/{c.pk}/households/")
    expect(page.locator("text=已生成线索")).to_be_visible()
    lead = Lead.objects.get(household=h)
    assert lead.source == "集中排查" and lead.risks == "因安全住房"
    assert Screening.objects.get(household=h).lead == lead
