"""In Chromium: the print views come out of the browser's own PDF printer on A4 — documents of
one household or case portrait, lists landscape (issue 16, paper)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from benefits.models import YuluRow
from conftest import browser_login
from fangpin.testing import make_household

A4 = (595.3, 841.9)  # points


def _pages(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def _a4(size: tuple[float, float], landscape: bool) -> bool:
    want = A4[::-1] if landscape else A4
    return all(abs(got - w) < 3 for got, w in zip(size, want, strict=True))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_prints_are_a4_in_the_browser(
    browser_page: Any, live_server: Any, users: dict[str, Any], regions: dict[str, Any]
) -> None:
    h = make_household(regions["village"], members=3, is_alleviated=True, alleviated_year=2016)
    student = h.persons.order_by("pk")[1]
    YuluRow.objects.create(
        region=h.region, household=h, person=student, year=2024, term="春季", school="大冶职校"
    )
    page = browser_page
    browser_login(page, live_server, "town")
    prints = {
        reverse("stats:household_file", args=[h.pk]): False,
        reverse("stats:policy_card", args=[h.pk]): False,
        reverse("assistance:contact_card", args=[h.pk]): False,
        reverse("monitoring:village_notice", args=[regions["village"].pk]): False,
        reverse("ledgers:print", args=["yulu"]): True,
    }
    for url, landscape in prints.items():
        page.goto(live_server.url + url)
        pdf = page.pdf(prefer_css_page_size=True)
        sizes = _pages(pdf)
        assert sizes, url
        assert all(_a4(s, landscape) for s in sizes), (url, sizes)
