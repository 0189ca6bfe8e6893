"""Imports through the one pipeline (core.pipeline) and the register's export (formats.md §1, §3):
the services behind the CLI, the web pages and their jobs."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import audit, dates, pipeline
from core.batching import values_rows
from core.permissions import Cap, can
from core.pipeline import Progress
from core.xlsx import StreamWorkbook
from imports.models import ImportBatch
from regions.models import Region
from registry.forms import HouseholdFilterForm
from registry.layouts import HOUSEHOLD_KEYS, PERSON_KEYS, REGION_KEYS, REGISTER
from registry.models import Household, Person, show_risks
from registry.services import filter_households

STORED_ERRORS = 500  # errors kept on an ImportBatch for the preview page


def import_registry(
    path: str | Path,
    *,
    actor: Any,
    create_regions: bool = False,
    dry_run: bool = False,
    file_name: str = "",
    errors_out: str | Path | None = None,
    progress: Progress | None = None,
    ends_process: bool = False,
) -> dict[str, Any]:
    """Check a registry workbook and, unless dry_run or rejected, write it in one transaction.

    Returns the formats.md §3 result: status imported / rejected / valid, the counts, the first
    errors and warnings (core.pipeline.run with the register's importer, `ends_process` too).
    """
    return pipeline.run(
        "registry",
        path,
        actor=actor,
        create_regions=create_regions,
        dry_run=dry_run,
        file_name=file_name,
        errors_out=errors_out,
        progress=progress,
        ends_process=ends_process,
    )


# -- the web: batches checked by a job, confirmed, then imported by another job ---------------


def imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@transaction.atomic
def create_batch(*, actor: Any, upload: UploadedFile, kind: str = "registry") -> ImportBatch:
    """Store an uploaded file of `kind` under DATA_DIR/imports and register it as a batch."""
    spec = pipeline.kind(kind)
    name = Path(upload.name or "upload.xlsx").name
    target = imports_dir() / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    digest = hashlib.sha256()
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            digest.update(chunk)
            fh.write(chunk)
    batch = ImportBatch.objects.create(
        kind=kind,
        file_name=name[:200],
        stored_path=str(target),
        sha256=digest.hexdigest(),
        region=actor.region,
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        obj=batch,
        region_id=actor.region_id,
        note=f"上传{spec.name} {name}",
    )
    return batch


def _store(batch: ImportBatch, result: dict[str, Any], status: str) -> None:
    batch.status = status
    batch.counts = {
        k: v for k, v in result.items() if k not in {"errors", "warnings", "_all_errors"}
    }
    batch.errors = result.get("_all_errors", result["errors"])[:STORED_ERRORS]
    batch.warnings = result["warnings"][:STORED_ERRORS]
    batch.error_count = result["error_count"]
    batch.save()


def _options(batch: ImportBatch, create_regions: bool) -> dict[str, Any]:
    """The kind's own options: regions may be created only by a register import."""
    spec = pipeline.kind(batch.kind)
    return {"create_regions": create_regions} if "create_regions" in spec.options else {}


def check_batch(*, actor: Any, batch: ImportBatch, progress: Progress | None = None) -> ImportBatch:
    """Check an uploaded batch without writing: the preview's counts, warnings and errors."""
    errors_path = Path(batch.stored_path).with_suffix(".errors.xlsx")
    result = pipeline.run(
        batch.kind,
        batch.stored_path,
        actor=batch.created_by,
        dry_run=True,
        file_name=batch.file_name,
        errors_out=errors_path,
        progress=progress,
        **_options(batch, True),
    )
    batch.errors_path = str(errors_path) if errors_path.exists() else ""
    _store(batch, result, result["status"] if result["status"] == "rejected" else "valid")
    return batch


def apply_batch(*, actor: Any, batch: ImportBatch, progress: Progress | None = None) -> ImportBatch:
    """Import a confirmed batch (checked again first: the register may have changed meanwhile)."""
    result = pipeline.run(
        batch.kind,
        batch.stored_path,
        actor=actor,
        file_name=batch.file_name,
        progress=progress,
        batch=batch.pk,
        **_options(batch, batch.create_regions),
    )
    _store(batch, result, "imported" if result["status"] == "imported" else "rejected")
    return batch


@transaction.atomic
def confirm_batch(*, actor: Any, batch: ImportBatch, create_regions: bool) -> ImportBatch:
    """Record the user's confirmation (and whether regions may be created) before the import job."""
    if batch.status != ImportBatch.Status.VALID:
        raise ValueError("只有检查通过的文件才能确认导入")
    if batch.counts.get("regions_to_create") and not create_regions:
        raise ValueError("文件中有系统中不存在的区划，请勾选“创建区划”后再确认")
    # Only while it is still 待确认 in the database: of two confirmations sent at once (a double
    # click, two tabs), each read the batch before the other saved it, and both would start
    # an import job.
    if not ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.VALID).update(
        create_regions=create_regions,
        status=ImportBatch.Status.IMPORTING,
        updated_at=timezone.now(),
    ):
        raise ValueError("该文件已确认导入，请勿重复提交")
    batch.create_regions = create_regions
    batch.status = ImportBatch.Status.IMPORTING
    audit.record(
        actor=actor, action="action", obj=batch, region_id=batch.region_id, note="确认导入"
    )
    return batch


