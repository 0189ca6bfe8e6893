"""A Ctrl-C during an import (formats.md §3): nothing of the file is kept, the command says so
in Chinese as its JSON line and exits 1, and the same file imports afterwards. One that comes
while the import commits waits for the commit, and the import is reported as done."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from imports.tests.builders import family, num, write_xlsx

ROOT = Path(__file__).resolve().parents[2]

# Runs `fangpin ARGS…` as the console does, with a real SIGINT sent to itself at a chosen point
# of the write: after the first persons are inserted, or as the transaction commits.
_AT = {
    "write": (
        "import registry.bulk as m; f = m.Writer._new_persons\n"
        "def hit(self):\n"
        "    f(self); os.kill(os.getpid(), signal.SIGINT); time.sleep(5)\n"
        "m.Writer._new_persons = hit\n"
    ),
    "commit": (
        "from django.db.backends.base import base as m; f = m.BaseDatabaseWrapper.commit\n"
        "def hit(self):\n"
        "    os.kill(os.getpid(), signal.SIGINT); return f(self)\n"
        "m.BaseDatabaseWrapper.commit = hit\n"
    ),
}


def _fangpin(tmp_path: Path, *args: str, interrupt: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "test",
        "FANGPIN_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
    }
    env.pop("FANGPIN_TESTING", None)
    code = "import os, signal, sys, time\nimport django\ndjango.setup()\n"
    code += _AT.get(interrupt, "")
    code += "from fangpin.cli import main\nmain(['fangpin', *sys.argv[1:]])\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _rows(tmp_path: Path) -> dict[str, int]:
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "registry_household",
                "registry_person",
                "registry_membership",
                "registry_householdevent",
                "regions_region",
                "core_auditrecord",
            )
        }


def test_a_ctrl_c_during_the_write_keeps_nothing_and_says_so(tmp_path):
    """Interrupted after persons were inserted; then interrupted as it commits."""
    assert _fangpin(tmp_path, "migrate", "-v0").returncode == 0
    empty = _rows(tmp_path)
    rows = [row for serial in range(1, 6) for row in family(num(f"C{serial}"), serial)]
    book = str(write_xlsx(tmp_path / "hh.xlsx", rows))

    stopped = _fangpin(tmp_path, "import-registry", book, "--create-regions", interrupt="write")
    assert stopped.returncode == 1, stopped.stderr
    assert "Traceback" not in stopped.stderr
    result = json.loads(stopped.stdout.strip().splitlines()[-1])
    assert result["status"] == "interrupted"
    assert "中断" in result["message"] and "未保存任何数据" in result["message"]
    assert _rows(tmp_path) == empty

    again = _fangpin(tmp_path, "import-registry", book, "--create-regions")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout.strip().splitlines()[-1])["status"] == "imported"
    assert _rows(tmp_path)["registry_person"] == len(rows)

    # One that comes as the import commits: the import is done, and said to be.
    more = family(num("C9"), 9)
    book = str(write_xlsx(tmp_path / "more.xlsx", more))
    done = _fangpin(tmp_path, "import-registry", book, "--create-regions", interrupt="commit")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "imported"
    assert "数据已提交完毕" in done.stderr
    assert _rows(tmp_path)["registry_person"] == len(rows) + len(more)
