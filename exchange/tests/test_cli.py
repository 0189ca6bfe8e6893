"""`fangpin compare` and `fangpin check`: JSON on the last stdout line and exit codes."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exchange.models import Batch, Item
from exchange.readers import SOURCES
from exchange.tests.conftest import member, write_file


def run(*args: str) -> tuple[dict, int]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    return json.loads(out.getvalue().strip().splitlines()[-1]), code


def test_compare_prints_the_counts_as_json(tmp_path, village_household):
    p = member(village_household)
    path = write_file(
        tmp_path,
        "civil_registry",
        [
            {"证件号码": p.id_number, "姓名": p.name, "变动类型": "死亡", "变动日期": "2026-05-01"},
            {
                "证件号码": "11010519491231002X",
                "姓名": "外县人",
                "变动类型": "死亡",
                "变动日期": "2026-05-01",
            },
            {"证件号码": "123", "姓名": "错号", "变动类型": "失踪", "变动日期": "2026-13-01"},
        ],
        encoding="gb18030",
    )
    result, code = run("compare", "civil_registry", str(path), "--as-of", "2026-06-30")
    assert code == 0
    assert {
        k: result[k]
        for k in (
            "records",
            "matched",
            "unmatched",
            "rejected_rows",
            "warnings_created",
            "findings_created",
        )
    } == {
        "records": 3,
        "matched": 1,
        "unmatched": 1,
        "rejected_rows": 1,
        "warnings_created": 1,
        "findings_created": 1,
    }
    assert result["errors"] == [
        {
            "row": 4,
            "message": "证件号码应为18位（残疾人证号为20或22位），实为3位；"
            "变动类型“失踪”不在代码表中（应为死亡/迁出/迁入/出生）；"
            "变动日期“2026-13-01”不是有效日期（应为YYYY-MM-DD、YYYY-MM、YYYYMM或Excel日期）",
        }
    ]


def test_a_batch_reads_its_rows_from_the_data_dir_it_was_restored_into(
    tmp_path, village_household, data_dir, settings
):
    """`fangpin restore` into another data dir (formats.md §3): the batch's rows file is found
    there, not in the directory it was compared in."""
    p = member(village_household)
    rows = [{"证件号码": p.id_number, "姓名": p.name, "鉴定等级": "D", "鉴定日期": "20260401"}]
    assert run("compare", "housing", str(write_file(tmp_path, "housing", rows)))[1] == 0
    moved = tmp_path / "restored"
    shutil.move(data_dir, moved)
    settings.DATA_DIR = moved

    batch = Batch.objects.get()

    assert Path(batch.rows_file).parent == moved / "exchange"
    assert stored(batch, "id_number") == {2: p.id_number}


def test_compare_rejects_a_file_missing_headers_with_exit_1(tmp_path, regions):
    path = tmp_path / "bad.csv"
    path.write_text("证件号码,姓名,金额\n110105194912310021,张三,5\n", encoding="utf-8")
    result, code = run("compare", "civil", str(path))
    assert code == 1
    assert result["errors"][0]["message"] == "缺少必需的列：救助类别、开始日期、结束日期"
    assert Batch.objects.get().status == Batch.Status.REJECTED


def test_compare_refuses_a_file_giving_a_column_twice_naming_both_positions(
    tmp_path, village_household
):
    """Which of two 证件号码 columns is the person's would be a guess: the whole file is refused
    and nothing of it is kept (it was read with the first column, the second ignored)."""
    p = member(village_household)
    path = tmp_path / "twice.csv"
    path.write_text(
        "证件号码,姓名,鉴定等级,鉴定日期,证件号码\n"
        f"{p.id_number},{p.name},C,2026-04-01,11010519491231002X\n",
        encoding="utf-8",
    )
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["status"], result["records"]) == (1, "rejected", 0)
    assert result["errors"] == [
        {"row": None, "message": "以下列重复出现：“证件号码”（第1列和第5列），请只保留一列"}
    ]
    assert Batch.objects.get().status == Batch.Status.REJECTED
    assert not Item.objects.exists()


def test_compare_refuses_an_as_of_after_today_as_wrong_usage(tmp_path, village_household):
    """Today as core.dates says (pinned here): a later 比对基准日 would compare as if it were
    that day; the command exits 2 and keeps nothing. Today itself still compares."""
    from unittest.mock import patch

    p = member(village_household)
    path = write_file(
        tmp_path,
        "housing",
        [{"证件号码": p.id_number, "姓名": p.name, "鉴定等级": "C", "鉴定日期": "2026-04-01"}],
    )
    with patch("core.dates.today", return_value=dt.date(2026, 6, 30)):
        with pytest.raises(CommandError) as info:
            call_command("compare", "housing", str(path), "--as-of", "2026-07-01")
        assert info.value.returncode == 2
        assert str(info.value) == (
            "--as-of：比对基准日2026-07-01晚于今天（2026-06-30），不能比对未来"
        )
        assert not Batch.objects.exists()
        result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["matched"]) == (0, 1)


def test_compare_with_an_unknown_source_is_a_usage_error(tmp_path, regions):
    path = tmp_path / "x.csv"
    path.write_text("a\n", encoding="utf-8")
    with pytest.raises(CommandError) as info:
        call_command("compare", "tax", str(path))
    assert info.value.returncode == 2
    assert "未知的数据来源“tax”" in str(info.value)


def test_check_prints_findings_and_counts_per_rule(village_household):
    member(village_household, health="健康", schooling="非在校生", labour_skill="无劳动力")
    result, code = run("check_data", "--region", "金山店镇")
    assert code == 0
    assert result["findings_created"] == 1 and result["findings_closed"] == 0
    assert result["counts"]["C_AGE_LABOUR"] == 1 and result["C_AGE_LABOUR"] == 1


def test_an_xlsx_file_is_read_like_a_csv(tmp_path, village_household):
    import xlsxwriter

    p = member(village_household)
    path = tmp_path / "housing.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["证件号码", "姓名", "鉴定等级", "鉴定日期"])
    sheet.write_row(1, 0, [p.id_number, p.name, "C"])
    import datetime as dt

    sheet.write_datetime(
        1, 3, dt.datetime(2026, 4, 1), book.add_format({"num_format": "yyyy-mm-dd"})
    )
    book.close()
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["matched"], result["warnings_created"]) == (0, 1, 1)


def test_fifteen_digit_numbers_with_spaces_are_converted_and_matched(tmp_path, village_household):
    import datetime as dt

    from fangpin.testing import id_number
    from registry import services as registry_services

    eighteen = id_number(dt.date(1975, 3, 4), "男")
    fifteen = eighteen[:6] + eighteen[8:17]
    registry_services.add_person(
        actor=None,
        household=village_household,
        name="老号",
        id_number=eighteen,
        relation="之子",
        sex="男",
    )
    spaced = f"{fifteen[:6]} {fifteen[6:]}"
    path = write_file(
        tmp_path,
        "housing",
        [{"证件号码": spaced, "姓名": "老号", "鉴定等级": "A", "鉴定日期": "20260401"}],
    )
    result, _ = run("compare", "housing", str(path))
    assert (result["matched"], result["unmatched"], result["rejected_rows"]) == (1, 0, 0)


# --- reading files as formats.md §1 does: line breaks, blank rows, dates, ID numbers -------------


def stored(batch: Batch, column: str) -> dict[int, object]:
    """Row number → the value kept for one column of the batch's rows (its Parquet file)."""
    import duckdb

    sql = f"SELECT row_no, {column} FROM read_parquet('{batch.rows_file}')"
    return dict(duckdb.execute(sql).fetchall())


