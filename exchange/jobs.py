"""Background jobs: comparing an uploaded file and running the internal checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.urls import reverse

from core.jobs import handler, progress, report
from core.models import Job
from exchange import services
from exchange.models import Batch


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
        "message": _summary(batch),
        "url": reverse("exchange:batch_detail", args=[batch.pk]),
        "batch": batch.pk,
        "records": batch.records,
        "matched": batch.matched,
        "unmatched": batch.unmatched,
        "rejected_rows": batch.rejected_rows,
        "warnings_created": batch.warnings_created,
        "findings_created": batch.findings_created,
    }


def _summary(batch: Batch) -> str:
    """What the job page says at once: a refused file and why (not only "已完成"), else the
    file's figures."""
    if batch.status == Batch.Status.REJECTED:
        return "文件已拒收：" + "；".join(e["message"] for e in batch.errors)
    return (
        f"共{batch.records}行，匹配{batch.matched}行，未匹配{batch.unmatched}行，"
        f"错误行{batch.rejected_rows}行，新增预警{batch.warnings_created}条、"
        f"疑点{batch.findings_created}条"
    )


@handler("exchange.check")
def check_job(job: Job) -> dict:
    """Run the internal data-quality rules over the job's region."""
    report(job, 10, "正在运行数据质量校验规则")
    result = services.run_checks(actor=job.created_by, region=job.region)
    return {"url": reverse("exchange:index") + "?kind=finding", **result}
