"""Checks of the 低收入人口 list (codes M…), run by `fangpin check`.

M01 a 低保边缘 person of 民政's list whose household on the register is neither 监测对象 nor
脱贫户: a 低保边缘 family is by definition near the line, so the village should verify it as a
possible 防止返贫致贫对象 (policy.md §9).
"""

from __future__ import annotations

from typing import Any

from core import labels as core_labels
from core.checks import check
from lowincome.models import LowIncomePerson


@check("M01", "低保边缘人员所在户既非监测对象也非脱贫户", "yellow")
def edge_not_monitored(region: Any) -> list[dict]:
    """民政认定的低保边缘人员，其户在户籍台账中既不是监测对象也不是脱贫户。"""
    rows = LowIncomePerson.objects.filter(
        kind="低保边缘",
        household__isnull=False,
        household__is_alleviated=False,
        household__category="",
    ).select_related("household")
    if region is not None:
        rows = rows.filter(household__region__path__startswith=region.path)
    words = core_labels.for_year()
    return [
        {
            "region_id": p.household.region_id,  # type: ignore[union-attr]
            "household_id": p.household_id,
            "person_id": p.person_id,
            "message": words.words(
                f"民政认定{p.name}为低保边缘人员，其户（{p.household.number}）"  # type: ignore[union-attr]
                "既不是监测对象也不是脱贫户，请核实是否应纳入监测"
            ),
            "evidence": {"人员类别": p.kind, "认定日期": str(p.recognised or "")},
            "key": f"低保边缘|{p.id_number}",
        }
        for p in rows
    ]