def workbook(path, rows: list[list | None]) -> None:
    """An .xlsx whose first sheet holds `rows` from row 1; None leaves a row empty, a datetime
    is written as an Excel date with the given format's time."""

    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    day = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row or []):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            else:
                sheet.write(r, c, value)
    book.close()


def test_a_quoted_line_break_in_a_csv_cell_is_read_and_later_rows_keep_their_lines(
    tmp_path, village_household
):
    p = member(village_household, name="何七")
    path = tmp_path / "housing.csv"
    path.write_text(
        "证件号码,姓名,鉴定等级,鉴定日期\n"
        f'{p.id_number},"何\n七",C,2026-04-01\n'  # lines 2 and 3
        f"{p.id_number},何七,X,2026-04-01\n",  # line 4
        encoding="utf-8",
    )
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert code == 0
    assert (result["records"], result["matched"], result["rejected_rows"]) == (2, 1, 1)
    assert result["errors"] == [{"row": 4, "message": "鉴定等级“X”不在代码表中（应为A/B/C/D）"}]
    batch = Batch.objects.get()
    assert batch.status == Batch.Status.DONE and stored(batch, "name") == {2: "何\n七", 4: "何七"}


def test_a_line_break_in_an_xlsx_cell_is_read(tmp_path, village_household):
    p = member(village_household)
    path = tmp_path / "education.xlsx"
    headers = ["证件号码", "姓名", "学段", "年级", "学籍状态", "学校名称", "更新日期"]
    workbook(
        path,
        [
            headers,
            [p.id_number, p.name, "高中", "高三", "在读", "大冶市\n第一中学", "2026-03-01"],
            [p.id_number, p.name, "高中", "高三", "退学", "大冶市第一中学", "2026-03-01"],
        ],
    )
    result, code = run("compare", "education", str(path), "--as-of", "2026-06-30")
    assert code == 0
    assert (result["records"], result["matched"], result["rejected_rows"]) == (2, 1, 1)
    assert result["errors"][0]["row"] == 3
    assert stored(Batch.objects.get(), "school")[2] == "大冶市\n第一中学"


