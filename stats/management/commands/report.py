"""`fangpin report work-summary --region R --year Y --out F.docx`: the drafted work report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core.cli import UsageError
from core.dates import today
from stats.report import render


class Command(BatchCommand):
    help = "起草工作情况汇报（基本情况与各模块数字），生成 Word 文档"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["work-summary"], help="报告类型")
        parser.add_argument("--region", required=True, help="区划代码、唯一名称或名称路径")
        parser.add_argument("--year", required=True, type=int, help="年度，如 2023")
        parser.add_argument("--out", required=True, help="输出的 .docx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        region = self.region_arg(options["region"])
        year = options["year"]
        if not 2014 <= year <= today().year:
            raise UsageError(f"--year 应在2014至今年之间，实为{year}")
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise UsageError(f"--out 应为 .docx 文件，实为“{out}”")
        self.progress(f"起草 {region.full_name()} {year}年工作情况汇报 …")
        data = render(region, year)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.emit({"status": "written", "out": str(out), "bytes": len(data)})
