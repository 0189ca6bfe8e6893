"""A register export larger than FANGPIN_EXPORT_INLINE_ROWS goes to a background job with
progress, and only the user who asked for it downloads the file (core.exports)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from core import exports
from core.models import AuditRecord, Job
from fangpin.testing import make_household
from imports.tests.builders import num
from imports.tests.test_roundtrip import read, seed


@pytest.fixture
def every_export_a_job(regions: dict, users: dict, tmp_path: Path, settings: Any) -> Path:
    """The round-trip county (test_roundtrip.seed); every export a job. Returns the directory
    the job files go to."""
    seed(tmp_path)
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1
    settings.DATA_DIR = tmp_path / "data"
    return tmp_path / "data" / "exports"


def _export_by_job(client: Any, capture: Any, query: str) -> Job:
    with capture(execute=True):
        response = client.get(f"/imports/export.xlsx?{query}")
    job = Job.objects.get(kind="imports.export")
    assert response.status_code == 302 and response["Location"] == reverse(
        "core:job", args=[job.pk]
    )
    job.refresh_from_db()
    assert job.result is not None
    return job


def test_a_large_export_is_a_job_whose_page_offers_the_masked_file_to_its_owner(
    every_export_a_job: Path,
    users: dict,
    client_for: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("town_staff")

    job = _export_by_job(client, django_capture_on_commit_callbacks, "category=脱贫不稳定户")

    assert job.status == Job.Status.SUCCEEDED and job.created_by == users["town_staff"]
    assert (
        job.result is not None
        and job.result["rows"] == 2
        and job.params["query"] == {"category": "脱贫不稳定户"}
    )
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert "下载户籍台账-" in page and "共2行" in page
    response = client.get(job.result["download"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    out = tmp_path / "job.xlsx"
    out.write_bytes(b"".join(response.streaming_content))
    rows = read(out)
    assert len(rows) == 3 and rows[1][4] == num("R1") and "*" in rows[1][6]
    assert AuditRecord.objects.filter(action="export", actor=users["town_staff"]).count() == 1


def test_an_export_within_the_limit_still_downloads_at_once(
    regions: dict, users: dict, client_for: Any, tmp_path: Path, settings: Any
) -> None:
    seed(tmp_path)
    settings.FANGPIN_EXPORT_INLINE_ROWS = 2
    response = client_for("town_staff").get("/imports/export.xlsx?category=脱贫不稳定户")
    assert response.status_code == 200 and not Job.objects.exists()


def test_nobody_else_downloads_the_file_not_even_the_county_admin(
    every_export_a_job: Path,
    users: dict,
    client_for: Any,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = _export_by_job(client_for("town_staff"), django_capture_on_commit_callbacks, "")
    assert job.result is not None
    url = job.result["download"]

    client.force_login(users["county_admin"])  # sees the job, not the file made for another
    assert client.get(reverse("core:job", args=[job.pk])).status_code == 200
    assert "下载户籍台账" not in client.get(reverse("core:job", args=[job.pk])).content.decode()
    denied = client.get(url)
    assert denied.status_code == 403 and "只有发起导出的用户可以下载" in denied.content.decode()
    client.force_login(users["other_town"])
    assert client.get(url).status_code == 404


def _expired(client: Any, capture: Any, settings: Any) -> tuple[Job, Path]:
    """A finished export job whose file is just past FANGPIN_EXPORT_RETENTION_HOURS."""
    job = _export_by_job(client, capture, "")
    path = exports.stored(job)
    assert path is not None
    old = time.time() - (settings.FANGPIN_EXPORT_RETENTION_HOURS * 3600 + 60)
    os.utime(path, (old, old))
    return job, path


def test_an_old_export_file_is_swept_and_its_page_says_it_has_expired(
    every_export_a_job: Path,
    client_for: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("town_staff")
    job, path = _expired(client, django_capture_on_commit_callbacks, settings)

    exports.sweep()

    assert not path.exists() and job.result is not None
    gone = client.get(job.result["download"])
    assert gone.status_code == 404 and "导出文件已过期或不存在" in gone.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_job_writes_its_file_outside_any_transaction_so_its_progress_is_seen(
    every_export_a_job: Path, users: dict, settings: Any, monkeypatch: Any
) -> None:
    """Progress reported inside a transaction reaches the page only when the job ends, and on
    SQLite (BEGIN IMMEDIATE) the whole export would hold the database's write lock."""
    from django.db import connection
    from django.test import Client

    from core import jobs
    from imports import services

    user = users["town_staff"]
    settings.JOBS_EAGER = False
    client = Client()
    client.force_login(user)
    assert client.get("/imports/export.xlsx").status_code == 302
    job = Job.objects.get(kind="imports.export")
    seen: list[bool] = []
    rows = services.export_rows

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(connection.in_atomic_block)
        return rows(*args, **kwargs)

    monkeypatch.setattr(services, "export_rows", spy)

    assert jobs.run(job.pk).status == Job.Status.SUCCEEDED
    assert seen == [False]
    assert AuditRecord.objects.filter(action="export", actor=user).count() == 1


