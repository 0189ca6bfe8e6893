"""Builders for exchange tests: members with given facts, and department files."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from exchange import services
from exchange.readers import SOURCES
from fangpin.testing import id_number, make_household
from registry import services as registry_services
from registry.models import Person

AS_OF = dt.date(2026, 6, 30)


def member(household: Any, birth: dt.date = dt.date(1980, 5, 17), **facts: Any) -> Person:
    """Add a member to a household, then set register facts directly (test data only)."""
    sex = facts.pop("sex", "男")
    relation = facts.pop("relation", "之子")
    head = household.persons.filter(relation="户主", is_member=True).first()
    if relation == "户主" and head is not None:
        # Households are created with a head: the test's head takes that person's place.
        facts |= {"sex": sex, "birth_date": birth, "id_number": id_number(birth, sex)}
        Person.objects.filter(pk=head.pk).update(name=facts.pop("name", head.name), **facts)
        head.refresh_from_db()
        return head
    p = registry_services.add_person(
        actor=None,
        household=household,
        name=facts.pop("name", "测试成员"),
        id_number=id_number(birth, sex),
        relation=relation,
        sex=sex,
        birth_date=birth,
    )
    if facts:
        Person.objects.filter(pk=p.pk).update(**facts)
        p.refresh_from_db()
    return p


def write_file(tmp_path: Path, source: str, rows: list[dict], encoding: str = "utf-8") -> Path:
    """A department CSV with the source's headers; missing cells are empty."""
    headers = SOURCES[source].headers
    path = tmp_path / f"{source}.csv"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Batch files of each test in its own directory, never the shared var/."""
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
    return settings.DATA_DIR


@pytest.fixture
def run_compare(tmp_path: Path, regions: dict[str, Any]) -> Any:
    """run_compare("medical", rows) → the Batch after comparing a file of those rows."""

    def run(source: str, rows: list[dict], as_of: dt.date = AS_OF, **kw: Any) -> Any:
        path = write_file(tmp_path, source, rows, kw.pop("encoding", "utf-8"))
        return services.compare(
            actor=None, source=source, path=path, as_of=as_of, region=regions["county"], **kw
        )

    return run


@pytest.fixture
def village_household(regions: dict[str, Any]) -> Any:
    return make_household(regions["village"], members=1)
