"""Background jobs: comparing an uploaded file and running the internal checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.urls import reverse

from core.jobs import handler, progress, report
from core.models import Job
from exchange import services


@handler("exchange.compare")
def compare_job(job: Job) -> dict:
    """Compare the uploaded file named in the job's params, then remove the upload."""
    params = job.params
    path = Path(params["path"])
    try:
        batch = services.compare(
            actor=job.created_by,
            source=params["source"],
            path=path,
            filename=params.get("filename", path.name),
            as_of=dt.date.fromisoformat(params["as_of"]) if params.get("as_of") else None,
            region=job.region,
            progress=progress(job),
        )
    finally:
        path.unlink(missing_ok=True)
    return {
        "url": reverse("exchange:batch_detail", args=[batch.pk]),
        "batch": batch.pk,
        "records": batch.records,
        "matched": batch.matched,
        "unmatched": batch.unmatched,
        "rejected_rows": batch.rejected_rows,
        "warnings_created": batch.warnings_created,
        "findings_created": batch.findings_created,
    }


@handler("exchange.check")
def check_job(job: Job) -> dict:
    """Run the internal data-quality rules over the job's region."""
    report(job, 10, "正在运行数据质量校验规则")
    result = services.run_checks(actor=job.created_by, region=job.region)
    return {"url": reverse("exchange:index") + "?kind=finding", **result}