def _inline_rows(client: Any, query: str, tmp_path: Path, settings: Any) -> list[list]:
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1_000_000
    response = client.get(f"/imports/export.xlsx?{query}")
    assert response.status_code == 200
    out = tmp_path / "inline.xlsx"
    out.write_bytes(b"".join(response.streaming_content))
    return read(out)


def _job_rows(client: Any, capture: Any, query: str, tmp_path: Path, settings: Any) -> list[list]:
    settings.FANGPIN_EXPORT_INLINE_ROWS = 0
    Job.objects.filter(kind="imports.export").delete()
    job = _export_by_job(client, capture, query)
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.result is not None
    response = client.get(job.result["download"])
    assert response.status_code == 200
    out = tmp_path / "job.xlsx"
    out.write_bytes(b"".join(response.streaming_content))
    return read(out)


@pytest.mark.parametrize("role", ["town_staff", "county_admin", "village_staff"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=户主10",
        f"q={num('R2')}",
        "is_alleviated=是",
        "is_alleviated=否",
        "is_alleviated=是&household_type=",
        "category=monitored&risk=因病",
        "region={village}",
        "region={other_village}",
        "region=999999",
    ],
)
def test_the_job_writes_exactly_what_the_page_would_have(
    role: str,
    query: str,
    regions: dict,
    users: dict,
    client_for: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    seed(tmp_path)
    make_household(regions["other_village"], number="420281200101000009")
    settings.DATA_DIR = tmp_path / "data"
    query = query.format(village=regions["village"].pk, other_village=regions["other_village"].pk)
    client = client_for(role)

    inline = _inline_rows(client, query, tmp_path, settings)
    by_job = _job_rows(client, django_capture_on_commit_callbacks, query, tmp_path, settings)

    assert by_job == inline
    assert AuditRecord.objects.filter(action="export", actor=users[role]).count() == 2
    notes = list(
        AuditRecord.objects.filter(action="export", actor=users[role]).values_list(
            "note", flat=True
        )
    )
    assert notes[0] == notes[1]


def _queued(client: Any, capture: Any, query: str) -> Job:
    """Queue an export job without running it (as the worker would later)."""
    with capture(execute=False):
        response = client.get(f"/imports/export.xlsx?{query}")
    assert response.status_code == 302
    return Job.objects.get(kind="imports.export", status=Job.Status.QUEUED)


def test_a_user_deactivated_before_the_job_runs_gets_no_file(
    every_export_a_job: Path,
    users: dict,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from core import jobs

    job = _queued(client_for("town_staff"), django_capture_on_commit_callbacks, "")
    users["town_staff"].is_active = False
    users["town_staff"].save()

    job = jobs.run(job.pk)

    assert job.status == Job.Status.FAILED and "不能导出" in job.message
    assert not list(every_export_a_job.glob("job-*"))
    assert not AuditRecord.objects.filter(action="export").exists()


def test_rights_lost_before_the_job_runs_apply_to_its_file(
    every_export_a_job: Path,
    users: dict,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from core import jobs

    admin = users["county_admin"]
    job = _queued(client_for("county_admin"), django_capture_on_commit_callbacks, "")
    admin.can_view_sensitive = False
    admin.save()

    job = jobs.run(job.pk)

    path = exports.stored(job)
    assert job.status == Job.Status.SUCCEEDED and path is not None
    rows = read(path)
    assert all("*" in row[6] for row in rows[1:])
    assert "已脱敏" in AuditRecord.objects.get(action="export", actor=admin).note


def test_a_failed_export_job_says_so_in_chinese_and_offers_no_file(
    every_export_a_job: Path,
    client_for: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from imports import services

    rows = services.export_rows

    def broken(*args: Any, **kwargs: Any) -> Any:
        yield next(rows(*args, **kwargs))
        raise OSError("disk full")

    monkeypatch.setattr(services, "export_rows", broken)
    client = client_for("town_staff")
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/imports/export.xlsx")
    job = Job.objects.get(kind="imports.export")

    assert job.status == Job.Status.FAILED and job.result is None
    page = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert "任务失败：任务出错（系统内部错误）" in page and "data-job-download" not in page
    assert not list(every_export_a_job.glob("job-*"))
    assert not AuditRecord.objects.filter(action="export").exists()


def test_a_file_past_its_retention_is_not_served_even_before_a_sweep(
    every_export_a_job: Path,
    client_for: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("town_staff")
    job, path = _expired(client, django_capture_on_commit_callbacks, settings)

    assert job.result is not None
    assert client.get(job.result["download"]).status_code == 404
    assert not path.exists()


def test_the_daily_clean_up_removes_old_export_files(
    regions: dict, tmp_path: Path, settings: Any
) -> None:
    from core import jobs

    settings.DATA_DIR = tmp_path / "data"
    old_file = exports.folder() / "job-1.xlsx"
    old_file.write_bytes(b"x")
    old = time.time() - (settings.FANGPIN_EXPORT_RETENTION_HOURS * 3600 + 60)
    os.utime(old_file, (old, old))
    job = Job.objects.create(kind="imports.purge", title="清理")

    assert jobs.run(job.pk).status == Job.Status.SUCCEEDED
    assert not old_file.exists()
