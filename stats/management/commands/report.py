"""`fangpin report work-summary --region R (--year Y | --period P) [--as-of D] --out F.docx`:
the drafted work report (formats.md §8)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core import dates
from core.cli import UsageError, output_file
from core.files import written_whole
from stats import periods
from stats.report import as_of_date, render


class Command(BatchCommand):
    help = "起草工作情况汇报（基本情况与各模块数字），生成 Word 文档"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["work-summary"], help="报告类型")
        parser.add_argument("--region", required=True, help="区划代码、唯一名称或名称路径")
        parser.add_argument("--year", type=int, help="年度，如 2023（全年）")
        parser.add_argument(
            "--period",
            help="期间：2023（全年）、2023-H1（半年）、2023-Q2（季度）或 2023-05（月份）",
        )
        parser.add_argument(
            "--as-of", dest="as_of", help="统计截止日期 YYYY-MM-DD（默认期末或今天）"
        )
        parser.add_argument("--out", required=True, help="输出的 .docx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        region = self.region_arg(options["region"])
        if options["period"]:
            try:
                period = periods.parse(options["period"])
            except ValueError as exc:
                raise UsageError(str(exc)) from exc
            if options["year"] and options["year"] != period.year:
                raise UsageError(f"--year {options['year']} 与 --period {options['period']} 不一致")
        elif options["year"]:
            period = periods.Period("year", options["year"])
        else:
            raise UsageError("请给出 --year 或 --period")
        if not 2014 <= period.year <= dates.today().year:
            raise UsageError(f"年度应在2014至今年之间，实为{period.year}")
        if period.start > dates.today():
            raise UsageError(f"{period.label}尚未开始")
        try:
            as_of = as_of_date(options["as_of"] or "", period)
        except ValueError as exc:
            raise UsageError(f"--as-of：{exc}") from exc
        # Its missing directories are made, as before.
        out = output_file(options["out"], "--out", (".docx",), parents=True)
        self.progress(f"起草 {region.full_name()} {period.label}工作情况汇报 …")
        data = render(region, period, as_of=as_of)
        out.parent.mkdir(parents=True, exist_ok=True)
        with written_whole(out) as partial:
            partial.write_bytes(data)
        self.emit({"status": "written", "out": str(out), "bytes": len(data), "period": period.code})
