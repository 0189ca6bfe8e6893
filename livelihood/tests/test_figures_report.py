"""Seed 000's figures from data built for them, through `fangpin ledger stats` and in the drafted
report: "通过银行已办理贷款31户", "光伏电站每年收益分配16万元，用于三个脱贫村15人光伏公益性岗位工资
11.6万元，投入小型公益性事业4.4万元"."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document

from fangpin.testing import make_household, run_command
from livelihood.reporting import wan
from livelihood.tests.helpers import load, loan, post, pv
from stats.report import render


def _report_text(region: Any, year: int) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(render(region, year))).paragraphs)


def test_seed000_loans_pv_income_and_posts_in_the_stats_and_the_report(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Path
) -> None:
    admin = users["county_admin"]
    villages = [regions["village"], regions["village2"], regions["other_village"]]
    people = [
        make_household(villages[i % 3], members=1, is_alleviated=True).persons.first()
        for i in range(31)
    ]
    load(
        "loans",
        [
            loan(p, 放款日期="2023-04-01", 到期日期="2026-04-01", 合同编号=f"2023-{i:03d}")
            for i, p in enumerate(people)
        ]
        + [loan(people[0], 放款日期="2022-04-01", 合同编号="2022-001")],  # another year
        tmp_path,
        admin,
    )
    load(
        "posts",
        [post(p, 聘用开始日期="2023-01-01", 聘用结束日期="2023-12-31") for p in people[:15]]
        + [
            post(
                people[20],
                资金来源="衔接资金",
                岗位类别="乡村公益性岗位",
                聘用开始日期="2023-06-01",
                聘用结束日期="2024-05-31",
            )
        ],
        tmp_path,
        admin,
    )
    load(
        "pv_income",
        [
            pv(
                年度="2023",
                发电收益="60000",
                公益岗位支出="40000",
                公益事业支出="20000",
                运维费用="",
                奖励补助支出="",
                公示日期="2023-12-20",
            ),
            pv(
                行政村="仕秦村",
                电站名称="仕秦村电站",
                年度="2023",
                发电收益="50000",
                公益岗位支出="38000",
                公益事业支出="12000",
                运维费用="",
                奖励补助支出="",
                公示日期="2023-12-20",
            ),
            pv(
                乡镇="还地桥镇",
                行政村="白羊村",
                电站名称="白羊村电站",
                年度="2023",
                发电收益="50000",
                公益岗位支出="38000",
                公益事业支出="12000",
                运维费用="",
                奖励补助支出="",
                公示日期="2023-12-20",
            ),
        ],
        tmp_path,
        admin,
    )
    code, result, _ = run_command("ledger", "stats", "--region", "大冶市", "--year", "2023")
    assert code == 0
    loans = result["ledgers"]["loans"]
    assert (loans["rows"], loans["households"], loans["amount"]) == (31, 31, "1550000.00")
    assert loans["by"]["使用方式"]["户贷户用"]["households"] == 31
    income = result["ledgers"]["pv_income"]
    assert income["amount"] == income["sums"]["发电收益"] == "160000.00"
    assert income["sums"]["公益岗位支出"] == "116000.00"
    assert income["sums"]["公益事业支出"] == "44000.00"
    assert (income["villages"], income["post_persons"]) == (3, 15)
    posts = result["ledgers"]["posts"]
    assert posts["by"]["资金来源"]["光伏收益"]["persons"] == 15
    assert posts["pv_posts"] == {"rows": 15, "persons": 15}
    text = _report_text(regions["county"], 2023)
    assert "小额信贷：通过银行已办理贷款31户，贷款金额155万元，贴息5.35万元。" in text
    assert (
        "光伏收益分配：光伏电站2023年收益分配16万元，用于3个村15人光伏公益性岗位工资11.6万元，"
        "投入小型公益性事业4.4万元。"
    ) in text
    assert "公益性岗位：全年聘用16人，期末在岗16人，其中光伏收益岗位15人。" in text


def test_a_ledger_without_rows_says_so_in_the_report(regions: dict[str, Any]) -> None:
    text = _report_text(regions["county"], 2023)
    assert "小额信贷：本期没有放款记录。" in text
    assert "光伏收益分配：本期没有光伏收益分配记录。" in text
    assert "公益性岗位：本期没有公益性岗位聘用记录。" in text


def test_amounts_are_written_in_wan_from_ten_thousand_up() -> None:
    assert [wan(v) for v in ("160000", "116000.00", "44000", "9500.50", "100000", 0)] == [
        "16万元",
        "11.6万元",
        "4.4万元",
        "9500.5元",
        "10万元",
        "0元",
    ]
