"""Reading the spreadsheets users bring: `.xlsx` (python-calamine) and `.csv` (UTF-8, BOM, GB18030).

`open_table(path, marker="证件号码")` finds the header row (the first row, within the first ten,
with the marker), and yields data rows with the spreadsheet's own row numbers, skipping blank rows.
The cell helpers turn what Excel or WPS wrote (numbers for ID numbers, serial dates, full-width
characters, trailing spaces) back into the values people typed.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import uploads, xlsxparts
from core.codes import fold

HEADER_SEARCH_ROWS = 10
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class TableError(ValueError):
    """The file cannot be read as a table (wrong format, no header row); message in Chinese."""


@dataclass
class Table:
    """A sheet: header texts, the header's row number, and an iterator of (row number, cells)."""

    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]]
    kind: str  # xlsx | csv
    encoding: str = ""
    leading: list[list[Any]] = field(default_factory=list)  # rows above the header, as read
    size: int = 0  # the file's size in bytes (for progress estimates)
    #: The cells holding an Excel error (#N/A…), read as "" in `rows`: (row, column position,
    #: the error, the row's cells), each added before its row is yielded (core.xlsxparts; a
    #: CSV's in `_csv_rows`).
    excel_errors: list[xlsxparts.FoundError] = field(default_factory=list)

    def index(self) -> dict[str, int]:
        """Folded header text → column position (the first one wins)."""
        positions: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            positions.setdefault(fold(h), i)
        return positions


def detect_encoding(data: bytes) -> str:
    """utf-16 for text that starts with its byte-order mark (what Excel and WPS save as
    “Unicode 文本”), utf-8-sig when the bytes are valid UTF-8 (with or without BOM), else
    GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by a sample boundary is still UTF-8.
        if exc.start < len(data) - 4:
            return "gb18030"
    return "utf-8-sig"


SEPARATORS = (",", "\t", ";")  # a comma first: it wins a tie


def csv_dialect(path: Path) -> tuple[str, str]:
    """(encoding, cell separator) of a text file: the separator is the one its first lines use
    most on a line (a title line above the header has none), so that a tab-separated file (Excel's
    “文本文件” and “Unicode 文本”) or a semicolon-separated one is read by its cells, not as one
    column."""
    with path.open("rb") as fh:
        sample = fh.read(1 << 20)
    encoding = detect_encoding(sample)
    lines = sample.decode(encoding, errors="replace").splitlines()[:HEADER_SEARCH_ROWS]
    most = {sep: max((line.count(sep) for line in lines), default=0) for sep in SEPARATORS}
    return encoding, max(SEPARATORS, key=lambda sep: most[sep])


def raw_rows(
    path: Path, errors: list[xlsxparts.FoundError] | None = None
) -> tuple[str, str, Iterator[list[Any]]]:
    """(kind, encoding, every row of the first sheet from row 1) — blank rows included. With
    `errors`, the cells holding an Excel error are "" there and listed in `errors` as their
    rows come: a workbook's (core.xlsxparts.rows), a CSV's error texts (`_csv_rows`)."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        return "xlsx", "", _sheet_rows(path, errors=errors)
    if suffix in {".csv", ".txt"}:
        encoding, separator = csv_dialect(path)
        text = path.open(encoding=encoding, newline="", errors="strict")
        return "csv", encoding, _csv_rows(csv.reader(text, delimiter=separator), errors)
    raise TableError(unsupported_type(path.suffix))


OLD_XLS = "不支持旧版 .xls 格式，请用 Excel 或 WPS 另存为 .xlsx 或 CSV 后再上传"


def unsupported_type(suffix: str) -> str:
    """Why a file of this type is not taken: an old .xls is told how to save it anew."""
    if suffix.lower() == ".xls":
        return OLD_XLS
    return f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .xlsx 或 .csv 文件"


# A workbook that is not one (a renamed file, a download cut short): calamine and zipfile say
# "Could not find EOCD" or "File is not a zip file"; the user gets this instead.
BROKEN_WORKBOOK = (
    "无法读取Excel文件：文件不是有效的 .xlsx 工作簿（可能已损坏、没有下载完整，或只是改了扩展名）。"
    "请用 Excel 或 WPS 打开后“另存为” .xlsx 或 CSV（UTF-8）再上传"
)


# What Excel writes for an error cell when it saves a sheet as CSV: the error's own text.
EXCEL_ERRORS = frozenset(
    {
        "#N/A",
        "#DIV/0!",
        "#REF!",
        "#VALUE!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
    }
)


