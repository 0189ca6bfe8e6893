"""Plain `executemany` INSERTs (COPY on PostgreSQL) with ids reserved up front, for the import.

Django's bulk_create prepares every value field by field through the ORM; at 400,000 persons that is
most of an import's time. Here each column gets one converter (dates, decimals, JSON) chosen once,
ids are reserved first (PostgreSQL: the sequence; SQLite: after MAX(id), safe because the import's
transaction holds SQLite's write lock), and rows go to the database in batches.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Callable
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH = 5000


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
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


class Inserter:
    """Inserts dicts (keyed by attname; missing keys take the field default) into one model."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields]
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
        # Defaults are the same for every row: convert them once.
        for f, convert in zip(self.fields, self.converters, strict=True):
            value = self.defaults.get(f.attname)
            if convert is not None and value is not None:
                self.defaults[f.attname] = convert(value)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"
        self.copy_sql = f"COPY {quote(self.table)} ({columns}) FROM STDIN"

    def reserve(self, count: int) -> list[int]:
        """`count` fresh primary keys."""
        if count == 0:
            return []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(self.table)}"
            )
            start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """Insert the rows (each must hold its reserved `id`)."""
        names = [f.attname for f in self.fields]
        # Missing keys take the (already converted) default; a merged dict and one itemgetter
        # build each row's values in C, then only the columns with a converter are revisited.
        base = {name: self.defaults.get(name, "") for name in names}
        pick = operator.itemgetter(*names)
        converted = [
            (i, name, convert)
            for i, (name, convert) in enumerate(zip(names, self.converters, strict=True))
            if convert is not None
        ]
        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                params = []
                for row in rows[start : start + BATCH]:
                    values = list(pick({**base, **row}))
                    for i, name, convert in converted:
                        value = row.get(name)
                        if value is not None:
                            values[i] = convert(value)
                    params.append(values)
                if connection.vendor == "postgresql":
                    # COPY is several times faster than INSERTs on PostgreSQL.
                    with cursor.cursor.copy(self.copy_sql) as copy:
                        for values in params:
                            copy.write_row(values)
                else:
                    cursor.executemany(self.sql, params)
