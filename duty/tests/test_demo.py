"""The demo builder fills every part of 责任落实 for the demo county, consistently."""

from __future__ import annotations

from typing import Any

from core import dates
from duty import figures, services
from duty.demo import build_demo
from duty.models import GridHousehold, GridUnit, Inspection, Problem, Status, WorkTeamMember
from fangpin.testing import make_household


def test_the_demo_fills_teams_records_problems_grids_and_pairings(
    regions: dict[str, Any], users: dict[str, Any], household: Any
) -> None:
    for _ in range(4):
        make_household(regions["village"])
    make_household(regions["village2"])
    today = dates.today()
    counts = build_demo(regions["county"], today, seed=7)
    assert all(counts[k] > 0 for k in counts), counts
    assert WorkTeamMember.objects.filter(post="第一书记").exists()
    # Each town has its monthly 工作提示, 学习 and 例会 up to today.
    assert Inspection.objects.filter(kind="工作提示").count() == 2 * today.month
    assert GridUnit.objects.count() == 3  # one per village
    assert GridHousehold.objects.filter(member__user=users["grid_member"]).exists()
    for problem in Problem.objects.filter(closed_via="review"):
        assert problem.closed_by_id not in services.makers(problem)
    found = figures.rollup(regions["county"], None)
    assert found["problems"] == Problem.objects.count() == counts["problems"]
    assert sum(found["status"].values()) == counts["problems"]
    assert {p.status for p in Problem.objects.all()} <= set(Status.values)
