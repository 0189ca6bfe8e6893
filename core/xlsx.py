"""Writing workbooks as a stream (XlsxWriter constant_memory): rows go to disk as they come, so a
county export stays small in memory. Text that Excel would run as a formula is escaped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from core.files import partial_path, written_whole

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # the content type
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class StreamWorkbook:
    """One-sheet workbook written row by row; `text_columns` are written as text (ID numbers)."""

    def __init__(
        self,
        target: str | Path | IO[bytes],
        *,
        sheet: str = "Sheet1",
        widths: dict[int, int] | None = None,
    ) -> None:
        import xlsxwriter  # here: most commands write no workbook, and it costs a start 20 ms

        # A file is written beside its name, and takes it whole at `close`.
        self.target = Path(target) if isinstance(target, str | Path) else None
        self.partial = partial_path(self.target) if self.target is not None else None
        self.book = xlsxwriter.Workbook(
            str(self.partial) if self.partial is not None else target,
            {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
        )
        self.sheet = self.book.add_worksheet(sheet)
        self.bold = self.book.add_format({"bold": True, "bg_color": "#EEEEEE"})
        # Text that Excel would take for a formula is stored as text with Excel's own quote
        # prefix: shown and read back as typed, never run.
        self.quoted = self.book.add_format({"quote_prefix": True})
        self.warn = self.book.add_format({"font_color": "#B00020", "text_wrap": False})
        self.big = self.book.add_format({"bold": True, "font_size": 16, "align": "center"})
        for col, width in (widths or {}).items():
            self.sheet.set_column(col, col, width)
        self.row = 0

    def write_row(
        self, values: list[Any], *, header: bool = False, mark: int | None = None
    ) -> None:
        """Append one row; `mark` is a column to show in red (an error message)."""
        for col, value in enumerate(values):
            fmt = self.bold if header else (self.warn if col == mark else None)
            self._cell(col, value, fmt)
        self.row += 1

    def write_title(self, text: str, span: int) -> None:
        """A centred title row over `span` columns (the first row of a printed 台账)."""
        if span > 1:
            self.sheet.merge_range(self.row, 0, self.row, span - 1, text, self.big)
        else:
            self.sheet.write_string(self.row, 0, text, self.big)
        self.row += 1

    def write_bands(self, bands: list[tuple[str, int]]) -> None:
        """A row of labels each spanning `span` columns: a grouped header above the header row
        (问题清单 over 问题编号…行政村)."""
        col = 0
        for label, span in bands:
            if span > 1:
                self.sheet.merge_range(self.row, col, self.row, col + span - 1, label, self.bold)
            else:
                self.sheet.write_string(self.row, col, label, self.bold)
            col += span
        self.row += 1

    def print_setup(self, *, header_row: int, landscape: bool = True) -> None:
        """A4 paper, fit to the page width, the header rows repeated on every page and frozen
        on screen (rows up to `header_row`, 0-based, are the title and the header)."""
        sheet = self.sheet
        sheet.set_paper(9)
        if landscape:
            sheet.set_landscape()
        sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0, header_row)
        sheet.freeze_panes(header_row + 1, 0)
        sheet.set_footer("&C第 &P 页，共 &N 页")

    def skip_to(self, row: int) -> None:
        """Continue at a later 0-based row (leaves blank rows, so row numbers stay recognisable)."""
        self.row = max(self.row, row)

    def _cell(self, col: int, value: Any, fmt: Any) -> None:
        if value is None or value == "":
            if fmt is not None:
                self.sheet.write_blank(self.row, col, None, fmt)
            return
        if isinstance(value, bool):
            self.sheet.write_string(self.row, col, "是" if value else "否", fmt)
        elif isinstance(value, int | float | Decimal):
            self.sheet.write_number(self.row, col, float(value), fmt)
        elif isinstance(value, dt.datetime | dt.date):
            self.sheet.write_string(self.row, col, f"{value:%Y-%m-%d}", fmt)
        else:
            text = str(value)
            if text.startswith(_FORMULA_START) and fmt is None:
                fmt = self.quoted
            self.sheet.write_string(self.row, col, text, fmt)

    def close(self) -> None:
        """Finish the workbook; a file takes its name only now, whole."""
        if self.target is None:
            self.book.close()
            return
        with written_whole(self.target, self.partial):
            self.book.close()