def _csv_rows(reader: Any, errors: list[xlsxparts.FoundError] | None = None) -> Iterator[list[Any]]:
    """A CSV's rows, each at its line number (formats.md §1): a cell with line breaks in it
    makes its row span several lines, and blank rows stand for the lines it took, so the rows
    after it keep the numbers a text editor shows. With `errors`, a cell whose text is an Excel
    error's (#N/A…: a sheet saved as CSV) is "" and listed there, as a workbook's error cell
    is. Decoding and parsing errors as Chinese messages (never the codec's)."""
    given = 0  # rows yielded so far
    last = 0  # the last line read so far (this row starts on the next)
    try:
        for row in reader:
            for _ in range(last - given):
                yield []
                given += 1
            # One join a row, not a look at each cell: most rows hold no "#" at all.
            if errors is not None and "#" in "".join(row):
                _csv_errors(row, given + 1, errors)
            yield row
            given += 1
            last = reader.line_num
    except UnicodeDecodeError as exc:
        raise TableError("CSV文件编码无法识别，请另存为UTF-8或GB18030后再上传") from exc
    except csv.Error as exc:
        raise TableError(
            "CSV文件格式有误（引号不配对或单元格过长），请用Excel另存为后再上传"
        ) from exc


def _csv_errors(row: list[str], number: int, errors: list[xlsxparts.FoundError]) -> None:
    """The cells of CSV row `number` holding an Excel error's text made "" and listed."""
    found = []
    for i, cell in enumerate(row):
        if "#" in cell and (value := cell.strip()) in EXCEL_ERRORS:
            row[i] = ""
            found.append((i, value))
    # Each with the row as it is yielded: every error cell in it "".
    errors += [(number, i, value, row) for i, value in found]


def _sheet_rows(
    path: Path, skip: int = 0, errors: list[xlsxparts.FoundError] | None = None
) -> Iterator[list[Any]]:
    """The first sheet's rows at the spreadsheet's own positions (core.xlsxparts reads ahead),
    after the first `skip` rows; error cells listed in `errors`."""
    try:
        rows = xlsxparts.rows(path, errors)
        for _ in range(skip):
            next(rows, None)
        yield from rows
    except TableError:
        raise
    except uploads.UploadRejected as exc:  # caps found while the sheet is cut into parts
        raise TableError(str(exc)) from exc
    except Exception as exc:  # calamine and zipfile raise their own types for broken files
        raise TableError(BROKEN_WORKBOOK) from exc


def excel_error(value: str) -> str:
    """The message for a cell holding an Excel error (#N/A…), which calamine reads as blank."""
    shown = f"“{value}”" if value else ""
    return f"单元格是Excel错误值{shown}（公式出错），请改为实际的值或留空"


def is_blank(cells: list[Any]) -> bool:
    # A loop, not all(…) (4× slower): this runs for every row and stops at its first cell.
    for c in cells:  # noqa: SIM110
        if c is not None and (not isinstance(c, str) or c.strip()):
            return False
    return True


def _header(
    rows: Iterator[list[Any]], wanted: frozenset[str]
) -> tuple[int, list[Any], list[list[Any]]] | None:
    """(row number, cells, rows above) of the first row, within HEADER_SEARCH_ROWS, with the
    marker (folded, or one of its folded aliases); None when there is none."""
    leading: list[list[Any]] = []
    for number, cells in enumerate(rows, start=1):
        if any(fold(c) in wanted for c in cells if isinstance(c, str)):
            return number, cells, leading
        leading.append(cells)
        if number >= HEADER_SEARCH_ROWS:
            break
    return None


def _checked_package(path: Path, wanted: frozenset[str]) -> int | None:
    """For a zip workbook: its limits checked, and for a sheet calamine reads whole, the header's
    row number found in the first rows alone (None when they cannot be read apart); refuses a
    wrong header at once. A sheet read in parts (core.xlsxparts) has its small first part parsed
    before the rest, so its header is found (or missed) there."""
    if not zipfile.is_zipfile(path):
        return None
    try:
        uploads.check_package(path)
        with zipfile.ZipFile(path) as book:
            sheet = xlsxparts.first_sheet(book)
            size = book.getinfo(sheet).file_size if sheet else 0
        if size >= xlsxparts.PART_MIN_BYTES:
            # core.xlsxparts reads the sheet itself (never past its declared size), checks its
            # length and scans each part for the caps before calamine parses it
            return None
        first = xlsxparts.head(path, HEADER_SEARCH_ROWS)
        found = _header(iter(first), wanted) if first is not None else None
        if first is not None and found is None:
            return -1
        uploads.verify_package(path)  # calamine reads the package as it is
    except uploads.UploadRejected as exc:
        raise TableError(str(exc)) from exc
    except TableError:
        raise
    except Exception as exc:  # a broken package: zipfile's and calamine's own errors
        raise TableError(BROKEN_WORKBOOK) from exc
    return found[0] if found else None


