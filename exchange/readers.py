"""Reading department files (formats.md §2) into DuckDB: encoding, headers, set-wise validation.

A file becomes the DuckDB table `raw` (every cell as text, with the row's own number, blank rows
left out), then the table `parsed` (typed values, normalised ID number, and a Chinese reason for
every bad row). A CSV whose lines are its rows is read by DuckDB directly; a workbook, or a CSV with
line breaks in cells or empty lines, is first numbered by core.tabular's reader. Checks are SQL
expressions over the whole file, except ID numbers and dates: the register's own parsers
(formats.md §1) run once per distinct value, so a 3,000,000-row 医保 file still costs seconds.

A cell holding an Excel error (#N/A of a broken VLOOKUP…) rejects its row, as a bad date does: a
CSV saved by Excel holds the error's text, and `numbered_copy` writes a workbook's error cell
(which calamine reads as blank) as that text too.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import idnumber, uploads
from core.codes import fold
from core.dates import today
from core.layout import CellError, Date, counted_error_cells, given_twice, repeated_columns
from core.layout import id_number as id_cell
from core.tabular import (
    EXCEL_ERRORS,
    HEADER_SEARCH_ROWS,
    TableError,
    csv_dialect,
    excel_error,
    is_blank,
    raw_rows,
    text,
    unsupported_type,
)
from core.xlsxparts import FoundError

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Column:
    """One header of a department file: its Chinese name, SQL alias, kind and whether required."""

    header: str
    alias: str
    kind: str = "text"  # id | text | date | money | enum
    required: bool = True
    values: tuple[str, ...] = ()
    # A date: one that has happened (not after today, as the register's dates) unless False.
    past: bool = True
    # A date: the alias of the date in the same row it may not precede (an end's start).
    not_before: str = ""


@dataclass(frozen=True)
class Source:
    """One department file layout."""

    code: str
    department: str
    label: str
    columns: tuple[Column, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _base(*rest: Column) -> tuple[Column, ...]:
    return (Column("证件号码", "id_raw", "id"), Column("姓名", "name"), *rest)


SOURCES: dict[str, Source] = {
    s.code: s
    for s in (
        Source(
            "medical",
            "医保",
            "医保结算",
            _base(
                Column("结算日期", "settle_date", "date"),
                Column("就诊类型", "visit_type", "enum", values=("住院", "门诊慢特病", "普通门诊")),
                Column("医疗总费用", "total_cost", "money"),
                Column("基本医保支付", "basic_paid", "money", required=False),
                Column("大病保险支付", "serious_paid", "money", required=False),
                Column("医疗救助支付", "assist_paid", "money", required=False),
                Column("个人自付", "self_paid", "money"),
            ),
        ),
        Source(
            "disability",
            "残联",
            "残疾人证",
            _base(
                Column("残疾人证号", "certificate"),
                Column("残疾类别", "disability_type"),
                Column("残疾等级", "level", "enum", values=("一级", "二级", "三级", "四级")),
                Column("发证日期", "issued_date", "date"),
            ),
        ),
        Source(
            "civil",
            "民政",
            "社会救助",
            _base(
                Column(
                    "救助类别",
                    "aid_type",
                    "enum",
                    values=(
                        "农村低保",
                        "农村特困",
                        "临时救助",
                        "低保边缘",
                        "刚性支出困难",
                        # formats.md §8: counted in the report's 兜底保障.
                        "事实无人抚养儿童",
                        "困难残疾人生活补贴",
                        "重度残疾人护理补贴",
                    ),
                ),
                Column("开始日期", "start_date", "date"),
                # The term's planned end: later than today while the aid lasts.
                Column(
                    "结束日期",
                    "end_date",
                    "date",
                    required=False,
                    past=False,
                    not_before="start_date",
                ),
                Column("金额", "amount", "money", required=False),
            ),
        ),
        Source(
            "education",
            "教育",
            "学籍",
            _base(
                Column("学段", "stage", required=False),
                Column("年级", "grade", required=False),
                Column("学籍状态", "status", "enum", values=("在读", "休学", "辍学", "毕业")),
                Column("学校名称", "school", required=False),
                Column("更新日期", "updated_date", "date"),
            ),
        ),
        Source(
            "housing",
            "住建",
            "房屋安全鉴定",
            _base(
                Column("鉴定等级", "grade", "enum", values=("A", "B", "C", "D")),
                Column("鉴定日期", "assessed_date", "date"),
            ),
        ),
        Source(
            "employment",
            "人社",
            "就业",
            _base(
                Column("就业状态", "status", "enum", values=("已就业", "未就业")),
                Column("就业地区", "place", required=False),
                Column("月收入", "monthly_income", "money", required=False),
                Column("更新日期", "updated_date", "date"),
            ),
        ),
        Source(
            "disaster",
            "应急管理",
            "灾情",
            _base(
                Column("灾害类型", "disaster_type"),
                Column("受灾日期", "disaster_date", "date"),
                Column("损失金额", "loss", "money"),
            ),
        ),
        Source(
            "civil_registry",
            "公安",
            "户籍变动",
            _base(
                Column("变动类型", "change_type", "enum", values=("死亡", "迁出", "迁入", "出生")),
                Column("变动日期", "change_date", "date"),
            ),
        ),
    )
}


class FileRejected(Exception):
    """The whole file cannot be read (wrong headers, unreadable); `messages` say why, in Chinese."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


