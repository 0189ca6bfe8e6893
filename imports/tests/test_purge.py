"""Rejected uploads are not kept forever (issue 17.3): after FANGPIN_REJECTED_RETENTION_DAYS their
files are deleted by the daily job; accepted and recent ones stay."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from core import jobs
from imports import services
from imports.models import ImportBatch

pytestmark = pytest.mark.django_db


def _batch(tmp_path: Path, users: dict, status: str, days_old: int) -> ImportBatch:
    stored = tmp_path / f"{status}-{days_old}.xlsx"
    stored.write_bytes(b"x")
    errors = stored.with_suffix(".errors.xlsx")
    errors.write_bytes(b"x")
    batch = ImportBatch.objects.create(
        file_name=stored.name,
        stored_path=str(stored),
        errors_path=str(errors),
        sha256="0" * 64,
        status=status,
        region=users["county_admin"].region,
        created_by=users["county_admin"],
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=days_old)
    )
    return batch


def test_old_rejected_files_are_deleted_and_the_rest_kept(tmp_path, users, settings):
    settings.FANGPIN_REJECTED_RETENTION_DAYS = 30
    old = _batch(tmp_path, users, "rejected", 31)
    failed = _batch(tmp_path, users, "failed", 40)
    recent = _batch(tmp_path, users, "rejected", 3)
    imported = _batch(tmp_path, users, "imported", 400)
    assert "imports.purge" in jobs._DAILY
    job = jobs.run(jobs.enqueue("imports.purge", title="清理").pk)
    assert job.status == "succeeded" and job.result == {"purged": 2}
    for batch in (old, failed):
        stored = Path(batch.stored_path)
        batch.refresh_from_db()
        assert not stored.exists() and batch.stored_path == "" and batch.errors_path == ""
    for batch in (recent, imported):
        assert Path(batch.stored_path).exists()
    assert services.purge_rejected() == 0
