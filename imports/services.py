"""Registry import and export (formats.md §1, §3): the service behind the CLI, web and jobs."""

from __future__ import annotations

import gc
import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from core import audit, codes, dates
from core.masking import mask_id, mask_phone
from core.tabular import Table, TableError, open_table, raw_rows
from core.xlsx import StreamWorkbook
from imports import reader
from imports.models import ImportBatch
from imports.validation import Checker
from imports.writer import Writer
from regions.models import Region
from registry.models import Household, Person

Progress = Callable[[int, str], None]
FIRST_ERRORS = 100  # errors and warnings listed in the CLI JSON
STORED_ERRORS = 500  # errors kept on an ImportBatch for the preview page
NO_CHANGE = "没有变化：文件内容与系统中的台账一致"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def allowed_region_for(actor: Any) -> Region | None:
    """Where an actor may import: a town staff their town; a county admin or a command, anywhere."""
    region = getattr(actor, "region", None)
    return region if region is not None and region.parent_id is not None else None


def import_registry(
    path: str | Path,
    *,
    actor: Any,
    create_regions: bool = False,
    dry_run: bool = False,
    file_name: str = "",
    errors_out: str | Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Check a registry workbook and, unless dry_run or rejected, write it in one transaction.

    Returns the formats.md §3 result: status imported / rejected / valid, the counts, the first
    errors and warnings. Validation reads the whole file before anything is written; the write is
    one atomic transaction, so a failure or a killed process leaves the database as it was.
    """
    # The import builds millions of long-lived objects; the cyclic collector would rescan them
    # again and again (tens of seconds at a county's size). Reference counting still frees
    # everything acyclic, so the collector is paused for the import only.
    with _collector_paused():
        path = Path(path)
        report = progress or (lambda pct, msg: None)
        file_name = file_name or path.name
        sha = file_sha256(path)
        today = dates.today()
        checker = Checker(
            allowed_region=allowed_region_for(actor),
            create_regions=create_regions,
            today=today,
            progress=report,
        )
        report(2, "正在读取文件")
        try:
            table: Table | None = open_table(path)
        except TableError as exc:
            table = None
            checker.structure_ok = False
            checker.error(None, "", "", str(exc))
        if table is not None:
            checker.read(table, total_hint=max(1, path.stat().st_size // 200))
        plan = checker.compare() if checker.structure_ok else None
        result: dict[str, Any] = {
            "status": "rejected",
            "file": file_name,
            "sha256": sha,
            "rows": checker.rows,
            "households_created": 0,
            "households_updated": 0,
            "households_unchanged": 0,
            "persons_created": 0,
            "persons_updated": 0,
            "persons_unchanged": 0,
            "regions_created": 0,
            "regions_to_create": [],
            "error_count": len(checker.errors),
            "errors": checker.errors[:FIRST_ERRORS],
            "warning_count": len(checker.warnings),
            "warnings": checker.warnings[:FIRST_ERRORS],
            "message": "",
        }
        if checker.errors or plan is None:
            result["error_count"] = len(checker.errors)
            result["errors"] = checker.errors[:FIRST_ERRORS]
            result["message"] = f"文件有{len(checker.errors)}处错误，未导入任何数据"
            if errors_out and table is not None:
                write_error_workbook(path, Path(errors_out), checker.row_messages, table)
            result["_all_errors"] = checker.errors
            return result
        counts: dict[str, Any] = {
            "households_created": len(plan.households_new),
            "households_updated": len(plan.households_changed),
            "households_unchanged": plan.households_unchanged,
            "persons_created": len(plan.persons_new),
            "persons_updated": len(plan.persons_changed),
            "persons_unchanged": plan.persons_unchanged,
            "regions_to_create": ["/".join(p) for p in plan.regions_to_create],
        }
        result.update(counts)
        result["warnings"] = checker.warnings[:FIRST_ERRORS]
        result["warning_count"] = len(checker.warnings)
        changes = sum(counts[k] for k in ("households_created", "households_updated")) + sum(
            counts[k] for k in ("persons_created", "persons_updated")
        )
        if dry_run:
            result["status"] = "valid"
            result["message"] = "检查通过，可以导入" if changes else NO_CHANGE
            return result
        note = f"导入户籍台账 {file_name}（sha256 {sha[:16]}…）"
        with transaction.atomic():
            writer = Writer(plan, actor=actor, note=note, today=today, progress=report)
            writer.run()
            result["regions_created"] = writer.regions_created
            summary = {k: result[k] for k in ("rows", *reader_counts())}
            summary["regions_created"] = writer.regions_created
            audit.record(
                actor=actor,
                action="import",
                object_type="imports.registry",
                object_id=sha[:64],
                object_repr=file_name[:200],
                after={"file": file_name, "sha256": sha, **summary},
                region_id=getattr(allowed_region_for(actor), "pk", None),
                note=note + "：" + "，".join(f"{k}={v}" for k, v in summary.items()),
            )
        result["status"] = "imported"
        result["message"] = (
            f"已导入：新增{counts['households_created']}户、更新{counts['households_updated']}户，"
            f"新增{counts['persons_created']}人、更新{counts['persons_updated']}人"
            if changes
            else NO_CHANGE
        )
        report(100, result["message"])
        return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (if it was on) for the block."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def reader_counts() -> tuple[str, ...]:
    return (
        "households_created",
        "households_updated",
        "households_unchanged",
        "persons_created",
        "persons_updated",
        "persons_unchanged",
    )


def write_error_workbook(
    path: Path, out: Path | IO[bytes], row_messages: dict[int, list[str]], table: Table
) -> None:
    """The original rows at their original row numbers, plus a 错误说明 column."""
    _, _, rows = raw_rows(path)
    book = StreamWorkbook(out, sheet="错误说明")
    width = len(table.headers)
    for number, cells in enumerate(rows, start=1):
        book.skip_to(number - 1)
        values = [*cells[:width], *[""] * (width - len(cells))]
        if number == table.header_row:
            book.write_row([*values, reader.ERROR_HEADER], header=True)
        elif number in row_messages:
            book.write_row([*values, "；".join(row_messages[number])], mark=width)
        else:
            book.write_row(values)
    book.close()


# -- the web: batches checked by a job, confirmed, then imported by another job ---------------


def imports_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@transaction.atomic
def create_batch(*, actor: Any, upload: UploadedFile) -> ImportBatch:
    """Store an uploaded file under DATA_DIR/imports and register it as a batch."""
    name = Path(upload.name or "upload.xlsx").name
    target = imports_dir() / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    digest = hashlib.sha256()
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            digest.update(chunk)
            fh.write(chunk)
    batch = ImportBatch.objects.create(
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
        note=f"上传户籍台账 {name}",
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


def check_batch(*, actor: Any, batch: ImportBatch, progress: Progress | None = None) -> ImportBatch:
    """Check an uploaded batch without writing: the preview's counts, warnings and errors."""
    errors_path = Path(batch.stored_path).with_suffix(".errors.xlsx")
    result = import_registry(
        batch.stored_path,
        actor=batch.created_by,
        create_regions=True,
        dry_run=True,
        file_name=batch.file_name,
        errors_out=errors_path,
        progress=progress,
    )
    batch.errors_path = str(errors_path) if errors_path.exists() else ""
    _store(batch, result, result["status"] if result["status"] == "rejected" else "valid")
    return batch


def apply_batch(*, actor: Any, batch: ImportBatch, progress: Progress | None = None) -> ImportBatch:
    """Import a confirmed batch (checked again first: the register may have changed meanwhile)."""
    result = import_registry(
        batch.stored_path,
        actor=actor,
        create_regions=batch.create_regions,
        file_name=batch.file_name,
        progress=progress,
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
    batch.create_regions = create_regions
    batch.status = ImportBatch.Status.IMPORTING
    batch.save(update_fields=["create_regions", "status", "updated_at"])
    audit.record(
        actor=actor, action="action", obj=batch, region_id=batch.region_id, note="确认导入"
    )
    return batch


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


def _yes(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def export_rows(households: QuerySet[Household], *, mask: bool) -> Iterator[list[Any]]:
    """Rows of the standard layout for the members of these households (heads first)."""
    names = _region_names()
    persons = (
        Person.objects.filter(household__in=households, is_member=True)
        .select_related("household")
        .order_by("household__region_id", "household__number", "household_id", "pk")
    )
    for p in persons.iterator(chunk_size=2000):
        h = p.household
        region = names[h.region_id]
        monitored = bool(h.category)
        yield [
            region[0],
            region[1] if len(region) > 1 else "",
            region[2] if len(region) > 2 else "",
            region[3] if len(region) > 3 else "",
            h.number,
            p.name,
            mask_id(p.id_number) if mask else p.id_number,
            p.relation,
            "是" if h.is_alleviated else "否",
            h.category,
            p.sex,
            p.ethnicity,
            p.education,
            p.schooling,
            p.health,
            p.labour_skill,
            p.employment,
            p.work_place,
            mask_phone(h.phone) if mask else h.phone,
            h.alleviated_year or "",
            h.identified_date or "",
            codes.join_multi(h.risk_list),
            ("是" if h.risk_eliminated else "否") if monitored else "",
            h.eliminated_date or "",
            h.elimination_method,
            _yes(p.medical_insurance),
            _yes(p.dibao),
            _yes(p.tekun),
            h.per_capita_income if h.per_capita_income is not None else "",
        ]


def write_registry(households: QuerySet[Household], out: Path | IO[bytes], *, mask: bool) -> int:
    """Write the standard workbook (streamed); returns the number of person rows."""
    book = StreamWorkbook(out, sheet="户籍台账", widths={4: 22, 6: 22})
    book.write_row(reader.HEADERS, header=True)
    count = 0
    for row in export_rows(households, mask=mask):
        book.write_row(row)
        count += 1
    book.close()
    return count


def template_workbook(out: IO[bytes]) -> None:
    """An empty standard workbook with one example row, for users to fill in."""
    book = StreamWorkbook(out, sheet="户籍台账", widths={4: 22, 6: 22})
    book.write_row(reader.HEADERS, header=True)
    book.close()


@transaction.atomic
def export_for_user(
    *, actor: Any, households: QuerySet[Household], out: Path | IO[bytes], note: str = ""
) -> int:
    """Export households the actor may see; ID numbers masked unless they may see them in full."""
    visible = households & Household.objects.visible_to(actor)
    mask = not getattr(actor, "can_view_sensitive", False)
    count = write_registry(visible, out, mask=mask)
    audit.record(
        actor=actor,
        action="export",
        object_type="registry.household",
        object_repr=f"导出户籍台账{count}人",
        region_id=getattr(actor, "region_id", None),
        note=(note + ("（证件号码已脱敏）" if mask else "（含完整证件号码）"))[:500],
    )
    return count
