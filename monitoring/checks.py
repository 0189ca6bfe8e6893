"""Data-quality checks of monitoring status (policy rules 16, 22, 24), run by `fangpin check`.

Each works set-wise: one query over the region's households (plus the threshold table).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from core import codes
from core.checks import check
from monitoring.assessment import months_between
from monitoring.models import PolicyThreshold
from registry.models import RISK_SEPARATOR, Household


def _households(region: Any) -> QuerySet[Household]:
    qs = Household.objects.exclude(category="")
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return qs


def _has(risk: str) -> Q:
    return Q(risks__contains=f"{RISK_SEPARATOR}{risk}{RISK_SEPARATOR}")


def _finding(household_id: int, message: str, **evidence: Any) -> dict:
    return {
        "household_id": household_id,
        "person_id": None,
        "message": message,
        "evidence": evidence,
    }


@check("R16", "风险类型与家庭成员情况不一致", "yellow")
def check_r16(region: Any) -> Iterable[dict]:
    """因务工就业不稳须有劳动力成员；因病须有患大病或长期慢性病成员；缺劳动力时有劳动力成员不应过半。"""
    member = Q(persons__is_member=True)
    sick = Q(persons__health__contains="患有大病") | Q(persons__health__contains="长期慢性病")
    rows = (
        _households(region)
        .filter(risk_eliminated=False)
        .filter(_has("因务工就业不稳") | _has("因病") | _has("缺劳动力"))
        .annotate(
            n=Count("persons", filter=member),
            labour=Count(
                "persons", filter=member & Q(persons__labour_skill__in=codes.DEVELOPMENTAL_LABOUR)
            ),
            sick=Count("persons", filter=member & sick),
        )
        .values_list("pk", "risks", "n", "labour", "sick")
    )
    for pk, risks, n, labour, sick_count in rows:
        listed = risks.split(RISK_SEPARATOR)
        if "因务工就业不稳" in listed and labour == 0:
            yield _finding(pk, "风险为因务工就业不稳，但家庭成员均无劳动能力", members=n)
        if "因病" in listed and sick_count == 0:
            yield _finding(pk, "风险为因病，但没有患大病或长期慢性病的家庭成员", members=n)
        if "缺劳动力" in listed and labour * 2 > n:
            yield _finding(
                pk, f"风险为缺劳动力，但{n}人中有{labour}人有劳动能力", members=n, labour=labour
            )


@check("R22", "整户无劳动能力户被标注风险消除", "red")
def check_r22(region: Any) -> Iterable[dict]:
    """整户无劳动能力兜底保障户落实保障后暂不标注风险消除。"""
    rows = _households(region).filter(risk_eliminated=True, no_labour=True)
    for pk, date in rows.values_list("pk", "eliminated_date"):
        yield _finding(pk, "整户无劳动能力户已被标注风险消除", eliminated_date=str(date))


@check("R24", "风险消除时间或收入不符合要求", "yellow")
def check_r24(region: Any) -> Iterable[dict]:
    """帮扶消除距识别不足6个月，或消除时人均纯收入不高于当时的监测范围。"""
    lines = list(
        PolicyThreshold.objects.filter(province=settings.FANGPIN_PROVINCE, region__isnull=True)
        .order_by("effective_date")
        .values_list("effective_date", "amount")
    )
    rows = _households(region).filter(risk_eliminated=True, eliminated_date__isnull=False)
    for pk, identified, eliminated, method, income in rows.values_list(
        "pk", "identified_date", "eliminated_date", "elimination_method", "per_capita_income"
    ):
        if eliminated is None:  # excluded by the filter; keeps the type checker informed
            continue
        if method == "帮扶消除" and identified and months_between(identified, eliminated) < 6:
            yield _finding(
                pk,
                "帮扶消除距识别不足6个月",
                identified=str(identified),
                eliminated=str(eliminated),
            )
        line = next((a for d, a in reversed(lines) if d <= eliminated), None)
        if line is not None and income is not None and income <= line:
            yield _finding(
                pk,
                f"风险消除时人均纯收入{income}元不高于监测范围{line}元",
                income=str(income),
                line=str(line),
            )
