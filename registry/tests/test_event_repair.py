"""Migration 0009 repairs the status events stored before markings and corrected dates were
dated by the register's rules (registry.rules.not_before_end, date_corrections)."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from core.models import AuditRecord
from fangpin.testing import make_household
from registry.models import Household, HouseholdEvent
from stats.services import compute

D = dt.date
repair = importlib.import_module("registry.migrations.0009_repair_status_event_dates").repair


def _event(h: Any, kind: str, date: dt.date, recorded: dt.date) -> HouseholdEvent:
    """An event as the old code stored it, recorded (created_at) on `recorded`."""
    e = HouseholdEvent.objects.create(household=h, kind=kind, date=date, category=h.category)
    at = timezone.make_aware(dt.datetime.combine(recorded, dt.time(10)))
    HouseholdEvent.objects.filter(pk=e.pk).update(created_at=at)
    return e


def _dates(h: Any) -> list[tuple[str, dt.date]]:
    return list(h.events.order_by("pk").values_list("kind", "date"))


@pytest.mark.django_db
def test_stored_markings_and_corrected_dates_are_repaired_once_and_audited(
    regions: dict[str, Any],
) -> None:
    village = regions["village"]
    monitored: dict[str, Any] = {
        "category": "边缘易致贫户",
        "identified_date": D(2023, 5, 1),
        "risk_list": ["因病"],
    }
    # Marked again by an import with its old 识别监测时间 after an exit: never counted again.
    again = make_household(village, members=2, **monitored)
    _event(again, "exited", D(2024, 2, 1), D(2024, 2, 1))
    _event(again, "identified", D(2023, 5, 1), D(2024, 3, 10))
    # 识别监测时间 corrected by an import that moved no event.
    corrected = make_household(village, members=1, **monitored)
    Household.objects.filter(pk=corrected.pk).update(identified_date=D(2022, 12, 1))
    # Already right: a re-marking dated its import day, the old 识别监测时间 kept on the household.
    right = make_household(village, members=3, **monitored)
    _event(right, "exited", D(2024, 2, 1), D(2024, 2, 1))
    _event(right, "identified", D(2024, 3, 10), D(2024, 3, 10))
    assert compute(village, D(2024, 6, 1))["monitored"]["households"] == 2  # not `again`

    repair(apps, None)

    assert _dates(again)[1:] == [("exited", D(2024, 2, 1)), ("identified", D(2024, 3, 10))]
    assert _dates(corrected) == [("identified", D(2022, 12, 1))]
    assert _dates(right)[1:] == [("exited", D(2024, 2, 1)), ("identified", D(2024, 3, 10))]
    figures = compute(village, D(2024, 6, 1))
    assert figures["monitored"]["households"] == 3
    assert figures["monitored"]["not_eliminated"]["by_identified_year"] == {
        "2022": {"households": 1, "persons": 1},
        "2024": {"households": 2, "persons": 5},
    }
    records = AuditRecord.objects.filter(object_type="registry.householdevent")
    assert sorted((r.household_id, r.before["date"], r.after["date"]) for r in records) == [
        (again.pk, "2023-05-01", "2024-03-10"),
        (corrected.pk, "2023-05-01", "2022-12-01"),
    ]

    repair(apps, None)

    assert records.count() == 2


@pytest.mark.django_db
def test_alleviation_events_without_a_year_are_dated_by_2020_once_and_audited(
    regions: dict[str, Any],
) -> None:
    """Migration 0011: a 脱贫户 stored without 脱贫年度 was dated its import day; it takes
    `rules.alleviated_date` — unless a 清退 precedes the event (a re-marking stays)."""
    redate = importlib.import_module(
        "registry.migrations.0011_date_alleviation_without_year"
    ).redate
    village = regions["village"]
    imported = D(2025, 3, 1)
    plain = make_household(village, members=2, is_alleviated=True)
    unstable = make_household(
        village,
        members=1,
        is_alleviated=True,
        category="脱贫不稳定户",
        identified_date=D(2020, 6, 1),
        risk_list=["因病"],
    )
    again = make_household(village, members=3, is_alleviated=True)
    dated = make_household(village, members=1, is_alleviated=True, alleviated_year=2018)
    for h in (plain, unstable, again):
        h.events.filter(kind="alleviated").update(date=imported)
    _event(again, "unalleviated", D(2024, 1, 1), D(2024, 1, 1))
    assert compute(village, D(2024, 12, 31))["alleviated"]["households"] == 1

    redate(apps, None)

    assert _dates(plain) == [("alleviated", D(2020, 12, 31))]
    assert _dates(unstable)[0] == ("alleviated", D(2020, 6, 1))
    assert _dates(again) == [("alleviated", imported), ("unalleviated", D(2024, 1, 1))]
    assert _dates(dated) == [("alleviated", D(2018, 12, 31))]
    assert compute(village, D(2024, 12, 31))["alleviated"] == {"households": 3, "persons": 4}
    records = AuditRecord.objects.filter(object_type="registry.householdevent")
    assert sorted((r.household_id, r.before["date"], r.after["date"]) for r in records) == [
        (plain.pk, "2025-03-01", "2020-12-31"),
        (unstable.pk, "2025-03-01", "2020-06-01"),
    ]

    redate(apps, None)

    assert records.count() == 2
