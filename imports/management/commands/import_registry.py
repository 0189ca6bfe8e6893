"""`fangpin import-registry FILE [--create-regions] [--dry-run] [--errors OUT.xlsx]` (§3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core.cli import UsageError, errors_file
from core.tabular import unsupported_type
from imports.services import import_registry


class Command(BatchCommand):
    help = "导入标准户籍台账（.xlsx 或 .csv）：先全部检查，无错误才在一个事务中写入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="户籍台账文件（.xlsx 或 .csv）")
        parser.add_argument("--create-regions", action="store_true", help="新建文件中不存在的区划")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument(
            "--errors",
            metavar="OUT.xlsx",
            help="有错误时写出错误说明工作簿；没有错误时删除该文件（上次的错误说明）",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise UsageError(f"文件不存在：{path}")
        if path.suffix.lower() not in {".xlsx", ".csv"}:
            raise UsageError(unsupported_type(path.suffix))
        if opts["errors"]:
            # Checked now: the workbook is written only after the whole file was read.
            errors_file(opts["errors"], path)
        last = [-1]

        def progress(pct: int, message: str) -> None:
            if pct != last[0]:
                last[0] = pct
                self.progress(f"{pct:3d}% {message}")

        result = import_registry(
            path,
            actor=self.system_user(),
            create_regions=opts["create_regions"],
            dry_run=opts["dry_run"],
            errors_out=opts["errors"],
            progress=progress,
            ends_process=self.ends_process,
        )
        result.pop("_all_errors", None)
        self.progress(result["message"])
        if result["status"] == "rejected" and opts["errors"]:
            self.progress(f"错误说明已写入 {opts['errors']}")
        self.emit(result, rejected=result["status"] == "rejected")