class Unreadable(FileRejected):
    """DuckDB cannot read the CSV (unbalanced quotes, a row wider than the header)."""

    def __init__(self) -> None:
        super().__init__([UNREADABLE])


@dataclass
class Parsed:
    """What reading a file produced: counts and the first bad rows (all of them are counted)."""

    records: int = 0
    rejected: int = 0
    errors: list[dict] = field(default_factory=list)


# --- encoding ---------------------------------------------------------------------------------

_CHUNK = 1 << 20


# What DuckDB reads as it is, or as a UTF-8 copy (`transcode`).
PLAIN_CSV = {("utf-8-sig", ","), ("gb18030", ",")}


def detect_encoding(path: Path) -> str:
    """'utf-8' (with or without BOM) or 'gb18030', decided by a streaming UTF-8 decode."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return "gb18030"
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def transcode(path: Path, encoding: str, workdir: Path) -> Path:
    """A UTF-8 copy of a GB18030 file, written in one streaming pass (DuckDB reads UTF-8 only)."""
    out = workdir / "transcoded.csv"
    with (
        path.open("r", encoding=encoding, newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
    return out


ROW_COLUMN = "__fangpin_row_no"  # the row number column of a numbered copy (no department's)


@dataclass(frozen=True)
class Prepared:
    """A UTF-8 CSV that DuckDB reads, and how its rows are numbered.

    `numbered`: its first column (ROW_COLUMN) holds each row's own number and blank rows are
    gone; otherwise every line of the file is one row and the header is line 1.
    """

    path: Path
    numbered: bool = False


_EMPTY_LINE = re.compile(rb"\n\r?\n")
_NOT_QUOTE_OR_NEWLINE = bytes(b for b in range(256) if b not in b'"\n')


def lines_are_rows(path: Path) -> bool:
    """Whether every line of a UTF-8 CSV is one row, so that DuckDB's count of records is the
    line number (formats.md §1): no line break inside a quoted cell (one record over several
    lines) and no empty line before the last row (DuckDB skips it, and every later row's number
    would be one too low). One streaming pass over the bytes; quotes are rare in these files.
    """
    quoted = False  # inside a quoted cell at the end of what was read
    empty_seen = False  # an empty line was read; harmless only if nothing but line ends follow
    tail = b"\n"  # the file starts on a new line: an empty first line counts
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if empty_seen and chunk.strip(b"\r\n"):
                return False
            found = _EMPTY_LINE.search(tail + chunk)
            if found is not None:
                if (tail + chunk)[found.end() :].strip(b"\r\n"):
                    return False
                empty_seen = True
            tail = chunk[-2:]
            if not quoted and b'"' not in chunk:
                continue
            *lines, last = chunk.translate(None, _NOT_QUOTE_OR_NEWLINE).split(b"\n")
            for line in lines:  # the quotes on each line: an odd count opens or closes a cell
                if quoted ^ (len(line) % 2 == 1):
                    return False
                quoted = False
            quoted ^= len(last) % 2 == 1
    return True


def _cell(value: Any) -> str:
    """A cell as the text DuckDB reads: strings as written, anything else as core.tabular
    shows it (an Excel date as YYYY-MM-DD, with its time after a space; whole numbers
    without “.0”), which the register's parsers read back."""
    return value if value.__class__ is str else text(value)


