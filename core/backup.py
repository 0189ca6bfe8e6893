"""`fangpin backup OUT` and `fangpin restore IN`: the database and the data dir's files, together.

A backup is a new directory OUT (formats.md §3), or one tar file when OUT ends in .tar, .tar.gz or
.tgz (gzip-compressed when .gz/.tgz), readable by the service user only (0700/0600), holding:

- `database/fangpin.sqlite3`: a consistent copy of a running SQLite database made with SQLite's
  online backup API (a plain `cp` of a database in WAL mode loses what the WAL holds), or
  `database/fangpin.pgdump`: `pg_dump --format=custom` of the PostgreSQL database (one snapshot,
  the one the manifest's counts were taken in);
- `files/…`: every file under FANGPIN_DATA_DIR (uploads, photos, evidence, comparison batches,
  report templates) except the SQLite database itself and the collected static files;
- `manifest.json`: format, time, engine, counts of households, persons and audit records, and the
  sha256 of every entry, checked when restoring.

The database is copied first and the files after, so every file the database names is in the
backup (a file uploaded meanwhile is there too, unreferenced, and harmless).

`restore` puts a backup into the configured database and data dir, which must be empty: no row
in any model's table but those `migrate` itself writes (`SEEDED`), and no file in the data dir.
It refuses otherwise unless `force=True`, and refuses a backup of the other engine.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections

from core.cli import Interrupted, interrupts_deferred, os_reason, target_problem
from core.supervise import die_with_parent

FORMAT = "fangpin-backup-1"
SQLITE_ENTRY = "database/fangpin.sqlite3"
PG_ENTRY = "database/fangpin.pgdump"
COUNTED = {
    "regions": "regions_region",
    "households": "registry_household",
    "persons": "registry_person",
    "audit_records": "core_auditrecord",
}

# The tables `migrate` fills in a new database (django_migrations is no model's): content types
# and permissions (after every migrate), and the defaults the data migrations seed. Rows there do
# not make a database "not empty"; a row in any other model's table does. A test migrates a new
# database and checks that these are exactly the tables holding rows.
SEEDED = frozenset(
    {
        "django_content_type",
        "auth_permission",
        "assistance_visitrule",  # assistance 0003_seed_visit_rules
        "monitoring_deadlinepolicy",  # monitoring 0003_seed_policy_defaults
        "monitoring_policythreshold",  # monitoring 0003_seed_policy_defaults
    }
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is Chinese."""


