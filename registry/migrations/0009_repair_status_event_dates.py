"""Repair the status events that the statistics read wrongly before (CHANGELOG, fix-stats):

* a marking recorded after an un-marking of its status but dated before it (an import that marked
  a household again with its old 识别监测时间, 风险消除时间 or 脱贫年度) never took effect: it is
  dated the day it was recorded, as `registry.rules.not_before_end` dates it now;
* an import that corrected 识别监测时间 or 风险消除时间 moved no event: the latest identification
  (elimination) event of a monitored (eliminated) household takes the household's date, unless
  that falls before the household's last exit (the event then records a re-marking).

Each moved event is audited, as a change of the register is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import migrations
from django.utils import timezone

# The markings each un-marking ends.
ENDS = {"exited": ("identified", "reidentified", "eliminated"), "unalleviated": ("alleviated",)}
KINDS = ("exited", "unalleviated", "identified", "reidentified", "eliminated", "alleviated")
NOTE = "数据修复：状态事件日期与识别监测时间、风险消除时间或此前的退出不一致"
BATCH = 500


def _after_ends(events: list[Any]) -> list[tuple[Any, dt.date]]:
    """Markings dated before an un-marking recorded earlier: the day they were recorded."""
    moved = []
    for end_kind, marks in ENDS.items():
        floor: dt.date | None = None
        for e in sorted(events, key=lambda e: e.pk):  # in the order they were recorded
            if e.kind == end_kind:
                floor = max(floor, e.date) if floor else e.date
            elif e.kind in marks and floor is not None and e.date < floor:
                moved.append((e, e.date))
                e.date = max(floor, timezone.localdate(e.created_at))
    return moved


def _to_household(events: list[Any], kinds: tuple[str, ...], date: dt.date | None) -> list:
    """The latest event of `kinds` takes the household's `date` (not before its last exit)."""
    found = [e for e in events if e.kind in kinds]
    exits = [e.date for e in events if e.kind == "exited"]
    if date is None or not found or (exits and date < max(exits)):
        return []
    latest = max(found, key=lambda e: (e.date, e.pk))
    if latest.date == date:
        return []
    old, latest.date = latest.date, date
    return [(latest, old)]


def repair(apps: Any, schema_editor: Any) -> None:
    Household = apps.get_model("registry", "Household")
    HouseholdEvent = apps.get_model("registry", "HouseholdEvent")
    AuditRecord = apps.get_model("core", "AuditRecord")
    ended = HouseholdEvent.objects.filter(kind__in=ENDS).values_list("household_id", flat=True)
    monitored = Household.objects.exclude(category="").values_list("pk", flat=True)
    wanted = sorted(set(ended) | set(monitored))
    for start in range(0, len(wanted), BATCH):
        part = wanted[start : start + BATCH]
        events: dict[int, list[Any]] = defaultdict(list)
        for e in HouseholdEvent.objects.filter(household_id__in=part, kind__in=KINDS):
            events[e.household_id].append(e)
        moved: dict[int, tuple[Any, dt.date]] = {}  # event pk → (event, its first date)
        households = {h.pk: h for h in Household.objects.filter(pk__in=part)}
        for h in households.values():
            found = events[h.pk]
            changes = _after_ends(found)
            if h.category:
                ident = ("identified", "reidentified")
                changes += _to_household(found, ident, h.identified_date)
            if h.category and h.risk_eliminated:
                changes += _to_household(found, ("eliminated",), h.eliminated_date)
            for e, old in changes:
                moved.setdefault(e.pk, (e, old))
        AuditRecord.objects.bulk_create(
            AuditRecord(
                action="update",
                object_type="registry.householdevent",
                object_id=str(e.pk),
                object_repr=f"{e.date} {e.kind}",
                before={"date": old.isoformat()},
                after={"date": e.date.isoformat()},
                household_id=e.household_id,
                region_id=households[e.household_id].region_id,
                note=NOTE,
            )
            for e, old in moved.values()
            if e.date != old
        )
        HouseholdEvent.objects.bulk_update(
            [e for e, _ in moved.values()], ["date"], batch_size=BATCH
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_job_heartbeat"),
        ("registry", "0008_person_birth_date_index"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
