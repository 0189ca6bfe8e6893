"""The demo builder fills the project ledgers consistently, and what it shows the checks see."""

from __future__ import annotations

from typing import Any

from core import dates
from core.checks import all_checks
from fangpin.testing import make_household
from projects.demo import build_demo
from projects.models import Asset, Beneficiary, Project, ProjectPayment


def test_the_demo_fills_projects_payments_assets_and_households(
    regions: dict[str, Any], users: dict[str, Any], household: Any
) -> None:
    for _ in range(6):
        make_household(regions["village"])
    today = dates.today()
    counts = build_demo(regions["county"], today, seed=3)
    assert counts["projects"] == Project.objects.count() >= 16
    assert counts["payments"] == ProjectPayment.objects.count() > 0
    assert counts["assets"] == Asset.objects.count() > 0
    assert counts["households"] == Beneficiary.objects.count()
    assert set(Project.objects.values_list("year", flat=True)) == {today.year - 1, today.year}
    assert not ProjectPayment.objects.filter(project__isnull=True).exists()
    # The goals speak their year's words (2026: 防止返贫致贫对象, before: 监测户).
    for year, goal in Project.objects.values_list("year", "performance_goal"):
        if "带动" in goal:
            assert ("监测户" in goal) == ((year or 0) < 2026), (year, goal)
    found = {c.code: c for c in all_checks()}
    fired = {
        code
        for code in ("P05", "P07")
        if list(
            found[code].fn(None, found[code].parameters)  # type: ignore[call-arg]
            if found[code].parameters
            else found[code].fn(None)
        )
    }
    assert fired == {"P05", "P07"}
