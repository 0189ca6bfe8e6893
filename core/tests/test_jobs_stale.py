"""Stale jobs (issue 17.5): a heartbeat too old, or a worker process that is gone, makes a running
job failed with a Chinese reason; a live worker's job is left alone; failures speak Chinese."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from django.db import OperationalError
from django.utils import timezone

from core import jobs
from core.models import Job

pytestmark = pytest.mark.django_db


def _running(**fields: object) -> Job:
    return Job.objects.create(kind="test.kind", title="测试", status=Job.Status.RUNNING, **fields)


def test_a_job_whose_worker_died_is_failed_at_once_and_a_live_ones_is_not(settings):
    settings.FANGPIN_JOB_STALE_SECONDS = 3600
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = _running(worker=jobs.worker_id(dead.pid), heartbeat_at=timezone.now())
    alive = _running(worker=jobs.worker_id(), heartbeat_at=timezone.now())
    assert [j.pk for j in jobs.recover_stale()] == [orphan.pk]
    orphan.refresh_from_db()
    alive.refresh_from_db()
    assert orphan.status == "failed" and orphan.message.startswith("后台任务进程已中断")
    assert orphan.finished_at is not None
    assert alive.status == "running"


def test_an_old_heartbeat_from_another_host_is_stale(settings):
    settings.FANGPIN_JOB_STALE_SECONDS = 60
    old = timezone.now() - dt.timedelta(seconds=120)
    stale = _running(worker="other-host:1:1", heartbeat_at=old)
    fresh = _running(worker="other-host:2:1", heartbeat_at=timezone.now())
    assert [j.pk for j in jobs.recover_stale()] == [stale.pk]
    fresh.refresh_from_db()
    assert fresh.status == "running"


def test_the_kind_undoes_what_the_job_held(settings):
    settings.FANGPIN_JOB_STALE_SECONDS = 60
    undone = []

    @jobs.on_stale("test.kind")
    def undo(job: Job) -> str:
        undone.append(job.pk)
        return "可重新提交"

    try:
        job = _running(worker="other-host:1:1", heartbeat_at=timezone.now() - dt.timedelta(hours=1))
        jobs.recover_stale()
    finally:
        jobs._ON_STALE.pop("test.kind")
    job.refresh_from_db()
    assert undone == [job.pk] and job.message.endswith("；可重新提交")


def test_a_worker_writes_its_heartbeat_while_a_job_runs(settings):
    settings.FANGPIN_JOB_HEARTBEAT_SECONDS = 0.05
    seen = []

    @jobs.handler("test.slow")
    def slow(job: Job) -> dict:
        import time

        time.sleep(0.3)
        seen.append(Job.objects.get(pk=job.pk).worker)
        return {}

    job = Job.objects.create(kind="test.slow", title="慢")
    done = jobs.run(job.pk, heartbeat=True)
    assert done.status == "succeeded" and seen == [jobs.worker_id()]
    assert done.heartbeat_at is not None and done.started_at is not None
    assert done.heartbeat_at > done.started_at


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            UnicodeDecodeError("gb18030", b"\x81", 0, 1, "illegal multibyte sequence"),
            "文件编码无法识别",
        ),
        (KeyError("xl/worksheets/sheet1.xml"), "系统内部错误"),
        (ValueError("只有检查通过的文件才能确认导入"), "只有检查通过的文件才能确认导入"),
        (OperationalError("database is locked"), "忙：另一个进程长时间占用写入"),
    ],
)
def test_a_failed_job_shows_chinese_never_a_codec_or_library_message(error, shown):
    @jobs.handler("test.fail")
    def fail(job: Job) -> dict:
        raise error

    job = jobs.run(Job.objects.create(kind="test.fail", title="失败").pk)
    assert job.status == "failed" and shown in job.message
    assert "codec" not in job.message and "sheet1" not in job.message
    assert type(error).__name__ in job.error  # the administrator keeps the traceback
