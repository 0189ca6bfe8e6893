"""`fangpin check [--region R]` (formats.md §3): the internal data-quality rules."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from exchange import services


class Command(BatchCommand):
    help = "运行台账内部数据质量校验规则，生成或关闭疑点"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", help="区划代码、唯一名称或名称路径；默认全部区划")

    def handle(self, *args: Any, **opts: Any) -> None:
        region = self.region_arg(opts["region"]) if opts["region"] else None
        self.progress("正在运行数据质量校验规则…")
        result = services.run_checks(actor=self.system_user(), region=region)
        for code, count in result["counts"].items():
            self.progress(f"{code}: {count}")
        # Counts per rule code also at the top level, for scripts that read one key.
        self.emit({**result, **result["counts"]})
