"""Values in batches: for `IN (…)` lists under SQLite's parameter limit, and for bulk writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

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
