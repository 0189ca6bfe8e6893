"""A job's progress reaches its page while the job writes in one transaction (PostgreSQL)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import connection, transaction

from core import jobs
from core.models import Job

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer: progress waits for it"
)


def _other_connection() -> Any:
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    raw.execute("SET lock_timeout = '1s'")
    return raw


@jobs.handler("test.writes_in_one_transaction")
def _writes(job: Job) -> dict:
    other = _other_connection()
    try:
        with transaction.atomic():
            jobs.report(job, 80, "正在写入成员")
            seen = other.execute(
                "SELECT progress, message FROM core_job WHERE id = %s", [job.pk]
            ).fetchone()
            # The worker's heartbeat, on a connection of its own, is not kept waiting.
            beat = other.execute(
                "UPDATE core_job SET heartbeat_at = now() WHERE id = %s", [job.pk]
            ).rowcount
        jobs.report(job, 95, "正在写入变更记录")  # the transaction is over: the usual way
    finally:
        other.close()
    return {"seen": list(seen), "beat": beat}


@jobs.handler("test.locks_its_own_row")
def _locks(job: Job) -> dict:
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(title="已锁定")  # the transaction holds the row
        started = time.perf_counter()
        jobs.report(job, 70, "正在写入户")  # not waited for beyond a second, then skipped
        first = time.perf_counter() - started
        started = time.perf_counter()
        jobs.report(job, 80, "正在写入成员")  # skipped at once
        second = time.perf_counter() - started
        inside = Job.objects.values_list("progress", flat=True).get(pk=job.pk)
    jobs.report(job, 90, "正在写入变更记录")
    after = Job.objects.values_list("progress", flat=True).get(pk=job.pk)
    return {"first": first, "second": second, "inside": inside, "after": after}


def _result(kind: str, user: Any) -> dict:
    """The result of a committed job of `kind` run by the worker's code."""
    job = Job.objects.create(kind=kind, title="测试任务", created_by=user)
    done = jobs.run(job.pk)
    assert done.status == Job.Status.SUCCEEDED, done.error
    return done.result or {}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_transaction_is_seen_at_once_and_locks_nothing(users):
    found = _result("test.writes_in_one_transaction", users["county_admin"])
    assert found == {"seen": [80, "正在写入成员"], "beat": 1}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_row_its_own_transaction_locked_is_not_waited_for(users):
    found = _result("test.locks_its_own_row", users["county_admin"])
    assert found["first"] < 3 and found["second"] < 0.5
    assert (found["inside"], found["after"]) == (0, 90)  # skipped inside, written after


def test_a_job_made_in_the_same_transaction_reports_the_usual_way(users):
    """A test's job exists only inside the test's transaction: a connection of its own would
    not see it, so the progress is written where it is."""
    job = Job.objects.create(kind="test.none", title="测试任务", created_by=users["county_admin"])
    with transaction.atomic():
        jobs.report(job, 75, "正在写入户")
        assert Job.objects.values_list("progress", "message").get(pk=job.pk) == (75, "正在写入户")
        jobs.report(job, 80, "正在写入成员")
        assert Job.objects.values_list("progress", "message").get(pk=job.pk) == (80, "正在写入成员")
    jobs.report(job, 90, "正在建立索引")
    assert Job.objects.get(pk=job.pk).progress == 90
