"""`fangpin mark-overdue [--date YYYY-MM-DD]`: the daily deadline marking of open steps.

Red: the step is past its due date. Orange: due within the policy's warning days (today counts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.cli import BatchCommand
from core.cli import UsageError
from core.dates import today
from monitoring import services


class Command(BatchCommand):
    help = "按办理时限和节假日日历标记即将到期（橙色）和已逾期（红色）的环节"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="按该日期计算（默认今天），YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        on = today()
        if options.get("date"):
            try:
                on = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise UsageError(f"日期“{options['date']}”应为 YYYY-MM-DD") from exc
        self.progress(f"按 {on:%Y-%m-%d} 计算办理时限……")
        result = services.mark_overdue(on=on)
        self.progress(f"检查 {result['checked']} 个环节，{result['red']} 个逾期")
        self.emit({"date": on.isoformat(), **result})
