"""A large sheet read in parts yields exactly the rows of the sheet read whole."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import xlsxwriter

from core import xlsxparts
from core.tabular import TableError, open_table


def workbook(path: Path, *, constant_memory: bool, backwards: bool = False) -> Path:
    """Title rows, a header, data with gaps of blank rows, numbers, dates and a blank column A.
    `backwards`: the data written from the last row up, so that the shared-string table lists
    the last rows' strings first (as a sheet edited by hand may)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 1, ["某县户籍台账"])
    sheet.write_row(2, 1, ["户编号", "姓名", "证件号码", "人均收入", "日期"])
    rows = []
    row = 3
    for n in range(600):
        if n % 97 == 0:
            row += 3  # blank rows, some of them where a part may be cut
        rows.append((row, n))
        row += 1
    for row, n in reversed(rows) if backwards else rows:
        sheet.write_string(row, 1, f"H{n:04d}")
        sheet.write_string(row, 2, f"居民{n}")
        sheet.write_number(row, 3, 420281198001010000 + n)
        sheet.write_number(row, 4, 1000.5 + n)
        sheet.write_datetime(row, 5, dt.datetime(2024, 1, 1) + dt.timedelta(days=n))
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


@pytest.mark.parametrize("backwards", [False, True])
def test_parts_carry_the_shared_strings_their_rows_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backwards: bool
) -> None:
    """A part gets the shared-string table cut to its share of the sheet; when its rows name
    an entry beyond the cut (a table not in the order of the rows), it is parsed again with the
    whole table, as are the parts after it: the rows are the sheet's either way."""
    path = workbook(tmp_path / "book.xlsx", constant_memory=False, backwards=backwards)
    whole = list(xlsxparts.rows(path))
    monkeypatch.setattr(xlsxparts, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(xlsxparts, "FIRST_PART_BYTES", 2000)
    monkeypatch.setattr(xlsxparts, "PARTS", 5)
    monkeypatch.setattr(xlsxparts, "PART_BYTES", 1)
    times, plus, _ = xlsxparts._Strings.ROOM
    monkeypatch.setattr(xlsxparts._Strings, "ROOM", (times, plus, 0))  # a table this small
    tables: list[xlsxparts._Strings] = []
    cuts: list[bytes | None] = []
    real = xlsxparts._Strings.cut

    def cut(self: xlsxparts._Strings, share: float) -> bytes | None:
        tables.append(self)
        cuts.append(real(self, share))
        return cuts[-1]

    monkeypatch.setattr(xlsxparts._Strings, "cut", cut)
    assert list(xlsxparts.rows(path)) == whole
    table = tables[0]
    assert len(cuts) == 6 and len(table.data) > 10_000
    assert cuts[0] is not None and len(cuts[0]) < len(table.data) // 4
    # In order, every part parsed with its cut; backwards, the first cut fell short.
    assert table.whole is backwards
    if backwards:
        assert cuts[1:] == [None] * 5  # the rest carried the whole table
    else:  # all but the last part, which needs the whole table (built in any order)
        assert sum(c is None for c in cuts) == 1


def test_a_prefetched_reading_is_taken_by_the_read_of_that_very_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command's workbook starts being read before Django starts (fangpin.cli): the read
    that follows takes those parts, and yields the rows it would have read itself; a file
    changed meanwhile is read again."""
    path = workbook(tmp_path / "book.xlsx", constant_memory=False)
    whole = list(xlsxparts.rows(path))
    monkeypatch.setattr(xlsxparts, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(xlsxparts, "FIRST_PART_BYTES", 2000)
    monkeypatch.setattr(xlsxparts, "PART_BYTES", 1)
    loads: list[int] = []
    real = xlsxparts._Sheet.load

    def load(self: xlsxparts._Sheet, data: bytes, a: int, b: int) -> xlsxparts.Parsed:
        loads.append(a)
        return real(self, data, a, b)

    monkeypatch.setattr(xlsxparts._Sheet, "load", load)
    assert list(xlsxparts.rows(path)) == whole
    parts = len(loads)
    assert parts > 1 + xlsxparts.AHEAD
    loads.clear()
    xlsxparts.prefetch(path)
    assert xlsxparts._started is not None
    waited = 0.0
    while len(loads) < 1 + xlsxparts.AHEAD and waited < 10:  # parsed ahead, none asked for
        time.sleep(0.01)
        waited += 0.01
    assert list(xlsxparts.rows(path)) == whole
    assert len(loads) == parts and xlsxparts._started is None  # none parsed twice

    xlsxparts.prefetch(path)
    other = workbook(tmp_path / "other.xlsx", constant_memory=False, backwards=True)
    path.write_bytes(other.read_bytes())  # replaced before it is read: its own rows
    assert list(xlsxparts.rows(path)) == list(xlsxparts.rows(other))
    assert xlsxparts._started is None


def test_a_file_the_limits_refuse_is_not_prefetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    """Prefetching checks the package's limits first: a refused file starts nothing, and is
    refused, with its reason, when it is read."""
    monkeypatch.setattr(xlsxparts, "PART_MIN_BYTES", 0)
    path = workbook(tmp_path / "book.xlsx", constant_memory=False)
    settings.FANGPIN_UPLOAD_MAX_RATIO = 1  # type: ignore[attr-defined]
    monkeypatch.setattr("core.uploads.RATIO_FROM_BYTES", 0)
    xlsxparts.prefetch(path)
    assert xlsxparts._started is None
    with pytest.raises(TableError, match="压缩比异常"):
        open_table(path)


def test_a_sheet_is_cut_into_rounds_for_the_two_readers() -> None:
    """A 10,000-household sheet (24 MB of XML) is cut into four parts after the first, two for
    each reader; a sheet just large enough to be cut, into two; a county's, into PARTS."""
    assert xlsxparts.rest_parts(23_965_266) == 4
    assert xlsxparts.rest_parts(xlsxparts.PART_MIN_BYTES) == 2
    assert xlsxparts.rest_parts(323_433_564) == xlsxparts.PARTS


def test_an_error_cell_in_a_later_part_is_reported_at_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """calamine reads an Excel error (#N/A…) as ""; the reader lists it, at the spreadsheet's
    own row and column, whether the sheet is read whole or cut into parts."""
    from fangpin.testing import with_excel_errors

    path = workbook(tmp_path / "book.xlsx", constant_memory=False)
    last = len(list(xlsxparts.rows(path)))
    with_excel_errors(path, {"C7": "#REF!", f"E{last}": "#N/A", f"F{last - 1}": "#DIV/0!"})
    expected = [(7, 2, "#REF!"), (last - 1, 5, "#DIV/0!"), (last, 4, "#N/A")]
    whole_errors: list[xlsxparts.FoundError] = []
    whole = list(xlsxparts.rows(path, whole_errors))
    assert sorted(e[:3] for e in whole_errors) == expected
    assert whole[last - 1][4] == "" and whole[last - 1][2] == "居民599"
    monkeypatch.setattr(xlsxparts, "PART_MIN_BYTES", 0)
    monkeypatch.setattr(xlsxparts, "FIRST_PART_BYTES", 2000)
    parts = xlsxparts.split(path, 5)
    assert parts is not None and len(parts) == 5
    assert parts[0]()[2] == [(7, 2, "#REF!")] and parts[-1]()[2] == [
        (last - 1, 5, "#DIV/0!"),
        (last, 4, "#N/A"),
    ]
    table = open_table(path)
    rows = dict(table.rows)
    assert sorted(e[:3] for e in table.excel_errors) == expected
    assert {e[0]: e[3] for e in table.excel_errors} == {n: whole[n - 1] for n, _, _ in expected}
    assert rows[last][2] == "居民599"


def test_error_cells_are_found_whatever_their_form() -> None:
    xml = (
        b'<row r="3"><c r="A3" s="1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        b'<x:c r="AB3" t="e"/><c r="B3"><v>1</v></c>'
        b'<c t="e" r="XFD3"><v>#N/A</v></c><c t="e"><v>#REF!</v></c></row>'
    )
    assert xlsxparts.error_cells(xml) == [(3, 0, "#DIV/0!"), (3, 27, ""), (3, 16383, "#N/A")]
    assert xlsxparts.error_cells(xml, 0, 10) == []
    assert xlsxparts.error_cells(b'<c r="A1" t="s"><v>0</v></c>') == []