def _names_id(cells: list[Any]) -> bool:
    """Whether a row holds the 证件号码 header (a header row, not a title above it)."""
    return any(isinstance(c, str) and header_key(c) == _ID_HEADER for c in cells)


def from_header(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """The rows, those above the header row blanked: a department's export may open with a
    title or a date, as a national-system export does (formats.md §1: the header is the first
    row, within the first 10, that holds 证件号码). Without such a row, all of them as they are
    (the first row that is not blank is the header, and its missing columns are named)."""
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    at = next((i for i, cells in enumerate(head) if _names_id(cells)), 0)
    for i, cells in enumerate(head):
        yield [] if i < at else cells
    yield from rows


def numbered_copy(path: Path, workdir: Path) -> Prepared:
    """The file's rows (each at its own number, from 1; core.tabular.raw_rows) as a UTF-8 CSV
    with the row number first and blank rows left out. The header is the first row that is
    not blank below any title (`from_header`); every row is cut or padded to its width, so
    DuckDB reads cells with line breaks without null_padding (which its parallel reader
    refuses with them).

    A cell holding an Excel error (#N/A…) comes "" (core.tabular.raw_rows lists it). One below
    the header, in a named column of a row with something else in it
    (core.layout.counted_error_cells) gets its error's text back, as a CSV saved by Excel holds
    it, so that `load` rejects its row as it does a CSV's."""
    errors: list[FoundError] = []
    rows = from_header(raw_rows(path, errors)[2])
    out = workdir / "numbered.csv"
    width = 0
    named: set[int] = set()  # the header's positions with a name
    at = 0  # the header's row
    taken = 0  # errors looked at so far
    pending: dict[int, list[tuple[int, str]]] = {}  # row → (column, error) to write back
    try:
        with out.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            for number, cells in enumerate(rows, start=1):
                if is_blank(cells):
                    continue
                values = [_cell(c) for c in cells]
                if not width:
                    width = len(values)
                    named = {i for i, h in enumerate(values) if h.strip()}
                    at = number
                    writer.writerow([ROW_COLUMN, *values])
                    continue
                values = values[:width] + [""] * (width - len(values))
                if len(errors) > taken:
                    # A department's total row is one of its rows: rejected as any other.
                    for row, column, value, _ in counted_error_cells(
                        errors[taken:], at, named, totals=False
                    ):
                        pending.setdefault(row, []).append((column, value))
                    taken = len(errors)
                for column, value in pending.pop(number, ()):
                    values[column] = value
                writer.writerow([number, *values])
    except TableError as exc:  # core.tabular's Chinese words for what it cannot read
        raise FileRejected([str(exc)]) from exc
    if not width:  # not even a header: DuckDB would call it no CSV at all
        raise FileRejected([EMPTY_FILE])
    return Prepared(out, numbered=True)


EMPTY_FILE = "文件是空的：没有表头行，也没有数据。请确认上传的是部门导出的数据文件"


_ENCODING_UNKNOWN = "文件编码无法识别，请另存为UTF-8或GB18030编码的CSV，或 .xlsx"


def read(con: duckdb.DuckDBPyConnection, source: Source, path: Path, workdir: Path) -> Parsed:
    """Read an upload into table `parsed` (`prepare`, then `load`).

    A CSV that DuckDB refuses as it is (a stray quote, a row wider than the header) is read
    again through core.tabular's reader, as the register's import would read it; only a file
    neither can read is rejected, in Chinese (FileRejected).
    """
    prepared = prepare(path, workdir)
    try:
        return load(con, source, prepared)
    except Unreadable:
        if prepared.numbered:
            raise
    return load(con, source, numbered_copy(prepared.path, workdir))


def prepare(path: Path, workdir: Path) -> Prepared:
    """Any accepted upload (CSV in UTF-8/GB18030, or .xlsx) as a CSV DuckDB reads.

    A CSV whose lines are its rows (the usual department export) is read by DuckDB as it is, or
    as a UTF-8 copy; a workbook, or a CSV with cells spanning lines or empty lines between
    rows, goes through core.tabular's reader, which numbers rows as the register import does.
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:  # bounded before calamine inflates anything (core.uploads)
            uploads.verify_package(path)
        except uploads.UploadRejected as exc:
            raise FileRejected([str(exc)]) from exc
        return numbered_copy(path, workdir)
    if suffix not in (".csv", ".txt"):
        raise FileRejected([unsupported_type(path.suffix)])
    try:  # its lines counted before DuckDB or core.tabular reads a row, as an import's are
        uploads.check_csv_lines(path)
    except uploads.UploadRejected as exc:
        raise FileRejected([str(exc)]) from exc
    if csv_dialect(path) not in PLAIN_CSV:  # UTF-16, tabs, semicolons: core.tabular reads those
        return numbered_copy(path, workdir)
    encoding = detect_encoding(path)
    try:
        csv_path = path if encoding == "utf-8" else transcode(path, encoding, workdir)
    except UnicodeDecodeError as exc:  # never the codec's own words
        raise FileRejected([_ENCODING_UNKNOWN]) from exc
    if lines_are_rows(csv_path) and _names_id(header_row(Prepared(csv_path))):
        return Prepared(csv_path)
    return numbered_copy(csv_path, workdir)


# --- SQL building blocks ----------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- the register's rules (formats.md §1), once per distinct cell -----------------------------


def _named(header: str, message: str) -> str:
    """A message of the register's cell parsers, naming the column it is about."""
    if message.startswith(header):
        return message
    return header + (message if message.startswith("“") else "：" + message)


def excel_error_of(header: str, raw: str) -> str | None:
    """The message for a cell of `header` holding an Excel error's text (#N/A…: a CSV saved by
    Excel, or a workbook's error cell as `numbered_copy` writes it), else None."""
    value = raw.strip()
    return _named(header, excel_error(value)) if value in EXCEL_ERRORS else None


def id_number(raw: str, on: dt.date) -> tuple[str, str | None]:
    """(number, error) of a 证件号码 cell as the register reads it (core.layout.id_number): an
    18-digit resident number (15 digits converted) or a 20/22-character 残疾人证号."""
    good = idnumber.quick(raw, on)  # the usual cell, without building a check
    if good is not None:
        return good[0], None
    error = excel_error_of("证件号码", raw)
    if error is not None:
        return "", error
    try:
        value = id_cell(raw, on)
    except CellError as exc:
        return idnumber.normalize(raw), _named("证件号码", str(exc))
    return value, (None if value else "证件号码为空")


def date_parser(column: Column) -> Callable[[str], tuple[dt.date | None, str | None]]:
    """(date, error) of a cell of a date column as the register reads its dates
    (core.layout.Date: YYYY-MM-DD, YYYY-MM, YYYYMM, an Excel serial; not after today unless
    the column says so)."""
    kind = Date(past=column.past)

    def parse(raw: str) -> tuple[dt.date | None, str | None]:
        error = excel_error_of(column.header, raw)
        if error is not None:
            return None, error
        try:
            return kind.parse(raw), None
        except CellError as exc:
            return None, _named(column.header, str(exc))

    return parse


def _map_cells(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    parse: Callable[[str], tuple[Any, str | None]],
    value_type: str,
) -> None:
    """Table `table` (_text, _value, _error): `parse` of every distinct text of `column` of `raw`.

    A department file repeats its ID numbers (~8 rows a person in 医保) and dates (a few hundred
    days), so the register's own parsers run in Python once per value and DuckDB joins back.
    """
    import pyarrow as pa

    distinct = con.execute(f"SELECT DISTINCT coalesce({column}, '') FROM raw").fetchall()
    texts = [t for (t,) in distinct]
    values, errors = [], []
    for t in texts:
        value, error = parse(t)
        values.append(value)
        errors.append(error)
    arrow = pa.table(
        {
            "_text": pa.array(texts, pa.string()),
            "_value": pa.array(values, pa.type_for_alias(value_type)),
            "_error": pa.array(errors, pa.string()),
        }
    )
    con.register(f"{table}_arrow", arrow)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {table}_arrow")
    con.unregister(f"{table}_arrow")


# Full-width ASCII (U+FF01–U+FF5E) and the ideographic space, and their half-width twins: what a
# cell typed in a Chinese input method's full-width mode holds ("３０００", "Ｃ", "住院　").
_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF = "".join(chr(c) for c in range(0x21, 0x7F)) + " "


def _folded(expr: str) -> str:
    """SQL of `expr` folded to half-width without any space, as the register compares coded
    values (core.codes.fold); used only where the cell as it stands does not read, so a file
    of plain cells pays nothing for it."""
    return f"regexp_replace(translate({expr}, {_lit(_FULL)}, {_lit(_HALF)}), '\\s', '', 'g')"


def _excel_error_sql(c: Column, t: str, otherwise: str) -> str:
    """SQL of `excel_error_of` for the trimmed text `t` of a cell of column `c`, or of
    `otherwise` when it is no Excel error's text."""
    before, after = _named(c.header, excel_error("\0")).split("\0")
    errors = ", ".join(_lit(e) for e in sorted(EXCEL_ERRORS))
    return (
        f"CASE WHEN {t} LIKE '#%' AND {t} IN ({errors}) "
        f"THEN {_lit(before)} || {t} || {_lit(after)} ELSE {otherwise} END"
    )


def _column_sql(c: Column, col: str) -> tuple[str, str, str]:
    """(inner SQL, value SQL, error SQL) for one column; the error is NULL when the cell is fine.

    The inner SELECT computes the trimmed text `t_<alias>` and the typed value `v_<alias>` once;
    the outer SELECT's value and error only refer to those (a cast written twice costs twice).
    A date column's value and error come from its table `d_<alias>` (`_map_cells`), joined in.
    A cell holding an Excel error's text (#N/A…) is told so (`_excel_error_sql`), looked at
    only where the cell is not already a valid amount or code.
    """
    t, v = f"t_{c.alias}", f"v_{c.alias}"
    # trim() copies every string; most cells have no outer spaces, so only those are trimmed.
    text = (
        f"CASE WHEN {col} IS NULL THEN '' WHEN {col} LIKE ' %' OR {col} LIKE '% ' "
        f"THEN trim({col}) ELSE {col} END AS {t}"
    )
    missing = f"'{c.header}为空'" if c.required else "NULL"
    if c.kind == "date":
        e = f"e_{c.alias}"
        inner = f"d_{c.alias}._value AS {v}, d_{c.alias}._error AS {e}"
        return inner, v, f"CASE WHEN {v} IS NULL AND {e} IS NULL THEN {missing} ELSE {e} END"
    if c.kind == "money":
        plain = t
        clean = f"regexp_replace({_folded(plain)}, '[,，元]', '', 'g')"
        inner = (
            f"{text}, coalesce(try_cast({plain} AS DECIMAL(14, 2)), "
            f"try_cast({clean} AS DECIMAL(14, 2))) AS {v}"
        )
        bad = f"'{c.header}“' || {t} || '”不是有效金额'"
        neg = f"'{c.header}不能为负数'"
        return (
            inner,
            f"coalesce({v}, 0)",
            f"CASE WHEN {t} = '' THEN {missing} "
            f"WHEN {v} IS NULL THEN {_excel_error_sql(c, t, bad)} WHEN {v} < 0 THEN {neg} END",
        )
    if c.kind == "enum":
        allowed = ", ".join(_lit(x) for x in c.values)
        bad = f"'{c.header}“' || {t} || '”不在代码表中（应为{'/'.join(c.values)}）'"
        folded = f"CASE WHEN upper({t}) IN ({allowed}) THEN upper({t}) ELSE upper({_folded(t)}) END"
        return (
            f"{text}, {folded} AS {v}",
            f"NULLIF({v}, '')",
            f"CASE WHEN {t} = '' THEN {missing} "
            f"WHEN {v} NOT IN ({allowed}) THEN {_excel_error_sql(c, t, bad)} END",
        )
    return text, t, f"CASE WHEN {t} = '' THEN {missing} ELSE {_excel_error_sql(c, t, 'NULL')} END"


UNREADABLE = (
    "无法按CSV读取文件（引号不配对、各行的列数不一致，或不是文本文件）。"
    "请用 Excel 或 WPS 打开后“另存为” CSV（UTF-8）或 .xlsx 再上传"
)
# A row whose cells are all empty or spaces (also the ideographic space) is no row (§1), nor
# one whose only other cells hold Excel errors (a formula filled down past the data), as in a
# workbook (core.layout.counted_error_cells).
_BLANK = _lit("(?:[\\s\\x{3000}]|" + "|".join(re.escape(e) for e in sorted(EXCEL_ERRORS)) + ")*")


def _read_raw(con: duckdb.DuckDBPyConnection, prepared: Prepared) -> list[str]:
    """Table `raw`: the file's rows that are not blank, every cell as text, with `row_no`, the
    row's own number (formats.md §1). Returns the file's column names."""
    import duckdb

    options = "header=true, all_varchar=true, delim=',', quote='\"'"
    # A numbered copy has every row at full width and may hold line breaks in cells, which
    # DuckDB's parallel reader refuses together with null_padding.
    if not prepared.numbered:
        options += ", null_padding=true"
    source = f"read_csv({_lit(str(prepared.path))}, {options})"
    try:
        columns = [c for c in con.sql(f"SELECT * FROM {source}").columns if c != ROW_COLUMN]
        if prepared.numbered:
            number = _q(ROW_COLUMN)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE raw AS SELECT * EXCLUDE ({number}), "
                f"CAST({number} AS BIGINT) AS row_no FROM {source}"
            )
        else:  # every line a row, the header line 1 (lines_are_rows)
            # Spaces between the cells: two cells' texts never make one error's.
            cells = f"concat_ws(' ', {', '.join(_q(c) for c in columns)})"
            first = _q(columns[0])
            # The first cell decides nearly every row; DuckDB's OR looks at the whole row only
            # where it is empty or holds a "#" (0.25 s of CPU less in a 3,000,000-row file).
            con.execute(
                "CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM "
                f"(SELECT *, row_number() OVER () + 1 AS row_no FROM {source}) "
                f"WHERE ({first} <> '' AND {first} NOT LIKE '%#%') "
                f"OR NOT regexp_full_match({cells}, {_BLANK})"
            )
    except duckdb.Error as exc:  # never DuckDB's English
        raise Unreadable from exc
    return columns


