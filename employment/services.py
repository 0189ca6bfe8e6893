"""What the employment ledger keeps beside its rows: the register's 务工状况 follows each
labourer's latest month (set-wise, in the transaction that wrote the rows)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from core import audit
from core.batching import chunks
from core.models import AuditRecord
from employment.models import EmploymentRow
from registry.models import Person

OUT = ("省外务工", "县外省内务工")  # 外出务工
LOCAL = ("县内务工", "乡镇内务工")  # 县内务工


def after_employment_write(*, actor: Any, values: list[dict[str, Any]], how: str = "save") -> None:
    """The kit's hook after employment rows were imported, saved or deleted."""
    follow_latest_month({v["person_id"] for v in values if v.get("person_id")}, actor=actor)


def follow_latest_month(person_ids: Iterable[int], *, actor: Any = None) -> int:
    """Set each person's 务工状况 on the register to that of their latest month in the ledger
    (务工地点 is cleared for one now 未务工); a person with no month keeps what the register has.
    Every change is audited on the person. Returns how many persons changed."""
    latest = Subquery(
        EmploymentRow.objects.filter(person_id=OuterRef("pk"))
        .order_by("-month")
        .values("status")[:1]
    )
    changed = 0
    now = timezone.now()
    for chunk in chunks(sorted(set(person_ids))):
        found = (
            Person.objects.filter(pk__in=chunk)
            .annotate(latest=latest)
            .exclude(latest=None)
            .exclude(employment=F("latest"))
            .values_list("pk", "employment", "work_place", "latest", "household_id", "name")
        )
        by_status: dict[str, list[int]] = {}
        records = []
        for pk, before, place, status, household_id, name in found:
            by_status.setdefault(status, []).append(pk)
            after: dict[str, Any] = {"employment": status}
            was: dict[str, Any] = {"employment": before}
            if status == "未务工" and place:
                after["work_place"], was["work_place"] = "", place
            records.append(
                AuditRecord(
                    action="update",
                    object_type="registry.person",
                    object_id=str(pk),
                    object_repr=name[:200],
                    before=was,
                    after=after,
                    household_id=household_id,
                    note="务工状况随务工监测（一月一报）最近月份更新",
                )
            )
        for status, pks in by_status.items():
            fields: dict[str, Any] = {"employment": status, "updated_at": now}
            if status == "未务工":
                fields["work_place"] = ""
            Person.objects.filter(pk__in=pks).update(**fields)
        audit.audit_objects(actor, "update", records)
        changed += len(records)
    return changed
