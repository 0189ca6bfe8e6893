"""In a real browser, on the demo county: each role's home page shows its due work (an auditor
without action buttons); on a phone (390 px) a case page's tabs and a 网格员's home do not wrap
into one character per line; at 1366 px no page scrolls sideways (tables scroll in their card);
no request ends in a 404 (the favicon included)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.views import DEMO_PASSWORD
from conftest import browser_login
from monitoring.models import Case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Elements whose text is squeezed into a column a character or two wide: taller than two lines
# and narrower than three characters.
SQUEEZED = """(selector) => Array.from(document.querySelectorAll(selector)).filter(e => {
  const text = e.innerText.trim(); if (text.length < 3) return false;
  const r = e.getBoundingClientRect();
  const line = parseFloat(getComputedStyle(e).lineHeight) || 24;
  return r.height > 2.5 * line || e.scrollWidth > e.clientWidth + 1;
}).map(e => e.innerText.trim())"""


def _as(page: Any, live_server: Any, username: str) -> None:
    page.context.clear_cookies()
    browser_login(page, live_server, username, DEMO_PASSWORD)


def test_each_roles_home_and_the_phone_layout_on_the_demo_county(browser_page, live_server):
    call_command("demo", households=300, seed=7, stdout=StringIO(), stderr=StringIO())
    page = browser_page
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    expected = {
        "grid_member": ("visits", "记录走访"),
        "village_staff": ("leads", "核实"),
        "town_staff": ("steps", "办理"),
        "county_admin": ("steps", "办理"),
    }
    for username, (first, action) in expected.items():
        _as(page, live_server, username)
        page.goto(live_server.url + "/")
        tasks = page.locator("[data-task]")
        assert tasks.first.get_attribute("data-task") == first, username
        assert page.locator(f".fp-tap:has-text('{action}')").count() > 0, username
    _as(page, live_server, "auditor")
    page.goto(live_server.url + "/")
    assert page.locator("[data-task]").count() > 0
    assert page.locator(".fp-tap").count() == 0  # an auditor reads: no action buttons

    # A phone: the 网格员's home and a case page.
    page.set_viewport_size({"width": 390, "height": 844})
    _as(page, live_server, "grid_member")
    page.goto(live_server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(SQUEEZED, ".fp-tap, .card-header, .fp-stat") == []
    button = page.locator(".fp-tap").first.bounding_box()
    assert button is not None and button["x"] + button["width"] <= 390
    page.locator(".fp-tap:has-text('记录走访')").first.click()
    page.wait_for_load_state()
    assert "/assistance/visits/new/" in page.url

    village = User.objects.get(username="village_staff").region
    case = Case.objects.open().filter(region__path__startswith=village.path).first()
    assert case is not None
    _as(page, live_server, "village_staff")
    page.goto(live_server.url + f"/monitoring/cases/{case.pk}/")
    assert page.locator(".nav-tabs .nav-link").count() >= 5
    assert page.evaluate(SQUEEZED, ".nav-tabs .nav-link, main th") == []
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('.nav-tabs .nav-link'))"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert max(heights) < 60  # one line each; the row scrolls sideways instead
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A desktop window: wide tables scroll inside their card, the page does not.
    page.set_viewport_size({"width": 1366, "height": 800})
    _as(page, live_server, "county_admin")
    for path in ("/", "/monitoring/cases/", "/exchange/", "/assistance/visits/overdue/", "/stats/"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, path
    assert page.evaluate("document.querySelector('#key-figures').getBoundingClientRect().top") < 200
    assert not missing, missing