def test_a_row_wider_than_the_header_past_duckdbs_sample_is_read_too(tmp_path, village_household):
    p = member(village_household)
    # distinct rows: one repeating another is rejected as such
    good = "".join(f"{p.id_number},{p.name}{i},A,2026-04-01\n" for i in range(3000))
    path = tmp_path / "housing.csv"
    path.write_text(
        "证件号码,姓名,鉴定等级,鉴定日期\n"
        + good
        + f"{p.id_number},{p.name},B,2026-04-01,备注,,\n"  # line 3002
        + f"{p.id_number},{p.name},E,2026-04-01\n",  # line 3003
        encoding="utf-8",
    )
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["rejected_rows"]) == (0, 3002, 1)
    assert result["errors"] == [{"row": 3003, "message": "鉴定等级“E”不在代码表中（应为A/B/C/D）"}]


def test_a_file_that_cannot_be_read_is_rejected_in_chinese_with_exit_1(tmp_path, regions):
    path = tmp_path / "housing.csv"
    path.write_text(  # a quote opened and never closed, over a cell longer than any
        '证件号码,姓名,鉴定等级,鉴定日期\n110105194912310021,"张三,C,2026-04-01\n'
        + "x" * 200_000
        + "\n",
        encoding="utf-8",
    )
    result, code = run("compare", "housing", str(path))
    assert code == 1 and result["status"] == Batch.Status.REJECTED
    assert result["errors"] == [
        {
            "row": None,
            "message": "CSV文件格式有误（引号不配对或单元格过长），请用Excel另存为后再上传",
        }
    ]
    assert Batch.objects.get().status == Batch.Status.REJECTED


def test_dates_are_read_as_the_register_reads_them(tmp_path, village_household):

    p = member(village_household)
    path = tmp_path / "medical.xlsx"
    headers = SOURCES["medical"].headers
    row = [p.id_number, p.name, None, "普通门诊", 100, 50, 0, 0, 50]

    def on(day: object) -> list:
        return [*row[:2], day, *row[3:]]

    workbook(
        path,
        [
            headers,
            on(46266),  # an Excel serial without a date format: 2026-09-01
            on(dt.datetime(2026, 9, 2, 14, 30)),  # a date cell with a time
            on("99999"),  # a serial as text: 2173-10-13, beyond any date a cell may hold
            on("2026011"),
            [*on("202609")[:4], 200, *row[5:]],  # not row 2 again: another cost
        ],
    )
    result, code = run("compare", "medical", str(path), "--as-of", "2026-10-31")
    assert (code, result["records"], result["rejected_rows"]) == (0, 5, 2)
    assert result["errors"] == [
        {
            "row": 4,
            "message": "结算日期“99999”不是有效日期（读作2173-10-13，年份应在1900—2100之间）",
        },
        {
            "row": 5,
            "message": "结算日期“2026011”不是有效日期"
            "（应为YYYY-MM-DD、YYYY-MM、YYYYMM或Excel日期）",
        },
    ]
    assert stored(Batch.objects.get(), "settle_date") == {
        2: dt.date(2026, 9, 1),
        3: dt.date(2026, 9, 2),
        4: None,
        5: None,
        6: dt.date(2026, 9, 1),
    }


