"""`fangpin compare` and `fangpin check`: JSON on the last stdout line and exit codes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exchange.models import Batch
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
            "message": "证件号码应为18位数字（最后一位可以是X），实为3位；"
            "变动类型“失踪”不在代码表中（应为死亡/迁出/迁入/出生）；变动日期“2026-13-01”不是有效日期",
        }
    ]


def test_compare_rejects_a_file_missing_headers_with_exit_1(tmp_path, regions):
    path = tmp_path / "bad.csv"
    path.write_text("证件号码,姓名,金额\n110105194912310021,张三,5\n", encoding="utf-8")
    result, code = run("compare", "civil", str(path))
    assert code == 1
    assert result["errors"][0]["message"] == "缺少必需的列：救助类别、开始日期、结束日期"
    assert Batch.objects.get().status == Batch.Status.REJECTED


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
