"""Changes to ledger rows by hand, and exports: audited, scoped, masked like the register."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from core import audit, dates
from core.audit import snapshot
from core.masking import mask_id, mask_numbers, text_contains, unmask_numbers
from core.permissions import Cap, can, require
from core.pipeline import Progress
from core.xlsx import StreamWorkbook
from ledgers import figures as ledger_figures
from ledgers.forms import FilterForm
from ledgers.importer import LayoutImporter, Row
from ledgers.kit import Ledger
from ledgers.models import LedgerRow
from regions.models import Region, own_region


def _links(ledger: Ledger, actor: Any, values: dict[str, Any]) -> dict[str, Any]:
    """Resolve the link columns of one row as the import does (same checks, same messages)."""
    importer = LayoutImporter(ledger, actor=actor, today=dates.today())
    row = Row(0, values)
    importer.link([row])
    errors: dict[str, list[str]] = {}
    for e in importer.report.errors:
        key = next((c.key for c in ledger.layout.columns if c.header == e["column"]), "")
        errors.setdefault(key or "__all__", []).append(e["message"])
    if errors:
        raise ValidationError(errors)
    return row.links


def kept(actor: Any, ledger: Ledger) -> None:
    """PermissionDenied, with the reason, when the ledger is kept above the actor's level."""
    if reason := ledger.refusal(actor):
        raise PermissionDenied(reason)


def may_change(user: Any, ledger: Ledger, region: Any = None) -> bool:
    """Whether `user` may add, change or delete the ledger's rows (in `region` when given)."""
    return can(user, Cap.EDIT_LEDGER, region) and not ledger.refusal(user)


@transaction.atomic
def save_row(
    *, actor: Any, ledger: Ledger, values: dict[str, Any], row: LedgerRow | None = None
) -> LedgerRow:
    """Create or change one row from {column key: value}; checked like an imported row."""
    kept(actor, ledger)
    links = _links(ledger, actor, values)
    require(actor, Cap.EDIT_LEDGER, Region.objects.get(pk=links["region_id"]))
    if row is not None:
        require(actor, Cap.EDIT_LEDGER, row.scope_region())
    if ledger.clean is not None:
        problems = ledger.clean(values)
        if problems:
            raise ValidationError(problems)
    values = _unmasked(actor, ledger, values, row)
    before = snapshot(row) if row is not None else None
    obj = row or ledger.model()
    for column in ledger.fields:
        if column.key in values:
            setattr(obj, column.key, values[column.key])
    for name, value in links.items():
        setattr(obj, name, value)
    obj.updated_by = actor if getattr(actor, "pk", None) else None
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        shown = "、".join(c.header for c in ledger.layout.unique)
        raise ValidationError(f"已有{shown}相同的记录，请修改那一条") from exc
    audit.record(
        actor=actor,
        action="update" if before else "create",
        obj=obj,
        object_repr=f"{ledger.name} {values.get('name') or values.get('village') or ''}".strip(),
        before=before,
        after=snapshot(obj),
        household_id=obj.household_id,
        region_id=obj.region_id,
    )
    _spread_group(actor, ledger, obj)
    if ledger.after_write is not None:
        ledger.after_write(actor=actor, values=[{**values, **links}], how="save")
    return obj


def _unmasked(
    actor: Any, ledger: Ledger, values: dict[str, Any], row: LedgerRow | None
) -> dict[str, Any]:
    """The values with the masked numbers of their free texts put back from the stored text: a
    user who may not see full numbers edits a row (or adds one to a group: a problem's next
    measure) from texts shown masked, and the row keeps the numbers it had."""
    texts = [c.key for c in ledger.fields if c.is_free_text and "*" in str(values.get(c.key) or "")]
    if not texts:
        return values
    stored = row
    group = ledger.layout.group
    if stored is None and group is not None and values.get(group.key):
        stored = (
            ledger.model.objects.visible_to(actor)
            .filter(**{group.key: values[group.key]})
            .order_by("pk")
            .first()
        )
    if stored is None:
        return values
    return values | {k: unmask_numbers(values[k], getattr(stored, k, "")) for k in texts}


