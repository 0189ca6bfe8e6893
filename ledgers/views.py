"""Ledger pages, the same for every ledger: index, list (filters, search, sort, paging, count,
totals), row form and page, export, print view and figures. Thin: scoping by `visible_to`,
capabilities by core.permissions, changes by ledgers.services."""

from __future__ import annotations

import io
import tempfile
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, QuerySet, Sum, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import audit, dates, exports
from core import labels as core_labels
from core.masking import HOLDS_NUMBER
from core.models import AuditRecord
from core.permissions import Cap, can, require
from core.scoping import get_visible_or_404
from core.xlsx import XLSX
from ledgers import figures as ledger_figures
from ledgers import kit, services, workbook
from ledgers.forms import FilterForm, LedgerForm
from ledgers.kit import Ledger
from regions.models import get_visible_region_or_404, own_region, place_names

PAGE_SIZE = 50
PRINT_ROWS = 5000
# The ORM path of each link column, for search and sorting.
LINK_PATHS = {
    "id_number": "person__id_number",
    "name": "person__name",
    "number": "household__number",
    "head_name": "household__head_name",
    "town": "region__parent__name",
    "village": "region__name",
    "place": "region__path",
}
# The 所在地 column of a person or household ledger's list (not a column of its layout).
PLACE = "place"


def _ledger(kind: str) -> Ledger:
    try:
        return kit.ledger(kind)
    except KeyError as exc:
        raise Http404("没有这种台账") from exc


def index(request: HttpRequest) -> HttpResponse:
    """Every ledger with its number of rows in the user's region."""
    cards = [
        {
            "ledger": ledger,
            "count": ledger.model.objects.visible_to(request.user).count(),
            "url": reverse("ledgers:list", args=[kind]),
        }
        for kind, ledger in kit.ledgers().items()
    ]
    return render(request, "ledgers/index.html", {"cards": cards})


def _filtered(request: HttpRequest, ledger: Ledger) -> tuple[FilterForm, QuerySet, dict]:
    """The list's rows after the GET filters (invalid filters are not applied)."""
    return services.filtered(request.user, ledger, request.GET)


def _sortable(request: HttpRequest, ledger: Ledger) -> set[str]:
    """The columns the list sorts by: a masked column only for users who may see it in full
    (its order would tell the masked digits, row against row)."""
    full = can(request.user, Cap.REVEAL)
    return {c.key for c in ledger.layout.columns if full or not c.sensitive}


def _sorted(
    ledger: Ledger, qs: QuerySet, sort: str, keys: set[str], *, full: bool = True
) -> tuple[QuerySet, str]:
    name = sort.lstrip("-")
    if name == PLACE and ledger.level != "region":
        keys = keys | {PLACE}
    if name not in keys:
        return qs.order_by("-pk"), ""
    path = LINK_PATHS.get(name, name) if name in ledger.links or name == PLACE else name
    if not full and ledger.layout.has(name) and ledger.layout.column(name).is_free_text:
        # A text holding a number (masked on the page) sorts by nothing of it: among rows the
        # user may add, its place would tell the hidden digits, as a masked column's would.
        key: Any = Case(When(**{f"{path}__regex": HOLDS_NUMBER}, then=Value("")), default=F(path))
        return qs.order_by(key.desc() if sort.startswith("-") else key.asc(), "pk"), sort
    return qs.order_by(f"-{path}" if sort.startswith("-") else path, "pk"), sort


def _rows(request: HttpRequest, ledger: Ledger, rows: Any) -> list[dict[str, Any]]:
    """Each row's cells as shown: sensitive values masked unless the user may see them; a person
    or household row also says where it is (乡镇/行政村/组: its layout has no such column, and a
    county's list mixes every village)."""
    rows = list(rows)
    places = place_names(r.region for r in rows) if ledger.level != "region" else {}
    out = []
    for row in rows:
        values = ledger.values(row)
        out.append(
            {
                "pk": row.pk,
                "place": places.get(row.region_id, ""),
                # Pages show masks to everyone; full values only in an (audited) export.
                "cells": [c.show(values.get(c.key), full=False) for c in ledger.layout.columns],
            }
        )
    return out


def _totals(ledger: Ledger, qs: QuerySet) -> list[str] | None:
    money = ledger.layout.money
    if not money:
        return None
    sums = qs.aggregate(**{c.key: Sum(c.key) for c in money})
    return [c.kind.display(sums[c.key] or 0) if c in money else "" for c in ledger.layout.columns]


def _placed(ledger: Ledger, cells: list[str] | None, first: str = "") -> list[str] | None:
    """A row of cells with the 所在地 column's cell first (person and household ledgers)."""
    if cells is None or ledger.level == "region":
        return cells
    return [first, *cells]


