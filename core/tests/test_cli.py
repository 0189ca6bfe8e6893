"""The `fangpin` command maps documented names onto management commands."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fangpin.cli import command_args


def _fangpin(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`fangpin ARGS` as from the console, on a SQLite database and a data dir in tmp_path."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "SECRET_KEY": "test",
        "FANGPIN_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
    }
    env.pop("FANGPIN_TESTING", None)
    return subprocess.run(
        [sys.executable, "-m", "fangpin.cli", *args],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
    )


def test_hyphenated_commands_map_to_their_modules():
    assert command_args(["x", "import-registry", "f.xlsx"]) == [
        "fangpin",
        "import_registry",
        "f.xlsx",
    ]


def test_fangpin_check_is_the_data_quality_check_and_djangos_check_keeps_a_name():
    assert command_args(["x", "check", "--region", "R"])[1] == "check_data"
    assert command_args(["x", "django-check"])[1] == "check"


def test_options_before_a_command_are_left_alone():
    assert command_args(["x", "--help"]) == ["fangpin", "--help"]


def test_a_batch_command_ends_with_its_status_and_its_output_flushed(tmp_path):
    """Batch commands leave at once (core.cli.JsonCommand.run_from_argv): the status, the
    message and the JSON must still come out as documented (formats.md §3)."""
    from imports.tests.builders import family, num, write_xlsx

    def fangpin(*args: str) -> subprocess.CompletedProcess[str]:
        return _fangpin(tmp_path, *args)

    usage = fangpin("import-registry", str(tmp_path / "missing.xlsx"))
    assert usage.returncode == 2
    assert "文件不存在" in usage.stderr

    assert fangpin("migrate", "-v0").returncode == 0
    rows = family(num("C1"), 3)
    wrong = rows[1]["证件号码"]
    rows[1]["证件号码"] = wrong[:-1] + ("1" if wrong[-1] == "0" else "0")  # its check digit
    bad = write_xlsx(tmp_path / "bad.xlsx", rows)
    rejected = fangpin("import-registry", str(bad), "--create-regions")
    assert rejected.returncode == 1
    result = json.loads(rejected.stdout.strip().splitlines()[-1])
    assert result["status"] == "rejected"
    assert any(e["column"] == "证件号码" for e in result["errors"])

    good = write_xlsx(tmp_path / "good.xlsx", family(num("C2"), 3))
    imported = fangpin("import-registry", str(good), "--create-regions")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout.strip().splitlines()[-1])["persons_created"] == 2


def test_wrong_usage_exits_2_and_still_ends_with_a_json_line(tmp_path):
    """Exit 2 on wrong usage (formats.md §3) — an unknown command too, whose Django status is
    1 — with the reason as the last line of stdout, as every batch command ends."""
    cases = {
        ("import-registry", str(tmp_path / "missing.xlsx")): "文件不存在",
        ("import-registry",): "file",  # argparse: a required argument is missing
        ("import-registry", "x.xlsx", "--no-such-option"): "--no-such-option",
        ("no-such-command",): "no_such_command",
    }
    for args, reason in cases.items():
        done = _fangpin(tmp_path, *args)
        assert done.returncode == 2, (args, done.stderr)
        last = json.loads(done.stdout.strip().splitlines()[-1])
        assert last["status"] == "usage_error" and reason in last["message"], args


def test_argparses_refusals_are_said_in_chinese(tmp_path):
    """What argparse refuses (a missing option, a value of the wrong type, an unknown choice,
    also in a sub-command's parser) reaches the JSON line and stderr in Chinese, exit 2."""
    out = str(tmp_path / "r.docx")
    cases = {
        ("report", "work-summary", "--region", "x", "--year", "2025"): "缺少必需的参数：--out",
        ("report", "work-summary", "--region", "x", "--year", "abc", "--out", out): (
            "参数 --year 的值“abc”无效，应为整数"
        ),
        ("report", "summary", "--region", "x", "--year", "2025", "--out", out): (
            "参数 kind 的值“summary”无效，可选：work-summary"
        ),
        ("ledger", "stats", "--region", "x", "--year", "2.5"): "参数 --year 的值“2.5”无效",
        ("stats", "--region", "x", "--as-of"): "参数 --as-of 需要一个值",
        ("stats", "--region", "x", "--nope"): "无法识别的参数：--nope",
        ("add-user", "u", "--region", "x", "--role", "admin"): (
            "参数 --role 的值“admin”无效，可选：county_admin, town_staff, village_staff, "
            "grid_member, auditor"
        ),
        ("demo", "--households", "abc"): "参数 --households 的值“abc”无效，应为整数",
    }
    for args, reason in cases.items():
        done = _fangpin(tmp_path, *args)
        assert done.returncode == 2, (args, done.stderr)
        last = json.loads(done.stdout.strip().splitlines()[-1])
        assert last == {"status": "usage_error", "message": last["message"]}, args
        assert reason in last["message"] and reason in done.stderr, (args, last)


def test_an_import_command_starts_without_the_libraries_it_may_not_need(tmp_path):
    """Every command pays for what starting Django and finding the importers loads: a workbook
    writer (33 ms) or, on SQLite, PostgreSQL's driver (60 ms) are loaded when used."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, django; django.setup()\n"
        "from core import pipeline; pipeline.kind('registry')\n"
        "print(sorted(m for m in ('xlsxwriter', 'psycopg') if m in sys.modules))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fangpin.settings",
        "SECRET_KEY": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_workbook_an_import_reads_is_found_before_django_starts(tmp_path):
    """`fangpin import-registry FILE …` starts reading FILE while Django loads: the one
    positional .xlsx that exists, not an option's value, and nothing for other commands."""
    from fangpin.cli import workbook_arg

    book = tmp_path / "户籍.xlsx"
    book.write_bytes(b"PK")
    errors = str(tmp_path / "errors.xlsx")
    args = command_args(["x", "import-registry", "--errors", errors, str(book), "-v", "0"])
    assert workbook_arg(args) == book
    assert workbook_arg(command_args(["x", "import-registry", str(book), "--dry-run"])) == book
    assert workbook_arg(command_args(["x", "import-registry", str(tmp_path / "none.xlsx")])) is None
    assert workbook_arg(command_args(["x", "export-registry", str(book)])) is None
    assert workbook_arg(command_args(["x", "import-registry", str(book), str(book)])) is None
    # Other settings: read with their limits, by the command itself.
    for option in (["--settings", "other.settings"], ["--pythonpath=/srv"]):
        assert workbook_arg(command_args(["x", "import-registry", str(book), *option])) is None


class _Exited(Exception):
    """os._exit, in-process."""


@pytest.fixture
def console(monkeypatch, tmp_path):
    """A command run in-process as from the console: os._exit raises _Exited, logging stays up;
    the file it is given to import (a one-column roster)."""
    import logging

    def exit_(status):
        raise _Exited(status)

    monkeypatch.setattr(os, "_exit", exit_)
    monkeypatch.setattr(logging, "shutdown", lambda: None)
    path = tmp_path / "名单.csv"
    path.write_text("姓名\n", encoding="utf-8")
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["import_registry", "ledger", "lowincome"])
@pytest.mark.parametrize("from_console", [False, True])
def test_an_import_command_leaves_its_objects_to_the_exit_only_from_the_console(
    console, monkeypatch, capsys, command, from_console
):
    """Run from the console the process ends as the command returns, so the import need not
    free its objects first (core.pipeline.run's `ends_process`); called in-process, it must."""
    from django.core.management import call_command, get_commands, load_command_class

    from core import pipeline
    from ledgers import kit

    told: list[bool] = []

    def run(*args, **kwargs):
        told.append(kwargs["ends_process"])
        return {"status": "valid", "message": "检查通过，可以导入"}

    monkeypatch.setattr(pipeline, "run", run)
    path = console
    args = {
        "import_registry": [str(path)],
        "ledger": ["import", next(iter(kit.ledgers())), str(path)],
        "lowincome": ["import", str(path)],
    }[command]
    if from_console:
        with pytest.raises(_Exited) as exited:
            load_command_class(get_commands()[command], command).run_from_argv(
                ["fangpin", command, *args]
            )
        assert exited.value.args == (0,)
    else:
        call_command(command, *args)
    assert told == [from_console]
    capsys.readouterr()


