"""The printable Excel 台账 of 政策落实统计: title, region and date, a frozen header, the three
ledgers with a 合计 row, the 医保 and 民政 figures and the sub-regions, on A4 paper."""

from __future__ import annotations

from decimal import Decimal
from typing import IO, Any

from core import dates
from core.xlsx import StreamWorkbook
from regions.models import Region

COUNTS = ("rows", "persons", "households")
HEADER = ["项目", "人次（条）", "人数", "户数", "金额（元）"]


def _line(label: str, f: dict[str, Any]) -> list[Any]:
    return [label, *(int(f.get(k) or 0) for k in COUNTS), Decimal(f.get("amount") or 0)]


def policy_workbook(
    region: Region,
    year: int,
    cards: list[dict[str, Any]],
    medical: list[tuple[str, dict[str, Any]]],
    civil: list[tuple[str, dict[str, Any]]],
    children: list[dict[str, Any]],
    out: IO[bytes],
) -> None:
    book = StreamWorkbook(out, sheet="政策落实统计", widths={0: 22})
    book.write_row([f"{region.name}{year}年政策落实统计台账"])
    book.write_row(
        [f"区划：{region.full_name()}    统计年度：{year}    制表日期：{dates.today():%Y-%m-%d}"]
    )
    book.write_row(HEADER, header=True)
    book.print_setup(header_row=2)
    total = {k: 0 for k in COUNTS} | {"amount": Decimal(0)}
    for c in cards:
        f = c["figures"]
        book.write_row(_line(c["ledger"].name, f))
        for k in COUNTS:
            total[k] += f[k]
        total["amount"] += Decimal(f["amount"])
    book.write_row(_line("合计", total), header=True)
    if medical:
        book.write_row([])
        book.write_row(["健康帮扶（医保结算）", *HEADER[1:]], header=True)
        for words, f in medical:
            book.write_row(_line(words, f))
    if civil:
        book.write_row([])
        book.write_row(["兜底保障（民政救助）", *HEADER[1:]], header=True)
        for aid, f in civil:
            book.write_row(_line(aid, f))
    if children:
        book.write_row([])
        book.write_row(["下级区划", *(c["ledger"].name for c in cards)], header=True)
        for child in children:
            book.write_row(
                [
                    child["region"].name,
                    *(
                        f["households"] if c["ledger"].level == "household" else f["rows"]
                        for c, f in zip(cards, child["by"], strict=True)
                    ),
                ]
            )
    book.close()
