"""`fangpin demo [--households N] [--seed S]`: build the demo county in an empty database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from accounts.cli import BatchCommand
from accounts.models import User
from core.cli import UsageError
from regions.models import Region
from registry.demo import build_app_demos, build_demo_county, demo_usernames, summary, vacuum

# The apps' demo work (leads, cases, visits…) is given households of the county that are neither
# 脱贫户 nor 监测户; below this many the monitoring demo runs out of them ("演示县户数太少" after
# the county was built). Found by trying: 32 households were enough with seeds 1, 3, 7 and 42
# (31 with seed 3, not 30); the rest is a margin for other seeds. The register alone
# (--register-only) builds from 1.
MIN_HOUSEHOLDS = 40


class Command(BatchCommand):
    help = "生成演示县（乡镇、村、村民小组、农户、成员、监测对象、各角色账号），只能用于空数据库"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, default=3000, help="户数（默认3000）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子，同一种子生成同样的县")
        parser.add_argument(
            "--register-only",
            action="store_true",
            help="只生成区划、户籍和账号，不生成线索、案件、走访、比对等待办工作",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["households"] < 1:
            raise UsageError("--households 应为正整数")
        # A county too small for the apps' demo work still gets its register and accounts.
        small = opts["households"] < MIN_HOUSEHOLDS and not opts["register_only"]
        register_only = opts["register_only"] or small
        if Region.objects.exists():
            raise UsageError("数据库中已有区划数据，演示县只能在空数据库中生成")
        taken = list(
            User.objects.filter(username__in=list(demo_usernames())).values_list(
                "username", flat=True
            )
        )
        if taken:
            raise UsageError(f"用户名{'、'.join(taken)}已存在，演示县只能在空数据库中生成")
        started = time.perf_counter()
        self.progress(f"正在生成演示县：{opts['households']}户，种子{opts['seed']}……")
        work: dict[str, Any] = {}
        # One transaction: an app's demo failing leaves the database empty, so that the next
        # `make run` builds the county again instead of serving one without its work.
        with transaction.atomic():
            counts = build_demo_county(
                households=opts["households"], seed=opts["seed"], progress=self.progress
            )
            if not register_only:
                county = Region.objects.get(parent__isnull=True, name=counts["county"])
                work = build_app_demos(county, seed=opts["seed"], progress=self.progress)
        seconds = round(time.perf_counter() - started, 1)
        vacuum()
        # The figures as the home page and the dashboard show them (identifications and
        # eliminations of the demo work change the register after it was built).
        now = summary()
        self.progress(
            f"演示县已生成：{now['households']}户{now['persons']}人，脱贫户{now['alleviated']}户，"
            f"监测户{now['monitored']}户（风险未消除{now['monitored_open']}户），用时{seconds}秒"
        )
        note = (
            f"户数少于{MIN_HOUSEHOLDS}，演示县的监测、帮扶等工作没有生成（只生成了区划、户籍和账号）"
            if small
            else ""
        )
        if note:
            self.progress(note)
        self.emit(
            {"status": "created", **counts, "now": now, "work": work, "seconds": seconds}
            | ({"note": note} if note else {})
        )
