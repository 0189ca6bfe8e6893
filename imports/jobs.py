"""Background jobs of the import: checking an uploaded file (preview) and importing it."""

from __future__ import annotations

from django.urls import reverse

from core import jobs
from core.models import Job
from imports import services
from imports.models import ImportBatch


def _progress(job: Job) -> services.Progress:
    return lambda pct, message: jobs.report(job, pct, message)


@jobs.handler("imports.check")
def check(job: Job) -> dict:
    """Check the batch and leave its preview ready."""
    batch = ImportBatch.objects.get(pk=job.params["batch"])
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CHECKING)
    try:
        services.check_batch(actor=job.created_by, batch=batch, progress=_progress(job))
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
        raise
    return {"url": reverse("imports:detail", args=[batch.pk]), "status": batch.status}


@jobs.handler("imports.apply")
def apply(job: Job) -> dict:
    """Import the confirmed batch."""
    batch = ImportBatch.objects.get(pk=job.params["batch"])
    try:
        services.apply_batch(actor=job.created_by, batch=batch, progress=_progress(job))
    except Exception:
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED)
        raise
    return {"url": reverse("imports:detail", args=[batch.pk]), "status": batch.status}
