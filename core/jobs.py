"""Background jobs without a broker: a status row in the database, run by `fangpin worker`.

An app registers a handler with `@handler("kind")`; a view calls `enqueue(...)` and redirects to
the job page, which polls the row for progress. Handlers take the job, read ids from `job.params`,
call a service and return a JSON-ready result. In tests (`JOBS_EAGER`) jobs run inline. A kind
registered with `daily(...)` is queued by the worker once a day, the first time it looks after
midnight (local time), so a server needs no cron.

A running job carries a heartbeat (`Job.heartbeat_at`, written by a thread of the worker every
FANGPIN_JOB_HEARTBEAT_SECONDS) and the identity of its worker process (`Job.worker`). A worker
looks for stale jobs when it starts and while it polls (`recover_stale`): a job whose worker
process on this host is gone, or whose heartbeat is older than FANGPIN_JOB_STALE_SECONDS, is
marked failed with a Chinese reason, and the kind's `@on_stale` function puts what the job was
working on back where the user can act again (an import batch back to 待确认).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from core import codes
from core.cli import database_problem
from core.dates import today
from core.models import Job

log = logging.getLogger(__name__)
Handler = Callable[[Job], dict | None]
_HANDLERS: dict[str, Handler] = {}
_DAILY: dict[str, str] = {}  # kind → title of the job the worker queues every day
_ON_STALE: dict[str, Callable[[Job], str]] = {}
STALE_REASON = "后台任务进程已中断（服务器重启或进程被终止），任务未完成"


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def on_stale(kind: str) -> Callable[[Callable[[Job], str]], Callable[[Job], str]]:
    """Register what to undo when a job of `kind` is found stale; the function returns a
    sentence for the user (what they can do now), appended to the reason."""

    def register(fn: Callable[[Job], str]) -> Callable[[Job], str]:
        _ON_STALE[kind] = fn
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
    """Save progress (0–100) and the current step; the page polls it.

    Inside a transaction (an import writes in one) the update would reach the page only at the
    commit, and on PostgreSQL it would lock the job's row against the worker's heartbeat until
    then. There it goes through a connection of its own, committed at once (`_outside`).
    SQLite allows one writer at a time: there it waits for the commit with everything else."""
    job.progress = max(0, min(100, int(progress)))
    job.message = message[:300]
    if connection.in_atomic_block and connection.vendor == "postgresql":
        how = getattr(job, _OUTSIDE, None)
        if how not in ("inside", "skip"):
            how = _outside(job)
            setattr(job, _OUTSIDE, how)
        if how != "inside":
            return
    else:
        setattr(job, _OUTSIDE, None)  # the next transaction tries again
    Job.objects.filter(pk=job.pk).update(progress=job.progress, message=job.message)


# How a job reports from inside a transaction: "outside" (a connection of its own), "inside"
# (it exists only in that transaction) or "skip" (until the transaction ends).
_OUTSIDE = "_fangpin_progress"


def _outside(job: Job) -> str:
    """Write the job's progress on a PostgreSQL connection of its own, in autocommit; how to
    report the rest of the transaction.

    A job created in the very transaction that reports (a test's) is not visible there: it is
    reported "inside". A row that is locked (by the transaction itself, or a worker marking the
    job stale) is not waited for beyond a second, and the job's progress is skipped until the
    transaction ends: written inside, it would hold the row's lock against the heartbeat. One
    connection per report: an import reports a few times while it writes, and nothing is left
    open whatever happens to the job."""
    quote = connection.ops.quote_name
    try:
        raw = connection.get_new_connection(connection.get_connection_params())
        try:
            raw.autocommit = True
            raw.execute("SET lock_timeout = '1s'")
            found = raw.execute(
                f"UPDATE {quote(Job._meta.db_table)} SET progress = %s, message = %s"
                " WHERE id = %s AND status = %s",
                [job.progress, job.message, job.pk, Job.Status.RUNNING],
            ).rowcount
        finally:
            raw.close()
    except Exception:  # the driver's own errors (a lock timeout): progress never stops a job
        log.warning("job %s: progress not written outside the transaction", job.pk)
        return "skip"
    return "outside" if found else "inside"


def progress(job: Job) -> Callable[[int, str], None]:
    """A service's `progress(pct, message)` callback that reports on `job`."""
    return lambda pct, message: report(job, pct, message)


_CJK = re.compile(r"[\u4e00-\u9fff]")


def user_message(exc: BaseException) -> str:
    """What the job page says about a failure: the code's own Chinese message, or a Chinese
    sentence for everything else (a codec's or a library's English never reaches the user; the
    traceback stays in `Job.error` for the administrator)."""
    if isinstance(exc, UnicodeError):
        return "文件编码无法识别，请另存为UTF-8或GB18030（或用Excel另存为 .xlsx）后重新上传"
    if isinstance(exc, MemoryError):
        return "文件过大，服务器内存不足；请按乡镇拆分后分别上传"
    problem = database_problem(exc)  # busy, not answering, not migrated: what to do
    if problem is not None:
        return f"{problem}（请联系系统管理员）"[:300]
    messages = getattr(exc, "messages", None)  # Django's ValidationError
    text = "；".join(str(m) for m in messages) if messages else str(exc)
    if _CJK.search(text):
        return text[:300]
    return "任务出错（系统内部错误），请联系系统管理员；详细信息已记录在任务中"


def heartbeat_seconds() -> float:
    return float(getattr(settings, "FANGPIN_JOB_HEARTBEAT_SECONDS", 10))


def stale_seconds() -> float:
    return float(getattr(settings, "FANGPIN_JOB_STALE_SECONDS", 300))


def _start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), so a reused pid is told
    apart; "" where /proc is not there."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def worker_id(pid: int | None = None) -> str:
    """host:pid:start of a process (this one by default)."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid)}"[:120]


def _gone(worker: str) -> bool:
    """Whether the worker process named is known to be gone (it ran on this host and no
    process with its pid and start time runs now)."""
    host, _, rest = worker.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return bool(start) and _start_ticks(pid) not in ("", start)


class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat until stopped (its own database connection; a write that
    waits for a lock, as on SQLite during an import's transaction, is skipped)."""

    def __init__(self, job_id: int) -> None:
        super().__init__(name=f"job-heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import DatabaseError, connection

        try:
            while not self.stopped.wait(heartbeat_seconds()):
                try:
                    Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    log.warning("job %s: heartbeat not written", self.job_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=1)


def run(job_id: int, *, heartbeat: bool = False) -> Job:
    """Run one job and record its outcome. Exceptions become a failed job with the message.
    The worker passes `heartbeat=True`: a thread keeps the job's heartbeat while it runs."""
    job = Job.objects.get(pk=job_id)
    fn = _HANDLERS.get(job.kind)
    codes.expire()  # the worker lives long: code tables edited since are read at first use
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        worker=worker_id(),
    )
    beat = _Heartbeat(job.pk) if heartbeat else None
    if beat is not None:
        beat.start()
    try:
        if fn is None:
            raise LookupError(f"未知的任务类型“{job.kind}”")
        result = fn(job)
    except Exception as exc:  # a job must never kill the worker
        log.exception("job %s failed", job.pk)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            error=f"{exc}\n\n{traceback.format_exc()[-4000:]}",
            message=user_message(exc),
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
    finally:
        if beat is not None:
            beat.stop()
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
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            worker=worker_id(),
        )
        return job.pk


