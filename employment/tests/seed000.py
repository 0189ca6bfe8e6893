"""Seed 000's 就业帮扶 and 产业奖补 as data on the register of stats/tests/seed000.py:
外出务工共355人（脱贫人口335人，监测人口20人） in 2023-12 (with November to compare),
一次性交通补贴38人, “三业奖补”每户1000元帮助250户, 到户产业奖补21户32340元; another year's
payment counts in neither."""

from __future__ import annotations

from decimal import Decimal

from employment.models import EmploymentRow, IndustryAidRow, LabourSubsidyRow
from registry.models import Household, Person


def _people(first: int, last: int) -> list[Person]:
    """The members of seed 000's households number `first`…`last - 1` (built in order: 429
    稳定脱贫户, then the 32 not-eliminated 监测户)."""
    numbers = [f"42028110{i:010d}" for i in range(first, last)]
    return list(
        Person.objects.filter(household__number__in=numbers)
        .select_related("household")
        .order_by("pk")
    )


def _work(person: Person, month: str, status: str) -> EmploymentRow:
    return EmploymentRow(
        person=person,
        household=person.household,
        region_id=person.household.region_id,
        month=month,
        status=status,
        form="" if status == "未务工" else "企业务工",
    )


def build() -> None:
    alleviated, monitored = _people(0, 429), _people(429, 462)
    rows = []
    # 2023-12: 335 脱贫人口 and 20 监测人口 out (省外 + 县外省内), 12 县内, 8 未务工.
    for i, person in enumerate(alleviated[:335]):
        rows.append(_work(person, "2023-12", "省外务工" if i % 3 else "县外省内务工"))
    for i, person in enumerate(monitored[:20]):
        rows.append(_work(person, "2023-12", "省外务工" if i % 2 else "县外省内务工"))
    rows += [_work(p, "2023-12", "县内务工") for p in alleviated[335:345]]
    rows += [_work(p, "2023-12", "乡镇内务工") for p in monitored[20:22]]
    rows += [_work(p, "2023-12", "未务工") for p in alleviated[345:353]]
    # 2023-11: 330 of them already out, 4 now 县内 were out (回流), 3 out then are not reported.
    rows += [_work(p, "2023-11", "省外务工") for p in alleviated[:330]]
    rows += [_work(p, "2023-11", "县外省内务工") for p in alleviated[335:339]]
    rows += [_work(p, "2023-11", "未务工") for p in alleviated[330:333]]
    rows += [_work(p, "2023-11", "省外务工") for p in alleviated[400:403]]
    EmploymentRow.objects.bulk_create(rows)
    LabourSubsidyRow.objects.bulk_create(
        LabourSubsidyRow(
            person=p,
            household=p.household,
            region_id=p.household.region_id,
            year=2023,
            kind="一次性交通补贴",
            amount=Decimal("300"),
        )
        for p in alleviated[:30] + monitored[:8]
    )
    numbers = [f"42028110{i:010d}" for i in range(250)]
    households = list(Household.objects.filter(number__in=numbers).order_by("pk"))
    aid = [
        IndustryAidRow(
            household=h, region_id=h.region_id, year=2023, item="三业奖补", amount=Decimal(1000)
        )
        for h in households[:250]
    ]
    aid += [
        IndustryAidRow(
            household=h,
            region_id=h.region_id,
            year=2023,
            item="到户产业奖补",
            industry="种植" if i % 2 else "养殖",
            amount=Decimal(1540),
        )
        for i, h in enumerate(households[:21])
    ]
    # Another year's payment counts in neither.
    aid.append(
        IndustryAidRow(
            household=households[0], region_id=households[0].region_id, year=2022, item="三业奖补"
        )
    )
    IndustryAidRow.objects.bulk_create(aid)
