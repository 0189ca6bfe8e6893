"""One import pipeline for every layout: read → check every row → plan → (preview) → write.

An importer (the register's, or the ledger kit's for any ledger) registers under a kind with
`register(kind, name, factory)`. `run(kind, path, actor=…)` is what the `fangpin` commands and the
web's background jobs call:

1. read the file (`core.tabular`: .xlsx or .csv, encoding detected, the header row found by the
   layout's marker, bounded);
2. the importer checks every row, collecting every error in a `Report` (row, column as written,
   value, Chinese message) — nothing is written while any error stands;
3. it plans what would change (created / updated / unchanged);
4. with `dry_run` the result stops here (the web preview, `--dry-run`);
5. otherwise the importer writes the plan in one transaction with its audit records, and the
   import itself is audited (file name, sha256, counts) by a record written first, which what the
   import creates may name. A failure or a killed process leaves the database as it was; so does
   a Ctrl-C, which the command then reports (`undone_if_interrupted`): one during the commit
   waits for it to end, so "nothing was saved" is never said of a committed import.

The result is the JSON of formats.md §3 / §7: `status` imported / rejected / valid, `rows`, the
importer's counts, `error_count`, the first `errors` and `warnings`. A rejected file can come back
as an error workbook: the original rows at their row numbers plus a 错误说明 column.
"""

from __future__ import annotations

import gc
import hashlib
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import MethodType
from typing import IO, Any, Protocol

from django.core.exceptions import PermissionDenied
from django.db import transaction

from core import audit, codes, dates, locks, uploads
from core.cli import Interrupted, interrupts_deferred
from core.codes import fold
from core.layout import ERROR_HEADER, HeaderMap, counted_error_cells
from core.models import AuditRecord
from core.permissions import Cap, require
from core.tabular import Table, TableError, excel_error, open_table, raw_rows, text
from core.xlsx import StreamWorkbook

Progress = Callable[[int, str], None]
FIRST_ERRORS = 100  # errors and warnings listed in the JSON
NO_CHANGE = "没有变化：文件内容与系统中的台账一致"
WAITING = "另一个导入正在进行，等它完成后再检查和写入本文件……"
NO_ROWS = "文件中没有数据行"


class Report:
    """Every error and warning of one file, each once, with its row and column."""

    def __init__(self, column_name: Callable[[str], str] = lambda key: key) -> None:
        # An importer's own method is held weakly: the importer holds its report, and that
        # cycle would keep every row it read alive until a collection scanned them all.
        if isinstance(column_name, MethodType):
            method = weakref.WeakMethod(column_name)
            self._namer: Callable[[], Callable[[str], str] | None] = method
        else:
            self._namer = lambda: column_name
        self.errors: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.row_messages: dict[int, list[str]] = {}
        self._seen: set[tuple] = set()

    def column_name(self, key: str) -> str:
        """The column's header as the file wrote it (its key once the importer is gone)."""
        namer = self._namer()
        return namer(key) if namer is not None else key

    def error(self, row: int | None, key: str, value: Any, message: str) -> None:
        self._add(row, self.column_name(key) if key else "", value, message)

    def _add(self, row: int | None, column: str, value: Any, message: str) -> None:
        item = (row, column, message)
        if item in self._seen:
            return
        self._seen.add(item)
        self.errors.append({"row": row, "column": column, "value": text(value), "message": message})
        if row is not None:
            self.row_messages.setdefault(row, []).append(
                f"【{column}】{message}" if column else message
            )

    def cells(self, found: dict[tuple[int, str], tuple[str, str]]) -> None:
        """Errors about single cells, (row, column as written) → (value, message), that stand
        for whatever else was said of those very cells (a cell holding an Excel error was read
        as blank: "姓名为空" is not what is wrong with it). The errors are then in row order."""
        if not found:
            return
        self.errors = [e for e in self.errors if (e["row"], e["column"]) not in found]
        self._seen = {item for item in self._seen if item[:2] not in found}
        rows = {row for row, _ in found}
        for row in rows:
            self.row_messages.pop(row, None)
        for e in self.errors:
            if e["row"] in rows:
                column, message = e["column"], e["message"]
                self.row_messages.setdefault(e["row"], []).append(
                    f"【{column}】{message}" if column else message
                )
        for (row, column), (value, message) in found.items():
            self._add(row, column, value, message)
        self.in_row_order()

    def in_row_order(self) -> None:
        """The errors in the file's row order (those of no row first), each row's in the order
        they were found: the first 100 listed are the file's first (formats.md §3), whichever
        step of the check found them."""
        self.errors.sort(key=lambda e: -1 if e["row"] is None else e["row"])

    def warn(self, row: int | None, key: str, value: Any, message: str) -> None:
        column = self.column_name(key) if key else ""
        self.warnings.append(
            {"row": row, "column": column, "value": text(value), "message": message}
        )


