"""Re-date the 标注脱贫户 events of 脱贫户 registered without 脱贫年度 (CHANGELOG, fix-allev).

Such a household's event was dated the day it was recorded, so statistics as of any earlier date
left it out of 脱贫户 while counting it as a 脱贫不稳定户. It now takes the date
`registry.rules.alleviated_date` gives: 2020-12-31, or a 脱贫不稳定户's earlier 识别监测时间.

Only households still 脱贫户 with no 清退 in their history: after a 清退 a later event may record
the re-marking, which must stay after it. Each moved event is audited, as a change of the
register is. The rule is copied here, not imported: a migration keeps the rule of its day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations

LAST_ALLEVIATION = dt.date(2020, 12, 31)
NOTE = "数据修复：未填脱贫年度的脱贫户按2020年底（或更早的识别监测时间）标注脱贫户"
BATCH = 500


def _date(h: Any) -> dt.date:
    if h.category == "脱贫不稳定户" and h.identified_date:
        return min(LAST_ALLEVIATION, h.identified_date)
    return LAST_ALLEVIATION


def redate(apps: Any, schema_editor: Any) -> None:
    Household = apps.get_model("registry", "Household")
    HouseholdEvent = apps.get_model("registry", "HouseholdEvent")
    AuditRecord = apps.get_model("core", "AuditRecord")
    late = HouseholdEvent.objects.filter(
        kind="alleviated",
        date__gt=LAST_ALLEVIATION,
        household__is_alleviated=True,
        household__alleviated_year__isnull=True,
    ).exclude(household__events__kind="unalleviated")
    wanted = sorted(set(late.values_list("pk", flat=True)))
    for start in range(0, len(wanted), BATCH):
        events = list(
            HouseholdEvent.objects.filter(pk__in=wanted[start : start + BATCH]).select_related(
                "household"
            )
        )
        moved = []
        for e in events:
            old, e.date = e.date, _date(e.household)
            moved.append((e, old))
        AuditRecord.objects.bulk_create(
            AuditRecord(
                action="update",
                object_type="registry.householdevent",
                object_id=str(e.pk),
                object_repr=f"{e.date} {e.kind}",
                before={"date": old.isoformat()},
                after={"date": e.date.isoformat()},
                household_id=e.household_id,
                region_id=e.household.region_id,
                note=NOTE,
            )
            for e, old in moved
        )
        HouseholdEvent.objects.bulk_update(events, ["date"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_job_heartbeat"),
        ("registry", "0010_no_index_a_key_serves"),
    ]

    operations = [migrations.RunPython(redate, migrations.RunPython.noop)]
