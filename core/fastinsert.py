"""Multi-row INSERTs (COPY on PostgreSQL) with ids reserved up front, for the import.

Django's bulk_create prepares every value field by field through the ORM; at 400,000 persons that is
most of an import's time. Here each column gets one converter (dates, decimals, JSON) chosen once,
ids are reserved first (PostgreSQL: the sequence; SQLite: after MAX(id) and the AUTOINCREMENT
sequence, safe because the import's transaction holds SQLite's write lock), and rows go to the
database in batches — on a thread of their own (`Background`), so the database's work overlaps the
Python that prepares the next batch.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import logging
import operator
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, Error, connection, models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone

from core.batching import chunks

log = logging.getLogger(__name__)

BATCH = 5000
FIRST_LOAD_MIN = BATCH  # fewer incoming rows than this: keep the indexes (not worth the rebuild)
ANALYZE_MIN = 100_000  # rows written into a table that make its planner statistics stale
# SQLite page cache (negative = KiB): fangpin.settings' default, and an import's larger one.
SQLITE_CACHE_KIB = -65536
IMPORT_CACHE_KIB = -262144


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        if type(ops).adapt_decimalfield_value is BaseDatabaseOperations.adapt_decimalfield_value:
            return None  # the driver takes a Decimal as it is
        digits, places = field.max_digits, field.decimal_places
        return lambda v: ops.adapt_decimalfield_value(v, digits, places)
    if isinstance(field, models.JSONField):
        return _dumps  # text: SQLite stores it as is, PostgreSQL's COPY parses it as jsonb
    return None


def _plain(value: Any) -> str:
    """Dates as ISO text and decimals as text, the way core.audit.snapshot stores them."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


# One encoder for every value: json.dumps with options builds a new encoder per call.
_dumps = json.JSONEncoder(ensure_ascii=False, default=_plain).encode


Job = Callable[[Any], None]  # runs against the DB-API connection


class Background:
    """Runs database jobs in order on one thread, inside the caller's open transaction.

    SQLite steps through its inserts without holding the GIL and PostgreSQL works in a process of
    its own, so while this thread waits on the database the caller prepares the next batch. The
    caller must not touch the connection itself between `submit` and `drain`. A job's error
    stops the rest and is raised again in the caller at the next `submit`, `drain` or `close`.
    """

    def __init__(self, depth: int = 3) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        self.jobs: queue.Queue[Job | None] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                if self.error is None:
                    job(self.raw)
            except BaseException as exc:  # handed to the caller's thread
                self.error = exc
            finally:
                self.jobs.task_done()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def submit(self, job: Job) -> None:
        self._raise()
        self.jobs.put(job)

    def drain(self) -> None:
        """Wait until every submitted job has run (the connection is the caller's again)."""
        self.jobs.join()
        self._raise()

    def __enter__(self) -> Background:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(cancel=kind is not None)

    def close(self, *, cancel: bool = False) -> None:
        """Finish the submitted jobs (with `cancel`, skip them: the caller is failing anyway)."""
        if cancel and self.error is None:
            self.error = _Cancelled()
        self.jobs.put(None)
        self.thread.join()
        if not cancel:
            self._raise()


class _Cancelled(Exception):
    """Marks a Background whose remaining jobs are to be skipped."""


def param(sql_type: str) -> str:
    """A parameter of a statement run on the DB-API connection (see `statement`).

    PostgreSQL is told its type: in a SELECT list an untyped parameter would be taken as text.
    """
    return "?" if connection.vendor == "sqlite" else f"CAST(%s AS {sql_type})"


def statement(sql: str, params: list[Any], *, many: bool = False) -> Job:
    """A job running one statement (its parameters written with `param`); with `many`, once for
    each list of parameters in `params`."""

    def run(raw: Any) -> None:
        cursor = raw.cursor()
        try:
            (cursor.executemany if many else cursor.execute)(sql, params)
        finally:
            cursor.close()

    return run