def header_row(prepared: Prepared) -> list[str]:
    """The header row's texts as written, at their own positions (DuckDB renames a header it
    meets twice, 证件号码 → 证件号码_1, so its column names cannot tell)."""
    with prepared.path.open(encoding="utf-8-sig", newline="") as fh:
        cells = next(csv.reader(fh), [])
    return cells[1:] if prepared.numbered else cells


_ID_HEADER = "证件号码"
_KNOWN_HEADERS = frozenset(fold(h) for s in SOURCES.values() for h in s.headers)
_NOTE = re.compile(r"(.+?)\(.*\)")


def header_key(header: str) -> str:
    """A header as compared (core.codes.fold, without a BOM); a department header followed by
    its values in brackets, as formats.md §2 writes them (鉴定等级 (A/B/C/D)), is that header."""
    key = fold(header).lstrip("\ufeff")
    noted = _NOTE.fullmatch(key)
    if key not in _KNOWN_HEADERS and noted and noted.group(1) in _KNOWN_HEADERS:
        return noted.group(1)
    return key


def repeated_headers(source: Source, headers: list[str]) -> list[str]:
    """The source's columns that the header row gives twice, each with both positions
    (core.layout.given_twice): which one holds the department's value would be a guess."""
    wanted = {fold(h) for h in source.headers}
    first: dict[str, int] = {}
    twice: list[str] = []
    for i, header in enumerate(headers):
        key = header_key(header)
        if key not in wanted:
            continue
        if key in first:
            twice.append(given_twice(headers[first[key]].strip(), first[key], i))
        else:
            first[key] = i
    return twice


