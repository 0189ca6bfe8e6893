"""Figures from data built for them: seed 004's 产业 share (77 projects, 55.5%) in the ledger stats
and the report's sentences; a year without projects (seed 000's projects:
stats/tests/test_report_seed000.py, on the rows of projects/tests/seed000.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fangpin.testing import run_command
from projects import figures, reporting
from projects.tests.helpers import asset, load, payment, project
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
    ) in text["work:projects"][0]
    # A quarter's report does not call the year's plan 全年 of the quarter.
    q2 = reporting.report_sections(regions["county"], dt.date(2022, 4, 1), dt.date(2022, 6, 30))
    said = q2["work:projects"][0]
    assert "2022年实施衔接资金项目77个" in said and "全年" not in said


def test_a_year_without_projects_says_so_and_assets_are_counted(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    text = reporting.report_sections(regions["county"], dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert text["work:projects"] == ["衔接资金项目：2021年没有衔接资金项目记录。"]
    load(
        "assets",
        [asset("ZC1", 收益年度=2024), asset("ZC2", 资产类别="公益性", 收益年度="", 年度收益="")],
        tmp_path,
        users["county_admin"],
    )
    text = reporting.report_sections(regions["county"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert text["work:projects"][1] == (
        "帮扶项目资产：登记资产2项、原值160万元，其中经营性1项、公益性1项、到户类0项；已确权2项；"
        "2024年资产收益4万元。"
    )
    # A year no asset has its 收益 recorded for says so rather than 0万元.
    text = reporting.report_sections(regions["county"], dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert text["work:projects"][1].endswith("已确权2项；2023年尚未登记资产收益。")


def test_the_ledger_stats_page_shows_the_industry_projects(
    users: dict[str, Any], client_for: Any, tmp_path: Path
) -> None:
    rows = [project("CY1", 年度=2023, 中央衔接资金=3577000, **ZERO)]
    load("projects", rows, tmp_path, users["county_admin"])
    page = client_for("county_admin").get("/ledgers/projects/stats/?year=2023")
    assert "其中产业发展项目1个，资金3577000.00元，占全部项目资金的100.0%" in page.content.decode()


def test_the_report_counts_started_projects_and_payments_as_the_progress_figures_do(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    """One definition (`figures.progress`): a finished or accepted project has started though
    its 实际开工日期 is blank; what was paid comes from the payments, else from a project's own
    已支付金额, and a year with neither says so instead of 0."""
    admin = users["county_admin"]
    not_started = {
        "实际开工日期": "",
        "实际完工日期": "",
        "验收日期": "",
        "项目状态": "未开工",
        "结算金额": "",
        "质保金": "",
    }
    rows = [
        project("KG1", 已支付金额=1000000),  # started 03-05, finished 09-20, accepted 10-15
        project("KG2", 实际开工日期="", 已支付金额=500000),  # accepted; its start not dated
        project("KG3", **not_started),
        project("KG4", 年度=2023, **not_started),
    ]
    assert load("projects", rows, tmp_path, admin)["status"] == "imported"
    county = regions["county"]
    year = reporting.report_sections(county, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert (
        "已开工2个、完工2个、验收2个，累计支付150万元（据项目台账已支付金额），支出进度50.0%。"
    ) in year["work:projects"][0]
    # The first quarter: KG1 started on 03-05, KG2 by its status; neither finished by 03-31.
    q1 = reporting.report_sections(county, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert "已开工2个、完工0个、验收0个" in q1["work:projects"][0]

    # A payment row makes KG1's paid the payments' (to the period's end); KG2 keeps its own.
    pay = [payment("KG1", "V1", 300000, 支付日期="2024-06-10")]
    assert load("project_payments", pay, tmp_path, admin, "p.xlsx")["status"] == "imported"
    year = reporting.report_sections(county, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    said = year["work:projects"][0]
    assert "累计支付80万元（其中50万元据项目台账已支付金额），支出进度26.7%。" in said
    total = figures.progress(county, 2024, dt.date(2024, 12, 31), figures.parameters(2024))
    t = total["total"]
    assert (t["started"], t["finished"], t["accepted"], t["paid"]) == (2, 2, 2, 800000)
    q1 = reporting.report_sections(county, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert "累计支付50万元（据项目台账已支付金额），支出进度16.7%。" in q1["work:projects"][0]

    # 2023's only project has no payment and no 已支付金额: no figure is invented.
    old = reporting.report_sections(county, dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert "已开工0个、完工0个、验收0个，暂无资金支付数据。" in old["work:projects"][0]
    assert "累计支付" not in old["work:projects"][0]


def test_a_batch_typed_as_a_number_reads_as_第n批(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    """Seed 000 writes "第四批三个项目"; a 批次 typed as 4 no longer gives "均为4项目"."""
    rows = [project("PC1", 批次="4"), project("PC2", 批次="4"), project("PC3", 批次="12")]
    assert load("projects", rows, tmp_path, users["county_admin"])["status"] == "imported"
    text = reporting.report_sections(regions["county"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert (
        "实施衔接资金项目3个，其中第四批两个项目（朝阳村），第12批一个项目（朝阳村）"
        in (text["work:projects"][0])
    )


def test_the_report_counts_a_terminated_project_as_the_ledger_figures_do_and_says_so(
    users: dict[str, Any], tmp_path: Path
) -> None:
    """formats.md §8: the report's count and funds are §7's (every project of the year, 已终止
    too); the terminated one is named in the sentence rather than silently left out."""
    import docx

    stopped = {"项目类别": "乡村建设", "中央衔接资金": 300000, **ZERO, "项目状态": "已终止"}
    stopped |= {
        "实际开工日期": "",
        "实际完工日期": "",
        "验收日期": "",
        "结算金额": "",
        "质保金": "",
    }
    rows = [project("ZZ1"), project("ZZ2", **stopped)]
    assert load("projects", rows, tmp_path, users["county_admin"])["status"] == "imported"
    _, stats, _ = run_command("ledger", "stats", "--region", "大冶市", "--year", "2024")
    ledger = stats["ledgers"]["projects"]
    assert (ledger["rows"], ledger["amount"], ledger["industry"]["share"]) == (
        2,
        "1300000.00",
        "76.9",
    )
    out = tmp_path / "汇报.docx"
    code, result, _ = run_command(
        "report", "work-summary", "--region", "大冶市", "--year", "2024", "--out", str(out)
    )
    assert (code, result["status"]) == (0, "written"), result
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert (
        "全年实施衔接资金项目2个（其中已终止1个，资金30万元），均为第一批项目（朝阳村），"
        "下达资金130万元，产业发展项目资金占比76.9%。"
    ) in text


def test_shares_and_amounts_are_rounded_half_up(
    users: dict[str, Any], regions: dict[str, Any], tmp_path: Path
) -> None:
    """四舍五入, as a county office rounds: 6.25% is 6.3% and 1.225万元 is 1.23万元 (it was
    rounded to the even digit: 6.2%, 1.22万元)."""
    rows = [
        project("R1", 年度=2022, 中央衔接资金=12250, **ZERO),
        project("R2", 年度=2022, 项目类别="乡村建设", 中央衔接资金=183750, **ZERO),
    ]
    assert load("projects", rows, tmp_path, users["county_admin"])["status"] == "imported"
    _, stats, _ = run_command("ledger", "stats", "--region", "大冶市", "--year", "2022")
    assert stats["ledgers"]["projects"]["industry"]["share"] == "6.3"
    text = reporting.report_sections(regions["county"], dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    said = text["work:projects"][0]
    assert "2022年申报实施产业项目1个，投入资金1.23万元。" in said
    assert "下达资金19.6万元，产业发展项目资金占比6.3%。" in said
