"""Reading the spreadsheets users bring: `.xlsx` (python-calamine) and `.csv` (UTF-8, BOM, GB18030).

`open_table(path, marker="证件号码")` finds the header row (the first row, within the first ten,
with the marker), and yields data rows with the spreadsheet's own row numbers, skipping blank rows.
The cell helpers turn what Excel or WPS wrote (numbers for ID numbers, serial dates, full-width
characters, trailing spaces) back into the values people typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import xlsxparts
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

    def index(self) -> dict[str, int]:
        """Folded header text → column position (the first one wins)."""
        positions: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            positions.setdefault(fold(h), i)
        return positions


def detect_encoding(data: bytes) -> str:
    """utf-8-sig when the bytes are valid UTF-8 (with or without BOM), else GB18030."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by a sample boundary is still UTF-8.
        if exc.start < len(data) - 4:
            return "gb18030"
    return "utf-8-sig"


def raw_rows(path: Path) -> tuple[str, str, Iterator[list[Any]]]:
    """(kind, encoding, every row of the first sheet from row 1) — blank rows included."""
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        return "xlsx", "", _sheet_rows(path)
    if suffix in {".csv", ".txt"}:
        with path.open("rb") as fh:
            sample = fh.read(1 << 20)
        encoding = detect_encoding(sample)
        text = path.open(encoding=encoding, newline="", errors="strict")
        return "csv", encoding, (list(r) for r in csv.reader(text))
    raise TableError(f"不支持的文件类型“{path.suffix}”，请上传 .xlsx 或 .csv 文件")


# A workbook that is not one (a renamed file, a download cut short): calamine and zipfile say
# "Could not find EOCD" or "File is not a zip file"; the user gets this instead.
BROKEN_WORKBOOK = (
    "无法读取Excel文件：文件不是有效的 .xlsx 工作簿（可能已损坏、没有下载完整，或只是改了扩展名）。"
    "请用 Excel 或 WPS 打开后“另存为” .xlsx 或 CSV（UTF-8）再上传"
)


def _sheet_rows(path: Path) -> Iterator[list[Any]]:
    """The first sheet's rows at the spreadsheet's own positions (core.xlsxparts reads ahead)."""
    try:
        yield from xlsxparts.rows(path)
    except Exception as exc:  # calamine and zipfile raise their own types for broken files
        raise TableError(BROKEN_WORKBOOK) from exc


def is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def open_table(path: str | Path, marker: str = "证件号码") -> Table:
    """Open the first sheet of `path` and find its header row by `marker`."""
    path = Path(path)
    kind, encoding, raw = raw_rows(path)
    wanted = fold(marker)
    leading: list[list[Any]] = []
    for number, cells in enumerate(raw, start=1):
        if any(fold(c) == wanted for c in cells if isinstance(c, str)):
            headers = [text(c) for c in cells]

            def data(start: int = number) -> Iterator[tuple[int, list[Any]]]:
                try:
                    for n, row in enumerate(raw, start=start + 1):
                        if not is_blank(row):
                            yield n, row
                except UnicodeDecodeError as exc:
                    raise TableError("CSV文件编码无法识别，请另存为UTF-8或GB18030") from exc

            return Table(headers, number, data(), kind, encoding, leading, path.stat().st_size)
        leading.append(cells)
        if number >= HEADER_SEARCH_ROWS:
            break
    raise TableError(f"前{HEADER_SEARCH_ROWS}行中没有找到含“{marker}”的表头行，请使用标准模板")


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


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_DIGITS_KEPT_BY_EXCEL = 15


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
        digits = f"{value:.0f}"
        if len(digits) > _DIGITS_KEPT_BY_EXCEL:
            return digits, (
                f"该值被Excel存成了数字（{value:.14E}），只保留了15位有效数字，"
                "后几位已丢失；请把该列设为“文本”格式后重新填写"
            )
        return digits, ""
    s = text(value)
    if ("E" in s or "e" in s) and _SCIENTIFIC.match(s):
        return s, (f"该值是科学计数法“{s}”，数字已丢失；请把该列设为“文本”格式后重新填写原始号码")
    return s, ""


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s.*)?$"), 3),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), 3),
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"), 2),
    (re.compile(r"^(\d{4})(\d{2})$"), 2),
)


def to_date(value: Any) -> dt.date | None:
    """A date from an Excel date, an Excel serial number, or text (YYYY-MM-DD, YYYY-MM, YYYYMM,
    YYYYMMDD, YYYY年M月D日). Blank → None; anything else raises ValueError."""
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
    raise ValueError(s)
