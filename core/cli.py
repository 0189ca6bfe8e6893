"""Shared shape of batch commands (formats.md §3): progress on stderr, one JSON object as the last
line of stdout, exit 0 on success, 1 when the input was rejected, 2 on wrong usage.

Commands that take a region or act as a user use `accounts.cli.BatchCommand`, which adds those.
An error no command foresaw still ends with the JSON line (`status` "error") and exit 1, the
traceback on stderr.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

logger = logging.getLogger(__name__)


class UsageError(CommandError):
    """Wrong usage: exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


def unexpected(exc: Exception, command: str, write: Callable[[str], object]) -> int:
    """The last resort for an error no command foresaw: the traceback to the log (stderr), a
    JSON line with `status` "error" and a Chinese message through `write`; the exit status.

    formats.md §3 has three statuses and 2 is wrong usage only, so a command that could not
    finish for any other reason exits 1, as a rejected input does (`status` tells them apart).
    A JSON line printed before the error no longer holds: this one follows it.
    """
    name = command.replace("_", "-")
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
        refuse = parser.error

        def error(message: str) -> NoReturn:
            self._reason = message
            refuse(message)
            raise SystemExit(2)  # not reached: argparse has left already

        parser.error = error  # type: ignore[method-assign]
        return parser

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
        a command's failure without a result (1), and an error no command foresaw.
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
        except Exception as exc:
            self._emitted = True
            status = unexpected(exc, argv[1] if len(argv) > 1 else "", self.stdout.write)
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(status)

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
