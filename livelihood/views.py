"""The livelihood pages beyond the kit's: loans overdue or falling due, for the 帮扶联系人."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core import dates, hooks
from livelihood.checks import due_loans
from livelihood.models import LoanRow
from regions.models import place_names

LIMIT = 500


def loans_due(request: HttpRequest) -> HttpResponse:
    """Loans 逾期 or not settled and due within ?days= (default 30) days, in the user's region,
    with each household's 帮扶联系人 (?contact= narrows to one), to follow up before they fall
    due (rule 33)."""
    try:
        days = int(request.GET.get("days") or 30)
    except ValueError as exc:
        raise Http404("天数无效") from exc
    if not 1 <= days <= 365:
        raise Http404("天数应在1—365之间")
    on = dates.today()
    qs = (
        due_loans(None, days, on)
        .visible_to(request.user)
        .select_related("person", "household__region")
        .order_by("due_date", "pk")
    )
    loans = list(qs[:LIMIT])
    contacts: dict[int, list[str]] = {}
    if loans and hooks.provided("assistance.contact_names"):
        contacts = hooks.call("assistance.contact_names", {x.household_id for x in loans})
    wanted = request.GET.get("contact", "").strip()
    # Where each borrower lives as people name it (乡镇/行政村/组), never the 组 alone.
    places = place_names(x.household.region for x in loans if x.household)
    rows = []
    for loan in loans:
        names = contacts.get(loan.household_id or 0, [])
        if wanted and wanted not in names:
            continue
        place = places.get(loan.household.region_id, "") if loan.household else ""
        rows.append(
            {"loan": loan, "contacts": "、".join(names), "late": _late(loan, on), "place": place}
        )
    return render(
        request,
        "livelihood/loans_due.html",
        {
            "rows": rows,
            "days": days,
            "contact": wanted,
            "on": on,
            "more": len(loans) == LIMIT,
        },
    )


def _late(loan: LoanRow, on: object) -> str:
    if loan.repayment == "逾期":
        return "已逾期"
    if loan.due_date is not None and loan.due_date < on:  # type: ignore[operator]
        return "已到期未结清"
    return "即将到期"