class Inserter:
    """Inserts dicts (keyed by attname; missing keys take the field default) into one model.

    With `keyed=False` the database numbers the rows: they carry no `id` and none is reserved.
    `fixed` values go to every row (as defaults do), and keys of a row that name no field of
    the model are ignored.
    """

    def __init__(
        self,
        model: type[models.Model],
        *,
        keyed: bool = True,
        fixed: dict[str, Any] | None = None,
    ) -> None:
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if keyed or not f.primary_key]
        self.converters = [_converter(f) for f in self.fields]
        self.defaults: dict[str, Any] = {}
        now = timezone.now()
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.has_default():
                self.defaults[f.attname] = f.get_default()
            elif f.null:
                self.defaults[f.attname] = None
        self.defaults |= fixed or {}
        # Defaults are the same for every row: convert them once.
        for f, convert in zip(self.fields, self.converters, strict=True):
            value = self.defaults.get(f.attname)
            if convert is not None and value is not None:
                self.defaults[f.attname] = convert(value)
        self.names = [f.attname for f in self.fields]
        self.converter = dict(zip(self.names, self.converters, strict=True))

    def reserve(self, count: int) -> list[int]:
        """`count` fresh primary keys."""
        if count == 0:
            return []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Name the sequence once: as an argument of nextval() the lookup would run for
                # every id (3.6 s instead of 0.4 s for half a million).
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
                sequence = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
                )
                return [row[0] for row in cursor.fetchall()]
            # AUTOINCREMENT never hands out an id again, even one whose row was deleted (an audit
            # record may still name it): start after the larger of MAX(id) and the sequence.
            cursor.execute(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"
                f" (SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(self.table)}))",
                [self.table],
            )
            start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))

    def insert(self, rows: list[dict[str, Any]], background: Background | None = None) -> None:
        """Insert the rows (keyed: each holds its reserved `id`), on `background` when given."""
        names = self.names
        # Missing keys take the (already converted) default; a merged dict and one itemgetter
        # build each row's values in C, then only the columns with a converter are revisited.
        base = {name: self.defaults.get(name, "") for name in names}
        pick = operator.itemgetter(*names)
        converted = self._converted(names)
        for start in range(0, len(rows), BATCH):
            params = []
            for row in rows[start : start + BATCH]:
                values = list(pick({**base, **row}))
                for i, name, convert, seen in converted:
                    value = row.get(name)
                    if value is not None:
                        values[i] = _convert(value, convert, seen)
                params.append(values)
            self._send(names, params, background)

    def insert_values(
        self,
        names: Sequence[str],
        rows: Iterable[Sequence[Any]],
        background: Background | None = None,
    ) -> None:
        """Insert rows given as the values of the fields `names` (attnames), in that order; every
        other field takes its default. No dict per row: the fastest way in."""
        given = list(names)
        rest = [name for name in self.names if name not in given]
        tail = tuple(self.defaults.get(name, "") for name in rest)
        columns = [*given, *rest]
        converted = self._converted(given)
        for batch in chunks(rows, BATCH):
            if not converted:
                params: list[Any] = [(*row, *tail) for row in batch]
            else:
                params = []
                for row in batch:
                    values = [*row, *tail]
                    for i, _, convert, seen in converted:
                        value = values[i]
                        if value is not None:
                            values[i] = _convert(value, convert, seen)
                    params.append(values)
            self._send(columns, params, background)

    def _converted(
        self, names: list[str]
    ) -> list[tuple[int, str, Callable[[Any], Any], dict[Any, Any] | None]]:
        """(position, name, converter, memo) of the columns among `names` that need converting.

        A column's dates repeat: each distinct one is converted once (JSON is not hashable, and
        is encoded every time)."""
        return [
            (i, name, convert, None if convert is _dumps else {})
            for i, name in enumerate(names)
            if (convert := self.converter[name]) is not None
        ]

    def _send(self, columns: list[str], params: list[Any], background: Background | None) -> None:
        """One batch of rows (values of `columns`, in order), on `background` when given."""
        job = self._job(columns, params)
        if background is None:
            connection.ensure_connection()
            job(connection.connection)
        else:
            background.submit(job)

    def _job(self, columns: list[str], params: list[Any]) -> Job:
        quote = connection.ops.quote_name
        field = {f.attname: f for f in self.fields}
        listed = ", ".join(quote(field[name].column) for name in columns)
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {quote(self.table)} ({listed}) FROM STDIN"
            # COPY is several times faster than INSERTs on PostgreSQL. Its rows are formatted
            # here, by psycopg's own formatter, so that the writer thread only sends them: the
            # next batch is formatted while the server takes this one. (Imported here: on SQLite
            # loading psycopg cost every command's start 60 ms.)
            from psycopg._copy_base import format_row_text  # the formatter Copy.write_row uses
            from psycopg.adapt import Transformer

            connection.ensure_connection()
            data = bytearray()
            transformer = Transformer(connection.connection)
            for values in params:
                format_row_text(values, transformer, data)

            def copy(raw: Any) -> None:
                with raw.cursor() as cursor, cursor.copy(copy_sql) as out:
                    out.write(data)

            return copy
        return _sqlite_rows(f"INSERT INTO {quote(self.table)} ({listed}) VALUES ", params)


