"""Reading a large first sheet in parts, on threads, while the caller works on the rows.

python-calamine parses a whole sheet before it yields a row, without holding the GIL. For a county
workbook that is several seconds in which the caller could already be checking rows. So the
sheet's XML is cut at row boundaries into a few smaller workbooks (the other parts of the package,
shared strings and styles included, copied as they are), which two threads build and parse while
the rows of earlier parts are consumed. Rows keep the spreadsheet's own positions: a
part starting at row 200,001 yields it as the 200,001st row, and leading empty columns are kept.

Anything unexpected in the package (no sheetData, a cut that finds no row end) falls back to one
part: the workbook as it is.

A cell holding an Excel error (#N/A of a broken VLOOKUP, #DIV/0!, #REF!…) is read by calamine as
an empty string. Its XML says `t="e"`: a part (or a sheet read whole) whose XML holds that text
has its error cells listed (`error_cells`), and `rows` reports them to its caller, so that an
import refuses them instead of reading "no value". A sheet without one pays one `bytes.find`.
"""

from __future__ import annotations

import functools
import html
import io
import itertools
import posixpath
import re
import threading
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from core import uploads

PART_MIN_BYTES = 12 << 20  # sheets smaller than this (uncompressed XML) are read whole
FIRST_PART_BYTES = 1 << 20  # the first part: its rows come while the rest is inflated
HEAD_BYTES = 4 << 20  # the most XML read to find the first rows
# A part's size, below PARTS parts. A 10,000-household sheet (24 MB) is cut into four after the
# first: two rounds for the two readers. Cut in two, both parts' cells were converted to Python
# near the end of Django's start-up, each in one long hold of the GIL (0.05 s of a 1.3 s import).
PART_BYTES = 5 << 20
PARTS = 10  # a county's sheet (320 MB): smaller parts in flight, the import's peak 1.5 GiB, not 1.7
READERS = 2  # threads building and parsing parts
AHEAD = 3  # parts submitted beyond the one being consumed

# A part parsed: (the range's start (row, column), its rows from that start, its error cells).
Parsed = tuple[tuple[int, int], list[list[Any]], list["ErrorCell"]]
# A cell holding an Excel error: (its row from 1, its column from 0, the error: #N/A…).
ErrorCell = tuple[int, int, str]
# What `rows` reports of each: an ErrorCell and its row's cells as `rows` yields them.
FoundError = tuple[int, int, str, list[Any]]
Part = Callable[[], Parsed]  # a part, built and parsed when called

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"")
_TARGET = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_DATA_START = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?>")
_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")
_ROW_NUMBER = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")
_ATTR = re.compile(rb"(\w+)=\"([^\"]*)\"")
ERROR_TYPE = b't="e"'  # a cell's type when it holds an Excel error
_ERROR_TAG = re.compile(rb"<(?:\w+:)?c\b[^>]*?\bt=\"e\"[^>]*>")
_CELL_REF = re.compile(rb"\br=\"([A-Z]{1,3})(\d+)\"")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def error_cells(
    data: bytes | memoryview, start: int = 0, end: int | None = None
) -> list[ErrorCell]:
    """The cells of sheet XML data[start:end] that hold an Excel error (`t="e"`), in order; []
    at the cost of one `bytes.find` when there is none. A cell without its reference (`r`,
    which Excel always writes) cannot be placed and is left out."""
    raw = data if isinstance(data, bytes) else bytes(data)
    end = len(raw) if end is None else end
    at = raw.find(ERROR_TYPE, start, end)
    if at < 0:
        return []
    found: list[ErrorCell] = []
    # From the start of the tag holding the first one (its `<` is the last before it).
    for tag in _ERROR_TAG.finditer(raw, max(raw.rfind(b"<", start, at), start), end):
        ref = _CELL_REF.search(tag.group(0))
        if ref is None:
            continue
        value = b""
        if not tag.group(0).endswith(b"/>"):
            close = _CELL_END.search(raw, tag.end(), end)
            inside = _VALUE.search(raw, tag.end(), close.start() if close else end)
            value = inside.group(1) if inside else b""
        text = html.unescape(value.decode("utf-8", "replace")).strip()
        found.append((int(ref.group(2)), uploads.column_number(ref.group(1)) - 1, text))
    return found


