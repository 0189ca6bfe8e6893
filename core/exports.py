"""Exports too large to make inside a request.

A page's export of a few thousand rows answers at once. A county's register (400,000 rows, about a
minute of writing) would outlast a reverse proxy's timeout and show no progress, so above
FANGPIN_EXPORT_INLINE_ROWS the page queues a job instead: the job writes the file into
DATA_DIR/exports with progress, and its page offers it for download — to the user who asked for it
only, since the file was made (masked or not) with that user's rights. Files older than
FANGPIN_EXPORT_RETENTION_HOURS are removed when the next export job starts, when a file is asked
for, and by the daily clean-up (imports.purge).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core import jobs
from core.models import Job
from core.xlsx import XLSX

CSV = "text/csv; charset=utf-8"


def retention_hours() -> int:
    return int(getattr(settings, "FANGPIN_EXPORT_RETENTION_HOURS", 24))


def inline_limit() -> int:
    """The most rows an export page writes inside the request."""
    return int(getattr(settings, "FANGPIN_EXPORT_INLINE_ROWS", 50_000))


def content_type(name: str | Path) -> str:
    """The content type of an export file by its suffix (.xlsx or .csv)."""
    return CSV if str(name).lower().endswith(".csv") else XLSX


def queue(request: HttpRequest, kind: str, *, title: str, params: dict[str, Any]) -> HttpResponse:
    """Queue the export job `kind` for the requesting user and send them to its page; `params`
    gets the page's GET filters as `query`."""
    query = {k: str(v) for k, v in request.GET.items() if v}
    job = jobs.enqueue(kind, title=title, params={"query": query, **params}, user=request.user)
    messages.info(request, "导出的行数较多，已转为后台任务；完成后在本页下载")
    return redirect("core:job", job.pk)


def folder() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def target(job: Job, suffix: str) -> Path:
    """Where the job writes its file (older files swept first)."""
    sweep()
    return folder() / f"job-{job.pk}{suffix}"


def result(job: Job, path: Path, filename: str, count: int) -> dict[str, Any]:
    """The job's result: what its page offers for download."""
    return {
        "download": reverse("core:job_file", args=[job.pk]),
        "file": path.name,
        "filename": filename,
        "content_type": content_type(filename),
        "rows": count,
        "hours": retention_hours(),
    }


def stored(job: Job) -> Path | None:
    """The job's file, if it is still there and within its retention period."""
    sweep()
    name = (job.result or {}).get("file", "")
    path = folder() / Path(name).name if name else None
    return path if path is not None and path.is_file() else None


def sweep() -> None:
    """Remove export files older than the retention period."""
    cutoff = time.time() - retention_hours() * 3600
    for path in folder().glob("job-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # removed meanwhile by another worker
            continue