def test_blank_rows_are_skipped_and_rows_keep_the_files_numbers(tmp_path, village_household):
    p = member(village_household)
    bad = p.id_number[:17] + ("0" if p.id_number[17] != "0" else "1")
    path = tmp_path / "housing.csv"
    path.write_text(
        "证件号码,姓名,鉴定等级,鉴定日期\n"
        f"{p.id_number},{p.name},C,2026-04-01\n"
        "\n"  # line 3: an empty line
        ",,,\n"  # line 4: a row of empty cells
        f"{bad},{p.name},C,2026-04-01\n",  # line 5
        encoding="utf-8",
    )
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["matched"], result["rejected_rows"]) == (0, 2, 1, 1)
    assert [e["row"] for e in result["errors"]] == [5]
    assert result["errors"][0]["message"].startswith("证件号码校验位错误")


def test_full_width_cells_are_read_as_the_register_reads_them(tmp_path, village_household):
    """A cell typed in an input method's full-width mode (digits, letters, the ideographic
    space) means what its half-width twin means, as in the register's import (§1)."""
    p = member(village_household)
    path = tmp_path / "medical.csv"
    path.write_text(
        "证件号码,姓名,结算日期,就诊类型,医疗总费用,基本医保支付,大病保险支付,医疗救助支付,个人自付\n"
        f"{p.id_number},{p.name},２０２６－０９－０１,住院\u3000,１０，０００,６０００元,\u3000０,"
        "１０００\u3000,３０００\n"
        f"{p.id_number},{p.name},2026-09-02,急 诊,1,1,0,0,1\n",  # still not a 就诊类型
        encoding="utf-8",
    )
    result, code = run("compare", "medical", str(path), "--as-of", "2026-10-31")
    assert (code, result["records"], result["matched"], result["rejected_rows"]) == (0, 2, 1, 1)
    assert [e["row"] for e in result["errors"]] == [3]
    batch = Batch.objects.get()
    assert stored(batch, "visit_type")[2] == "住院"
    assert [stored(batch, c)[2] for c in ("total_cost", "basic_paid", "assist_paid")] == [
        Decimal("10000.00"),
        Decimal("6000.00"),
        Decimal("1000.00"),
    ]
    housing = tmp_path / "housing.csv"
    housing.write_text(
        "证件号码,姓名,鉴定等级,鉴定日期\n"
        f"{p.id_number},{p.name},Ｃ,2026-04-01\n{p.id_number},{p.name},d ,2026-04-02\n",
        encoding="utf-8",
    )
    result, code = run("compare", "housing", str(housing), "--as-of", "2026-06-30")
    assert (code, result["matched"], result["rejected_rows"]) == (0, 2, 0)
    assert list(stored(Batch.objects.latest("pk"), "grade").values()) == ["C", "D"]


def test_an_empty_xlsx_row_is_no_row(tmp_path, village_household):
    p = member(village_household)
    path = tmp_path / "housing.xlsx"
    workbook(
        path,
        [
            ["证件号码", "姓名", "鉴定等级", "鉴定日期"],
            [p.id_number, p.name, "C", "2026-04-01"],
            None,  # row 3: never written
            ["", " ", "", ""],  # row 4: cells holding nothing
            [p.id_number, p.name, "E", "2026-04-01"],  # row 5
        ],
    )
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["rejected_rows"]) == (0, 2, 1)
    assert [e["row"] for e in result["errors"]] == [5]


def test_a_person_known_by_a_disability_certificate_number_is_matched(tmp_path, village_household):
    from core.idnumber import make_valid

    number = make_valid("42022219800101123") + "42"  # 20 characters, as §1 accepts
    member(village_household, birth=dt.date(1980, 1, 1), name="残十", id_number=number)
    path = write_file(
        tmp_path,
        "civil",
        [
            {"证件号码": number, "姓名": "残十", "救助类别": "农村低保", "开始日期": "2026-01-01"},
            {
                "证件号码": number[:18] + "4",
                "姓名": "残十",
                "救助类别": "农村低保",
                "开始日期": "2026-01-01",
            },
        ],
    )
    result, code = run("compare", "civil", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["matched"], result["rejected_rows"]) == (0, 2, 1, 1)
    assert result["errors"] == [
        {"row": 3, "message": "证件号码应为18位（残疾人证号为20或22位），实为19位"}
    ]
    assert stored(Batch.objects.get(), "id_number")[2] == number


