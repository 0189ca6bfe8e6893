"""A report period without 务工, 补贴 or 奖补 rows says so (seed 000's figures:
stats/tests/test_report_seed000.py, on the rows of employment/tests/seed000.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def test_a_report_without_rows_says_so(regions: dict[str, Any]) -> None:
    from employment.reporting import report_sections

    found = report_sections(regions["town"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert found == {
        "work:employment": ["务工监测（一月一报）：本期没有务工监测记录。"],
        "work:labour_subsidy": ["务工补贴：本期没有发放记录。"],
        "work:industry_aid": ["产业奖补：本期没有发放记录。"],
        "work:three_aid": [],
    }


def test_the_report_tells_the_periods_last_month_by_the_status_at_the_periods_end(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Any, monkeypatch: Any
) -> None:
    """外出务工 (省外 + 县外省内) of the period's last month, 脱贫户 / 监测户 as the households
    were at the period's end (formats.md §8): a household identified in May is not a 监测户 in
    the first quarter's report; a quarter after the last month reported has no figure."""
    from core import pipeline
    from employment.layouts import EMPLOYMENT
    from employment.reporting import report_sections
    from fangpin.testing import make_household, write_sheet
    from registry import services

    monkeypatch.setattr(services, "today", lambda: dt.date(2024, 1, 1))
    poor = make_household(regions["village"], members=1, is_alleviated=True, alleviated_year=2016)
    later = make_household(regions["village"], members=1)
    monkeypatch.setattr(services, "today", lambda: dt.date(2024, 5, 1))
    services.update_household(
        source="导入",
        actor=None,
        household=later,
        category="边缘易致贫户",
        identified_date=dt.date(2024, 5, 1),
        risk_list=["因病"],
    )
    rows = []
    for household, place in ((poor, "省外务工"), (later, "县外省内务工")):
        person = household.persons.get()
        for month in ("2024-02", "2024-03", "2024-05", "2024-06"):
            rows.append(
                {
                    "证件号码": person.id_number,
                    "姓名": person.name,
                    "月份": month,
                    "务工状况": place,
                    "就业形式": "企业务工",
                }
            )
    path = write_sheet(tmp_path / "e.xlsx", EMPLOYMENT.headers, rows)
    assert pipeline.run("employment", path, actor=users["county_admin"])["status"] == "imported"

    def told(start: dt.date, end: dt.date) -> str:
        text: str = report_sections(regions["town"], start, end)["work:employment"][0]
        return text

    q1 = told(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert "截至2024年3月，脱贫人口（含监测人口）外出务工共1人，其中脱贫人口1人，监测人口0人" in q1
    assert "另有一般农户1人" in q1
    q2 = told(dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert "截至2024年6月，脱贫人口（含监测人口）外出务工共2人，其中脱贫人口1人，监测人口1人" in q2
    assert "较上月新外出0人，回流0人" in q2
    april = told(dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    assert april == "务工监测（一月一报）：本期没有务工监测记录。"
    q3 = told(dt.date(2024, 7, 1), dt.date(2024, 9, 30))
    assert q3 == "务工监测（一月一报）：本期没有务工监测记录。"


def test_subsidies_and_aid_of_part_of_a_year_are_those_paid_in_it(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Any
) -> None:
    """务工补贴 and 产业奖补 are kept by 年度; a report of part of the year counts what was paid
    (发放日期) in it, the year's report every row of the 年度."""
    from core import pipeline
    from employment.layouts import INDUSTRY_AID, LABOUR_SUBSIDY
    from employment.reporting import report_sections
    from fangpin.testing import make_household, write_sheet

    households = [make_household(regions["village"], members=1) for _ in range(3)]
    people = [h.persons.get() for h in households]
    subsidies = [
        {
            "证件号码": p.id_number,
            "姓名": p.name,
            "年度": "2024",
            "补贴类型": "一次性交通补贴",
            "金额": "500",
            "发放日期": day,
        }
        for p, day in zip(people, ("2024-03-10", "2024-10-10", ""), strict=True)
    ]
    aid = [
        {
            "户编号": h.number,
            "户主姓名": h.head_name,
            "年度": "2024",
            "奖补项目": "三业奖补",
            "金额": "1000",
            "发放日期": day,
        }
        for h, day in zip(households, ("2024-02-01", "2024-08-01", "2024-09-01"), strict=True)
    ]
    for kind, layout, rows in (
        ("labour_subsidy", LABOUR_SUBSIDY, subsidies),
        ("industry_aid", INDUSTRY_AID, aid),
    ):
        path = write_sheet(tmp_path / f"{kind}.xlsx", layout.headers, rows)
        assert pipeline.run(kind, path, actor=users["county_admin"])["status"] == "imported"

    def told(start: dt.date, end: dt.date) -> list[str]:
        found = report_sections(regions["town"], start, end)
        return [
            *found["work:labour_subsidy"],
            *found["work:industry_aid"],
            *found["work:three_aid"],
        ]

    year = told(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert year[0].startswith("落实务工补贴3人1500元")
    # Only 三业奖补 in the year: 到户产业奖补 says it has none rather than keeping silent.
    assert year[1] == "到户产业奖补：本期没有发放记录。"
    assert "帮助3户申报发放“三业奖补”，共3000元" in year[2]
    q1 = told(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert q1[0].startswith("落实务工补贴1人500元")
    assert "帮助1户申报发放“三业奖补”，共1000元" in q1[2]
    h2 = told(dt.date(2024, 7, 1), dt.date(2024, 12, 31))
    assert h2[0].startswith("落实务工补贴1人500元")
    assert "帮助2户申报发放“三业奖补”，共2000元" in h2[2]
    may = told(dt.date(2024, 5, 1), dt.date(2024, 5, 31))
    assert may == ["务工补贴：本期没有发放记录。", "产业奖补：本期没有发放记录。"]
    # This year's report drafted in June: what was paid so far, and the rows without a date.
    from unittest.mock import patch

    with patch("ledgers.figures.today", return_value=dt.date(2024, 6, 15)):
        so_far = told(dt.date(2024, 1, 1), dt.date(2024, 6, 15))
    assert so_far[0].startswith("落实务工补贴2人1000元")
