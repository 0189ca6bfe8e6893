"""Printable Excel 台账: a title, the region and date, a frozen header, a totals row and A4 print
set-up. `table_workbook` starts any such sheet (the lists of other apps export through it);
`figures_workbook` is a ledger's figures (the ledger's own export is `services.write_rows`)."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from core import dates
from core import labels as core_labels
from core.xlsx import StreamWorkbook
from ledgers.kit import Ledger
from regions.models import Region

COUNTS = ("rows", "persons", "households")
COUNT_LABELS = {"rows": "条数", "persons": "人数", "households": "户数"}


def table_workbook(
    out: IO[bytes] | Any,
    *,
    title: str,
    region: Region,
    what: str,
    headers: list[str],
    widths: dict[int, int] | None = None,
    landscape: bool = True,
) -> StreamWorkbook:
    """A sheet with the title row, the region, `what` and today's date, the bold header row
    (frozen and repeated on each printed page), A4 fitted to the width. The caller writes the
    rows, then `totals_row`, then `close()`."""
    book = StreamWorkbook(out, sheet=title[:31], widths=widths)
    book.write_title(title, len(headers))
    book.write_row([f"区划：{region.full_name()}    {what}    制表日期：{dates.today():%Y-%m-%d}"])
    book.write_row(headers, header=True)
    book.print_setup(header_row=2, landscape=landscape)
    return book


def totals_row(book: StreamWorkbook, count: int, unit: str = "条", *more: Any) -> None:
    """The bold 合计 row under the rows: how many, and any further totals (per column)."""
    book.write_row(["合计", f"{count}{unit}", *more], header=True)


def figures_workbook(
    ledger: Ledger,
    region: Region,
    year: int,
    figures: dict[str, Any],
    children: list[dict[str, Any]],
    out: IO[bytes],
) -> None:
    """One row per sub-region (or the region alone) and a 合计 row; then each breakdown."""
    money = list(figures["sums"])
    header = ["区划", *COUNT_LABELS.values(), "金额合计", *money]
    book = StreamWorkbook(out, sheet=f"{ledger.name}统计"[:31], widths={0: 16})
    book.write_row([f"{region.name}{year}年{ledger.name}台账"])
    book.write_row(
        [f"区划：{region.full_name()}    统计年度：{year}    制表日期：{dates.today():%Y-%m-%d}"]
    )
    book.write_row(header, header=True)
    book.print_setup(header_row=2)
    for part in children or [{"label": region.name, "figures": figures}]:
        book.write_row(_line(part["label"], part["figures"], money))
    book.write_row(_line("合计", figures, money), header=True)
    for title, values in figures["by"].items():
        book.write_row([])
        book.write_row([f"按{title}", *COUNT_LABELS.values(), "金额合计"], header=True)
        for value, pair in values.items():
            book.write_row([value, *(pair[k] for k in COUNTS), Decimal(pair["amount"])])
    if figures["by_status"]:
        book.write_row([])
        book.write_row(["按户类型", *COUNT_LABELS.values(), "金额合计"], header=True)
        words = core_labels.for_year(year)  # 监测户 until 2025, the year's word after
        for value, pair in figures["by_status"].items():
            shown = words.household if value == "监测户" else value
            book.write_row([shown, *(pair[k] for k in COUNTS), Decimal(pair["amount"])])
    book.close()


def _line(label: str, figures: dict[str, Any], money: list[str]) -> list[Any]:
    return [
        label,
        *(figures[k] for k in COUNTS),
        Decimal(figures["amount"]),
        *(Decimal(figures["sums"][m]) for m in money),
    ]