def recover_stale() -> list[Job]:
    """Mark failed every running job whose worker is gone or whose heartbeat is stale, and let
    its kind undo what it held (`@on_stale`). Returns the jobs recovered."""
    cutoff = timezone.now() - dt.timedelta(seconds=stale_seconds())
    recovered = []
    for job in Job.objects.filter(status=Job.Status.RUNNING).order_by("pk"):
        last = job.heartbeat_at or job.started_at or job.created_at
        if not (_gone(job.worker) or last < cutoff):
            continue
        with transaction.atomic():
            taken = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
                status=Job.Status.FAILED, finished_at=timezone.now(), message=STALE_REASON
            )
            if not taken:
                continue  # another worker recovered it, or it finished meanwhile
            undo = _ON_STALE.get(job.kind)
            advice = undo(job) if undo else "请重新提交"
            message = f"{STALE_REASON}；{advice}"[:300]
            since = f"最近心跳 {timezone.localtime(last):%Y-%m-%d %H:%M:%S}，执行进程 {job.worker}"
            Job.objects.filter(pk=job.pk).update(message=message, error=f"{message}\n{since}")
        log.warning("job %s (%s) was stale: marked failed", job.pk, job.kind)
        job.refresh_from_db()
        recovered.append(job)
    return recovered


def work_forever(poll_seconds: float = 1.0, once: bool = False) -> None:
    """The worker loop used by `fangpin worker`."""
    looked_on = None
    recovered_at = 0.0
    while True:
        close_old_connections()
        if looked_on != today():
            looked_on = today()
            enqueue_daily()
        if time.monotonic() - recovered_at >= heartbeat_seconds():
            recovered_at = time.monotonic()
            recover_stale()
        job_id = claim_next()
        if job_id is not None:
            run(job_id, heartbeat=True)
            continue
        if once:
            return
        time.sleep(poll_seconds)