@pytest.mark.parametrize("reads_workbook", [True, False])
def test_the_collector_is_paused_from_the_start_of_an_import_that_reads_a_workbook(
    tmp_path, monkeypatch, reads_workbook
):
    """`fangpin import-registry FILE.xlsx` pauses the cyclic collector before Django starts
    (the import would pause it anyway, later); in-process, main leaves it as it found it. Other
    commands run with it on."""
    import gc
    import os

    import django.core.management

    from core import xlsxparts
    from fangpin import cli

    book = tmp_path / "户籍.xlsx"
    book.write_bytes(b"PK")
    seen: dict[str, bool] = {}
    monkeypatch.setattr(xlsxparts, "prefetch", lambda path: seen.update(prefetch=gc.isenabled()))
    monkeypatch.setattr(
        django.core.management,
        "execute_from_command_line",
        lambda args: seen.update(command=gc.isenabled()),
    )
    command = "import-registry" if reads_workbook else "export-registry"
    assert gc.isenabled()
    umask = os.umask(0o077)  # main sets the service's; the tests after this one keep theirs
    try:
        cli.main(["fangpin", command, str(book)])
        assert gc.isenabled()
    finally:
        gc.enable()
        os.umask(umask)
    assert seen == ({"prefetch": False, "command": False} if reads_workbook else {"command": True})


