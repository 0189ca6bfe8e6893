"""Shared shape of batch commands (formats.md §3): progress on stderr, one JSON object as the last
line of stdout, exit 0 on success, 1 when the input was rejected, 2 on wrong usage.

Commands that take a region or act as a user use `accounts.cli.BatchCommand`, which adds those.
A file a command is to write (`--out`, `--errors`) is checked with `output_file` before any work:
a path that cannot be written is wrong usage. An error no command foresaw still ends with the
JSON line (`status` "error") and exit 1, the traceback on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import json
import logging
import os
import re
import signal
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.dates import not_future

logger = logging.getLogger(__name__)

# Why a file cannot be made, said in Chinese (the rest: the system's own words).
_REASONS = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "文件系统只读",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.ENOSPC: "磁盘已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.ENOENT: "路径不存在或无法在此创建",
}


# argparse's own refusals (Python 3.11's wording), said in Chinese like every other message of the
# commands: the user reads them in the JSON line and on stderr (formats.md §3).
_TYPES = {"int": "整数", "float": "数字"}
_ARGPARSE: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"the following arguments are required: (.+)"),
        lambda m: f"缺少必需的参数：{m[1]}",
    ),
    (re.compile(r"unrecognized arguments: (.+)"), lambda m: f"无法识别的参数：{m[1]}"),
    (re.compile(r"one of the arguments (.+) is required"), lambda m: f"须给出参数 {m[1]} 之一"),
    (
        re.compile(r"ambiguous option: (\S+) could match (.+)"),
        lambda m: f"选项 {m[1]} 有歧义，可能是 {m[2]}",
    ),
    (re.compile(r"argument (\S+): expected one argument"), lambda m: f"参数 {m[1]} 需要一个值"),
    (
        re.compile(r"argument (\S+): expected at least one argument"),
        lambda m: f"参数 {m[1]} 至少需要一个值",
    ),
    (
        re.compile(r"argument (\S+): expected at most one argument"),
        lambda m: f"参数 {m[1]} 至多接受一个值",
    ),
    (
        re.compile(r"argument (\S+): ignored explicit argument (.+)"),
        lambda m: f"参数 {m[1]} 不接受值 {m[2]}",
    ),
    (
        re.compile(r"argument (\S+): not allowed with argument (\S+)"),
        lambda m: f"参数 {m[1]} 不能与 {m[2]} 同时使用",
    ),
    (
        re.compile(r"argument (\S+): invalid (\w+) value: '(.*)'"),
        lambda m: f"参数 {m[1]} 的值“{m[3]}”无效，应为{_TYPES.get(m[2], m[2])}",
    ),
    (
        re.compile(r"argument (\S+): invalid choice: '(.*)' \(choose from (.*)\)"),
        lambda m: f"参数 {m[1]} 的值“{m[2]}”无效，可选：{m[3].replace(chr(39), '')}",
    ),
)


def argparse_message(message: str) -> str:
    """One of argparse's English refusals in Chinese; any other message as it is."""
    for pattern, say in _ARGPARSE:
        if found := pattern.fullmatch(message):
            return say(found)
    return message


class Interrupted(KeyboardInterrupt):
    """A Ctrl-C (SIGINT) that stopped a command at a point where it knows what was kept: the
    message (Chinese) says so, for the JSON line (`core.pipeline.undone_if_interrupted`)."""


INTERRUPTED = "命令被中断（Ctrl-C），未能完成"


@contextmanager
def interrupts_deferred(
    after: str = "提交时收到中断请求（Ctrl-C）：数据已提交完毕，命令继续完成",
) -> Iterator[None]:
    """Run the block to its end through a Ctrl-C (SIGINT), which is then ignored, `after` said
    on stderr. Only where Python's own handler is in place, in the main thread (a command)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            logger.warning(after)


class UsageError(CommandError):
    """Wrong usage: exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


