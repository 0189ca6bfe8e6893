"""A worker killed mid-import (issue 17.5): the next worker marks the job failed with a Chinese
reason and puts the batch back to 待确认; confirming again imports it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from registry.bulk import PAUSE_ENV

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django, json, sys
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from core import jobs
from fangpin.testing import make_region_tree, make_user
from imports import services
from imports.tests.builders import family, num, write_xlsx
from pathlib import Path

regions = make_region_tree()
admin = make_user("county", "county_admin", regions["county"], can_view_sensitive=True)
rows = [r for i in range(20) for r in family(num(f"J{i}"), 20 + i)]
path = write_xlsx(Path(sys.argv[1]), rows)
batch = services.create_batch(actor=admin, upload=SimpleUploadedFile(path.name, path.read_bytes()))
services.check_batch(actor=admin, batch=batch)
assert batch.status == "valid", batch.errors[:3]
services.confirm_batch(actor=admin, batch=batch, create_regions=True)
job = jobs.enqueue("imports.apply", title="导入", params={"batch": batch.pk}, user=admin)
print(json.dumps({"job": job.pk, "batch": batch.pk}))
"""

CONFIRM = """
import django, sys
django.setup()
from accounts.models import User
from core import jobs
from imports import services
from imports.models import ImportBatch

batch = ImportBatch.objects.get(pk=int(sys.argv[1]))
admin = User.objects.get(username="county")
services.confirm_batch(actor=admin, batch=batch, create_regions=True)
jobs.enqueue("imports.apply", title="导入", params={"batch": batch.pk}, user=admin)
"""


def _row(db: Path, sql: str, *args: object) -> tuple:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchone()


def test_a_killed_worker_leaves_a_failed_job_and_a_batch_to_confirm_again(tmp_path: Path) -> None:
    db = tmp_path / "jobs.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "SECRET_KEY": "test",
        "FANGPIN_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("FANGPIN_TESTING", None)
    fangpin = [sys.executable, "-m", "fangpin.cli"]
    subprocess.run([*fangpin, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    made = subprocess.run(
        [sys.executable, "-c", SETUP, str(tmp_path / "file.xlsx")],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    ids = json.loads(made.stdout.strip().splitlines()[-1])

    worker = subprocess.Popen(
        [*fangpin, "worker", "--poll", "0.2"],
        env={**env, PAUSE_ENV: "60"},
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stderr is not None
    deadline, seen = time.monotonic() + 90, ""
    while "paused inside the transaction" not in seen and time.monotonic() < deadline:
        seen += worker.stderr.readline()
    assert "paused inside the transaction" in seen
    assert _row(db, "SELECT status FROM core_job WHERE id=?", ids["job"]) == ("running",)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)

    # The next worker (as `fangpin serve` starts one) sees the dead worker's job at once.
    subprocess.run([*fangpin, "worker", "--once"], env=env, cwd=ROOT, check=True, timeout=120)
    status, message = _row(db, "SELECT status, message FROM core_job WHERE id=?", ids["job"])
    assert status == "failed"
    assert "后台任务进程已中断" in message and "可重新确认导入" in message
    assert _row(db, "SELECT status FROM imports_importbatch WHERE id=?", ids["batch"]) == ("valid",)
    assert _row(db, "SELECT count(*) FROM registry_household") == (0,)

    subprocess.run(
        [sys.executable, "-c", CONFIRM, str(ids["batch"])], env=env, cwd=ROOT, check=True
    )
    subprocess.run([*fangpin, "worker", "--once"], env=env, cwd=ROOT, check=True, timeout=120)
    assert _row(db, "SELECT status FROM imports_importbatch WHERE id=?", ids["batch"]) == (
        "imported",
    )
    assert _row(db, "SELECT count(*) FROM registry_household") == (20,)


@pytest.mark.django_db
@pytest.mark.parametrize("committed", [False, True])
def test_an_import_that_died_after_its_commit_is_imported_not_to_confirm_again(
    users: dict, committed: bool
) -> None:
    """Between the commit and the batch's own update (a large load's tables being vacuumed) a
    worker may die: the import's record, written in its transaction, says it is in."""
    from core import audit, jobs
    from core.models import Job
    from imports.jobs import apply_interrupted
    from imports.models import ImportBatch

    admin = users["county_admin"]
    batch = ImportBatch.objects.create(
        file_name="a.xlsx",
        stored_path="/nonexistent/a.xlsx",
        sha256="0" * 64,
        status=ImportBatch.Status.IMPORTING,
        region=admin.region,
        created_by=admin,
    )
    job = jobs.enqueue("imports.apply", title="导入", params={"batch": batch.pk}, user=admin)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    if committed:  # as core.pipeline writes it
        source = {"file": "a.xlsx", "sha256": "0" * 64, "batch": batch.pk}
        audit.record(
            actor=admin,
            action="import",
            object_type="imports.registry",
            object_id="0" * 64,
            after=source | {"rows": 4, "persons_created": 4, "households_created": 2},
        )
    message = apply_interrupted(Job.objects.get(pk=job.pk))
    batch.refresh_from_db()
    if committed:
        assert batch.status == "imported" and message.startswith("数据已导入")
        assert batch.counts == {"rows": 4, "persons_created": 4, "households_created": 2}
    else:
        assert batch.status == "valid" and message.startswith("导入未写入任何数据")
