"""Bad input through `fangpin ledger import` as a user runs it (formats.md §6): each fault is an
error naming its row and column, the file is rejected and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from benefits.layouts import EDUCATION_AID, YULU
from benefits.models import YuluRow
from fangpin.testing import run_command, write_sheet


def yulu_row(person: Any, **cells: Any) -> dict[str, Any]:
    return {
        "证件号码": person.id_number,
        "姓名": person.name,
        "年度": "2024",
        "学期": "春季",
        "学历层次": "中职",
        "补助金额": "1500",
        "发放日期": "2024-04-10",
    } | cells


@pytest.fixture
def person(household: Any) -> Any:
    return household.persons.order_by("pk").first()


def rejected(path: Path, kind: str = "yulu") -> list[tuple[Any, str, str]]:
    code, result, _ = run_command("ledger", "import", kind, str(path))
    assert (code, result["status"]) == (1, "rejected"), result
    return [(e["row"], e["column"], e["message"]) for e in result["errors"]]


def test_another_ledgers_file_is_refused_not_imported_without_its_columns(
    person: Any, tmp_path: Path
) -> None:
    # 教育资助's file holds every column 雨露计划 requires; its 资助项目 and 金额 would be lost.
    cells = {"证件号码": person.id_number, "姓名": person.name, "年度": "2024", "学期": "春季"}
    cells |= {"学段": "高中", "资助项目": "国家助学金", "金额": "1000", "发放日期": "2024-04-10"}
    path = write_sheet(tmp_path / "教育资助.xlsx", EDUCATION_AID.headers, [cells])
    assert rejected(path) == [
        (
            1,
            "",
            "这是教育资助的文件（表头含“资助项目”），不是雨露计划的；"
            "请选择“教育资助”导入，或使用雨露计划模板",
        )
    ]
    assert not YuluRow.objects.exists()
    # Its own ledger takes it; a 雨露计划 file with a column of its own besides is still one.
    assert run_command("ledger", "import", "education_aid", str(path), "--dry-run")[0] == 0
    extra = write_sheet(tmp_path / "y.xlsx", [*YULU.headers, "备注"], [yulu_row(person)])
    assert run_command("ledger", "import", "yulu", str(extra), "--dry-run")[0] == 0


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        # Thousands separators every three digits only: 1,5 is not fifteen.
        ({"补助金额": "1,5"}, "补助金额", "“1,5”的千位分隔符位置不对（应每三位一个，如12,345.67）"),
        ({"补助金额": "1e3"}, "补助金额", "“1e3”不是数字"),
        # A date followed by anything but a time is not that date.
        (
            {"发放日期": "2024-04-10 未发"},
            "发放日期",
            "“2024-04-10 未发”不是有效日期（应为YYYY-MM-DD、YYYY-MM、YYYYMM或Excel日期）",
        ),
    ],
)
def test_a_bad_cell_is_named_at_its_row_and_column(
    person: Any, tmp_path: Path, cells: dict[str, Any], column: str, message: str
) -> None:
    rows = [yulu_row(person), yulu_row(person, 学期="秋季", **cells)]
    path = write_sheet(tmp_path / "yulu.xlsx", YULU.headers, rows)
    assert rejected(path) == [(3, column, message)]
    assert not YuluRow.objects.exists()


def test_a_date_outside_1900_to_2100_is_refused(person: Any, tmp_path: Path) -> None:
    """公益性岗位's 聘用开始日期 has no rule of its own: a slip (0024, 2204, serial 1) was kept."""
    from livelihood.layouts import POSTS
    from livelihood.models import PostRow

    def post(start: Any, end: Any = "") -> dict[str, Any]:
        return {"证件号码": person.id_number, "姓名": person.name, "岗位名称": "保洁员"} | {
            "岗位类别": "乡村公益性岗位",
            "聘用开始日期": start,
            "聘用结束日期": end,
        }

    rows = [
        post("2024-01-01 00:00:00"),
        post("0024-03-01"),
        post(1),
        post("2024-02-01", "2204-12-31"),
    ]
    path = write_sheet(tmp_path / "posts.xlsx", POSTS.headers, rows)
    assert rejected(path, "posts") == [
        (3, "聘用开始日期", "“0024-03-01”不是有效日期（年份应在1900—2100之间）"),
        (4, "聘用开始日期", "“1”不是有效日期（读作1899-12-31，年份应在1900—2100之间）"),
        (5, "聘用结束日期", "“2204-12-31”不是有效日期（年份应在1900—2100之间）"),
    ]
    assert not PostRow.objects.exists()


