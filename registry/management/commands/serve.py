"""`fangpin serve`: migrate, create the demo county when the database is empty, serve the site and
run the background worker beside it, both supervised (core.supervise): a child that dies is
started again; SIGTERM or Ctrl-C stops both."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from accounts.views import DEMO_LOGINS, DEMO_PASSWORD
from core.supervise import supervise
from regions.models import Region
from registry.demo import summary


class Command(BaseCommand):
    help = "启动网站和后台任务进程（空数据库时先生成演示县）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--demo-households", type=int, default=3000)
        parser.add_argument("--no-demo", action="store_true")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn 进程数")
        parser.add_argument("--threads", type=int, default=4, help="每个 gunicorn 进程的线程数")
        parser.add_argument(
            "--keep-alive",
            type=int,
            default=75,
            help="空闲的 HTTP 连接保留秒数（应长于反向代理或客户端两次请求的间隔）",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not opts["no_demo"] and not Region.objects.exists():
            self.stderr.write("数据库为空，正在生成演示县……")
            call_command("demo", households=opts["demo_households"], seed=1)
        if not opts["no_demo"]:
            self.stdout.write(demo_logins())
            now = summary()
            # The same figures as the home page and the dashboard (registry.demo.summary).
            self.stdout.write(
                f"当前：{now['households']}户{now['persons']}人，脱贫户{now['alleviated']}户，"
                f"监测户{now['monitored']}户（风险未消除{now['monitored_open']}户）"
            )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fangpin.settings"}
        worker = [sys.executable, "-m", "fangpin.cli", "worker"]
        server = [
            sys.executable,
            "-m",
            "gunicorn",
            "fangpin.wsgi:application",
            "--bind",
            f"{opts['host']}:{opts['port']}",
            "--workers",
            str(opts["workers"]),
            "--threads",
            str(opts["threads"]),
            "--keep-alive",
            str(opts["keep_alive"]),
            "--timeout",
            "300",
            "--access-logfile",
            "-",
        ]
        self.stdout.write(f"fangpin 已启动：http://{opts['host']}:{opts['port']}/ （Ctrl-C 停止）")
        self.stdout.flush()
        from django.db import connections

        connections.close_all()  # the children open their own
        supervise({"网站": server, "后台任务": worker}, env=env)
        if settings.DEBUG:
            self.stderr.write("已停止")


def demo_logins() -> str:
    """The demo logins, as the login page lists them in demo mode."""
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）/ demo logins (password {DEMO_PASSWORD}):"]
    lines += [f"  {username:<14} {role}（{what}）" for username, role, what in DEMO_LOGINS]
    return "\n" + "\n".join(lines) + "\n"
