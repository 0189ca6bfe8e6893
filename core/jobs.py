"""Background jobs without a broker: a status row in the database, run by `fangpin worker`.

An app registers a handler with `@handler("kind")`; a view calls `enqueue(...)` and redirects to
the job page, which polls the row for progress. Handlers take the job, read ids from `job.params`,
call a service and return a JSON-ready result. In tests (`JOBS_EAGER`) jobs run inline. A kind
registered with `daily(...)` is queued by the worker once a day, the first time it looks after
midnight (local time), so a server needs no cron.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from core.dates import today
from core.models import Job

log = logging.getLogger(__name__)
Handler = Callable[[Job], dict | None]
_HANDLERS: dict[str, Handler] = {}
_DAILY: dict[str, str] = {}  # kind → title of the job the worker queues every day


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def daily(kind: str, title: str) -> None:
    """Have the worker queue a job of `kind` (a registered handler) once a day."""
    _DAILY[kind] = title


def enqueue_daily() -> list[Job]:
    """Queue each daily kind that has no job created yet today; returns the jobs queued."""
    midnight = timezone.make_aware(dt.datetime.combine(today(), dt.time()))
    return [
        enqueue(kind, title=title)
        for kind, title in _DAILY.items()
        if not Job.objects.filter(kind=kind, created_at__gte=midnight).exists()
    ]


def enqueue(
    kind: str, *, title: str, params: dict | None = None, user: Any = None, region: Any = None
) -> Job:
    """Queue a job (or run it now when JOBS_EAGER is set)."""
    job = Job.objects.create(
        kind=kind,
        title=title,
        params=params or {},
        created_by=user if getattr(user, "pk", None) else None,
        region=region or getattr(user, "region", None),
    )
    if settings.JOBS_EAGER:
        transaction.on_commit(lambda: run(job.pk))
    return job


def report(job: Job, progress: int, message: str = "") -> None:
    """Save progress (0–100) and the current step; the page polls it."""
    job.progress = max(0, min(100, int(progress)))
    job.message = message[:300]
    Job.objects.filter(pk=job.pk).update(progress=job.progress, message=job.message)


def run(job_id: int) -> Job:
    """Run one job and record its outcome. Exceptions become a failed job with the message."""
    job = Job.objects.get(pk=job_id)
    fn = _HANDLERS.get(job.kind)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    try:
        if fn is None:
            raise LookupError(f"未知的任务类型“{job.kind}”")
        result = fn(job)
    except Exception as exc:  # a job must never kill the worker
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            error=f"{exc}\n\n{traceback.format_exc()[-4000:]}",
            message=str(exc)[:300],
            finished_at=timezone.now(),
        )
    else:
        finished = timezone.now()
        started = Job.objects.filter(pk=job.pk).values_list("started_at", flat=True).first()
        took = f"，用时{(finished - started).total_seconds():.0f}秒" if started else ""
        summary = (result or {}).get("message", "") if isinstance(result, dict) else ""
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED,
            progress=100,
            result=result,
            # The last progress step ("正在写入…") must not stay on a finished job's page.
            message=(f"已完成{took}" + (f"：{summary}" if summary else ""))[:300],
            finished_at=finished,
        )
    job.refresh_from_db()
    return job


def claim_next() -> int | None:
    """Take the oldest queued job, atomically, so two workers never run the same one."""
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=Job.Status.QUEUED)
            .order_by("created_at", "id")
            .first()
        )
        if job is None:
            return None
        Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
        return job.pk


def work_forever(poll_seconds: float = 1.0, once: bool = False) -> None:
    """The worker loop used by `fangpin worker`."""
    looked_on = None
    while True:
        close_old_connections()
        if looked_on != today():
            looked_on = today()
            enqueue_daily()
        job_id = claim_next()
        if job_id is not None:
            run(job_id)
            continue
        if once:
            return
        time.sleep(poll_seconds)