def engine() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment (password) for pg_dump / pg_restore."""
    db = connection.settings_dict
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _excluded(data_dir: Path, out: Path | None, work: Path | None = None) -> set[Path]:
    """What is not the data dir's data: collected static files, lock files, the work
    directories of a backup or restore (a killed one's too), the SQLite database."""
    names = {data_dir / "staticfiles", data_dir / "locks"}
    names |= set(data_dir.glob(".fangpin-restore-*")) | set(data_dir.glob(".fangpin-backup-*"))
    if work is not None:
        names.add(work)
    if engine() == "sqlite":
        db = Path(str(connection.settings_dict["NAME"]))
        names |= {db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")}
    if out is not None:
        names.add(out)
    return {p.resolve() for p in names}


def _files(data_dir: Path, out: Path | None, work: Path | None = None) -> Iterator[Path]:
    skip = _excluded(data_dir, out, work)
    for root, dirs, files in os.walk(data_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skip)
        for name in sorted(files):
            path = here / name
            if path.resolve() not in skip and path.is_file() and not path.is_symlink():
                yield path


def _counted(cursor: Any) -> dict[str, int]:
    """Rows of the counted tables, through a DB-API cursor."""
    found = {}
    for key, table in COUNTED.items():
        cursor.execute(f"SELECT count(*) FROM {table}")  # fixed table names
        found[key] = cursor.fetchone()[0]
    return found


def _counts_sqlite(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as db:
        return _counted(db.cursor())


def counts() -> dict[str, int]:
    """Rows of the counted tables in the configured database."""
    with connection.cursor() as cursor:
        return _counted(cursor)


@contextmanager
def _pg_snapshot() -> Iterator[tuple[str, dict[str, int]]]:
    """(a snapshot of the PostgreSQL database, its counts), held for the block: `pg_dump
    --snapshot` dumps what the counts saw, not what a write committed in between made it."""
    # A connection of its own: the isolation level is the first thing its transaction says,
    # whatever the command's own connection is in the middle of.
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            yield snapshot, _counted(cursor)
    finally:
        raw.close()


ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")


def is_archive(path: Path) -> bool:
    """A backup named like a tar file is one tar file; any other name is a new directory."""
    return path.name.endswith(ARCHIVE_SUFFIXES)


def check_target(out: str | Path) -> Path:
    """The backup's target, resolved, if a backup can be written there: a tar file's name that is
    not a directory, or a new (or empty) directory, below a directory that takes new entries
    (missing ones are made); else BackupError naming it."""
    out = Path(out).resolve()
    if is_archive(out):
        if out.is_dir():
            raise BackupError(f"“{out}”是一个目录；备份文件（.tar/.tar.gz）要给一个文件名")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"“{out}”已存在且不是空目录；请给一个新的备份目录")
    problem = target_problem(out, parents=True)
    if problem is not None:
        raise BackupError(f"不能把备份写到“{out}”：{problem}")
    return out


def backup(out: str | Path) -> dict[str, Any]:
    """Write a backup of the database and the data dir's files to `out` (a tar file, or a new
    directory holding the same entries); returns the manifest.

    It is written beside `out` and renamed into place when complete: a disk that fills up (or
    any other write error) leaves no partial backup, and says so (`BackupError`)."""
    out = check_target(out)
    try:
        return _backup(out)
    except OSError as exc:
        reason = os_reason(exc)
    except sqlite3.Error as exc:  # the online copy of the database
        if "full" not in str(exc):
            raise
        reason = os_reason(OSError(errno.ENOSPC, str(exc)))
    raise BackupError(f"备份未能写完（{reason}），没有留下不完整的备份：{out}")


def _backup(out: Path) -> dict[str, Any]:
    """`backup`'s work, to the checked target."""
    data_dir = Path(settings.DATA_DIR).resolve()
    archive = is_archive(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    gzip = out.name.endswith((".gz", ".tgz"))
    entries: dict[str, str] = {}
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".fangpin-backup-") as tmp:
        work = Path(tmp)
        if engine() == "sqlite":
            copy = work / "db.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(copy)
            try:
                connection.connection.backup(target)  # SQLite's online backup API
            finally:
                target.close()
            db_entry, db_counts = SQLITE_ENTRY, _counts_sqlite(copy)
        else:
            copy = work / "db.pgdump"
            args, env = _pg_env()
            with _pg_snapshot() as (snapshot, db_counts):
                done = subprocess.run(
                    ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
                     f"--snapshot={snapshot}", "--file", str(copy),
                     str(connection.settings_dict["NAME"])],
                    env=env, capture_output=True, text=True, check=False,
                )  # fmt: skip
            if done.returncode != 0:
                raise BackupError(f"pg_dump 失败：{done.stderr.strip()[-500:]}")
            db_entry = PG_ENTRY
        partial = work / ("backup.tar" if archive else "backup")
        files = 0
        size = 0
        with _writer(partial, archive, gzip) as add:
            add(db_entry, copy, None)
            entries[db_entry] = _sha256(copy)
            for path in _files(data_dir, out, work):
                name = "files/" + path.relative_to(data_dir).as_posix()
                add(name, path, None)
                entries[name] = _sha256(path)
                files += 1
                size += path.stat().st_size
            manifest = {
                "format": FORMAT,
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "engine": engine(),
                "database": db_entry,
                "counts": db_counts,
                "files": files,
                "file_bytes": size,
                "sha256": entries,
            }
            add("manifest.json", None, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        if archive:
            os.replace(partial, out)
            os.chmod(out, 0o600)
        else:
            if out.exists():
                out.rmdir()  # the new, empty directory the user made for it
            os.rename(partial, out)
    return {k: v for k, v in manifest.items() if k != "sha256"} | {"out": str(out)}


@contextmanager
def _writer(
    partial: Path, archive: bool, gzip: bool
) -> Iterator[Callable[[str, Path | None, bytes | None], None]]:
    """`add(name, path, data)` puts a file (or bytes) into the tar or the directory at `partial`;
    every entry is the service user's only."""
    if not archive:
        partial.mkdir(mode=0o700)

        def put(name: str, path: Path | None, data: bytes | None) -> None:
            target = partial / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as dest:
                if path is None:
                    dest.write(data or b"")
                else:
                    with path.open("rb") as src:
                        shutil.copyfileobj(src, dest, 1 << 20)

        yield put
        return
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz" if gzip else "w") as tar:

        def add(name: str, path: Path | None, data: bytes | None) -> None:
            if path is not None:
                tar.add(path, arcname=name, recursive=False)
                return
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data or b""), 0o600
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(data or b""))

        yield add


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile("manifest.json")
    except KeyError as exc:
        raise BackupError("不是 fangpin 备份文件（缺少 manifest.json）") from exc
    assert member is not None
    return _manifest(member.read())