def test_an_aid_that_ends_before_it_begins_is_a_rejected_row(tmp_path, village_household):
    p = member(village_household)
    aid = {"证件号码": p.id_number, "姓名": p.name, "救助类别": "农村低保", "金额": "300"}
    path = write_file(
        tmp_path,
        "civil",
        [
            {**aid, "开始日期": "2026-03-01", "结束日期": "2026-12-31"},
            {**aid, "开始日期": "2026-03-01", "结束日期": "2026-02-28"},
            {**aid, "开始日期": "2026-03-01", "结束日期": "2026-03-01"},
            {**aid, "开始日期": "2026-03-01"},
        ],
    )
    result, code = run("compare", "civil", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["rejected_rows"]) == (0, 4, 1)
    assert result["errors"] == [{"row": 3, "message": "结束日期：早于开始日期"}]
    assert stored(Batch.objects.get(), "end_date") == {
        2: dt.date(2026, 12, 31),
        3: dt.date(2026, 2, 28),
        4: dt.date(2026, 3, 1),
        5: None,
    }


def told(header: str, error: str) -> str:
    """A rejected row's reason for a cell holding an Excel error."""
    return f"{header}：单元格是Excel错误值“{error}”（公式出错），请改为实际的值或留空"


def test_an_excel_error_cell_in_a_department_workbook_rejects_its_row_naming_the_cell(
    tmp_path, village_household
):
    """calamine reads #N/A as blank: a 鉴定日期 of a broken VLOOKUP is not "no date". Its row
    is rejected, as a row with a bad date is, and the rest of the file is compared."""
    from fangpin.testing import with_excel_errors

    p = member(village_household)
    path = tmp_path / "housing.xlsx"
    headers = ["证件号码", "姓名", "鉴定等级", "鉴定日期", "备注"]
    workbook(
        path,
        [
            headers,
            [p.id_number, p.name, "C", "2026-04-01", "x"],
            [p.id_number, p.name, "D", "2026-04-01", "x"],
            [None, None, None, "x"],  # a formula filled down past the data
            [p.id_number, p.name, "D", "2026-05-01", "x"],
            [p.id_number, p.name, "A", "2026-05-01", "x"],
        ],
    )
    errors = {"D2": "#N/A", "C3": "#REF!", "D4": "#N/A", "E5": "#N/A", "B6": "#NAME?"}
    with_excel_errors(path, errors)  # E5: a column not read
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["status"]) == (0, Batch.Status.DONE)
    assert (result["records"], result["matched"], result["rejected_rows"]) == (4, 1, 3)
    assert result["errors"] == [
        {"row": 2, "message": told("鉴定日期", "#N/A")},
        {"row": 3, "message": told("鉴定等级", "#REF!")},
        {"row": 6, "message": told("姓名", "#NAME?")},
    ]
    batch = Batch.objects.get()
    assert batch.rejected_rows == 3 and stored(batch, "assessed_date") == {
        2: None,
        3: dt.date(2026, 4, 1),
        5: dt.date(2026, 5, 1),
        6: dt.date(2026, 5, 1),
    }


HOUSING = "证件号码,姓名,鉴定等级,鉴定日期\n"