def _no_header(path: Path, kind: str, marker: str) -> TableError:
    """No header row in the first rows: of a workbook of several sheets, the message names the
    one read (only the first, hidden or not — what the user looks at may be another)."""
    missing = f"前{HEADER_SEARCH_ROWS}行中没有找到含“{marker}”的表头行"
    sheets = []
    if kind == "xlsx":
        from python_calamine import CalamineWorkbook, SheetVisibleEnum

        try:
            sheets = CalamineWorkbook.from_path(str(path)).sheets_metadata
        except Exception:  # a broken package: the plain message then
            sheets = []
    if len(sheets) < 2:
        return TableError(f"{missing}，请使用标准模板")
    first = sheets[0]
    hidden = "（隐藏的工作表）" if first.visible != SheetVisibleEnum.Visible else ""
    return TableError(
        f"第一个工作表“{first.name}”{hidden}的{missing}；导入只读取第一个工作表，"
        "请把数据所在的工作表移到最前面，或使用标准模板"
    )


def open_table(path: str | Path, marker: str = "证件号码", aliases: tuple[str, ...] = ()) -> Table:
    """Open the first sheet of `path` and find its header row by `marker` or one of its header
    `aliases` (乡(镇) for 乡镇, formats.md §1).

    A workbook is checked first (core.uploads: inflated size, ratio, rows and columns) and its
    header looked for in its first rows alone; rows beyond FANGPIN_IMPORT_MAX_ROWS (a CSV:
    FANGPIN_IMPORT_MAX_CSV_ROWS, also counted before it is parsed) or wider than
    FANGPIN_IMPORT_MAX_COLUMNS are refused as they come (a CSV is read as a stream)."""
    path = Path(path)
    wanted = frozenset(fold(h) for h in (marker, *aliases))
    excel_errors: list[xlsxparts.FoundError] = []
    kind, encoding, raw = raw_rows(path, excel_errors)
    if kind == "xlsx" and _checked_package(path, wanted) == -1:
        raise _no_header(path, kind, marker)
    if kind == "csv":
        try:
            uploads.check_csv_lines(path)
        except uploads.UploadRejected as exc:
            raise TableError(str(exc)) from exc
    found = _header(raw, wanted)
    if found is None:
        raise _no_header(path, kind, marker)
    number, cells, leading = found
    max_rows = uploads.limit(
        "FANGPIN_IMPORT_MAX_CSV_ROWS" if kind == "csv" else "FANGPIN_IMPORT_MAX_ROWS"
    )
    max_columns = uploads.limit("FANGPIN_IMPORT_MAX_COLUMNS")

    def data(start: int = number) -> Iterator[tuple[int, list[Any]]]:
        try:
            for n, row in enumerate(raw, start=start + 1):
                if n > max_rows:
                    raise TableError(f"文件超过{max_rows}行，已拒绝；请按乡镇拆分后分别上传")
                if len(row) > max_columns and not is_blank(row[max_columns:]):
                    raise TableError(
                        f"第{n}行有数据的列超过{max_columns}列，已拒绝；请删除多余的列后再上传"
                    )
                if not is_blank(row):
                    yield n, row
        except UnicodeDecodeError as exc:
            raise TableError("CSV文件编码无法识别，请另存为UTF-8或GB18030") from exc

    if len(cells) > max_columns and not is_blank(cells[max_columns:]):
        raise TableError(f"表头超过{max_columns}列，已拒绝；请删除多余的列后再上传")
    # As written (trimmed): messages name a column by its header text, 县（市、区） included;
    # layouts match headers folded (core.layout.Layout.map_headers).
    headers = [free_text(c) for c in cells]
    size = path.stat().st_size
    return Table(headers, number, data(), kind, encoding, leading, size, excel_errors)


