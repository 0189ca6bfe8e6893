"""Data-quality checks of 政策落实 (codes B…), run by `fangpin check` into the findings queue.

B01 雨露计划 for a household that on the term's first day (春季 1 March, 秋季 1 September) was
    neither a 脱贫户 nor a 监测户 with its risk not yet eliminated (policy.md rule 32);
B02 雨露计划 this year for a person whom the register does not hold as a 中职/高职 student;
B03 雨露计划 above the configured standard (yearly parameters: per term, per year) — "at most
    two terms a year" is the ledger's key itself (证件号码 + 年度 + 学期 春季/秋季);
B04 应享未享: a 中职/高职 student of a 脱贫户 or not-eliminated 监测户, or such a household with
    the 因学 risk, with no 雨露计划 and no 教育资助 in the year;
B05 a house appraised C/D (住建 batch) or screened as 危房 with no 危房改造 record since and no
    住房安全保障 / 搬迁 measure.

The 低保 / 特困 flags that disagree with the 民政 batches are the exchange's F_CIVIL_STATUS
(run with each 民政 batch), not repeated here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from benefits.models import EducationAidRow, HousingRenovationRow, YuluRow
from core import hooks
from core.checks import check
from core.dates import today
from core.scoping import narrow
from regions.models import Region
from registry import history
from registry.models import Household, Person

TERM_START = {"春季": (3, 1), "秋季": (9, 1)}
VOCATIONAL = ("中职", "高职")  # 在校生状况 codes starting so: 中职/高职高专 一~三年级
HOUSING_MEASURES = ("住房安全保障", "搬迁")


def _below(qs: Any, region: Any) -> Any:
    return qs if region is None else qs.below(region)


def _finding(household_id: int, person_id: int | None, key: str, message: str, **ev: Any) -> dict:
    return {
        "household_id": household_id,
        "person_id": person_id,
        "key": key,
        "message": message,
        "evidence": ev,
    }


def _vocational(schooling: str) -> bool:
    return schooling.startswith(VOCATIONAL)


def _check_year(on: dt.date, from_month: int) -> int:
    """The year a 应享未享 check looks at: this year once its payments are due (from
    `from_month`), else last year."""
    return on.year if on.month >= from_month else on.year - 1


@check(
    "B01",
    "雨露计划对象不是脱贫户或未消除风险监测户",
    "red",
    description=(
        "雨露计划补助对象在学期首日（春季3月1日、秋季9月1日）既不是脱贫户，也不是风险未消除的"
        "监测户；查最近 years 年的记录。"
    ),
    parameters={"years": 3},
)
def yulu_not_eligible(region: Any, params: dict) -> list[dict]:
    """雨露计划 paid for a household that on the term's first day (春季 3月1日, 秋季 9月1日) was
    neither a 脱贫户 nor a 监测户 whose risk was not yet eliminated; rows of
    the last `years` years."""
    scopes = Region.objects.scopes(region)  # history.statuses reads one region
    since = today().year - max(int(params.get("years") or 3), 1) + 1
    rows = list(
        _below(YuluRow.objects, region)
        .filter(year__gte=since)
        .values_list("pk", "household_id", "person_id", "year", "term", "person__name")
    )
    eligible: dict[dt.date, set[int]] = {}
    out = []
    for pk, household_id, person_id, year, term, name in rows:
        month, day = TERM_START.get(term, (3, 1))
        start = dt.date(year, month, day)
        if start not in eligible:
            eligible[start] = {
                s.household_id
                for scope in scopes
                for s in history.statuses(scope, start)
                if s.alleviated or (s.monitored and not s.eliminated)
            }
        if household_id not in eligible[start]:
            out.append(
                _finding(
                    household_id,
                    person_id,
                    f"yulu:{pk}",
                    f"{name}{year}年{term}享受雨露计划，但该户在{start:%Y-%m-%d}（学期开始）"
                    "既不是脱贫户，也不是未消除风险的监测户",
                    year=year,
                    term=term,
                )
            )
    return out


@check(
    "B02",
    "雨露计划对象不是中职或高职学生",
    "yellow",
    description="本年度雨露计划补助对象在户籍台账中的在校生状况不是中职或高职高专（一至三年级）。",
)
def yulu_not_vocational(region: Any) -> list[dict]:
    """雨露计划 of this year for a person whose 在校生状况 on the register is not 中职 or
    高职高专 (一至三年级)."""
    rows = (
        _below(YuluRow.objects, region)
        .filter(year=today().year)
        .values_list("pk", "household_id", "person_id", "term", "person__name", "person__schooling")
    )
    return [
        _finding(
            household_id,
            person_id,
            f"yulu:{pk}",
            f"{name}{today().year}年{term}享受雨露计划，台账在校生状况为“{schooling or '未填写'}”，"
            "不是中职或高职学生",
            schooling=schooling,
        )
        for pk, household_id, person_id, term, name, schooling in rows
        if not _vocational(schooling or "")
    ]


@check(
    "B03",
    "雨露计划补助超过标准",
    "yellow",
    description=(
        "本年度雨露计划补助超过本县标准：一个学期的补助金额超过 per_term 元，或一名学生全年超"
        "过 per_year 元（政策默认每年3000元，分两个学期发放）。"
    ),
    parameters={"per_term": 1500, "per_year": 3000},
)
def yulu_above_standard(region: Any, params: dict) -> list[dict]:
    """雨露计划 of this year above the county's standard for the year: a term's 补助金额 above
    `per_term`, or a student's year above `per_year` (by policy: 3,000 a year in two
    terms by default)."""
    year = today().year
    per_term = Decimal(str(params.get("per_term") or 1500))
    per_year = Decimal(str(params.get("per_year") or 3000))
    qs = _below(YuluRow.objects, region).filter(year=year)
    out = [
        _finding(
            household_id,
            person_id,
            f"yulu:{pk}",
            f"{name}{year}年{term}雨露计划补助{amount}元，超过每学期标准{per_term}元",
            amount=f"{amount}",
        )
        for pk, household_id, person_id, term, name, amount in qs.filter(
            amount__gt=per_term
        ).values_list("pk", "household_id", "person_id", "term", "person__name", "amount")
    ]
    totals = (
        qs.order_by()
        .values("person_id", "household_id", "person__name")
        .annotate(total=Sum("amount"))
        .filter(total__gt=per_year)
    )
    for t in totals:
        total = Decimal(t["total"]).quantize(Decimal("0.01"))
        out.append(
            _finding(
                t["household_id"],
                t["person_id"],
                f"yulu-year:{year}",
                f"{t['person__name']}{year}年雨露计划补助合计{total}元，超过年度标准{per_year}元",
                amount=f"{total}",
            )
        )
    return out


@check(
    "B04",
    "应享未享：中职/高职学生或因学风险户未享受教育帮扶",
    "yellow",
    description=(
        "应享未享：脱贫户或风险未消除监测户中的中职/高职学生（按在校生状况）当年既没有雨露计"
        "划也没有教育资助，或有因学风险的户中无人享受其中任何一项。每年 from_month 月起查本年"
        "度（补助应已发放），此前查上一年度。"
    ),
    parameters={"from_month": 7},
)
def education_not_received(region: Any, params: dict) -> list[dict]:
    """应享未享: in a 脱贫户 or a not-eliminated 监测户, a 中职/高职 student (在校生状况) with no
    雨露计划 and no 教育资助 in the year, or a household with the 因学 risk none of whose
    people has either. The year is this one from `from_month` on (payments are due), else
    the last."""
    year = _check_year(today(), int(params.get("from_month") or 7))
    households = narrow(Household.objects.all(), region)
    households = households.filter(
        Q(is_alleviated=True) | (~Q(category="") & Q(risk_eliminated=False))
    )
    helped_people: set[int] = set()
    helped_households: set[int] = set()
    for model in (YuluRow, EducationAidRow):
        rows = _below(model.objects, region).filter(year=year)
        for person_id, household_id in rows.values_list("person_id", "household_id"):
            helped_people.add(person_id)
            helped_households.add(household_id)
    students = Person.objects.filter(
        household__in=households,
        is_member=True,
    ).filter(Q(schooling__startswith="中职") | Q(schooling__startswith="高职"))
    out = []
    flagged: set[int] = set()
    for pk, household_id, name, schooling in students.values_list(
        "pk", "household_id", "name", "schooling"
    ):
        if pk in helped_people:
            continue
        flagged.add(household_id)
        out.append(
            _finding(
                household_id,
                pk,
                f"student:{year}",
                f"{name}为{schooling}学生，该户为脱贫户或未消除风险监测户，{year}年没有雨露计划"
                "或教育资助记录（应享未享）",
                year=year,
            )
        )
    for pk in households.with_risk("因学").values_list("pk", flat=True):
        if pk in helped_households or pk in flagged:
            continue
        out.append(
            _finding(
                pk,
                None,
                f"因学:{year}",
                f"该户风险类型含因学，{year}年成员没有雨露计划或教育资助记录（应享未享）",
                year=year,
            )
        )
    return out


@check(
    "B05",
    "C/D级危房未落实危房改造或住房保障措施",
    "red",
    description=(
        "住建部门最近一次鉴定为C级或D级危房、或集中排查答为危房的户，没有当年或以后的危房改造"
        "记录，也没有住房安全保障或搬迁类帮扶措施（计划、实施中或已完成）。"
    ),
)
def unsafe_house_without_renovation(region: Any) -> list[dict]:
    """A household whose house the 住建 batches last appraised at C or D, or whose screening
    answered it is a 危房, with no 危房改造 record of that year or later and no 住房安全保障 /
    搬迁 measure (planned, ongoing or done)."""
    found: dict[int, tuple[str, dt.date | None]] = {}
    if hooks.provided("exchange.unsafe_houses"):
        for h in hooks.call("exchange.unsafe_houses", region):
            found[h["household_id"]] = (f"住建鉴定为{h['grade']}级危房", h["assessed_date"])
    if hooks.provided("assistance.unsafe_house_answers"):
        for household_id, day in hooks.call("assistance.unsafe_house_answers", region).items():
            found.setdefault(household_id, ("集中排查反映住房为C级或D级危房", day))
    if not found:
        return []
    renovated: dict[int, int] = defaultdict(int)
    for household_id, year in HousingRenovationRow.objects.filter(
        household_id__in=list(found)
    ).values_list("household_id", "year"):
        renovated[household_id] = max(renovated[household_id], year)
    measured: set[int] = set()
    if hooks.provided("assistance.live_measures"):
        measured = set(
            hooks.call("assistance.live_measures")
            .filter(household_id__in=list(found), category__in=HOUSING_MEASURES)
            .values_list("household_id", flat=True)
        )
    out = []
    for household_id, (what, day) in sorted(found.items()):
        since = day.year if day else 0
        if household_id in measured or renovated.get(household_id, -1) >= since:
            continue
        when = f"（{day:%Y-%m-%d}）" if day else ""
        out.append(
            _finding(
                household_id,
                None,
                "危房",
                f"{what}{when}，没有危房改造记录，也没有住房安全保障措施",
                since=f"{day:%Y-%m-%d}" if day else "",
            )
        )
    return out
