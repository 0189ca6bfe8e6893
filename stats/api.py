"""`GET /api/v1/stats?region=R&as_of=D`: the statistics of a region, scoped to the user's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ninja
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import HttpError

from core.api import IsoDate, errors
from core.dates import not_future
from registry.api import RegionRef, visible_region
from stats.services import compute

router = ninja.Router(tags=["统计"])


# The response as stats.services.compute gives it (formats.md §4 and the places and exits the
# pages show too). A key compute adds must be added here as well, or the API drops it:
# api/tests/test_api_stats.py compares the two.
class Count(Schema):
    households: int
    persons: int


class NotEliminated(Count):
    by_category: dict[str, Count] = Field(description="键为监测对象类别")
    by_identified_year: dict[str, Count] = Field(description="键为识别监测的年份（四位）")


class Monitored(Count):
    eliminated: Count
    not_eliminated: NotEliminated


class Exits(Schema):
    monitored: dict[str, Count] = Field(description="退出监测（剔除等），键为退出原因")
    alleviated: dict[str, Count] = Field(description="清退脱贫户，键为原因")


class Places(Schema):
    count: int = Field(description="个数")
    names: list[str] = Field(description="按区划顺序")


class StatsOut(Schema):
    region: RegionRef = Field(description="统计的区划")
    as_of: dt.date = Field(description="统计日期")
    villages: int = Field(description="行政村数（不含社区）")
    households: Count = Field(description="户籍总户数和人数")
    alleviated: Count = Field(description="全部脱贫户")
    alleviated_stable: Count = Field(description="不是监测对象的脱贫户")
    monitored: Monitored = Field(description="全部监测对象（风险已消除和未消除）")
    identified_this_year: Count = Field(description="统计日期所在年度内截至该日新识别的监测对象")
    eliminated_this_year: Count = Field(description="统计日期所在年度内截至该日消除风险的监测对象")
    exits_this_year: Exits = Field(description="统计日期所在年度内截至该日的退出")
    communities: int = Field(description="社区数")
    alleviated_villages: Places = Field(description="脱贫村")
    key_villages: Places = Field(description="重点帮扶村")


@router.get(
    "/stats",
    response={200: StatsOut, **errors(400, 401, 404, 422)},
    summary="截至某日的统计数字",
    description="某区划（含下级）截至某日的脱贫户、监测对象、风险消除等户数和人数，与统计页一致。",
)
def stats(request: HttpRequest, region: str = "", as_of: IsoDate = None) -> dict[str, Any]:
    """The statistics of `region` (default: the user's region) as of `as_of` (default today,
    never later: 400, as for a page out of range)."""
    if as_of is not None:
        try:
            not_future(as_of)
        except ValueError as exc:
            raise HttpError(400, str(exc)) from exc
    return compute(visible_region(request.user, region), as_of)