def _member(book: zipfile.ZipFile, wanted: Callable[[dict[bytes, bytes]], bool]) -> str | None:
    """The package path of the workbook's first relationship whose attributes are `wanted`."""
    try:
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    for tag in _TARGET.findall(rels):
        attrs = dict(_ATTR.findall(tag))
        if wanted(attrs):
            target = attrs.get(b"Target", b"").decode()
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def first_sheet(book: zipfile.ZipFile) -> str | None:
    """The package path of the workbook's first sheet (the one calamine's index 0 reads)."""
    try:
        found = _SHEET.search(book.read("xl/workbook.xml"))
    except KeyError:
        return None
    if found is None:
        return None
    return _member(book, lambda attrs: attrs.get(b"Id") == found.group(1))


def shared_strings(book: zipfile.ZipFile) -> str | None:
    """The package path of the workbook's shared-string table, if it has one."""
    return _member(book, lambda attrs: attrs.get(b"Type", b"").endswith(b"/sharedStrings"))


def _data_end(data: bytes, after: int) -> int | None:
    """Where the closing sheetData tag starts, found from the end of the sheet (a forward regex
    scan of a county's sheet holds the GIL for most of a second)."""
    close = data.rfind(b"sheetData>")
    opening = data.rfind(b"</", after, close)
    found = _DATA_END.match(data, opening) if opening >= 0 else None
    return found.start() if found and found.end() == close + len(b"sheetData>") else None


class _Strings:
    """The shared-string table that every part carries, cut to the entries a part's rows are
    likely to name.

    calamine parses the whole table for each part before its rows, holding the GIL for half of
    it (a county's table is 23 MB: 0.7 s a part, for every part). The programs that write exports
    number the strings in the order they first appear, so the rows up to a part's end name only
    the first entries, about as many as that end's share of the sheet. A part gets the table
    cut after that share (and some room); one that names an entry beyond the cut fails to
    parse and is parsed again with the whole table, as is every part after it.
    """

    BLOCK = 1 << 16
    # Room: the first rows bring the strings every row repeats (codes, village names): a
    # county's export names 12% of its table in the first 10% of its sheet, 53% in the first
    # half. A part keeps its share times 1.05, plus 5% of the table and 2,048 entries.
    ROOM = 1.05, 0.05, 2048

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.data = data
        close = data.rfind(b"</")
        self.closing = data[close:]
        # Entries starting in each block: one C-speed count a block (a match starting near a
        # block's end is counted in its block, as the count may read 3 bytes past it).
        self.blocks = [
            data.count(b"<si>", at, at + self.BLOCK + 3) for at in range(0, len(data), self.BLOCK)
        ]
        self.entries = sum(self.blocks)
        # Cut only a table this can cut cleanly: unprefixed entries, closed by </sst>; and
        # none once a cut table fell short.
        self.whole = not self.entries or self.closing.rstrip() != b"</sst>"

    def cut(self, share: float) -> bytes | None:
        """The table with only the entries that the rows up to `share` of the sheet likely
        name; None for the whole table."""
        times, plus, more = self.ROOM
        keep = int(self.entries * (share * times + plus)) + more
        if self.whole or keep >= self.entries:
            return None
        seen = 0
        for number, count in enumerate(self.blocks):
            if seen + count > keep:
                at = number * self.BLOCK
                for _ in range(keep - seen + 1):
                    at = self.data.find(b"<si>", at) + 4
                return self.data[: at - 4] + self.closing
            seen += count
        return None


