"""A ledger export larger than FANGPIN_EXPORT_INLINE_ROWS is a background job with progress; its
file (the same layout, masked as the page's would be) is for the user who asked only."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from core import permissions
from core.models import AuditRecord, Job
from core.permissions import Cap
from fangpin.testing import run_command, write_sheet
from ledgers.tests.test_kit import HEADERS, row, students  # noqa: F401 (a fixture)


@pytest.fixture
def yulu(students: dict[str, Any], tmp_path: Path, settings: Any) -> dict[str, Any]:  # noqa: F811
    """Two students' 雨露计划 rows imported; job files under tmp_path. Returns the students."""
    source = write_sheet(tmp_path / "in.xlsx", HEADERS, [row(students["a"]), row(students["b"])])
    assert run_command("ledger", "import", "yulu", str(source))[0] == 0
    settings.DATA_DIR = tmp_path / "data"
    return students


def _by_job(client: Any, capture: Any, query: dict[str, str]) -> dict[str, Any]:
    """The finished job's result."""
    with capture(execute=True):
        response = client.get(reverse("ledgers:export", args=["yulu"]), query)
    job = Job.objects.get(kind="ledgers.export")
    assert response.status_code == 302 and response["Location"] == reverse(
        "core:job", args=[job.pk]
    )
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    assert job.result is not None
    return job.result


def test_a_large_ledger_export_is_a_job_whose_file_is_the_pages_masked_layout(
    yulu: dict[str, Any],
    users: dict[str, Any],
    client_for: Any,
    tmp_path: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1
    client = client_for("town_staff")

    result = _by_job(client, django_capture_on_commit_callbacks, {"year": "2024"})

    assert result["rows"] == 2 and result["filename"].startswith("雨露计划-")
    response = client.get(result["download"])
    assert response.status_code == 200
    out = tmp_path / "job.xlsx"
    out.write_bytes(b"".join(response.streaming_content))
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert sheet[2] == HEADERS and len(sheet) == 5 and "2024年度" in str(sheet[1][0])
    assert "*" in str(sheet[3][0])  # a town clerk's file is masked, as the page's would be
    record = AuditRecord.objects.get(action="export", actor=users["town_staff"])
    assert "证件号码已脱敏" in record.note


def test_a_large_csv_export_is_a_job_too_and_a_small_one_downloads_at_once(
    yulu: dict[str, Any],
    client_for: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for("county_admin")
    settings.FANGPIN_EXPORT_INLINE_ROWS = 2
    at_once = client.get(reverse("ledgers:export", args=["yulu"]), {"format": "csv"})
    assert at_once.status_code == 200 and not Job.objects.exists()
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1

    result = _by_job(client, django_capture_on_commit_callbacks, {"format": "csv"})

    assert result["filename"].endswith(".csv")
    body = b"".join(client.get(result["download"]).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == HEADERS and len(rows) == 3
    assert {r[0] for r in rows[1:]} == {yulu["a"].id_number, yulu["b"].id_number}
    assert client_for("town_staff").get(result["download"]).status_code == 404


def test_a_user_who_may_not_export_is_refused_before_a_job_is_queued(
    yulu: dict[str, Any], client_for: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.FANGPIN_EXPORT_INLINE_ROWS = 1
    monkeypatch.setitem(permissions.TABLE, Cap.EXPORT, frozenset({"county_admin"}))
    response = client_for("town_staff").get(reverse("ledgers:export", args=["yulu"]))
    assert response.status_code == 403 and "您的账号不能导出" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_ledger_job_writes_outside_any_transaction_so_its_progress_is_seen(
    yulu: dict[str, Any], users: dict[str, Any], settings: Any, monkeypatch: Any
) -> None:
    """As for the register (imports.tests.test_export_job): progress inside a transaction would
    reach the job's page only at its end, and SQLite's write lock be held for the export."""
    from django.db import connection
    from django.test import Client

    from core import jobs
    from ledgers import services

    settings.FANGPIN_EXPORT_INLINE_ROWS = 1
    settings.JOBS_EAGER = False
    client = Client()
    client.force_login(users["town_staff"])
    assert client.get(reverse("ledgers:export", args=["yulu"])).status_code == 302
    job = Job.objects.get(kind="ledgers.export")
    seen: list[bool] = []
    write = services.write_rows

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(connection.in_atomic_block)
        return write(*args, **kwargs)

    monkeypatch.setattr(services, "write_rows", spy)

    assert jobs.run(job.pk).status == Job.Status.SUCCEEDED
    assert seen == [False]
    assert AuditRecord.objects.filter(action="export", actor=users["town_staff"]).count() == 1
