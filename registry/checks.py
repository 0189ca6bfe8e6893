"""Data-quality checks of the register itself, run by `fangpin check`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, F, Q

from core.checks import check
from registry.models import Household


@check("D01", "家庭人口数与成员记录不一致", "red")
def check_member_count(region: Any) -> Iterable[dict]:
    """户的家庭人口数应等于其未结束的成员关系数；统计按它计算人数，不一致须先修复。"""
    households = Household.objects.all()
    if region is not None:
        households = households.filter(region__path__startswith=region.path)
    rows = (
        households.annotate(open=Count("memberships", filter=Q(memberships__end_date__isnull=True)))
        .exclude(open=F("member_count"))
        .values_list("pk", "member_count", "open")
    )
    for pk, counted, members in rows:
        yield {
            "household_id": pk,
            "person_id": None,
            "message": f"家庭人口数为{counted}，成员记录中在户成员为{members}人",
            "evidence": {"member_count": counted, "open_memberships": members},
        }
