"""Data-quality checks of 一户一策 (policy rules 18–20, 26), run by `fangpin check`.

Each rule is a function over a household queryset, working set-wise (two or three queries
whatever the number of households); the registered checks pass a region's households, the
household assistance page passes one household.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from assistance.models import Measure, ledger_term_ends
from core import codes, dates
from core.checks import check
from registry.models import RISK_SEPARATOR, Household, Person

# Sub-types that run on to their own term after 风险消除 (policy rule 26).
CONTINUING_SUBTYPES = ("小额信贷", "公益岗位", "雨露计划")
# 综合保障 sub-types and the member fact each one needs (rule 20).
SECURITY_SUBTYPES = {
    "低保": ("dibao", "享受低保"),
    "特困": ("tekun", "特困供养"),
    "残疾": ("disabled", "残疾"),
}


def _households(region: Any) -> QuerySet:
    qs = Household.objects.all()
    if region is not None:
        qs = qs.filter(region__path__startswith=region.path)
    return qs


def _live_measures() -> QuerySet:
    return Measure.objects.exclude(status=Measure.Status.STOPPED)


def _finding(
    household_id: int, message: str, person_id: int | None = None, **evidence: Any
) -> dict:
    return {
        "household_id": household_id,
        "person_id": person_id,
        "message": message,
        "evidence": evidence,
    }


def risk_without_measure(households: QuerySet) -> list[dict]:
    """Rule 18: every risk of a 监测对象 has a measure of a matching category."""
    has_risk = Q(pk__in=[])
    for risk in codes.RISK_MEASURES:
        has_risk |= Q(risks__contains=f"{RISK_SEPARATOR}{risk}{RISK_SEPARATOR}")
    rows = list(households.exclude(category="").filter(has_risk).values_list("pk", "risks"))
    categories: dict[int, set[str]] = defaultdict(set)
    for hid, category in (
        _live_measures()
        .filter(household_id__in=[pk for pk, _ in rows])
        .values_list("household_id", "category")
    ):
        categories[hid].add(category)
    found = []
    for hid, risks in rows:
        for risk in [r for r in risks.split(RISK_SEPARATOR) if r in codes.RISK_MEASURES]:
            wanted = codes.RISK_MEASURES[risk]
            if not categories[hid] & set(wanted):
                found.append(
                    _finding(
                        hid,
                        f"风险“{risk}”没有对应的帮扶措施（应有{'、'.join(wanted)}之一）",
                        risk=risk,
                        expected=list(wanted),
                        measures=sorted(categories[hid]),
                    )
                )
    return found


def labour_without_developmental(households: QuerySet) -> list[dict]:
    """Rule 19: 有劳动力 监测对象 (not eliminated) have a 开发式 measure, not 综合保障 alone."""
    live = _live_measures().filter(household=OuterRef("pk"))
    labour = Person.objects.filter(
        household=OuterRef("pk"), is_member=True, labour_skill__in=codes.DEVELOPMENTAL_LABOUR
    )
    rows = (
        households.exclude(category="")
        .filter(risk_eliminated=False)
        .filter(Exists(labour))
        .exclude(Exists(live.filter(category__in=codes.DEVELOPMENTAL_MEASURES)))
        .annotate(
            security=Exists(live.filter(category="综合保障")),
            other=Exists(live.exclude(category="综合保障")),
        )
        .values_list("pk", "security", "other")
    )
    found = []
    for hid, security, other in rows:
        if security and not other:
            message = "有劳动力的监测户仅有综合保障措施，应落实开发式帮扶措施"
        else:
            message = "有劳动力的监测户没有开发式帮扶措施（产业、就业、金融、公益岗位）"
        found.append(_finding(hid, message, only_security=security and not other))
    return found


def _fact_of(subtype: str) -> str | None:
    return next((fact for word, (fact, _) in SECURITY_SUBTYPES.items() if word in subtype), None)


def security_mismatch(households: QuerySet) -> list[dict]:
    """Rule 20: 综合保障 低保/特困供养/残疾人补贴 measures agree with members' status both ways."""
    monitored = households.exclude(category="").values("pk")
    measures: dict[int, set[str]] = defaultdict(set)
    for hid, subtype in (
        _live_measures()
        .filter(household__in=monitored, category="综合保障")
        .filter(
            Q(subtype__contains="低保") | Q(subtype__contains="特困") | Q(subtype__contains="残疾")
        )
        .values_list("household_id", "subtype")
    ):
        fact = _fact_of(subtype)
        if fact:
            measures[hid].add(fact)
    people: dict[int, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    for pid, hid, name, dibao, tekun, health in (
        Person.objects.filter(household__in=monitored, is_member=True)
        .filter(Q(dibao=True) | Q(tekun=True) | Q(health__contains="残疾"))
        .values_list("pk", "household_id", "name", "dibao", "tekun", "health")
    ):
        facts = {"dibao": bool(dibao), "tekun": bool(tekun), "disabled": "残疾" in health}
        for fact, has in facts.items():
            if has:
                people[hid][fact].append((pid, name))
    found = []
    labels = {fact: label for fact, label in SECURITY_SUBTYPES.values()}
    words = {fact: word for word, (fact, _) in SECURITY_SUBTYPES.items()}
    for hid in sorted(set(measures) | set(people)):
        for fact in sorted(measures[hid] - set(people[hid])):
            found.append(
                _finding(
                    hid,
                    f"有综合保障“{words[fact]}”措施，但家庭成员中没有{labels[fact]}人员",
                    fact=fact,
                )
            )
        for fact in sorted(set(people[hid]) - measures[hid]):
            for pid, name in people[hid][fact]:
                found.append(
                    _finding(
                        hid,
                        f"成员{name}为{labels[fact]}，但没有对应的综合保障“{words[fact]}”措施",
                        person_id=pid,
                        fact=fact,
                    )
                )
    return found


def continuing_overrun(households: QuerySet, today: dt.date | None = None) -> list[dict]:
    """Rule 26: after 风险消除 a measure runs on only as 小额信贷/公益岗位/雨露计划 to its term.

    Flags continuing measures past their end date, and ongoing measures of those sub-types
    not marked as continuing (so their end date is unknown). A measure linked to a ledger record
    (a post, a loan) ends when that record does — its real contract end, read at each run — and
    its term is known, marked or not.
    """
    today = today or dates.today()
    ongoing = Measure.objects.filter(
        household__in=households.filter(risk_eliminated=True).values("pk"),
        status=Measure.Status.ONGOING,
    )
    continuing_type = Q(pk__in=[])
    for word in CONTINUING_SUBTYPES:
        continuing_type |= Q(subtype__contains=word)
    linked = Q(ledger_row_id__isnull=False) & ~Q(ledger_kind="")
    rows = list(
        ongoing.filter(
            Q(continues_after_elimination=True, end_date__lt=today)
            | Q(continuing_type, continues_after_elimination=False)
            | linked
        ).values_list(
            "household_id",
            "pk",
            "category",
            "subtype",
            "end_date",
            "continues_after_elimination",
            "ledger_kind",
            "ledger_row_id",
        )
    )
    ends = ledger_term_ends((r[6], r[7]) for r in rows if r[6] and r[7] is not None)
    found = []
    for hid, mid, category, subtype, end, continuing, kind, row_id in rows:
        name = f"{category}{'·' + subtype if subtype else ''}"
        source = ""
        if (kind, row_id) in ends:
            end, continuing, source = ends[(kind, row_id)], True, "（按关联台账记录）"
        if continuing:
            if end is None or end >= today:
                continue
        elif not any(word in subtype for word in CONTINUING_SUBTYPES):
            continue
        if continuing:
            message = f"风险消除后继续的措施“{name}”已于{end}到期{source}，仍为实施中"
        else:
            message = f"风险已消除，“{name}”仍在实施：应标注“风险消除后继续”并填写到期日期"
        found.append(_finding(hid, message, measure_id=mid, end_date=end and end.isoformat()))
    return found


RULES = (
    ("R18", risk_without_measure),
    ("R19", labour_without_developmental),
    ("R20", security_mismatch),
    ("R26", continuing_overrun),
)


def household_findings(households: QuerySet) -> list[tuple[str, dict]]:
    """All assistance findings for the given households, with their rule code."""
    return [(code, f) for code, fn in RULES for f in fn(households)]


@check("R18", "风险无对应帮扶措施", "red")
def check_r18(region: Any) -> Iterable[dict]:
    """每项风险须有对应的帮扶措施（因病→健康/社会帮扶 等）。"""
    return risk_without_measure(_households(region))


@check("R19", "有劳动力监测户缺开发式帮扶", "red")
def check_r19(region: Any) -> Iterable[dict]:
    """有劳动力且未消除风险的监测户须有开发式帮扶措施，不能仅靠综合保障。"""
    return labour_without_developmental(_households(region))


@check("R20", "综合保障措施与成员低保/特困/残疾不一致", "yellow")
def check_r20(region: Any) -> Iterable[dict]:
    """综合保障的低保、特困供养、残疾人补贴措施须与成员实际享受情况一致，反之亦然。"""
    return security_mismatch(_households(region))


@check("R26", "风险消除后继续的措施未标注或已到期", "yellow")
def check_r26(region: Any) -> Iterable[dict]:
    """风险消除后继续实施的措施（小额信贷、公益岗位、雨露计划）到期后应终止或完成。"""
    return continuing_overrun(_households(region))
