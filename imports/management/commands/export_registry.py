"""`fangpin export-registry --region R --out FILE.xlsx` (formats.md §3): full ID numbers, so the
file can be imported again (an administrator's command)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core import audit
from core.cli import output_file
from imports.services import export_size, write_registry
from registry.models import Household


class Command(BatchCommand):
    help = "导出某区划及其下级的标准户籍台账（含完整证件号码，可再次导入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", required=True, help="区划代码、唯一名称或名称路径")
        parser.add_argument("--out", required=True, metavar="FILE.xlsx")

    def handle(self, *args: Any, **opts: Any) -> None:
        out = output_file(opts["out"], "--out", (".xlsx",))
        region = self.region_arg(opts["region"])
        households = Household.objects.filter(region__path__startswith=region.path)
        self.progress(f"正在导出{region.full_name()}…")
        rows = write_registry(
            households,
            out,
            mask=False,
            progress=self.percent,
            total=export_size(households),
        )
        count = households.count()
        audit.record(
            actor=self.system_user(),
            action="export",
            object_type="registry.household",
            object_repr=f"导出户籍台账{count}户",
            region_id=region.pk,
            note=f"命令行导出 {region.full_name()} 到 {out.name}（含完整证件号码）",
        )
        self.progress(f"已导出{count}户{rows}人到 {out}")
        self.emit(
            {"region": region.full_name(), "households": count, "rows": rows, "out": str(out)}
        )