def purge_rejected(*, days: int | None = None) -> int:
    """Delete the stored files (and error workbooks) of batches rejected or failed more than
    `days` ago (FANGPIN_REJECTED_RETENTION_DAYS); the batch rows stay, as a record. Returns the
    number of batches whose files were removed."""
    days = settings.FANGPIN_REJECTED_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - dt.timedelta(days=days)
    old = ImportBatch.objects.filter(
        status__in=[ImportBatch.Status.REJECTED, ImportBatch.Status.FAILED],
        updated_at__lt=cutoff,
    ).exclude(stored_path="")
    purged = 0
    for batch in old.iterator():
        for name in (batch.stored_path, batch.errors_path):
            if name:
                Path(name).unlink(missing_ok=True)
        ImportBatch.objects.filter(pk=batch.pk).update(stored_path="", errors_path="")
        purged += 1
    return purged


# -- export ---------------------------------------------------------------------------------


def _region_names() -> dict[int, list[str]]:
    rows = {
        pk: (name, parent)
        for pk, name, parent in Region.objects.values_list("pk", "name", "parent_id")
    }
    names: dict[int, list[str]] = {}

    def chain(pk: int) -> list[str]:
        if pk not in names:
            name, parent = rows[pk]
            names[pk] = [*(chain(parent) if parent else []), name]
        return names[pk]

    for pk in rows:
        chain(pk)
    return names


def export_rows(households: QuerySet[Household], *, mask: bool) -> Iterator[list[Any]]:
    """Rows of the standard layout for the members of these households (heads first).

    Plain values, not two model objects per row: a county's 400,000 rows spent a third of the
    export building them."""
    names = _region_names()
    persons = Person.objects.filter(household__in=households, is_member=True).order_by(
        "household__region_id", "household__number", "household_id", "pk"
    )
    columns = (
        "household__region_id",
        "household__number",
        *(f"household__{k}" for k in HOUSEHOLD_KEYS),
        *PERSON_KEYS,
    )
    keys = ("number", *HOUSEHOLD_KEYS, *PERSON_KEYS)
    for row in values_rows(persons, columns):
        values: dict[str, Any] = dict(zip(REGION_KEYS, names[row[0]], strict=False))
        values.update(zip(keys, row[1:], strict=True))
        values["risks"] = show_risks(values["risks"])
        if not values["category"]:
            values["risk_eliminated"] = None  # not a 监测对象: the cell stays blank
        yield REGISTER.row_cells(values, full=not mask)


def write_registry(
    households: QuerySet[Household],
    out: Path | IO[bytes],
    *,
    mask: bool,
    progress: Progress | None = None,
    total: int = 0,
) -> int:
    """Write the standard workbook (streamed); returns the number of person rows. `progress`
    hears of every 10,000 rows, as a share of `total` (the expected rows)."""
    book = StreamWorkbook(out, sheet="户籍台账", widths={4: 22, 6: 22})
    book.write_row(REGISTER.headers, header=True)
    book.print_setup(header_row=0)
    count = 0
    for row in export_rows(households, mask=mask):
        book.write_row(row)
        count += 1
        if progress is not None and count % 10_000 == 0:
            progress(min(95, 95 * count // max(total, 1)), f"已写出{count}行")
    book.close()
    return count


def export_for_user(
    *,
    actor: Any,
    households: QuerySet[Household],
    out: Path | IO[bytes],
    note: str = "",
    progress: Progress | None = None,
) -> int:
    """Export households the actor may see; ID numbers masked unless they may see them in full.

    No transaction: the export changes nothing but its audit record (written once the file is),
    and a transaction around the writing would hide a job's progress from its page until the end
    and, on SQLite (BEGIN IMMEDIATE), hold the database's write lock for the whole export."""
    visible = households & Household.objects.visible_to(actor)
    mask = not can(actor, Cap.REVEAL)
    total = export_size(visible) if progress is not None else 0
    count = write_registry(visible, out, mask=mask, progress=progress, total=total)
    audit.record(
        actor=actor,
        action="export",
        object_type="registry.household",
        object_repr=f"导出户籍台账{count}人",
        region_id=getattr(actor, "region_id", None),
        note=(note + ("（证件号码已脱敏）" if mask else "（含完整证件号码）"))[:500],
    )
    return count


def export_name() -> str:
    """The download name of a register export."""
    return f"户籍台账-{dates.today():%Y%m%d}.xlsx"


def export_size(households: QuerySet[Household]) -> int:
    """The rows an export of these households writes (their members)."""
    return Person.objects.filter(household__in=households, is_member=True).count()


def export_form(actor: Any, query: dict[str, str]) -> HouseholdFilterForm:
    """The list page's filter form for an export's GET filters (region, q, category, risk,
    household_type or is_alleviated=是/否, eliminated, health, labour, sort), checked, within the
    actor's regions."""
    data = dict(query)
    if "is_alleviated" in data and "household_type" not in data:
        data["household_type"] = {
            "是": "脱贫户",
            "1": "脱贫户",
            "否": "一般农户",
            "0": "一般农户",
        }.get(str(data.get("is_alleviated", "")), "")
    regions = list(Region.objects.visible_to(actor).order_by("path"))
    form = HouseholdFilterForm(data, regions=regions)
    form.is_valid()
    return form


def households_to_export(
    actor: Any, query: dict[str, str], form: HouseholdFilterForm | None = None
) -> QuerySet[Household]:
    """The households the list page shows for these GET filters (`export_form`, unless the
    caller has it already): what its 导出Excel writes, inside the request or in a job."""
    form = form or export_form(actor, query)
    households, _ = filter_households(
        Household.objects.visible_to(actor), form.cleaned_data, actor=actor
    )
    return households
