"""`fangpin worker`: run queued background jobs (imports, comparisons, reports)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from core.jobs import work_forever


class Command(BaseCommand):
    help = "运行后台任务（导入、比对、报告）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="处理完排队的任务后退出")
        parser.add_argument("--poll", type=float, default=1.0, help="轮询间隔（秒）")

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stderr.write("后台任务进程已启动")
        work_forever(poll_seconds=opts["poll"], once=opts["once"])
