"""Reading a large first sheet in parts, on a thread, while the caller works on the rows.

python-calamine parses a whole sheet before it yields a row, without holding the GIL. For a county
workbook that is several seconds in which the caller could already be checking rows. So the
sheet's XML is cut at row boundaries into a few smaller workbooks (the other parts of the package,
shared strings and styles included, copied as they are), which a thread parses one after another
while the rows of the previous part are consumed. Rows keep the spreadsheet's own positions: a
part starting at row 200,001 yields it as the 200,001st row, and leading empty columns are kept.

Anything unexpected in the package (no sheetData, a cut that finds no row end) falls back to one
part: the workbook as it is.
"""

from __future__ import annotations

import io
import itertools
import posixpath
import queue
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PART_MIN_BYTES = 32 << 20  # sheets smaller than this (uncompressed XML) are read whole
PARTS = 6

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"")
_TARGET = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_DATA_START = re.compile(rb"<(?:\w+:)?sheetData\b[^>]*?>")
_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")
_ATTR = re.compile(rb"(\w+)=\"([^\"]*)\"")


def first_sheet(book: zipfile.ZipFile) -> str | None:
    """The package path of the workbook's first sheet (the one calamine's index 0 reads)."""
    try:
        found = _SHEET.search(book.read("xl/workbook.xml"))
        rels = book.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    if found is None:
        return None
    for tag in _TARGET.findall(rels):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get(b"Id") == found.group(1):
            target = attrs.get(b"Target", b"").decode()
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def split(path: Path, parts: int = PARTS) -> list[bytes] | None:
    """The workbook as `parts` workbooks of consecutive rows, or None to read it whole."""
    if not zipfile.is_zipfile(path):
        return None  # .xls: calamine reads it whole
    with zipfile.ZipFile(path) as book:
        sheet = first_sheet(book)
        if sheet is None or book.getinfo(sheet).file_size < PART_MIN_BYTES:
            return None
        data = book.read(sheet)
        others = {
            info.filename: book.read(info.filename)
            for info in book.infolist()
            if info.filename != sheet
        }
    start, end = _DATA_START.search(data), None
    if start is not None and not start.group(0).endswith(b"/>"):
        end = _DATA_END.search(data, start.end())
    if start is None or end is None:
        return None
    head = _DIMENSION.sub(b"", data[: start.end()], count=1)
    tail = data[end.start() :]
    cuts = [start.end()]
    for i in range(1, parts):
        found = _ROW_END.search(data, start.end() + (end.start() - start.end()) * i // parts)
        if found is None or found.end() > end.start():
            return None
        cuts.append(max(found.end(), cuts[-1]))
    cuts.append(end.start())
    out = []
    for a, b in itertools.pairwise(cuts):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as part:
            for name, content in others.items():
                part.writestr(name, content)
            part.writestr(sheet, head + data[a:b] + tail)
        out.append(buffer.getvalue())
    return out


def _load(source: Any) -> tuple[tuple[int, int], list[list[Any]]]:
    """(range start (row, column), rows from that start) of a workbook's first sheet."""
    from python_calamine import CalamineWorkbook

    if isinstance(source, bytes):
        book = CalamineWorkbook.from_filelike(io.BytesIO(source))
    else:
        book = CalamineWorkbook.from_path(str(source))
    sheet = book.get_sheet_by_index(0)
    rows = sheet.to_python(skip_empty_area=True)
    return (sheet.start or (0, 0)), rows


def rows(path: Path) -> Iterator[list[Any]]:
    """Every row of the first sheet from row 1, blank rows included, parsed ahead on a thread."""
    found: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                found.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            sources: list[bytes] | list[Path] = split(path) or [path]
            for source in sources:
                if not put(_load(source)):
                    return
            put(None)
        except BaseException as exc:  # handed to the reading thread
            put(exc)

    threading.Thread(target=work, name="xlsx-reader", daemon=True).start()
    try:
        yield from _assemble(found)
    finally:
        stop.set()


def _assemble(found: queue.Queue[Any]) -> Iterator[list[Any]]:
    next_row = 0
    while True:
        item = found.get()
        if item is None:
            return
        if isinstance(item, BaseException):
            raise item
        (first_row, first_col), part = item
        while next_row < first_row:  # rows missing between two parts are blank
            yield []
            next_row += 1
        pad = [""] * first_col
        for row in part:
            yield pad + row if first_col else row
        next_row += len(part)