def _manifest(raw: bytes) -> dict[str, Any]:
    """A backup's manifest.json, checked: fangpin's format, with every entry restore reads."""
    unreadable = "不是 fangpin 备份（manifest.json 无法读取或不完整）"
    try:
        manifest = json.loads(raw)
    except ValueError as exc:  # not JSON, or not text at all
        raise BackupError(unreadable) from exc
    if not isinstance(manifest, dict):
        raise BackupError(unreadable)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式“{manifest.get('format')}”")
    hashes = manifest.get("sha256")
    if not (
        isinstance(hashes, dict)
        and manifest.get("database") in hashes
        and all(k in manifest for k in ("created_at", "engine"))
    ):
        raise BackupError(unreadable)
    return manifest


@contextmanager
def _open_backup(
    source: Path,
) -> Iterator[tuple[dict[str, Any], Callable[[], Iterator[tuple[str, IO[bytes]]]]]]:
    """(the manifest, a function listing every entry but the manifest as (name, stream)), from a
    backup directory or a tar file; anything outside the manifest is refused."""
    if source.is_dir():
        try:
            manifest = _manifest((source / "manifest.json").read_bytes())
        except FileNotFoundError as exc:
            raise BackupError("不是 fangpin 备份目录（缺少 manifest.json）") from exc

        def listed() -> Iterator[tuple[str, IO[bytes]]]:
            for name in manifest["sha256"]:
                path = _safe_path(source.resolve(), name)
                if not path.is_file():
                    raise BackupError(f"备份目录中缺少“{name}”，已停止恢复")
                with path.open("rb") as stream:
                    yield name, stream

        yield manifest, listed
        return
    try:
        tar = tarfile.open(source)  # noqa: SIM115 (closed by the `with` below)
    except tarfile.TarError as exc:
        raise BackupError("不是 fangpin 备份文件（无法按 tar 读取）") from exc
    with tar:
        manifest = _read_manifest(tar)

        def members() -> Iterator[tuple[str, IO[bytes]]]:
            for member in tar:
                if member.name == "manifest.json":
                    continue
                if member.name not in manifest["sha256"] or not member.isfile():
                    raise BackupError(f"备份中有清单之外的内容“{member.name}”，已停止恢复")
                stream = tar.extractfile(member)
                assert stream is not None
                yield member.name, stream

        yield manifest, members


def held_data() -> dict[str, int]:
    """Rows per model table (by the model's Chinese name) in the configured database, but for
    those `migrate` writes itself (`SEEDED`); empty for an empty (or unmigrated) database."""
    names = {
        model._meta.db_table: str(model._meta.verbose_name)
        for model in apps.get_models(include_auto_created=True)
    }
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    held: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            if table in SEEDED:
                continue
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            rows = cursor.fetchone()[0]
            if rows:
                held[f"{names.get(table, table)}（{table}）"] = rows
    return held


def _safe_path(base: Path, name: str) -> Path:
    target = (base / name).resolve()
    if not target.is_relative_to(base):
        raise BackupError(f"备份中的路径“{name}”不安全，已停止恢复")
    return target


