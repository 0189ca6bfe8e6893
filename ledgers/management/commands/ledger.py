"""`fangpin ledger kinds|import|export|stats` (formats.md §7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from accounts.cli import BatchCommand
from core import pipeline
from core.cli import UsageError, errors_file, output_file
from core.files import written_whole
from ledgers import figures, kit, services


class Command(BatchCommand):
    help = "台账：种类（kinds）、导入（import）、导出（export）和统计（stats）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("kinds", help="列出台账种类")
        imp = sub.add_parser("import", help="导入台账文件")
        imp.add_argument("kind")
        imp.add_argument("file")
        imp.add_argument("--dry-run", action="store_true")
        imp.add_argument("--errors", default="")
        exp = sub.add_parser("export", help="导出台账")
        exp.add_argument("kind")
        exp.add_argument("--region", required=True)
        exp.add_argument("--year", type=int)
        exp.add_argument("--out", required=True, help="FILE.xlsx，或 FILE.csv（超过104万行时）")
        st = sub.add_parser("stats", help="台账统计")
        st.add_argument("--region", required=True)
        st.add_argument("--year", type=int)

    def _ledger(self, kind: str) -> kit.Ledger:
        try:
            return kit.ledger(kind)
        except KeyError as exc:
            known = "、".join(kit.ledgers())
            raise UsageError(f"没有这种台账：{kind}（可选：{known}）") from exc

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, f"do_{opts['action']}")(**opts)

    def do_kinds(self, **opts: Any) -> None:
        self.emit({"kinds": kit.describe()})

    def do_import(self, **opts: Any) -> None:
        ledger = self._ledger(opts["kind"])
        path = Path(opts["file"])
        if not path.is_file():
            raise UsageError(f"找不到文件：{path}")
        if opts["errors"]:
            errors_file(opts["errors"], path)
        self.progress(f"导入{ledger.name} {path.name} …")
        result = pipeline.run(
            ledger.kind,
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

    def do_export(self, **opts: Any) -> None:
        ledger = self._ledger(opts["kind"])
        target = output_file(opts["out"], "--out", (".xlsx", ".csv"))
        region = self.region_arg(opts["region"])
        qs = ledger.model.objects.below(region)
        if opts["year"] is not None:
            qs = qs.filter(figures.period_q(ledger, opts["year"]))
        what = services.what({"year": opts["year"]})
        try:
            with written_whole(target) as partial, partial.open("wb") as out:
                if target.suffix.lower() == ".csv":
                    count = services.write_csv(ledger, qs, out, full=True, progress=self.percent)
                else:
                    heading = services.headings(ledger, region, what)
                    count = services.write_rows(
                        ledger,
                        qs,
                        out,
                        full=True,
                        title=heading["title"],
                        subtitle=heading["subtitle"],
                        progress=self.percent,
                    )
        except services.TooManyRows as exc:
            raise UsageError(f"{exc}（--out 文件名.csv）") from exc
        self.progress(f"已导出{count}条")
        self.emit({"kind": ledger.kind, "rows": count, "out": opts["out"]})

    def do_stats(self, **opts: Any) -> None:
        region = self.region_arg(opts["region"])
        try:
            year = figures.year_of(opts["year"])
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        self.emit(figures.all_figures(region, year))
