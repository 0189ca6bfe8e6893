"""`fangpin lowincome import FILE [--dry-run] [--errors OUT.xlsx]` and
`fangpin lowincome export --region R --out FILE.xlsx` (docs/low-income.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core import pipeline
from core.cli import UsageError, errors_file, output_file
from core.files import written_whole
from lowincome import services


class Command(BatchCommand):
    help = "农村低收入人口名单：导入民政名单（import）、导出防止返贫致贫对象名单（export）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入民政低收入人口名单")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true")
        imp.add_argument("--errors", default="")
        exp = sub.add_parser("export", help="导出防止返贫致贫对象名单（交民政）")
        exp.add_argument("--region", required=True)
        exp.add_argument("--out", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "import":
            path = Path(opts["file"])
            if not path.is_file():
                raise UsageError(f"找不到文件：{path}")
            if opts["errors"]:
                errors_file(opts["errors"], path)
            self.progress(f"导入农村低收入人口名单 {path.name} …")
            result = pipeline.run(
                "lowincome",
                path,
                actor=self.system_user(),
                dry_run=opts["dry_run"],
                errors_out=opts["errors"] or None,
                progress=self.percent,
                ends_process=self.ends_process,
            )
            result.pop("_all_errors", None)
            self.progress(result["message"])
            self.emit(result, rejected=result["status"] == "rejected")
            return
        out = output_file(opts["out"], "--out", (".xlsx",))
        region = self.region_arg(opts["region"])
        data = services.export(region)
        with written_whole(out) as partial:
            partial.write_bytes(data)
        self.emit({"region": region.full_name(), "out": opts["out"], "bytes": len(data)})
