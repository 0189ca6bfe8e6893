"""Figures of the livelihood ledgers beyond formats.md §7's, merged into the kit's figures
(`Ledger(more_figures=…)`): what the work report states (seed 000: "通过银行已办理贷款31户",
"光伏电站每年收益分配16万元，用于三个脱贫村15人光伏公益性岗位工资11.6万元，投入小型公益性事业
4.4万元"). Each is one or two aggregate queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from core.dates import today
from ledgers.models import LedgerQuerySet
from livelihood.models import PostRow
from regions.models import Region

PV_FUNDING = "光伏收益"
PV_CATEGORY = "光伏公益性岗位"


def pv_posts_q() -> Q:
    """Posts paid from 光伏收益 (by 资金来源, or a 光伏公益性岗位 whose source was left blank)."""
    return Q(funding=PV_FUNDING) | Q(category=PV_CATEGORY, funding="")


def year_q(year: int) -> Q:
    """Posts held at some time in `year` (formats.md §7: 聘用开始日期…退岗日期, or else
    聘用结束日期)."""
    return span_q(dt.date(year, 1, 1), dt.date(year, 12, 31))


def span_q(start: dt.date, end: dt.date) -> Q:
    """Posts held at some time in [start, end]."""
    open_end = Q(exit_date__isnull=True) & (Q(end__isnull=True) | Q(end__gte=start))
    return Q(start__lte=end) & (Q(exit_date__gte=start) | open_end)


def on_post_q(on: dt.date) -> Q:
    """Posts held on `on`."""
    running = Q(exit_date__isnull=True) & (Q(end__isnull=True) | Q(end__gte=on))
    return Q(start__lte=on) & (running | Q(exit_date__gt=on))


def _end_of(year: int) -> dt.date:
    return min(dt.date(year, 12, 31), today())


def post_figures(ledger: Any, qs: QuerySet, region: Any, year: int) -> dict[str, Any]:
    """在岗 at the period's end, and the 光伏-funded posts (persons, villages)."""
    held = qs.filter(on_post_q(_end_of(year)))
    pv = qs.filter(pv_posts_q()).aggregate(rows=Count("pk"), persons=Count("person", distinct=True))
    return {
        "on_post": held.count(),
        "pv_posts": {"rows": pv["rows"], "persons": pv["persons"]},
    }


def pv_figures(ledger: Any, qs: QuerySet, region: Any, year: int) -> dict[str, Any]:
    """How many villages (and of them 脱贫村) and stations, and the persons on 光伏-funded posts in
    the same region and year (the "三个脱贫村15人" of the report)."""
    village = Q(region__level=Region.Level.VILLAGE)  # a town's or the county's station is none
    counts = qs.aggregate(
        villages=Count("region", distinct=True, filter=village),
        alleviated_villages=Count(
            "region", distinct=True, filter=Q(region__is_alleviated_village=True)
        ),
        stations=Count("pk"),
    )
    posts = (
        PostRow.objects.below(region)
        .filter(pv_posts_q())
        .filter(year_q(year))
        .aggregate(persons=Count("person", distinct=True))
    )
    return {
        "villages": counts["villages"],
        "alleviated_villages": counts["alleviated_villages"],
        "stations": counts["stations"],
        "post_persons": posts["persons"],
    }


def loan_figures(ledger: Any, qs: LedgerQuerySet, region: Any, year: int) -> dict[str, Any]:
    """Overdue loans, and households borrowing as 户贷社用 / 户贷企用 (the borrower's household
    now, as every figure of a person row)."""
    households = Count(qs.household_field, distinct=True)
    overdue = qs.filter(repayment="逾期").aggregate(rows=Count("pk"), households=households)
    pooled = qs.filter(use_mode__in=("户贷社用", "户贷企用")).aggregate(households=households)
    return {
        "overdue": {"rows": overdue["rows"], "households": overdue["households"]},
        "pooled_households": pooled["households"],
    }