def _spread_group(actor: Any, ledger: Ledger, obj: LedgerRow) -> None:
    """The group columns of a row just saved become those of every row of its group."""
    group = ledger.layout.group
    if group is None:
        return
    names = [k for k in group.columns if k not in ledger.links]
    names += [k for k in group.lenient if getattr(obj, k) not in (None, "")]
    if any(k in ledger.links for k in group.columns):
        names.append("region_id")
    siblings = ledger.model.objects.filter(**{group.key: getattr(obj, group.key)}).exclude(
        pk=obj.pk
    )
    region = getattr(actor, "region", None)
    if region is not None and siblings.exclude(pk__in=siblings.below(region).values("pk")).exists():
        # The group is another region's: this row must not move it here (rolled back).
        label = ledger.layout.column(group.key).header
        raise ValidationError({group.key: f"{label}已被您管辖范围以外的区划使用，请换一个编号"})
    for sibling in siblings:
        before = {k: getattr(sibling, k) for k in names if getattr(sibling, k) != getattr(obj, k)}
        if not before:
            continue
        for k in before:
            setattr(sibling, k, getattr(obj, k))
        sibling.updated_by = obj.updated_by
        sibling.save(update_fields=[*before, "updated_by", "updated_at"])
        audit.record(
            actor=actor,
            action="update",
            obj=sibling,
            object_repr=f"{ledger.name}（随同组记录修改）",
            before={k: audit.plain(v) for k, v in before.items()},
            after={k: audit.plain(getattr(sibling, k)) for k in before},
            household_id=sibling.household_id,
            region_id=sibling.region_id,
        )


@transaction.atomic
def delete_row(*, actor: Any, ledger: Ledger, row: LedgerRow) -> None:
    """Delete one row (its audit record keeps what it held)."""
    kept(actor, ledger)
    require(actor, Cap.EDIT_LEDGER, row.scope_region())
    values = {c.key: getattr(row, c.key) for c in ledger.fields} | {
        "region_id": row.region_id,
        "household_id": row.household_id,
        "person_id": row.person_id,
    }
    audit.record(
        actor=actor,
        action="delete",
        obj=row,
        object_repr=f"{ledger.name}记录",
        before=snapshot(row),
        household_id=row.household_id,
        region_id=row.region_id,
    )
    row.delete()
    if ledger.after_write is not None:
        ledger.after_write(actor=actor, values=[values], how="delete")


def filtered(
    actor: Any, ledger: Ledger, query: Mapping[str, Any], *, log_search: bool = True
) -> tuple[FilterForm, QuerySet, dict]:
    """A ledger's rows the actor may see, after a list page's GET filters (region, year, the
    by-columns, the ledger's filters, q); invalid filters are not applied. A search by a full ID
    number is logged (unless `log_search` is off: a job repeating a page's search)."""
    form = FilterForm(query or None, ledger=ledger, viewer=actor)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    qs = ledger.model.objects.visible_to(actor)
    if data.get("region") is not None:
        qs = qs.below(data["region"])
    if data.get("year"):
        qs = qs.filter(ledger_figures.period_q(ledger, data["year"]))
    for column in ledger.layout.by:
        value = data.get(f"by_{column.key}")
        if value:
            qs = qs.filter(**{column.key: value})
    for key in ledger.filters:
        value = (data.get(f"f_{key}") or "").strip()
        if value:
            qs = qs.filter(**{key: value})
    q = (data.get("q") or "").strip()
    if q:
        qs = qs.filter(_search(actor, ledger, q, log=log_search))
    return form, qs, data


