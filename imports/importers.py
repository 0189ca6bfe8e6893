"""The register's import as a kind of the one import pipeline (core.pipeline)."""

from __future__ import annotations

import datetime as dt
import time
from typing import IO, Any

from core import pipeline
from core.layout import HeaderMap
from core.models import AuditRecord
from core.permissions import import_region
from core.pipeline import Progress, Report
from core.tabular import Table
from core.xlsx import StreamWorkbook
from imports.validation import Checker
from registry.bulk import Plan, Writer
from registry.layouts import REGISTER

COUNTS = (
    "households_created",
    "households_updated",
    "households_unchanged",
    "persons_created",
    "persons_updated",
    "persons_unchanged",
)


class RegistryImporter:
    """标准户籍台账 (formats.md §1): checked by `imports.validation.Checker`, written by the
    registry's bulk service (`registry.bulk.Writer`)."""

    name = REGISTER.name
    marker = REGISTER.marker
    marker_aliases = REGISTER.marker_aliases

    def __init__(self, *, actor: Any, today: dt.date, create_regions: bool = False) -> None:
        self.actor = actor
        self.today = today
        self.checker = Checker(
            actor=actor,
            allowed_region=import_region(actor),
            create_regions=create_regions,
            today=today,
        )
        self.report = self.checker.report
        self.phases: dict[str, float] = {}

    @property
    def rows(self) -> int:
        return self.checker.rows

    @property
    def header(self) -> HeaderMap | None:
        """The file's header row as the checker matched it (core.pipeline.excel_errors)."""
        return self.checker.header

    def check(self, table: Table, report: Report, progress: Progress) -> Plan | None:
        self.checker.progress = progress
        started = time.perf_counter()
        self.checker.read(table, total_hint=max(1, table.size // 200))
        self.phases["read_validate"] = time.perf_counter() - started
        if not self.checker.structure_ok:
            return None
        started = time.perf_counter()
        plan = self.checker.compare()
        self.phases["plan"] = time.perf_counter() - started
        return plan

    def counts(self, plan: Plan | None) -> dict[str, Any]:
        if plan is None:
            return dict.fromkeys(COUNTS, 0) | {"regions_created": 0, "regions_to_create": []}
        return {
            "households_created": len(plan.households_new),
            "households_updated": len(plan.households_changed),
            "households_unchanged": plan.households_unchanged,
            "persons_created": len(plan.persons_new),
            "persons_updated": len(plan.persons_changed),
            "persons_unchanged": plan.persons_unchanged,
            "regions_created": 0,
            "regions_to_create": ["/".join(p) for p in plan.regions_to_create],
        }

    def changes(self, plan: Plan) -> int:
        counts = self.counts(plan)
        return sum(counts[k] for k in COUNTS if not k.endswith("unchanged"))

    def write(
        self, plan: Plan, progress: Progress, note: str, record: AuditRecord
    ) -> dict[str, Any]:
        writer = Writer(
            plan, actor=self.actor, note=note, today=self.today, progress=progress, record=record
        )
        writer.run()
        self.phases |= writer.phases
        return {"regions_created": writer.regions_created}

    def summary(self, counts: dict[str, Any]) -> str:
        return (
            f"已导入：新增{counts['households_created']}户、更新{counts['households_updated']}户，"
            f"新增{counts['persons_created']}人、更新{counts['persons_updated']}人"
        )


def template(out: IO[bytes]) -> None:
    """An empty standard workbook: the layout's headers in the order the export writes them."""
    book = StreamWorkbook(out, sheet="户籍台账", widths={4: 22, 6: 22})
    book.write_row(REGISTER.headers, header=True)
    book.print_setup(header_row=0)
    book.close()


pipeline.register(
    "registry",
    REGISTER.name,
    RegistryImporter,
    template=template,
    options=("create_regions",),
)
