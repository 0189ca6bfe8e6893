"""Figures from data built for them: seed 004's 产业 share (77 projects, 55.5%) in the ledger stats
and the report's sentences; a year without projects (seed 000's projects:
stats/tests/test_report_seed000.py, on the rows of projects/tests/seed000.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fangpin.testing import run_command
from projects import reporting
from projects.tests.helpers import asset, load, project
from projects.tests.seed000 import ZERO


def test_seed004_the_industry_share_of_77_approved_projects_is_55_5_percent(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    # 77 projects of 2022 with 10,000,000 yuan; 产业发展 5,550,000 of it.
    rows = [
        project(f"A{i:02d}", 年度=2022, 中央衔接资金=150000, **ZERO) for i in range(37)
    ]  # 5,550,000
    rows += [
        project(f"B{i:02d}", 年度=2022, 项目类别="乡村建设", 中央衔接资金=111250, **ZERO)
        for i in range(40)
    ]  # 4,450,000
    assert load("projects", rows, tmp_path, users["county_admin"])["status"] == "imported"
    _, stats, _ = run_command("ledger", "stats", "--region", "大冶市", "--year", "2022")
    industry = stats["ledgers"]["projects"]["industry"]
    assert (industry["projects"], industry["funds"], industry["share"]) == (
        77,
        "10000000.00",
        "55.5",
    )
    text = reporting.report_sections(regions["county"], dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    assert (
        "全年实施衔接资金项目77个，均为第一批项目（朝阳村），下达资金1000万元，"
        "产业发展项目资金占比55.5%"
    ) in text["work"][0]
    # A quarter's report does not call the year's plan 全年 of the quarter.
    q2 = reporting.report_sections(regions["county"], dt.date(2022, 4, 1), dt.date(2022, 6, 30))
    assert "2022年实施衔接资金项目77个" in q2["work"][0] and "全年" not in q2["work"][0]


def test_a_year_without_projects_says_so_and_assets_are_counted(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    text = reporting.report_sections(regions["county"], dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert text["work"] == ["衔接资金项目：2021年没有衔接资金项目记录。"]
    load(
        "assets",
        [asset("ZC1", 收益年度=2024), asset("ZC2", 资产类别="公益性", 收益年度="", 年度收益="")],
        tmp_path,
        users["county_admin"],
    )
    text = reporting.report_sections(regions["county"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert text["work"][1] == (
        "帮扶项目资产：登记资产2项、原值160万元，其中经营性1项、公益性1项、到户类0项；已确权2项；"
        "2024年资产收益4万元。"
    )


def test_the_ledger_stats_page_shows_the_industry_projects(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    rows = [project("CY1", 年度=2023, 中央衔接资金=3577000, **ZERO)]
    load("projects", rows, tmp_path, users["county_admin"])
    page = client_for("county_admin").get("/ledgers/projects/stats/?year=2023")
    assert "其中产业发展项目1个，资金3577000.00元，占全部项目资金的100.0%" in page.content.decode()
