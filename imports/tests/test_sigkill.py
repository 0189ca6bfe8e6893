"""Killing `fangpin import-registry` part-way leaves the database exactly as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from imports.tests.builders import family, num, write_xlsx
from registry.bulk import PAUSE_ENV

ROOT = Path(__file__).resolve().parents[2]
TABLES = (
    "registry_household",
    "registry_person",
    "registry_membership",
    "registry_householdevent",
    "core_auditrecord",
    "regions_region",
)


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_sigkill_during_the_write_leaves_the_database_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "SECRET_KEY": "test",
        "FANGPIN_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
    }
    env.pop("FANGPIN_TESTING", None)
    fangpin = [sys.executable, "-m", "fangpin.cli"]
    subprocess.run([*fangpin, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    first = write_xlsx(tmp_path / "first.xlsx", family(num("K0"), 10))
    subprocess.run(
        [*fangpin, "import-registry", str(first), "--create-regions"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    before = counts(db)
    assert before["registry_household"] == 1
    rows = [r for i in range(20) for r in family(num(f"K{i + 1}"), 20 + i * 2)]
    second = write_xlsx(tmp_path / "second.xlsx", rows)

    proc = subprocess.Popen(
        [*fangpin, "import-registry", str(second)],
        env={**env, PAUSE_ENV: "60"},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    seen = ""
    while "paused inside the transaction" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.readline()
    assert "paused inside the transaction" in seen  # households were inserted, not committed
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    assert proc.returncode == -signal.SIGKILL
    assert counts(db) == before
    finished = subprocess.run(
        [*fangpin, "import-registry", str(second)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert finished.returncode == 0, finished.stdout[-2000:]
    assert counts(db)["registry_household"] == 21
