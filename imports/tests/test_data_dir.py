"""Uploaded files are found in the data dir the database is restored with (formats.md §3: `fangpin
restore` puts a backup into the configured, possibly new, data dir), not in the one they were
uploaded to."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import relative_data_files
from imports import services
from imports.models import ImportBatch
from imports.tests.builders import num, person, write_csv

pytestmark = pytest.mark.django_db


def test_a_batch_reads_its_files_from_the_data_dir_it_was_restored_into(
    tmp_path: Path, users: dict[str, Any], settings: Any
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    settings.DATA_DIR = old
    rejected = write_csv(tmp_path / "台账.csv", [person(num("D1"), "甲", "123")])
    admin = users["county_admin"]
    upload = SimpleUploadedFile("台账.csv", rejected.read_bytes())
    batch = services.check_batch(
        actor=admin, batch=services.create_batch(actor=admin, upload=upload)
    )
    assert batch.status == "rejected" and batch.errors_path
    # The backup restored on another machine: the same files under another data dir.
    shutil.move(old, new)
    settings.DATA_DIR = new

    batch = ImportBatch.objects.get(pk=batch.pk)

    assert Path(batch.stored_path).parent == new / "imports"
    assert Path(batch.stored_path).read_bytes() == rejected.read_bytes()
    assert Path(batch.errors_path).parent == new / "imports"
    assert Path(batch.errors_path).is_file()
    assert services.check_batch(actor=admin, batch=batch).error_count == 1


def test_paths_recorded_whole_before_become_the_data_dirs_own(
    tmp_path: Path, users: dict[str, Any], settings: Any
) -> None:
    """The migration's step: a path recorded in full (on this or another machine) is read in
    the configured data dir; a file kept elsewhere stays where it is."""
    settings.DATA_DIR = tmp_path / "data"
    admin = users["county_admin"]
    batch = ImportBatch.objects.create(
        file_name="a.xlsx",
        stored_path="/srv/old-machine/data/imports/abc.xlsx",
        errors_path="/srv/old-machine/data/imports/abc.errors.xlsx",
        sha256="0" * 64,
        region=admin.region,
        created_by=admin,
    )
    elsewhere = ImportBatch.objects.create(
        file_name="b.xlsx",
        stored_path="/srv/elsewhere/b.xlsx",
        sha256="0" * 64,
        region=admin.region,
        created_by=admin,
    )

    relative_data_files(ImportBatch, "stored_path", "errors_path", folder="imports")

    batch.refresh_from_db()
    elsewhere.refresh_from_db()
    assert batch.stored_path == str(tmp_path / "data" / "imports" / "abc.xlsx")
    assert batch.errors_path == str(tmp_path / "data" / "imports" / "abc.errors.xlsx")
    assert (elsewhere.stored_path, elsewhere.errors_path) == ("/srv/elsewhere/b.xlsx", "")