def restore(source: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Restore a backup (directory or tar file) into the configured database and data dir;
    returns what was restored."""
    # From the moment the database goes in, a Ctrl-C waits for the end (`_restore_database`).
    with ExitStack() as finishing:
        source = Path(source)
        data_dir = Path(settings.DATA_DIR).resolve()
        with _open_backup(source) as (manifest, entries):
            if manifest["engine"] != engine():
                raise BackupError(
                    f"这是{manifest['engine']}数据库的备份，当前配置的是{engine()}，不能直接恢复"
                )
            held = {} if force else held_data()
            if held:
                found = "、".join(f"{name}{rows}条" for name, rows in list(held.items())[:5])
                more = f"等{len(held)}张表" if len(held) > 5 else ""
                raise BackupError(
                    f"当前数据库中已有数据：{found}{more}；"
                    "只能恢复到空数据库，确认要覆盖时加 --force"
                )
            if not force and data_dir.is_dir() and next(_files(data_dir, None), None) is not None:
                raise BackupError(f"数据目录 {data_dir} 中已有文件；确认要覆盖时加 --force")
            hashes: dict[str, str] = manifest["sha256"]
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                with tempfile.TemporaryDirectory(dir=data_dir, prefix=".fangpin-restore-") as tmp:
                    # Everything is unpacked and checked in the work directory first; the database
                    # goes in (atomically), then the files are moved into place, through a Ctrl-C.
                    work = Path(tmp)
                    staged = work / "files"
                    restored = 0
                    for name, stream in entries():
                        if name.startswith("files/"):
                            target = _safe_path(staged, name.removeprefix("files/"))
                        else:
                            target = _safe_path(work, name)
                        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                        digest = hashlib.sha256()
                        partial = target.with_name(f".{target.name}.partial")
                        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                        with os.fdopen(fd, "wb") as out:
                            while chunk := stream.read(1 << 20):
                                digest.update(chunk)
                                out.write(chunk)
                        if digest.hexdigest() != hashes[name]:
                            partial.unlink()
                            raise BackupError(f"备份中“{name}”的校验值不符，文件已损坏")
                        os.replace(partial, target)
                        restored += name.startswith("files/")

                    def place_files() -> None:
                        for path in sorted(staged.rglob("*")) if staged.is_dir() else []:
                            if path.is_file():
                                target = data_dir / path.relative_to(staged)
                                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                                os.replace(path, target)

                    _restore_database(work / manifest["database"], place_files, finishing)
            except KeyboardInterrupt:
                raise Interrupted(
                    "恢复被中断（Ctrl-C），数据库和数据目录中的文件都没有改动；可以重新恢复"
                ) from None
        return {
            "status": "restored",
            "from": str(source),
            "created_at": manifest["created_at"],
            "engine": manifest["engine"],
            "files": restored,
            "counts": counts(),
        }


def _restore_database(dump: Path, then: Callable[[], None], finishing: ExitStack) -> None:
    """Put the database in, in one step, and run `then` (the files); a Ctrl-C waits from the
    step that puts it in until `finishing` ends (the restore's result is made)."""
    after = "恢复时收到中断请求（Ctrl-C）：数据库已恢复，命令继续完成"
    if engine() == "sqlite":
        target = Path(str(connection.settings_dict["NAME"]))
        connections.close_all()
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_name(f".{target.name}.restoring")
        try:
            shutil.copyfile(dump, partial)
            os.chmod(partial, 0o600)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finishing.enter_context(interrupts_deferred(after))
        for extra in (Path(f"{target}-wal"), Path(f"{target}-shm"), Path(f"{target}-journal")):
            extra.unlink(missing_ok=True)
        os.replace(partial, target)
        then()
        return
    args, env = _pg_env()
    connections.close_all()
    done = subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
         "--single-transaction", "--exit-on-error", *args,
         "--dbname", str(connection.settings_dict["NAME"]), str(dump)],
        env=env, capture_output=True, text=True, check=False,
        # Killed, the restore must not go on without it: the files would never be put in place.
        preexec_fn=die_with_parent,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败：{done.stderr.strip()[-500:]}")
    finishing.enter_context(interrupts_deferred(after))
    then()