def text(value: Any) -> str:
    """A cell as trimmed text, full-width letters and digits folded; whole numbers without “.0”."""
    if value.__class__ is str:  # the common case first: this runs for every cell
        if value.isascii():
            return value.strip()
        return unicodedata.normalize("NFKC", value).strip()
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    s = str(value)
    if s.isascii():
        return s.strip()
    return unicodedata.normalize("NFKC", s).strip()


# Full-width letters and digits (０-９, Ａ-Ｚ, ａ-ｚ) → ASCII; nothing else.
_FULL_WIDTH_ALNUM = {
    cp: cp - 0xFEE0
    for first, last in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for cp in range(first, last + 1)
}


def free_text(value: Any) -> str:
    """A free-text cell as the user wrote it: trimmed, full-width letters and digits folded, but
    Chinese punctuation (，。：（）), circled numbers and units kept — `text` folds them all (NFKC),
    which is right for codes and headers but would rewrite a 问题描述 or a 建设内容 (and make a
    row saved by hand "changed" when its export is imported back)."""
    if value.__class__ is str:
        return value.strip() if value.isascii() else value.translate(_FULL_WIDTH_ALNUM).strip()
    return text(value)


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_POINT_ZERO = re.compile(r"\d+\.0+")
_DIGITS_KEPT_BY_EXCEL = 15
_EXACT_FLOAT = 2.0**53  # every integer below it is a float exactly


def number_text(value: Any) -> tuple[str, str]:
    """Restore a code (ID number, 户编号) that Excel stored as a number.

    Returns (text, problem): problem is "" when the value is intact, or a Chinese sentence when
    Excel kept only 15 significant digits and the rest are lost.
    """
    if isinstance(value, bool):
        return str(value), ""
    if isinstance(value, int):
        return str(value), ""
    if isinstance(value, float):
        if not value.is_integer():
            # 4202810556.5 would round to another household's number, or to another phone.
            return f"{value}", f"该值是带小数的数字（{value}），应为一串数字；请核对后重新填写"
        digits = f"{value:.0f}"
        # Excel keeps 15 significant digits and zeroes the rest. A number written by another
        # program (openpyxl, a script) may carry more: below 2**53 a float holds them exactly,
        # and a non-zero digit after the 15th proves that nothing was cut.
        exact = value.is_integer() and value < _EXACT_FLOAT and digits[15:].strip("0")
        if len(digits) > _DIGITS_KEPT_BY_EXCEL and not exact:
            return digits, (
                f"该值被Excel存成了数字（{value:.14E}），只保留了15位有效数字，"
                "后几位已丢失；请把该列设为“文本”格式后重新填写"
            )
        return digits, ""
    s = text(value)
    if ("E" in s or "e" in s) and _SCIENTIFIC.match(s):
        return s, (f"该值是科学计数法“{s}”，数字已丢失；请把该列设为“文本”格式后重新填写原始号码")
    if "." in s and _POINT_ZERO.fullmatch(s):
        # 13812345678.0: a CSV written by a program from a column of numbers with blanks in it
        # (pandas); the digits before the point are all there.
        return s[: s.index(".")], ""
    return s, ""


_DATE_PATTERNS = (
    # A time after the day (what a program writes for a date cell: 2024-03-05 00:00:00), nothing
    # else: 2024-03-05 垃圾 is not a date.
    (
        re.compile(
            r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
            r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?$"
        ),
        3,
    ),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), 3),
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"), 2),
    (re.compile(r"^(\d{4})(\d{2})$"), 2),
)
# An Excel serial number written as text (a CSV saved from a sheet whose date cells had lost their
# format): five digits, 1927–2173; six and eight digits are YYYYMM and YYYYMMDD.
_SERIAL_TEXT = re.compile(r"^(\d{5})(?:\.0+)?$")


def to_date(value: Any) -> dt.date | None:
    """A date from an Excel date, an Excel serial number (also as text), or text (YYYY-MM-DD,
    YYYY-MM, YYYYMM, YYYYMMDD, YYYY年M月D日). Blank → None; anything else raises ValueError."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466 and not (190001 <= value <= 299912):
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        value = str(int(value))
    s = text(value)
    if not s:
        return None
    for pattern, parts in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            day = int(m.group(3)) if parts == 3 else 1
            return dt.date(year, month, day)
    m = _SERIAL_TEXT.match(s)
    if m:
        return _EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
    raise ValueError(s)
