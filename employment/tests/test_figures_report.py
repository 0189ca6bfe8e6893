"""Seed 000's 就业帮扶 and 产业帮扶 figures from data built for them, in `fangpin ledger stats`
and in the drafted report: 外出务工共355人（脱贫人口335人，监测人口20人） in 2023-12,
一次性交通补贴38人, “三业奖补”每户1000元帮助250户, 到户产业奖补21户32340元."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from docx import Document

from employment.models import EmploymentRow, IndustryAidRow, LabourSubsidyRow
from fangpin.testing import run_command
from registry.models import Household, Person
from stats.report import render
from stats.tests import seed000


def _people(first: int, last: int) -> list[Person]:
    """The members of seed 000's households number `first`…`last - 1` (built in order: 429
    稳定脱贫户, then the 33 not-eliminated 监测户)."""
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


def build() -> dict[str, Any]:
    place = seed000.build()
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
    return place


def test_seed_000s_work_figures_in_ledger_stats_and_the_drafted_report(db: Any) -> None:
    place = build()
    code, result, _ = run_command(
        "ledger", "stats", "--region", "大冶市/金山店镇", "--year", "2023"
    )
    assert code == 0, result
    ledgers = result["ledgers"]
    employment = ledgers["employment"]
    december = employment["work"]["2023-12"]
    assert december["外出务工"] == {"persons": 355, "脱贫户": 335, "监测户": 20, "一般农户": 0}
    assert (december["县内务工"]["persons"], december["未务工"]["persons"]) == (12, 8)
    by_month = employment["by_month"]["2023-12"]
    assert by_month["省外务工"]["persons"] + by_month["县外省内务工"]["persons"] == 355
    assert by_month["县外省内务工"]["by_status"]["监测户"]["persons"] == 10
    assert employment["by"]["月份"]["2023-12"]["persons"] == 375
    # 2023-12 against 2023-11: 5 + 20 out now who were not, 4 back in the county (not the 3
    # out in November who are not reported in December).
    assert employment["changes"] == {"2023-12": {"回流": 4, "新外出": 5 + 20}}
    subsidy = ledgers["labour_subsidy"]
    assert subsidy["by"]["补贴类型"]["一次性交通补贴"]["persons"] == 38
    aid = ledgers["industry_aid"]["by"]["奖补项目"]
    assert (aid["三业奖补"]["households"], aid["三业奖补"]["amount"]) == (250, "250000.00")
    assert (aid["到户产业奖补"]["households"], aid["到户产业奖补"]["amount"]) == (21, "32340.00")

    text = "\n".join(
        p.text
        for p in Document(io.BytesIO(render(place["town"], 2023, dt.date(2024, 1, 5)))).paragraphs
    )
    assert "外出务工共355人，其中脱贫人口335人，监测人口20人" in text
    assert "县内务工12人，未务工8人；较上月新外出25人，回流4人" in text
    assert "帮助38名务工人员申报发放一次性交通补贴" in text
    assert "每户落实1000元奖补，帮助250户申报发放“三业奖补”" in text
    assert "为21户申报到户产业帮扶奖补资金，兑现到户产业帮扶奖补资金32340元" in text


def test_a_report_without_rows_says_so(regions: dict[str, Any]) -> None:
    from employment.reporting import report_sections

    found = report_sections(regions["town"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert found["work"] == [
        "务工监测（一月一报）：本期没有务工监测记录。",
        "务工补贴：本期没有发放记录。",
        "产业奖补：本期没有发放记录。",
    ]
