"""`fangpin compare SOURCE FILE [--as-of YYYY-MM-DD]` (formats.md §3): compare a department file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core.cli import UsageError, as_of_option
from exchange import services
from exchange.models import Batch
from exchange.readers import SOURCES


class Command(BatchCommand):
    help = "比对部门数据文件（医保、残联、民政、教育、住建、人社、应急管理、公安）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="数据来源：" + "、".join(SOURCES))
        parser.add_argument("file", help="CSV（UTF-8 或 GB18030）或 .xlsx 文件")
        parser.add_argument("--as-of", dest="as_of", help="比对基准日 YYYY-MM-DD，默认今天")

    def handle(self, *args: Any, **opts: Any) -> None:
        source = opts["source"]
        if source not in SOURCES:
            raise UsageError(f"未知的数据来源“{source}”，应为：{'、'.join(SOURCES)}")
        path = Path(opts["file"])
        if not path.is_file():
            raise UsageError(f"文件不存在：{path}")
        as_of = None
        if opts["as_of"]:
            as_of = as_of_option(opts["as_of"], label="比对基准日", what="比对")
        batch = services.compare(
            actor=self.system_user(),
            source=source,
            path=path,
            as_of=as_of,
            progress=lambda pct, msg: self.progress(f"[{pct:3d}%] {msg}"),
        )
        for error in batch.errors[:20]:
            where = f"第{error['row']}行：" if error.get("row") else ""
            self.progress(f"{where}{error['message']}")
        rejected = batch.status == Batch.Status.REJECTED
        self.emit(
            {
                "records": batch.records,
                "matched": batch.matched,
                "unmatched": batch.unmatched,
                "rejected_rows": batch.rejected_rows,
                "warnings_created": batch.warnings_created,
                "findings_created": batch.findings_created,
                "batch": batch.pk,
                "status": batch.status,
                "errors": batch.errors[:100],
            },
            rejected=rejected,
        )
