"""The printable Excel 台账 of the rectification ledger: 问题、任务、责任、时限 四清单 on one A4
sheet — a title, the region and date, a banded header (one band per 清单), one row per measure
and a totals row."""

from __future__ import annotations

from typing import IO

from core import dates
from core.masking import mask_numbers
from core.xlsx import StreamWorkbook
from duty import figures
from duty.models import Status
from regions.models import Region

BANDS = (
    ("问题清单", ("问题编号", "问题来源", "问题类别", "问题描述", "乡镇", "行政村")),
    ("任务清单", ("措施序号", "整改措施", "措施类型")),
    ("责任清单", ("牵头单位", "责任单位", "责任人")),
    ("时限清单", ("整改时限", "状态", "整改进展", "销号日期")),
)
WIDTHS = {0: 10, 3: 36, 7: 36, 9: 14, 10: 14, 13: 12, 14: 30}


def four_lists(region: Region, year: int, out: IO[bytes], *, full: bool = True) -> int:
    """Write the 四清单 of `region` and below for `year`; returns the number of measures. Unless
    `full` (a user who may see full numbers), the numbers inside its texts are masked."""
    shown = (lambda s: s) if full else mask_numbers
    book = StreamWorkbook(out, sheet="问题整改四清单", widths=WIDTHS)
    book.write_row([f"{region.name}{year}年问题整改台账（问题、任务、责任、时限四清单）"])
    book.write_row(
        [f"区划：{region.full_name()}    整改年度：{year}    制表日期：{dates.today():%Y-%m-%d}"]
    )
    book.write_bands([(label, len(headers)) for label, headers in BANDS])
    book.write_row([h for _, headers in BANDS for h in headers], header=True)
    book.print_setup(header_row=3)
    rows = (
        figures.measures(region, year)
        .select_related("region", "region__parent")
        .order_by("problem_no", "measure_no")
    )
    count = 0
    for m in rows.iterator(chunk_size=2000):
        town, village = _names(m.region)
        book.write_row(
            [
                m.problem_no,
                m.source,
                m.category,
                shown(m.description),
                town,
                village,
                m.measure_no,
                shown(m.measure),
                m.measure_type,
                shown(m.lead_unit),
                shown(m.unit),
                shown(m.responsible),
                m.deadline,
                m.status + ("（逾期）" if m.alert == "red" and m.status == Status.OPEN else ""),
                shown(m.progress),
                m.closed_date,
            ]
        )
        count += 1
    found = figures.rollup(region, year)
    status = found["status"]
    book.write_row(
        [
            "合计",
            f"问题{found['problems']}个",
            f"已销号{status[Status.CLOSED]}个",
            f"已完成{status[Status.DONE]}个，整改中{status[Status.OPEN]}个",
            "",
            "",
            f"措施{count}条",
        ],
        header=True,
    )
    book.close()
    return count


def _names(region: Region) -> tuple[str, str]:
    if region.level == Region.Level.VILLAGE:
        return region.parent.name if region.parent else "", region.name
    if region.level == Region.Level.TOWN:
        return region.name, ""
    return "", ""
