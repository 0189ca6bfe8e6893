"""The demo builder fills the livelihood ledgers of the demo county through the kit's services,
with a few rows the checks find."""

from __future__ import annotations

from typing import Any

from core import dates
from fangpin.testing import make_household
from livelihood import checks
from livelihood.demo import build_demo
from livelihood.models import CadreRow, LoanRow, PostRow, PvIncomeRow


def test_the_demo_fills_posts_pv_income_loans_and_cadres(
    regions: dict[str, Any], users: dict[str, Any]
) -> None:
    for _ in range(16):
        make_household(regions["village"], is_alleviated=True)
    for _ in range(3):
        make_household(regions["village2"], is_alleviated=True)
    counts = build_demo(regions["county"], dates.today(), seed=7)
    assert counts["posts"] == PostRow.objects.count() == 8
    assert counts["cadres"] == CadreRow.objects.count() == 9  # three in each village
    assert counts["pv_income"] == PvIncomeRow.objects.count() == 1  # 朝阳村 has the station
    assert counts["loans"] == LoanRow.objects.count() > 0
    assert PostRow.objects.filter(funding="光伏收益").exists()
    # The station's post wages are the 光伏 posts' pay: rule 34 finds nothing to say.
    assert checks.wages_disagree(None, {"tolerance": 0}) == []
    assert checks.spent_above_revenue(None) == []
    # The post whose contract ended last year is found (seed 003 #7).
    assert len(checks.expired_contract(None)) == 1
