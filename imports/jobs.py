"""Background jobs of the import: checking an uploaded file (preview) and importing it."""

from __future__ import annotations

from django.urls import reverse

from core import exports, jobs
from core.models import Job
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
    """An import that died wrote nothing (one transaction): the batch is 待确认 again."""
    ImportBatch.objects.filter(
        pk=job.params.get("batch"), status=ImportBatch.Status.IMPORTING
    ).update(status=ImportBatch.Status.VALID)
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
