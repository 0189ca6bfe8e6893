"""Data-quality checks of the employment ledgers (codes E…), set-wise."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat

from core.checks import check
from employment.figures import OUT
from employment.models import EmploymentRow, LabourSubsidyRow

FOR_WORK_AWAY = ("一次性交通补贴", "外出务工补助")


@check(
    "E01",
    "外出务工补贴发给当年没有外出务工记录的人",
    "yellow",
    description=(
        "一次性交通补贴或外出务工补助发给了当年务工监测中没有一个月外出务工（省外或县外省内）"
        "的人；该补贴只发给外出务工人员。"
    ),
)
def subsidy_without_work_away(region: Any) -> list[dict]:
    """一次性交通补贴 or 外出务工补助 paid to a person whose 务工监测 shows no month of 外出务工
    (省外 or 县外省内) in the subsidy's year — the subsidy is for those who work away."""
    away = EmploymentRow.objects.filter(
        person_id=OuterRef("person_id"),
        status__in=OUT,
        month__startswith=OuterRef("year_text"),
    )
    rows = LabourSubsidyRow.objects.filter(kind__in=FOR_WORK_AWAY)
    if region is not None:
        rows = rows.below(region)
    rows = rows.annotate(
        year_text=Concat(Cast("year", CharField()), Value("-"), output_field=CharField())
    ).filter(~Exists(away))
    return [
        {
            "household_id": household_id,
            "person_id": person_id,
            "message": f"{name}{year}年领取{kind}，但务工监测中该年没有外出务工记录",
            "evidence": {"year": year, "kind": kind, "row_id": pk},
            "key": f"{pk}",
        }
        for pk, household_id, person_id, name, year, kind in rows.values_list(
            "pk", "household_id", "person_id", "person__name", "year", "kind"
        )
    ]