@pytest.mark.parametrize("numbered", [False, True], ids=["lines-are-rows", "line-break-in-a-cell"])
def test_an_excel_error_text_in_a_department_csv_rejects_its_row_naming_the_cell(
    tmp_path, village_household, numbered
):
    """A CSV saved by Excel holds an error cell's text (#N/A…): not a 姓名, a 鉴定等级 or a
    date, but a rejected row as in a workbook, whether DuckDB reads the file itself or, for a
    cell with a line break, core.tabular's reader numbers it first."""
    p = member(village_household)
    path = tmp_path / "housing.csv"
    lines = [
        f"{p.id_number},{p.name},C,2026-04-01",  # 2
        f"{p.id_number},{p.name},C, #N/A ",  # 3
        f"{p.id_number},#NAME?,#VALUE!,2026-04-01",  # 4
        ",#N/A,,#N/A",  # 5: a formula filled down past the data
        "#REF!,#REF!,#REF!,#REF!",  # 6: the same
        f"#N/A,{p.name},C,2026-04-01",  # 7
        f"{p.id_number},{p.name},#N/A ok,2026-04-01",  # 8: not an error's text
    ]
    if numbered:
        lines.append(f'{p.id_number},"{p.name}\n（户主）",D,2026-04-02')  # 9
    path.write_text(HOUSING + "\n".join(lines) + "\n", encoding="utf-8")
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["status"]) == (0, Batch.Status.DONE)
    assert (result["records"], result["rejected_rows"]) == (5 + numbered, 4)
    assert result["matched"] == 1 + numbered
    assert result["errors"] == [
        {"row": 3, "message": told("鉴定日期", "#N/A")},
        {"row": 4, "message": told("姓名", "#NAME?") + "；" + told("鉴定等级", "#VALUE!")},
        {"row": 7, "message": told("证件号码", "#N/A")},
        {"row": 8, "message": "鉴定等级“#N/A ok”不在代码表中（应为A/B/C/D）"},
    ]
    assert set(stored(Batch.objects.get(), "grade")) == {2, 3, 4, 7, 8} | (
        {9} if numbered else set()
    )


def test_an_excel_error_text_in_a_money_column_rejects_its_row(tmp_path, village_household):
    p = member(village_household)
    aid = {
        "证件号码": p.id_number,
        "姓名": p.name,
        "救助类别": "农村低保",
        "开始日期": "2026-03-01",
    }
    path = write_file(
        tmp_path,
        "civil",
        [{**aid, "金额": "300"}, {**aid, "金额": "#DIV/0!"}, {**aid, "结束日期": "#N/A"}],
    )
    result, code = run("compare", "civil", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["rejected_rows"]) == (0, 3, 2)
    assert result["errors"] == [
        {"row": 3, "message": told("金额", "#DIV/0!")},
        {"row": 4, "message": told("结束日期", "#N/A")},
    ]


def test_a_row_given_twice_is_counted_once_and_named(tmp_path, village_household):
    """A row repeating an earlier one value for value (an export run twice) would add a loss or
    a 自付 up twice and warn of a line never crossed; it is a rejected row naming the first."""
    p = member(village_household)
    loss = {"证件号码": p.id_number, "姓名": p.name, "灾害类型": "洪涝", "受灾日期": "2026-05-01"}
    path = write_file(
        tmp_path,
        "disaster",
        [
            loss | {"损失金额": "6000"},
            loss | {"损失金额": "3000", "受灾日期": "2026-05-02"},
            loss | {"损失金额": "6,000", "受灾日期": "2026/5/1"},  # row 2 again, as typed
        ],
    )
    result, code = run("compare", "disaster", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["rejected_rows"]) == (0, 3, 1)
    assert result["errors"] == [
        {"row": 4, "message": "与第2行各列完全相同（重复记录），只计入一次"}
    ]
    assert result["warnings_created"] == 0 and not Item.objects.exists()
    settlement = {
        "证件号码": p.id_number,
        "姓名": p.name,
        "结算日期": "2026-04-01",
        "就诊类型": "住院",
        "医疗总费用": "30000",
        "个人自付": "12000",
    }
    path = write_file(tmp_path, "medical", [settlement, settlement])
    result, code = run("compare", "medical", str(path), "--as-of", "2026-06-30")
    assert (result["rejected_rows"], result["warnings_created"]) == (1, 0)