def _sqlite_rows(insert: str, params: list[Any]) -> Job:
    """A job inserting rows into SQLite as many at a time as one statement may bind.

    `executemany` takes the GIL back after every row it steps through, so the thread preparing
    the next batch keeps stopping; a statement of several hundred rows is stepped through in
    one go, without the GIL (and binds the same values the same way)."""

    def run(raw: Any) -> None:
        if not params:
            return
        width = len(params[0])
        if any(len(row) != width for row in params):  # executemany would refuse them too
            raise ValueError(f"rows of {width} values and of other widths in one batch")
        # The bundled SQLite allows 32,766 parameters; a build may allow fewer or more.
        per = max(1, raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
        row = "(" + ", ".join(["?"] * width) + ")"
        sql: dict[int, str] = {}  # rows in a statement → its text (the driver caches the plan)
        cursor = raw.cursor()
        try:
            for start in range(0, len(params), per):
                rows = params[start : start + per]
                if len(rows) not in sql:
                    sql[len(rows)] = insert + ", ".join([row] * len(rows))
                cursor.execute(sql[len(rows)], list(itertools.chain.from_iterable(rows)))
        finally:
            cursor.close()

    return run


def _convert(value: Any, convert: Callable[[Any], Any], seen: dict[Any, Any] | None) -> Any:
    if seen is None:
        return convert(value)
    if value in seen:
        return seen[value]
    seen[value] = converted = convert(value)
    return converted


def _secondary_indexes(cursor: Any, table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that back no key or unique constraint."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = %s AND indexdef NOT LIKE 'CREATE UNIQUE%%' AND indexname NOT IN"
            " (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, connection.ops.quote_name(table)],
        )
    else:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
            " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
            [table],
        )
    return list(cursor.fetchall())


