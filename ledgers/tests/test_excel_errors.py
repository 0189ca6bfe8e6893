"""A ledger's cell holding an Excel error (#N/A of a broken VLOOKUP…) is an error at its row and
column, through `fangpin ledger import` and the web upload; nothing is saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from benefits.layouts import YULU
from benefits.models import YuluRow
from core.models import AuditRecord
from fangpin.testing import run_command, with_excel_errors, write_sheet
from ledgers.tests.test_bad_input import yulu_row

HEADERS = [*YULU.headers, "核对"]  # 核对: a column of the office's own, not read


def message(error: str) -> str:
    return f"单元格是Excel错误值“{error}”（公式出错），请改为实际的值或留空"


def column(header: str) -> str:
    return chr(ord("A") + HEADERS.index(header))


@pytest.fixture
def person(household: Any) -> Any:
    return household.persons.order_by("pk").first()


def workbook(person: Any, tmp_path: Path) -> Path:
    rows = [
        yulu_row(person, 核对="ok"),  # 2
        yulu_row(person, 学期="秋季", 核对="ok"),  # 3
        yulu_row(person, 年度="2023", 核对="ok"),  # 4
        {"补助金额": "0"},  # 5: a formula filled down past the data
        {"证件号码": "合计", "补助金额": "3000"},  # 6: the total
    ]
    path = write_sheet(tmp_path / "yulu.xlsx", HEADERS, rows)
    return with_excel_errors(
        path,
        {
            f"{column('补助金额')}2": "#N/A",
            f"{column('姓名')}3": "#VALUE!",
            f"{column('发放日期')}4": "#NUM!",
            f"{column('核对')}4": "#N/A",
            f"{column('补助金额')}5": "#N/A",
            f"{column('补助金额')}6": "#N/A",
        },
    )


EXPECTED = [
    (2, "补助金额", "#N/A", message("#N/A")),
    (3, "姓名", "#VALUE!", message("#VALUE!")),
    (4, "发放日期", "#NUM!", message("#NUM!")),
]


def test_error_cells_reject_a_ledger_at_their_rows_and_columns(person: Any, tmp_path: Path) -> None:
    path = workbook(person, tmp_path)
    out = tmp_path / "marked.xlsx"
    records = AuditRecord.objects.count()

    code, result, _ = run_command("ledger", "import", "yulu", str(path), "--errors", str(out))

    assert (code, result["status"]) == (1, "rejected"), result
    errors = [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]]
    assert errors == EXPECTED
    assert not YuluRow.objects.exists() and AuditRecord.objects.count() == records
    sheet = list(CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).iter_rows())
    marked = {i + 1: r[-1] for i, r in enumerate(sheet) if i and r[-1]}
    assert marked == {row: f"【{header}】{text}" for row, header, _, text in EXPECTED}


def test_error_cells_reject_a_ledger_upload(
    person: Any,
    client_for: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    from imports.models import ImportBatch

    settings.DATA_DIR = tmp_path
    path = workbook(person, tmp_path)
    client = client_for("town_staff")
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:upload"), {"kind": "yulu", "file": fh})

    batch = ImportBatch.objects.get()
    assert batch.status == "rejected"
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in batch.errors] == EXPECTED
    assert not YuluRow.objects.exists()


def test_an_error_cell_in_a_later_part_of_a_large_sheet_is_at_its_row(
    person: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet read in parts (core.xlsxparts; smaller here) names the cell at its own row."""
    from core import xlsxparts

    monkeypatch.setattr(xlsxparts, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(xlsxparts, "FIRST_PART_BYTES", 2000)
    rows = [
        yulu_row(person, 年度=str(year), 学期=term, 发放日期="", 核对="ok")
        for year in range(2014, 2100)
        for term in ("春季", "秋季")
    ]
    path = write_sheet(tmp_path / "yulu.xlsx", HEADERS, rows, title="雨露计划")
    parts = xlsxparts.split(path)
    assert parts is not None and len(parts) > 2 and parts[0]()[1][-1][0] != ""
    with_excel_errors(path, {f"{column('补助金额')}160": "#N/A"})
    assert [e for p in parts[:1] for e in p()[2]] == []  # not in the first part

    code, result, _ = run_command("ledger", "import", "yulu", str(path))

    assert (code, result["status"]) == (1, "rejected"), result
    assert [(e["row"], e["column"], e["value"]) for e in result["errors"]] == [
        (160, "补助金额", "#N/A")
    ]
    assert not YuluRow.objects.exists()


def test_error_texts_in_a_csv_reject_a_ledger_at_their_rows_and_columns(
    person: Any, tmp_path: Path
) -> None:
    """A CSV saved by Excel holds an error cell's text (#N/A…): the same errors as the
    workbook's cells, not a 补助金额 "不是有效金额" nor a 姓名 of "#VALUE!"."""
    rows = [
        yulu_row(person, 补助金额="#N/A", 核对="ok"),  # 2
        yulu_row(person, 学期="秋季", 姓名=" #VALUE! ", 核对="ok"),  # 3
        yulu_row(person, 年度="2023", 发放日期="#NUM!", 核对="#N/A"),  # 4
        {"补助金额": "#N/A", "核对": "#N/A"},  # 5: a formula filled down past the data
        {"证件号码": "合计", "补助金额": "#N/A"},  # 6: the total
        yulu_row(person, 年度="2022", 核对="#1 ok"),  # 7: no error's text
    ]
    path = write_sheet(tmp_path / "yulu.csv", HEADERS, rows)
    records = AuditRecord.objects.count()

    code, result, _ = run_command("ledger", "import", "yulu", str(path))

    assert (code, result["status"]) == (1, "rejected"), result
    errors = [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]]
    assert errors == EXPECTED
    assert not YuluRow.objects.exists() and AuditRecord.objects.count() == records
