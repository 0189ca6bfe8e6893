"""`fangpin restore IN`: put a backup into the configured database and data dir (core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from core.backup import BackupError, restore
from core.cli import JsonCommand, UsageError


class Command(JsonCommand):
    help = "从 fangpin backup 生成的备份目录（或备份文件）恢复数据库和文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="备份目录（或 .tar/.tar.gz 备份文件）")
        parser.add_argument("--force", action="store_true", help="覆盖已有数据的数据库")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not Path(opts["source"]).exists():
            raise UsageError(f"备份不存在：{opts['source']}")
        self.progress("正在恢复……")
        try:
            result = restore(opts["source"], force=opts["force"])
        except BackupError as exc:
            self.emit({"status": "failed", "message": str(exc)}, rejected=True)
            return
        self.emit(result)
