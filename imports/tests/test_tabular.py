"""The shared reader and writer helpers (core/tabular.py, core/xlsx.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from core.tabular import TableError, detect_encoding, number_text, open_table, text, to_date
from core.xlsx import StreamWorkbook


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023-05-01", dt.date(2023, 5, 1)),
        ("2023/5/1", dt.date(2023, 5, 1)),
        ("2023年5月1日", dt.date(2023, 5, 1)),
        ("2023-05", dt.date(2023, 5, 1)),
        ("202305", dt.date(2023, 5, 1)),
        ("20230501", dt.date(2023, 5, 1)),
        (45047.0, dt.date(2023, 5, 1)),
        ("45047", dt.date(2023, 5, 1)),
        ("45047.0", dt.date(2023, 5, 1)),
        (dt.datetime(2023, 5, 1, 8, 0), dt.date(2023, 5, 1)),
        ("", None),
    ],
)
def test_dates_are_read_from_text_and_excel_forms(raw: object, expected: object) -> None:
    assert to_date(raw) == expected


def test_a_bad_date_raises() -> None:
    with pytest.raises(ValueError):
        to_date("2023-13-01")


def test_numbers_stored_by_excel_are_restored_or_reported_lost() -> None:
    assert number_text(420281800101001.0) == ("420281800101001", "")
    assert number_text(12345) == ("12345", "")
    assert "已丢失" in number_text(4.20281198001011e17)[1]
    # 16 digits written as a number by a program, not Excel: exact, as the file holds them.
    assert number_text(4202810010010001.0) == ("4202810010010001", "")
    # Ending in zero it may be Excel's cut: refused as before.
    assert "已丢失" in number_text(4202810010010000.0)[1]
    assert "科学计数法" in number_text("4.20281198001011E+17")[1]
    assert number_text(" ４２０２８１ ") == ("420281", "")
    # A number with a fraction is no code: rounded, it would name another household.
    assert number_text(4202810556.5) == (
        "4202810556.5",
        "该值是带小数的数字（4202810556.5），应为一串数字；请核对后重新填写",
    )


def test_text_folds_full_width_and_trims() -> None:
    assert text("　张三　") == "张三"
    assert text("（镇）") == "(镇)"
    assert text(3.0) == "3"


def test_encodings_are_detected() -> None:
    assert detect_encoding("证件号码".encode()) == "utf-8-sig"
    assert detect_encoding("证件号码".encode("gb18030")) == "gb18030"


def test_formula_like_text_is_written_as_quoted_text_and_reads_back_as_typed(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "f.xlsx"
    book = StreamWorkbook(path)
    book.write_row(['=HYPERLINK("http://x")', "+1", "普通"])
    book.close()
    row = next(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows())
    assert row == ['=HYPERLINK("http://x")', "+1", "普通"]
    cell = load_workbook(path).active["A1"]
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula


def test_a_file_without_the_marker_in_the_first_ten_rows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("\n".join(["标题"] * 12 + ["证件号码"]), encoding="utf-8")
    with pytest.raises(TableError, match="前10行"):
        open_table(path)


def test_a_csv_row_is_numbered_by_its_line_even_after_a_cell_with_line_breaks(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.csv"
    lines = ["标题", "证件号码,备注", '1,"两行\r\n的备注"', "2,", "", "3,最后"]
    path.write_bytes("\r\n".join(lines).encode("gb18030"))
    table = open_table(path)
    assert table.header_row == 2
    rows = [(number, cells[0]) for number, cells in table.rows if cells]
    assert rows == [(3, "1"), (5, "2"), (7, "3")]  # as a text editor numbers the lines


@pytest.mark.parametrize(
    ("name", "separator", "encoding"),
    [
        ("unicode.txt", "\t", "utf-16"),  # Excel/WPS 另存为“Unicode 文本”
        ("tabs.txt", "\t", "gb18030"),  # 另存为“文本文件（制表符分隔）”
        ("semicolons.csv", ";", "utf-8-sig"),
    ],
)
def test_a_text_file_is_read_by_its_own_separator_and_encoding(
    tmp_path: Path, name: str, separator: str, encoding: str
) -> None:
    """A sheet saved as text by Excel or WPS is tab-separated (and UTF-16 as “Unicode 文本”);
    some write semicolons: each is read by its cells, a title line above the header too, not as
    one column or as garbled GB18030."""
    lines = [
        "朝阳村名单",
        separator.join(["户编号", "姓名", "证件号码"]),
        separator.join(["1", "张三,李", "X"]),
    ]
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    table = open_table(path, "证件号码")
    assert table.headers == ["户编号", "姓名", "证件号码"] and table.header_row == 2
    assert list(table.rows) == [(3, ["1", "张三,李", "X"])]