def as_of_option(
    value: str, option: str = "--as-of", label: str = "统计日期", what: str = "统计"
) -> dt.date:
    """A YYYY-MM-DD date option that is not after today (core.dates.not_future), or wrong
    usage (exit 2) naming the option."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"{option} 应为 YYYY-MM-DD 格式的日期，实为“{value}”") from exc
    try:
        return not_future(day, label, what)
    except ValueError as exc:
        raise UsageError(f"{option}：{exc}") from exc


def os_reason(exc: OSError) -> str:
    """An OSError's cause in Chinese, for a command's message."""
    return _REASONS.get(exc.errno or 0) or f"系统错误：{exc.strerror or exc}"


def target_problem(path: Path, *, parents: bool = False) -> str | None:
    """Why `path` cannot be written as a new or replaced file or directory (in Chinese), or None.

    Its directory must exist and take a new entry — found by making one, since permissions alone
    do not tell (root passes every check, yet cannot write in /proc or on a read-only mount).
    With `parents`, missing directories above it are to be made: the nearest one that exists
    must take them. An existing file must open for writing.
    """
    above = path.parent
    while parents and not above.exists() and above != above.parent:
        above = above.parent
    if not above.exists():
        return f"目录不存在：{above}"
    if not above.is_dir():
        return f"不是目录：{above}"
    try:
        with tempfile.TemporaryFile(dir=above):
            pass
    except OSError as exc:
        return f"不能在目录 {above} 中新建文件（{os_reason(exc)}）"
    if path.is_file():
        try:
            with path.open("ab"):  # appends nothing: the file is unchanged
                pass
        except OSError as exc:
            return f"不能写入已有文件（{os_reason(exc)}）"
    return None


def output_file(
    value: str, option: str, suffixes: tuple[str, ...] = (), *, parents: bool = False
) -> Path:
    """The file `option` names for the command to write, checked before any work is done: one of
    `suffixes` (if given), not a directory, and writable (`target_problem`); else wrong usage
    (exit 2) naming the path."""
    path = Path(value)
    if suffixes and path.suffix.lower() not in suffixes:
        wanted = " 或 ".join(suffixes)
        raise UsageError(f"{option} 应为 {wanted} 文件，实为“{value}”")
    if path.is_dir():
        raise UsageError(f"{option} “{value}”是一个目录，应为要写出的文件名")
    problem = target_problem(path, parents=parents)
    if problem is not None:
        raise UsageError(f"{option} “{value}”无法写入：{problem}")
    return path


def errors_file(value: str, source: Path) -> Path:
    """`--errors`: an .xlsx file `output_file` accepts, and not the file being imported, which
    a rejection would overwrite (and a clean import clear: `core.pipeline.run`)."""
    path = output_file(value, "--errors", (".xlsx",))
    if path.exists() and path.resolve() == source.resolve():
        raise UsageError(f"--errors “{value}”就是要导入的文件，请另给一个文件名")
    return path


def _database() -> str:
    """The configured database, for a message (never the password)."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite 数据库 {db['NAME']}"
    return (
        f"PostgreSQL 数据库 {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


def database_problem(exc: BaseException) -> str | None:
    """Why the database could not serve a command that failed with `exc`, in Chinese and saying
    what to do — it does not answer, or it is not migrated to this version — or None.

    Looked into only after a database error, so a command's start pays nothing for it.
    """
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    if not isinstance(exc, DatabaseError | sqlite3.Error):  # sqlite3's own: a backup's copy
        return None
    where = _database()
    if "database is locked" in str(exc):  # SQLite: another writer held it past busy_timeout
        return (
            f"{where} 忙：另一个进程长时间占用写入，等待超时，未能完成；"
            "请稍后重试（或等正在进行的导入、恢复结束后再试）"
        )
    try:
        connection.close()  # whatever state the failure left it in
        connection.ensure_connection()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return (
            f"无法连接 {where}（{reason}）：请检查数据库服务是否在运行、"
            "环境变量 DATABASE_URL 是否正确"
        )
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return None
    if plan:
        return (
            f"{where} 尚未迁移到本版本的结构（还有{len(plan)}个迁移未执行）："
            "请先运行 fangpin migrate"
        )
    return None


def unexpected(exc: Exception, command: str, write: Callable[[str], object]) -> int:
    """The last resort for an error no command foresaw: the traceback to the log (stderr), a
    JSON line with `status` "error" and a Chinese message through `write`; the exit status.

    formats.md §3 has three statuses and 2 is wrong usage only, so a command that could not
    finish for any other reason exits 1, as a rejected input does (`status` tells them apart).
    A JSON line printed before the error no longer holds: this one follows it.
    """
    name = command.replace("_", "-")
    if isinstance(exc, ImproperlyConfigured):  # the settings' own Chinese reason: no traceback
        message = f"fangpin {name} 无法启动，配置有误：{exc}"
        sys.stderr.write(message + "\n")
        with contextlib.suppress(OSError):
            write(json.dumps({"status": "error", "message": message}, ensure_ascii=False))
        return 1
    logger.error("fangpin %s 意外出错", name, exc_info=exc)
    message = (
        f"fangpin {name} 意外出错，未能完成（{type(exc).__name__}: {exc}）；"
        "错误详情已写到标准错误输出"
    )
    # stdout itself may be gone (a closed pipe): the log has it all.
    with contextlib.suppress(OSError):
        write(json.dumps({"status": "error", "message": message}, ensure_ascii=False))
    return 1


class JsonCommand(BaseCommand):
    """Base for `fangpin` batch commands: progress on stderr, the JSON result on stdout."""

    # Django's system checks cost a second at every start of a batch command; `fangpin
    # django-check` (and the server's start) still run them.
    requires_system_checks: list[str] = []  # type: ignore[assignment]
    # Run from the console, the process ends as the command returns (`run_from_argv`): what it
    # built need not be freed first (core.pipeline.run's `ends_process`).
    ends_process = False
    _emitted = False
    _reason = ""  # why the usage was wrong (exit 2) or the command failed, for the JSON line

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        self._keep_reason(parser)
        return parser

    def _keep_reason(self, parser: argparse.ArgumentParser) -> None:
        """Keep argparse's refusal (in Chinese) for the JSON line, the sub-commands' parsers'
        too (`ledger stats --year 2.5` is refused by the parser of `stats`)."""
        refuse = parser.error

        def error(message: str) -> NoReturn:
            message = argparse_message(message)
            self._reason = message
            refuse(message)
            raise SystemExit(2)  # not reached: argparse has left already

        parser.error = error  # type: ignore[method-assign]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    self._keep_reason(sub)

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except CommandError as exc:
            self._reason = str(exc)
            raise

    def run_from_argv(self, argv: list[str]) -> None:
        """Run from the console, then end the process at once with the command's status.

        A county's import leaves a million objects behind; freeing them one by one at the
        interpreter's exit took seconds after the result was already printed. Output is flushed
        and the database connections closed (by Django, as every run ends) before leaving.

        Every way out ends with the JSON line (formats.md §3), the reason in it: wrong usage (2),
        a command's failure without a result (1), an error no command foresaw, and a Ctrl-C
        (status "interrupted", exit 1; what was kept is said when the command knows it).
        """
        self.ends_process = True
        try:
            super().run_from_argv(argv)
            status = 0
        except SystemExit as exc:
            if isinstance(exc.code, str):
                sys.stderr.write(exc.code + "\n")
            status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            if status and not self._emitted:
                usage = status == 2
                message = self._reason or ("命令用法有误" if usage else "命令未能完成")
                outcome = "usage_error" if usage else "error"
                self._write_json({"status": outcome, "message": message})
        except KeyboardInterrupt as exc:
            message = str(exc) if isinstance(exc, Interrupted) and str(exc) else INTERRUPTED
            status = self._stopped("interrupted", message)
        except Exception as exc:
            self._emitted = True
            if problem := database_problem(exc):
                status = self._stopped("error", problem)
            else:
                status = unexpected(exc, argv[1] if len(argv) > 1 else "", self.stdout.write)
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(status)

    def _stopped(self, outcome: str, message: str) -> int:
        """A run stopped for a reason the command can say: on stderr and in the JSON line (a
        closed stdout notwithstanding); exit status 1."""
        sys.stderr.write(message + "\n")
        with contextlib.suppress(OSError):
            self._write_json({"status": outcome, "message": message})
        return 1

    def _write_json(self, result: dict[str, Any]) -> None:
        """Print one JSON line to stdout (the command's last, unless an error follows it)."""
        self._emitted = True
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))

    def progress(self, message: str) -> None:
        self.stderr.write(message)

    def percent(self, pct: int, message: str) -> None:
        """Progress of a long step (a service's `progress` callback): " 45% 已写出…"."""
        self.progress(f"{pct:3d}% {message}")

    def emit(self, result: dict[str, Any], *, rejected: bool = False) -> None:
        """Print the JSON result as the last stdout line; exit 1 if the input was rejected."""
        self._write_json(result)
        self.stdout.flush()
        if rejected:
            sys.exit(1)