def ledger_list(request: HttpRequest, kind: str) -> HttpResponse:
    """One ledger: filters, search, sortable columns, 50 a page with the count and totals."""
    ledger = _ledger(kind)
    form, qs, data = _filtered(request, ledger)
    sortable = _sortable(request, ledger)
    qs, sort = _sorted(
        ledger,
        qs.select_related(*ledger.related()),
        request.GET.get("sort", ""),
        sortable,
        full=can(request.user, Cap.REVEAL),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    headers = [
        {
            "label": c.header,
            "key": c.key,
            "arrow": ("▼" if sort == f"-{c.key}" else "▲") if sort.lstrip("-") == c.key else "",
            "next": f"-{c.key}" if sort == c.key else c.key,
            "sortable": c.key in sortable,
        }
        for c in ledger.layout.columns
    ]
    if ledger.level != "region":
        headers.insert(
            0,
            {
                "label": "所在地",
                "key": PLACE,
                "arrow": ("▼" if sort == f"-{PLACE}" else "▲") if sort.lstrip("-") == PLACE else "",
                "next": f"-{PLACE}" if sort == PLACE else PLACE,
                "sortable": True,
            },
        )
    return render(
        request,
        "ledgers/list.html",
        {
            "ledger": ledger,
            "form": form,
            "page": page,
            "rows": _rows(request, ledger, page.object_list),
            "headers": headers,
            "totals": _placed(ledger, _totals(ledger, qs)),
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "filtered": any(v for v in data.values()),
            "can_edit": services.may_change(request.user, ledger),
            "can_import": can(request.user, Cap.IMPORT) and not ledger.refusal(request.user),
            "links": [(label, reverse(name)) for label, name in ledger.extra.get("links", ())],
        },
    )


def _row(request: HttpRequest, ledger: Ledger, pk: int) -> Any:
    return get_visible_or_404(
        ledger.model.objects.select_related(*ledger.related()), request.user, pk=pk
    )


# Bookkeeping columns that say nothing to a reader of a row's 变更记录.
HIDDEN_FIELDS = {"id", "import_record", "import_row", "updated_by"}


def row_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One row with its 变更记录 (what each change changed, as the household page shows)."""
    ledger = _ledger(kind)
    row = _row(request, ledger, pk)
    values = ledger.values(row)
    cells = [(c.header, c.show(values.get(c.key), full=False)) for c in ledger.layout.columns]
    records = audit.describe(
        AuditRecord.objects.filter(
            object_type=ledger.model._meta.label_lower, object_id=str(row.pk)
        ).select_related("actor")[:50],
        hidden=HIDDEN_FIELDS,
    )
    # A row created by an import has no record of its own: the import's names the file.
    origin = (
        AuditRecord.objects.select_related("actor").filter(pk=row.import_record_id).first()
        if row.import_record_id
        else None
    )
    link = None
    if "row_link" in ledger.extra:
        label, name, attr = ledger.extra["row_link"]
        if getattr(row, attr, None):
            link = (label, reverse(name, args=[getattr(row, attr)]))
    return render(
        request,
        "ledgers/detail.html",
        {
            "ledger": ledger,
            "row": row,
            "cells": cells,
            "records": records,
            "origin": origin,
            "link": link,
            "can_edit": services.may_change(request.user, ledger, row.scope_region()),
        },
    )


def _save(request: HttpRequest, ledger: Ledger, form: LedgerForm, row: Any = None) -> Any:
    try:
        return services.save_row(
            actor=request.user, ledger=ledger, values=form.row_values(), row=row
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for key, errors in exc.message_dict.items():
                target = key if key in form.fields else None
                for message in errors:
                    form.add_error(target, message)
        else:
            form.add_error(None, exc)
    return None


def row_new(request: HttpRequest, kind: str) -> HttpResponse:
    ledger = _ledger(kind)
    require(request.user, Cap.EDIT_LEDGER)
    services.kept(request.user, ledger)
    # A link may prefill the form (?problem_no=…: a measure of a known problem).
    initial = {k: v for k, v in request.GET.items() if ledger.layout.has(k) or k == "region"}
    form = LedgerForm(request.POST or None, ledger=ledger, viewer=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        row = _save(request, ledger, form)
        if row is not None:
            messages.success(request, f"已新增一条{ledger.name}记录")
            return redirect("ledgers:detail", kind, row.pk)
    return render(
        request, "ledgers/form.html", {"ledger": ledger, "form": form, "title": "新增记录"}
    )


def row_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    ledger = _ledger(kind)
    row = _row(request, ledger, pk)
    require(request.user, Cap.EDIT_LEDGER, row.scope_region())
    services.kept(request.user, ledger)
    form = LedgerForm(
        request.POST or None,
        ledger=ledger,
        viewer=request.user,
        row=row,
        initial=LedgerForm.initial_for(ledger, row),
    )
    if request.method == "GET":
        services.log_form_view(actor=request.user, ledger=ledger, row=row, form=form)
    if request.method == "POST" and form.is_valid() and _save(request, ledger, form, row):
        messages.success(request, "已保存")
        return redirect("ledgers:detail", kind, row.pk)
    return render(
        request, "ledgers/form.html", {"ledger": ledger, "form": form, "title": "修改记录"}
    )


@require_POST
def row_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    ledger = _ledger(kind)
    row = _row(request, ledger, pk)
    services.delete_row(actor=request.user, ledger=ledger, row=row)
    messages.success(request, f"已删除一条{ledger.name}记录")
    return redirect("ledgers:list", kind)


def export(request: HttpRequest, kind: str) -> HttpResponseBase:
    """The filtered rows in the ledger's own layout (it imports back unchanged): .xlsx, or CSV
    with `?format=csv` (for more rows than a sheet holds). More rows than
    FANGPIN_EXPORT_INLINE_ROWS are written by a background job (core.exports)."""
    ledger = _ledger(kind)
    _, qs, data = _filtered(request, ledger)
    as_csv = request.GET.get("format") == "csv"
    if qs.count() > exports.inline_limit():
        require(request.user, Cap.EXPORT)
        return exports.queue(
            request, "ledgers.export", title=f"导出{ledger.name}", params={"kind": kind}
        )
    out = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it) a county on disk
    try:
        _, name = services.export_filtered(
            actor=request.user, ledger=ledger, qs=qs, data=data, out=out, as_csv=as_csv
        )
    except services.TooManyRows as exc:
        out.close()
        messages.error(request, str(exc))
        query = request.GET.copy()
        query.pop("format", None)
        return redirect(f"{reverse('ledgers:list', args=[kind])}?{query.urlencode()}")
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=name, content_type=exports.content_type(name)
    )


def print_view(request: HttpRequest, kind: str) -> HttpResponse:
    """The filtered rows on A4 paper, with the totals."""
    ledger = _ledger(kind)
    require(request.user, Cap.EXPORT)
    _, qs, data = _filtered(request, ledger)
    region = data.get("region") or own_region(request.user)
    count = qs.count()
    # In the list's order when it was sorted (the print link carries ?sort=), else as entered.
    shown, sort = _sorted(
        ledger,
        qs.select_related(*ledger.related()),
        request.GET.get("sort", ""),
        _sortable(request, ledger),
        full=can(request.user, Cap.REVEAL),
    )
    if not sort:
        shown = shown.order_by("pk")
    shown = shown[:PRINT_ROWS]
    return render(
        request,
        "ledgers/print.html",
        {
            "ledger": ledger,
            "region": region,
            "what": services.what(data),
            "headers": _placed(ledger, [c.header for c in ledger.layout.columns], "所在地"),
            "rows": _rows(request, ledger, shown),
            "totals": _placed(ledger, _totals(ledger, qs)),
            "count": count,
            "cut": count > PRINT_ROWS,
            "today": dates.today(),
        },
    )


def stats(request: HttpRequest, kind: str) -> HttpResponse | FileResponse:
    """The figures of formats.md §7 for a region and a year, with its sub-regions to drill into;
    `?format=xlsx` gives the printable Excel 台账 with totals."""
    ledger = _ledger(kind)
    region = own_region(request.user)
    if request.GET.get("region"):
        region = get_visible_region_or_404(request.user, request.GET["region"])
    try:
        year = ledger_figures.year_of(request.GET.get("year"))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    figures = ledger_figures.figures(ledger, region, year)
    children = ledger_figures.by_child(ledger, region, year)
    if request.GET.get("format") == "xlsx":
        require(request.user, Cap.EXPORT)
        out = io.BytesIO()
        workbook.figures_workbook(ledger, region, year, figures, children, out)
        out.seek(0)
        services.log_figures_export(actor=request.user, ledger=ledger, region=region, year=year)
        name = f"{ledger.name}统计-{region.name}-{year}.xlsx"
        return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
    return render(
        request,
        "ledgers/stats.html",
        {
            "ledger": ledger,
            "region": region,
            "year": year,
            "figures": figures,
            "children": children,
            "labels": core_labels.for_year(year),  # the year's words (监测户 until 2025)
        },
    )
