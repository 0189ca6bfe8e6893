"""The 低收入人口 list in the work report (三、政策落实): how many 民政 counts by category and how
the list and the register agree (docs/low-income.md). Nothing when no list was imported."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count

from lowincome.models import KINDS, LowIncomePerson
from regions.models import Region


def _rows(region: Region) -> Any:
    return LowIncomePerson.objects.filter(region__in=Region.objects.below(region).values("pk"))


def report_sections(region: Region, start: dt.date, end: dt.date) -> dict[str, list[str]]:
    rows = _rows(region)
    by_kind = dict(rows.values_list("kind").annotate(n=Count("id")).order_by())
    if not by_kind:
        return {}
    total = sum(by_kind.values())
    kinds = "，".join(f"{k}{by_kind[k]}人" for k in KINDS if by_kind.get(k))
    by_match = dict(rows.values_list("match").annotate(n=Count("id")).order_by())
    both = by_match.get(LowIncomePerson.Match.BOTH, 0)
    return {
        "policy:low_income": [
            f"农村低收入人口：民政名单共{total}人，其中{kinds}；与户籍台账比对，"
            f"属于脱贫户、监测户的{both}人，不在户籍台账的"
            f"{by_match.get(LowIncomePerson.Match.NOT_ON_REGISTER, 0)}人，"
            f"在台账但非脱贫户、监测户的{by_match.get(LowIncomePerson.Match.NOT_MONITORED, 0)}人。"
        ]
    }


def report_figures(region: Region, start: dt.date, end: dt.date) -> list[dict[str, str]]:
    rows = _rows(region)
    total = rows.count()
    if not total:
        return []
    return [
        {
            "section": "三、政策落实情况",
            "label": "农村低收入人口（民政名单）",
            "value": f"{total}人",
            "definition": "最近一次导入的民政农村低收入人口名单中本区域的人员",
        }
    ]