def test_a_whole_number_a_program_wrote_as_76_0_reads_as_76(regions: Any, tmp_path: Path) -> None:
    """A CSV written by a program from a column of numbers with blanks in it (pandas) writes
    76.0, as 年度 already reads 2024.0; 7.5 and 1,0 are still refused."""
    from duty.layouts import INSPECTIONS
    from duty.models import Inspection

    def meeting(day: str, found: str) -> dict[str, Any]:
        return {"日期": day, "乡镇": "金山店镇", "行政村": "朝阳村", "类型": "例会"} | {
            "组织单位": "镇党委",
            "发现问题数": found,
        }

    rows = [meeting("2024-03-01", "76.0"), meeting("2024-03-02", "7.5")]
    rows.append(meeting("2024-03-03", "1,0"))
    path = write_sheet(tmp_path / "inspections.csv", INSPECTIONS.headers, rows)
    assert rejected(path, "inspections") == [
        (3, "发现问题数", "“7.5”应为整数"),
        (4, "发现问题数", "“1,0”的千位分隔符位置不对（应每三位一个，如12,345.67）"),
    ]
    path = write_sheet(tmp_path / "inspections.csv", INSPECTIONS.headers, rows[:1])
    code, result, _ = run_command("ledger", "import", "inspections", str(path))
    assert (code, result["created"]) == (0, 1), result
    assert Inspection.objects.get().problems_found == 76


def test_a_workbook_whose_first_sheet_is_not_the_data_says_which_sheet_it_read(
    person: Any, tmp_path: Path
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    notes.title, notes.sheet_state = "代码表", "hidden"
    notes.append(["学期", "春季", "秋季"])
    data = book.create_sheet("雨露计划")
    data.append(YULU.headers)
    data.append([yulu_row(person).get(h, "") for h in YULU.headers])
    book.save(tmp_path / "yulu.xlsx")
    assert rejected(tmp_path / "yulu.xlsx") == [
        (
            None,
            "",
            "第一个工作表“代码表”（隐藏的工作表）的前10行中没有找到含“证件号码”的表头行；"
            "导入只读取第一个工作表，请把数据所在的工作表移到最前面，或使用标准模板",
        )
    ]


def test_a_key_number_excel_cut_to_15_digits_is_refused(person: Any, tmp_path: Path) -> None:
    """合同编号 typed as a number: Excel keeps 15 digits and zeroes the rest (6228480012345678 is
    saved as 6228480012345670); they were stored as such, or as 1.2345678901234567e+19."""
    from livelihood.layouts import LOANS
    from livelihood.models import LoanRow

    def loan(number: Any) -> dict[str, Any]:
        return {"证件号码": person.id_number, "姓名": person.name, "合同编号": number}

    rows = [loan(123456789012345.0), loan(6228480012345670.0), loan(12345678901234567890.0)]
    path = write_sheet(tmp_path / "loans.xlsx", LOANS.headers, rows)
    errors = rejected(path, "loans")
    assert [(row, column) for row, column, _ in errors] == [(3, "合同编号"), (4, "合同编号")]
    assert errors[0][2].startswith("该值被Excel存成了数字（6.22848001234567E+15），只保留了15位")
    assert not LoanRow.objects.exists()
    path = write_sheet(tmp_path / "one.xlsx", LOANS.headers, rows[:1])
    assert run_command("ledger", "import", "loans", str(path))[0] == 0
    assert LoanRow.objects.get().contract_no == "123456789012345"


def test_a_month_not_begun_is_refused_in_the_monthly_employment_report(
    person: Any, tmp_path: Path, client_for: Any
) -> None:
    """务工监测 is 一月一报: a month after this one cannot have been reported (as a 发放日期 after
    today is refused); this month is."""
    from django.urls import reverse

    from employment.layouts import EMPLOYMENT
    from employment.models import EmploymentRow

    def month(value: str) -> dict[str, Any]:
        return {"证件号码": person.id_number, "姓名": person.name, "月份": value} | {
            "务工状况": "省外务工"
        }

    rows = [month("2026-12"), month("2027-05"), month("202701")]
    path = write_sheet(tmp_path / "employment.xlsx", EMPLOYMENT.headers, rows)
    with patch("core.dates.today", return_value=dt.date(2026, 12, 7)):
        code, result, _ = run_command("ledger", "import", "employment", str(path))
        assert (code, result["status"]) == (1, "rejected"), result
        assert [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]] == [
            (3, "月份", "2027-05", "月份2027-05晚于本月（2026-12）"),
            (4, "月份", "202701", "月份2027-01晚于本月（2026-12）"),
        ]
        assert not EmploymentRow.objects.exists()
        path = write_sheet(tmp_path / "employment.xlsx", EMPLOYMENT.headers, rows[:1])
        assert run_command("ledger", "import", "employment", str(path))[0] == 0
        # By hand too, as an imported row.
        data = {"id_number": person.id_number, "name": person.name, "month": "2027-05"}
        page = client_for("town_staff").post(reverse("ledgers:new", args=["employment"]), data)
        assert "月份2027-05晚于本月（2026-12）" in page.content.decode()
    assert list(EmploymentRow.objects.values_list("month", flat=True)) == ["2026-12"]
