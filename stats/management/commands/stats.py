"""`fangpin stats --region R [--as-of YYYY-MM-DD]`: formats.md §4 statistics as one JSON object."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core.cli import as_of_option
from stats.services import compute


class Command(BatchCommand):
    help = "统计某区划（含下级）截至某日的脱贫户、监测对象等户数和人数"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="区划代码、唯一名称或名称路径")
        parser.add_argument("--as-of", dest="as_of", help="统计日期 YYYY-MM-DD，默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        region = self.region_arg(options["region"])
        as_of = as_of_option(options["as_of"]) if options["as_of"] else None
        self.progress(f"统计 {region.full_name()} …")
        self.emit(compute(region, as_of))
