"""`fangpin backup OUT`: a consistent copy of the database and the data dir's files
(core.backup)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from core.backup import BackupError, backup, check_target
from core.cli import JsonCommand, UsageError


class Command(JsonCommand):
    help = "备份数据库和数据目录中的文件到一个新目录（或一个 .tar/.tar.gz 文件）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "out", help="新的备份目录，如 /backup/fangpin-$(date +%%F)；以 .tar.gz 结尾时写一个文件"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            check_target(opts["out"])
        except BackupError as exc:
            # A target that cannot take the backup is a bad path given: wrong usage (exit 2).
            raise UsageError(str(exc)) from exc
        self.progress("正在备份……")
        try:
            result = backup(opts["out"])
        except BackupError as exc:
            self.emit({"status": "failed", "message": str(exc)}, rejected=True)
            return
        self.emit({"status": "ok", **result})
