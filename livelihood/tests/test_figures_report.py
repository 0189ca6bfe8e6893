"""The report's 小额信贷, 光伏收益 and 公益性岗位 sentences without rows, and amounts in 万元 (seed
000's figures: stats/tests/test_report_seed000.py, on the rows of livelihood/tests/seed000.py)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document

from livelihood.reporting import wan
from stats.report import render


def _report_text(region: Any, year: int) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(render(region, year))).paragraphs)


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
        "9500.50元",  # 元 with its cents, as the other sections write them
        "10万元",
        "0元",
    ]
    assert wan("12250") == "1.23万元"  # rounded half up, not to the even digit (1.22)


def test_the_posts_of_the_period_are_told_with_those_on_post_at_its_end(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Any
) -> None:
    import datetime as dt

    from fangpin.testing import make_household
    from livelihood.reporting import report_sections
    from livelihood.tests.helpers import load, post

    people = [
        p for h in range(3) for p in make_household(regions["village"], members=1).persons.all()
    ]
    load(
        "posts",
        [
            post(people[0]),  # the whole of 2024
            post(
                people[1], 资金来源="衔接资金", 岗位类别="乡村公益性岗位", 聘用开始日期="2024-07-01"
            ),
            post(people[2], 状态="已退岗", 退岗日期="2024-02-15", 退岗原因="外出务工"),
        ],
        tmp_path,
        users["county_admin"],
    )

    def told(start: dt.date, end: dt.date) -> str:
        return report_sections(regions["town"], start, end)["work:posts"][0]

    year = told(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert year == "公益性岗位：全年聘用3人，期末在岗2人，其中光伏收益岗位2人。"
    q1 = told(dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert q1 == "公益性岗位：1-3月聘用2人，期末在岗1人，其中光伏收益岗位2人。"
    q3 = told(dt.date(2024, 7, 1), dt.date(2024, 9, 30))
    assert q3 == "公益性岗位：7-9月聘用2人，期末在岗2人，其中光伏收益岗位1人。"
    assert told(dt.date(2025, 1, 1), dt.date(2025, 3, 31)) == (
        "公益性岗位：本期没有公益性岗位聘用记录。"
    )


def test_a_person_on_two_posts_at_the_periods_end_is_one_on_post(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Any
) -> None:
    """期末在岗 counts persons, as 聘用 does (it counted the rows: 聘用1人，期末在岗2人)."""
    import datetime as dt

    from fangpin.testing import make_household
    from livelihood.reporting import report_sections
    from livelihood.tests.helpers import load, post

    person = make_household(regions["village"], members=1).persons.get()
    second = {"岗位名称": "护林员", "岗位类别": "生态护林员", "资金来源": "衔接资金"}
    load(
        "posts",
        [post(person), post(person, 聘用开始日期="2024-03-01", **second)],
        tmp_path,
        users["county_admin"],
    )
    told = report_sections(regions["town"], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert told["work:posts"] == ["公益性岗位：全年聘用1人，期末在岗1人，其中光伏收益岗位1人。"]


def test_the_loans_of_part_of_a_year_are_those_lent_in_it(
    regions: dict[str, Any], users: dict[str, Any], tmp_path: Any
) -> None:
    import datetime as dt

    from fangpin.testing import make_household
    from livelihood.reporting import report_sections
    from livelihood.tests.helpers import load, loan

    people = [
        make_household(
            regions["village"], members=1, is_alleviated=True, alleviated_year=2016
        ).persons.get()
        for _ in range(2)
    ]
    load(
        "loans",
        [loan(people[0]), loan(people[1], 放款日期="2024-08-01", 到期日期="2027-08-01")],
        tmp_path,
        users["county_admin"],
    )

    def told(start: dt.date, end: dt.date) -> str:
        return report_sections(regions["town"], start, end)["work:loans"][0]

    assert told(dt.date(2024, 1, 1), dt.date(2024, 12, 31)).startswith(
        "小额信贷：通过银行已办理贷款2户，贷款金额10万元"
    )
    assert told(dt.date(2024, 1, 1), dt.date(2024, 3, 31)).startswith(
        "小额信贷：通过银行已办理贷款1户，贷款金额5万元"
    )
    assert told(dt.date(2024, 4, 1), dt.date(2024, 6, 30)) == "小额信贷：本期没有放款记录。"
