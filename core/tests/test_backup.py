"""`fangpin backup` → `fangpin restore` into a fresh data dir gives the same households, audit
records and files (issue 17.7); the data dir and its files are the service user's only."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from core.models import AuditRecord
from fangpin.testing import make_household, make_region_tree, make_user
from registry.models import Household

ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _fangpin(data_dir: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`fangpin ARGS` as from the console, on the given data dir and database ("" for the data
    dir's own SQLite file)."""
    env = {
        **os.environ,
        "SECRET_KEY": "test",
        "FANGPIN_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("FANGPIN_TESTING", None)
    return subprocess.run(
        [sys.executable, "-m", "fangpin.cli", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _pg_url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.mark.parametrize("name", ["fangpin-2026-12-01", "fangpin.tar.gz"])
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_into_a_fresh_data_dir(
    tmp_path: Path, settings: Any, capsys, name: str
) -> None:
    """`fangpin backup DIR` writes a new directory (formats.md §3); a name ending in .tar.gz
    writes one file instead."""
    data = tmp_path / "data"
    (data / "media" / "visits").mkdir(parents=True)
    settings.DATA_DIR = data
    settings.MEDIA_ROOT = data / "media"
    regions = make_region_tree()
    admin = make_user("county", "county_admin", regions["county"])
    for i in range(3):
        make_household(regions["village"], number=f"42028110020100000{i}")
    from core import audit

    audit.record(actor=admin, action="action", obj=Household.objects.first(), note="备份测试")
    photo = data / "media" / "visits" / "a.jpg"
    photo.write_bytes(b"\xff\xd8photo")
    (data / "imports").mkdir()
    (data / "imports" / "up.xlsx").write_bytes(b"PK workbook")
    numbers = sorted(Household.objects.values_list("number", flat=True))
    audits = sorted(AuditRecord.objects.values_list("pk", "action", "note"))

    out = tmp_path / "backups" / name
    call_command("backup", str(out))
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["status"] == "ok" and result["counts"]["households"] == 3
    if name.endswith(".tar.gz"):
        assert out.is_file() and result["files"] == 2 and _mode(out) == 0o600
    else:
        assert out.is_dir() and result["files"] == 2 and _mode(out) == 0o700
        assert (out / "manifest.json").is_file() and (out / "database").is_dir()
        assert (out / "files" / "media" / "visits" / "a.jpg").read_bytes() == b"\xff\xd8photo"
        assert _mode(out / "files" / "imports" / "up.xlsx") == 0o600

    fresh = tmp_path / "fresh"
    env = {
        **os.environ,
        "SECRET_KEY": "test",
        "FANGPIN_DATA_DIR": str(fresh),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("FANGPIN_TESTING", None)
    restored_db = None
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = ""  # the default: fangpin.sqlite3 in the fresh data dir
    else:
        import psycopg

        restored_db = f"{connection.settings_dict['NAME']}_restored"
        with psycopg.connect(_pg_url("postgres"), autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{restored_db}"')
            pg.execute(f'CREATE DATABASE "{restored_db}"')
        env["DATABASE_URL"] = _pg_url(restored_db)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fangpin.cli", "restore", str(out)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        assert answer["status"] == "restored" and answer["files"] == 2
        assert answer["counts"]["households"] == 3

        if restored_db is None:
            db = fresh / "fangpin.sqlite3"
            assert _mode(db) == 0o600
            with sqlite3.connect(db) as conn:
                got_numbers = sorted(
                    r[0] for r in conn.execute("SELECT number FROM registry_household")
                )
                got_audits = sorted(conn.execute("SELECT id, action, note FROM core_auditrecord"))
        else:
            with psycopg.connect(_pg_url(restored_db)) as pg:
                got_numbers = sorted(
                    r[0] for r in pg.execute("SELECT number FROM registry_household")
                )
                got_audits = sorted(pg.execute("SELECT id, action, note FROM core_auditrecord"))
        assert got_numbers == numbers
        assert [tuple(a) for a in got_audits] == audits
        assert (fresh / "media" / "visits" / "a.jpg").read_bytes() == b"\xff\xd8photo"
        assert (fresh / "imports" / "up.xlsx").read_bytes() == b"PK workbook"
        assert _mode(fresh) == 0o700
        assert _mode(fresh / "media" / "visits" / "a.jpg") == 0o600

        again = subprocess.run(
            [sys.executable, "-m", "fangpin.cli", "restore", str(out)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert again.returncode == 1 and "已有数据" in again.stdout
    finally:
        if restored_db is not None:
            with psycopg.connect(_pg_url("postgres"), autocommit=True) as pg:
                pg.execute(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')


def test_a_damaged_backup_is_refused(tmp_path: Path, db: Any, settings: Any) -> None:
    import tarfile

    from core.backup import BackupError, restore

    bad = tmp_path / "bad.tar"
    with tarfile.open(bad, "w") as tar:
        tar.add(__file__, arcname="something.py")
    with pytest.raises(BackupError, match="不是 fangpin 备份文件"):
        restore(bad)


@pytest.mark.parametrize(
    "manifest", [b"{", b"\xff\xfe", b"[1, 2]", b'{"format": "fangpin-backup-1"}']
)
def test_a_backup_whose_manifest_cannot_be_read_is_refused_in_chinese(
    tmp_path: Path, manifest: bytes
) -> None:
    """A manifest that is not JSON, or not a fangpin one, is a bad archive: refused with a
    Chinese reason (exit 1), nothing restored — not an unexpected error with a traceback."""
    import tarfile

    folder = tmp_path / "backup"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(manifest)
    packed = tmp_path / "backup.tar"
    with tarfile.open(packed, "w") as tar:
        tar.add(folder / "manifest.json", arcname="manifest.json")
    data = tmp_path / "data"
    for source in (folder, packed):
        done = _fangpin(data, f"sqlite:///{tmp_path / 'db.sqlite3'}", "restore", str(source))
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        assert (done.returncode, answer["status"]) == (1, "failed"), done.stderr[-2000:]
        assert answer["message"] == "不是 fangpin 备份（manifest.json 无法读取或不完整）"
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "db.sqlite3").exists()
    assert not data.exists() or not any(p.is_file() for p in data.rglob("*"))


@pytest.mark.django_db(transaction=True)
def test_a_backup_directory_must_be_new_or_empty(tmp_path: Path, settings: Any) -> None:
    from core.backup import BackupError, backup

    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "data").mkdir()
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("x")
    with pytest.raises(BackupError, match="不是空目录"):
        backup(taken)
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert backup(empty)["out"] == str(empty.resolve())
    assert (empty / "manifest.json").is_file()


def test_restoring_from_nothing_is_wrong_usage(tmp_path: Path) -> None:
    done = _fangpin(tmp_path / "fresh", "", "restore", str(tmp_path / "none"))
    assert done.returncode == 2
    assert "备份不存在" in json.loads(done.stdout.strip().splitlines()[-1])["message"]


def _fake_backup(path: Path) -> Path:
    """A backup holding nothing, of the configured engine: enough to reach restore's checks."""
    (path / "files").mkdir(parents=True)
    (path / "manifest.json").write_text(
        json.dumps(
            {
                "format": "fangpin-backup-1",
                "created_at": "2026-01-01T00:00:00+00:00",
                "engine": "sqlite" if connection.vendor == "sqlite" else "postgresql",
                "database": "database/fangpin.sqlite3",
                "sha256": {"database/fangpin.sqlite3": "0" * 64},
            }
        )
    )
    return path


def test_a_data_dir_holding_files_is_refused_like_a_database_with_data(
    tmp_path: Path, db: Any, settings: Any
) -> None:
    """restore DIR needs an empty database and data dir (formats.md §3)."""
    from core.backup import BackupError, restore

    backup_dir = _fake_backup(tmp_path / "bk")
    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "data" / "imports").mkdir(parents=True)
    (tmp_path / "data" / "imports" / "left.xlsx").write_bytes(b"PK")
    with pytest.raises(BackupError, match=r"数据目录.*已有文件"):
        restore(backup_dir)


@pytest.mark.parametrize("holding", ["user", "audit_record"])
def test_a_database_holding_any_user_data_is_not_empty(
    tmp_path: Path, db: Any, settings: Any, holding: str
) -> None:
    """ "Must be empty" (formats.md §3) is no row in any table of the apps, not only no regions
    or households: a lone user or audit record is refused too, named in the message."""
    from core import audit
    from core.backup import BackupError, restore

    settings.DATA_DIR = tmp_path / "data"
    if holding == "user":
        make_user("root", "county_admin", None)
        named = "用户（accounts_user）1条"
    else:
        audit.record(actor=None, action="action", object_type="core.test", object_repr="试")
        named = "变更记录（core_auditrecord）1条"
    with pytest.raises(BackupError, match="当前数据库中已有数据") as refused:
        restore(_fake_backup(tmp_path / "bk"))
    assert named in str(refused.value)
    assert not (tmp_path / "data").exists()


def test_restore_refuses_a_migrated_database_holding_a_user_and_takes_it_without(
    tmp_path: Path,
) -> None:
    """The audit's case: a new database, migrated, with one superuser. `fangpin restore` exits
    1 and the user is still there; without the user (what `migrate` wrote alone) it restores.
    What `migrate` writes is exactly `core.backup.SEEDED` (and django_migrations)."""
    from core.backup import SEEDED

    db_path = tmp_path / "new.sqlite3"

    def fangpin(*args: str) -> subprocess.CompletedProcess[str]:
        return _fangpin(tmp_path / "data", f"sqlite:///{db_path}", *args)

    assert fangpin("migrate", "-v0").returncode == 0
    with sqlite3.connect(db_path) as conn:
        tables = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not r[0].startswith("sqlite_")  # SQLite's own
        ]
        filled = {t for t in tables if conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()}
    assert filled == SEEDED | {"django_migrations"}
    source = tmp_path / "bk"
    made = fangpin("backup", str(source))  # of a migrated database, with no user data
    assert made.returncode == 0, made.stderr[-2000:]
    code = "from accounts.models import User; User.objects.create_superuser('root', '', 'Pw-1')"
    assert fangpin("shell", "-c", code).returncode == 0

    refused = fangpin("restore", str(source))
    assert refused.returncode == 1, refused.stderr[-2000:]
    answer = json.loads(refused.stdout.strip().splitlines()[-1])
    assert answer["status"] == "failed" and "用户（accounts_user）1条" in answer["message"]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT username FROM accounts_user").fetchall() == [("root",)]
        conn.execute("DELETE FROM accounts_user")
    restored = fangpin("restore", str(source))
    assert restored.returncode == 0, restored.stdout + restored.stderr[-2000:]
    assert json.loads(restored.stdout.strip().splitlines()[-1])["status"] == "restored"


def test_a_backup_target_that_cannot_be_written_is_wrong_usage(tmp_path: Path) -> None:
    """`fangpin backup DIR` with a DIR that cannot take the backup exits 2 before copying
    anything, the JSON line naming it (formats.md §3), not a traceback."""
    a_file = tmp_path / "note.txt"
    a_file.write_text("x")
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("x")
    (tmp_path / "dir.tar.gz").mkdir()
    cases = {
        f"{a_file}/bk": "不是目录",
        str(taken): "不是空目录",
        str(tmp_path / "dir.tar.gz"): "是一个目录",
    }
    if Path("/proc/self").is_dir():  # takes no new entry, whoever asks (root too)
        cases["/proc/fangpin-backup"] = "/proc"
    for target, reason in cases.items():
        done = _fangpin(tmp_path / "data", "", "backup", target)
        assert done.returncode == 2, (target, done.stderr[-2000:])
        last = json.loads(done.stdout.strip().splitlines()[-1])
        assert last["status"] == "usage_error" and reason in last["message"], (target, last)
        assert target in last["message"] and "Traceback" not in done.stderr
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]
    assert not list(tmp_path.glob(".fangpin-backup-*")) and a_file.read_text() == "x"


@pytest.mark.parametrize("name", ["bk", "bk.tar.gz"])
@pytest.mark.django_db(transaction=True)
def test_a_disk_that_fills_up_during_a_backup_leaves_nothing_and_says_so(
    tmp_path: Path, settings: Any, capsys: Any, monkeypatch: Any, name: str
) -> None:
    """A write that fails partway (ENOSPC from the copy of a file) is said in Chinese, exit 1,
    and neither the backup nor its work directory beside it is left behind."""
    import errno

    from core import backup as backups

    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "data" / "imports").mkdir(parents=True)
    (tmp_path / "data" / "imports" / "up.xlsx").write_bytes(b"PK workbook")

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backups.shutil, "copyfileobj", full)
    monkeypatch.setattr(backups.tarfile.TarFile, "add", full)
    (tmp_path / "out").mkdir()
    with pytest.raises(SystemExit) as exited:
        call_command("backup", str(tmp_path / "out" / name))
    assert exited.value.code == 1
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["status"] == "failed" and "磁盘已满" in result["message"]
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.django_db(transaction=True)
def test_a_restore_interrupted_before_the_database_is_in_changes_nothing(
    tmp_path: Path, settings: Any, capsys: Any, monkeypatch: Any
) -> None:
    """Files are unpacked and checked aside, the database goes in, then the files are moved
    into place: a Ctrl-C before that leaves the data dir as it was and says so
    (core.cli.Interrupted). The lock files and a killed restore's work directory are not data:
    the data dir still counts as empty for the next restore."""
    from core import backup as backups
    from core.cli import Interrupted

    settings.DATA_DIR = tmp_path / "data"
    (tmp_path / "data" / "media").mkdir(parents=True)
    (tmp_path / "data" / "media" / "a.jpg").write_bytes(b"\xff\xd8photo")
    call_command("backup", str(tmp_path / "bk"))
    capsys.readouterr()

    fresh = tmp_path / "fresh"
    settings.DATA_DIR = fresh
    (fresh / "locks").mkdir(parents=True)
    (fresh / "locks" / "07.lock").write_bytes(b"")
    (fresh / ".fangpin-restore-killed" / "files").mkdir(parents=True)
    (fresh / ".fangpin-restore-killed" / "files" / "b.jpg").write_bytes(b"half")

    def ctrl_c(*args: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(backups, "_restore_database", ctrl_c)
    with pytest.raises(Interrupted, match="没有改动"):
        backups.restore(tmp_path / "bk", force=True)
    assert not (fresh / "media").exists()
    assert list(backups._files(fresh, None)) == []


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_counts_what_it_dumps(
    tmp_path: Path, settings: Any, capsys: Any, monkeypatch: Any
) -> None:
    """A write committed by someone else as pg_dump starts is in neither the dump nor the
    manifest's counts: both are the one snapshot, so a restore can be checked against them."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's snapshot; SQLite's copy is counted itself")
    import psycopg

    from core import audit
    from core import backup as backups

    settings.DATA_DIR = tmp_path / "data"
    regions = make_region_tree()
    admin = make_user("county", "county_admin", regions["county"])
    for note in ("一", "二"):
        audit.record(actor=admin, action="action", obj=admin, note=note)
    run = subprocess.run

    def meanwhile(args: list[str], **kwargs: Any) -> Any:
        if args[0] == "pg_dump":
            with psycopg.connect(_pg_url(connection.settings_dict["NAME"]), autocommit=True) as pg:
                pg.execute("DELETE FROM core_auditrecord WHERE note = '二'")
        return run(args, **kwargs)

    monkeypatch.setattr(backups.subprocess, "run", meanwhile)
    call_command("backup", str(tmp_path / "bk"))
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    dumped = run(
        ["pg_restore", "--data-only", "--table=core_auditrecord", "--file=-",
         str(tmp_path / "bk" / "database" / "fangpin.pgdump")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = dumped.split("FROM stdin;\n", 1)[1].split("\\.\n", 1)[0].splitlines()
    assert result["counts"]["audit_records"] == len(rows) >= 2
    assert AuditRecord.objects.filter(note="二").count() == 0  # it was deleted meanwhile
