"""`GET /api/v1/stats?region=R&as_of=D`: the statistics of a region, scoped to the user's."""

from __future__ import annotations

from typing import Any

import ninja
from django.http import HttpRequest

from core.api import IsoDate
from registry.api import visible_region
from stats.services import compute

router = ninja.Router(tags=["统计"])


@router.get(
    "/stats",
    summary="截至某日的统计数字",
    description="某区划（含下级）截至某日的脱贫户、监测对象、风险消除等户数和人数，与统计页一致。",
)
def stats(request: HttpRequest, region: str = "", as_of: IsoDate = None) -> Any:
    """The statistics of `region` (default: the user's region) as of `as_of` (default today)."""
    return compute(visible_region(request.user, region), as_of)
