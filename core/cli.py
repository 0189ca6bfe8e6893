"""Shared shape of batch commands (formats.md §3): progress on stderr, one JSON object as the last
line of stdout, exit 0 on success, 1 when the input was rejected, 2 on wrong usage.

Commands that take a region or act as a user use `accounts.cli.BatchCommand`, which adds those.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser


class UsageError(CommandError):
    """Wrong usage: exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=2)


class JsonCommand(BaseCommand):
    """Base for `fangpin` batch commands: progress on stderr, the JSON result on stdout."""

    # Django's system checks cost a second at every start of a batch command; `fangpin
    # django-check` (and the server's start) still run them.
    requires_system_checks: list[str] = []  # type: ignore[assignment]
    # Run from the console, the process ends as the command returns (`run_from_argv`): what it
    # built need not be freed first (core.pipeline.run's `ends_process`).
    ends_process = False
    _emitted = False
    _usage = ""  # why the usage was wrong (exit 2), for the JSON line

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        refuse = parser.error

        def error(message: str) -> NoReturn:
            self._usage = message
            refuse(message)
            raise SystemExit(2)  # not reached: argparse has left already

        parser.error = error  # type: ignore[method-assign]
        return parser

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except UsageError as exc:
            self._usage = str(exc)
            raise

    def run_from_argv(self, argv: list[str]) -> None:
        """Run from the console, then end the process at once with the command's status.

        A county's import leaves a million objects behind; freeing them one by one at the
        interpreter's exit took seconds after the result was already printed. Output is flushed
        and the database connections closed (by Django, as every run ends) before leaving.
        """
        self.ends_process = True
        try:
            super().run_from_argv(argv)
            status = 0
        except SystemExit as exc:
            if isinstance(exc.code, str):
                sys.stderr.write(exc.code + "\n")
            status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
            if status == 2 and not self._emitted:
                # Wrong usage still ends with the JSON line (formats.md §3), the reason in it.
                message = self._usage or "命令用法有误"
                self.stdout.write(
                    json.dumps({"status": "usage_error", "message": message}, ensure_ascii=False)
                )
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(status)

    def progress(self, message: str) -> None:
        self.stderr.write(message)

    def percent(self, pct: int, message: str) -> None:
        """Progress of a long step (a service's `progress` callback): " 45% 已写出…"."""
        self.progress(f"{pct:3d}% {message}")

    def emit(self, result: dict[str, Any], *, rejected: bool = False) -> None:
        """Print the JSON result as the last stdout line; exit 1 if the input was rejected."""
        self._emitted = True
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        self.stdout.flush()
        if rejected:
            sys.exit(1)
