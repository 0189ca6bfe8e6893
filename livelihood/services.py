"""The loans overdue or falling due (rule 33), as the page lists them and as a printable Excel
台账 for the 帮扶联系人 (livelihood.views)."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from core import audit, hooks
from core.permissions import Cap, require
from livelihood.checks import due_loans
from livelihood.models import LoanRow
from regions.models import own_region, place_names

LIMIT = 500
HEADERS = ["序号", "所在地", "借款人", "证件号码", "合同编号", "贷款金额", "到期日期"]
HEADERS += ["还款状态", "提醒", "帮扶联系人"]


def due_list(user: Any, days: int, contact: str, on: dt.date) -> tuple[list[dict[str, Any]], bool]:
    """The user's loans 逾期 or not settled and due within `days` days of `on` (at most LIMIT),
    each with its place, 帮扶联系人 and reminder; `contact` narrows to one 帮扶联系人. Returns the
    rows and whether the list was cut at LIMIT."""
    qs = (
        due_loans(None, days, on)
        .visible_to(user)
        .select_related("person", "household__region")
        .order_by("due_date", "pk")
    )
    loans = list(qs[:LIMIT])
    contacts: dict[int, list[str]] = {}
    if loans and hooks.provided("assistance.contact_names"):
        contacts = hooks.call("assistance.contact_names", {x.household_id for x in loans})
    # Where each borrower lives as people name it (乡镇/行政村/组), never the 组 alone.
    places = place_names(x.household.region for x in loans if x.household)
    rows = []
    for loan in loans:
        names = contacts.get(loan.household_id or 0, [])
        if contact and contact not in names:
            continue
        place = places.get(loan.household.region_id, "") if loan.household else ""
        rows.append(
            {"loan": loan, "contacts": "、".join(names), "late": _late(loan, on), "place": place}
        )
    return rows, len(loans) == LIMIT


def _late(loan: LoanRow, on: dt.date) -> str:
    if loan.repayment == "逾期":
        return "已逾期"
    if loan.due_date is not None and loan.due_date < on:
        return "已到期未结清"
    return "即将到期"


def export_due(
    *, actor: Any, rows: list[dict[str, Any]], days: int, on: dt.date, out: IO[bytes]
) -> None:
    """`due_list`'s rows as a printable Excel 台账 with a 合计 row (ID numbers masked, as on the
    page). Audited."""
    from ledgers.workbook import table_workbook, totals_row

    require(actor, Cap.EXPORT)
    region = own_region(actor)
    book = table_workbook(
        out,
        title=f"{region.name}小额信贷逾期与到期提醒",
        region=region,
        what=f"截至{on:%Y-%m-%d}，逾期及{days}天内到期未结清",
        headers=HEADERS,
        widths={1: 24, 3: 20, 4: 16, 9: 16},
    )
    total = 0
    for n, r in enumerate(rows, 1):
        loan = r["loan"]
        total += loan.amount or 0
        book.write_row(
            [
                n,
                r["place"],
                loan.person.name if loan.person else "",
                loan.person.masked_id() if loan.person else "",
                loan.contract_no,
                loan.amount,
                loan.due_date,
                loan.repayment,
                r["late"],
                r["contacts"] or "未指定",
            ]
        )
    totals_row(book, len(rows), "笔", "", "", "", total)
    book.close()
    audit.record(
        actor=actor,
        action="export",
        object_type="livelihood.loanrow",
        object_repr=f"导出小额信贷逾期与到期提醒{len(rows)}笔",
        region_id=region.pk,
    )