def _search(actor: Any, ledger: Ledger, q: str, *, log: bool) -> Q:
    found = Q(pk__in=[])
    full = can(actor, Cap.REVEAL)
    if ledger.level == "person":
        if len(q) >= 15 and q[:-1].isdigit():
            # A full ID number finds a person only for users who may see full numbers, and the
            # search is logged like any sight of a full number.
            if full:
                found |= Q(person__id_number=q.upper())
                if log:
                    log_full_search(actor=actor, ledger=ledger, number=q)
        else:
            found |= Q(person__name__startswith=q)
    elif ledger.level == "household":
        found |= Q(household__number__startswith=q) | Q(household__head_name__startswith=q)
    else:
        found |= Q(region__name__contains=q) | Q(region__parent__name__contains=q)
    for key in ledger.search:
        if ledger.layout.has(key) and ledger.layout.column(key).is_free_text:
            # What the list shows: numbers in the text masked, so not found by their digits.
            found |= text_contains(key, q, full=full)
        else:
            found |= Q(**{f"{key}__contains": q})
    return found


def write_rows(
    ledger: Ledger,
    qs: QuerySet,
    out: Path | IO[bytes],
    *,
    full: bool,
    title: str,
    subtitle: str,
    progress: Progress | None = None,
) -> int:
    """The layout's workbook: a title, a subtitle, the frozen header row and the rows — no totals,
    so that it imports back as a no-op. Sensitive values masked unless `full`.

    More rows than a sheet holds are refused (`TooManyRows`) before anything is written: Excel
    would silently drop the rest."""
    count = qs.count()
    if count + 3 > SHEET_ROWS:
        raise TooManyRows(
            f"共{count}条，超过Excel工作表{SHEET_ROWS}行的上限；"
            "请按年度或区划分批导出，或导出为CSV文件（可容纳200万行）"
        )
    book = StreamWorkbook(out, sheet=ledger.name[:31])
    book.write_row([title])
    book.write_row([subtitle])
    book.write_row(ledger.layout.headers, header=True)
    book.print_setup(header_row=2)
    total, count = count, 0
    row_cells = _row_cells(ledger, full=full)
    for values in ledger.export_values(qs):
        book.write_row(row_cells(values))
        count += 1
        if progress is not None and count % 10_000 == 0:
            progress(min(95, 95 * count // max(total, 1)), f"已写出{count}行")
    book.close()
    return count


SHEET_ROWS = 1_048_576  # an .xlsx sheet's rows (Excel's own limit)


class TooManyRows(ValueError):
    """An export longer than an .xlsx sheet holds."""


def write_csv(
    ledger: Ledger,
    qs: QuerySet,
    out: IO[bytes],
    *,
    full: bool,
    progress: Progress | None = None,
) -> int:
    """The layout as CSV (UTF-8 with BOM, as Excel and WPS open it): the header row and the rows,
    no totals, so that it imports back as a no-op (§6 reads CSV up to 2,000,000 rows)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(ledger.layout.headers)
    total = qs.count() if progress is not None else 0
    count = 0
    row_cells = _row_cells(ledger, full=full)
    for values in ledger.export_values(qs):
        writer.writerow([_csv_cell(v) for v in row_cells(values)])
        count += 1
        if progress is not None and count % 10_000 == 0:
            progress(min(95, 95 * count // max(total, 1)), f"已写出{count}行")
    text.flush()
    text.detach()  # the caller's file stays open
    return count


def _row_cells(ledger: Ledger, *, full: bool) -> Callable[[dict[str, Any]], list[Any]]:
    """An export row's cells: sensitive columns masked unless `full`, and so are the numbers
    inside its free texts (a 问题描述 naming a person's ID number). Such a file imported back
    keeps the stored texts (`core.masking.unmask_numbers` in the importer)."""
    layout = ledger.layout
    free = [i for i, c in enumerate(layout.exported) if c.is_free_text]
    if full or not free:
        return lambda values: layout.row_cells(values, full=full)

    def cells(values: dict[str, Any]) -> list[Any]:
        out = layout.row_cells(values, full=False)
        for i in free:
            if out[i].__class__ is str:
                out[i] = mask_numbers(out[i])
        return out

    return cells


def _csv_cell(value: Any) -> str:
    """A cell as CSV text: dates ISO, money as written; text Excel would run as a formula gets a
    leading tab (shown as typed; the import trims it)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    s = str(value)
    return "\t" + s if s[:1] in ("=", "+", "-", "@") else s


def export_name(ledger: Ledger, region: Region, *, as_csv: bool) -> str:
    """The download name of a ledger export."""
    return f"{ledger.name}-{region.name}-{dates.today():%Y%m%d}.{'csv' if as_csv else 'xlsx'}"


def what(data: dict[str, Any]) -> str:
    """The period an export covers, for its subtitle and record."""
    return f"{data['year']}年度" if data.get("year") else "全部年度"


def headings(ledger: Ledger, region: Region, what: str) -> dict[str, str]:
    """The title and subtitle rows of an export."""
    return {
        "title": f"{region.name}{ledger.name}",
        "subtitle": f"区划：{region.full_name()}    {what}    导出日期：{dates.today():%Y-%m-%d}",
    }


def export_for_user(
    *,
    actor: Any,
    ledger: Ledger,
    qs: QuerySet,
    region: Region,
    out: IO[bytes],
    what: str,
    as_csv: bool = False,
    progress: Progress | None = None,
) -> int:
    """Export rows the actor may see (as .xlsx, or CSV with `as_csv`); sensitive values masked
    unless they may see them; logged once the file is written.

    No transaction, as for the register's (imports.services.export_for_user): it would hide a
    job's progress from its page and, on SQLite, hold the write lock for the whole export."""
    require(actor, Cap.EXPORT)
    full = can(actor, Cap.REVEAL)
    visible = qs & ledger.model.objects.visible_to(actor)
    if as_csv:
        count = write_csv(ledger, visible, out, full=full, progress=progress)
    else:
        count = write_rows(
            ledger, visible, out, full=full, progress=progress, **headings(ledger, region, what)
        )
    audit.record(
        actor=actor,
        action="export",
        object_type=ledger.model._meta.label_lower,
        object_repr=f"导出{ledger.name}{count}条",
        region_id=region.pk,
        note=f"{what}{'（含完整证件号码）' if full else '（证件号码已脱敏）'}"[:500],
    )
    return count


def export_filtered(
    *,
    actor: Any,
    ledger: Ledger,
    qs: QuerySet,
    data: dict[str, Any],
    out: IO[bytes],
    as_csv: bool,
    progress: Progress | None = None,
) -> tuple[int, str]:
    """A list page's filtered rows (`filtered`) exported for the actor, titled with the filters'
    region (or the actor's own) and year: (rows written, the download name)."""
    region = data.get("region") or own_region(actor)
    count = export_for_user(
        actor=actor,
        ledger=ledger,
        qs=qs,
        region=region,
        out=out,
        what=what(data),
        as_csv=as_csv,
        progress=progress,
    )
    return count, export_name(ledger, region, as_csv=as_csv)


@transaction.atomic
def log_figures_export(*, actor: Any, ledger: Ledger, region: Region, year: int) -> None:
    """Audit a download of a ledger's figures (an Excel 台账)."""
    audit.record(
        actor=actor,
        action="export",
        obj=region,
        region_id=region.pk,
        note=f"导出{region.name}{year}年{ledger.name}台账",
    )


def log_full_search(*, actor: Any, ledger: Ledger, number: str) -> None:
    """Audit a search of a ledger by a full ID number (the number itself is kept masked)."""
    audit.record(
        actor=actor,
        action="search",
        object_type=ledger.model._meta.label_lower,
        object_repr=f"按完整证件号码查询{ledger.name}",
        region_id=getattr(actor, "region_id", None),
        note=f"查询{mask_id(number)}",
    )


def log_form_view(*, actor: Any, ledger: Ledger, row: LedgerRow, form: Any) -> None:
    """Audit an edit form that shows a row's full ID numbers or phones (to a user who may see
    them: `form.masked` is empty)."""
    shown = [
        c.header
        for c in ledger.layout.columns
        if c.sensitive
        and c.key in form.fields
        and not getattr(form, "masked", {})
        and form.initial.get(c.key)
    ]
    if shown:
        audit.record(
            actor=actor,
            action="view_sensitive",
            obj=row,
            object_repr=f"{ledger.name}记录",
            region_id=row.region_id,
            household_id=row.household_id,
            note=f"修改表单显示完整{'、'.join(shown)}",
        )