def test_an_output_file_that_cannot_be_written_is_wrong_usage_before_any_work(tmp_path):
    """A path given for a file to write (`--out`, `--errors`) that cannot be written is wrong
    usage (formats.md §3): exit 2, the JSON line naming the path — found before the import or
    export starts, so a good file is not imported when its error workbook has nowhere to go."""
    import sqlite3

    from imports.tests.builders import family, num, write_xlsx

    def fangpin(*args: str) -> subprocess.CompletedProcess[str]:
        return _fangpin(tmp_path, *args)

    assert fangpin("migrate", "-v0").returncode == 0
    good = str(write_xlsx(tmp_path / "good.xlsx", family(num("C3"), 3)))
    a_file = tmp_path / "note.txt"
    a_file.write_text("x")
    a_dir = tmp_path / "taken.xlsx"
    a_dir.mkdir()
    missing = tmp_path / "no-such-dir" / "e.xlsx"
    cases = [
        (["import-registry", good, "--create-regions", "--errors", str(missing)], "目录不存在"),
        (["import-registry", good, "--create-regions", "--errors", str(a_dir)], "是一个目录"),
        (["import-registry", good, "--errors", str(tmp_path / "e.csv")], "应为 .xlsx"),
        (["import-registry", good, "--errors", f"{a_file}/e.xlsx"], "不是目录"),
        (["export-registry", "--region", "大冶市", "--out", str(a_dir)], "是一个目录"),
        (["export-registry", "--region", "大冶市", "--out", str(missing)], "目录不存在"),
        (["ledger", "export", "yulu", "--region", "大冶市", "--out", str(a_dir)], "是一个目录"),
        (["lowincome", "export", "--region", "大冶市", "--out", str(missing)], "目录不存在"),
    ]
    if Path("/proc/self").is_dir():  # takes no new file, whoever asks (root too)
        cases.append((["export-registry", "--region", "大冶市", "--out", "/proc/x.xlsx"], "/proc"))
    for args, reason in cases:
        done = fangpin(*args)
        assert done.returncode == 2, (args, done.stderr[-2000:])
        last = json.loads(done.stdout.strip().splitlines()[-1])
        assert last["status"] == "usage_error", args
        assert reason in last["message"] and args[-1] in last["message"], (args, last)
        assert "Traceback" not in done.stderr, args
    with sqlite3.connect(tmp_path / "cli.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM registry_household").fetchone() == (0,)
    assert not missing.parent.exists() and list(a_dir.iterdir()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("error", ["unforeseen", "command_error"])
def test_an_error_no_command_foresaw_still_ends_with_a_json_line(
    console, monkeypatch, capsys, caplog, error
):
    """The last resort of every batch command: an error it did not foresee ends with a JSON
    line (`status` "error", a Chinese message) and exit 1 — formats.md §3 has no other status
    for it — and the traceback goes to stderr (the log), not instead of the JSON line."""
    from django.core.management import get_commands, load_command_class
    from django.core.management.base import CommandError

    from core import pipeline

    def run(*args, **kwargs):
        if error == "command_error":
            raise CommandError("台账服务暂不可用")
        raise RuntimeError("磁盘出错")

    monkeypatch.setattr(pipeline, "run", run)
    command = load_command_class(get_commands()["lowincome"], "lowincome")
    with pytest.raises(_Exited) as exited:
        command.run_from_argv(["fangpin", "lowincome", "import", str(console)])
    assert exited.value.args == (1,)
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["status"] == "error"
    if error == "command_error":
        assert last["message"] == "台账服务暂不可用"
    else:
        assert "fangpin lowincome 意外出错" in last["message"] and "磁盘出错" in last["message"]
        assert "RuntimeError: 磁盘出错" in caplog.text  # the traceback, logged to stderr


def test_a_django_command_that_fails_unforeseen_ends_with_a_json_line_too(
    monkeypatch, capsys, caplog
):
    """Commands that are no batch command (Django's own, serve, worker) share the last resort
    in `fangpin.cli.main`."""
    import django.core.management

    from fangpin import cli

    def fail(args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(django.core.management, "execute_from_command_line", fail)
    with pytest.raises(SystemExit) as exited:
        cli.main(["fangpin", "migrate"])
    assert exited.value.code == 1
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["status"] == "error" and "fangpin migrate 意外出错" in last["message"]
    assert "Traceback" in caplog.text


def test_a_database_not_migrated_or_not_answering_is_said_with_what_to_do(tmp_path):
    """No traceback for the wrong database (core.cli.database_problem): a database that does
    not answer names itself (never the password) and DATABASE_URL; one not migrated to this
    version says to run `fangpin migrate`. Exit 1, the reason as the JSON line."""
    book = tmp_path / "x.csv"
    book.write_text("证件号码\n", encoding="utf-8")
    not_migrated = _fangpin(tmp_path, "import-registry", str(book))
    refused = subprocess.run(
        [sys.executable, "-m", "fangpin.cli", "stats", "--region", "x"],
        env={
            **os.environ,
            "DATABASE_URL": "postgres://someone:secretpw@127.0.0.1:1/nowhere",
            "SECRET_KEY": "test",
            "FANGPIN_DATA_DIR": str(tmp_path / "data"),
            "DJANGO_SETTINGS_MODULE": "fangpin.settings",
        },
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
    )  # fmt: skip
    for done, said in (
        (not_migrated, "请先运行 fangpin migrate"),
        (refused, "127.0.0.1:1/nowhere"),
    ):
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        last = json.loads(done.stdout.strip().splitlines()[-1])
        assert last["status"] == "error" and said in last["message"], last
    assert "DATABASE_URL" in refused.stdout and "secretpw" not in refused.stdout + refused.stderr


def test_a_data_dir_that_cannot_take_files_is_said_at_start(tmp_path):
    """FANGPIN_DATA_DIR that exists but takes no file (/proc: even root cannot write there, as
    on a read-only mount) or cannot be made: the command says so in Chinese, exit 1, no
    traceback (fangpin.settings, core.cli.unexpected)."""
    for data_dir in ("/proc", str(tmp_path / "file" / "data")):
        (tmp_path / "file").write_text("not a directory")
        done = subprocess.run(
            [sys.executable, "-m", "fangpin.cli", "stats", "--region", "x"],
            env={
                **os.environ,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "SECRET_KEY": "test",
                "FANGPIN_DATA_DIR": data_dir,
                "DJANGO_SETTINGS_MODULE": "fangpin.settings",
            },
            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        last = json.loads(done.stdout.strip().splitlines()[-1])
        assert last["status"] == "error", last
        assert f"数据目录 FANGPIN_DATA_DIR={data_dir} 无法创建或写入" in last["message"], last


def test_a_database_busy_past_its_timeout_is_said_so():
    """SQLite's "database is locked" (another writer held it past busy_timeout, 20 s: too slow
    to wait for here; seen through the command by hand) is said as busy, to retry."""
    from django.db import OperationalError

    from core.cli import database_problem

    said = database_problem(OperationalError("database is locked"))
    assert said is not None and "忙" in said and "请稍后重试" in said
