"""core.fastinsert: what the fast inserter writes is what the ORM reads back."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction

from core import fastinsert
from registry.models import Household


def _rows(region: Any, ids: list[int]) -> list[dict[str, Any]]:
    return [
        {
            "id": pk,
            "number": f"42028110020100{i:04d}",
            "region_id": region.pk,
            "head_name": f"户主{i}",
            "is_alleviated": i % 2 == 0,
            "alleviated_year": 2016 if i % 2 == 0 else None,
            "identified_date": dt.date(2023, 1 + i % 12, 1 + i),
            "per_capita_income": Decimal(f"{i}123.45") if i % 3 else None,
            "member_count": i,
        }
        for i, pk in enumerate(ids)
    ]


@pytest.mark.django_db(transaction=True)
def test_rows_spanning_several_statements_are_written_exactly(regions):
    """SQLite takes several hundred rows a statement; a build allowing few parameters still
    gets every row, the last statement short."""
    inserter = fastinsert.Inserter(Household)
    rows = _rows(regions["village"], inserter.reserve(10))
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":  # 3 rows a statement: 3 + 3 + 3 + 1
        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, len(inserter.names) * 3 + 1)
    try:
        with fastinsert.Background() as background:
            inserter.insert(rows, background)
    finally:
        if connection.vendor == "sqlite":
            raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    stored = {
        h.pk: h for h in Household.objects.filter(pk__in=[r["id"] for r in rows]).order_by("number")
    }
    assert len(stored) == 10
    for row in rows:
        h = stored[row["id"]]
        assert (h.number, h.head_name, h.is_alleviated, h.alleviated_year) == (
            row["number"],
            row["head_name"],
            row["is_alleviated"],
            row["alleviated_year"],
        )
        assert h.identified_date == row["identified_date"]
        assert h.per_capita_income == row["per_capita_income"]
        assert h.member_count == row["member_count"]
        assert h.address == "" and h.risk_eliminated is False  # absent keys take the defaults
        assert h.created_at is not None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's multi-row statements")
@pytest.mark.django_db
def test_rows_of_different_widths_are_refused_not_shifted():
    """Values bound in one statement would slide into the next row's columns."""
    connection.ensure_connection()
    job = fastinsert._sqlite_rows("INSERT INTO t (a, b) VALUES ", [(1, 2), (3, 4, 5), (6,)])
    with pytest.raises(ValueError, match="other widths"):
        job(connection.connection)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the sqlite3 driver's adapters")
@pytest.mark.django_db
def test_booleans_are_bound_by_a_registered_adapter_as_the_integers_they_are():
    """core's ready() registers bool → int, so the driver finds it at its first look (a fifth of
    a person row's binding otherwise); SQLite stores the same 1 and 0, and the ORM reads bools."""
    assert sqlite3.adapters.get((bool, sqlite3.PrepareProtocol)) is int
    with connection.cursor() as cursor:
        cursor.execute("SELECT typeof(%s), %s, %s", [True, True, False])
        assert cursor.fetchone() == ("integer", 1, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
@pytest.mark.django_db
def test_statistics_that_cannot_be_refreshed_cost_the_import_nothing(regions):
    """ANALYZE refused (here: no such table) is logged and the import's transaction goes on;
    VACUUM, which no transaction allows, waits for the commit and is skipped inside one."""

    class Missing:
        _meta = SimpleNamespace(db_table="no_such_table")

    loads: dict[Any, int] = {Missing: fastinsert.ANALYZE_MIN, Household: fastinsert.ANALYZE_MIN}
    with transaction.atomic():
        fastinsert.refresh_statistics(loads)
        Household.objects.create(number="420281100201000001", region=regions["village"])
    fastinsert._vacuum(["registry_household"])  # inside the test's transaction: skipped
    assert Household.objects.count() == 1  # and the connection still works