class Phases(dict[str, float]):
    """Seconds per step of an import (an importer's `phases`, in the result for benchmarks)."""

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - started


class Importer(Protocol):
    """What a kind of file brings to the pipeline."""

    name: str  # 标准户籍台账, 雨露计划…
    marker: str  # the header that marks the header row
    marker_aliases: tuple[str, ...]  # …and its aliases (乡(镇) for 乡镇)
    # Optionally `header`, the HeaderMap of the file's header row once checked: Excel errors in
    # the columns it does not read are left out (`excel_errors`).

    def check(self, table: Table, report: Report, progress: Progress) -> Any:
        """Read and check every row, then plan; return the plan (None when nothing can be
        planned). Errors go to `report`."""

    def counts(self, plan: Any) -> dict[str, Any]:
        """What the plan would do, as the JSON's counts (zeros for None: a rejected file)."""

    def changes(self, plan: Any) -> int:
        """How many objects the plan creates or changes."""

    def write(
        self, plan: Any, progress: Progress, note: str, record: AuditRecord
    ) -> dict[str, Any]:
        """Write the plan (inside the pipeline's transaction; `note` names the file in the
        audit records, `record` is the import's own, already written: what the import creates
        may name it); extra counts for the JSON."""

    def summary(self, counts: dict[str, Any]) -> str:
        """The Chinese sentence that says what was imported."""


Factory = Callable[..., Importer]


@dataclass(frozen=True)
class Kind:
    kind: str
    name: str
    factory: Factory
    template: Callable[[IO[bytes]], None] | None = None
    options: tuple[str, ...] = field(default=())  # extra options it takes (create_regions…)
    # Who may not import it beyond Cap.IMPORT: the Chinese reason for an actor, or "".
    refuse: Callable[[Any], str] | None = None

    def refusal(self, actor: Any) -> str:
        """Why `actor` may not import this kind ("" when they may)."""
        return self.refuse(actor) if self.refuse is not None else ""


_KINDS: dict[str, Kind] = {}


def register(
    kind: str,
    name: str,
    factory: Factory,
    *,
    template: Callable[[IO[bytes]], None] | None = None,
    options: tuple[str, ...] = (),
    refuse: Callable[[Any], str] | None = None,
) -> None:
    """Make a kind of file importable: `factory(actor=…, today=…, **options)` → Importer;
    `refuse(actor)` gives the reason an actor with Cap.IMPORT still may not import it."""
    _KINDS[kind] = Kind(kind, name, factory, template, options, refuse)