class _Sheet:
    """A large first sheet, cut into parts: the package's other members, the sheet's XML and
    where its rows start and end."""

    def __init__(
        self,
        others: dict[str, bytes],
        sheet: str,
        head: bytes,
        closing: bytes,
        size: int = 0,
        strings: _Strings | None = None,
    ) -> None:
        self.others = others
        self.sheet = sheet
        self.head = head  # the XML before the rows, without <dimension>
        self.closing = closing  # the end tags that close a part's rows
        self.size = size  # the sheet's XML, in bytes
        self.strings = strings

    @classmethod
    def of(
        cls, book: zipfile.ZipFile, sheet: str, prefix: bytes, start: re.Match[bytes]
    ) -> _Sheet | None:
        """The parts' frame from the sheet's first bytes `prefix` (whose sheetData tag is
        `start`) and the package's other members; None when its root is not found."""
        head = _DIMENSION.sub(b"", prefix[: start.end()], count=1)
        root = re.search(rb"<((?:\w+:)?worksheet)\b", head)
        if root is None:
            return None
        name = start.group(0)[1:].split()[0].rstrip(b">")
        others = {
            info.filename: book.read(info.filename)
            for info in book.infolist()
            if info.filename != sheet
        }
        found = shared_strings(book)
        strings = _Strings(found, others[found]) if found in others else None
        closing = b"</" + name + b"></" + root.group(1) + b">"
        return cls(others, sheet, head, closing, book.getinfo(sheet).file_size, strings)

    def part(
        self, data: bytes | memoryview, a: int, b: int, *, whole: bool = True, checked: bool = False
    ) -> tuple[io.BytesIO, bool]:
        """A workbook of the rows data[a:b] (a stored zip: nothing to inflate again), and
        whether its shared strings were cut (unless `whole`: see _Strings). `checked`: its
        columns were scanned already."""
        if not checked:
            uploads.check_columns(data, a, b)  # before calamine sizes a part by its widest row
        members = self.others
        cut = None
        if not whole and self.strings is not None and self.size:
            cut = self.strings.cut(b / self.size)
            if cut is not None:
                members = members | {self.strings.name: cut}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as part:
            for name, content in members.items():
                part.writestr(name, content)
            with part.open(self.sheet, "w") as out:
                for piece in (self.head, memoryview(data)[a:b], self.closing):
                    out.write(piece)
        buffer.seek(0)
        return buffer, cut is not None

    def load(self, data: bytes | memoryview, a: int, b: int) -> Parsed:
        """The rows data[a:b] parsed (`_load`), with the shared strings cut if they can be, or
        whole when the cut fell short (and whole for every part from then on), and their
        error cells."""
        from python_calamine import CalamineError

        buffer, was_cut = self.part(data, a, b, whole=False)
        try:
            return (*_load(lambda: buffer), error_cells(data, a, b))
        except CalamineError:  # "Cell string index not found in shared strings table"
            if not was_cut or self.strings is None:
                raise
            self.strings.whole = True
        # Again outside the handler: its traceback would keep the failed parse in memory.
        del buffer
        buffer, _ = self.part(data, a, b, checked=True)
        return (*_load(lambda: buffer), error_cells(data, a, b))


def _first_part(book: zipfile.ZipFile, sheet: str) -> tuple[bytes, re.Match[bytes], int] | None:
    """The sheet's first FIRST_PART_BYTES or so, inflated as a stream: (that XML, its
    sheetData tag, the end of its last whole row); None to read the sheet whole (no rows, or
    no sheetData within HEAD_BYTES)."""
    data = bytearray()
    start = None
    with book.open(sheet) as member:
        while start is None or len(data) - start.end() < FIRST_PART_BYTES:
            chunk = member.read(1 << 18)
            if not chunk:
                break
            data += chunk
            if start is None:
                start = _DATA_START.search(data)
                if start is None and len(data) > HEAD_BYTES:
                    return None
    if start is None or start.group(0).endswith(b"/>"):
        return None
    after = _ROW_END.search(data, min(len(data), start.end() + FIRST_PART_BYTES))
    if after is not None:
        return bytes(data), start, after.end()
    last = max((found.end() for found in _ROW_END.finditer(data, start.end())), default=-1)
    return (bytes(data), start, last) if last >= 0 else None


def split(path: Path, parts: int | None = None) -> list[Part] | None:
    """The workbook as `parts` parts of consecutive rows, each built and parsed when called, or
    None to read it whole (see `_parts`)."""
    found = _parts(path, parts)
    return None if found is None else [found[0], *found[1]()]


