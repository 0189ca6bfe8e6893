"""Counts from the other modules (leads, procedures, comparison warnings, measures, visits).

Those apps arrive and change independently, so every figure is looked up by name and skipped when
its model or field is missing: the dashboard and the report show only what the database holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db.models import Q

from core.scoping import whole_tree
from regions.models import Region


@dataclass(frozen=True)
class Figure:
    """One count: rows of `model` in the region, optionally within a date range and filtered.

    `counted` names a method of the model's QuerySet that keeps the rows its app counts (leads:
    `counted`, without the merged duplicates), so that a figure here is the app's own figure.
    """

    key: str
    label: str
    unit: str
    model: str
    date_field: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    level: str = "info"
    counted: str = ""


# Work done in a period (the report, and the dashboard's "this year").
PERIOD = [
    # The same leads as the report's 四（一） counts (stats.report_parts): merged ones are not.
    Figure("leads", "排查预警线索", "条", "monitoring.Lead", "reported_date", counted="counted"),
    Figure(
        "leads_verified",
        "经核实启动识别程序的线索",
        "条",
        "monitoring.Lead",
        "reported_date",
        {"status__in": ["case_opened", "closed"]},
    ),
    Figure(
        "identify_approved",
        "审定识别监测对象",
        "户",
        "monitoring.Case",
        "start_date",
        {"kind": "identify", "status": "approved"},
    ),
    Figure(
        "eliminate_approved",
        "审定风险消除",
        "户",
        "monitoring.Case",
        "start_date",
        {"kind": "eliminate", "status": "approved"},
    ),
    Figure("warnings", "部门数据比对产生预警", "条", "exchange.Item", "created_at"),
    Figure(
        "warnings_handled",
        "已核实办结的比对预警",
        "条",
        "exchange.Item",
        "created_at",
        {"status__in": ["done", "closed"]},
    ),
    Figure("measures", "落实帮扶措施", "项", "assistance.Measure", "start_date"),
    Figure("visits", "开展入户走访", "次", "assistance.Visit", "date"),
]

# What waits to be done now (the dashboard).
PENDING = [
    Figure("open_leads", "待研判线索", "条", "monitoring.Lead", filters={"status": "new"}),
    Figure(
        "overdue_steps",
        "已逾期的识别环节",
        "件",
        "monitoring.Case",
        filters={"status": "open", "alert": "red"},
        level="danger",
    ),
    Figure(
        "unworked_warnings",
        "未处理的比对预警",
        "条",
        "exchange.Item",
        filters={"status__in": ["open", "assigned"]},
        level="warning",
    ),
]


def _region_q(model: Any, region: Region) -> Q:
    """Rows of `model` in `region` and below, by the region path its queryset declares."""
    if whole_tree(region):
        return Q()
    region_field = getattr(model.objects.all(), "region_field", None)
    if not region_field:
        raise FieldError(f"{model.__name__} has no region_field")
    inside = Region.objects.below(region).values("pk")
    prefix, _, last = region_field.rpartition("__")
    if prefix and "__" not in prefix:
        # household__region: an id subquery on the related table rather than a join, so a town
        # counts 100,000 warnings of the county without looking each household up.
        related = model._meta.get_field(prefix).related_model
        return Q(**{f"{prefix}__in": related.objects.filter(**{f"{last}__in": inside})})
    return Q(**{f"{region_field}__in": inside})


def count(fig: Figure, region: Region, start: dt.date | None, end: dt.date | None) -> int | None:
    """The figure for `region` (dates inclusive), or None when its app or field does not exist."""
    try:
        model = apps.get_model(fig.model)
        qs = model.objects.all()
        if fig.counted:
            keep = getattr(qs, fig.counted, None)
            if keep is None:
                return None  # the app has not got that far: no figure rather than another one
            qs = keep()
        qs = qs.filter(_region_q(model, region), **fig.filters)
        if fig.date_field and (start or end):
            lookup = fig.date_field
            if model._meta.get_field(fig.date_field).get_internal_type() == "DateTimeField":
                lookup = f"{fig.date_field}__date"
            if start:
                qs = qs.filter(**{f"{lookup}__gte": start})
            if end:
                qs = qs.filter(**{f"{lookup}__lte": end})
        return int(qs.count())
    except (LookupError, FieldDoesNotExist, FieldError, ValueError):
        return None


def collect(
    figures: list[Figure], region: Region, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """[{key, label, unit, value, level}] for the figures that exist in this database."""
    out = []
    for fig in figures:
        value = count(fig, region, start, end)
        if value is not None:
            out.append(
                {
                    "key": fig.key,
                    "label": fig.label,
                    "unit": fig.unit,
                    "value": value,
                    "level": fig.level,
                }
            )
    return out