def _foreign_keys(cursor: Any, table: str) -> list[tuple[str, str]]:
    """PostgreSQL: (name, definition) of the table's foreign-key constraints."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype = 'f'",
        [connection.ops.quote_name(table)],
    )
    return list(cursor.fetchall())


@contextmanager
def import_settings() -> Iterator[None]:
    """Database settings for the one big transaction of an import (inside it), undone after.

    PostgreSQL: nothing is lost on a crash that was not already lost (the transaction commits as
    a whole or not at all), so the commit does not wait for the WAL flush; each batch's foreign
    keys are checked as its COPY ends (on the writer thread, while this one prepares the next
    batch) rather than all at once in the commit; and a first load has room to sort in memory
    when it builds its indexes. SQLite: unique and indexed columns arrive in random order, and a
    larger page cache keeps those B-trees in memory.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        elif connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA cache_size={IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size={SQLITE_CACHE_KIB}")


def refresh_statistics(loads: dict[type[models.Model], int]) -> None:
    """PostgreSQL: after a load of ANALYZE_MIN rows or more into a table (a county's register,
    a year of 务工 reports), its planner statistics now, and its pages marked all-visible once
    the import commits.

    Until autovacuum gets round to a freshly loaded table (if it is on: a minute or more later),
    the planner estimates it from its old statistics or from none, and picks plans for a few
    thousand rows where there are a million; and an index-only scan still visits every row,
    whose pages are not yet marked visible to all. Right after a county's year of 务工 reports
    (1.4 million rows) was imported, its monthly figures took 1.9 s instead of 0.6 s, and
    importing the same file again 78 s instead of 28 s.
    ANALYZE runs inside the import's transaction (its sample sees the new rows; the commit
    publishes the statistics); VACUUM cannot, and runs after the commit. SQLite keeps no
    statistics unless asked, and its queries are written for that.
    """
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model, n in loads.items() if n >= ANALYZE_MIN]
    if not tables:
        return
    for table in tables:
        # An optimisation must not cost the import: a table another statement holds (a VACUUM,
        # an index being built) is left to autovacuum, and the savepoint keeps the import's
        # transaction usable after a refusal.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
                cursor.execute("SET LOCAL lock_timeout TO DEFAULT")
        except DatabaseError:
            log.warning("ANALYZE %s in an import failed", table, exc_info=True)
    with connection.cursor() as cursor:
        # Until its commit is flushed, VACUUM may not take the rows as committed and leaves
        # their pages unmarked: this commit waits for the flush (import_settings let it not).
        cursor.execute("SET LOCAL synchronous_commit = on")
    transaction.on_commit(functools.partial(_vacuum, tables))


def _vacuum(tables: list[str]) -> None:
    """VACUUM the tables, after the import's commit (not inside a transaction: a caller's, or a
    test's, would refuse it). The import is in whatever this does: a table another statement
    holds is left to autovacuum, and a failure is logged, not raised."""
    if connection.in_atomic_block or not connection.get_autocommit():
        return
    for table in tables:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '5s'")
                try:
                    cursor.execute(f"VACUUM {connection.ops.quote_name(table)}")
                finally:
                    cursor.execute("RESET lock_timeout")
        except Error:
            log.warning("VACUUM %s after an import failed", table, exc_info=True)


@contextmanager
def indexes_built_after(loads: dict[type[models.Model], int]) -> Iterator[None]:
    """Around a first load: build a table's secondary indexes once its rows are in.

    For each model whose table holds less than a tenth of the rows about to arrive, its indexes
    (not its keys and unique constraints, which stay enforced) are dropped inside the caller's
    transaction and built again on leaving: one sort per index instead of a B-tree insert per
    row. On PostgreSQL its foreign keys likewise: adding one back checks every row in one join
    instead of one lookup per row. A failure rolls the drop back with everything else. On
    PostgreSQL the drop locks the table until the commit, which is why a table already in use
    (larger) keeps its indexes.
    """
    quote = connection.ops.quote_name
    dropped: list[str] = []
    with connection.cursor() as cursor:
        for model, incoming in loads.items():
            table = model._meta.db_table
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {quote(table)} LIMIT %s) held",
                [incoming // 10 + 1],
            )
            if incoming < FIRST_LOAD_MIN or cursor.fetchone()[0] * 10 > incoming:
                continue
            for name, create in _secondary_indexes(cursor, table):
                cursor.execute(f"DROP INDEX {quote(name)}")
                dropped.append(create)
            if connection.vendor == "postgresql":
                for name, definition in _foreign_keys(cursor, table):
                    cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                    dropped.append(
                        f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                    )
    yield
    with connection.cursor() as cursor:
        for create in dropped:
            cursor.execute(create.replace("%", "%%"))
