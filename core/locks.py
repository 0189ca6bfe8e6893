"""Named locks for check-then-act rules that parallel requests must not beat (a login's count
of failures, a daily limit): one holder at a time, across threads, processes and servers."""

from __future__ import annotations

import contextlib
import fcntl
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, transaction

# SQLite deployments run on one server: names share this many lock files (a rare false wait
# between two names is harmless).
STRIPES = 64


@contextmanager
def hold(
    name: str, *, transactions: bool = False, waiting: Callable[[], None] | None = None
) -> Iterator[None]:
    """Run the block while nobody else holds the lock `name`.

    With `transactions`, the block commits transactions of its own (an import: checked, then
    written and committed) and the lock is held until the block ends, outside any transaction:
    PostgreSQL: a session-level advisory lock; SQLite: the file lock. A killed process's lock
    ends with its connection or its file handle. `waiting` is called once if the lock is held by
    someone else, before waiting for it.

    PostgreSQL: a transaction-level advisory lock, so several application servers are covered;
    the block runs in a transaction (a savepoint inside a caller's) and the lock is released when
    the outermost one ends, after the block's writes are visible to the next holder.
    SQLite: inside a transaction, nothing — fangpin opens SQLite transactions IMMEDIATE, so write
    transactions already run one at a time. Outside one, an exclusive lock on a file in the data
    dir, taken without opening a write transaction (which on SQLite would stop every other writer
    for the whole block). File locks are never taken inside a transaction, so a transaction never
    waits for a file lock while holding the database: no deadlock between the two (with
    `transactions` the caller is outside any, as an import is, but in tests).
    """
    key = zlib.crc32(name.encode())
    if transactions and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key - 2**31])
            if not cursor.fetchone()[0]:
                if waiting is not None:
                    waiting()
                cursor.execute("SELECT pg_advisory_lock(%s)", [key - 2**31])
        try:
            yield
        finally:
            # A connection that broke meanwhile took its lock with it.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key - 2**31])
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key - 2**31])
            yield
        return
    if connection.in_atomic_block and not transactions:
        yield
        return
    folder = settings.DATA_DIR / "locks"
    folder.mkdir(mode=0o700, exist_ok=True)
    with open(folder / f"{key % STRIPES:02d}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
