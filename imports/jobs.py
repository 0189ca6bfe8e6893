"""Background jobs of the import: checking an uploaded file (preview) and importing it."""

from __future__ import annotations

from django.urls import reverse

from core import exports, jobs
from core.models import AuditRecord, Job
from core.permissions import Cap, require
from imports import services
from imports.models import ImportBatch


@jobs.handler("imports.check")
def check(job: Job) -> dict:
    """Check the batch and leave its preview ready."""
    batch = ImportBatch.objects.get(pk=job.params["batch"])
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CHECKING)
    try:
        services.check_batch(actor=job.created_by, batch=batch, progress=jobs.progress(job))
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
        raise
    return {"url": reverse("imports:detail", args=[batch.pk]), "status": batch.status}


@jobs.handler("imports.apply")
def apply(job: Job) -> dict:
    """Import the confirmed batch."""
    batch = ImportBatch.objects.get(pk=job.params["batch"])
    try:
        services.apply_batch(actor=job.created_by, batch=batch, progress=jobs.progress(job))
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
        raise
    return {"url": reverse("imports:detail", args=[batch.pk]), "status": batch.status}


@jobs.handler("imports.purge")
def purge(job: Job) -> dict:
    """The daily clean-up of rejected uploads (FANGPIN_REJECTED_RETENTION_DAYS) and of export
    files past FANGPIN_EXPORT_RETENTION_HOURS (even when no export job starts)."""
    exports.sweep()
    return {"purged": services.purge_rejected()}


jobs.daily("imports.purge", "清理过期的被拒绝上传文件")


@jobs.on_stale("imports.check")
def check_interrupted(job: Job) -> str:
    """A check that died: the batch fails (nothing was written); the user uploads it again."""
    ImportBatch.objects.filter(
        pk=job.params.get("batch"), status=ImportBatch.Status.CHECKING
    ).update(status=ImportBatch.Status.FAILED)
    return "文件检查未完成，请重新上传该文件"


@jobs.on_stale("imports.apply")
def apply_interrupted(job: Job) -> str:
    """An import that died before its commit wrote nothing (one transaction): the batch is 待确认
    again. One that died after it (while a large load's tables were being vacuumed, say) is in:
    the import's own record, written in that transaction, names the batch and keeps its counts."""
    batch = job.params.get("batch")
    importing = ImportBatch.objects.filter(pk=batch, status=ImportBatch.Status.IMPORTING)
    record = (
        AuditRecord.objects.filter(action="import", after__batch=batch, at__gte=job.created_at)
        .order_by("-pk")
        .first()
    )
    if record is not None:
        counts = {k: v for k, v in record.after.items() if isinstance(v, int) and k != "batch"}
        importing.update(status=ImportBatch.Status.IMPORTED, counts=counts)
        return "数据已导入，任务在导入后的整理中中断（不影响已导入的数据）"
    importing.update(status=ImportBatch.Status.VALID)
    return "导入未写入任何数据，该文件已回到“待确认”，可重新确认导入"


@jobs.handler("imports.export")
def export(job: Job) -> dict:
    """A register export too large for the page (core.exports), with the page's filters, made
    with the rights of the user who asked for it."""
    actor = job.created_by
    # The user's rights now, not when they asked: one deactivated meanwhile gets no file.
    require(actor, Cap.EXPORT)
    households = services.households_to_export(actor, job.params.get("query", {}))
    path = exports.target(job, ".xlsx")
    count = services.export_for_user(
        actor=actor,
        households=households,
        out=path,
        note=job.params.get("note", ""),
        progress=jobs.progress(job),
    )
    return exports.result(job, path, services.export_name(), count)