def _other_source(source: Source, folded: dict[str, str]) -> str:
    """A hint when the file has every header of another department's file: the user chose the
    wrong 数据来源 (a 残联 file compared as 医保), not a broken file."""
    for other in SOURCES.values():
        if other.code != source.code and all(fold(h) in folded for h in other.headers):
            return (
                f"。文件的表头是{other.department}{other.label}文件（{other.code}）的，"
                f"而所选数据来源是{source.department}（{source.code}），请确认数据来源是否选错"
            )
    return ""


def mark_repeated_rows(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Reject a valid row of `parsed` that repeats an earlier one value for value, naming it.

    A department file has no record number, and one sent twice (an export run twice, two sheets
    pasted together) would add a settlement's 自付 or a disaster's 损失 up twice and warn of a
    line never crossed. The register's cell readers decide "the same" (2026/4/1 is 2026-04-01),
    and the first of the rows is the one kept, as a 医保 row sent again next month counts once.
    """
    values = ", ".join("id_number" if c.kind == "id" else c.alias for c in source.columns)
    con.execute(
        "UPDATE parsed SET error = '与第' || CAST(d.first AS VARCHAR) || "
        "'行各列完全相同（重复记录），只计入一次' "
        "FROM (SELECT row_no, min(row_no) OVER (PARTITION BY "
        f"{values}) AS first FROM parsed WHERE error IS NULL) d "
        "WHERE parsed.row_no = d.row_no AND d.first < d.row_no"
    )


def load(con: duckdb.DuckDBPyConnection, source: Source, prepared: Prepared) -> Parsed:
    """Read the file into table `parsed` (valid and bad rows, typed) and count it.

    Raises FileRejected when the file cannot be read, required headers are missing or one is
    given twice. Row numbers are the file's own (the spreadsheet's row, a CSV's line); blank
    rows are skipped.
    """
    columns = _read_raw(con, prepared)
    folded = {header_key(name): name for name in columns}
    missing = [c.header for c in source.columns if fold(c.header) not in folded]
    problems = (
        [f"缺少必需的列：{'、'.join(missing)}{_other_source(source, folded)}"] if missing else []
    )
    twice = repeated_headers(source, header_row(prepared))
    if twice:
        problems.append(repeated_columns(twice))
    if problems:
        raise FileRejected(problems)
    inner, selects, errors, joins = [], [], [], []
    id_col = ""
    on = today()
    for c in source.columns:
        col = _q(folded[fold(c.header)])
        if c.kind == "id":
            id_col = col
            selects.append("_id AS id_number")
            errors.append("_id_error")
            continue
        if c.kind == "date":
            _map_cells(con, f"d_{c.alias}", col, date_parser(c), "date32")
            joins.append(f"LEFT JOIN d_{c.alias} ON d_{c.alias}._text = coalesce(raw.{col}, '')")
        typed, value, error = _column_sql(c, col)
        inner.append(typed)
        selects.append(f"{value} AS {c.alias}")
        errors.append(error)
    _map_cells(con, "idmap", id_col, lambda raw: id_number(raw, on), "string")
    reasons = f"concat_ws('；', {', '.join(errors)})"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE parsed AS SELECT row_no, {', '.join(selects)}, "
        f"NULLIF({reasons}, '') AS error FROM (SELECT row_no, idmap._value AS _id, "
        f"idmap._error AS _id_error, {', '.join(inner)} FROM raw "
        f"JOIN idmap ON idmap._text = coalesce(raw.{id_col}, '') {' '.join(joins)})"
    )
    by_alias = {c.alias: c for c in source.columns}
    for c in source.columns:
        if c.not_before:
            # A row read cell by cell may still say its aid ended before it began.
            message = _named(c.header, f"早于{by_alias[c.not_before].header}")
            con.execute(
                f"UPDATE parsed SET error = concat_ws('；', error, {_lit(message)}) "
                f"WHERE {c.alias} < {c.not_before}"
            )
    mark_repeated_rows(con, source)
    # free the text copy before matching
    con.execute("DROP TABLE raw; DROP TABLE idmap")
    for c in source.columns:
        if c.kind == "date":
            con.execute(f"DROP TABLE d_{c.alias}")
    records, rejected = con.execute("SELECT count(*), count(error) FROM parsed").fetchone() or (
        0,
        0,
    )
    bad = con.execute(
        "SELECT row_no, error FROM parsed WHERE error IS NOT NULL ORDER BY row_no LIMIT 1000"
    ).fetchall()
    return Parsed(
        records=int(records),
        rejected=int(rejected),
        errors=[{"row": int(r), "message": m} for r, m in bad],
    )


def workdir() -> tempfile.TemporaryDirectory:
    """A scratch directory for transcoded files (removed afterwards)."""
    return tempfile.TemporaryDirectory(prefix="fangpin-exchange-")
