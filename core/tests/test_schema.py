"""The schema keeps no index that another index of its table already serves."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection


def _our_tables() -> list[str]:
    """The tables of this project's models (not Django's, a library's or a many-to-many's)."""
    base = Path(settings.BASE_DIR).resolve()
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if Path(model._meta.app_config.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(model._meta.app_config.path).parts
        and not model._meta.auto_created
    )


@pytest.mark.django_db
def test_no_single_column_index_leads_another_index_of_its_table() -> None:
    """An index on one column that begins a composite index or key only costs every write."""
    tables = _our_tables()
    assert "registry_person" in tables
    redundant = []
    with connection.cursor() as cursor:
        for table in tables:
            found = connection.introspection.get_constraints(cursor, table).items()
            indexes = {
                name: info["columns"]
                for name, info in found
                if (info["index"] or info["unique"] or info["primary_key"]) and info["columns"]
            }
            for name, info in found:
                plain = info["index"] and not info["unique"] and not info["primary_key"]
                if not plain or len(info["columns"]) != 1:
                    continue
                column = info["columns"][0]
                if any(
                    other != name and len(cols) > 1 and cols[0] == column
                    for other, cols in indexes.items()
                ):
                    redundant.append(f"{table}.{column}")
    assert redundant == []
