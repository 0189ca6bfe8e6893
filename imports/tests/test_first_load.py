"""A first load builds indexes and foreign keys after its rows are in, and a failure keeps them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Model

from core import fastinsert
from imports.services import import_registry
from imports.tests.builders import family, num, write_xlsx
from registry.bulk import Writer
from registry.models import Household, Membership, Person

pytestmark = pytest.mark.django_db

MODELS = (Household, Person, Membership)


def schema() -> dict[str, list]:
    """Each registry table's secondary indexes (and, on PostgreSQL, foreign keys)."""
    out = {}
    with connection.cursor() as cursor:
        for model in MODELS:
            table = model._meta.db_table
            found = fastinsert._secondary_indexes(cursor, table)
            if connection.vendor == "postgresql":
                found += fastinsert._foreign_keys(cursor, table)
            out[table] = sorted(found)
    return out


@pytest.fixture
def first_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat any import into empty tables as a first load, however small."""
    monkeypatch.setattr(fastinsert, "FIRST_LOAD_MIN", 0)


def test_a_first_load_drops_and_rebuilds_the_same_indexes(
    regions: dict, first_load: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = schema()
    assert all(before.values())
    seen: list[list[str]] = []
    original = Writer._new_persons

    def spy(self: Writer) -> None:
        assert self.background is not None
        self.background.drain()  # the connection is this thread's again
        seen.append(
            [
                name
                for name, _ in fastinsert._secondary_indexes(connection.cursor(), "registry_person")
            ]
        )
        original(self)

    monkeypatch.setattr(Writer, "_new_persons", spy)
    path = write_xlsx(tmp_path / "a.xlsx", family(num("F001"), 10) + family(num("F002"), 20))
    result = import_registry(path, actor=None, create_regions=True)
    assert result["status"] == "imported", result
    assert seen == [[]]  # the person table had no secondary index while its rows went in
    assert schema() == before
    assert Person.objects.filter(name="户主10").count() == 1  # the rebuilt index answers


def test_a_failed_first_load_keeps_indexes_and_changes_nothing(
    regions: dict, first_load: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = schema()

    def fail(self: Writer) -> None:
        raise RuntimeError("写入中断")

    monkeypatch.setattr(Writer, "_new_persons", fail)
    path = write_xlsx(tmp_path / "a.xlsx", family(num("F001"), 10))
    with pytest.raises(RuntimeError, match="写入中断"):
        import_registry(path, actor=None, create_regions=True)
    assert schema() == before
    assert not Household.objects.exists() and not Person.objects.exists()


def planner_view(model: type[Model]) -> tuple[float, int]:
    """PostgreSQL's row estimate of the table and its pages marked all-visible, as its last
    ANALYZE and VACUUM left them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples, relallvisible FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        return cursor.fetchone()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_its_tables_analyzed_and_vacuumed(
    regions: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Queries right after a county's first load are planned for its rows, and index-only scans
    need not visit them."""
    before = planner_view(Person)  # -1 rows (never analyzed), or what an index build left
    small = write_xlsx(tmp_path / "a.xlsx", family(num("F001"), 10))
    assert import_registry(small, actor=None, create_regions=True)["status"] == "imported"
    assert planner_view(Person) == before  # below ANALYZE_MIN rows: left to autovacuum
    monkeypatch.setattr(fastinsert, "ANALYZE_MIN", 1)
    large = write_xlsx(tmp_path / "b.xlsx", family(num("F001"), 10) + family(num("F002"), 20))
    assert import_registry(large, actor=None, create_regions=True)["status"] == "imported"
    for model in (Household, Person, Membership):
        rows, visible = planner_view(model)
        assert rows == model.objects.count() > 0
        assert visible > 0, model
