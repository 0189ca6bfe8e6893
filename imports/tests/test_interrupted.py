"""An import interrupted or overtaken (formats.md §3). A Ctrl-C: nothing of the file is kept,
the command says so in Chinese as its JSON line and exits 1, and the same file imports
afterwards; one that comes while the import commits waits for the commit, and the import is
reported as done. Two imports at once: the second waits for the first, saying so."""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import subprocess
import sys
import zlib
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
    # As the error workbook is stored: its first parts are in the zip, the rest not yet.
    "errors": (
        "import xlsxwriter.workbook as m; f = m.ZipFile.write\n"
        "def hit(self, *args, **kw):\n"
        "    f(self, *args, **kw); os.kill(os.getpid(), signal.SIGINT); time.sleep(5)\n"
        "m.ZipFile.write = hit\n"
    ),
    "commit": (
        "from django.db.backends.base import base as m; f = m.BaseDatabaseWrapper.commit\n"
        "def hit(self):\n"
        "    os.kill(os.getpid(), signal.SIGINT); return f(self)\n"
        "m.BaseDatabaseWrapper.commit = hit\n"
    ),
}


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "test",
        "FANGPIN_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
    }
    env.pop("FANGPIN_TESTING", None)
    return env


def _fangpin(tmp_path: Path, *args: str, interrupt: str = "") -> subprocess.CompletedProcess[str]:
    code = "import os, signal, sys, time\nimport django\ndjango.setup()\n"
    code += _AT.get(interrupt, "")
    code += "from fangpin.cli import main\nmain(['fangpin', *sys.argv[1:]])\n"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120,
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


def test_an_import_waits_for_the_one_in_progress_and_says_so(tmp_path):
    """The file lock of `core.locks.hold("imports", transactions=True)` on SQLite, held here as
    another import would hold it: the command waits, says why, and imports once it is free."""
    from core import locks

    assert _fangpin(tmp_path, "migrate", "-v0").returncode == 0
    book = str(write_xlsx(tmp_path / "hh.xlsx", family(num("C1"), 3)))
    (tmp_path / "data" / "locks").mkdir(parents=True, exist_ok=True)
    lock = tmp_path / "data" / "locks" / f"{zlib.crc32(b'imports') % locks.STRIPES:02d}.lock"
    with open(lock, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        waiting = subprocess.Popen(
            [sys.executable, "-m", "fangpin.cli", "import-registry", book, "--create-regions"],
            env=_env(tmp_path), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        assert waiting.stderr is not None
        first = next((line for line in waiting.stderr if "%" in line), "")  # its first step
        assert "另一个导入正在进行" in first, first
        assert waiting.poll() is None
        fcntl.flock(held, fcntl.LOCK_UN)
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["status"] == "imported"


def test_a_ctrl_c_while_the_error_workbook_is_written_leaves_the_file_as_it_was(tmp_path):
    """`--errors` names a file the last run wrote: interrupted, this run leaves it whole (not
    half a workbook) and leaves nothing of its own beside it; uninterrupted, it replaces it."""
    assert _fangpin(tmp_path, "migrate", "-v0").returncode == 0
    rows = family(num("C1"), 1) + family(num("C2"), 3)
    rows[0]["证件号码"] = "4202221980010112"  # a digit short: rejected
    book = str(write_xlsx(tmp_path / "hh.xlsx", rows))
    out = tmp_path / "errors" / "错误.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"last month's error list")

    stopped = _fangpin(tmp_path, "import-registry", book, "--errors", str(out), interrupt="errors")
    assert stopped.returncode == 1, stopped.stderr
    assert json.loads(stopped.stdout.strip().splitlines()[-1])["status"] == "interrupted"
    assert out.read_bytes() == b"last month's error list"
    assert sorted(p.name for p in out.parent.iterdir()) == ["错误.xlsx"]

    done = _fangpin(tmp_path, "import-registry", book, "--errors", str(out))
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "rejected"
    assert out.read_bytes().startswith(b"PK")  # this run's workbook, whole
    assert sorted(p.name for p in out.parent.iterdir()) == ["错误.xlsx"]


def test_a_clean_import_clears_the_error_list_an_earlier_run_left(tmp_path):
    """`--errors` names this run's error list: a file that imports leaves none under that name
    (the last run's would read as this one's); the file being imported is never taken for it."""
    assert _fangpin(tmp_path, "migrate", "-v0").returncode == 0
    book = write_xlsx(tmp_path / "hh.xlsx", family(num("C1"), 1))
    out = tmp_path / "错误.xlsx"
    out.write_bytes(b"last run's errors")
    args = ("import-registry", str(book), "--create-regions", "--errors", str(out))
    done = _fangpin(tmp_path, *args)
    assert json.loads(done.stdout.strip().splitlines()[-1])["status"] == "imported", done.stderr
    assert not out.exists()

    wrong = _fangpin(tmp_path, "import-registry", str(book), "--errors", str(book))
    assert wrong.returncode == 2
    assert "就是要导入的文件" in json.loads(wrong.stdout.strip().splitlines()[-1])["message"]
    assert book.read_bytes().startswith(b"PK")
