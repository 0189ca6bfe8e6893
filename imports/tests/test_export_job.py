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
from fangpin.testing import make_region_tree, make_user
from imports.tests.builders import num
from imports.tests.test_roundtrip import read, seed


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
    regions: dict,
    users: dict,
    client_for: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    seed(tmp_path)
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1
    settings.DATA_DIR = tmp_path / "data"
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
    regions: dict,
    users: dict,
    client_for: Any,
    client: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    seed(tmp_path)
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1
    settings.DATA_DIR = tmp_path / "data"
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


def test_an_old_export_file_is_swept_and_its_page_says_it_has_expired(
    regions: dict,
    users: dict,
    client_for: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    seed(tmp_path)
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1
    settings.DATA_DIR = tmp_path / "data"
    client = client_for("town_staff")
    job = _export_by_job(client, django_capture_on_commit_callbacks, "")
    path = exports.stored(job)
    assert path is not None
    old = time.time() - (settings.FANGPIN_EXPORT_RETENTION_HOURS * 3600 + 60)
    os.utime(path, (old, old))

    exports.sweep()

    assert not path.exists() and job.result is not None
    gone = client.get(job.result["download"])
    assert gone.status_code == 404 and "导出文件已过期或不存在" in gone.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_job_writes_its_file_outside_any_transaction_so_its_progress_is_seen(
    tmp_path: Path, settings: Any, monkeypatch: Any
) -> None:
    """Progress reported inside a transaction reaches the page only when the job ends, and on
    SQLite (BEGIN IMMEDIATE) the whole export would hold the database's write lock."""
    from django.db import connection
    from django.test import Client

    from core import jobs
    from imports import services

    regions = make_region_tree()
    user = make_user("town", "town_staff", regions["town"])
    seed(tmp_path)
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1
    settings.DATA_DIR = tmp_path / "data"
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
