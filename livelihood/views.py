"""The livelihood pages beyond the kit's: loans overdue or falling due, for the 帮扶联系人."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from core import dates
from core.xlsx import XLSX
from livelihood import services


def loans_due(request: HttpRequest) -> HttpResponse:
    """Loans 逾期 or not settled and due within ?days= (default 30) days, in the user's region,
    with each household's 帮扶联系人 (?contact= narrows to one), to follow up before they fall
    due (rule 33); ?format=xlsx gives the same list as a printable Excel 台账."""
    try:
        days = int(request.GET.get("days") or 30)
    except ValueError as exc:
        raise Http404("天数无效") from exc
    if not 1 <= days <= 365:
        raise Http404("天数应在1—365之间")
    on = dates.today()
    wanted = request.GET.get("contact", "").strip()
    rows, more = services.due_list(request.user, days, wanted, on)
    if request.GET.get("format") == "xlsx":
        out = io.BytesIO()
        services.export_due(actor=request.user, rows=rows, days=days, on=on, out=out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
        name = f"小额信贷逾期与到期提醒{on:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response
    return render(
        request,
        "livelihood/loans_due.html",
        {
            "rows": rows,
            "days": days,
            "contact": wanted,
            "on": on,
            "more": more,
            "limit": services.LIMIT,
        },
    )