def rest_parts(size: int) -> int:
    """How many parts a sheet of `size` bytes of XML is cut into after the first."""
    return min(PARTS, max(2, size // PART_BYTES))


def _parts(path: Path, parts: int | None = None) -> tuple[Part, Callable[[], list[Part]]] | None:
    """(the first part, a function giving the others) of a large first sheet, or None to read
    the workbook whole.

    The first part is small and cut from the first megabyte inflated, so its rows (the header
    first) can be parsed while the rest of the sheet is inflated; the others (by default
    `rest_parts` of them) are cut once the whole sheet is in memory and its last row number
    checked against the cap. Parts are built and parsed when called.
    """
    if not zipfile.is_zipfile(path):
        return None  # .xls: calamine reads it whole
    with zipfile.ZipFile(path) as book:
        sheet = first_sheet(book)
        size = book.getinfo(sheet).file_size if sheet is not None else 0
        if sheet is None or size < PART_MIN_BYTES:
            return None
        first = _first_part(book, sheet)
        sheet_xml = _Sheet.of(book, sheet, first[0], first[1]) if first is not None else None
    if first is None or sheet_xml is None:
        # A large sheet this cannot cut: calamine reads it whole, once it has been inflated as
        # a stream and counted against the caps (core.tabular skipped that for large sheets).
        uploads.verify_package(path, sheet)
        return None
    prefix, start, first_end = first

    def rest() -> list[Part]:
        with zipfile.ZipFile(path) as book:
            data = book.read(sheet)  # Python's reader stops at the declared (checked) size
        end = _data_end(data, start.end())
        if end is None or not data.startswith(prefix[:first_end]):
            raise ValueError("sheet changed or not cut where expected")  # a broken workbook
        numbers = _ROW_NUMBER.findall(data, max(start.end(), end - (64 << 10)), end)
        if numbers:  # Excel numbers its rows: the last one's number is the sheet's length
            uploads.check_rows(int(numbers[-1]))
        count = (parts - 1) if parts else rest_parts(size)
        cuts = [first_end]
        for i in range(1, count):
            found = _ROW_END.search(data, first_end + (end - first_end) * i // count)
            if found is None or found.end() > end:
                break
            cuts.append(max(found.end(), cuts[-1]))
        cuts.append(end)
        return [functools.partial(sheet_xml.load, data, a, b) for a, b in itertools.pairwise(cuts)]

    return functools.partial(sheet_xml.load, prefix, start.end(), first_end), rest


def head(path: Path, rows: int) -> list[list[Any]] | None:
    """The first `rows` rows of the first sheet, parsed from a small workbook of those rows alone
    (the sheet's XML is read as a stream up to the rows' end), so a wrong header is found without
    parsing the rest; None when the package is not one this can cut (then read it whole)."""
    if not zipfile.is_zipfile(path):
        return None
    with zipfile.ZipFile(path) as book:
        sheet = first_sheet(book)
        if sheet is None:
            return None
        data = b""
        with book.open(sheet) as member:
            while len(data) < HEAD_BYTES:
                chunk = member.read(1 << 16)
                if not chunk:
                    return None  # a short sheet: reading it whole costs nothing
                data += chunk
                start = _DATA_START.search(data)
                if start is not None and len(_ROW_END.findall(data, start.end())) >= rows:
                    break
        start = _DATA_START.search(data)
        if start is None or start.group(0).endswith(b"/>"):
            return None
        ends = list(_ROW_END.finditer(data, start.end()))
        if not ends:
            return []
        sheet_xml = _Sheet.of(book, sheet, data, start)
    if sheet_xml is None:
        return None
    buffer, _ = sheet_xml.part(data, start.end(), ends[min(rows, len(ends)) - 1].end())
    (first_row, first_col), found = _load(lambda: buffer)
    pad = [""] * first_col
    return ([[]] * first_row + [pad + r for r in found])[:rows]


def _whole(path: Path, pool: ThreadPoolExecutor | None = None) -> Parsed:
    """A workbook's first sheet read whole (`_load`), and its error cells. Its XML (a sheet
    below PART_MIN_BYTES, or one that cannot be cut) is inflated again as a stream, on the
    other reader thread while calamine parses (here if that one has not started by then), one
    `bytes.find` a megabyte, and read whole only when it holds `t="e"`."""
    errors = pool.submit(_whole_errors, path) if pool is not None else None
    start, rows = _load(path)
    if errors is None or errors.cancel():
        return start, rows, _whole_errors(path)
    return start, rows, errors.result()


def _whole_errors(path: Path) -> list[ErrorCell]:
    if not zipfile.is_zipfile(path):
        return []  # .xls, .ods: calamine's own reading
    with zipfile.ZipFile(path) as book:
        sheet = first_sheet(book)
        if sheet is None:
            return []
        tail = b""
        with book.open(sheet) as member:
            while chunk := member.read(1 << 20):
                if ERROR_TYPE in tail[-8:] + chunk[:8] or chunk.find(ERROR_TYPE) >= 0:
                    break
                tail = chunk
            else:
                return []
            data = book.read(sheet)
    return error_cells(data)


def _load(source: Path | Callable[[], io.BytesIO]) -> tuple[tuple[int, int], list[list[Any]]]:
    """(range start (row, column), rows from that start) of a workbook's first sheet."""
    from python_calamine import CalamineWorkbook

    if isinstance(source, Path):
        book = CalamineWorkbook.from_path(str(source))
    else:
        book = CalamineWorkbook.from_filelike(source())
    sheet = book.get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=True)
    return (sheet.start or (0, 0)), rows


class _Reading:
    """A first sheet being read: its first part (or the whole workbook) and the cutting of the
    others submitted to READERS threads at once; the others themselves once the first part is
    consumed (`rest`), or, when `eager`, as soon as they are cut."""

    def __init__(
        self,
        path: Path,
        found: tuple[Part, Callable[[], list[Part]]] | None,
        *,
        eager: bool = False,
    ) -> None:
        self.pool = ThreadPoolExecutor(READERS, thread_name_prefix="xlsx-reader")
        first = (
            self.pool.submit(_whole, path, self.pool)
            if found is None
            else self.pool.submit(found[0])
        )
        self.pending = deque([first])
        self.waiting: Iterator[Part] = iter(())
        self.others = self.pool.submit(found[1]) if found is not None else None
        self.lock = threading.Lock()
        self.closed = False
        if eager and self.others is not None:
            self.others.add_done_callback(self._cut)

    def _cut(self, done: Future[list[Part]]) -> None:
        # A failure is raised when the rows get there; a cancelled cut is a closed reading.
        if not done.cancelled() and done.exception() is None:
            self.rest()

    def rest(self) -> None:
        """Submit the first AHEAD of the other parts (once), waiting for them to be cut."""
        with self.lock:
            if self.others is None or self.closed:
                return
            self.waiting = iter(self.others.result())
            self.others = None
            self.pending.extend(self.pool.submit(p) for p in itertools.islice(self.waiting, AHEAD))

    def close(self) -> None:
        with self.lock:
            self.closed = True
        self.pool.shutdown(wait=False, cancel_futures=True)


# A reading started before it was asked for (`prefetch`): the file's identity, and the reading.
_started: tuple[tuple[int, ...], _Reading] | None = None


def _identity(path: Path) -> tuple[int, ...]:
    found = path.stat()
    return found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns


def prefetch(path: Path) -> None:
    """Start reading a large first sheet now, for the next `rows(path)` to take over.

    A command that imports a workbook calls this before Django starts: calamine parses the
    first parts without the GIL while the apps load (a quarter of a second), so a
    10,000-household file's rows are ready when its checks begin. Only a package within the
    limits (core.uploads.check_package) and a sheet cut into parts, whose every part is checked
    before it is parsed; anything else, or any error, starts nothing (the file is then read, and
    refused, as usual)."""
    global _started
    forget()
    try:
        # Who the file is, before a byte of it is read: a file replaced meanwhile is not taken.
        identity = _identity(path)
        uploads.check_package(path)
        found = _parts(path)
        if found is not None and _identity(path) == identity:
            _started = (identity, _Reading(path, found, eager=True))
    except Exception:  # reported when the file is read for real
        return


def forget() -> None:
    """Drop a reading started by `prefetch` that nobody took."""
    global _started
    if _started is not None:
        _started[1].close()
        _started = None


def _take(path: Path) -> _Reading | None:
    """The reading `prefetch` started for this very file (same inode, size and time), if any."""
    global _started
    if _started is None:
        return None
    identity, reading = _started
    _started = None
    try:
        same = _identity(path) == identity
    except OSError:
        same = False
    if not same:
        reading.close()
        return None
    return reading


def rows(path: Path, errors: list[FoundError] | None = None) -> Iterator[list[Any]]:
    """Every row of the first sheet from row 1, blank rows included; a cell holding an Excel
    error is "" in its row and added to `errors` (with its row) before that row is yielded.

    The first part's rows come first, parsed while another reader thread inflates the rest of
    the sheet (so a wrong header is found before the rest is checked against the caps); the
    other parts are built and parsed on READERS threads, at most AHEAD of them beyond the part
    whose rows are being consumed, so that a county's sheet is never all in memory twice.
    """
    reading = _take(path) or _Reading(path, _parts(path))
    pending = reading.pending
    try:
        next_row = 0
        while pending:
            (first_row, first_col), part, found = pending.popleft().result()
            while next_row < first_row:  # rows missing between two parts are blank
                yield []
                next_row += 1
            pad = [""] * first_col
            if found and errors is not None:
                for number, column, error in found:
                    at = number - 1 - first_row
                    cells = pad + part[at] if 0 <= at < len(part) else []
                    errors.append((number, column, error, cells))
            for row in part:
                yield pad + row if first_col else row
            next_row += len(part)
            reading.rest()  # the first part is consumed: now the rest, if not already
            following = next(reading.waiting, None)
            if following is not None:
                pending.append(reading.pool.submit(following))
    finally:
        reading.close()
