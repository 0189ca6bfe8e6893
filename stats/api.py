"""`GET /api/v1/stats?region=R&as_of=D`: the statistics of a region, scoped to the user's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ninja
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest

from regions.models import Region
from regions.services import resolve
from stats.services import compute

router = ninja.Router(tags=["统计"])


def visible_region(user: Any, ref: str | None) -> Region:
    """The region `ref` (id, code, unique name or path) inside the user's region, or 404."""
    own = getattr(user, "region", None)
    if own is None:
        raise Http404("未找到区划")
    if not ref:
        return own
    if ref.isdigit() and len(ref) < 12:
        # A region id, as the pages use in links.
        found = Region.objects.visible_to(user).filter(pk=int(ref)).first()
        if found is None:
            raise Http404("未找到区划")
        return found
    try:
        return resolve(ref, within=own)
    except (Region.DoesNotExist, ValidationError) as exc:
        raise Http404("未找到区划") from exc


@router.get(
    "/stats",
    summary="截至某日的统计数字",
    description="某区划（含下级）截至某日的脱贫户、监测对象、风险消除等户数和人数，与统计页一致。",
)
def stats(request: HttpRequest, region: str | None = None, as_of: dt.date | None = None) -> Any:
    """The statistics of `region` (default: the user's region) as of `as_of` (default today)."""
    return compute(visible_region(request.user, region), as_of)