def kinds() -> dict[str, Kind]:
    """Every importable kind, discovered from the apps (registry first)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("importers")
    return dict(sorted(_KINDS.items(), key=lambda kv: (kv[0] != "registry", kv[0])))


def kind(name: str) -> Kind:
    try:
        return kinds()[name]
    except KeyError as exc:
        raise KeyError(f"没有这种台账：{name}") from exc


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector (if it was on) for the block.

    An import builds millions of long-lived objects; the collector would rescan them again and
    again (tens of seconds at a county's size). Reference counting still frees everything acyclic.
    With `freeze`, whatever is alive at the end is never scanned again (objects left alive on
    purpose: see `run`).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


class AllOrNothing:
    """`transaction.atomic()` whose commit a Ctrl-C cannot split from what follows: an
    interrupt in the block rolls it back; one during the commit waits for it (`committed`)."""

    committed = False

    def __enter__(self) -> AllOrNothing:
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is not None:
            self._atomic.__exit__(kind, exc, tb)  # rolled back
            return
        with interrupts_deferred():
            self._atomic.__exit__(None, None, None)
        self.committed = True


@contextmanager
def undone_if_interrupted(what: str) -> Iterator[AllOrNothing]:
    """The block holds one `AllOrNothing` write (the one given): a Ctrl-C before its commit
    ends as `core.cli.Interrupted` saying in Chinese that `what` was interrupted and nothing
    saved; one after it is left as it is (the command cannot say that)."""
    write = AllOrNothing()
    try:
        yield write
    except KeyboardInterrupt as exc:
        if write.committed or isinstance(exc, Interrupted):
            raise
        raise Interrupted(f"{what}被中断（Ctrl-C），未保存任何数据；可以重新{what}") from None


# The objects of imports whose process ends as they return (`run`'s `ends_process`).
_LEFT_TO_EXIT: list[list[Any]] = []


def run(
    kind_name: str,
    path: str | Path,
    *,
    actor: Any,
    dry_run: bool = False,
    file_name: str = "",
    errors_out: str | Path | IO[bytes] | None = None,
    progress: Progress | None = None,
    batch: int | None = None,
    ends_process: bool = False,
    **options: Any,
) -> dict[str, Any]:
    """Check a file of `kind_name` and, unless dry_run or rejected, write it in one transaction.

    `batch` is the uploaded file's ImportBatch (which keeps the file), named in the import's
    record. `ends_process`: the caller's process ends as soon as this returns (a command run
    from the console: core.cli.JsonCommand); the import's objects are then left to that end
    rather than freed one by one here (0.6 s after a county's first load).

    Imports that write run one at a time, from the check to the commit (`core.locks`), so that
    none writes a plan made before another one committed; the next one waits (saying so)."""
    spec = kind(kind_name)
    if actor is not None:  # a command acts for the system; a user needs the capability
        require(actor, Cap.IMPORT)
        if reason := spec.refusal(actor):
            raise PermissionDenied(reason)
    kept: list[Any] = []  # the import's largest objects
    if ends_process:
        _LEFT_TO_EXIT.append(kept)
    with collector_paused(freeze=ends_process):
        # Otherwise the import's objects die before the collector is back: left alive until
        # then, the first collection would scan them all (70 ms for 10,000 households).
        one_at_a_time = (
            nullcontext()
            if dry_run
            else locks.hold(
                "imports",
                transactions=True,
                waiting=lambda: (progress or (lambda pct, msg: None))(1, WAITING),
            )
        )
        try:
            with undone_if_interrupted("导入") as write, one_at_a_time:
                return _run(
                    spec,
                    kind_name,
                    Path(path),
                    actor=actor,
                    dry_run=dry_run,
                    file_name=file_name,
                    errors_out=errors_out,
                    progress=progress,
                    batch=batch,
                    options=options,
                    kept=kept,
                    write=write,
                )
        finally:
            if not ends_process:
                kept.clear()


def _run(
    spec: Kind,
    kind_name: str,
    path: Path,
    *,
    actor: Any,
    dry_run: bool,
    file_name: str,
    errors_out: str | Path | IO[bytes] | None,
    progress: Progress | None,
    batch: int | None,
    options: dict[str, Any],
    kept: list[Any],
    write: AllOrNothing,
) -> dict[str, Any]:
    """`run`'s work, with the collector paused; what holds the rows goes in `kept` too; the
    import is written in `write`."""
    report_progress = progress or (lambda pct, msg: None)
    # The code tables as edited now, read at the import's first code cell (the version, one
    # query; the edits only if they changed): the rows are then checked against the in-memory
    # index, never a query per cell.
    codes.expire()
    file_name = file_name or path.name
    sha = file_sha256(path)
    importer = spec.factory(actor=actor, today=dates.today(), **options)
    kept.append(importer)
    report = Report()
    report_progress(2, "正在读取文件")
    table: Table | None = None
    plan: Any = None
    started = time.perf_counter()
    try:
        table = open_table(path, marker=importer.marker, aliases=importer.marker_aliases)
    except TableError as exc:
        report.error(None, "", "", str(exc))
    if table is not None:
        try:
            plan = importer.check(table, report, report_progress)
        except TableError as exc:  # a file that goes bad partway (an encoding, a broken part)
            plan = None
            report = getattr(importer, "report", report)
            report.error(None, "", "", str(exc))
        report = getattr(importer, "report", report)
        excel_errors(table, getattr(importer, "header", None), report)
        if plan is not None and not getattr(importer, "rows", 0):
            # Not refused: an empty region's export is its header only, and re-imports as a
            # no-op (formats.md §7); but "no change" alone would not say why.
            report.warn(None, "", "", NO_ROWS)
        kept += [table, plan]
    phases = {**getattr(importer, "phases", {}), "check": time.perf_counter() - started}
    result: dict[str, Any] = {
        "status": "rejected",
        "kind": kind_name,
        "file": file_name,
        "sha256": sha,
        "rows": getattr(importer, "rows", 0),
    }
    if report.errors or plan is None:
        report.in_row_order()
        result |= importer.counts(None) | {
            "error_count": len(report.errors),
            "errors": report.errors[:FIRST_ERRORS],
            "warning_count": len(report.warnings),
            "warnings": report.warnings[:FIRST_ERRORS],
            "message": f"文件有{len(report.errors)}处错误，未导入任何数据",
            "_all_errors": report.errors,
        }
        if errors_out is not None and table is not None:
            try:
                write_error_workbook(path, errors_out, report.row_messages, table)
            except TableError:  # the file failed partway (a cap, a broken part): its reasons
                write_file_errors(errors_out, report.errors)
        elif errors_out is not None:  # not read at all (no header row, not a table)
            write_file_errors(errors_out, report.errors)
        return result
    if isinstance(errors_out, str | Path):
        # A file with no error: the error list an earlier run left under that name is gone.
        Path(errors_out).unlink(missing_ok=True)
    counts = importer.counts(plan)
    changes = importer.changes(plan)
    result |= counts | {
        "error_count": 0,
        "errors": [],
        "warning_count": len(report.warnings),
        "warnings": report.warnings[:FIRST_ERRORS],
    }
    if dry_run:
        result["status"] = "valid"
        result["message"] = "检查通过，可以导入" if changes else NO_CHANGE
        return result
    note = f"导入{spec.name} {file_name}（sha256 {sha[:16]}…）"
    started = time.perf_counter()
    with write:
        # The import's own record comes first: what the import creates may name it.
        source = {"file": file_name, "sha256": sha} | ({"batch": batch} if batch else {})
        record = audit.record(
            actor=actor,
            action="import",
            object_type=f"imports.{kind_name}",
            object_id=sha[:64],
            object_repr=file_name[:200],
            after=source,
            region_id=getattr(getattr(actor, "region", None), "pk", None),
            note=note,
        )
        result |= importer.write(plan, report_progress, note, record)
        summary = {k: v for k, v in result.items() if isinstance(v, int) and k != "error_count"}
        record.after = source | summary
        record.note = (note + "：" + "，".join(f"{k}={v}" for k, v in summary.items()))[:500]
        record.save(update_fields=["after", "note"])
        written = time.perf_counter()
    phases |= getattr(importer, "phases", {})
    phases |= {"write": written - started, "commit": time.perf_counter() - written}
    result["phases"] = {k: round(v, 2) for k, v in phases.items()}
    result["status"] = "imported"
    result["message"] = importer.summary(result) if changes else NO_CHANGE
    report_progress(100, result["message"])
    return result


def excel_errors(table: Table, header: HeaderMap | None, report: Report) -> None:
    """Report the cells of the rows read that hold an Excel error (#N/A of a broken VLOOKUP…),
    which calamine reads as blank: each one an error at its row and column, in place of what
    the importer said of the blank it saw. Only those `counted_error_cells` counts: not in a
    column the importer ignores (`header.unknown`, a blank header, 错误说明) nor in a total
    row."""
    if not table.excel_errors:
        return
    ignored = {fold(h) for h in header.unknown} if header is not None else set()
    ignored |= {"", fold(ERROR_HEADER)}
    read = {i for i, title in enumerate(table.headers) if fold(title) not in ignored}
    # A column the importer reads is named as its own errors name it.
    keys = {i: k for k, i in header.positions.items()} if header is not None else {}
    found: dict[tuple[int, str], tuple[str, str]] = {}
    for row, column, value, _ in counted_error_cells(table.excel_errors, table.header_row, read):
        title = report.column_name(keys[column]) if column in keys else table.headers[column]
        found.setdefault((row, title), (value, excel_error(value)))
    report.cells(found)


def write_error_workbook(
    path: Path, out: Path | str | IO[bytes], row_messages: dict[int, list[str]], table: Table
) -> None:
    """The original rows at their original row numbers, plus a 错误说明 column."""
    _, _, rows = raw_rows(path)
    book = StreamWorkbook(Path(out) if isinstance(out, str) else out, sheet="错误说明")
    width = len(table.headers)
    last = uploads.limit("FANGPIN_IMPORT_MAX_ROWS")
    for number, cells in enumerate(rows, start=1):
        if number > last:
            break
        book.skip_to(number - 1)
        values = [*cells[:width], *[""] * (width - len(cells))]
        if number == table.header_row:
            # What is wrong with the header itself (a required column missing) beside its title.
            about = "；".join(row_messages.get(number, []))
            title = f"{ERROR_HEADER}：{about}" if about else ERROR_HEADER
            book.write_row([*values, title], header=True)
        elif number in row_messages:
            book.write_row([*values, "；".join(row_messages[number])], mark=width)
        else:
            book.write_row(values)
    book.print_setup(header_row=max(table.header_row - 1, 0))
    book.close()


def write_file_errors(out: Path | str | IO[bytes], errors: list[dict[str, Any]]) -> None:
    """The error workbook of a file whose rows could not be read: its reasons, one a row."""
    book = StreamWorkbook(Path(out) if isinstance(out, str) else out, sheet=ERROR_HEADER)
    book.write_row([ERROR_HEADER], header=True)
    for error in errors:
        book.write_row([error["message"]])
    book.close()
