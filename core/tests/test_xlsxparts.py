"""A large sheet read in parts yields exactly the rows of the sheet read whole."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

from core import xlsxparts
from core.tabular import TableError, open_table


def workbook(path: Path, *, constant_memory: bool) -> Path:
    """Title rows, a header, data with gaps of blank rows, numbers, dates and a blank column A."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 1, ["某县户籍台账"])
    sheet.write_row(2, 1, ["户编号", "姓名", "证件号码", "人均收入", "日期"])
    row = 3
    for n in range(600):
        if n % 97 == 0:
            row += 3  # blank rows, some of them where a part may be cut
        sheet.write_string(row, 1, f"H{n:04d}")
        sheet.write_string(row, 2, f"居民{n}")
        sheet.write_number(row, 3, 420281198001010000 + n)
        sheet.write_number(row, 4, 1000.5 + n)
        sheet.write_datetime(row, 5, dt.datetime(2024, 1, 1) + dt.timedelta(days=n))
        row += 1
    book.close()
    return path


@pytest.mark.parametrize("constant_memory", [False, True])
def test_parts_yield_the_rows_of_the_whole_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, constant_memory: bool
) -> None:
    path = workbook(tmp_path / "book.xlsx", constant_memory=constant_memory)
    whole = list(xlsxparts.rows(path))
    monkeypatch.setattr(xlsxparts, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(xlsxparts, "FIRST_PART_BYTES", 2000)
    parts = xlsxparts.split(path, 5)
    assert parts is not None and len(parts) == 5
    assert list(xlsxparts.rows(path)) == whole
    assert whole[2][1:3] == ["户编号", "姓名"] and whole[0][0] == ""  # column A kept, blank
    table = open_table(path)
    assert table.header_row == 3
    numbers = [n for n, _ in table.rows]
    assert len(numbers) == 600 and numbers[0] == 7  # the spreadsheet's own row numbers


def test_a_sheet_below_the_threshold_is_read_whole(tmp_path: Path) -> None:
    path = workbook(tmp_path / "book.xlsx", constant_memory=False)
    assert xlsxparts.split(path) is None


def test_a_broken_workbook_is_a_table_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TableError, match="无法读取Excel文件"):
        open_table(path)
    monkeypatch.setattr(xlsxparts, "PART_MIN_BYTES", 0)
    good = workbook(tmp_path / "good.xlsx", constant_memory=False)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:-200])
    with pytest.raises(TableError, match="无法读取Excel文件"):
        open_table(truncated)


def test_a_large_sheet_that_cannot_be_cut_is_verified_before_calamine_reads_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import uploads

    path = workbook(tmp_path / "book.xlsx", constant_memory=False)
    whole = list(xlsxparts.rows(path))
    monkeypatch.setattr(xlsxparts, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(xlsxparts, "_first_part", lambda book, sheet: None)
    verified: list[Path] = []
    real = uploads.verify_package

    def verify(path: Path, sheet: str | None = None) -> uploads.PackageInfo:
        verified.append(path)
        return real(path, sheet)

    monkeypatch.setattr(uploads, "verify_package", verify)
    assert list(xlsxparts.rows(path)) == whole
    assert verified == [path]
