"""Values in batches: for `IN (…)` lists under SQLite's parameter limit, and for bulk writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.models import QuerySet

T = TypeVar("T")
IN_LIST = 900  # values per `IN (…)`: under SQLite's 999-parameter limit with room to spare


def chunks(values: Iterable[T], size: int = IN_LIST) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, in order."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def values_rows(qs: QuerySet, names: Sequence[str], size: int = 20_000) -> Iterator[tuple]:
    """`qs.values_list(*names)`, read in batches with each column's converters memoised.

    Django converts every cell of a dated or boolean column through a Python call; a county's
    persons repeat a few thousand dates and two booleans, so each distinct raw value is converted
    once (the compare phase of a re-sync spent a third of its time there).
    """
    query = qs.values_list(*names).query
    compiler = query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    if not sql:
        return
    selected = [col for col, _, _ in compiler.select[: compiler.col_count]]
    memos: list[tuple[int, list, Any, dict]] = [
        (i, fns, expression, {})
        for i, (fns, expression) in compiler.get_converters(selected).items()
    ]
    connection = connections[qs.db]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(size):
            if not memos:
                yield from rows
                continue
            for raw in rows:
                row = list(raw)
                for i, fns, expression, seen in memos:
                    value = row[i]
                    if value is None:
                        continue
                    try:
                        row[i] = seen[value]
                        continue
                    except KeyError:
                        keep = True
                    except TypeError:  # an unhashable raw value: converted every time
                        keep = False
                    converted = value
                    for fn in fns:
                        converted = fn(converted, expression, connection)
                    row[i] = converted
                    if keep and not isinstance(converted, list | dict | set):  # never shared
                        seen[value] = converted
                yield tuple(row)