def test_a_file_of_another_department_says_which_it_is(tmp_path, village_household):
    p = member(village_household)
    path = write_file(
        tmp_path,
        "disability",
        [
            {
                "证件号码": p.id_number,
                "姓名": p.name,
                "残疾人证号": p.id_number + "11",
                "残疾类别": "肢体",
                "残疾等级": "一级",
                "发证日期": "2026-01-01",
            }
        ],
    )
    result, code = run("compare", "medical", str(path), "--as-of", "2026-06-30")
    assert (code, result["status"]) == (1, Batch.Status.REJECTED)
    assert result["errors"] == [
        {
            "row": None,
            "message": "缺少必需的列：结算日期、就诊类型、医疗总费用、基本医保支付、大病保险支付、"
            "医疗救助支付、个人自付。文件的表头是残联残疾人证文件（disability）的，"
            "而所选数据来源是医保（medical），请确认数据来源是否选错",
        }
    ]
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("source", "header", "value"),
    [
        ("housing", "鉴定等级 (A/B/C/D)", "C"),
        ("housing", "鉴定等级（A/B/C/D）", "C"),
        ("disability", "残疾等级 (一级…四级)", "一级"),
        ("medical", "就诊类型 (住院/门诊慢特病/普通门诊)", "住院"),
    ],
)
def test_a_header_written_with_its_values_in_brackets_is_that_header(
    tmp_path, village_household, source, header, value
):
    """formats.md §2 writes 鉴定等级 (A/B/C/D): a department's template may head it so."""
    p = member(village_household)
    cells = {
        "证件号码": p.id_number,
        "姓名": p.name,
        "鉴定日期": "2026-04-01",
        "残疾人证号": p.id_number + "11",
        "残疾类别": "肢体",
        "发证日期": "2026-04-01",
        "结算日期": "2026-04-01",
        "医疗总费用": "30000",
        "个人自付": "25000",
    }
    bare = header.split("(")[0].split("（")[0].strip()
    headers = SOURCES[source].headers
    path = tmp_path / f"{source}.csv"
    path.write_text(
        ",".join(header if h == bare else h for h in headers)
        + "\n"
        + ",".join(value if h == bare else cells.get(h, "") for h in headers)
        + "\n",
        encoding="utf-8-sig",
    )
    result, code = run("compare", source, str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["rejected_rows"]) == (0, 1, 0), result["errors"]
    assert result["warnings_created"] == 1


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_title_above_the_header_is_skipped_and_rows_keep_their_numbers(
    tmp_path, village_household, kind
):
    """A department's export may open with a title and a date, as a national-system export
    does; the header is the first row, within the first 10, holding 证件号码 (formats.md §1)."""
    p = member(village_household)
    rows = [
        ["大冶市住房和城乡建设局农村房屋安全鉴定名单"],
        ["导出日期：2026-06-30"],
        None,
        ["证件号码", "姓名", "鉴定等级", "鉴定日期"],
        [p.id_number, p.name, "D", "2026-04-01"],
        [p.id_number, p.name, "E", "2026-04-02"],
    ]
    path = tmp_path / f"housing.{kind}"
    if kind == "xlsx":
        workbook(path, rows)
    else:
        lines = [",".join(r or []) for r in rows]
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["matched"], result["rejected_rows"]) == (0, 2, 1, 1)
    assert result["errors"] == [{"row": 6, "message": "鉴定等级“E”不在代码表中（应为A/B/C/D）"}]
    assert result["warnings_created"] == 1


@pytest.mark.parametrize("name", ["empty.csv", "bom.csv", "empty.xlsx"])
def test_an_empty_file_is_told_it_is_empty(tmp_path, regions, name):
    path = tmp_path / name
    if name == "empty.xlsx":
        workbook(path, [])
    else:
        path.write_bytes(b"\xef\xbb\xbf\r\n" if name == "bom.csv" else b"")
    result, code = run("compare", "housing", str(path))
    assert (code, result["status"]) == (1, Batch.Status.REJECTED)
    assert result["errors"] == [
        {
            "row": None,
            "message": "文件是空的：没有表头行，也没有数据。请确认上传的是部门导出的数据文件",
        }
    ]


@pytest.mark.parametrize(
    ("separator", "encoding"), [("\t", "utf-16"), ("\t", "utf-8"), (";", "gb18030")]
)
def test_a_department_file_saved_as_text_is_read_by_its_cells(
    tmp_path, village_household, separator, encoding
):
    """A department list saved by Excel as “Unicode 文本” (UTF-16, tabs) or as tab- or
    semicolon-separated text is compared like its CSV, not refused for missing columns."""
    p = member(village_household)
    rows = [
        ["证件号码", "姓名", "鉴定等级", "鉴定日期"],
        [p.id_number, p.name, "D", "2026-04-01"],
    ]
    path = tmp_path / "housing.txt"
    path.write_bytes(("\r\n".join(separator.join(r) for r in rows) + "\r\n").encode(encoding))
    result, code = run("compare", "housing", str(path), "--as-of", "2026-06-30")
    assert (code, result["records"], result["matched"], result["rejected_rows"]) == (0, 1, 1, 0)
    assert result["warnings_created"] == 1
